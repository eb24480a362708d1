#include "tokenizers/unigram.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "tokenizers/unigram_lattice.h"

namespace wordmill {
namespace unigram_internal {

int Utf8CharLength(const char* s, size_t size) {
  const auto* u = reinterpret_cast<const unsigned char*>(s);
  const unsigned c = u[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned lo, unsigned hi) {
    return i < size && u[i] >= lo && u[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

LatticeScratch& ThreadScratch() {
  thread_local LatticeScratch scratch;
  return scratch;
}

double Viterbi(const PieceTrie& trie, const double* scores, double unk_score, const char* w,
               size_t n, int32_t exclude, LatticeScratch* sc, std::vector<int32_t>* ids) {
  ids->clear();
  if (n == 0) return 0;
  sc->best.assign(n + 1, kNegInf);
  sc->back_start.resize(n + 1);
  sc->back_id.resize(n + 1);
  double* best = sc->best.data();
  best[0] = 0;
  VisitLattice(trie, scores, unk_score, w, n, exclude,
               [&](size_t s, size_t len, int32_t id, double score) {
                 const double candidate = best[s] + score;
                 if (candidate > best[s + len]) {
                   best[s + len] = candidate;
                   sc->back_start[s + len] = static_cast<uint32_t>(s);
                   sc->back_id[s + len] = id;
                 }
               });
  for (size_t pos = n; pos > 0; pos = sc->back_start[pos]) ids->push_back(sc->back_id[pos]);
  std::reverse(ids->begin(), ids->end());
  return best[n];
}

double Forward(const PieceTrie& trie, const double* scores, double unk_score, double alpha,
               const char* w, size_t n, LatticeScratch* sc) {
  sc->ClearNodes();
  sc->best.assign(n + 1, kNegInf);
  double* fwd = sc->best.data();
  fwd[0] = 0;
  VisitLattice(trie, scores, unk_score, w, n, -1,
               [&](size_t s, size_t len, int32_t id, double score) {
                 sc->AddNode(s, len, id, score);
                 fwd[s + len] = LogAddExp(fwd[s + len], fwd[s] + alpha * score);
               });
  return fwd[n];
}

}  // namespace unigram_internal

using unigram_internal::Forward;
using unigram_internal::kNegInf;
using unigram_internal::LatticeScratch;
using unigram_internal::ThreadScratch;
using unigram_internal::Viterbi;

PieceTrie::PieceTrie(const std::vector<std::string_view>& pieces) {
  std::vector<int> order;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!pieces[i].empty()) order.push_back(static_cast<int>(i));
  }
  // Darts wants the keys sorted (as unsigned bytes, which is string_view's order) and unique.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return pieces[a] < pieces[b]; });
  order.erase(
      std::unique(order.begin(), order.end(), [&](int a, int b) { return pieces[a] == pieces[b]; }),
      order.end());
  if (order.empty()) return;
  std::vector<const char*> keys;
  std::vector<size_t> lengths;
  keys.reserve(order.size());
  lengths.reserve(order.size());
  for (const int i : order) {
    keys.push_back(pieces[i].data());
    lengths.push_back(pieces[i].size());
    max_piece_bytes_ = std::max(max_piece_bytes_, pieces[i].size());
  }
  static_assert(sizeof(int) == 4, "Darts units are two 32-bit integers");
  if (trie_.build(keys.size(), keys.data(), lengths.data(), order.data()) != 0 ||
      trie_.unit_size() != 2 * sizeof(int)) {
    // Darts fails only on unsorted or duplicate keys, which the code above rules out.
    std::abort();
  }
  empty_ = false;
  // The first-character table: walk each code point's UTF-8 bytes from the root.
  const auto* units = static_cast<const int*>(trie_.array());
  first_char_node_.assign(kTableSize, kNoPath);
  for (uint32_t c = 0; c < kTableSize; ++c) {
    unsigned char buf[3];
    int len;
    if (c < 0x80) {
      buf[0] = static_cast<unsigned char>(c);
      len = 1;
    } else if (c < 0x800) {
      buf[0] = static_cast<unsigned char>(0xC0 | c >> 6);
      buf[1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      len = 2;
    } else {
      buf[0] = static_cast<unsigned char>(0xE0 | c >> 12);
      buf[1] = static_cast<unsigned char>(0x80 | (c >> 6 & 0x3F));
      buf[2] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      len = 3;
    }
    int b = units[0];
    int32_t node = b;
    for (int k = 0; k < len; ++k) {
      // A piece ending inside the character (possible only in a hand-made model): byte walk.
      if (k > 0 && static_cast<unsigned>(b) == static_cast<unsigned>(units[2 * b + 1]) &&
          units[2 * b] < 0) {
        node = kWalkBytes;
        break;
      }
      const unsigned p = static_cast<unsigned>(b) + buf[k] + 1;
      if (static_cast<unsigned>(b) != static_cast<unsigned>(units[2 * p + 1])) {
        node = kNoPath;
        break;
      }
      b = units[2 * p];
      node = b;
    }
    first_char_node_[c] = node;
  }
}

UnigramModel::UnigramModel(std::vector<UnigramPiece> pieces, double unk_log_prob)
    : pieces_(std::move(pieces)), unk_log_prob_(unk_log_prob) {
  std::vector<std::string_view> views;
  views.reserve(pieces_.size());
  scores_.reserve(pieces_.size());
  for (const auto& p : pieces_) {
    views.push_back(p.piece);
    scores_.push_back(p.log_prob);
  }
  trie_ = std::make_unique<PieceTrie>(views);
}

void UnigramModel::Encode(std::string_view word, std::vector<int32_t>* ids) const {
  Viterbi(*trie_, scores_.data(), unk_log_prob_, word.data(), word.size(), -1, &ThreadScratch(),
          ids);
}

void UnigramModel::SampleEncode(std::string_view word, double alpha, uint64_t seed,
                                std::vector<int32_t>* ids) const {
  ids->clear();
  const size_t n = word.size();
  if (n == 0) return;
  LatticeScratch& sc = ThreadScratch();
  Forward(*trie_, scores_.data(), unk_log_prob_, alpha, word.data(), n, &sc);
  // Nodes grouped by end position (linked lists), for the backward pass.
  sc.head_by_end.assign(n + 1, -1);
  sc.node_next.resize(sc.node_id.size());
  for (size_t k = 0; k < sc.node_id.size(); ++k) {
    sc.node_next[k] = sc.head_by_end[sc.node_end[k]];
    sc.head_by_end[sc.node_end[k]] = static_cast<int32_t>(k);
  }
  // splitmix64: a fixed, portable generator, so that a seed means the same sample everywhere.
  uint64_t state = seed;
  auto uniform = [&state]() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1p-53;
  };
  const double* fwd = sc.best.data();
  for (size_t pos = n; pos > 0;) {
    // P(last node = k | prefix ends at pos) = exp(fwd[start] + alpha score - fwd[pos]).
    const double u = uniform();
    double cumulative = 0;
    int32_t chosen = -1;
    for (int32_t k = sc.head_by_end[pos]; k >= 0; k = sc.node_next[k]) {
      if (fwd[sc.node_start[k]] == kNegInf) continue;
      chosen = k;
      cumulative += std::exp(fwd[sc.node_start[k]] + alpha * sc.node_score[k] - fwd[pos]);
      if (u < cumulative) break;
    }
    ids->push_back(sc.node_id[chosen]);
    pos = sc.node_start[chosen];
  }
  std::reverse(ids->begin(), ids->end());
}

}  // namespace wordmill
