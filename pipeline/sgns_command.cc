// `wordmill sgns`: flags -> SgnsCommand -> vocabulary -> id shards -> skip-gram / CBOW
// training across ranks -> vectors.bin / vectors.txt in --output-dir.
#include <cstdio>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "embeddings/word2vec_checkpoint.h"
#include "embeddings/word2vec_trainer.h"
#include "formats/embedding_file.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "workers/id_encoder.h"
#include "workers/subword_vocab.h"
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

// Every rank holds the same model after the last merge, so the output files are spread over
// the ranks (file k by rank k mod P): with two ranks the text file is formatted while the binary
// one is written. `written` gets every file's path, on every rank.
absl::Status WriteVectors(const SgnsCommand& spec, const Word2vecWeights& weights,
                          const std::vector<std::string>& words, const Communicator& comm,
                          std::vector<std::string>* written) {
  const std::string& dir = spec.output_dir();
  int file = 0;
  for (bool output : {false, true}) {
    if (output && !spec.sgns().save_output_vectors()) break;
    // The output matrix of hierarchical softmax belongs to the tree's inner nodes, not words.
    if (output && spec.sgns().loss() == LOSS_HS) break;
    const std::string base = absl::StrCat(dir, output ? "/vectors.out" : "/vectors");
    const bool write_bin = file++ % comm.size() == comm.rank();
    const bool write_txt = file++ % comm.size() == comm.rank();
    if (write_bin || write_txt) {
      const EmbeddingMatrix m = weights.Export(words, output);
      if (write_bin) {
        if (absl::Status s = WriteWord2vecBinary(base + ".bin", m); !s.ok()) return s;
      }
      if (write_txt) {
        if (absl::Status s = WriteWord2vecText(base + ".txt", m); !s.ok()) return s;
      }
    }
    written->push_back(base + ".bin");
    written->push_back(base + ".txt");
  }
  return absl::OkStatus();
}

// The model of this rank: its own, or with --share-model host the one its host's ranks map
// (host rank 0 initializes it and reads the checkpoint; the others wait at a host barrier).
struct RankModel {
  std::unique_ptr<Communicator> host;      // sharing: the ranks of this host
  std::unique_ptr<Communicator> replicas;  // sharing: the hosts' rank 0s (null on the others)
  std::unique_ptr<SharedMemory> memory;    // sharing: W, C, then the row marks
  std::unique_ptr<Word2vecWeights> weights;
  uint8_t* marks = nullptr;
  // Whether this rank writes the model's initial values (every rank without sharing).
  bool initializes() const { return host == nullptr || host->rank() == 0; }
};

absl::StatusOr<RankModel> MakeRankModel(const SgnsSpec& spec, int64_t rows, Communicator* comm) {
  RankModel m;
  if (spec.share_model() == SHARE_MODEL_HOST && comm->local_size() > 1) {
    absl::StatusOr<std::unique_ptr<Communicator>> host = comm->SplitByHost();
    if (!host.ok()) return host.status();
    m.host = *std::move(host);
    const size_t model_bytes = Word2vecWeights::StorageBytes(rows, spec.dim());
    absl::StatusOr<std::unique_ptr<SharedMemory>> memory =
        m.host->AllocateShared(model_bytes + 2 * static_cast<size_t>(rows));
    // Every host must share, or none: the merges run over one kind of replica. A host without
    // room for the model in shared memory makes every rank train its own replica instead.
    absl::StatusOr<int64_t> all_shared = comm->MinInt64(memory.ok() ? 1 : 0);
    if (!all_shared.ok()) return all_shared.status();
    if (*all_shared == 1) {
      m.memory = *std::move(memory);
      m.weights = std::make_unique<Word2vecWeights>(rows, spec.dim(), m.memory->data());
      m.marks = static_cast<uint8_t*>(m.memory->data()) + model_bytes;
      absl::StatusOr<std::unique_ptr<Communicator>> replicas =
          comm->Split(m.host->rank() == 0 ? 0 : -1);
      if (!replicas.ok()) return replicas.status();
      m.replicas = *std::move(replicas);
    } else {
      if (!memory.ok() && m.host->rank() == 0) {  // one line per host
        std::fprintf(stderr,
                     "wordmill sgns: %s: no shared model (%s); every rank trains its own "
                     "replica (--share-model none)\n",
                     comm->Where().c_str(), std::string(memory.status().message()).c_str());
      }
      if (memory.ok()) memory->reset();  // released on every rank of the host together
      m.host.reset();
    }
  }
  if (m.weights == nullptr) m.weights = std::make_unique<Word2vecWeights>(rows, spec.dim());
  if (m.initializes()) m.weights->Initialize(spec.seed());
  return m;
}

// Loads the checkpoint for --resume; returns the epochs already done. Only the ranks that
// initialize the model read the checkpoint into it; the epoch count they
// read is the same on every host and reaches the host's other ranks by a maximum.
absl::StatusOr<int> Resume(const SgnsCommand& spec, uint64_t vocab_checksum, const RankModel& model,
                           Communicator* comm) {
  const std::string path = Word2vecCheckpointPath(spec.output_dir());
  absl::StatusOr<int> done = 0;
  if (!std::filesystem::exists(path)) {
    done = absl::FailedPreconditionError(
        absl::StrCat("--resume: no checkpoint at ", path, " (run without --resume first)"));
  } else if (model.initializes()) {
    done = ReadWord2vecCheckpoint(path, vocab_checksum, SgnsSpecFingerprint(spec.sgns()),
                                  model.weights.get());
  }
  if (absl::Status s = comm->AgreeOk(done.status()); !s.ok()) return s;
  absl::StatusOr<int64_t> epochs = comm->MaxInt64(*done);
  if (!epochs.ok()) return epochs.status();
  return static_cast<int>(*epochs);
}

