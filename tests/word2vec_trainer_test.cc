// The skip-gram / CBOW trainer in one process: planted topic structure is recovered by every
// model/loss/update combination, runs are reproducible, the replica merge sums deltas, and with
// two ranks (as threads) the touched-rows merge trains exactly the whole-matrix merge's model.
#include "embeddings/word2vec_trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"
#include "embeddings/word2vec_checkpoint.h"
#include "embeddings/word2vec_sync.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::InProcessRanks;

constexpr int kTopicWords = 40;

// Two disjoint topics: ids [0, 40) and [40, 80); each sentence draws 20 words from one topic.
Word2vecCorpus TopicCorpus(int sentences, uint32_t seed) {
  std::mt19937 gen(seed);
  Word2vecCorpus corpus;
  std::vector<uint32_t> sentence(20);
  for (int s = 0; s < sentences; ++s) {
    const uint32_t base = (s % 2) * kTopicWords;
    for (uint32_t& id : sentence) id = base + gen() % kTopicWords;
    corpus.AddParagraph(sentence.data(), sentence.size());
  }
  return corpus;
}

std::vector<int64_t> Counts(const Word2vecCorpus& corpus, size_t v) {
  std::vector<int64_t> counts(v, 0);
  for (uint32_t id : corpus.ids) ++counts[id];
  return counts;
}

// Fraction of each word's 10 nearest neighbours (cosine, input vectors) in its own topic.
double OwnTopicFraction(const Word2vecWeights& w) {
  const int v = static_cast<int>(w.rows());
  int own = 0, total = 0;
  auto cosine = [&](int a, int b) {
    double ab = 0, aa = 0, bb = 0;
    for (int d = 0; d < w.dim(); ++d) {
      ab += w.in(a)[d] * w.in(b)[d];
      aa += w.in(a)[d] * w.in(a)[d];
      bb += w.in(b)[d] * w.in(b)[d];
    }
    return ab / std::sqrt(aa * bb + 1e-30);
  };
  for (int a = 0; a < v; ++a) {
    std::vector<std::pair<double, int>> sims;
    for (int b = 0; b < v; ++b) {
      if (b != a) sims.emplace_back(-cosine(a, b), b);
    }
    std::partial_sort(sims.begin(), sims.begin() + 10, sims.end());
    for (int k = 0; k < 10; ++k) {
      own += (sims[k].second / kTopicWords) == (a / kTopicWords);
      ++total;
    }
  }
  return static_cast<double>(own) / total;
}

SgnsSpec SmallSpec() {
  SgnsSpec spec;
  spec.set_dim(24);
  spec.set_window(4);
  spec.set_negative(5);
  spec.set_sample(0);
  spec.set_epochs(3);
  spec.set_seed(3);
  return spec;
}

std::unique_ptr<Word2vecWeights> Train(const SgnsSpec& spec, const Word2vecCorpus& corpus,
                                       int threads, double* loss = nullptr) {
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  auto weights = std::make_unique<Word2vecWeights>(2 * kTopicWords, spec.dim());
  weights->Initialize(spec.seed());
  Word2vecTrainerOptions options;
  options.threads = threads;
  options.progress_seconds = 0;
  auto trainer = Word2vecTrainer::Create(spec, Counts(corpus, 2 * kTopicWords), &corpus,
                                         weights.get(), options, comm.get());
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  for (int e = 0; e < spec.epochs(); ++e) {
    absl::Status s = (*trainer)->TrainEpoch(e);
    EXPECT_TRUE(s.ok()) << s;
  }
  if (loss != nullptr) *loss = (*trainer)->mean_loss();
  return weights;
}

struct Variant {
  Word2vecModel model;
  Word2vecLoss loss;
  Word2vecUpdate update;
};

class PlantedTopicsTest : public ::testing::TestWithParam<Variant> {};

TEST_P(PlantedTopicsTest, NeighboursComeFromTheSameTopic) {
  const Word2vecCorpus corpus = TopicCorpus(1000, 11);
  SgnsSpec spec = SmallSpec();
  spec.set_model(GetParam().model);
  spec.set_loss(GetParam().loss);
  spec.set_update(GetParam().update);
  double loss = 0;
  std::unique_ptr<Word2vecWeights> w = Train(spec, corpus, 2, &loss);
  EXPECT_TRUE(w->FindNonFinite().empty());
  EXPECT_GT(loss, 0);
  EXPECT_GE(OwnTopicFraction(*w), 0.95) << "loss " << loss;
}

