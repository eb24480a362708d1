#include "embeddings/word2vec_training.h"

#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "embeddings/word2vec_checkpoint.h"
#include "embeddings/word2vec_shared_model.h"
#include "embeddings/word2vec_trainer.h"
#include "formats/embedding_file.h"

namespace wordmill {
namespace {

class Word2vecTraining : public Trainer {
 public:
  Word2vecTraining(const SgnsSpec& spec, const Vocabulary& vocab, const TrainerContext& context)
      : spec_(spec), vocab_(vocab), context_(context), checksum_(VocabularyChecksum(vocab)) {}

  absl::Status Init(const std::string& id_shard);

  std::string name() const override { return "word2vec"; }
  int epochs() const override { return spec_.epochs(); }
  std::string item_unit() const override { return "words"; }
  int64_t items_per_epoch() const override { return engine_ ? engine_->total_tokens() : 0; }
  absl::StatusOr<int> Resume() override;
  absl::Status TrainEpoch(int epoch, const TrainerProgressCallback& progress) override;
  absl::Status WriteCheckpoint(int epochs_done) override;
  absl::StatusOr<std::vector<std::string>> WriteOutputs() override;
  std::string Summary() const override;

 private:
  // The epoch engine, made before the first epoch (after Resume: with model sharing it takes
  // the model's snapshot for the merges, which must hold the checkpoint's values).
  absl::Status StartEngine();

