#include "embeddings/trainer.h"

#include "embeddings/training_metrics.h"

namespace wordmill {

absl::StatusOr<TrainerRunResult> RunTrainer(Trainer* trainer, const TrainerContext& context,
                                            const TrainerRunOptions& options) {
  Communicator* comm = context.comm;
  TrainerRunResult result;
  if (options.resume) {
    absl::StatusOr<int> done = trainer->Resume();
    if (!done.ok()) return done.status();
    result.start_epoch = *done;
  }
  const bool speak = comm->rank() == 0;
  result.metrics_path = TrainingMetricsPath(context.output_dir);
  TrainingMetrics metrics(result.metrics_path, trainer->name(), trainer->item_unit(),
                          speak ? result.start_epoch : 0);
  const TrainerProgressCallback record = [&](const TrainerProgress& p) {
    metrics.Add(p);
    if (options.on_progress) options.on_progress(p);
  };
  const int epochs = trainer->epochs();
  const int stop = options.stop_after_epochs;
  result.end_epoch = result.start_epoch;
  for (int epoch = result.start_epoch; epoch < epochs; ++epoch) {
    if (absl::Status s = trainer->TrainEpoch(epoch, record); !s.ok()) return s;
    if (absl::Status s = trainer->WriteCheckpoint(epoch + 1); !s.ok()) return s;
    if (absl::Status s = comm->AgreeOk(speak ? metrics.Write() : absl::OkStatus()); !s.ok()) {
      return s;
    }
    result.end_epoch = epoch + 1;
    if (options.on_epoch) options.on_epoch(epoch + 1);
    if (stop > 0 && epoch + 1 >= stop && epoch + 1 < epochs) {
      result.stopped = true;
      return result;
    }
  }
  absl::StatusOr<std::vector<std::string>> files = trainer->WriteOutputs();
  if (!files.ok()) return files.status();
  result.files = *std::move(files);
  return result;
}

}  // namespace wordmill
