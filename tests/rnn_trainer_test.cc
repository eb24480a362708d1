// The RNN trainer (embeddings/rnn_trainer.h) on synthetic data: a task that needs memory (the
// label is the first token; every sequence holds the same bag of words) that the LSTM and GRU
// learn and the averaged-embedding baseline cannot; the same model for a seed with one thread;
// the same model, within float summation order, for 1, 2 and 3 ranks and for 1 or 2 threads;
// resume after a stop equals an uninterrupted run; frozen and fine-tuned embeddings (only the
// rows of training words move); a NaN stops training naming the epoch.
#include "embeddings/rnn_trainer.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "embeddings/rnn_model_file.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

// Tokens 1..4 carry the label, 5..11 are fillers, 12..13 never occur in training. Each sequence
// is its label token, then the other three label tokens and `length - 4` fillers, shuffled: the
// bag of words is the same for every label.
RnnExamples MemoryTask(int n, int length, uint64_t seed) {
  std::mt19937_64 rng(seed);
  RnnExamples out;
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng() % 4);
    std::vector<int32_t> rest;
    for (int l = 0; l < 4; ++l) {
      if (l != label) rest.push_back(1 + l);
    }
    while (static_cast<int>(rest.size()) < length - 1) rest.push_back(5 + rng() % 7);
    std::shuffle(rest.begin(), rest.end(), rng);
    std::vector<int32_t> tokens = {1 + label};
    tokens.insert(tokens.end(), rest.begin(), rest.end());
    out.tokens.push_back(tokens);
    out.targets.push_back({label});
  }
  return out;
}

RnnModel NewModel(RnnCell cell, float lr, float dropout = 0) {
  RnnTrainCommand command;
  RnnSpec& s = *command.mutable_rnn();
  s.set_cell(cell);
  s.set_hidden(24);
  s.set_pooling(RNN_POOLING_LAST);
  s.set_dropout(dropout);
  s.set_lr(lr);
  s.set_epochs(12);
  s.set_batch(16);
  s.set_seed(5);
  RnnShape shape{14, 8, 4};
  std::vector<std::string> words;
  for (int i = 0; i < shape.vocab; ++i) words.push_back("w" + std::to_string(i));
  return NewRnnModel(command, shape, words, {"a", "b", "c", "d"}, 0.5f);
}

double TestAccuracy(RnnModel* model, int epochs) {
  model->command.mutable_rnn()->set_epochs(epochs);
  const RnnExamples train = MemoryTask(1200, 12, 1), test = MemoryTask(300, 12, 2);
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  RnnTrainOptions options;
  absl::StatusOr<RnnTrainResult> result = TrainRnn(train, nullptr, options, comm.get(), model);
  EXPECT_TRUE(result.ok()) << result.status();
  absl::StatusOr<HeadStats> stats = EvaluateRnn(*model, test, 1, comm.get());
  EXPECT_TRUE(stats.ok()) << stats.status();
  return AccuracyPercent(*stats);
}

TEST(RnnTrainerTest, LstmAndGruRememberTheFirstTokenTheAverageCannot) {
  RnnModel lstm = NewModel(RNN_CELL_LSTM, 0.01f);
  RnnModel gru = NewModel(RNN_CELL_GRU, 0.01f);
  RnnModel average = NewModel(RNN_CELL_AVERAGE, 0.05f);
  const double lstm_accuracy = TestAccuracy(&lstm, 12);
  const double gru_accuracy = TestAccuracy(&gru, 12);
  const double average_accuracy = TestAccuracy(&average, 12);
  EXPECT_GT(lstm_accuracy, 95) << "LSTM";
  EXPECT_GT(gru_accuracy, 95) << "GRU";
  EXPECT_LT(average_accuracy, 40) << "the average has no order to go by (chance: 25%)";
}

// Trains on `ranks` in-process ranks with `threads` threads each; returns rank 0's model.
RnnModel TrainOn(int ranks, int threads, int epochs = 2) {
  const RnnExamples train = MemoryTask(200, 9, 3);
  std::vector<RnnModel> models(ranks, NewModel(RNN_CELL_LSTM, 0.01f, 0.2f));
  testing::InProcessRanks group(ranks);
  group.Run([&](int rank, Communicator* comm) {
    models[rank].command.mutable_rnn()->set_epochs(epochs);
    models[rank].command.mutable_rnn()->set_bidirectional(true);
    models[rank] = NewRnnModel(models[rank].command, models[rank].shape, models[rank].words,
                               models[rank].classes, 0.5f);
    RnnTrainOptions options;
    options.threads = threads;
    absl::StatusOr<RnnTrainResult> r = TrainRnn(train, nullptr, options, comm, &models[rank]);
    ASSERT_TRUE(r.ok()) << r.status();
  });
  for (int r = 1; r < ranks; ++r) {
    EXPECT_EQ(models[r].params, models[0].params) << "rank " << r << " holds another model";
  }
  return models[0];
}

double MaxDiff(const RnnModel& a, const RnnModel& b) {
  double d = 0;
  for (size_t i = 0; i < a.params.size(); ++i)
    d = std::max<double>(d, std::fabs(a.params[i] - b.params[i]));
  return std::max<double>(d, (a.embedding - b.embedding).cwiseAbs().maxCoeff());
}

TEST(RnnTrainerTest, OneThreadIsDeterministic) {
  const RnnModel a = TrainOn(1, 1), b = TrainOn(1, 1);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(MaxDiff(a, b), 0);
}

