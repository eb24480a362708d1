// The precomputed tables of word2vec training: the per-thread random generator, the
// negative-sampling distribution (unigram^0.75, as an alias table), the frequent-word
// subsampling keep probabilities, and the Huffman tree of hierarchical softmax.
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_TABLES_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_TABLES_H_

#include <cstdint>
#include <vector>

namespace wordmill {

// word2vec's linear congruential generator (`next_random * 25214903917 + 11`). Only the high
// bits are used: the low bits of a power-of-two LCG have short periods.
class Word2vecRandom {
 public:
  explicit Word2vecRandom(uint64_t seed) : state_(seed) {}
  uint64_t state() const { return state_; }
  // The next 32 high-quality bits.
  uint32_t Next32() {
    state_ = state_ * 25214903917ULL + 11;
    return static_cast<uint32_t>(state_ >> 32);
  }
  // Uniform in [0, n).
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<uint64_t>(Next32()) * n) >> 32);
  }
  // Uniform in [0, 1).
  float Uniform() { return static_cast<float>(Next32() >> 8) * (1.0f / 16777216.0f); }

 private:
  uint64_t state_;
};

// A well-mixed seed for (seed, a, b, c) (SplitMix64 steps), so that neighbouring ranks,
// threads and epochs get unrelated streams.
uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// Draws word ids with probability count^power / sum(count^power) in O(1) with Vose's alias
// method: V entries of 8 bytes (exact, and small enough to stay in cache, where word2vec's
// 1e8-entry table is 400 MB and rounds small probabilities to multiples of 1e-8).
class NegativeSampler {
 public:
  NegativeSampler() = default;
  NegativeSampler(const std::vector<int64_t>& counts, double power);
  uint32_t Sample(Word2vecRandom* random) const {
    const uint32_t i = random->Below(size_);
    const Entry& e = entries_[i];
    return random->Next32() < e.threshold ? i : e.alias;
  }
  // The exact probability of id `i` (for tests).
  double Probability(uint32_t i) const;
  uint32_t size() const { return size_; }

 private:
  struct Entry {
    uint32_t threshold;  // keep i when a uniform 32-bit draw is below it
    uint32_t alias;
  };
  std::vector<Entry> entries_;
  uint32_t size_ = 0;
};

// word2vec's subsampling: a word of frequency f = count / total is kept with probability
// min(1, (sqrt(f / t) + 1) * t / f). t <= 0 keeps everything.
std::vector<float> KeepProbabilities(const std::vector<int64_t>& counts, double t);

// word2vec's CreateBinaryTree: a Huffman tree over the counts. For word w, the path from the
// root is points[w] (inner-node ids in [0, V-1), rows of the output matrix) with the branch
// bits codes[w]; the output for node points[w][j] is trained towards label 1 - codes[w][j].
struct HuffmanTree {
  std::vector<uint32_t> point_offsets;  // V + 1 offsets into points/codes
  std::vector<uint32_t> points;
  std::vector<uint8_t> codes;
  int max_depth = 0;
};
HuffmanTree BuildHuffmanTree(const std::vector<int64_t>& counts);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_TABLES_H_
