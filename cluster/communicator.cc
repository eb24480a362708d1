#include "cluster/communicator.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace wordmill {

absl::Status Communicator::AgreeOk(const absl::Status& local) {
  // The lowest failing rank, or size() if none failed.
  int64_t first_failed = local.ok() ? size() : rank();
  absl::Status reduced = AllReduce(absl::MakeSpan(&first_failed, 1), ReduceOp::kMin);
  if (!reduced.ok()) return reduced;
  if (!local.ok()) return local;
  if (first_failed < size()) {
    return absl::AbortedError(absl::StrCat("stopped because rank ", first_failed, " failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Communicator::SumInt64(int64_t value) {
  absl::Status s = AllReduce(absl::MakeSpan(&value, 1), ReduceOp::kSum);
  if (!s.ok()) return s;
  return value;
}

absl::StatusOr<int64_t> Communicator::MaxInt64(int64_t value) {
  absl::Status s = AllReduce(absl::MakeSpan(&value, 1), ReduceOp::kMax);
  if (!s.ok()) return s;
  return value;
}

}  // namespace wordmill
