// TrainUnigram: seed vocabulary (suffix array), EM and pruning. The algorithm is described in
// tokenizers/README.md.
#include <divsufsort.h>
#include <utf8proc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tokenizers/unigram.h"
#include "tokenizers/unigram_lattice.h"

namespace wordmill {
namespace unigram_internal {

double Digamma(double x) {
  // Recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series (error
  // below 1e-14 there).
  double result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const double inv = 1 / x;
  const double inv2 = inv * inv;
  result +=
      std::log(x) - 0.5 * inv -
      inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))));
  return result;
}

int ScriptClass(uint32_t c) {
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  if (category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
      category == UTF8PROC_CATEGORY_ME) {
    return kScriptAny;
  }
  if ((category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO) ||
      (category >= UTF8PROC_CATEGORY_PC && category <= UTF8PROC_CATEGORY_SO)) {
    return kScriptCommon;
  }
  enum : int { kLatin = 1, kGreek, kCyrillic, kArabic, kHangul, kHan, kOther };
  struct Range {
    uint32_t first, last;
    int script;
  };
  // Scripts spread over several blocks; single-block scripts (Armenian, Hebrew, the Indic
  // scripts, Thai, ...) fall through to the block rule below.
  static constexpr Range kRanges[] = {
      {0x0000, 0x024F, kLatin},    {0x0250, 0x02AF, kLatin},    {0x0370, 0x03FF, kGreek},
      {0x0400, 0x052F, kCyrillic}, {0x0600, 0x06FF, kArabic},   {0x0750, 0x077F, kArabic},
      {0x08A0, 0x08FF, kArabic},   {0x1100, 0x11FF, kHangul},   {0x1C80, 0x1C8F, kCyrillic},
      {0x1D00, 0x1DBF, kLatin},    {0x1E00, 0x1EFF, kLatin},    {0x1F00, 0x1FFF, kGreek},
      {0x2C60, 0x2C7F, kLatin},    {0x2DE0, 0x2DFF, kCyrillic}, {0x2E80, 0x2FDF, kHan},
      {0x3005, 0x3007, kHan},      {0x3021, 0x3029, kHan},      {0x3038, 0x303B, kHan},
      {0x3040, 0x30FF, kHan},      {0x3130, 0x318F, kHangul},   {0x31F0, 0x31FF, kHan},
      {0x3400, 0x4DBF, kHan},      {0x4E00, 0x9FFF, kHan},      {0xA640, 0xA69F, kCyrillic},
      {0xA720, 0xA7FF, kLatin},    {0xA960, 0xA97F, kHangul},   {0xAC00, 0xD7FF, kHangul},
      {0xF900, 0xFAFF, kHan},      {0xFB50, 0xFDFF, kArabic},   {0xFE70, 0xFEFF, kArabic},
      {0xFF21, 0xFF5A, kLatin},    {0xFF66, 0xFF9F, kHan},      {0xFFA0, 0xFFDC, kHangul},
      {0x20000, 0x3FFFF, kHan},
  };
  for (const Range& r : kRanges) {
    if (c >= r.first && c <= r.last) return r.script;
  }
  return kOther + static_cast<int>(c >> 8);
}

}  // namespace unigram_internal

