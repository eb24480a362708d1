// The skip-gram / CBOW kernels against finite differences of their loss, and the sampling
// tables (negative sampling, subsampling, Huffman tree) against their definitions.
#include "embeddings/word2vec_model.h"

#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "embeddings/word2vec_tables.h"
#include "gtest/gtest.h"

namespace wordmill {
namespace {

constexpr int kDim = 16;  // = stride, so every component is a parameter

std::vector<float> RandomRows(int rows, uint32_t seed, float scale = 0.5f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(rows * kDim);
  for (float& x : v) x = u(gen);
  return v;
}

// Row pointers into a matrix of kDim-float rows.
std::vector<const float*> Rows(const AlignedFloats& m, int rows) {
  std::vector<const float*> p;
  for (int i = 0; i < rows; ++i) p.push_back(m.data() + i * kDim);
  return p;
}

// Central differences of f at every component of *x.
std::vector<double> NumericGradient(std::vector<float>* x, const std::function<double()>& f) {
  std::vector<double> g(x->size());
  const float eps = 1e-2f;
  for (size_t i = 0; i < x->size(); ++i) {
    const float saved = (*x)[i];
    (*x)[i] = saved + eps;
    const double plus = f();
    (*x)[i] = saved - eps;
    const double minus = f();
    (*x)[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

void ExpectClose(const std::vector<double>& numeric, const float* analytic, double scale,
                 const std::string& what) {
  for (size_t i = 0; i < numeric.size(); ++i) {
    EXPECT_NEAR(numeric[i], analytic[i] * scale, 2e-3 + 1e-2 * std::fabs(numeric[i]))
        << what << " component " << i;
  }
}

// Reference loss of skip-gram NS with the positive first: sum_i -log s(in_i.out_0) -
// sum_k log s(-in_i.out_k), computed in double independently of the kernel.
double ReferenceNsLoss(const std::vector<float>& in, int b, const std::vector<float>& out, int m) {
  double loss = 0;
  for (int i = 0; i < b; ++i) {
    for (int k = 0; k < m; ++k) {
      double dot = 0;
      for (int d = 0; d < kDim; ++d) dot += double(in[i * kDim + d]) * out[k * kDim + d];
      loss += std::log1p(std::exp(k == 0 ? -dot : dot));
    }
  }
  return loss;
}

TEST(NsBatchStepTest, SkipGramGradientsMatchFiniteDifferences) {
  const int b = 3, m = 4;
  const float alpha = 0.1f;
  std::vector<float> in = RandomRows(b, 1), out = RandomRows(m, 2);
  AlignedFloats ain(b * kDim), aout(m * kDim), d_in(b * kDim), d_out(m * kDim), scores(b * m);
  std::copy(in.begin(), in.end(), ain.data());
  std::copy(out.begin(), out.end(), aout.data());
  const float loss = NsBatchStep(Rows(ain, b).data(), b, Rows(aout, m).data(), m, kDim, alpha,
                                 scores.data(), d_in.data(), d_out.data());
  EXPECT_NEAR(loss, ReferenceNsLoss(in, b, out, m), 1e-4);
  auto f = [&] { return ReferenceNsLoss(in, b, out, m); };
  // The kernel returns the step -alpha * gradient.
  ExpectClose(NumericGradient(&in, f), d_in.data(), -1.0 / alpha, "d_in");
  ExpectClose(NumericGradient(&out, f), d_out.data(), -1.0 / alpha, "d_out");
}

TEST(NsBatchStepTest, CbowGradientOfTheMeanMatchesFiniteDifferences) {
  const int contexts = 4, m = 6;
  const float alpha = 0.05f;
  std::vector<float> ctx = RandomRows(contexts, 3), out = RandomRows(m, 4);
  auto mean = [&] {
    std::vector<float> h(kDim, 0.0f);
    for (int j = 0; j < contexts; ++j) {
      for (int d = 0; d < kDim; ++d) h[d] += ctx[j * kDim + d] / contexts;
    }
    return h;
  };
  const std::vector<float> h = mean();
  AlignedFloats ah(kDim), aout(m * kDim), d_h(kDim), d_out(m * kDim), scores(m);
  std::copy(h.begin(), h.end(), ah.data());
  std::copy(out.begin(), out.end(), aout.data());
  NsBatchStep(Rows(ah, 1).data(), 1, Rows(aout, m).data(), m, kDim, alpha, scores.data(),
              d_h.data(), d_out.data());
  auto f = [&] { return ReferenceNsLoss(mean(), 1, out, m); };
  // dLoss/dcontext_j = (1/cw) dLoss/dh; the trainer adds the whole -alpha dLoss/dh to every
  // context row, as word2vec and fastText do.
  std::vector<double> numeric = NumericGradient(&ctx, f);
  for (int j = 0; j < contexts; ++j) {
    std::vector<double> row(numeric.begin() + j * kDim, numeric.begin() + (j + 1) * kDim);
    ExpectClose(row, d_h.data(), -1.0 / (alpha * contexts), "context row");
  }
  ExpectClose(NumericGradient(&out, f), d_out.data(), -1.0 / alpha, "d_out");
}

TEST(NsBatchStepTest, InPlaceInputUpdateEqualsTheBufferedStep) {
  const int b = 4, m = 3;
  AlignedFloats in(b * kDim), out(m * kDim), d_in(b * kDim), d_out(m * kDim), d_out2(m * kDim),
      scores(b * m);
  const std::vector<float> x = RandomRows(b, 9), y = RandomRows(m, 10);
  std::copy(x.begin(), x.end(), in.data());
  std::copy(y.begin(), y.end(), out.data());
  const float loss = NsBatchStep(Rows(in, b).data(), b, Rows(out, m).data(), m, kDim, 0.3f,
                                 scores.data(), d_in.data(), d_out.data());
  std::vector<float*> rows;
  for (int i = 0; i < b; ++i) rows.push_back(in.data() + i * kDim);
  const float loss2 = NsBatchStep(rows.data(), b, Rows(out, m).data(), m, kDim, 0.3f, scores.data(),
                                  nullptr, d_out2.data(), /*with_loss=*/false);
  EXPECT_EQ(loss2, 0.0f);
  EXPECT_GT(loss, 0.0f);
  for (int i = 0; i < b * kDim; ++i) EXPECT_FLOAT_EQ(in.data()[i], x[i] + d_in.data()[i]);
  for (int i = 0; i < m * kDim; ++i) EXPECT_FLOAT_EQ(d_out.data()[i], d_out2.data()[i]);
}

// With skip_saturated a pair whose score is beyond ±6 takes no step (gensim's rule) and every
// other pair the exact one; the loss still counts every pair. Pair and batch kernels agree.
TEST(NsBatchStepTest, SkipSaturatedDropsExactlyThePairsBeyondSix) {
  const int b = 2, m = 3;
  const float alpha = 0.1f;
  std::vector<float> in = RandomRows(b, 7), out = RandomRows(m, 8);
  // out row 1 along in row 0 with score +8 (a saturated negative), out row 2 against in row 1
  // with score -7 (saturated, also a negative); the rest stay small.
  auto set_along = [&](int k, int i, float score) {
    double norm = 0;
    for (int d = 0; d < kDim; ++d) norm += double(in[i * kDim + d]) * in[i * kDim + d];
    for (int d = 0; d < kDim; ++d) out[k * kDim + d] = float(score * in[i * kDim + d] / norm);
  };
  set_along(1, 0, 8.0f);
  set_along(2, 1, -7.0f);
  AlignedFloats ain(b * kDim), aout(m * kDim), d_in(b * kDim), d_out(m * kDim), scores(b * m);
  std::copy(in.begin(), in.end(), ain.data());
  std::copy(out.begin(), out.end(), aout.data());
  const float loss =
      NsBatchStep(Rows(ain, b).data(), b, Rows(aout, m).data(), m, kDim, alpha, scores.data(),
                  d_in.data(), d_out.data(), /*with_loss=*/true, /*skip_saturated=*/true);
  EXPECT_NEAR(loss, ReferenceNsLoss(in, b, out, m), 1e-3);
  // The reference step with the saturated pairs masked out, in double.
  std::vector<double> g(b * m);
  int skipped = 0;
  for (int i = 0; i < b; ++i) {
    for (int k = 0; k < m; ++k) {
      double dot = 0;
      for (int d = 0; d < kDim; ++d) dot += double(in[i * kDim + d]) * out[k * kDim + d];
      const double s = 1 / (1 + std::exp(-dot));
      const bool saturated = std::fabs(dot) >= 6;
      skipped += saturated;
      g[i * m + k] = saturated ? 0 : alpha * ((k == 0 ? 1 : 0) - s);
    }
  }
  EXPECT_EQ(skipped, 2);
  for (int i = 0; i < b; ++i) {
    for (int d = 0; d < kDim; ++d) {
      double expected = 0;
      for (int k = 0; k < m; ++k) expected += g[i * m + k] * out[k * kDim + d];
      EXPECT_NEAR(d_in.data()[i * kDim + d], expected, 1e-5) << "d_in " << i << " " << d;
    }
  }
  for (int k = 0; k < m; ++k) {
    for (int d = 0; d < kDim; ++d) {
      double expected = 0;
      for (int i = 0; i < b; ++i) expected += g[i * m + k] * in[i * kDim + d];
      EXPECT_NEAR(d_out.data()[k * kDim + d], expected, 1e-5) << "d_out " << k << " " << d;
    }
  }
  // The pair kernel on input 0: output row 1 (saturated) unchanged, the others stepped.
  AlignedFloats c(m * kDim), neu1e(kDim);
  std::copy(out.begin(), out.end(), c.data());
  const uint32_t rows[m] = {0, 1, 2};
  NsPairStep(ain.data(), rows, m, c.data(), kDim, alpha, neu1e.data(), /*skip_saturated=*/true);
  for (int d = 0; d < kDim; ++d) {
    EXPECT_EQ(c.data()[1 * kDim + d], out[1 * kDim + d]);
    double expected = 0;
    for (int k = 0; k < m; ++k) expected += g[k] * out[k * kDim + d];
    EXPECT_NEAR(neu1e.data()[d], expected, 1e-5);
  }
  EXPECT_NE(c.data()[0], out[0]);
}

TEST(NsPairStepTest, MatchesBatchStepForOneInput) {
  const int m = 5;
  const float alpha = 0.2f;
  std::vector<float> h = RandomRows(1, 5), out = RandomRows(m, 6);
  AlignedFloats ah(kDim), c(m * kDim), neu1e(kDim), aout(m * kDim), d_h(kDim), d_out(m * kDim),
      scores(m);
  std::copy(h.begin(), h.end(), ah.data());
  std::copy(out.begin(), out.end(), c.data());
  std::copy(out.begin(), out.end(), aout.data());
  const uint32_t rows[m] = {0, 1, 2, 3, 4};
  const float pair_loss = NsPairStep(ah.data(), rows, m, c.data(), kDim, alpha, neu1e.data());
  const float batch_loss = NsBatchStep(Rows(ah, 1).data(), 1, Rows(aout, m).data(), m, kDim, alpha,
                                       scores.data(), d_h.data(), d_out.data());
  EXPECT_NEAR(pair_loss, batch_loss, 1e-5);
  for (int d = 0; d < kDim; ++d) EXPECT_NEAR(neu1e.data()[d], d_h.data()[d], 1e-6);
  for (int i = 0; i < m * kDim; ++i) EXPECT_NEAR(c.data()[i] - out[i], d_out.data()[i], 1e-6);
}

TEST(HsPairStepTest, GradientMatchesFiniteDifferences) {
  const int nodes = 3;
  const float alpha = 0.1f;
  std::vector<float> h = RandomRows(1, 7), out = RandomRows(nodes, 8);
  const uint32_t points[nodes] = {2, 0, 1};
  const uint8_t codes[nodes] = {1, 0, 1};
  auto f = [&] {
    double loss = 0;
    for (int j = 0; j < nodes; ++j) {
      double dot = 0;
      for (int d = 0; d < kDim; ++d) dot += double(h[d]) * out[points[j] * kDim + d];
      loss += std::log1p(std::exp(codes[j] == 0 ? -dot : dot));  // label 1 - code
    }
    return loss;
  };
  AlignedFloats ah(kDim), c(nodes * kDim), neu1e(kDim);
  std::copy(h.begin(), h.end(), ah.data());
  std::copy(out.begin(), out.end(), c.data());
  const double expected_loss = f();
  const std::vector<double> grad_h = NumericGradient(&h, f);
  // Each node's update uses h only, so the out gradient can be compared after the call.
  const std::vector<double> grad_out = NumericGradient(&out, f);
  const float loss =
      HsPairStep(ah.data(), points, codes, nodes, c.data(), kDim, alpha, neu1e.data());
  EXPECT_NEAR(loss, expected_loss, 1e-4);
  ExpectClose(grad_h, neu1e.data(), -1.0 / alpha, "neu1e");
  std::vector<float> step(nodes * kDim);
  for (int i = 0; i < nodes * kDim; ++i) step[i] = c.data()[i] - out[i];
  ExpectClose(grad_out, step.data(), -1.0 / alpha, "output rows");
}

TEST(NegativeSamplerTest, FrequenciesMatchUnigramToThePower075) {
  std::vector<int64_t> counts;
  for (int i = 0; i < 50; ++i) counts.push_back(100000 / (i + 1) + 1);  // Zipf-like
  counts.push_back(0);                                                  // never drawn
  NegativeSampler sampler(counts, 0.75);
  std::vector<double> p(counts.size());
  double total = 0;
  for (size_t i = 0; i < counts.size(); ++i) total += p[i] = std::pow(double(counts[i]), 0.75);
  for (size_t i = 0; i < counts.size(); ++i) {
    p[i] /= total;
    EXPECT_NEAR(sampler.Probability(i), p[i], 1e-7) << i;
  }
  Word2vecRandom random(12345);
  const int draws = 2000000;
  std::vector<int64_t> seen(counts.size(), 0);
  for (int n = 0; n < draws; ++n) ++seen[sampler.Sample(&random)];
  EXPECT_EQ(seen.back(), 0);
  double chi2 = 0;
  for (size_t i = 0; i + 1 < counts.size(); ++i) {
    const double expected = draws * p[i];
    chi2 += (seen[i] - expected) * (seen[i] - expected) / expected;
  }
  // 49 degrees of freedom: P(chi2 > 85.4) = 0.001.
  EXPECT_LT(chi2, 85.4);
}

TEST(KeepProbabilitiesTest, FormulaAndEmpiricalRates) {
  const std::vector<int64_t> counts = {500000, 100000, 10000, 1000, 10, 0};
  const double t = 1e-3;
  const std::vector<float> keep = KeepProbabilities(counts, t);
  double total = 0;
  for (int64_t c : counts) total += c;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    const double f = counts[i] / total;
    EXPECT_NEAR(keep[i], std::min(1.0, (std::sqrt(f / t) + 1) * t / f), 1e-6) << i;
  }
  EXPECT_LT(keep[0], 0.1f);
  EXPECT_EQ(keep[4], 1.0f);
  // The trainer's rule: drop when keep < 1 and keep < Uniform().
  Word2vecRandom random(7);
  const int draws = 400000;
  for (size_t i = 0; i < 3; ++i) {
    int kept = 0;
    for (int n = 0; n < draws; ++n) kept += !(keep[i] < 1.0f && keep[i] < random.Uniform());
    const double sd = std::sqrt(draws * keep[i] * (1 - keep[i]));
    EXPECT_NEAR(kept, draws * keep[i], 5 * sd) << i;
  }
  EXPECT_EQ(KeepProbabilities(counts, 0), std::vector<float>(counts.size(), 1.0f));
}

TEST(HuffmanTreeTest, PrefixCodesWithHuffmanLengths) {
  const std::vector<int64_t> counts = {40, 20, 10, 10, 5, 5, 5, 5};
  const HuffmanTree tree = BuildHuffmanTree(counts);
  std::set<std::string> codes;
  double kraft = 0;
  std::vector<size_t> lengths;
  for (size_t w = 0; w < counts.size(); ++w) {
    const uint32_t b = tree.point_offsets[w], e = tree.point_offsets[w + 1];
    std::string code;
    for (uint32_t j = b; j < e; ++j) {
      code += char('0' + tree.codes[j]);
      EXPECT_LT(tree.points[j], counts.size() - 1);
    }
    EXPECT_EQ(tree.points[b], counts.size() - 2) << "every path starts at the root";
    codes.insert(code);
    lengths.push_back(code.size());
    kraft += std::pow(2.0, -double(code.size()));
  }
  EXPECT_EQ(codes.size(), counts.size());
  for (const std::string& a : codes) {
    for (const std::string& b : codes) {
      if (a != b) {
        EXPECT_NE(b.rfind(a, 0), 0u) << a << " is a prefix of " << b;
      }
    }
  }
  EXPECT_DOUBLE_EQ(kraft, 1.0);
  // Huffman codes are optimal: sum count * length equals the sum of the merged weights (260).
  int64_t cost = 0;
  for (size_t w = 0; w < counts.size(); ++w) cost += counts[w] * int64_t(lengths[w]);
  EXPECT_EQ(cost, 260);
  for (size_t w = 1; w < counts.size(); ++w) EXPECT_LE(lengths[w - 1], lengths[w]);
}

}  // namespace
}  // namespace wordmill
