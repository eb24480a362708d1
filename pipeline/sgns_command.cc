// `wordmill sgns`: flags -> SgnsCommand -> vocabulary -> id shards -> the skip-gram / CBOW
// trainer (embeddings/word2vec_training.h) run by RunTrainer -> vectors.bin / vectors.txt in
// --output-dir.
#include <cstdio>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "embeddings/trainer.h"
#include "embeddings/word2vec_model.h"
#include "embeddings/word2vec_training.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/id_encoder.h"
#include "workers/subword_vocab.h"
#include "workers/runtime_threads.h"
#include "workers/vocab_builder.h"

namespace wordmill {
namespace {

constexpr char kUsage[] =
    "[mpirun -np N] wordmill sgns [flags] --output-dir DIR [--vocab vocab.tsv] INPUT...";
constexpr char kSummary[] =
    "Trains word2vec skip-gram or CBOW embeddings: builds the vocabulary (or reads --vocab; "
    "--min-count applies to it too), encodes the corpus into one id shard per rank (DIR/ids/), "
    "trains a replica per rank with Hogwild threads, merging the replicas every --sync-words "
    "words, checkpoints after every epoch (DIR/checkpoint/) and writes DIR/vectors.bin and "
    "DIR/vectors.txt (word2vec binary and text) and DIR/vocab.tsv.";

// Largest model accepted (both matrices, padded rows): beyond this it is surely a mistake.
constexpr double kMaxModelBytes = 64.0 * (1ULL << 30);

}  // namespace

absl::Status ValidateSgnsCommand(const SgnsCommand& spec) {
  auto bad = [](const std::string& message) { return absl::InvalidArgumentError(message); };
  const SgnsSpec& s = spec.sgns();
  if (spec.input().input().empty()) return bad("no input: give --input PATH or paths at the end");
  if (spec.output_dir().empty()) return bad("--output-dir is required");
  if (s.dim() < 1 || s.dim() > 10000) return bad("--dim must be between 1 and 10000");
  if (s.window() < 1 || s.window() > 1000) return bad("--window must be between 1 and 1000");
  if (s.negative() < 0 || s.negative() > 1000) return bad("--negative must be between 0 and 1000");
  if (s.loss() == LOSS_NS && s.negative() < 1) return bad("--negative must be >= 1 with --loss ns");
  if (!(s.sample() >= 0) || s.sample() > 1) return bad("--sample must be between 0 and 1");
  if (s.epochs() < 1 || s.epochs() > 100000) return bad("--epochs must be between 1 and 100000");
  if (!(s.alpha() >= 0) || s.alpha() > 10) return bad("--alpha must be between 0 and 10");
  if (s.sync_words() < 0) return bad("--sync-words must be >= 0");
  if (s.stop_after_epochs() < 0) return bad("--stop-after-epochs must be >= 0");
  if (spec.vocabulary().min_count() < 0) return bad("--min-count must be >= 0");
  if (spec.vocabulary().max_size() < 0) return bad("--max-size must be >= 0");
  if (spec.ids().max_sentence_tokens() < 1 || spec.ids().max_sentence_tokens() > (1 << 24)) {
    return bad("--max-sentence-tokens must be between 1 and 2^24");
  }
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return bad("--threads must be between 0 (automatic) and 4096");
  }
  if (spec.input().max_line_bytes() < 1) return bad("--max-line-bytes must be at least 1");
  if (spec.tokenizer().max_token_bytes() < 1) return bad("--max-token-bytes must be at least 1");
  return absl::OkStatus();
}

namespace {

absl::Status PrepareOutputDir(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": --output-dir exists and is not a directory"));
  }
  for (const char* sub : {"/ids", "/checkpoint"}) {
    std::filesystem::create_directories(dir + sub, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, sub, ": cannot create directory: ", error.message()));
    }
  }
  return absl::OkStatus();
}

// --vocab read by every rank, with --min-count and --max-size applied.
absl::StatusOr<Vocabulary> ReadVocabulary(const SgnsCommand& spec) {
  absl::StatusOr<Vocabulary> vocab = absl::EndsWith(spec.vocab(), ".wmrec")
                                         ? ReadVocabRecords(spec.vocab())
                                         : ReadVocabTsv(spec.vocab());
  if (!vocab.ok()) return vocab.status();
  SortVocabulary(&*vocab);
  Vocabulary kept;
  for (VocabWord& w : *vocab) {
    if (w.count >= spec.vocabulary().min_count()) kept.push_back(std::move(w));
  }
  if (spec.vocabulary().max_size() > 0 &&
      static_cast<int64_t>(kept.size()) > spec.vocabulary().max_size()) {
    kept.resize(spec.vocabulary().max_size());
  }
  return kept;
}

