// workers/shared_file_list.h: the file list's wire encoding, and ShareFileList across ranks
// (threads of one process) giving every rank the list one process expands alone.
#include "workers/shared_file_list.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

bool SameFiles(const std::vector<InputFile>& a, const std::vector<InputFile>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].path != b[i].path || a[i].size != b[i].size || a[i].compression != b[i].compression ||
        a[i].format != b[i].format) {
      return false;
    }
  }
  return true;
}

TEST(SharedFileListTest, EncodingRoundTripsAndRefusesTruncatedBytes) {
  std::vector<InputFile> files(3);
  files[0] = {"a.txt", 12, COMPRESSION_NONE, FORMAT_PLAIN};
  files[1] = {"dir/b.zst", 1LL << 40, COMPRESSION_ZSTD, FORMAT_JSONL};
  files[2] = {"", 0, COMPRESSION_NONE, FORMAT_WIKIEXTRACTOR};
  const std::string bytes = EncodeFileList(files);
  absl::StatusOr<std::vector<InputFile>> back = DecodeFileList(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(SameFiles(files, *back));
  EXPECT_TRUE(DecodeFileList(EncodeFileList({}))->empty());
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_EQ(DecodeFileList(bytes.substr(0, cut)).status().code(), absl::StatusCode::kInternal)
        << cut;
  }
}

TEST(SharedFileListTest, EveryRankGetsTheListOneProcessExpands) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.File("in/sub"));
  for (int i = 0; i < 7; ++i) {
    const std::string text = absl::StrCat("file ", i, " has some words\n");
    if (i % 2 == 0) {
      testing::WriteZstdFile(dir.File(absl::StrCat("in/sub/f", i, ".txt.zst")), text);
    } else {
      testing::WriteFile(dir.File(absl::StrCat("in/f", i, ".txt")), text);
    }
  }
  InputSpec spec;
  spec.add_input(dir.File("in"));
  absl::StatusOr<std::vector<InputFile>> expected = ExpandInputs(spec);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(expected->size(), 7u);
  for (int ranks : {1, 3, 8}) {  // 8 ranks: some resolve no file
    testing::InProcessRanks group(ranks);
    std::vector<std::vector<InputFile>> got(ranks);
    group.Run([&](int rank, Communicator* comm) {
      absl::StatusOr<std::vector<InputFile>> files = ShareFileList(spec, comm);
      ASSERT_TRUE(files.ok()) << files.status();
      got[rank] = *files;
    });
    for (int r = 0; r < ranks; ++r) EXPECT_TRUE(SameFiles(got[r], *expected)) << ranks << " " << r;
  }
}

TEST(SharedFileListTest, AMissingInputFailsOnEveryRankNamingIt) {
  testing::TempDir dir;
  InputSpec spec;
  spec.add_input(dir.File("missing"));
  testing::InProcessRanks group(2);
  std::vector<absl::Status> status(2);
  group.Run(
      [&](int rank, Communicator* comm) { status[rank] = ShareFileList(spec, comm).status(); });
  EXPECT_NE(status[0].message().find("missing"), absl::string_view::npos) << status[0];
  EXPECT_FALSE(status[1].ok());
}

}  // namespace
}  // namespace wordmill
