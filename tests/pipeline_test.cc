// End-to-end tests of `wordmill run`: config errors with line numbers, bad directories,
// skip/re-run logic from the manifests, damaged manifests, and SIGKILLs of the whole mpirun job
// at exact points of every stage (and at pseudo-random times) followed by a rerun that must give
// the same bytes as an uninterrupted run.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
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
using ::wordmill::testing::WaitForFile;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("corpus"));
    WriteFile(dir_.File("corpus/one.txt"), TopicCorpus(500, 1, 40, 16));
    WriteFile(dir_.File("corpus/two.txt"), TopicCorpus(400, 2, 40, 16));
    WriteFile(dir_.File("sim.txt"), "a1\ta2\t9\na1\tb1\t1\nb3\tb4\t8\na5\tb7\t2\na3\ta9\t7\n");
  }

  // A small pipeline: vocabulary, skip-gram, co-occurrence, GloVe, evaluation, export.
  std::string Config(const std::string& out, int threads = 1) {
    return absl::StrCat(
        "input { input: \"", dir_.File("corpus"),
        "\" }\n"
        "vocabulary { min_count: 1 }\n"
        "cooccur { window: 4 memory_mb: 16 }\n"
        "model {\n  name: \"sg\"\n  sgns { dim: 8 window: 3 epochs: 3 sample: 0 seed: 5 }\n}\n"
        "model {\n  name: \"gl\"\n  glove { dim: 8 epochs: 4 }\n}\n"
        "evaluation { similarity: \"",
        dir_.File("sim.txt"),
        "\" }\n"
        "neighbors { word: \"a1\" k: 3 }\n"
        "runtime { threads: ",
        threads, " progress_seconds: 0 }\noutput_dir: \"", out, "\"\n");
  }

  std::string WriteConfig(const std::string& name, const std::string& text) {
    const std::string path = dir_.File(name);
    WriteFile(path, text);
    return path;
  }

  testing::CommandResult Run(int ranks, const std::string& config, const std::string& extra = "") {
    return RunCommand(absl::StrCat(ranks > 0 ? MpiWordmill(ranks) : WordmillBin(), " run ",
                                   Quote(config), " ", extra));
  }

  // The status of every stage in report.json, e.g. {"vocab": "skipped", ...}.
  static std::map<std::string, std::string> Statuses(const std::string& out) {
    std::map<std::string, std::string> statuses;
    const std::string json = ReadFile(out + "/report.json");
    size_t at = 0;
    while ((at = json.find("{\"stage\": \"", at)) != std::string::npos) {
      at += 11;
      const std::string name = json.substr(at, json.find('"', at) - at);
      const size_t s = json.find("\"status\": \"", at) + 11;
      statuses[name] = json.substr(s, json.find('"', s) - s);
    }
    return statuses;
  }

  TempDir dir_;
};

