#include "formats/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::ReadFile;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

std::string TempPathFor(const std::string& path) { return AtomicTempPath(path); }

// The temporary name carries the host and the pid: ranks on two machines writing into one shared
// directory never share a temporary file even when their pids coincide.
TEST(AtomicFileWriterTest, TemporaryNameNamesHostAndProcess) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  std::string first(host);
  first = first.substr(0, first.find('.'));
  EXPECT_EQ(AtomicTempPath("/d/out.bin"),
            "/d/out.bin.tmp." + first + "." + std::to_string(::getpid()));
}

TEST(AtomicFileWriterTest, NothingAtFinalPathBeforeCommit) {
  TempDir dir;
  std::string path = dir.File("out.bin");
  auto writer = AtomicFileWriter::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Write("hello ").ok());
  // More than the internal buffer, so some bytes surely reached the temporary file.
  std::string big(3 << 20, 'x');
  ASSERT_TRUE((*writer)->Write(big).ok());
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(Exists(TempPathFor(path)));
  EXPECT_EQ((*writer)->size(), static_cast<int64_t>(6 + big.size()));
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_FALSE(Exists(TempPathFor(path)));
  EXPECT_EQ(ReadFile(path), "hello " + big);
}

TEST(AtomicFileWriterTest, DestroyedWithoutCommitRemovesTemp) {
  TempDir dir;
  std::string path = dir.File("out.bin");
  {
    auto writer = AtomicFileWriter::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Write(std::string(2 << 20, 'y')).ok());
    EXPECT_TRUE(Exists(TempPathFor(path)));
  }
  EXPECT_FALSE(Exists(TempPathFor(path)));
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(AtomicFileWriterTest, DestroyedWithoutCommitKeepsOldFile) {
  TempDir dir;
  std::string path = dir.File("out.txt");
  WriteFile(path, "old contents");
  {
    auto writer = AtomicFileWriter::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Write("new").ok());
  }
  EXPECT_EQ(ReadFile(path), "old contents");
}

TEST(AtomicFileWriterTest, CommitReplacesExistingFile) {
  TempDir dir;
  std::string path = dir.File("out.txt");
  WriteFile(path, "a much longer old version of the file");
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_EQ(std::filesystem::directory_iterator(dir.path())->path().filename(), "out.txt");
}

TEST(AtomicFileWriterTest, WriteAtRewritesInPlace) {
  TempDir dir;
  std::string path = dir.File("out.bin");
  auto writer = AtomicFileWriter::Open(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("0123456789").ok());
  ASSERT_TRUE((*writer)->WriteAt(2, "ab").ok());
  ASSERT_TRUE((*writer)->Write("XYZ").ok());
  ASSERT_TRUE((*writer)->WriteAt(11, "q").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(ReadFile(path), "01ab456789XqZ");
}

TEST(AtomicFileWriterTest, WriteAtBeyondEndIsRejected) {
  TempDir dir;
  auto writer = AtomicFileWriter::Open(dir.File("out.bin"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("abc").ok());
  EXPECT_EQ((*writer)->WriteAt(2, "xy").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*writer)->WriteAt(-1, "x").code(), absl::StatusCode::kInvalidArgument);
}

TEST(AtomicFileWriterTest, UseAfterCommitFails) {
  TempDir dir;
  auto writer = AtomicFileWriter::Open(dir.File("out.bin"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ((*writer)->Write("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(dir.File("out.bin")), "");
}

TEST(AtomicFileWriterTest, MissingDirectoryIsNotFoundNamingPath) {
  TempDir dir;
  std::string path = dir.File("no/such/dir/out.bin");
  auto writer = AtomicFileWriter::Open(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(writer.status().message().find(path), std::string::npos) << writer.status();
}

TEST(AtomicFileWriterTest, FullDiskIsResourceExhausted) {
  ASSERT_TRUE(std::filesystem::exists("/dev/full"));
  // /dev/full fails every write with ENOSPC; write the "temporary file" there via a symlink.
  TempDir dir;
  std::string path = dir.File("out.bin");
  std::filesystem::create_symlink("/dev/full", TempPathFor(path));
  auto writer = AtomicFileWriter::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status status = (*writer)->Write(std::string(4 << 20, 'z'));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
}

TEST(ReadFileToStringTest, ReadsAndReportsMissingFile) {
  TempDir dir;
  WriteFile(dir.File("a"), std::string("bytes\0with nul", 14));
  auto contents = ReadFileToString(dir.File("a"));
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, std::string("bytes\0with nul", 14));
  auto missing = ReadFileToString(dir.File("missing"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("missing")), std::string::npos);
}

}  // namespace
}  // namespace wordmill
