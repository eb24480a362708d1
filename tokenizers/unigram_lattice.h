// Lattice algorithms shared by the Unigram trainer and model (tokenizers/unigram.h): the
// nodes of a word's lattice, Viterbi, and the forward pass. Internal to tokenizers/.
#ifndef WORDMILL_TOKENIZERS_UNIGRAM_LATTICE_H_
#define WORDMILL_TOKENIZERS_UNIGRAM_LATTICE_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "tokenizers/unigram.h"

namespace wordmill::unigram_internal {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

inline double LogAddExp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == kNegInf) return a;
  return a + std::log1p(std::exp(b - a));
}

// Calls visit(start, length, id, score) for every node of the lattice of w[0, n), in order of
// start: every piece occurring at every character position, plus an unknown node (id -1,
// unk_score) for each character that no single-character piece covers. A byte that does not
// start well-formed UTF-8 is one unknown character. Pieces with id `exclude` are left out.
template <typename Visit>
void VisitLattice(const PieceTrie& trie, const double* scores, double unk_score, const char* w,
                  size_t n, int32_t exclude, Visit&& visit) {
  for (size_t s = 0; s < n;) {
    int char_len = Utf8CharLength(w + s, n - s);
    if (char_len == 0) char_len = 1;
    bool has_single = false;
    trie.ForEachPrefix(w + s, n - s, [&](int id, size_t len) {
      if (id == exclude) return;
      has_single |= len == static_cast<size_t>(char_len);
      visit(s, len, id, scores[id]);
    });
    if (!has_single) visit(s, static_cast<size_t>(char_len), -1, unk_score);
    s += char_len;
  }
}

// Per-thread buffers of the lattice algorithms; they only grow, so a warm thread does not
// allocate.
struct LatticeScratch {
  std::vector<double> best;  // per byte position: Viterbi score or forward log-sum
  std::vector<double> backward;
  std::vector<uint32_t> back_start;
  std::vector<int32_t> back_id;
  // Nodes in order of start (forward-backward, sampling).
  std::vector<uint32_t> node_start, node_end;
  std::vector<int32_t> node_id, node_next;  // node_next: next node with the same end
  std::vector<double> node_score;
  std::vector<int32_t> head_by_end;

  void ClearNodes() {
    node_start.clear();
    node_end.clear();
    node_id.clear();
    node_score.clear();
  }
  void AddNode(size_t s, size_t len, int32_t id, double score) {
    node_start.push_back(static_cast<uint32_t>(s));
    node_end.push_back(static_cast<uint32_t>(s + len));
    node_id.push_back(id);
    node_score.push_back(score);
  }
};

// This thread's scratch buffers.
LatticeScratch& ThreadScratch();

// Best segmentation of w[0, n) into *ids (-1 for unknown characters), leaving out pieces with
// id `exclude` (-1: none); returns its score.
double Viterbi(const PieceTrie& trie, const double* scores, double unk_score, const char* w,
               size_t n, int32_t exclude, LatticeScratch* sc, std::vector<int32_t>* ids);

// Fills sc's node arrays and forward log-sums (sc->best, scores multiplied by alpha) for
// w[0, n); returns log Z.
double Forward(const PieceTrie& trie, const double* scores, double unk_score, double alpha,
               const char* w, size_t n, LatticeScratch* sc);

}  // namespace wordmill::unigram_internal

#endif  // WORDMILL_TOKENIZERS_UNIGRAM_LATTICE_H_
