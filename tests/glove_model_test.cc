// GloVe's cost, gradient, AdaGrad step, shuffle and checkpoints on toy problems.
#include "embeddings/glove_model.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "embeddings/glove_checkpoint.h"
#include "embeddings/glove_shuffle.h"
#include "formats/cooccur_record.h"
#include "formats/record_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "workers/cooccur_runs.h"

namespace wordmill {
namespace {

using ::wordmill::testing::ReadFile;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

std::vector<TrainingRecord> ToyRecords(int vocab, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<TrainingRecord> records;
  for (int k = 0; k < n; ++k) {
    const double x = 0.5 + static_cast<double>(rng() % 200) / 7.0;
    records.push_back({static_cast<int32_t>(rng() % vocab), static_cast<int32_t>(rng() % vocab),
                       static_cast<float>(std::log(x)),
                       static_cast<float>(std::min(1.0, std::pow(x / 10, 0.75)))});
  }
  return records;
}

TEST(GloveModelTest, GradientMatchesFiniteDifferences) {
  GloveParams p;
  InitGloveParams(7, 5, 3, &p);
  for (float& v : p.values) v *= 20;  // away from zero so every term matters
  const std::vector<TrainingRecord> records = ToyRecords(7, 40, 5);
  std::vector<double> gradient;
  GloveGradient(p, records, &gradient);
  const double h = 1e-2;
  int checked = 0;
  for (size_t k = 0; k < p.values.size(); ++k) {
    const float saved = p.values[k];
    p.values[k] = static_cast<float>(saved + h);
    const double plus = GloveCost(p, records);
    p.values[k] = static_cast<float>(saved - h);
    const double minus = GloveCost(p, records);
    p.values[k] = saved;
    const double numeric = (plus - minus) / (2 * h);
    // The cost is quadratic in each single parameter, so central differences are exact up
    // to rounding.
    EXPECT_NEAR(gradient[k], numeric, 1e-3 * std::max(1.0, std::abs(numeric))) << "param " << k;
    ++checked;
  }
  EXPECT_EQ(checked, 2 * 7 * 6);
}

TEST(GloveModelTest, StepIsAdaGradOnTheGradientAndLowersTheCost) {
  for (int dim : {5, 16, 19}) {  // scalar tail only, vector body only, both
    GloveParams p;
    InitGloveParams(4, dim, 9, &p);
    for (float& v : p.values) v *= 10;
    const TrainingRecord r{1, 2, std::log(3.0f), 0.6f};
    std::vector<double> gradient;
    GloveGradient(p, {r}, &gradient);
    const GloveParams before = p;
    const float eta = 0.01f;
    const double cost = GloveStep(&p, r, eta, 100.0f);
    EXPECT_NEAR(cost, GloveCost(before, {r}), 1e-5);
    for (size_t k = 0; k < p.values.size(); ++k) {
      const bool bias = (k % (dim + 1)) == static_cast<size_t>(dim);
      // First step: gradsq is 1, so the change is -eta * g (biases: -g, as GloVe C).
      const double expected = -(bias ? 1.0 : eta) * gradient[k];
      EXPECT_NEAR(p.values[k] - before.values[k], expected, 1e-5 + 1e-4 * std::abs(expected))
          << "dim " << dim << " param " << k;
      const double g = bias ? gradient[k] : eta * gradient[k];
      EXPECT_NEAR(p.gradsq[k], 1.0 + g * g, 1e-5 * (1.0 + g * g));
    }
    EXPECT_LT(GloveCost(p, {r}), GloveCost(before, {r}));
  }
}

TEST(GloveModelTest, TrainingLowersTheCostOnAToyProblem) {
  GloveParams p;
  InitGloveParams(30, 8, 1, &p);
  const std::vector<TrainingRecord> records = ToyRecords(30, 400, 2);
  const double initial = GloveCost(p, records);
  for (int epoch = 0; epoch < 50; ++epoch) {
    for (const TrainingRecord& r : records) GloveStep(&p, r, 0.05f, 100.0f);
  }
  EXPECT_LT(GloveCost(p, records), 0.1 * initial);
}

// Writes a co-occurrence shard of `n` records with the given checksum.
std::string WriteShard(const std::string& path, int n, uint64_t checksum) {
  RecordWriterOptions options = CooccurWriterOptions();
  options.metadata["vocab_checksum"] = absl::StrFormat("%016x", checksum);
  auto writer = RecordWriter::Open(path, options);
  EXPECT_TRUE(writer.ok()) << writer.status();
  for (int k = 0; k < n; ++k) {
    EXPECT_TRUE((*writer)->Append(RecordBytes({k % 50, k / 50, 1.0 + k})).ok());
  }
  EXPECT_TRUE((*writer)->Close().ok());
  return path;
}

TEST(GloveShuffleTest, IsAPermutationReproducibleFromTheSeed) {
  TempDir dir;
  const std::string shard = WriteShard(dir.File("cooccur-00000-of-00001.wmrec"), 5000, 42);
  ShuffleOptions options;
  options.vocab_checksum = 42;
  options.vocab_size = 100;
  options.chunk_records = 700;  // 8 chunks: the temporary-file merge path
  std::vector<std::string> outputs;
  for (uint64_t seed : {1, 1, 2}) {
    options.seed = seed;
    outputs.push_back(dir.File(absl::StrCat("train", outputs.size())));
    auto result = ShuffleCooccurrences({shard}, options, outputs.back());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->records, 5000);
  }
  EXPECT_EQ(ReadFile(outputs[0]), ReadFile(outputs[1]));
  EXPECT_NE(ReadFile(outputs[0]), ReadFile(outputs[2]));
  const std::string bytes = ReadFile(outputs[0]);
  ASSERT_EQ(bytes.size(), 5000 * sizeof(TrainingRecord));
  std::set<std::pair<int, int>> seen;
  int in_order = 0;
  for (size_t k = 0; k < 5000; ++k) {
    TrainingRecord r;
    std::memcpy(&r, bytes.data() + k * sizeof(r), sizeof(r));
    seen.insert({r.i, r.j});
    in_order += (r.i == static_cast<int>(k % 50) && r.j == static_cast<int>(k / 50));
  }
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_LT(in_order, 50);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().string().find(".chunk"), std::string::npos) << entry.path();
  }
}

