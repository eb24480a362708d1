#include "workers/input_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;
using ::wordmill::testing::WriteZstdFile;

constexpr char kBrownLine[] =
    "\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
    "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` "
    "no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.\n";

InputSpec SpecFor(const std::vector<std::string>& inputs) {
  InputSpec spec;
  for (const std::string& input : inputs) spec.add_input(input);
  return spec;
}

std::vector<std::string> Paths(const std::vector<InputFile>& files) {
  std::vector<std::string> paths;
  for (const InputFile& f : files) paths.push_back(f.path);
  return paths;
}

TEST(ExpandInputsTest, FilesDirectoriesAndGlobsSortedAndDeduplicated) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("corpus/sub/deep"));
  std::filesystem::create_directories(dir.File("corpus/.git"));
  WriteFile(dir.File("corpus/b.txt"), "b\n");
  WriteFile(dir.File("corpus/a.txt"), "a\n");
  WriteFile(dir.File("corpus/sub/c.txt"), "c\n");
  WriteFile(dir.File("corpus/sub/deep/d.txt"), "d\n");
  WriteFile(dir.File("corpus/sub/.hidden.txt"), "hidden\n");
  WriteFile(dir.File("corpus/.git/config"), "hidden\n");
  WriteFile(dir.File("other.txt"), "other\n");

  absl::StatusOr<std::vector<InputFile>> files =
      ExpandInputs(SpecFor({dir.File("other.txt"), dir.File("corpus"), dir.File("corpus/*.txt"),
                            dir.File("other.txt"), dir.File("corpus/./a.txt")}));
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(Paths(*files),
            (std::vector<std::string>{dir.File("corpus/a.txt"), dir.File("corpus/b.txt"),
                                      dir.File("corpus/sub/c.txt"),
                                      dir.File("corpus/sub/deep/d.txt"), dir.File("other.txt")}));
  for (const InputFile& f : *files) {
    EXPECT_EQ(f.size, 2 + (f.path == dir.File("other.txt") ? 4 : 0));
    EXPECT_EQ(f.compression, COMPRESSION_NONE);
    EXPECT_EQ(f.format, FORMAT_PLAIN);
  }
}

TEST(ExpandInputsTest, GlobMatchingDirectoryWalksIt) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("part1"));
  std::filesystem::create_directories(dir.File("part2"));
  WriteFile(dir.File("part1/x"), "x\n");
  WriteFile(dir.File("part2/y"), "y\n");
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({dir.File("part?")}));
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(Paths(*files), (std::vector<std::string>{dir.File("part1/x"), dir.File("part2/y")}));
}

TEST(ExpandInputsTest, NothingMatchedNamesThePath) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("empty/.only_hidden"));
  WriteFile(dir.File("empty/.only_hidden/f"), "x\n");
  WriteFile(dir.File("real.txt"), "x\n");
  for (const std::string& input :
       {dir.File("missing.txt"), dir.File("*.nothing"), dir.File("empty")}) {
    absl::StatusOr<std::vector<InputFile>> files =
        ExpandInputs(SpecFor({dir.File("real.txt"), input}));
    ASSERT_FALSE(files.ok()) << input;
    EXPECT_EQ(files.status().code(), absl::StatusCode::kNotFound) << files.status();
    EXPECT_NE(files.status().message().find(input), std::string::npos) << files.status();
  }
  EXPECT_FALSE(ExpandInputs(InputSpec()).ok());
}

TEST(ExpandInputsTest, ReadErrorNamesThePath) {
  // Reading the first bytes of /proc/self/mem fails with EIO (page 0 is never mapped).
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({"/proc/self/mem"}));
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("/proc/self/mem"), std::string::npos) << files.status();
}

TEST(ExpandInputsTest, UnreadableFileNamesThePath) {
  // A dangling symlink cannot be opened, whoever runs the test (root included).
  TempDir dir;
  ASSERT_EQ(symlink(dir.File("gone.txt").c_str(), dir.File("link.txt").c_str()), 0);
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({dir.File("link.txt")}));
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find(dir.File("link.txt")), std::string::npos)
      << files.status();
}

TEST(ExpandInputsTest, ThousandsOfFilesKeepNoDescriptorsOpen) {
  TempDir dir;
  constexpr int kFiles = 3000;  // above the usual 1024 open-file limit
  for (int i = 0; i < kFiles; ++i) {
    WriteFile(dir.File("f" + std::to_string(100000 + i) + ".txt"), "word\n");
  }
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({dir.path()}));
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), kFiles);
  EXPECT_EQ((*files)[0].path, dir.File("f100000.txt"));
}