absl::StatusOr<Vocabulary> GetVocabulary(const SgnsCommand& spec, Communicator* comm) {
  Vocabulary vocab;
  if (!spec.vocab().empty()) {
    absl::StatusOr<Vocabulary> read = ReadVocabulary(spec);
    if (absl::Status s = comm->AgreeOk(read.status()); !s.ok()) return s;
    vocab = std::move(*read);
  } else {
    VocabCommand vocab_spec;
    *vocab_spec.mutable_input() = spec.input();
    *vocab_spec.mutable_tokenizer() = spec.tokenizer();
    *vocab_spec.mutable_vocabulary() = spec.vocabulary();
    *vocab_spec.mutable_runtime() = spec.runtime();
    vocab_spec.set_output_dir(spec.output_dir());
    absl::StatusOr<VocabularyResult> built = BuildVocabulary(vocab_spec, comm);
    if (!built.ok()) return built.status();
    vocab = std::move(built->vocab);
  }
  const std::string source = spec.vocab().empty() ? "the corpus" : spec.vocab();
  if (vocab.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the vocabulary of ", source, " is empty (empty corpus, or no word reaches --min-count ",
        spec.vocabulary().min_count(), ")"));
  }
  if (vocab.size() < 2 || (spec.sgns().loss() == LOSS_NS &&
                           static_cast<int64_t>(vocab.size()) < spec.sgns().negative())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the vocabulary of ", source, " has ", vocab.size(), " word(s): too few to train (need ",
        "at least 2 and at least --negative ", spec.sgns().negative(), ")"));
  }
  const double bytes =
      2.0 * vocab.size() * PaddedDim(spec.sgns().dim()) * 4 * (comm->size() > 1 ? 2 : 1);
  if (bytes > kMaxModelBytes) {
    return absl::InvalidArgumentError(absl::StrCat("--dim ", spec.sgns().dim(), " with ",
                                                   vocab.size(), " words needs ",
                                                   static_cast<int64_t>(bytes / (1 << 30)),
                                                   " GiB per rank; reduce --dim or "
                                                   "raise --min-count"));
  }
  return vocab;
}

}  // namespace

absl::Status RunSgnsStage(const SgnsCommand& spec, Communicator* comm, StageOutputs* outputs,
                          const EpochCallback& on_epoch, const std::string& encoded_ids) {
  absl::Status prepared =
      comm->rank() == 0 ? PrepareOutputDir(spec.output_dir()) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(prepared); !s.ok()) return s;
  absl::StatusOr<Vocabulary> vocab = GetVocabulary(spec, comm);
  if (!vocab.ok()) return vocab.status();
  const std::string vocab_path = absl::StrCat(spec.output_dir(), "/vocab.tsv");
  absl::Status vocab_written =
      comm->rank() == 0 ? WriteVocabTsv(vocab_path, *vocab) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(vocab_written); !s.ok()) return s;
  absl::StatusOr<IdEncodeResult> encoded =
      !encoded_ids.empty()
          ? OpenEncodedCorpus(encoded_ids, *vocab, comm)
          : EncodeCorpus(spec.input(), spec.tokenizer(), spec.ids(), spec.runtime(), *vocab,
                         spec.output_dir() + "/ids", SgnsCommand::descriptor()->full_name(),
                         EffectiveSpecText(spec), comm);
  if (!encoded.ok()) return encoded.status();
  TrainerContext context;
  context.comm = comm;
  context.output_dir = spec.output_dir();
  context.threads = ResolveThreads(spec.runtime(), *comm);
  context.progress_seconds = spec.runtime().progress_seconds();
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      CreateWord2vecTrainer(spec.sgns(), *vocab, encoded->path, context);
  if (!trainer.ok()) return trainer.status();
  TrainerRunOptions options;
  options.resume = spec.resume();
  options.stop_after_epochs = spec.sgns().stop_after_epochs();
  options.on_epoch = on_epoch;
  absl::StatusOr<TrainerRunResult> run = RunTrainer(trainer->get(), context, options);
  if (!run.ok()) return run.status();
  if (run->end_epoch > run->start_epoch) {
    outputs->work_items = (*trainer)->items_per_epoch() * (spec.sgns().epochs() - run->start_epoch);
    outputs->work_unit = "words";
  }
  if (comm->rank() == 0) {
    std::printf("%s", (*trainer)->Summary().c_str());
    if (run->stopped) {
      std::printf("  stopped after epoch %d of %d (--stop-after-epochs); continue with --resume\n",
                  spec.sgns().stop_after_epochs(), spec.sgns().epochs());
    } else {
      std::printf("  vocabulary %zu words; wrote: %s %s\n", vocab->size(), vocab_path.c_str(),
                  absl::StrJoin(run->files, " ").c_str());
    }
    std::fflush(stdout);
  }
  outputs->stopped = run->stopped;
  if (!run->stopped) {
    outputs->files = {vocab_path};
    outputs->files.insert(outputs->files.end(), run->files.begin(), run->files.end());
  }
  return absl::OkStatus();
}

int RunSgnsCommand(const std::vector<std::string>& args, Communicator* comm) {
  SgnsCommand spec;
  const int code = PrepareCommand(
      args, "sgns", kUsage, kSummary, &spec, comm,
      [&](const std::string& p) { spec.mutable_input()->add_input(p); },
      [&] { return ValidateSgnsCommand(spec); });
  if (code >= 0) return code;
  StageOutputs outputs;
  return FinishWithStatus(RunSgnsStage(spec, comm, &outputs), comm);
}

}  // namespace wordmill