const auto kAllVariants = ::testing::Values(
    Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_BATCH},
    Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_PAIRWISE},
    Variant{MODEL_SKIPGRAM, LOSS_HS, UPDATE_PAIRWISE}, Variant{MODEL_CBOW, LOSS_NS, UPDATE_BATCH},
    Variant{MODEL_CBOW, LOSS_NS, UPDATE_PAIRWISE}, Variant{MODEL_CBOW, LOSS_HS, UPDATE_PAIRWISE});

std::string VariantName(const ::testing::TestParamInfo<Variant>& info) {
  return absl::StrCat(info.param.model == MODEL_CBOW ? "Cbow" : "SkipGram",
                      info.param.loss == LOSS_HS ? "Hs" : "Ns",
                      info.param.update == UPDATE_BATCH ? "Batch" : "Pairwise");
}

INSTANTIATE_TEST_SUITE_P(AllVariants, PlantedTopicsTest, kAllVariants, VariantName);

std::vector<float> Matrix(const Word2vecWeights& w, bool out) {
  const float* p = out ? w.out(0) : w.in(0);
  return std::vector<float>(p, p + w.floats_per_matrix());
}

// Two ranks as threads of this process (tests/in_process_ranks.h), one worker thread each.
class TrainerAcrossRanksTest : public ::testing::TestWithParam<Variant> {};

// Trains `ranks` replicas (one thread each, rank r on its own corpus) and returns each rank's
// final model.
std::vector<std::unique_ptr<Word2vecWeights>> TrainRanks(
    const SgnsSpec& spec, int ranks, ReplicaSync::Rows rows,
    std::vector<ReplicaSyncStats>* stats = nullptr) {
  std::vector<Word2vecCorpus> corpora;
  std::vector<int64_t> counts(2 * kTopicWords, 0);
  for (int r = 0; r < ranks; ++r) {
    corpora.push_back(TopicCorpus(200 + 40 * r, 20 + r));  // unequal shards
    for (uint32_t id : corpora.back().ids) ++counts[id];
  }
  std::vector<std::unique_ptr<Word2vecWeights>> models;
  for (int r = 0; r < ranks; ++r)
    models.push_back(std::make_unique<Word2vecWeights>(2 * kTopicWords, spec.dim()));
  if (stats != nullptr) stats->assign(ranks, ReplicaSyncStats());
  InProcessRanks group(ranks);
  group.Run([&](int rank, Communicator* comm) {
    Word2vecWeights& w = *models[rank];
    w.Initialize(spec.seed());
    Word2vecTrainerOptions options;
    options.threads = 1;
    options.progress_seconds = 0;
    options.sync_rows = rows;
    auto trainer = Word2vecTrainer::Create(spec, counts, &corpora[rank], &w, options, comm);
    ASSERT_TRUE(trainer.ok()) << trainer.status();
    for (int e = 0; e < spec.epochs(); ++e) ASSERT_TRUE((*trainer)->TrainEpoch(e).ok());
    if (stats != nullptr) (*stats)[rank] = (*trainer)->sync_stats();
  });
  return models;
}

