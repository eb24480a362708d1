#include "embeddings/word2vec_tables.h"

#include <algorithm>
#include <cmath>

namespace wordmill {

uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

NegativeSampler::NegativeSampler(const std::vector<int64_t>& counts, double power) {
  size_ = static_cast<uint32_t>(counts.size());
  entries_.assign(size_, Entry{0xffffffffu, 0});
  if (size_ == 0) return;
  std::vector<double> scaled(size_);
  double total = 0;
  for (uint32_t i = 0; i < size_; ++i) {
    scaled[i] = std::pow(static_cast<double>(std::max<int64_t>(counts[i], 0)), power);
    total += scaled[i];
  }
  if (total <= 0) {  // all counts zero: uniform
    std::fill(scaled.begin(), scaled.end(), 1.0);
    total = size_;
  }
  std::vector<uint32_t> small, large;
  for (uint32_t i = 0; i < size_; ++i) {
    scaled[i] *= size_ / total;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  auto threshold = [](double p) {
    return static_cast<uint32_t>(std::min(4294967295.0, std::floor(p * 4294967296.0)));
  };
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back(), l = large.back();
    small.pop_back();
    entries_[s] = Entry{threshold(scaled[s]), l};
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding: always keep themselves.
  for (uint32_t i : small) entries_[i] = Entry{0xffffffffu, i};
  for (uint32_t i : large) entries_[i] = Entry{0xffffffffu, i};
}

double NegativeSampler::Probability(uint32_t i) const {
  double p = 0;
  for (uint32_t j = 0; j < size_; ++j) {
    const double keep =
        entries_[j].threshold == 0xffffffffu ? 1.0 : entries_[j].threshold / 4294967296.0;
    if (j == i) p += keep;
    if (entries_[j].alias == i && j != i) p += 1.0 - keep;
  }
  return p / size_;
}

std::vector<float> KeepProbabilities(const std::vector<int64_t>& counts, double t) {
  std::vector<float> keep(counts.size(), 1.0f);
  if (t <= 0) return keep;
  double total = 0;
  for (int64_t c : counts) total += static_cast<double>(c);
  if (total <= 0) return keep;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] <= 0) continue;
    const double f = counts[i] / total;
    keep[i] = static_cast<float>(std::min(1.0, (std::sqrt(f / t) + 1.0) * t / f));
  }
  return keep;
}

HuffmanTree BuildHuffmanTree(const std::vector<int64_t>& counts) {
  // word2vec's two-pointer construction over counts sorted descending (the vocabulary order;
  // other orders work too since the leaves are sorted here by index).
  const int64_t v = static_cast<int64_t>(counts.size());
  HuffmanTree tree;
  tree.point_offsets.assign(v + 1, 0);
  if (v < 2) return tree;
  std::vector<int64_t> order(v);
  for (int64_t i = 0; i < v; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return counts[a] > counts[b]; });
  std::vector<int64_t> count(2 * v), parent(2 * v, 0);
  std::vector<uint8_t> binary(2 * v, 0);
  for (int64_t i = 0; i < v; ++i) count[i] = std::max<int64_t>(counts[order[i]], 0);
  for (int64_t i = v; i < 2 * v; ++i) count[i] = INT64_MAX / 4;
  int64_t pos1 = v - 1, pos2 = v;
  auto take = [&]() {
    if (pos1 >= 0 && count[pos1] < count[pos2]) return pos1--;
    return pos2++;
  };
  for (int64_t a = 0; a < v - 1; ++a) {
    const int64_t min1 = take(), min2 = take();
    count[v + a] = count[min1] + count[min2];
    parent[min1] = v + a;
    parent[min2] = v + a;
    binary[min2] = 1;
  }
  std::vector<std::vector<uint32_t>> points(v);
  std::vector<std::vector<uint8_t>> codes(v);
  for (int64_t i = 0; i < v; ++i) {
    std::vector<uint32_t>& p = points[order[i]];
    std::vector<uint8_t>& c = codes[order[i]];
    for (int64_t b = i; b != 2 * v - 2; b = parent[b]) {
      c.push_back(binary[b]);
      p.push_back(static_cast<uint32_t>(parent[b] - v));
    }
    std::reverse(p.begin(), p.end());
    std::reverse(c.begin(), c.end());
  }
  for (int64_t w = 0; w < v; ++w) {
    tree.point_offsets[w + 1] = tree.point_offsets[w] + static_cast<uint32_t>(points[w].size());
    tree.points.insert(tree.points.end(), points[w].begin(), points[w].end());
    tree.codes.insert(tree.codes.end(), codes[w].begin(), codes[w].end());
    tree.max_depth = std::max(tree.max_depth, static_cast<int>(points[w].size()));
  }
  return tree;
}

}  // namespace wordmill