namespace {

using unigram_internal::Digamma;
using unigram_internal::Forward;
using unigram_internal::kNegInf;
using unigram_internal::kScriptAny;
using unigram_internal::LatticeScratch;
using unigram_internal::LogAddExp;
using unigram_internal::ScriptClass;
using unigram_internal::ThreadScratch;
using unigram_internal::Utf8CharLength;
using unigram_internal::Viterbi;

// SentencePiece's constants: an uncovered character scores this much below the worst piece;
// a piece whose expected count falls below kMinExpectedCount is dropped by the M-step.
constexpr double kUnkPenalty = 10.0;
constexpr double kMinExpectedCount = 0.5;
constexpr unsigned char kSeparator = 0xFF;  // never occurs in UTF-8
constexpr uint32_t kWordBoundary = 0x2581;  // SentencePiece's word-boundary marker

template <typename F>
void ParallelChunks(int threads, size_t n, size_t chunk, F&& f) {
  std::atomic<size_t> next{0};
  auto worker = [&](int t) {
    for (;;) {
      const size_t begin = next.fetch_add(chunk);
      if (begin >= n) break;
      f(t, begin, std::min(n, begin + chunk));
    }
  };
  if (threads <= 1 || n <= chunk) {
    worker(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
}

std::string QuoteWord(const std::string& w) {
  constexpr size_t kMax = 40;
  std::string shown = absl::CHexEscape(w.size() > kMax ? w.substr(0, kMax) : w);
  return absl::StrCat("\"", shown, w.size() > kMax ? "\"..." : "\"");
}

uint32_t DecodeChar(const unsigned char* p, int len) {
  switch (len) {
    case 1:
      return p[0];
    case 2:
      return (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
    case 3:
      return (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    default:
      return (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
  }
}

}  // namespace

namespace unigram_internal {

absl::StatusOr<SeedCandidates> FindSeedCandidates(const std::vector<std::string_view>& words,
                                                  const std::vector<int64_t>& counts,
                                                  int max_piece_chars, bool split_by_script,
                                                  const std::vector<uint32_t>& uncovered,
                                                  bool word_ends,
                                                  const std::vector<int64_t>* line_ends) {
  SeedCandidates result;
  std::string& text = result.text;
  size_t total_bytes = 0;
  for (const auto w : words) total_bytes += w.size() + 1;
  if (total_bytes >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("unigram training: the distinct words take ", total_bytes,
                     " bytes; the suffix array supports under 2 GiB (filter rare words first)"));
  }
  text.reserve(total_bytes);
  std::vector<int32_t> word_at(total_bytes);
  for (size_t i = 0; i < words.size(); ++i) {
    std::fill_n(word_at.begin() + text.size(), words[i].size() + 1, static_cast<int32_t>(i));
    text.append(words[i]);
    text.push_back(static_cast<char>(kSeparator));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  std::vector<int32_t> sa(n);
  if (divsufsort(bytes, sa.data(), n) != 0) {
    return absl::InternalError("unigram training: divsufsort failed");
  }
  // Weighted prefix sums in suffix-array order: freq of SA interval [l, r] = ps[r+1] - ps[l].
  std::vector<int64_t> ps(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) ps[i + 1] = ps[i] + counts[word_at[sa[i]]];
  // With line_ends: in SA order, how many positions lie in words seen in mid-line (mid) and at
  // the end of a line (end).
  std::vector<int32_t> mid, end;
  if (line_ends != nullptr) {
    mid.assign(n + 1, 0);
    end.assign(n + 1, 0);
    for (int32_t i = 0; i < n; ++i) {
      const int32_t w = word_at[sa[i]];
      mid[i + 1] = mid[i] + ((*line_ends)[w] < counts[w] ? 1 : 0);
      end[i + 1] = end[i] + ((*line_ends)[w] > 0 ? 1 : 0);
    }
  }
  word_at = std::vector<int32_t>();
  // LCP (Kasai): lcp[i] = common prefix of suffixes sa[i-1] and sa[i]; reuse rank as lcp.
  std::vector<int32_t> lcp(n + 1, 0);
  {
    std::vector<int32_t> rank(n);
    for (int32_t i = 0; i < n; ++i) rank[sa[i]] = i;
    int32_t h = 0;
    for (int32_t i = 0; i < n; ++i) {
      if (rank[i] > 0) {
        const int32_t j = sa[rank[i] - 1];
        while (i + h < n && j + h < n && bytes[i + h] == bytes[j + h]) ++h;
        lcp[rank[i]] = h;
        if (h > 0) --h;
      } else {
        h = 0;
      }
    }
  }

  std::vector<SeedCandidate>& candidates = result.candidates;
  // The node's label from `pos`, `depth` bytes (up to the last character boundary within
  // them: the branching is then inside the next character), or, with word_ends, up to the end
  // of the word when the label reaches it; a candidate when it is a valid piece as a whole and
  // longer than `parent_depth` (otherwise an ancestor proposes it, with its own frequency).
  // [l, r): the node's suffix-array interval.
  auto consider = [&](int32_t pos, int32_t depth, int32_t parent_depth, int32_t l, int32_t r) {
    if (bytes[pos] == kSeparator || (bytes[pos] & 0xC0) == 0x80) return;
    int32_t len = 0;
    int chars = 0;
    int script = kScriptAny;
    bool whole = false;  // the label ends here
    for (;;) {
      if (len == depth) {
        whole = true;
        break;
      }
      if (bytes[pos + len] == kSeparator) {  // every occurrence ends a word
        whole = line_ends != nullptr ? mid[r] > mid[l] && end[r] > end[l] : word_ends;
        break;
      }
      const int cl = Utf8CharLength(&text[pos + len], n - pos - len);
      if (len + cl > depth) {
        whole = true;
        break;
      }
      if (chars == max_piece_chars) break;
      const uint32_t c = DecodeChar(&bytes[pos + len], cl);
      if (!uncovered.empty() && std::binary_search(uncovered.begin(), uncovered.end(), c)) {
        break;  // an uncovered character ends every piece
      }
      if (split_by_script && !(c == kWordBoundary && len == 0)) {
        if (c == kWordBoundary) break;  // U+2581 only at the start, as in SentencePiece
        const int s = ScriptClass(c);
        if (s != kScriptAny) {
          if (script != kScriptAny && s != script) break;
          script = s;
        }
      }
      len += cl;
      ++chars;
    }
    if (chars < 2 || len <= parent_depth || !whole) return;
    candidates.push_back(
        {static_cast<uint32_t>(pos), static_cast<uint32_t>(len), ps[r] - ps[l], chars});
  };
  // Internal nodes: lcp-intervals, bottom-up with a stack of (depth, left bound).
  std::vector<std::pair<int32_t, int32_t>> stack = {{0, 0}};
  for (int32_t i = 1; i <= n; ++i) {
    const int32_t cur = i < n ? lcp[i] : 0;
    int32_t lb = i - 1;
    while (cur < stack.back().first) {
      const auto [depth, left] = stack.back();
      stack.pop_back();
      const int32_t parent = std::max(cur, stack.back().first);
      consider(sa[left], depth, parent, left, i);
      lb = left;
    }
    if (cur > stack.back().first) stack.emplace_back(cur, lb);
  }
  // Leaves: the rest of the word from each suffix, which occurs in that word only.
  for (int32_t i = 0; (word_ends || line_ends != nullptr) && i < n; ++i) {
    const int32_t parent = std::max(lcp[i], lcp[i + 1]);
    consider(sa[i], n - sa[i], parent, i, i + 1);
  }
  return result;
}

}  // namespace unigram_internal

namespace {

using unigram_internal::FindSeedCandidates;
using unigram_internal::SeedCandidate;

class UnigramTrainer {
 public:
  explicit UnigramTrainer(const UnigramTrainOptions& options) : options_(options) {
    threads_ = options.threads > 0
                   ? options.threads
                   : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }

  absl::StatusOr<std::vector<UnigramPiece>> Train(
      const std::vector<std::pair<std::string, int64_t>>& word_counts,
      const std::vector<int64_t>* line_end_counts);

 private:
  absl::Status LoadWords(const std::vector<std::pair<std::string, int64_t>>& word_counts,
                         const std::vector<int64_t>* line_end_counts);
  absl::Status ChooseCharacters();
  absl::Status MakeSeed();
  // Sorts the pieces by bytes (the trie's order), rebuilds the trie and the unknown score.
  void SetPieces(std::vector<std::string> pieces, std::vector<double> scores,
                 std::vector<char> required);
  // Runs add(word index, scratch, acc) for every word on threads_ threads, each thread adding
  // into its own array of pieces_.size() integers; returns their sum, which (being integer)
  // does not depend on the order, hence on the threads.
  template <typename Add>
  std::vector<int64_t> SumOverWords(Add&& add);
  std::vector<double> ExpectedCounts();
  void MaximizationStep(const std::vector<double>& expected, bool drop_rare);
  void Prune(size_t target_size);
  void KeepBest(size_t target_size);
  // Keeps the required characters, then pieces in the order of `ranked`, up to target_size.
  void KeepRanked(const std::vector<size_t>& ranked, size_t target_size);

  UnigramTrainOptions options_;
  int threads_ = 1;
  std::vector<std::string_view> words_;
  std::vector<int64_t> counts_;
  bool has_line_ends_ = false;
  std::vector<int64_t> line_ends_;  // parallel to counts_ when has_line_ends_
  double weighted_chars_ = 0;       // sum of count x characters over the words
  // Characters by code point: weighted count, and whether the model must contain it.
  absl::flat_hash_map<uint32_t, int64_t> char_counts_;
  absl::flat_hash_map<uint32_t, bool> required_chars_;
  std::vector<uint32_t> required_list_;  // by weighted count, descending (ties by code point)

  std::vector<std::string> pieces_;  // sorted by bytes
  std::vector<double> scores_;
  std::vector<char> required_;  // 1 for a required character (never pruned)
  std::unique_ptr<PieceTrie> trie_;
  double unk_score_ = 0;
};

absl::Status UnigramTrainer::LoadWords(
    const std::vector<std::pair<std::string, int64_t>>& word_counts,
    const std::vector<int64_t>* line_end_counts) {
  if (line_end_counts != nullptr && line_end_counts->size() != word_counts.size()) {
    return absl::InvalidArgumentError(absl::StrCat("unigram training: ", line_end_counts->size(),
                                                   " line-end counts for ", word_counts.size(),
                                                   " words"));
  }
  has_line_ends_ = line_end_counts != nullptr;
  for (size_t i = 0; i < word_counts.size(); ++i) {
    const auto& [word, count] = word_counts[i];
    if (has_line_ends_ && ((*line_end_counts)[i] < 0 || (*line_end_counts)[i] > count)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unigram training: word ", i, " ", QuoteWord(word), " ends ",
                       (*line_end_counts)[i], " lines but occurs ", count, " times"));
    }
    if (count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unigram training: word ", i, " ", QuoteWord(word), " has count ", count));
    }
    const auto* u = reinterpret_cast<const unsigned char*>(word.data());
    size_t chars = 0;
    for (size_t pos = 0; pos < word.size();) {
      const int len = Utf8CharLength(word.data() + pos, word.size() - pos);
      if (len == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unigram training: word ", i, " ", QuoteWord(word), ": invalid UTF-8 at byte ", pos));
      }
      if (count > 0) char_counts_[DecodeChar(u + pos, len)] += count;
      pos += len;
      ++chars;
    }
    if (count == 0 || word.empty()) continue;
    words_.push_back(word);
    counts_.push_back(count);
    if (has_line_ends_) line_ends_.push_back((*line_end_counts)[i]);
    weighted_chars_ += static_cast<double>(count) * static_cast<double>(chars);
  }
  if (words_.empty()) {
    return absl::InvalidArgumentError(
        "unigram training: no words to train on (the input is empty or every count is 0)");
  }
  if (weighted_chars_ > 0x1p60) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unigram training: %.0f characters (count x length) exceed the supported 2^60",
        weighted_chars_));
  }
  return absl::OkStatus();
}

absl::Status UnigramTrainer::ChooseCharacters() {
  std::vector<std::pair<uint32_t, int64_t>> chars(char_counts_.begin(), char_counts_.end());
  std::sort(chars.begin(), chars.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  double total = 0;
  for (const auto& c : chars) total += static_cast<double>(c.second);
  // As SentencePiece: the most frequent characters until they cover character_coverage.
  double covered = 0;
  for (const auto& c : chars) {
    const bool keep = covered < options_.character_coverage * total;
    if (keep) {
      covered += static_cast<double>(c.second);
      required_list_.push_back(c.first);
    }
    required_chars_[c.first] = keep;
  }
  const size_t required = required_list_.size();
  if (required > static_cast<size_t>(options_.vocab_size)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unigram training: vocab_size %d is smaller than the alphabet: %d characters are "
        "required to cover %g of the text (%d distinct); raise vocab_size or lower "
        "character_coverage",
        options_.vocab_size, required, options_.character_coverage, chars.size()));
  }
  return absl::OkStatus();
}