absl::Status Train(const SgnsCommand& spec, const Vocabulary& vocab, const Word2vecCorpus& corpus,
                   RankModel* model, int start_epoch, bool* stopped, Communicator* comm,
                   const EpochCallback& on_epoch, StageOutputs* outputs) {
  Word2vecWeights* weights = model->weights.get();
  std::vector<int64_t> counts;
  for (const VocabWord& w : vocab) counts.push_back(w.count);
  Word2vecTrainerOptions options;
  options.host = model->host.get();
  options.replicas = model->replicas.get();
  options.shared_marks = model->marks;
  options.threads = ResolveThreads(spec.runtime(), *comm);
  options.progress_seconds = spec.runtime().progress_seconds();
  absl::StatusOr<std::unique_ptr<Word2vecTrainer>> trainer =
      Word2vecTrainer::Create(spec.sgns(), counts, &corpus, weights, options, comm);
  if (!trainer.ok()) return trainer.status();
  if ((*trainer)->total_tokens() == 0) {
    return absl::InvalidArgumentError(
        "the corpus has no words of the vocabulary: nothing to train");
  }
  const uint64_t checksum = VocabularyChecksum(vocab);
  const int epochs = spec.sgns().epochs();
  const int stop = spec.sgns().stop_after_epochs();
  for (int epoch = start_epoch; epoch < epochs; ++epoch) {
    if (absl::Status s = (*trainer)->TrainEpoch(epoch); !s.ok()) return s;
    absl::Status written =
        comm->rank() == 0
            ? WriteWord2vecCheckpoint(Word2vecCheckpointPath(spec.output_dir()), *weights, checksum,
                                      SgnsSpecFingerprint(spec.sgns()), epoch + 1)
            : absl::OkStatus();
    if (absl::Status s = comm->AgreeOk(written); !s.ok()) return s;
    if (on_epoch) on_epoch(epoch + 1);
    if (stop > 0 && epoch + 1 >= stop && epoch + 1 < epochs) {
      *stopped = true;
      break;
    }
  }
  outputs->work_items = (*trainer)->total_tokens() * (epochs - start_epoch);
  outputs->work_unit = "words";
  if (comm->rank() == 0) {
    const Word2vecTrainer& t = **trainer;
    std::printf(
        "wordmill sgns: %lld words x %d epochs (from epoch %d) in %.2f s on %d rank(s) x %d "
        "thread(s)%s, %d sync(s) per epoch of %.1f MB each (%.2f s in all); last epoch's loss "
        "%.4f\n",
        static_cast<long long>(t.total_tokens()), epochs, start_epoch + 1, t.seconds(),
        comm->size(), options.threads,
        t.ranks_per_model() > 1
            ? absl::StrCat(" (one model shared by ", t.ranks_per_model(), " ranks)").c_str()
            : "",
        t.syncs_per_epoch(), t.sync_bytes() / 1e6, t.sync_seconds(), t.mean_loss());
  }
  return absl::OkStatus();
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
  const uint64_t checksum = VocabularyChecksum(*vocab);
  absl::StatusOr<Word2vecCorpus> corpus = LoadIdShard(encoded->path, checksum);
  if (absl::Status s = comm->AgreeOk(corpus.status()); !s.ok()) return s;
  absl::StatusOr<RankModel> model =
      MakeRankModel(spec.sgns(), static_cast<int64_t>(vocab->size()), comm);
  if (absl::Status s = comm->AgreeOk(model.status()); !s.ok()) return s;
  const Word2vecWeights& weights = *model->weights;
  int start_epoch = 0;
  if (spec.resume()) {
    absl::StatusOr<int> done = Resume(spec, checksum, *model, comm);
    if (!done.ok()) return done.status();
    start_epoch = *done;
  }
  bool stopped = false;
  if (start_epoch < spec.sgns().epochs()) {
    if (absl::Status s =
            Train(spec, *vocab, *corpus, &*model, start_epoch, &stopped, comm, on_epoch, outputs);
        !s.ok()) {
      return s;
    }
  }
  if (stopped) {
    outputs->stopped = true;
    if (comm->rank() == 0) {
      std::printf("  stopped after epoch %d of %d (--stop-after-epochs); continue with --resume\n",
                  spec.sgns().stop_after_epochs(), spec.sgns().epochs());
    }
    return absl::OkStatus();
  }
  std::vector<std::string> words;
  words.reserve(vocab->size());
  for (const VocabWord& w : *vocab) words.push_back(w.word);
  std::vector<std::string> written{vocab_path};
  absl::Status status = WriteVectors(spec, weights, words, *comm, &written);
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  if (comm->rank() == 0) {
    std::printf("  vocabulary %zu words; wrote: %s\n", vocab->size(),
                absl::StrJoin(written, " ").c_str());
    std::fflush(stdout);
  }
  outputs->files = std::move(written);
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