TEST_F(PipelineTest, ConfigErrorsNameTheFileLineAndField) {
  const std::string good = Config(dir_.File("out"));
  // An unknown field (a typo) and a bad value: the parser's line and column.
  std::string typo = good;
  typo.replace(typo.find("vocabulary { min_count"), 22, "vocabulary { min_cuont");
  auto r = Run(0, WriteConfig("typo.textproto", typo));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("typo.textproto:2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("min_cuont"), std::string::npos) << r.output;

  std::string bad_value = good;
  bad_value.replace(bad_value.find("epochs: 3"), 9, "epochs: three");
  r = Run(0, WriteConfig("value.textproto", bad_value));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("value.textproto:6:"), std::string::npos) << r.output;

  // A value out of range: the subcommand's check, located at the field's line.
  std::string zero_dim = good;
  zero_dim.replace(zero_dim.find("glove { dim: 8"), 14, "glove {\n  dim: 0");
  r = Run(0, WriteConfig("dim.textproto", zero_dim));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("dim.textproto:11: model[1].glove.dim must be between 1 and 10000"),
            std::string::npos)
      << r.output;

  std::string twice = good;
  twice.replace(twice.find("name: \"gl\""), 10, "name: \"sg\"");
  r = Run(0, WriteConfig("twice.textproto", twice));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("twice.textproto:9: model[1].name: model name 'sg' is used twice"),
            std::string::npos)
      << r.output;

  r = Run(0, WriteConfig("export.textproto", good + "exports {\n  basename: \"v\"\n}\n" +
                                                 "exports {\n  input: \"x.bin\"\n}\n"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("export.textproto:19: exports[1]: input and output_dir are filled in"),
            std::string::npos)
      << r.output;

  r = Run(0, WriteConfig("good.textproto", good), "--set model[0].sgns.dimm=3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("wordmill.SgnsSpec has no field 'dimm'"), std::string::npos) << r.output;
  r = Run(0, dir_.File("missing.textproto"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.textproto"), std::string::npos) << r.output;
}

TEST_F(PipelineTest, PrintSpecShowsTheEffectiveConfigWithOverrides) {
  const std::string config = WriteConfig("c.textproto", Config(dir_.File("out")));
  auto r = Run(0, config, "--print-spec --set model[0].sgns.epochs=7 --set runtime.threads=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Defaults filled in, inside the repeated models too; overrides applied; work_dir resolved.
  EXPECT_NE(r.output.find("epochs: 7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("negative: 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("x_max: 10"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("max_line_bytes: 134217728"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("threads: 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(absl::StrCat("work_dir: \"", dir_.File("out"), "/work\"")),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir_.File("out")));
}

TEST_F(PipelineTest, BadDirectoriesAndMissingInputsAreClearErrors) {
  WriteFile(dir_.File("file"), "x");
  auto r = Run(0, WriteConfig("c.textproto", Config(dir_.File("file"))));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir_.File("file") + ": exists and is not a directory (output_dir)"),
            std::string::npos)
      << r.output;

  r = Run(0, WriteConfig("c.textproto", Config(dir_.File("out"))),
          "--set " + Quote("input.input=" + dir_.File("nothing-here")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir_.File("nothing-here")), std::string::npos) << r.output;

  // A read-only (immutable, so that root cannot write either) work directory.
  const std::string work = dir_.File("ro");
  fs::create_directories(work);
  if (RunCommand("chattr +i " + Quote(work)).exit_code != 0) {
    GTEST_SKIP() << "chattr +i is not available here for " << work;
  }
  r = Run(0, WriteConfig("c.textproto", Config(dir_.File("out2"))),
          "--set " + Quote("work_dir=" + work));
  RunCommand("chattr -i " + Quote(work));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(work + ": not writable"), std::string::npos) << r.output;
}

TEST_F(PipelineTest, RerunSkipsChangedOptionRedoesThatStageAndWhatFollows) {
  const std::string out = dir_.File("out");
  const std::string config = WriteConfig("c.textproto", Config(out));
  auto r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wordmill run: 8 stage(s), 8 run, 0 skipped"), std::string::npos)
      << r.output;
  for (const auto& [stage, status] : Statuses(out)) EXPECT_EQ(status, "ran") << stage;
  for (const char* f :
       {"/sg/vectors.bin", "/sg/vectors.txt", "/sg/vectors.glove.txt", "/sg/vectors.vec",
        "/sg/vectors.npy", "/sg/vectors.vocab.txt", "/sg/vectors.wmv", "/gl/vectors.wmv",
        "/gl/vocab.tsv", "/report.md", "/work/eval-sg/scores.textproto"}) {
    EXPECT_TRUE(fs::exists(out + f)) << f;
  }
  const std::string sg = ReadFile(out + "/sg/vectors.bin");
  const std::string vocab_manifest = ReadFile(out + "/work/vocab/MANIFEST.textproto");
  // The manifests and the report name the build that ran (`wordmill --version`).
  const std::string version = testing::RunCommand(testing::WordmillBin() + " --version").output;
  const size_t commit = version.find("(commit ") + 8;
  EXPECT_NE(vocab_manifest.find("git_commit: \"" +
                                version.substr(commit, version.find(',', commit) - commit) + "\""),
            std::string::npos)
      << vocab_manifest;
  EXPECT_NE(ReadFile(out + "/report.md").find(version.substr(0, version.find('\n'))),
            std::string::npos);

  r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8 stage(s), 0 run, 8 skipped"), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(out + "/work/vocab/MANIFEST.textproto"), vocab_manifest);

  // One GloVe option: that model, its evaluation and export run again; nothing else.
  r = Run(1, config, "--set model[1].glove.epochs=5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> expected = {{"vocab", "skipped"},     {"cooccur", "skipped"},
                                                 {"model-sg", "skipped"},  {"eval-sg", "skipped"},
                                                 {"export-sg", "skipped"}, {"model-gl", "redone"},
                                                 {"eval-gl", "redone"},    {"export-gl", "redone"}};
  EXPECT_EQ(Statuses(out), expected);
  EXPECT_EQ(ReadFile(out + "/work/vocab/MANIFEST.textproto"), vocab_manifest);
  EXPECT_EQ(ReadFile(out + "/sg/vectors.bin"), sg);

  // An export option: only the export stages run again.
  const std::string wmv = ReadFile(out + "/sg/vectors.wmv");
  r = Run(1, config, "--set model[1].glove.epochs=5 --set exports[0].dtype=WMV_FLOAT16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expected = {{"vocab", "skipped"},   {"cooccur", "skipped"},  {"model-sg", "skipped"},
              {"eval-sg", "skipped"}, {"export-sg", "redone"}, {"model-gl", "skipped"},
              {"eval-gl", "skipped"}, {"export-gl", "redone"}};
  EXPECT_EQ(Statuses(out), expected);
  EXPECT_LT(ReadFile(out + "/sg/vectors.wmv").size(), wmv.size());  // float16 rows

  // A vocabulary option that changes the vocabulary: everything after it runs again.
  r = Run(1, config, "--set model[1].glove.epochs=5 --set vocabulary.max_size=60");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8 stage(s), 8 run, 0 skipped"), std::string::npos) << r.output;

  // A deleted output: that stage is redone (from its final checkpoint); the identical bytes
  // leave the later stages valid.
  const std::string base = "--set model[1].glove.epochs=5 --set vocabulary.max_size=60";
  fs::remove(out + "/work/model-sg/vectors.txt");
  r = Run(1, config, base);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Statuses(out)["model-sg"], "redone");
  EXPECT_EQ(Statuses(out)["eval-sg"], "skipped");
  EXPECT_NE(r.output.find("vectors.txt: output is missing"), std::string::npos) << r.output;

  // A manifest edited by hand, or truncated: an error naming it; nothing is overwritten.
  const std::string manifest = out + "/work/cooccur/MANIFEST.textproto";
  const std::string saved = ReadFile(manifest);
  std::string edited = saved;
  edited.replace(edited.find("wall_seconds: "), 14, "wall_seconds: 1");
  WriteFile(manifest, edited);
  r = Run(1, config, base);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(manifest + ": manifest checksum does not match its contents"),
            std::string::npos)
      << r.output;
  WriteFile(manifest, saved.substr(0, saved.size() / 2));
  r = Run(1, config, base);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(manifest), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(manifest), saved.substr(0, saved.size() / 2));
  WriteFile(manifest, saved);
  r = Run(1, config, base);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8 stage(s), 0 run, 8 skipped"), std::string::npos) << r.output;
}

