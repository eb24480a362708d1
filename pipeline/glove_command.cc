// `wordmill glove`: flags -> GloveCommand -> the GloVe trainer (embeddings/glove_trainer.h) run
// by RunTrainer -> vector files in --output-dir.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "embeddings/glove_trainer.h"
#include "embeddings/trainer.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/cooccur_builder.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

constexpr char kUsage[] =
    "[mpirun -np N] wordmill glove [flags] --cooccur-dir DIR --vocab VOCAB --output-dir OUT";
constexpr char kSummary[] =
    "Trains GloVe vectors (weighted least squares, AdaGrad, Hogwild threads) from the "
    "co-occurrence shards of `wordmill cooccur` in DIR, across the ranks, and writes OUT/"
    "vectors.txt (word2vec text), OUT/vectors.bin (word2vec binary) and OUT/vectors.glove.txt "
    "(GloVe text), W + W~ unless --w-only. A checkpoint is written after every epoch; --resume "
    "continues from it.";

}  // namespace

absl::Status ValidateGloveCommand(const GloveCommand& spec) {
  auto bad = [](const std::string& message) { return absl::InvalidArgumentError(message); };
  const GloveSpec& g = spec.glove();
  if (spec.cooccur_dir().empty()) return bad("--cooccur-dir is required");
  if (spec.vocab().empty()) return bad("--vocab is required");
  if (spec.output_dir().empty()) return bad("--output-dir is required");
  if (g.dim() < 1 || g.dim() > 10000) return bad("--dim must be between 1 and 10000");
  if (g.epochs() < 0 || g.epochs() > 100000) return bad("--epochs must be between 0 and 100000");
  if (!(g.x_max() > 0)) return bad("--x-max must be > 0");
  if (!(g.alpha() >= 0)) return bad("--alpha must be >= 0");
  if (!(g.eta() > 0)) return bad("--eta must be > 0");
  if (!(g.grad_clip() > 0)) return bad("--grad-clip must be > 0");
  if (g.shuffle_chunk_records() < 1) return bad("--shuffle-chunk-records must be >= 1");
  if (g.sync_records() < 0) return bad("--sync-records must be >= 0");
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return bad("--threads must be between 0 (automatic) and 4096");
  }
  return absl::OkStatus();
}

namespace {

absl::Status PrepareOutputDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": cannot create --output-dir"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunGloveStage(const GloveCommand& spec, Communicator* comm, StageOutputs* outputs,
                           const EpochCallback& on_epoch) {
  absl::Status prepared =
      comm->rank() == 0 ? PrepareOutputDir(spec.output_dir()) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(prepared); !s.ok()) return s;
  absl::StatusOr<Vocabulary> vocab = ReadVocabularyFile(spec.vocab());
  if (absl::Status s = comm->AgreeOk(vocab.status()); !s.ok()) return s;
  TrainerContext context;
  context.comm = comm;
  context.output_dir = spec.output_dir();
  context.threads = ResolveThreads(spec.runtime(), *comm);
  context.progress_seconds = spec.runtime().progress_seconds();
  context.spec_text = EffectiveSpecText(spec);
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      CreateGloveTrainer(spec.glove(), *vocab, spec.cooccur_dir(), context);
  if (!trainer.ok()) return trainer.status();
  TrainerRunOptions options;
  options.resume = spec.resume();
  options.on_epoch = on_epoch;
  absl::StatusOr<TrainerRunResult> run = RunTrainer(trainer->get(), context, options);
  if (!run.ok()) return run.status();
  if (comm->rank() == 0) {
    std::printf("%s  wrote: %s\n", (*trainer)->Summary().c_str(),
                absl::StrJoin(run->files, " ").c_str());
    std::fflush(stdout);
  }
  outputs->files = std::move(run->files);
  outputs->work_items =
      (*trainer)->items_per_epoch() * std::max(0, spec.glove().epochs() - run->start_epoch);
  outputs->work_unit = "records";
  return absl::OkStatus();
}

int RunGloveCommand(const std::vector<std::string>& args, Communicator* comm) {
  GloveCommand spec;
  const int code = PrepareCommand(args, "glove", kUsage, kSummary, &spec, comm, nullptr,
                                  [&] { return ValidateGloveCommand(spec); });
  if (code >= 0) return code;
  StageOutputs outputs;
  return FinishWithStatus(RunGloveStage(spec, comm, &outputs), comm);
}

}  // namespace wordmill
