// `wordmill glove`: flags -> GloveCommand -> TrainGlove -> vector files in --output-dir.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "embeddings/glove_trainer.h"
#include "formats/embedding_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/cooccur_builder.h"
#include "workers/vocab_builder.h"

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

absl::Status WriteVectors(const GloveCommand& spec, const Vocabulary& vocab,
                          const GloveTrainResult& result, std::vector<std::string>* written) {
  const EmbeddingMatrix m = GloveOutput(result.params, vocab, spec.glove().w_only());
  const std::string dir = spec.output_dir();
  written->push_back(dir + "/vectors.txt");
  if (absl::Status s = WriteWord2vecText(written->back(), m); !s.ok()) return s;
  written->push_back(dir + "/vectors.bin");
  if (absl::Status s = WriteWord2vecBinary(written->back(), m); !s.ok()) return s;
  written->push_back(dir + "/vectors.glove.txt");
  return WriteGloveText(written->back(), m);
}

void PrintEpoch(const GloveEpochReport& r) {
  std::fprintf(stderr, "wordmill glove: epoch %d/%d cost %.6f in %.2f s (sync %.2f s)\n", r.epoch,
               r.epochs, r.cost, r.seconds, r.sync_seconds);
}

}  // namespace

absl::Status RunGloveStage(const GloveCommand& spec, Communicator* comm, StageOutputs* outputs,
                           const EpochCallback& on_epoch) {
  absl::Status prepared =
      comm->rank() == 0 ? PrepareOutputDir(spec.output_dir()) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(prepared); !s.ok()) return s;
  absl::StatusOr<Vocabulary> vocab = ReadVocabularyFile(spec.vocab());
  if (absl::Status s = comm->AgreeOk(vocab.status()); !s.ok()) return s;
  const int threads = ResolveThreads(spec.runtime(), *comm);
  const bool speak = comm->rank() == 0;
  absl::StatusOr<GloveTrainResult> result = TrainGlove(
      spec, EffectiveSpecText(spec), *vocab, threads, comm, [&](const GloveEpochReport& r) {
        if (speak) PrintEpoch(r);
        if (on_epoch) on_epoch(r.epoch);
      });
  if (!result.ok()) return result.status();
  std::vector<std::string> written;
  absl::Status status = speak ? WriteVectors(spec, *vocab, *result, &written) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  if (speak) {
    std::printf(
        "wordmill glove: %zu words, dim %d, %lld records (per rank: %s), epochs %d..%d, "
        "%d rank(s) x %d thread(s)\n"
        "  shuffle %.2f s, training %.2f s; final cost %.6f; %d sync(s) per epoch of %lld "
        "floats\n  wrote: %s\n",
        vocab->size(), spec.glove().dim(), static_cast<long long>(result->records),
        absl::StrJoin(result->rank_records, " ").c_str(), result->start_epoch + 1,
        spec.glove().epochs(), comm->size(), threads, result->shuffle_seconds,
        result->train_seconds, result->costs.empty() ? 0.0 : result->costs.back(),
        comm->size() > 1 ? result->syncs_per_epoch : 0, static_cast<long long>(result->sync_floats),
        absl::StrJoin(written, " ").c_str());
    std::fflush(stdout);
  }
  outputs->files = std::move(written);
  outputs->work_items = result->records * std::max(0, spec.glove().epochs() - result->start_epoch);
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
