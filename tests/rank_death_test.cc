// One rank of a two-rank `wordmill run` dies (SIGKILL of that process only, not the job) in
// every stage kind, while the other rank goes on into the stage's collectives: the job must end
// by itself (no rank left hanging in a collective), with a message naming the dead rank and its
// host, and a rerun of the same command must resume and finish with verified outputs.
//
// Rank 0 is stopped at an exact point by the WORDMILL_PAUSE_AT test hook (pipeline/README.md),
// which writes rank 0's pid to WORDMILL_PAUSE_FILE; the other rank runs on into the stage and
// waits there in its first collective. Then either rank 0 (paused) or rank 1 (in a collective)
// is killed.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;
using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::Quote;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::SessionProcesses;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::TopicCorpus;
using ::wordmill::testing::WriteFile;

// The MPI rank of process `pid` (OMPI_COMM_WORLD_RANK in its environment), or -1.
int RankOf(pid_t pid) {
  std::string env;
  try {
    env = ReadFile(absl::StrCat("/proc/", pid, "/environ"));
  } catch (...) {
    return -1;
  }
  // Entries are NUL-separated; a leading NUL makes every entry start after one.
  const std::string entries = std::string(1, '\0') + env;
  const std::string key = std::string(1, '\0') + "OMPI_COMM_WORLD_RANK=";
  const size_t at = entries.find(key);
  if (at == std::string::npos) return -1;
  const size_t start = at + key.size();
  const std::string value = entries.substr(start, entries.find('\0', start) - start);
  int rank = -1;
  if (!absl::SimpleAtoi(value, &rank)) return -1;
  return rank;
}

std::string HostName() {
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  return name;
}

class RankDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("corpus"));
    WriteFile(dir_.File("corpus/one.txt"), TopicCorpus(600, 1, 40, 16));
    WriteFile(dir_.File("corpus/two.txt"), TopicCorpus(500, 2, 40, 16));
    WriteFile(dir_.File("sim.txt"), "a1\ta2\t9\na1\tb1\t1\nb3\tb4\t8\na5\tb7\t2\na3\ta9\t7\n");
  }

  // Vocabulary (or a subword tokenizer and its token vocabulary), skip-gram, co-occurrence,
  // GloVe, evaluation, export: every stage kind.
  std::string WriteConfig(const std::string& out, bool subword) {
    const std::string path = dir_.File(subword ? "subword.textproto" : "word.textproto");
    WriteFile(path, absl::StrCat("input { input: \"", dir_.File("corpus"), "\" }\n",
                                 subword ? "tokens {\n  unit: TOKEN_UNIT_SUBWORD\n"
                                           "  subword { model: SUBWORD_BPE vocab_size: 300 }\n}\n"
                                         : "vocabulary { min_count: 1 }\n",
                                 "cooccur { window: 4 memory_mb: 16 }\n"
                                 "model {\n  name: \"sg\"\n"
                                 "  sgns { dim: 8 window: 3 epochs: 3 sample: 0 seed: 5 }\n}\n"
                                 "model {\n  name: \"gl\"\n  glove { dim: 8 epochs: 3 }\n}\n",
                                 subword ? ""
                                         : absl::StrCat("evaluation { similarity: \"",
                                                        dir_.File("sim.txt"), "\" }\n"),
                                 "neighbors { word: \"a1\" k: 3 }\n"
                                 "runtime { threads: 1 progress_seconds: 0 }\noutput_dir: \"",
                                 out, "\"\n"));
    return path;
  }

  // Starts `config` on two ranks, waits until rank 0 pauses at `point`, SIGKILLs rank
  // `victim` only, and expects the job to end by itself naming the dead rank and this host.
  void KillOneRankAt(const std::string& config, const std::string& point, int victim) {
    SCOPED_TRACE(absl::StrCat(point, ", rank ", victim, " killed"));
    const std::string flag = dir_.File("paused");
    const std::string log = dir_.File("log");
    fs::remove(flag);
    const pid_t sid = testing::StartInSession(
        absl::StrCat("env WORDMILL_PAUSE_AT=", point, " WORDMILL_PAUSE_FILE=", Quote(flag), " ",
                     MpiWordmill(2), " run ", Quote(config)),
        log);
    ASSERT_NE(sid, 0) << "the job did not start";
    ASSERT_TRUE(testing::WaitForFile(flag, sid)) << "did not pause at " << point << "\n"
                                                 << ReadFile(log);
    pid_t rank0 = 0;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(flag)), &rank0));
    pid_t target = rank0;
    if (victim != 0) {
      target = 0;
      for (pid_t p : SessionProcesses(sid)) {
        if (RankOf(p) == victim) target = p;
      }
      ASSERT_NE(target, 0) << "no process of rank " << victim;
    }
    ASSERT_EQ(kill(target, SIGKILL), 0);
    // The job must end by itself: the surviving rank may not hang in its collective. 300 s
    // bounds a hang on a loaded machine; Open MPI normally ends the job within a second.
    bool ended = false;
    for (int i = 0; i < 3000 && !ended; ++i) {
      ended = SessionProcesses(sid).empty();
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ended) testing::KillSession(sid);
    const std::string output = ReadFile(log);
    EXPECT_TRUE(ended) << "the job hung after rank " << victim << " died\n" << output;
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat("rank ", victim)) &&
                absl::StrContains(output, HostName()) && absl::StrContains(output, "signal 9"))
        << "the message does not name the dead rank and its host:\n"
        << output;
  }

  // After the deaths, the same command resumes and completes every stage.
  void ExpectRerunCompletes(const std::string& config, const std::string& out) {
    const testing::CommandResult r =
        RunCommand(absl::StrCat(MpiWordmill(2), " run ", Quote(config)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(fs::exists(out + "/report.md")) << r.output;
    EXPECT_TRUE(fs::exists(out + "/sg/vectors.wmv")) << r.output;
    EXPECT_TRUE(fs::exists(out + "/gl/vectors.wmv")) << r.output;
    // A second rerun finds everything complete and verified.
    const testing::CommandResult again =
        RunCommand(absl::StrCat(MpiWordmill(2), " run ", Quote(config)));
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_TRUE(absl::StrContains(again.output, " 0 run,")) << again.output;
  }

  TempDir dir_;
};

TEST_F(RankDeathTest, ARankKilledInAnyWordStageEndsTheJobAndTheRerunFinishes) {
  const std::string out = dir_.File("out");
  const std::string config = WriteConfig(out, /*subword=*/false);
  // Every stage kind of a word pipeline, at its start and inside the trainers' epochs; the
  // rerun after each death resumes from what the previous attempts completed.
  KillOneRankAt(config, "vocab:start", 0);
  KillOneRankAt(config, "vocab:start", 1);
  KillOneRankAt(config, "cooccur:start", 1);
  KillOneRankAt(config, "model-sg:epoch1", 1);
  KillOneRankAt(config, "eval-sg:start", 1);
  KillOneRankAt(config, "export-sg:start", 0);
  KillOneRankAt(config, "model-gl:epoch1", 0);
  KillOneRankAt(config, "export-gl:start", 1);
  ExpectRerunCompletes(config, out);
}

TEST_F(RankDeathTest, ARankKilledInTheSubwordStagesEndsTheJobAndTheRerunFinishes) {
  const std::string out = dir_.File("out-subword");
  const std::string config = WriteConfig(out, /*subword=*/true);
  KillOneRankAt(config, "tokenizer:start", 1);
  KillOneRankAt(config, "vocab:start", 1);
  ExpectRerunCompletes(config, out);
}

// A rank that fails on bad input while the other waits in a collective: every rank stops at
// the same agreement point with exit code 2 and the failing rank's message (no hang, no crash).
TEST_F(RankDeathTest, ARankFailingOnBadInputEndsTheJobWithItsMessage) {
  // Two files, the work shared by the ranks; the second is a truncated zstd stream.
  fs::remove(dir_.File("corpus/two.txt"));
  testing::WriteZstdFile(dir_.File("corpus/two.txt.zst"), TopicCorpus(500, 2, 40, 16));
  const std::string zst = ReadFile(dir_.File("corpus/two.txt.zst"));
  WriteFile(dir_.File("corpus/two.txt.zst"), zst.substr(0, zst.size() / 2));
  const std::string out = dir_.File("out-bad");
  const testing::CommandResult r =
      RunCommand(absl::StrCat(MpiWordmill(2), " run ", Quote(WriteConfig(out, /*subword=*/false))));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, dir_.File("corpus/two.txt.zst"))) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "truncated")) << r.output;
}

}  // namespace
}  // namespace wordmill
