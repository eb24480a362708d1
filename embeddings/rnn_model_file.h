// model.wmrec and the training checkpoint of `wordmill rnn`: record files (formats/record_file.h)
// whose header holds the RnnTrainCommand (spec text) and the shapes (metadata), and whose
// records are, in order: the words (one per line), the classes, the dense parameters and the
// embedding (raw little-endian float32, column-major); a checkpoint adds Adam's moments, the
// epoch records and, with early stopping, the best epoch's parameters. Readers check every
// size against the spec and name the file.
#ifndef WORDMILL_EMBEDDINGS_RNN_MODEL_FILE_H_
#define WORDMILL_EMBEDDINGS_RNN_MODEL_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "embeddings/rnn_optimizer.h"
#include "embeddings/rnn_trainer.h"

namespace wordmill {

// The epoch records as text lines (one per epoch) and back; false on a malformed line.
std::string FormatEpochRecords(const std::vector<RnnEpochRecord>& epochs);
bool ParseEpochRecords(absl::string_view text, std::vector<RnnEpochRecord>* epochs);

absl::Status WriteRnnModel(const std::string& path, const RnnModel& model);
absl::StatusOr<RnnModel> ReadRnnModel(const std::string& path);

// What a checkpoint adds to the model.
struct RnnTrainState {
  int epochs_done = 0;
  std::vector<RnnEpochRecord> epochs;
  int best_epoch = 0;
  double best_score = 0;
  int since_best = 0;
  RnnVector best_params;  // with early stopping
  RnnMatrix best_embedding;
  RnnOptimizerState optimizer;
};

absl::Status WriteRnnCheckpoint(const std::string& path, const RnnModel& model,
                                const RnnTrainState& state);
// Reads a checkpoint of `model`'s spec and shapes (anything else is FailedPrecondition) into
// *model and *state.
absl::Status ReadRnnCheckpoint(const std::string& path, RnnModel* model, RnnTrainState* state);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_RNN_MODEL_FILE_H_
