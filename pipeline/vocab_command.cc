// `wordmill vocab`: flags -> VocabCommand -> BuildVocabulary -> files in --output-dir.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "formats/atomic_file.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "google/protobuf/text_format.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/vocab_builder.h"

namespace wordmill {
namespace {

constexpr char kUsage[] = "[mpirun -np N] wordmill vocab [flags] --output-dir DIR INPUT...";
constexpr char kSummary[] =
    "Reads every input once, divided among the ranks and their threads, tokenizes it, and "
    "writes the global vocabulary to DIR: vocab.tsv (word<TAB>count, by count descending then "
    "bytes), vocab.wmrec (the same as a checksummed record file carrying this spec), the "
    "requested --export files, and stats.textproto. INPUTs are files, directories and globs; "
    "positional arguments are added to --input.";

}  // namespace

absl::Status ValidateVocabCommand(const VocabCommand& spec) {
  auto bad = [](const std::string& message) { return absl::InvalidArgumentError(message); };
  if (spec.input().input().empty()) return bad("no input: give --input PATH or paths at the end");
  if (spec.output_dir().empty()) return bad("--output-dir is required");
  if (spec.input().max_line_bytes() < 1) return bad("--max-line-bytes must be at least 1");
  if (spec.input().split_bytes() < 0) return bad("--split-bytes must be >= 0");
  if (spec.tokenizer().max_token_bytes() < 1) return bad("--max-token-bytes must be at least 1");
  if (spec.vocabulary().min_count() < 0) return bad("--min-count must be >= 0");
  if (spec.vocabulary().max_size() < 0) return bad("--max-size must be >= 0");
  if (spec.vocabulary().vocab_memory_mb() < 0 || spec.vocabulary().vocab_memory_mb() > (1 << 30)) {
    return bad("--vocab-memory-mb must be between 0 (no budget) and 2^30");
  }
  if (spec.vocabulary().exchange_batch_mb() < 1 || spec.vocabulary().exchange_batch_mb() > 1024) {
    return bad("--exchange-batch-mb must be between 1 and 1024");
  }
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return bad("--threads must be between 0 (automatic) and 4096");
  }
  for (const std::string& e : spec.vocabulary().export_()) {
    if (e != "glove" && e != "word2vec") {
      return bad(absl::StrCat("--export: '", e, "' is not one of glove|word2vec"));
    }
  }
  return absl::OkStatus();
}

namespace {

// Creates the output directory (rank 0); an existing non-directory is an error.
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

absl::Status WriteOutputs(const VocabCommand& spec, const VocabularyResult& result,
                          std::vector<std::string>* written) {
  const std::string& dir = spec.output_dir();
  const std::string spec_text = EffectiveSpecText(spec);
  auto path = [&](const char* name) {
    written->push_back(absl::StrCat(dir, "/", name));
    return written->back();
  };
  if (absl::Status s = WriteVocabTsv(path("vocab.tsv"), result.vocab); !s.ok()) return s;
  if (absl::Status s = WriteVocabRecords(path("vocab.wmrec"), result.vocab,
                                         VocabCommand::descriptor()->full_name(), spec_text);
      !s.ok()) {
    return s;
  }
  for (const std::string& e : spec.vocabulary().export_()) {
    absl::Status s = e == "glove" ? WriteVocabGlove(path("vocab.glove.txt"), result.vocab)
                                  : WriteVocabWord2vec(path("vocab.word2vec.txt"), result.vocab,
                                                       result.stats.lines());
    if (!s.ok()) return s;
  }
  std::string stats_text;
  google::protobuf::TextFormat::PrintToString(result.stats, &stats_text);
  return WriteFileAtomically(path("stats.textproto"), stats_text);
}

void PrintSummary(const VocabCommand& spec, const VocabularyResult& result,
                  const std::vector<std::string>& written) {
  const CorpusStats& s = result.stats;
  std::printf(
      "wordmill vocab: %lld files, %.1f MB (%.1f MB uncompressed), %lld lines, %lld documents, "
      "%lld tokens in %.2f s on %d rank(s) x %d thread(s)\n",
      static_cast<long long>(s.files()), s.bytes() / 1e6, s.uncompressed_bytes() / 1e6,
      static_cast<long long>(s.lines()), static_cast<long long>(s.documents()),
      static_cast<long long>(s.tokens()), s.seconds(), s.ranks(), s.threads());
  const double coverage = s.tokens() > 0 ? 100.0 * s.vocabulary_tokens() / s.tokens() : 0.0;
  std::printf(
      "  distinct words %lld; vocabulary (min-count %lld%s) %lld words covering %.2f%% of "
      "tokens\n",
      static_cast<long long>(s.distinct_words()),
      static_cast<long long>(spec.vocabulary().min_count()),
      spec.vocabulary().max_size() > 0
          ? absl::StrCat(", max-size ", spec.vocabulary().max_size()).c_str()
          : "",
      static_cast<long long>(s.vocabulary_words()), coverage);
  std::printf(
      "  invalid UTF-8 sequences %lld, tokens over %d bytes dropped %lld, lines over "
      "max-line-bytes skipped %lld\n",
      static_cast<long long>(s.invalid_utf8_sequences()), spec.tokenizer().max_token_bytes(),
      static_cast<long long>(s.long_tokens_dropped()),
      static_cast<long long>(s.long_lines_skipped()));
  if (s.pruned_entries() > 0) {
    std::printf(
        "  memory budget %lld MiB: pruned %lld entries (%lld tokens, count <= %lld); distinct "
        "words before pruning ~%lld\n",
        static_cast<long long>(spec.vocabulary().vocab_memory_mb()),
        static_cast<long long>(s.pruned_entries()), static_cast<long long>(s.pruned_tokens()),
        static_cast<long long>(s.prune_threshold()),
        static_cast<long long>(s.distinct_words_before_pruning()));
  }
  std::printf("  top %d words:", static_cast<int>(std::min<size_t>(20, result.vocab.size())));
  for (size_t i = 0; i < result.vocab.size() && i < 20; ++i) {
    std::printf("%s %s %lld", i == 0 ? "" : ",", result.vocab[i].word.c_str(),
                static_cast<long long>(result.vocab[i].count));
  }
  std::printf("\n  wrote: %s\n", absl::StrJoin(written, " ").c_str());
  std::fflush(stdout);
}

}  // namespace

absl::Status RunVocabStage(const VocabCommand& spec, Communicator* comm, StageOutputs* outputs) {
  absl::Status prepared =
      comm->rank() == 0 ? PrepareOutputDir(spec.output_dir()) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(prepared); !s.ok()) return s;
  absl::StatusOr<VocabularyResult> result = BuildVocabulary(spec, comm);
  if (!result.ok()) return result.status();
  std::vector<std::string> written;
  absl::Status status =
      comm->rank() == 0 ? WriteOutputs(spec, *result, &written) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  if (comm->rank() == 0) PrintSummary(spec, *result, written);
  outputs->files = std::move(written);
  outputs->work_items = result->stats.tokens();
  outputs->work_unit = "tokens";
  return absl::OkStatus();
}

int RunVocabCommand(const std::vector<std::string>& args, Communicator* comm) {
  VocabCommand spec;
  const int code = PrepareCommand(
      args, "vocab", kUsage, kSummary, &spec, comm,
      [&](const std::string& p) { spec.mutable_input()->add_input(p); },
      [&] { return ValidateVocabCommand(spec); });
  if (code >= 0) return code;
  StageOutputs outputs;
  return FinishWithStatus(RunVocabStage(spec, comm, &outputs), comm);
}

}  // namespace wordmill