  SgnsSpec spec_;
  const Vocabulary& vocab_;
  TrainerContext context_;
  uint64_t checksum_;
  Word2vecCorpus corpus_;
  Word2vecRankModel model_;
  std::unique_ptr<Word2vecTrainer> engine_;
  int first_epoch_ = -1;  // the first epoch this run trained
};

absl::Status Word2vecTraining::Init(const std::string& id_shard) {
  Communicator* comm = context_.comm;
  absl::StatusOr<Word2vecCorpus> corpus = LoadIdShard(id_shard, checksum_);
  if (absl::Status s = comm->AgreeOk(corpus.status()); !s.ok()) return s;
  corpus_ = *std::move(corpus);
  absl::StatusOr<Word2vecRankModel> model =
      MakeWord2vecRankModel(spec_, static_cast<int64_t>(vocab_.size()), comm);
  if (absl::Status s = comm->AgreeOk(model.status()); !s.ok()) return s;
  model_ = *std::move(model);
  return absl::OkStatus();
}

// Only the ranks that initialize the model read the checkpoint into it; the epoch count they
// read is the same on every host and reaches the host's other ranks by a maximum.
absl::StatusOr<int> Word2vecTraining::Resume() {
  Communicator* comm = context_.comm;
  const std::string path = Word2vecCheckpointPath(context_.output_dir);
  absl::StatusOr<int> done = 0;
  if (!std::filesystem::exists(path)) {
    done = absl::FailedPreconditionError(
        absl::StrCat("--resume: no checkpoint at ", path, " (run without --resume first)"));
  } else if (model_.initializes()) {
    done =
        ReadWord2vecCheckpoint(path, checksum_, SgnsSpecFingerprint(spec_), model_.weights.get());
  }
  if (absl::Status s = comm->AgreeOk(done.status()); !s.ok()) return s;
  absl::StatusOr<int64_t> epochs = comm->MaxInt64(*done);
  if (!epochs.ok()) return epochs.status();
  return static_cast<int>(*epochs);
}

absl::Status Word2vecTraining::StartEngine() {
  std::vector<int64_t> counts;
  counts.reserve(vocab_.size());
  for (const VocabWord& w : vocab_) counts.push_back(w.count);
  Word2vecTrainerOptions options;
  options.host = model_.host.get();
  options.replicas = model_.replicas.get();
  options.shared_marks = model_.marks;
  options.threads = context_.threads;
  options.progress_seconds = context_.progress_seconds;
  absl::StatusOr<std::unique_ptr<Word2vecTrainer>> engine = Word2vecTrainer::Create(
      spec_, counts, &corpus_, model_.weights.get(), options, context_.comm);
  if (!engine.ok()) return engine.status();
  if ((*engine)->total_tokens() == 0) {
    return absl::InvalidArgumentError(
        "the corpus has no words of the vocabulary: nothing to train");
  }
  engine_ = *std::move(engine);
  return absl::OkStatus();
}

absl::Status Word2vecTraining::TrainEpoch(int epoch, const TrainerProgressCallback& progress) {
  if (engine_ == nullptr) {
    if (absl::Status s = StartEngine(); !s.ok()) return s;
    first_epoch_ = epoch;
  }
  return engine_->TrainEpoch(epoch, progress);
}

absl::Status Word2vecTraining::WriteCheckpoint(int epochs_done) {
  absl::Status written =
      context_.comm->rank() == 0
          ? WriteWord2vecCheckpoint(Word2vecCheckpointPath(context_.output_dir), *model_.weights,
                                    checksum_, SgnsSpecFingerprint(spec_), epochs_done)
          : absl::OkStatus();
  return context_.comm->AgreeOk(written);
}

// Every rank holds the same model after the last merge, so the output files are spread over
// the ranks (file k by rank k mod P): with two ranks the text file is formatted while the binary
// one is written.
absl::StatusOr<std::vector<std::string>> Word2vecTraining::WriteOutputs() {
  const Communicator& comm = *context_.comm;
  std::vector<std::string> words;
  words.reserve(vocab_.size());
  for (const VocabWord& w : vocab_) words.push_back(w.word);
  std::vector<std::string> written;
  absl::Status status;
  int file = 0;
  for (bool output : {false, true}) {
    if (output && !spec_.save_output_vectors()) break;
    // The output matrix of hierarchical softmax belongs to the tree's inner nodes, not words.
    if (output && spec_.loss() == LOSS_HS) break;
    const std::string base =
        absl::StrCat(context_.output_dir, output ? "/vectors.out" : "/vectors");
    const bool write_bin = file++ % comm.size() == comm.rank();
    const bool write_txt = file++ % comm.size() == comm.rank();
    if (status.ok() && (write_bin || write_txt)) {
      const EmbeddingMatrix m = model_.weights->Export(words, output);
      if (write_bin) status = WriteWord2vecBinary(base + ".bin", m);
      if (status.ok() && write_txt) status = WriteWord2vecText(base + ".txt", m);
    }
    written.push_back(base + ".bin");
    written.push_back(base + ".txt");
  }
  if (absl::Status s = context_.comm->AgreeOk(status); !s.ok()) return s;
  return written;
}

std::string Word2vecTraining::Summary() const {
  if (engine_ == nullptr) return "";
  const Word2vecTrainer& t = *engine_;
  return absl::StrFormat(
      "wordmill sgns: %d words x %d epochs (from epoch %d) in %.2f s on %d rank(s) x %d "
      "thread(s)%s, %d sync(s) per epoch of %.1f MB each (%.2f s in all); last epoch's loss "
      "%.4f\n",
      t.total_tokens(), spec_.epochs(), first_epoch_ + 1, t.seconds(), context_.comm->size(),
      context_.threads,
      t.ranks_per_model() > 1
          ? absl::StrCat(" (one model shared by ", t.ranks_per_model(), " ranks)")
          : "",
      t.syncs_per_epoch(), t.sync_bytes() / 1e6, t.sync_seconds(), t.mean_loss());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer>> CreateWord2vecTrainer(const SgnsSpec& spec,
                                                               const Vocabulary& vocab,
                                                               const std::string& id_shard,
                                                               const TrainerContext& context) {
  auto trainer = std::make_unique<Word2vecTraining>(spec, vocab, context);
  if (absl::Status s = trainer->Init(id_shard); !s.ok()) return s;
  return trainer;
}

}  // namespace wordmill