// Seed vocabulary: every required character, plus the substrings with the highest
// frequency x length, where a substring's frequency is the summed count of the words it occurs
// in (once per occurrence). Candidates are the nodes of the suffix tree of the concatenated
// words (separated by 0xFF), walked bottom-up as lcp-intervals of the suffix array: every
// distinct substring lies on one node, and all substrings whose length falls between the
// node's parent depth (exclusive) and its depth (inclusive) have the node's occurrences. Each
// node contributes its longest substring that starts and ends on character boundaries, stays
// inside one word and has at most max_piece_chars characters, if that is still longer than
// the parent's depth (otherwise the parent, or an ancestor, contributes it with its own,
// larger, frequency).
absl::Status UnigramTrainer::MakeSeed() {
  std::vector<uint32_t> uncovered;
  for (const auto& [c, required] : required_chars_) {
    if (!required) uncovered.push_back(c);
  }
  std::sort(uncovered.begin(), uncovered.end());
  auto found = FindSeedCandidates(words_, counts_, options_.max_piece_chars,
                                  options_.split_by_script, uncovered, options_.seed_word_ends,
                                  has_line_ends_ ? &line_ends_ : nullptr);
  if (!found.ok()) return found.status();
  const std::string& text = found->text;
  std::vector<SeedCandidate>& candidates = found->candidates;

  std::vector<std::string> pieces;
  std::vector<double> scores;
  std::vector<char> required;
  for (const uint32_t c : required_list_) {
    char buf[4];
    int len;
    if (c < 0x80) {
      buf[0] = static_cast<char>(c);
      len = 1;
    } else if (c < 0x800) {
      buf[0] = static_cast<char>(0xC0 | c >> 6);
      buf[1] = static_cast<char>(0x80 | (c & 0x3F));
      len = 2;
    } else if (c < 0x10000) {
      buf[0] = static_cast<char>(0xE0 | c >> 12);
      buf[1] = static_cast<char>(0x80 | (c >> 6 & 0x3F));
      buf[2] = static_cast<char>(0x80 | (c & 0x3F));
      len = 3;
    } else {
      buf[0] = static_cast<char>(0xF0 | c >> 18);
      buf[1] = static_cast<char>(0x80 | (c >> 12 & 0x3F));
      buf[2] = static_cast<char>(0x80 | (c >> 6 & 0x3F));
      buf[3] = static_cast<char>(0x80 | (c & 0x3F));
      len = 4;
    }
    pieces.emplace_back(buf, len);
    scores.push_back(static_cast<double>(char_counts_.at(c)));
    required.push_back(1);
  }
  const size_t room = options_.seed_size > static_cast<int64_t>(pieces.size())
                          ? std::min<size_t>(candidates.size(), options_.seed_size - pieces.size())
                          : 0;
  // Score: frequency x characters (exact in double below 2^53).
  auto score = [](const SeedCandidate& c) { return static_cast<double>(c.freq) * c.chars; };
  auto better = [&](const SeedCandidate& a, const SeedCandidate& b) {
    if (score(a) != score(b)) return score(a) > score(b);
    const int c = std::memcmp(&text[a.pos], &text[b.pos], std::min(a.len, b.len));
    return c != 0 ? c < 0 : a.len < b.len;
  };
  if (room < candidates.size()) {
    std::nth_element(candidates.begin(), candidates.begin() + room, candidates.end(), better);
  }
  for (size_t i = 0; i < room; ++i) {
    const SeedCandidate& c = candidates[i];
    pieces.emplace_back(found->piece(c));
    scores.push_back(score(c));
    required.push_back(0);
  }
  // Initial log probabilities: proportional to the seed scores.
  const double log_sum = std::log(std::accumulate(scores.begin(), scores.end(), 0.0));
  for (double& s : scores) s = std::log(s) - log_sum;
  SetPieces(std::move(pieces), std::move(scores), std::move(required));
  return absl::OkStatus();
}

