// `wordmill cooccur`: flags -> CooccurCommand -> BuildCooccurrences -> shards in --output-dir.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/cooccur_builder.h"

namespace wordmill {
namespace {

constexpr char kUsage[] =
    "[mpirun -np N] wordmill cooccur [flags] --vocab VOCAB --output-dir DIR INPUT...";
constexpr char kSummary[] =
    "Counts word co-occurrences of the corpus under the vocabulary VOCAB (vocab.tsv or "
    "vocab.wmrec from `wordmill vocab`) across the ranks, in bounded memory, and writes one "
    "sorted shard per rank to DIR: cooccur-<rank>-of-<ranks>.wmrec (records int32 i, int32 j, "
    "float64 x; rows owned by the rank), the id shards in DIR/ids/, and with --export-glove "
    "GloVe's cooccurrence.bin. INPUTs are files, directories and globs.";

}  // namespace

absl::Status ValidateCooccurCommand(const CooccurCommand& spec) {
  auto bad = [](const std::string& message) { return absl::InvalidArgumentError(message); };
  const CooccurSpec& c = spec.cooccur();
  if (spec.input().input().empty()) return bad("no input: give --input PATH or paths at the end");
  if (spec.vocab().empty()) return bad("--vocab is required");
  if (spec.output_dir().empty()) return bad("--output-dir is required");
  if (c.window() < 1 || c.window() > 10000) return bad("--window must be between 1 and 10000");
  if (c.memory_mb() < 1 || c.memory_mb() > (int64_t{1} << 30)) {
    return bad("--memory-mb must be between 1 and 2^30");
  }
  if (c.max_open_files() < 3) return bad("--max-open-files must be at least 3");
  if (c.dense_words() < -1) return bad("--dense-words must be >= -1");
  if (c.exchange_batch_mb() < 1 || c.exchange_batch_mb() > 1024) {
    return bad("--exchange-batch-mb must be between 1 and 1024");
  }
  if (spec.ids().max_sentence_tokens() < 1) return bad("--max-sentence-tokens must be >= 1");
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return bad("--threads must be between 0 (automatic) and 4096");
  }
  return absl::OkStatus();
}

namespace {

absl::Status PrepareOutputDir(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": --output-dir exists and is not a directory"));
  }
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create --output-dir: ", error.message()));
  }
  return absl::OkStatus();
}

void PrintSummary(const CooccurCommand& spec, const CooccurResult& r, int ranks) {
  std::printf(
      "wordmill cooccur: %lld tokens (%lld out of vocabulary dropped), %lld pairs (window %d) "
      "-> %lld records in %.2f s on %d rank(s) x %d thread(s)\n",
      static_cast<long long>(r.tokens), static_cast<long long>(r.dropped),
      static_cast<long long>(r.pairs), spec.cooccur().window(), static_cast<long long>(r.records),
      r.seconds, ranks, r.threads);
  std::printf(
      "  encode %.2f s, count+exchange %.2f s (%lld all-to-all rounds), merge %.2f s (%lld runs, "
      "%lld intermediate merges, max-open-files %d); dense region product %lld\n",
      r.encode_seconds, r.count_seconds, static_cast<long long>(r.exchange_rounds), r.merge_seconds,
      static_cast<long long>(r.runs), static_cast<long long>(r.intermediate_merges),
      spec.cooccur().max_open_files(), static_cast<long long>(r.dense_product));
  std::printf(
      "  slowest rank: count %.2f s, exchange %.2f s, spill %.2f s, dense %.2f s, merge %.2f s\n",
      r.phase_count, r.phase_exchange, r.phase_spill, r.phase_dense, r.phase_merge);
  std::printf("  records per rank: %s\n", absl::StrJoin(r.rank_records, " ").c_str());
  std::printf("  wrote: %s%s\n", absl::StrJoin(r.shards, " ").c_str(),
              spec.cooccur().export_glove()
                  ? absl::StrCat(" ", spec.output_dir(), "/cooccurrence.bin").c_str()
                  : "");
  std::fflush(stdout);
}

}  // namespace

absl::Status RunCooccurStage(const CooccurCommand& spec, Communicator* comm, StageOutputs* outputs,
                             const std::string& encoded_ids) {
  absl::Status prepared =
      comm->rank() == 0 ? PrepareOutputDir(spec.output_dir()) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(prepared); !s.ok()) return s;
  absl::StatusOr<Vocabulary> vocab = ReadVocabularyFile(spec.vocab());
  if (absl::Status s = comm->AgreeOk(vocab.status()); !s.ok()) return s;
  if (vocab->size() >= (size_t{1} << 31)) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.vocab(), ": ", vocab->size(), " words; at most 2^31 - 1 are supported"));
  }
  absl::StatusOr<CooccurResult> result =
      BuildCooccurrences(spec, EffectiveSpecText(spec), *vocab, comm, encoded_ids);
  if (!result.ok()) return result.status();
  if (spec.cooccur().export_glove()) {
    if (absl::Status s = ExportGloveCooccurrences(spec.output_dir(), comm->size(), comm); !s.ok()) {
      return s;
    }
  }
  if (comm->rank() == 0) PrintSummary(spec, *result, comm->size());
  outputs->files = result->shards;
  if (spec.cooccur().export_glove())
    outputs->files.push_back(spec.output_dir() + "/cooccurrence.bin");
  outputs->work_items = result->tokens;
  outputs->work_unit = "tokens";
  return absl::OkStatus();
}

int RunCooccurCommand(const std::vector<std::string>& args, Communicator* comm) {
  CooccurCommand spec;
  const int code = PrepareCommand(
      args, "cooccur", kUsage, kSummary, &spec, comm,
      [&](const std::string& p) { spec.mutable_input()->add_input(p); },
      [&] { return ValidateCooccurCommand(spec); });
  if (code >= 0) return code;
  StageOutputs outputs;
  return FinishWithStatus(RunCooccurStage(spec, comm, &outputs), comm);
}

}  // namespace wordmill