TEST_P(TrainerAcrossRanksTest, TouchedRowsMergeGivesTheWholeMatrixMergesModelDeterministically) {
  SgnsSpec spec;
  spec.set_dim(16);
  spec.set_window(3);
  spec.set_epochs(2);
  spec.set_sample(1e-3);
  spec.set_sync_words(500);
  spec.set_seed(9);
  spec.set_model(GetParam().model);
  spec.set_loss(GetParam().loss);
  spec.set_update(GetParam().update);
  spec.set_sync_precision(SYNC_PRECISION_FLOAT32);  // exact, so the two merges must agree
  std::vector<ReplicaSyncStats> stats;
  const auto touched = TrainRanks(spec, 2, ReplicaSync::Rows::kTouched, &stats);
  const auto again = TrainRanks(spec, 2, ReplicaSync::Rows::kTouched);
  const auto all = TrainRanks(spec, 2, ReplicaSync::Rows::kAll);
  EXPECT_TRUE(touched[0]->FindNonFinite().empty());
  // Any write a worker forgot to mark would stay on its rank: the replicas would differ and
  // the model would differ from the whole-matrix merge's.
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(Matrix(*touched[rank], false), Matrix(*all[0], false)) << "rank " << rank;
    EXPECT_EQ(Matrix(*touched[rank], true), Matrix(*all[0], true)) << "rank " << rank;
    EXPECT_EQ(Matrix(*again[rank], false), Matrix(*touched[0], false)) << "rank " << rank;
  }
  EXPECT_EQ(Matrix(*all[1], false), Matrix(*all[0], false));
  Word2vecWeights initial(2 * kTopicWords, spec.dim());
  initial.Initialize(spec.seed());
  EXPECT_NE(Matrix(*all[0], false), Matrix(initial, false));
  // 200 sentences of 20 words on rank 0 and 240 on rank 1, balanced to 4,400 words each: 9
  // rounds of 500 words (10 without the balancing).
  EXPECT_EQ(stats[0].syncs, 2 * 9);
  EXPECT_EQ(stats[1].syncs, 2 * 9);
  EXPECT_EQ(stats[0].merged_rows[0], stats[1].merged_rows[0]);
  EXPECT_GT(stats[0].merged_rows[0], 0);
  EXPECT_LE(stats[0].merged_rows[0], 2 * kTopicWords * stats[0].syncs);
  for (int m = 0; m < 2; ++m) {
    EXPECT_GE(stats[0].merged_rows[m], stats[0].local_rows[m]);
    EXPECT_GE(stats[0].merged_rows[m], stats[1].local_rows[m]);
    EXPECT_LE(stats[0].merged_rows[m], stats[0].local_rows[m] + stats[1].local_rows[m]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, TrainerAcrossRanksTest, kAllVariants, VariantName);

// The default int16 merge across three ranks: the replicas stay bit-identical, a second run
// gives the same model, the model stays close to the exact (float) merge's, and it learns the
// planted topics.
TEST(Word2vecTrainerTest, Int16MergeAcrossRanksIsDeterministicAndLearnsTheTopics) {
  SgnsSpec spec;
  spec.set_dim(16);
  spec.set_window(3);
  spec.set_epochs(3);
  spec.set_sample(1e-3);
  spec.set_sync_words(500);
  spec.set_seed(9);
  ASSERT_EQ(spec.sync_precision(), SYNC_PRECISION_INT16);
  std::vector<ReplicaSyncStats> stats;
  const auto a = TrainRanks(spec, 3, ReplicaSync::Rows::kTouched, &stats);
  const auto b = TrainRanks(spec, 3, ReplicaSync::Rows::kTouched);
  spec.set_sync_precision(SYNC_PRECISION_FLOAT32);
  std::vector<ReplicaSyncStats> exact_stats;
  const auto exact = TrainRanks(spec, 3, ReplicaSync::Rows::kTouched, &exact_stats);
  EXPECT_TRUE(a[0]->FindNonFinite().empty());
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(Matrix(*a[rank], false), Matrix(*a[0], false)) << "rank " << rank;
    EXPECT_EQ(Matrix(*a[rank], true), Matrix(*a[0], true)) << "rank " << rank;
    EXPECT_EQ(Matrix(*b[rank], false), Matrix(*a[0], false)) << "rank " << rank;
  }
  const std::vector<float> q = Matrix(*a[0], false), e = Matrix(*exact[0], false);
  EXPECT_NE(q, e);  // the int16 path was taken
  double diff = 0, norm = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    diff += (q[i] - e[i]) * (q[i] - e[i]);
    norm += e[i] * e[i];
  }
  EXPECT_LT(std::sqrt(diff / norm), 0.01);
  EXPECT_GE(OwnTopicFraction(*a[0]), 0.95);
  // Same merges, fewer bytes: rows as int16 (2 * dim + 4 bytes, in two steps of 2/3 each)
  // against float (dim * 4 bytes, all-reduced).
  EXPECT_EQ(stats[0].syncs, exact_stats[0].syncs);
  EXPECT_LT(stats[0].bytes, exact_stats[0].bytes);
}

