// The skip-gram / CBOW trainer in one process: planted topic structure is recovered by every
// model/loss/update combination, runs are reproducible, and the replica merge sums deltas.
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
#include "tests/test_util.h"

namespace wordmill {
namespace {

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

INSTANTIATE_TEST_SUITE_P(AllVariants, PlantedTopicsTest,
                         ::testing::Values(Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_BATCH},
                                           Variant{MODEL_SKIPGRAM, LOSS_NS, UPDATE_PAIRWISE},
                                           Variant{MODEL_SKIPGRAM, LOSS_HS, UPDATE_PAIRWISE},
                                           Variant{MODEL_CBOW, LOSS_NS, UPDATE_BATCH},
                                           Variant{MODEL_CBOW, LOSS_NS, UPDATE_PAIRWISE},
                                           Variant{MODEL_CBOW, LOSS_HS, UPDATE_PAIRWISE}),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return absl::StrCat(
                               info.param.model == MODEL_CBOW ? "Cbow" : "SkipGram",
                               info.param.loss == LOSS_HS ? "Hs" : "Ns",
                               info.param.update == UPDATE_BATCH ? "Batch" : "Pairwise");
                         });

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