// Starts `command` in a new session (tests/test_util.h) and expects it to have started.
pid_t StartInSession(const std::string& command, const std::string& log) {
  const pid_t sid = testing::StartInSession(command, log);
  EXPECT_NE(sid, 0) << "the job did not start: " << command;
  return sid;
}

void KillSession(pid_t sid) {
  EXPECT_TRUE(testing::KillSession(sid)) << "session " << sid << " survived SIGKILL";
}

class PipelineKillTest : public PipelineTest {
 protected:
  // Runs `ranks` x `threads` until it pauses at `point`, then SIGKILLs the whole job. Returns
  // whether it paused there (false: it finished or failed first).
  bool KillAt(int ranks, const std::string& config, const std::string& point) {
    const std::string flag = dir_.File("paused");
    fs::remove(flag);
    const pid_t sid = StartInSession(
        absl::StrCat("env WORDMILL_PAUSE_AT=", point, " WORDMILL_PAUSE_FILE=", Quote(flag), " ",
                     MpiWordmill(ranks), " run ", Quote(config)),
        dir_.File("log"));
    const bool paused = WaitForFile(flag, sid);
    KillSession(sid);
    return paused;
  }
  // Runs and SIGKILLs the whole job after `ms` milliseconds.
  void KillAfter(int ranks, const std::string& config, int ms) {
    const pid_t sid =
        StartInSession(absl::StrCat(MpiWordmill(ranks), " run ", Quote(config)), dir_.File("log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    KillSession(sid);
  }
  // `kills` fresh one-rank runs killed at pseudo-random times in [min_ms, min_ms + spread_ms)
  // (seeded, so the schedule is the same every time), then a run to completion.
  testing::CommandResult KillRandomlyThenRun(const std::string& config, uint32_t seed, int kills,
                                             int min_ms, int spread_ms) {
    std::mt19937 gen(seed);
    for (int k = 0; k < kills; ++k) {
      KillAfter(1, config, min_ms + static_cast<int>(gen() % static_cast<uint32_t>(spread_ms)));
    }
    return Run(1, config);
  }
};

TEST_F(PipelineKillTest, KilledAnywhereOneThreadResumesToTheSameBytes) {
  const std::string ref = dir_.File("ref"), out = dir_.File("out");
  auto r = Run(1, WriteConfig("ref.textproto", Config(ref)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string config = WriteConfig("c.textproto", Config(out));
  // Every stage, at its start, after an epoch checkpoint, and after its outputs but before its
  // manifest; each run resumes the previous one's work.
  for (const char* point :
       {"vocab:start", "vocab:outputs", "cooccur:start", "cooccur:outputs", "model-sg:start",
        "model-sg:epoch1", "model-sg:epoch2", "model-sg:outputs", "eval-sg:start",
        "eval-sg:outputs", "export-sg:outputs", "model-gl:epoch1", "model-gl:epoch3",
        "model-gl:outputs", "eval-gl:outputs", "export-gl:start"}) {
    EXPECT_TRUE(KillAt(1, config, point)) << point << ": did not get there\n"
                                          << ReadFile(dir_.File("log"));
    EXPECT_FALSE(fs::exists(out + "/report.json")) << point;
  }
  r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f :
       {"/sg/vectors.bin", "/sg/vectors.txt", "/gl/vectors.bin", "/gl/vectors.txt", "/sg/vocab.tsv",
        "/sg/vectors.npy", "/gl/vectors.npy", "/work/vocab/vocab.tsv"}) {
    EXPECT_TRUE(ReadFile(out + f) == ReadFile(ref + f)) << f << " differs";
  }
  EXPECT_EQ(ReadFile(out + "/work/eval-gl/scores.textproto"),
            absl::StrReplaceAll(ReadFile(ref + "/work/eval-gl/scores.textproto"), {{ref, out}}));

  // Kills at pseudo-random times of a fresh run (fixed seed, so the schedule is the same every
  // time); the interrupted runs leave a pipeline that completes to the same bytes.
  const std::string out2 = dir_.File("out2");
  const std::string config2 = WriteConfig("c2.textproto", Config(out2));
  r = KillRandomlyThenRun(config2, 42, 4, 300, 1500);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadFile(out2 + "/sg/vectors.bin") == ReadFile(ref + "/sg/vectors.bin"));
  EXPECT_TRUE(ReadFile(out2 + "/gl/vectors.bin") == ReadFile(ref + "/gl/vectors.bin"));
}

TEST_F(PipelineKillTest, KilledTwoRanksTwoThreadsResumesToCompleteVerifiedOutputs) {
  const std::string out = dir_.File("out");
  const std::string config = WriteConfig("c.textproto", Config(out, 2));
  for (const char* point :
       {"vocab:outputs", "cooccur:start", "model-sg:epoch2", "model-gl:epoch2", "eval-gl:start"}) {
    EXPECT_TRUE(KillAt(2, config, point)) << point << "\n" << ReadFile(dir_.File("log"));
  }
  auto r = Run(2, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Each killed run completed what the previous one left; this one only the last two stages.
  std::map<std::string, std::string> expected = {{"vocab", "skipped"},     {"cooccur", "skipped"},
                                                 {"model-sg", "skipped"},  {"eval-sg", "skipped"},
                                                 {"export-sg", "skipped"}, {"model-gl", "skipped"},
                                                 {"eval-gl", "resumed"},   {"export-gl", "ran"}};
  EXPECT_EQ(Statuses(out), expected);
  // Complete: a rerun verifies every output against its manifest and skips everything.
  r = Run(2, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8 stage(s), 0 run, 8 skipped"), std::string::npos) << r.output;
  for (const char* model : {"sg", "gl"}) {
    auto inspect =
        RunCommand(absl::StrCat(WordmillBin(), " neighbors --k 2 --vectors ",
                                Quote(absl::StrCat(out, "/", model, "/vectors.bin")), " a1"));
    EXPECT_EQ(inspect.exit_code, 0) << inspect.output;
  }
}

// A subword pipeline (the tokenizer is trained, then the token-id vocabulary built, then a
// model trained on token ids) killed at the start and after the outputs of its tokenizer and
// vocabulary stages, inside an epoch, and at pseudo-random times: every interrupted run leaves
// a pipeline that completes to the uninterrupted run's bytes, and no output that looks
// complete is half-written (no report before the end).
TEST_F(PipelineKillTest, SubwordStagesKilledResumeToTheSameBytes) {
  auto config_text = [&](const std::string& out) {
    return absl::StrCat(
        "input { input: \"", dir_.File("corpus"),
        "\" }\n"
        "tokens {\n  unit: TOKEN_UNIT_SUBWORD\n"
        "  subword { model: SUBWORD_BPE vocab_size: 300 }\n}\n"
        "model {\n  name: \"sg\"\n  sgns { dim: 8 window: 3 epochs: 2 sample: 0 }\n}\n"
        "runtime { threads: 1 progress_seconds: 0 }\noutput_dir: \"",
        out, "\"\n");
  };
  const std::string ref = dir_.File("sub-ref"), out = dir_.File("sub-out");
  auto r = Run(1, WriteConfig("sub-ref.textproto", config_text(ref)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string config = WriteConfig("sub.textproto", config_text(out));
  for (const char* point : {"tokenizer:start", "tokenizer:outputs", "vocab:start", "vocab:outputs",
                            "model-sg:epoch1", "model-sg:outputs"}) {
    EXPECT_TRUE(KillAt(1, config, point)) << point << ": did not get there\n"
                                          << ReadFile(dir_.File("log"));
    EXPECT_FALSE(fs::exists(out + "/report.json")) << point;
  }
  r = Run(1, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const char* files[] = {"/work/tokenizer/tokenizer.wmrec", "/work/tokenizer/vocab.txt",
                         "/work/vocab/vocab.tsv", "/sg/vectors.bin", "/sg/vectors.txt"};
  for (const char* f : files) {
    ASSERT_TRUE(fs::exists(ref + f)) << f;
    EXPECT_TRUE(ReadFile(out + f) == ReadFile(ref + f)) << f << " differs";
  }
  // Kills at pseudo-random times of a fresh run (fixed schedule), then completion.
  const std::string out2 = dir_.File("sub-out2");
  const std::string config2 = WriteConfig("sub2.textproto", config_text(out2));
  r = KillRandomlyThenRun(config2, 7, 3, 200, 1200);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : files) EXPECT_TRUE(ReadFile(out2 + f) == ReadFile(ref + f)) << f;
}

TEST_F(PipelineTest, FourRanksOversubscribedRunAndSkip) {
  const std::string out = dir_.File("out");
  const std::string config = WriteConfig("c.textproto", Config(out));
  auto r = Run(4, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string json = ReadFile(out + "/report.json");
  EXPECT_NE(json.find("\"ranks\": 4"), std::string::npos);
  // Four ranks' usage in every stage's row.
  EXPECT_NE(json.find("{\"rank\": 3, \"cpu_seconds\""), std::string::npos) << json;
  EXPECT_TRUE(fs::exists(out + "/work/cooccur/cooccur-00003-of-00004.wmrec"));
  r = Run(4, config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8 stage(s), 0 run, 8 skipped"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace wordmill