// Trains `ranks` ranks, `per_host` of them per "host" sharing one model in shared memory (as
// pipeline/sgns_command.cc sets it up), one thread each; returns every rank's final W and C
// (copied before the shared memory goes) and its merge statistics.
struct SharedRun {
  std::vector<std::vector<float>> in, out;
  std::vector<ReplicaSyncStats> stats;
  std::vector<int> syncs_per_epoch, ranks_per_model;
};
// Rank r's corpus has sentences of topic r % 2 only, so that the two ranks of a host write
// different rows of W.
SharedRun TrainSharedRanks(const SgnsSpec& spec, int ranks, int per_host) {
  std::vector<Word2vecCorpus> corpora;
  std::vector<int64_t> counts(2 * kTopicWords, 0);
  for (int r = 0; r < ranks; ++r) {
    const Word2vecCorpus both = TopicCorpus(2 * (200 + 40 * r), 20 + r);
    corpora.emplace_back();
    for (int64_t p = r % 2; p < both.paragraphs(); p += 2) {
      corpora.back().AddParagraph(both.ids.data() + both.offsets[p],
                                  static_cast<size_t>(both.offsets[p + 1] - both.offsets[p]));
    }
    for (uint32_t id : corpora.back().ids) ++counts[id];
  }
  SharedRun run;
  run.in.resize(ranks);
  run.out.resize(ranks);
  run.stats.resize(ranks);
  run.syncs_per_epoch.resize(ranks);
  run.ranks_per_model.resize(ranks);
  InProcessRanks group(ranks, per_host);
  group.Run([&](int rank, Communicator* comm) {
    absl::StatusOr<std::unique_ptr<Communicator>> host = comm->SplitByHost();
    ASSERT_TRUE(host.ok()) << host.status();
    const int64_t rows = 2 * kTopicWords;
    const size_t model_bytes = Word2vecWeights::StorageBytes(rows, spec.dim());
    absl::StatusOr<std::unique_ptr<SharedMemory>> memory =
        (*host)->AllocateShared(model_bytes + 2 * rows);
    ASSERT_TRUE(memory.ok()) << memory.status();
    Word2vecWeights w(rows, spec.dim(), (*memory)->data());
    if ((*host)->rank() == 0) w.Initialize(spec.seed());
    ASSERT_TRUE((*host)->Barrier().ok());
    absl::StatusOr<std::unique_ptr<Communicator>> replicas =
        comm->Split((*host)->rank() == 0 ? 0 : -1);
    ASSERT_TRUE(replicas.ok()) << replicas.status();
    Word2vecTrainerOptions options;
    options.threads = 1;
    options.progress_seconds = 0;
    options.host = host->get();
    options.replicas = replicas->get();
    options.shared_marks = static_cast<uint8_t*>((*memory)->data()) + model_bytes;
    auto trainer = Word2vecTrainer::Create(spec, counts, &corpora[rank], &w, options, comm);
    ASSERT_TRUE(trainer.ok()) << trainer.status();
    for (int e = 0; e < spec.epochs(); ++e) ASSERT_TRUE((*trainer)->TrainEpoch(e).ok());
    run.in[rank] = Matrix(w, false);
    run.out[rank] = Matrix(w, true);
    run.stats[rank] = (*trainer)->sync_stats();
    run.syncs_per_epoch[rank] = (*trainer)->syncs_per_epoch();
    run.ranks_per_model[rank] = (*trainer)->ranks_per_model();
    ASSERT_TRUE((*host)->Barrier().ok());  // nobody frees the memory while another still copies
  });
  return run;
}

// Two ranks on one host share one model: no merges, and the model learns the planted topics.
TEST(Word2vecTrainerTest, RanksOfOneHostShareOneModelWithoutMerges) {
  SgnsSpec spec = SmallSpec();
  spec.set_sync_words(500);
  const SharedRun run = TrainSharedRanks(spec, 2, 2);
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(run.syncs_per_epoch[rank], 0);
    EXPECT_EQ(run.stats[rank].syncs, 0);
    EXPECT_EQ(run.ranks_per_model[rank], 2);
  }
  EXPECT_EQ(run.in[0], run.in[1]);  // one model
  Word2vecWeights w(2 * kTopicWords, spec.dim());
  std::memcpy(w.in(0), run.in[0].data(), run.in[0].size() * sizeof(float));
  EXPECT_TRUE(w.FindNonFinite().empty());
  EXPECT_GE(OwnTopicFraction(w), 0.95);
}

// Two "hosts" of two ranks each: each host's rank 0 merges the host's model with the other
// host's, with the rows that either rank of the host wrote (shared marks). A write of the
// second rank left out of the merge would stay on its host and the hosts' models would differ.
TEST(Word2vecTrainerTest, HostModelsMergeAcrossHostsIntoIdenticalReplicas) {
  for (Word2vecSyncPrecision precision : {SYNC_PRECISION_INT16, SYNC_PRECISION_FLOAT32}) {
    SgnsSpec spec = SmallSpec();
    spec.set_sync_words(500);
    spec.set_sync_precision(precision);
    const SharedRun run = TrainSharedRanks(spec, 4, 2);
    for (int rank = 0; rank < 4; ++rank) {
      EXPECT_EQ(run.in[rank], run.in[0]) << "rank " << rank;
      EXPECT_EQ(run.out[rank], run.out[0]) << "rank " << rank;
      EXPECT_GT(run.syncs_per_epoch[rank], 0);
      // Only the hosts' first ranks merge.
      EXPECT_EQ(run.stats[rank].syncs > 0, rank % 2 == 0) << "rank " << rank;
    }
    EXPECT_EQ(run.stats[0].syncs, spec.epochs() * run.syncs_per_epoch[0]);
    // The merged rows include the second rank's: more than the first rank touched alone.
    EXPECT_GT(run.stats[0].merged_rows[1], 0);
    Word2vecWeights w(2 * kTopicWords, spec.dim());
    std::memcpy(w.in(0), run.in[0].data(), run.in[0].size() * sizeof(float));
    EXPECT_TRUE(w.FindNonFinite().empty());
    EXPECT_GE(OwnTopicFraction(w), 0.95);
  }
}

