#include "embeddings/training_metrics.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"

namespace wordmill {

const char kTrainingMetricsHeader[] =
    "trainer\tepoch\tkind\tfraction\tloss\tlearning_rate\titems_per_second\tunit\tseconds";

std::string TrainingMetricsPath(const std::string& output_dir) {
  return output_dir + "/metrics.tsv";
}

TrainingMetrics::TrainingMetrics(std::string path, std::string trainer, std::string unit,
                                 int start_epoch)
    : path_(std::move(path)), trainer_(std::move(trainer)), unit_(std::move(unit)) {
  if (start_epoch <= 0) return;
  absl::StatusOr<std::string> old = ReadFileToString(path_);
  if (!old.ok()) return;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(*old, '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      if (line != kTrainingMetricsHeader) return;
      continue;
    }
    const std::vector<absl::string_view> cells = absl::StrSplit(line, '\t');
    int epoch = 0;
    if (cells.size() == 9 && cells[0] == trainer_ && absl::SimpleAtoi(cells[1], &epoch) &&
        epoch >= 1 && epoch <= start_epoch) {
      rows_.emplace_back(line);
    }
  }
}

void TrainingMetrics::Add(const TrainerProgress& p) {
  rows_.push_back(absl::StrFormat("%s\t%d\t%s\t%.6f\t%.6g\t%.6g\t%.6g\t%s\t%.3f", trainer_, p.epoch,
                                  p.epoch_end ? "epoch" : "progress", p.fraction, p.loss,
                                  p.learning_rate, p.items_per_second, unit_, p.seconds));
}

absl::Status TrainingMetrics::Write() const {
  std::string text = kTrainingMetricsHeader;
  text += '\n';
  for (const std::string& row : rows_) {
    text += row;
    text += '\n';
  }
  return WriteFileAtomically(path_, text);
}

}  // namespace wordmill