void UnigramTrainer::SetPieces(std::vector<std::string> pieces, std::vector<double> scores,
                               std::vector<char> required) {
  if (std::is_sorted(pieces.begin(), pieces.end())) {  // all but the seed keep the order
    pieces_ = std::move(pieces);
    scores_ = std::move(scores);
    required_ = std::move(required);
  } else {
    std::vector<size_t> order(pieces.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return pieces[a] < pieces[b]; });
    pieces_.clear();
    scores_.clear();
    required_.clear();
    for (size_t i : order) {
      pieces_.push_back(std::move(pieces[i]));
      scores_.push_back(scores[i]);
      required_.push_back(required[i]);
    }
  }
  std::vector<std::string_view> views(pieces_.begin(), pieces_.end());
  trie_ = std::make_unique<PieceTrie>(views);
  unk_score_ =
      (scores_.empty() ? 0 : *std::min_element(scores_.begin(), scores_.end())) - kUnkPenalty;
}

template <typename Add>
std::vector<int64_t> UnigramTrainer::SumOverWords(Add&& add) {
  const size_t m = pieces_.size();
  std::vector<std::vector<int64_t>> per_thread(threads_);
  ParallelChunks(threads_, words_.size(), 256, [&](int t, size_t begin, size_t end) {
    auto& acc = per_thread[t];
    if (acc.empty()) acc.assign(m, 0);
    LatticeScratch& sc = ThreadScratch();
    for (size_t i = begin; i < end; ++i) add(i, sc, acc.data());
  });
  std::vector<int64_t> total(m, 0);
  for (const auto& acc : per_thread) {
    for (size_t i = 0; i < acc.size(); ++i) total[i] += acc[i];
  }
  return total;
}

