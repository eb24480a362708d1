// The data of an `rnn train` run made ready for the trainer: the examples as words, the
// vocabulary, the classes, the pretrained rows and their coverage (pipeline/rnn_train.h).
//
// Vocabulary rule: <unk> (id 0), for lm </s> (id 1), then the training words seen at least
// min_count times or present in the vectors file, by count (ties by bytes); lm keeps the
// lm_vocab most frequent of them. For classify and tag, words of the dev and test files that the
// vectors file has are added too (their pretrained rows help even unseen in training). Other
// words map to <unk>. Rows: a word the file has gets its vector; every other row (<unk> too) is
// uniform in [-a, a], a = unknown_init_scale (default 1) * sqrt(3) * the standard deviation of
// the file's values, or a = unknown_init_scale (default 0.1) with random_init.
#ifndef WORDMILL_PIPELINE_RNN_DATA_PREP_H_
#define WORDMILL_PIPELINE_RNN_DATA_PREP_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "embeddings/rnn_trainer.h"
#include "formats/wordmill.pb.h"
#include "workers/rnn_data.h"

namespace wordmill {

struct RnnPreparedData {
  RnnTask task = RNN_TASK_CLASSIFY;
  std::vector<RnnText> train, dev, test;
  std::vector<std::string> words;
  absl::flat_hash_map<std::string, int32_t> word_index;
  std::vector<std::string> classes;  // sorted labels or tags (lm: none)
  absl::flat_hash_map<std::string, int32_t> class_index;
  int dim = 0;
  RnnMatrix pretrained;                  // dim x words: the file's rows where has_vector
  std::vector<bool> has_vector;          // per word
  float random_scale = 0.1f;             // a of the rule above
  int64_t vocab_words = 0, covered = 0;  // without specials
  double token_coverage = 0;
  std::string summary;  // lines for the user

  // Ids of `texts`; a label or tag the training data lacks is InvalidArgument naming its line.
  absl::StatusOr<RnnExamples> ToExamples(const std::vector<RnnText>& texts) const;
  // A fresh model (seeded) with the pretrained rows copied in.
  RnnModel NewModel(const RnnTrainCommand& spec) const;
};

absl::StatusOr<RnnPreparedData> PrepareRnnData(const RnnTrainCommand& spec);

// "classify", "tag" or "lm" (the flag's value).
std::string RnnTaskName(RnnTask task);

// The vocabulary and classes of a trained model (for eval and predict's ToExamples).
RnnPreparedData ModelData(const RnnModel& model);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_RNN_DATA_PREP_H_