TEST(ExpandInputsTest, ResolvesCompressionAndFormat) {
  TempDir dir;
  WriteZstdFile(dir.File("wiki_00"), "<doc id=\"1\" title=\"A\">\nA\n\nText.\n</doc>\n");
  WriteZstdFile(dir.File("brown.zst"), kBrownLine);
  WriteFile(dir.File("empty.zst"), "");
  WriteFile(dir.File("rows.jsonl"), "{\"text\": \"a\"}\n");
  WriteZstdFile(dir.File("rows.ndjson.zst"), "{\"text\": \"a\"}\n");
  WriteFile(dir.File("plain.txt"), "Just text.\n");
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({dir.path()}));
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 6u);
  auto expect = [&](int i, const std::string& name, Compression c, InputFormat f) {
    EXPECT_EQ((*files)[i].path, dir.File(name));
    EXPECT_EQ((*files)[i].compression, c) << name;
    EXPECT_EQ((*files)[i].format, f) << name;
  };
  expect(0, "brown.zst", COMPRESSION_ZSTD, FORMAT_BROWN);
  expect(1, "empty.zst", COMPRESSION_ZSTD, FORMAT_PLAIN);
  expect(2, "plain.txt", COMPRESSION_NONE, FORMAT_PLAIN);
  expect(3, "rows.jsonl", COMPRESSION_NONE, FORMAT_JSONL);
  expect(4, "rows.ndjson.zst", COMPRESSION_ZSTD, FORMAT_JSONL);
  expect(5, "wiki_00", COMPRESSION_ZSTD, FORMAT_WIKIEXTRACTOR);

  InputSpec forced = SpecFor({dir.File("plain.txt")});
  forced.set_format(FORMAT_BROWN);
  forced.set_compression(COMPRESSION_ZSTD);
  files = ExpandInputs(forced);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ((*files)[0].format, FORMAT_BROWN);
  EXPECT_EQ((*files)[0].compression, COMPRESSION_ZSTD);
}

TEST(ExpandInputsTest, CorruptZstdDuringSniffingNamesThePath) {
  TempDir dir;
  WriteFile(dir.File("bad.zst"), std::string("\x28\xB5\x2F\xFD garbage garbage", 20));
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(SpecFor({dir.File("bad.zst")}));
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find(dir.File("bad.zst")), std::string::npos);
}

TEST(DetectFormatTest, ByName) {
  EXPECT_EQ(DetectFormat("a/b.jsonl", "plain"), FORMAT_JSONL);
  EXPECT_EQ(DetectFormat("a/b.ndjson", "plain"), FORMAT_JSONL);
  EXPECT_EQ(DetectFormat("a/b.JSONL.zst", "plain"), FORMAT_JSONL);
  EXPECT_EQ(DetectFormat("a/b.jsonl.zstd", "plain"), FORMAT_JSONL);
  EXPECT_EQ(DetectFormat("a/b.json", "plain"), FORMAT_PLAIN);
}

TEST(DetectFormatTest, WikiExtractor) {
  EXPECT_EQ(DetectFormat("wiki_00", "<doc id=\"1\" url=\"?curid=1\" title=\"A\">\nA\n"),
            FORMAT_WIKIEXTRACTOR);
  EXPECT_EQ(DetectFormat("wiki_00", "\n  \n<doc id=\"1\">\n"), FORMAT_WIKIEXTRACTOR);
  EXPECT_EQ(DetectFormat("wiki_00", "text\n<doc id=\"1\">\n"), FORMAT_PLAIN);
}

TEST(DetectFormatTest, Brown) {
  EXPECT_EQ(DetectFormat("ca01", kBrownLine), FORMAT_BROWN);
  EXPECT_EQ(DetectFormat("ca01", std::string("\n\n") + kBrownLine + "\n" + kBrownLine),
            FORMAT_BROWN);
  // Too few items to tell.
  EXPECT_EQ(DetectFormat("ca01", "The/at jury/nn said/vbd ./.\n"), FORMAT_PLAIN);
  // Prose with an occasional slash is plain.
  EXPECT_EQ(DetectFormat("notes.txt",
                         "Read the input and/or output files from the current directory, then "
                         "write one line per paragraph and a blank line between documents; "
                         "see docs/usage for details.\n"),
            FORMAT_PLAIN);
}

TEST(DetectFormatTest, PlainByDefault) {
  EXPECT_EQ(DetectFormat("x.txt", ""), FORMAT_PLAIN);
  EXPECT_EQ(DetectFormat("x.txt", "Hello world.\n"), FORMAT_PLAIN);
}

}  // namespace
}  // namespace wordmill