// E-step: expected count of every piece over all words (count x posterior marginal from
// forward-backward). Sums are kept in 64-bit fixed point, which makes them exact and
// independent of the order of the additions, hence of the number of threads.
std::vector<double> UnigramTrainer::ExpectedCounts() {
  const int fraction_bits = 61 - static_cast<int>(std::ceil(std::log2(weighted_chars_ + 1)));
  const double scale = std::ldexp(1.0, fraction_bits);
  const size_t m = pieces_.size();
  const std::vector<int64_t> total = SumOverWords([&](size_t i, LatticeScratch& sc, int64_t* acc) {
    const std::string_view w = words_[i];
    const size_t n = w.size();
    const double log_z = Forward(*trie_, scores_.data(), unk_score_, 1.0, w.data(), n, &sc);
    sc.backward.assign(n + 1, kNegInf);
    double* bwd = sc.backward.data();
    const double* fwd = sc.best.data();
    bwd[n] = 0;
    for (size_t k = sc.node_id.size(); k-- > 0;) {
      bwd[sc.node_start[k]] =
          LogAddExp(bwd[sc.node_start[k]], sc.node_score[k] + bwd[sc.node_end[k]]);
    }
    const double weight = static_cast<double>(counts_[i]) * scale;
    for (size_t k = 0; k < sc.node_id.size(); ++k) {
      const int32_t id = sc.node_id[k];
      if (id < 0) continue;
      const double marginal =
          std::exp(fwd[sc.node_start[k]] + sc.node_score[k] + bwd[sc.node_end[k]] - log_z);
      acc[id] += std::llround(weight * marginal);
    }
  });
  std::vector<double> expected(m, 0);
  for (size_t i = 0; i < m; ++i)
    expected[i] = std::ldexp(static_cast<double>(total[i]), -fraction_bits);
  return expected;
}