TEST(GloveShuffleTest, ForeignVocabularyAndBadRecordsAreErrorsNamingTheFile) {
  TempDir dir;
  const std::string shard = WriteShard(dir.File("cooccur-00000-of-00001.wmrec"), 100, 42);
  ShuffleOptions options;
  options.vocab_checksum = 43;
  options.vocab_size = 100;
  auto result = ShuffleCooccurrences({shard}, options, dir.File("t"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find(shard), std::string::npos) << result.status();
  options.vocab_checksum = 42;
  options.vocab_size = 10;  // ids up to 49 are out of range
  result = ShuffleCooccurrences({shard}, options, dir.File("t"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("record 10 is invalid"), std::string::npos)
      << result.status();
}

TEST(GloveCheckpointTest, RoundTripAndCorruption) {
  TempDir dir;
  GloveParams p;
  InitGloveParams(20, 6, 4, &p);
  p.gradsq[7] = 3.5f;
  const std::string path = dir.File("ck.wmrec");
  ASSERT_TRUE(WriteGloveCheckpoint(path, p, 99, 3, 0.125, "").ok());
  GloveParams q;
  InitGloveParams(20, 6, 5, &q);
  auto info = ReadGloveCheckpoint(path, 99, &q);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->epochs_done, 3);
  EXPECT_EQ(info->cost, 0.125);
  EXPECT_EQ(q.values, p.values);
  EXPECT_EQ(q.gradsq, p.gradsq);
  EXPECT_EQ(ReadGloveCheckpoint(path, 98, &q).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() - 100));
  auto truncated = ReadGloveCheckpoint(path, 99, &q);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(truncated.status().message().find(path), std::string::npos) << truncated.status();
}

}  // namespace
}  // namespace wordmill
