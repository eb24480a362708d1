// Helpers shared by the tests: temporary directories, files, running the wordmill binary.
#ifndef WORDMILL_TESTS_TEST_UTIL_H_
#define WORDMILL_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <string>

namespace wordmill::testing {

// A fresh empty directory under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);
// Compresses `contents` with zstd into `path`.
void WriteZstdFile(const std::string& path, const std::string& contents);

// Text of `lines` lines of `line_words` words from two disjoint topics, a0..a<topic_words - 1>
// on even lines and b0.. on odd ones, drawn by std::mt19937(seed).
std::string TopicCorpus(int lines, uint32_t seed, int topic_words = 30, int line_words = 20);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// `s` quoted for the shell (single quotes; embedded single quotes escaped).
std::string Quote(const std::string& s);

// Runs a shell command, capturing its output.
CommandResult RunCommand(const std::string& command);

// The wordmill binary ($WORDMILL_BIN), and `mpirun --oversubscribe -np N <wordmill>`.
std::string WordmillBin();
// The source tree ($WORDMILL_SOURCE or the configured one).
std::string SourceDir();
std::string MpiWordmill(int ranks);
// ../shared ($WORDMILL_SHARED or next to the source tree), or "" if it does not exist (tests
// then GTEST_SKIP with the path in the message).
std::string SharedDir();

}  // namespace wordmill::testing

#endif  // WORDMILL_TESTS_TEST_UTIL_H_
