// PyTorch loads wordmill's exported RNN weights (`wordmill rnn export`) into torch.nn.LSTM/GRU
// and gets the same logits on a batch (tests/rnn_torch_check.py): the gate order, the biases,
// the bidirectional concatenation, the pooling and the padding masks agree with PyTorch 1.13.
// Skipped, with the reason, when python3 cannot import torch and numpy (Debian: python3-torch).
#include <fstream>
#include <string>
#include <vector>

#include "embeddings/rnn_model_file.h"
#include "embeddings/rnn_trainer.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill::testing {
namespace {

struct TorchCase {
  RnnTask task;
  RnnCell cell;
  bool bidirectional;
  int layers;
  RnnPooling pooling;
  bool tied;
};

class RnnTorchTest : public ::testing::TestWithParam<TorchCase> {};

TEST_P(RnnTorchTest, SameLogitsAsPyTorch) {
  if (RunCommand("python3 -c 'import torch, numpy' 2>&1").exit_code != 0) {
    GTEST_SKIP() << "python3 cannot import torch and numpy (apt-get install python3-torch)";
  }
  const TorchCase& c = GetParam();
  TempDir dir;
  RnnTrainCommand command;
  RnnSpec& s = *command.mutable_rnn();
  s.set_task(c.task);
  s.set_cell(c.cell);
  s.set_bidirectional(c.bidirectional);
  s.set_layers(c.layers);
  s.set_hidden(c.tied ? 6 : 5);
  s.set_pooling(c.pooling);
  s.set_tie_embeddings(c.tied);
  RnnShape shape{12, 6, c.task == RNN_TASK_LM ? 12 : 3};
  std::vector<std::string> words;
  for (int i = 0; i < shape.vocab; ++i) words.push_back("w" + std::to_string(i));
  std::vector<std::string> classes;
  if (c.task != RNN_TASK_LM) classes = {"x", "y", "z"};
  RnnModel model = NewRnnModel(command, shape, words, classes, 0.8f);
  for (float& p : model.params) p *= 2;
  ASSERT_TRUE(WriteRnnModel(dir.File("m.wmrec"), model).ok());
  const std::vector<std::vector<int32_t>> batch = {{3, 1, 4, 1, 5}, {9, 2}, {6}, {5, 3, 5, 8}};
  const RnnMatrix logits = RnnLogits(model, batch);
  std::ofstream tokens(dir.File("tokens.txt")), out(dir.File("logits.txt"));
  for (const auto& seq : batch) {
    for (int32_t id : seq) tokens << id << " ";
    tokens << "\n";
  }
  const int B = static_cast<int>(batch.size());
  out.precision(9);
  for (int b = 0; b < B; ++b) {  // example order, then token order
    const int steps = c.task == RNN_TASK_CLASSIFY ? 1 : static_cast<int>(batch[b].size());
    for (int t = 0; t < steps; ++t) {
      const auto col = logits.col(static_cast<int64_t>(t) * B + b);
      for (int k = 0; k < col.size(); ++k) out << col[k] << (k + 1 < col.size() ? " " : "\n");
    }
  }
  tokens.close();
  out.close();
  const char* task = c.task == RNN_TASK_CLASSIFY ? "classify"
                     : c.task == RNN_TASK_TAG    ? "tag"
                                                 : "lm";
  const char* pooling = c.pooling == RNN_POOLING_LAST   ? "last"
                        : c.pooling == RNN_POOLING_MEAN ? "mean"
                                                        : "max";
  WriteFile(dir.File("spec.txt"),
            std::string(task) + " " + (c.cell == RNN_CELL_LSTM ? "lstm" : "gru") + " " +
                std::to_string(c.bidirectional) + " " + std::to_string(c.layers) + " " +
                std::to_string(s.hidden()) + " " + pooling + " " + std::to_string(c.tied));
  const CommandResult exported =
      RunCommand(WordmillBin() + " rnn export --model " + dir.File("m.wmrec") + " --output-dir " +
                 dir.File("npy") + " 2>&1");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const CommandResult r = RunCommand(
      "python3 " + SourceDir() + "/tests/rnn_torch_check.py " + dir.File("npy") + " " +
      dir.File("spec.txt") + " " + dir.File("tokens.txt") + " " + dir.File("logits.txt") + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

std::string CaseName(const ::testing::TestParamInfo<TorchCase>& info) {
  static const char* const kNames[] = {"BiLstm2LastState", "BiGruMaxPool", "LstmMeanPool",
                                       "BiGru2Tagger", "LstmTiedLm"};
  return kNames[info.index];
}

INSTANTIATE_TEST_SUITE_P(
    Networks, RnnTorchTest,
    ::testing::Values(TorchCase{RNN_TASK_CLASSIFY, RNN_CELL_LSTM, true, 2, RNN_POOLING_LAST, false},
                      TorchCase{RNN_TASK_CLASSIFY, RNN_CELL_GRU, true, 1, RNN_POOLING_MAX, false},
                      TorchCase{RNN_TASK_CLASSIFY, RNN_CELL_LSTM, false, 1, RNN_POOLING_MEAN,
                                false},
                      TorchCase{RNN_TASK_TAG, RNN_CELL_GRU, true, 2, RNN_POOLING_LAST, false},
                      TorchCase{RNN_TASK_LM, RNN_CELL_LSTM, false, 1, RNN_POOLING_LAST, true}),
    CaseName);

}  // namespace
}  // namespace wordmill::testing
