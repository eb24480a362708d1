// `wordmill --version` and `wordmill version`: every BuildInfo field printed, equal to what the
// libraries report in-process; the commit is the source tree's HEAD; extra arguments exit 2.
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/build_info.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(VersionCommandTest, PrintsEveryField) {
  const BuildInfo& info = GetBuildInfo();
  EXPECT_THAT(info.version(), MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
  EXPECT_EQ(info.build_type(), "Release");
  EXPECT_THAT(info.arch_flags(), HasSubstr("-march="));
  EXPECT_THAT(info.openmpi(), MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
  EXPECT_THAT(info.mpi_library(), HasSubstr("Open MPI v" + info.openmpi()));
  EXPECT_THAT(info.abseil(), MatchesRegex("20[0-9]{6}\\.[0-9]+"));
  EXPECT_THAT(info.protobuf(), MatchesRegex("3\\.[0-9]+\\.[0-9]+"));
  EXPECT_THAT(info.zstd(), MatchesRegex("1\\.[0-9]+\\.[0-9]+.*"));
  // The in-process library has no commit (only the wordmill executable links it).
  EXPECT_EQ(info.git_commit(), "unknown");

  for (const char* command : {" --version", " version"}) {
    SCOPED_TRACE(command);
    testing::CommandResult r = testing::RunCommand(testing::WordmillBin() + command + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    BuildInfo with_commit = info;
    const size_t start = r.output.find("(commit ") + 8;
    ASSERT_NE(start, std::string::npos + 8) << r.output;
    with_commit.set_git_commit(r.output.substr(start, r.output.find(',', start) - start));
    EXPECT_EQ(r.output, FormatBuildInfo(with_commit));
    for (const std::string& field :
         {info.version(), info.build_type(), info.arch_flags(), info.compiler(), info.openmpi(),
          info.mpi_library(), info.abseil(), info.protobuf(), info.zstd()}) {
      EXPECT_THAT(r.output, HasSubstr(field));
    }
    // The commit of the source tree the binary was built from (when it is a git checkout).
    testing::CommandResult head =
        testing::RunCommand("git -C " + testing::Quote(testing::SourceDir()) +
                            " rev-parse --short=12 HEAD 2>/dev/null");
    if (head.exit_code == 0 && head.output.size() > 1) {
      head.output.pop_back();  // '\n'
      EXPECT_TRUE(with_commit.git_commit() == head.output ||
                  with_commit.git_commit() == head.output + "-dirty")
          << with_commit.git_commit() << " vs HEAD " << head.output;
    }
  }
  testing::CommandResult extra =
      testing::RunCommand(testing::WordmillBin() + " version extra 2>&1");
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_THAT(extra.output, HasSubstr("usage: wordmill version"));
}

}  // namespace
}  // namespace wordmill
