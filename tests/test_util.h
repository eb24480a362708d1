// Helpers shared by the tests: temporary directories, files, running the wordmill binary.
#ifndef WORDMILL_TESTS_TEST_UTIL_H_
#define WORDMILL_TESTS_TEST_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

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

// Jobs started in their own session, so that a test can kill all their processes (mpirun and
// its ranks) or single ones.
// The processes of session `sid` that are not zombies.
std::vector<pid_t> SessionProcesses(pid_t sid);
// Starts `command` (a shell command line) in a new session with stdout and stderr to `log`;
// returns the session id (the leader's pid, which the leader writes itself: setsid may or may
// not fork), or 0 if it did not start within 20 s.
pid_t StartInSession(const std::string& command, const std::string& log);
// SIGKILL to every process of the session, then waits until they are gone; false if some
// survived 10 s.
bool KillSession(pid_t sid);
// Waits until `path` exists, while the session's processes live (at most 10 minutes, so a
// heavily loaded machine cannot make a point look unreachable); whether it exists.
bool WaitForFile(const std::string& path, pid_t sid);

}  // namespace wordmill::testing

#endif  // WORDMILL_TESTS_TEST_UTIL_H_