TEST(Word2vecTrainerTest, RandomStartDoesNotShowTheStructure) {
  Word2vecWeights w(2 * kTopicWords, 24);
  w.Initialize(3);
  EXPECT_LT(OwnTopicFraction(w), 0.75);
}

TEST(Word2vecTrainerTest, OneThreadIsBitIdenticalForASeedAndDiffersForAnother) {
  const Word2vecCorpus corpus = TopicCorpus(300, 5);
  SgnsSpec spec = SmallSpec();
  spec.set_sample(1e-3);
  auto a = Train(spec, corpus, 1), b = Train(spec, corpus, 1);
  const size_t bytes = a->floats_per_matrix() * sizeof(float);
  EXPECT_EQ(std::memcmp(a->in(0), b->in(0), bytes), 0);
  EXPECT_EQ(std::memcmp(a->out(0), b->out(0), bytes), 0);
  spec.set_seed(4);
  auto c = Train(spec, corpus, 1);
  EXPECT_NE(std::memcmp(a->in(0), c->in(0), bytes), 0);
}

TEST(ReplicaSyncTest, SumsTheDeltasOfTheRanks) {
  // One rank: the merge must leave the model unchanged (x = snapshot + own delta).
  std::unique_ptr<Communicator> comm = CreateLocalCommunicator();
  Word2vecWeights w(5, 8);
  w.Initialize(1);
  ReplicaSync sync(w, ReplicaSync::Rows::kAll);
  w.in(2)[3] += 0.5f;
  w.out(4)[1] -= 0.25f;
  std::vector<float> before(w.in(0), w.in(0) + w.floats_per_matrix());
  ASSERT_TRUE(sync.Sync(&w, comm.get()).ok());
  EXPECT_EQ(std::vector<float>(w.in(0), w.in(0) + w.floats_per_matrix()), before);
  EXPECT_FLOAT_EQ(w.out(4)[1], -0.25f);
  EXPECT_EQ(sync.stats().bytes, 2 * 5 * 16 * 4);
}

TEST(Word2vecCheckpointTest, RoundTripAndRefusals) {
  testing::TempDir dir;
  const std::string path = dir.File("model.ckpt");
  Word2vecWeights w(7, 10), r(7, 10);
  w.Initialize(9);
  w.out(3)[2] = 1.5f;
  const SgnsSpec spec = SmallSpec();
  const uint64_t fp = SgnsSpecFingerprint(spec);
  ASSERT_TRUE(WriteWord2vecCheckpoint(path, w, 42, fp, 2).ok());
  absl::StatusOr<int> done = ReadWord2vecCheckpoint(path, 42, fp, &r);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(*done, 2);
  EXPECT_EQ(std::memcmp(w.in(0), r.in(0), w.floats_per_matrix() * 4), 0);
  EXPECT_EQ(std::memcmp(w.out(0), r.out(0), w.floats_per_matrix() * 4), 0);
  EXPECT_EQ(ReadWord2vecCheckpoint(path, 43, fp, &r).status().code(),
            absl::StatusCode::kFailedPrecondition);
  SgnsSpec other = spec;
  other.set_dim(11);
  EXPECT_EQ(ReadWord2vecCheckpoint(path, 42, SgnsSpecFingerprint(other), &r).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::string bytes = testing::ReadFile(path);
  bytes[100] ^= 1;
  testing::WriteFile(path, bytes);
  absl::Status corrupt = ReadWord2vecCheckpoint(path, 42, fp, &r).status();
  EXPECT_EQ(corrupt.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(corrupt.message().find("corrupt checkpoint"), std::string::npos) << corrupt;
  testing::WriteFile(path, bytes.substr(0, 30));
  EXPECT_EQ(ReadWord2vecCheckpoint(path, 42, fp, &r).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace wordmill