// M-step, the Bayesian (variational Dirichlet-process) update SentencePiece uses:
// log p(x) = psi(E[x]) - psi(sum of E). With drop_rare, pieces expected fewer than 0.5 times
// are removed; required characters, and every piece without drop_rare, are kept with their
// expected count raised to that floor.
void UnigramTrainer::MaximizationStep(const std::vector<double>& expected, bool drop_rare) {
  std::vector<std::string> pieces;
  std::vector<double> counts;
  std::vector<char> required;
  double sum = 0;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    double e = expected[i];
    if (e < kMinExpectedCount) {
      if (drop_rare && !required_[i]) continue;
      e = kMinExpectedCount;
    }
    pieces.push_back(std::move(pieces_[i]));
    counts.push_back(e);
    required.push_back(required_[i]);
    sum += e;
  }
  const double log_sum = Digamma(sum);
  for (double& c : counts) c = Digamma(c) - log_sum;
  SetPieces(std::move(pieces), std::move(counts), std::move(required));
}

// Pruning: removes the pieces that no Viterbi segmentation uses, then keeps the required
// characters and the pieces whose removal would lose the most likelihood, up to target_size.
// As SentencePiece approximates it: when piece i goes, its Viterbi uses fall to its own best
// segmentation without it (its "alternative"), whose pieces each gain freq(i):
//   loss(i) = freq(i)/N * (log p(i) - sum_{a in alt(i)} log p'(a)),
// with p from the Viterbi frequencies and p' after the reassignment.
void UnigramTrainer::Prune(size_t target_size) {
  const size_t m = pieces_.size();
  const std::vector<int64_t> freq = SumOverWords([&](size_t i, LatticeScratch& sc, int64_t* acc) {
    thread_local std::vector<int32_t> ids;
    Viterbi(*trie_, scores_.data(), unk_score_, words_[i].data(), words_[i].size(), -1, &sc, &ids);
    for (const int32_t id : ids) {
      if (id >= 0) acc[id] += counts_[i];
    }
  });
  const double sum = static_cast<double>(std::accumulate(freq.begin(), freq.end(), int64_t{0}));
  const double total_words =
      static_cast<double>(std::accumulate(counts_.begin(), counts_.end(), int64_t{0}));
  const double log_sum = std::log(sum);
  std::vector<double> loss(m, kNegInf);
  ParallelChunks(threads_, m, 1024, [&](int, size_t begin, size_t end) {
    LatticeScratch& sc = ThreadScratch();
    std::vector<int32_t> alternative;
    for (size_t i = begin; i < end; ++i) {
      if (required_[i] || freq[i] == 0) continue;
      Viterbi(*trie_, scores_.data(), unk_score_, pieces_[i].data(), pieces_[i].size(),
              static_cast<int32_t>(i), &sc, &alternative);
      const double f = static_cast<double>(freq[i]);
      const double log_sum_alt = std::log(sum + f * (static_cast<double>(alternative.size()) - 1));
      double log_prob_alt = 0;
      for (const int32_t a : alternative) {
        log_prob_alt += std::log(static_cast<double>(freq[a]) + f) - log_sum_alt;
      }
      loss[i] = f / total_words * ((std::log(f) - log_sum) - log_prob_alt);
    }
  });
  // Candidates: the non-character pieces some segmentation uses, by loss (ties by bytes).
  std::vector<size_t> ranked;
  for (size_t i = 0; i < m; ++i) {
    if (!required_[i] && freq[i] > 0) ranked.push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(),
            [&](size_t a, size_t b) { return loss[a] != loss[b] ? loss[a] > loss[b] : a < b; });
  KeepRanked(ranked, target_size);
}

