#include "base/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace wordmill {
namespace {

absl::Status Fail(absl::string_view message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError(absl::StrCat(x, " is odd"));
  return x / 2;
}

absl::Status Steps(bool fail_second, int* calls) {
  WM_RETURN_IF_ERROR((++*calls, absl::OkStatus()));
  WM_RETURN_IF_ERROR((++*calls, fail_second ? Fail("second") : absl::OkStatus()));
  ++*calls;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int calls = 0;
  EXPECT_TRUE(Steps(false, &calls).ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  const absl::Status s = Steps(true, &calls);
  EXPECT_EQ(s, absl::InvalidArgumentError("second"));
  EXPECT_EQ(calls, 2);
}

absl::Status CheckHalf(int x) {
  WM_RETURN_IF_ERROR(Half(x));  // a StatusOr: the value is dropped
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorAcceptsStatusOr) {
  EXPECT_TRUE(CheckHalf(4).ok());
  EXPECT_EQ(CheckHalf(3), absl::InvalidArgumentError("3 is odd"));
}

// Several macros in one function (distinct temporaries), declaring and assigning.
absl::StatusOr<int> Quarter(int x) {
  WM_ASSIGN_OR_RETURN(const int half, Half(x));
  int quarter = -1;
  WM_ASSIGN_OR_RETURN(quarter, Half(half));
  return quarter;
}

TEST(StatusMacrosTest, AssignOrReturn) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status(), absl::InvalidArgumentError("3 is odd"));
  EXPECT_EQ(Quarter(5).status(), absl::InvalidArgumentError("5 is odd"));
}

absl::StatusOr<std::unique_ptr<std::string>> MakeText(bool ok) {
  if (!ok) return absl::NotFoundError("no text");
  return std::make_unique<std::string>("text");
}

// Move-only values are moved out; the expression is evaluated once.
absl::Status TakeText(bool ok, int* evaluations, std::string* out) {
  WM_ASSIGN_OR_RETURN(std::unique_ptr<std::string> text, (++*evaluations, MakeText(ok)));
  *out = *text;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnMovesOnce) {
  int evaluations = 0;
  std::string out;
  EXPECT_TRUE(TakeText(true, &evaluations, &out).ok());
  EXPECT_EQ(out, "text");
  EXPECT_EQ(evaluations, 1);
  EXPECT_EQ(TakeText(false, &evaluations, &out), absl::NotFoundError("no text"));
  EXPECT_EQ(evaluations, 2);
}

}  // namespace
}  // namespace wordmill
