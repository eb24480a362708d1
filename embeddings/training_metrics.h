// The metrics file of a trainer: `<output_dir>/metrics.tsv`, one format for every trainer
// (documented in embeddings/README.md, "The metrics file"), read by the curve plots.
//
// A tab-separated table with a header line:
//   trainer  epoch  kind  fraction  loss  learning_rate  items_per_second  unit  seconds
// one row per TrainerProgress: kind `progress` for a progress line, `epoch` for the end of an
// epoch. Rank 0 rewrites the whole file atomically at the end of every epoch, so a killed run
// leaves the rows of its complete epochs; a resumed run keeps the rows of the epochs its
// checkpoint holds and appends its own.
#ifndef WORDMILL_EMBEDDINGS_TRAINING_METRICS_H_
#define WORDMILL_EMBEDDINGS_TRAINING_METRICS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "embeddings/trainer.h"

namespace wordmill {

// The header line of metrics.tsv (without the newline).
extern const char kTrainingMetricsHeader[];

std::string TrainingMetricsPath(const std::string& output_dir);

class TrainingMetrics {
 public:
  // A log for `trainer` counting `unit`s. With start_epoch > 0 (a resumed run), the rows of
  // epochs 1..start_epoch of an existing file are kept (rows that do not parse, or of another
  // trainer, are dropped: the file is a record, never an input to training).
  TrainingMetrics(std::string path, std::string trainer, std::string unit, int start_epoch);

  void Add(const TrainerProgress& progress);
  // Writes every row so far (atomically).
  absl::Status Write() const;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& rows() const { return rows_; }

 private:
  std::string path_;
  std::string trainer_;
  std::string unit_;
  std::vector<std::string> rows_;  // without newlines
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_TRAINING_METRICS_H_