// Keeps the required characters and the best-scored other pieces, up to target_size.
void UnigramTrainer::KeepBest(size_t target_size) {
  std::vector<size_t> ranked;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (!required_[i]) ranked.push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    return scores_[a] != scores_[b] ? scores_[a] > scores_[b] : a < b;
  });
  KeepRanked(ranked, target_size);
}

void UnigramTrainer::KeepRanked(const std::vector<size_t>& ranked, size_t target_size) {
  std::vector<char> keep(required_.begin(), required_.end());
  size_t kept = std::count(required_.begin(), required_.end(), 1);
  for (size_t i : ranked) {
    if (kept >= target_size) break;
    keep[i] = 1;
    ++kept;
  }
  std::vector<std::string> pieces;
  std::vector<double> scores;
  std::vector<char> required;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (!keep[i]) continue;
    pieces.push_back(std::move(pieces_[i]));
    scores.push_back(scores_[i]);
    required.push_back(required_[i]);
  }
  SetPieces(std::move(pieces), std::move(scores), std::move(required));
}

absl::StatusOr<std::vector<UnigramPiece>> UnigramTrainer::Train(
    const std::vector<std::pair<std::string, int64_t>>& word_counts,
    const std::vector<int64_t>* line_end_counts) {
  const UnigramTrainOptions& o = options_;
  if (o.vocab_size < 1 || o.seed_size < 1 || o.max_piece_chars < 1 ||
      !(o.shrink_factor > 0 && o.shrink_factor < 1) || o.em_iterations < 1 ||
      !(o.character_coverage > 0 && o.character_coverage <= 1) || o.threads < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unigram training: bad options (need vocab_size >= 1 [%d], seed_size >= 1 [%d], "
        "max_piece_chars >= 1 [%d], 0 < shrink_factor < 1 [%g], em_iterations >= 1 [%d], "
        "0 < character_coverage <= 1 [%g], threads >= 0 [%d])",
        o.vocab_size, o.seed_size, o.max_piece_chars, o.shrink_factor, o.em_iterations,
        o.character_coverage, o.threads));
  }
  if (absl::Status s = LoadWords(word_counts, line_end_counts); !s.ok()) return s;
  if (absl::Status s = ChooseCharacters(); !s.ok()) return s;
  if (absl::Status s = MakeSeed(); !s.ok()) return s;

  // SentencePiece's schedule: EM and pruning until at most 1.1 x vocab_size pieces are left,
  // then the best-scored vocab_size pieces; then (unlike SentencePiece) a final EM on exactly
  // those pieces.
  const size_t vocab_size = static_cast<size_t>(o.vocab_size);
  const size_t desired = vocab_size + vocab_size / 10;
  for (;;) {
    for (int iter = 0; iter < o.em_iterations; ++iter) MaximizationStep(ExpectedCounts(), true);
    if (pieces_.size() <= desired) break;
    Prune(std::max(desired, static_cast<size_t>(o.shrink_factor * pieces_.size())));
  }
  KeepBest(vocab_size);
  for (int iter = 0; iter < o.em_iterations; ++iter) MaximizationStep(ExpectedCounts(), false);

  std::vector<UnigramPiece> result;
  result.reserve(pieces_.size());
  for (size_t i = 0; i < pieces_.size(); ++i) result.push_back({pieces_[i], scores_[i]});
  std::sort(result.begin(), result.end(), [](const UnigramPiece& a, const UnigramPiece& b) {
    return a.log_prob != b.log_prob ? a.log_prob > b.log_prob : a.piece < b.piece;
  });
  return result;
}

}  // namespace

absl::StatusOr<std::vector<UnigramPiece>> TrainUnigram(
    const std::vector<std::pair<std::string, int64_t>>& word_counts,
    const UnigramTrainOptions& options, const std::vector<int64_t>* line_end_counts) {
  UnigramTrainer trainer(options);
  return trainer.Train(word_counts, line_end_counts);
}

}  // namespace wordmill
