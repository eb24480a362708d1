// RunTrainer (embeddings/trainer.h) with a scripted trainer: resume, checkpoints, early stop,
// outputs, and the metrics file's rows (embeddings/training_metrics.h).
#include "embeddings/trainer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "embeddings/training_metrics.h"
#include "formats/atomic_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

// Epoch e (0-based) reports one progress line and its end with loss 10 - e, learning rate
// 0.1 / (e + 1), 1000 * (e + 1) items/s; records every call.
class ScriptedTrainer : public Trainer {
 public:
  explicit ScriptedTrainer(int checkpoint_epochs) : checkpoint_(checkpoint_epochs) {}
  std::string name() const override { return "scripted"; }
  int epochs() const override { return 4; }
  std::string item_unit() const override { return "items"; }
  int64_t items_per_epoch() const override { return 100; }
  absl::StatusOr<int> Resume() override {
    calls.push_back("resume");
    return checkpoint_;
  }
  absl::Status TrainEpoch(int epoch, const TrainerProgressCallback& progress) override {
    calls.push_back("train " + std::to_string(epoch));
    TrainerProgress p;
    p.epoch = epoch + 1;
    p.epochs = 4;
    p.fraction = (epoch + 0.5) / 4;
    p.loss = 10 - epoch + 0.5;
    p.learning_rate = 0.1 / (epoch + 1);
    p.items_per_second = 1000.0 * (epoch + 1);
    p.seconds = epoch + 0.5;
    progress(p);
    p.fraction = (epoch + 1.0) / 4;
    p.loss = 10 - epoch;
    p.seconds = epoch + 1;
    p.epoch_end = true;
    progress(p);
    return absl::OkStatus();
  }
  absl::Status WriteCheckpoint(int epochs_done) override {
    calls.push_back("checkpoint " + std::to_string(epochs_done));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> WriteOutputs() override {
    calls.push_back("outputs");
    return std::vector<std::string>{"model.bin"};
  }
  std::string Summary() const override { return ""; }

  std::vector<std::string> calls;

 private:
  int checkpoint_;
};

std::vector<std::string> Lines(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return absl::StrSplit(text.value_or(""), '\n', absl::SkipEmpty());
}

class TrainerTest : public ::testing::Test {
 protected:
  TrainerContext Context() {
    TrainerContext c;
    c.comm = comm_.get();
    c.output_dir = dir_.path();
    return c;
  }
  testing::TempDir dir_;
  std::unique_ptr<Communicator> comm_ = CreateLocalCommunicator();
};

TEST_F(TrainerTest, TrainsEveryEpochWithACheckpointEachThenWritesTheOutputs) {
  ScriptedTrainer trainer(0);
  std::vector<int> epochs;
  TrainerRunOptions options;
  options.on_epoch = [&](int e) { epochs.push_back(e); };
  absl::StatusOr<TrainerRunResult> run = RunTrainer(&trainer, Context(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(trainer.calls, (std::vector<std::string>{"train 0", "checkpoint 1", "train 1",
                                                     "checkpoint 2", "train 2", "checkpoint 3",
                                                     "train 3", "checkpoint 4", "outputs"}));
  EXPECT_EQ(epochs, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_FALSE(run->stopped);
  EXPECT_EQ(run->start_epoch, 0);
  EXPECT_EQ(run->end_epoch, 4);
  EXPECT_EQ(run->files, std::vector<std::string>{"model.bin"});
  const std::vector<std::string> lines = Lines(run->metrics_path);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[0], kTrainingMetricsHeader);
  EXPECT_EQ(lines[1], "scripted\t1\tprogress\t0.125000\t10.5\t0.1\t1000\titems\t0.500");
  EXPECT_EQ(lines[2], "scripted\t1\tepoch\t0.250000\t10\t0.1\t1000\titems\t1.000");
  EXPECT_EQ(lines[8], "scripted\t4\tepoch\t1.000000\t7\t0.025\t4000\titems\t4.000");
}

TEST_F(TrainerTest, StopsEarlyWithoutOutputsAndResumesKeepingTheEarlierRows) {
  ScriptedTrainer first(0);
  TrainerRunOptions options;
  options.stop_after_epochs = 2;
  absl::StatusOr<TrainerRunResult> run = RunTrainer(&first, Context(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->stopped);
  EXPECT_TRUE(run->files.empty());
  EXPECT_EQ(first.calls.back(), "checkpoint 2");
  EXPECT_EQ(Lines(run->metrics_path).size(), 5u);
  // A run killed during epoch 3 after checkpoint 2 wrote more rows than the checkpoint holds:
  // the resumed run keeps only epochs 1-2 (and drops a foreign or broken row).
  const std::string path = run->metrics_path;
  ASSERT_TRUE(WriteFileAtomically(path, ReadFileToString(path).value() +
                                            "scripted\t3\tprogress\t0.6\t1\t1\t1\titems\t1\n"
                                            "other\t1\tepoch\t0.6\t1\t1\t1\titems\t1\nbroken\n")
                  .ok());
  ScriptedTrainer second(2);
  options.resume = true;
  options.stop_after_epochs = 0;
  run = RunTrainer(&second, Context(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(second.calls, (std::vector<std::string>{"resume", "train 2", "checkpoint 3", "train 3",
                                                    "checkpoint 4", "outputs"}));
  EXPECT_EQ(run->start_epoch, 2);
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[4], "scripted\t2\tepoch\t0.500000\t9\t0.05\t2000\titems\t2.000");
  EXPECT_EQ(lines[5], "scripted\t3\tprogress\t0.625000\t8.5\t0.0333333\t3000\titems\t2.500");
}

TEST_F(TrainerTest, AResumedCompleteRunOnlyWritesTheOutputs) {
  ScriptedTrainer trainer(4);
  TrainerRunOptions options;
  options.resume = true;
  absl::StatusOr<TrainerRunResult> run = RunTrainer(&trainer, Context(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(trainer.calls, (std::vector<std::string>{"resume", "outputs"}));
  EXPECT_EQ(run->end_epoch, 4);
}

}  // namespace
}  // namespace wordmill