TEST(RnnTrainerTest, TheGlobalBatchDefinesTheModelNotTheRanksOrThreads) {
  const RnnModel one = TrainOn(1, 1);
  ASSERT_GT(MaxDiff(one, TrainOn(1, 1, 0)), 1e-2) << "training must move the model";
  EXPECT_LT(MaxDiff(one, TrainOn(2, 1)), 2e-4) << "np 2";
  EXPECT_LT(MaxDiff(one, TrainOn(3, 1)), 2e-4) << "np 3";
  EXPECT_LT(MaxDiff(one, TrainOn(1, 2)), 2e-4) << "2 threads";
  EXPECT_LT(MaxDiff(one, TrainOn(2, 2)), 2e-4) << "np 2 x 2 threads";
}

TEST(RnnTrainerTest, ResumeAfterAStopEqualsAnUninterruptedRun) {
  testing::TempDir dir;
  const RnnExamples train = MemoryTask(200, 9, 3), dev = MemoryTask(50, 9, 4);
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  RnnModel straight = NewModel(RNN_CELL_GRU, 0.01f, 0.2f);
  straight.command.mutable_rnn()->set_epochs(4);
  RnnTrainOptions options;
  ASSERT_TRUE(TrainRnn(train, &dev, options, comm.get(), &straight).ok());

  RnnModel first = NewModel(RNN_CELL_GRU, 0.01f, 0.2f);
  first.command.mutable_rnn()->set_epochs(4);
  options.checkpoint_path = dir.File("rnn.ckpt");
  options.stop_after_epochs = 2;
  absl::StatusOr<RnnTrainResult> stopped = TrainRnn(train, &dev, options, comm.get(), &first);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_TRUE(stopped->stopped);
  EXPECT_EQ(stopped->epochs.size(), 2u);

  RnnModel resumed = NewModel(RNN_CELL_GRU, 0.01f, 0.2f);  // a fresh start, as after a kill
  resumed.command.mutable_rnn()->set_epochs(4);
  options.stop_after_epochs = 0;
  options.resume = true;
  absl::StatusOr<RnnTrainResult> rest = TrainRnn(train, &dev, options, comm.get(), &resumed);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->epochs.size(), 4u);
  EXPECT_EQ(resumed.params, straight.params);
  EXPECT_EQ(MaxDiff(resumed, straight), 0);

  // A checkpoint of another spec is refused.
  RnnModel other = NewModel(RNN_CELL_LSTM, 0.01f, 0.2f);
  other.command.mutable_rnn()->set_epochs(4);
  absl::StatusOr<RnnTrainResult> refused = TrainRnn(train, &dev, options, comm.get(), &other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
}

TEST(RnnTrainerTest, FrozenEmbeddingsStayAndFineTuningMovesOnlyTrainingRows) {
  const RnnExamples train = MemoryTask(100, 9, 3);
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  RnnModel frozen = NewModel(RNN_CELL_LSTM, 0.01f);
  frozen.command.mutable_rnn()->set_epochs(1);
  frozen.command.mutable_rnn()->set_freeze(true);
  const RnnMatrix before = frozen.embedding;
  ASSERT_TRUE(TrainRnn(train, nullptr, {}, comm.get(), &frozen).ok());
  EXPECT_EQ((frozen.embedding - before).cwiseAbs().maxCoeff(), 0);

  RnnModel tuned = NewModel(RNN_CELL_LSTM, 0.01f);
  tuned.command.mutable_rnn()->set_epochs(1);
  ASSERT_TRUE(TrainRnn(train, nullptr, {}, comm.get(), &tuned).ok());
  for (int id = 0; id < tuned.shape.vocab; ++id) {
    const float moved = (tuned.embedding.col(id) - before.col(id)).cwiseAbs().maxCoeff();
    if (id >= 1 && id <= 11) {
      EXPECT_GT(moved, 0) << "word " << id << " occurs in training";
    } else {
      EXPECT_EQ(moved, 0) << "word " << id << " never occurs in training";
    }
  }
}

TEST(RnnTrainerTest, NanStopsTrainingNamingTheEpoch) {
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  RnnModel model = NewModel(RNN_CELL_LSTM, 0.01f);
  model.params[0] = std::nanf("");
  absl::StatusOr<RnnTrainResult> r =
      TrainRnn(MemoryTask(50, 9, 3), nullptr, {}, comm.get(), &model);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("NaN or infinite in epoch 1"), std::string::npos)
      << r.status();
}

TEST(RnnTrainerTest, ModelFileRoundTripsAndSamplingIsSeeded) {
  testing::TempDir dir;
  RnnModel model = NewModel(RNN_CELL_GRU, 0.01f);
  model.command.mutable_rnn()->set_task(RNN_TASK_LM);
  model.shape.classes = model.shape.vocab;
  model.classes.clear();
  model.params = RnnNetwork(model.spec(), model.shape).InitParams(3);
  ASSERT_TRUE(WriteRnnModel(dir.File("m.wmrec"), model).ok());
  absl::StatusOr<RnnModel> read = ReadRnnModel(dir.File("m.wmrec"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->params, model.params);
  EXPECT_EQ(read->words, model.words);
  EXPECT_EQ((read->embedding - model.embedding).cwiseAbs().maxCoeff(), 0);
  std::mt19937_64 a(9), b(9), c(10);
  const std::vector<int32_t> x = SampleRnn(*read, 20, 1.0f, &a), y = SampleRnn(model, 20, 1.0f, &b);
  EXPECT_EQ(x, y);
  EXPECT_FALSE(x.empty());
  EXPECT_NE(SampleRnn(model, 20, 1.0f, &c), x);
}

}  // namespace
}  // namespace wordmill
