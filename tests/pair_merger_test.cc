// The merge loop of BPE and WordPiece training (tokenizers/pair_merger.h) against a brute-force
// trainer that recounts every pair and every symbol before each merge: on random corpora over a
// small alphabet with unknown symbols, for both scores, several fixed pair-count thresholds and
// halving schedules, the incremental loop must make exactly the same merges.
#include "tokenizers/pair_merger.h"

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace wordmill {
namespace {

struct Reference {
  std::vector<SubwordMerge> merges;
  std::vector<std::string> symbols;
};

// Recount everything, pick the best pair (highest score, then count, then the smaller left and
// right strings), merge it left to right without overlap, until the table is full or no pair
// reaches the threshold.
Reference BruteForce(std::vector<MergeWord> words, MergeScore score, size_t target,
                     int64_t min_pair_count, int64_t final_min_pair_count,
                     std::vector<std::string> symbols) {
  Reference ref;
  min_pair_count = std::max<int64_t>(1, min_pair_count);
  const int64_t floor = final_min_pair_count > 0 ? final_min_pair_count : min_pair_count;
  while (symbols.size() < target) {
    std::map<std::pair<int32_t, int32_t>, int64_t> pairs;
    std::vector<int64_t> symbol_counts(symbols.size(), 0);
    for (const MergeWord& w : words) {
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (w.symbols[i] >= 0) symbol_counts[w.symbols[i]] += w.count;
        if (i + 1 < w.symbols.size() && w.symbols[i] >= 0 && w.symbols[i + 1] >= 0) {
          pairs[{w.symbols[i], w.symbols[i + 1]}] += w.count;
        }
      }
    }
    bool found = false;
    std::pair<int32_t, int32_t> best;
    double best_score = 0;
    int64_t best_count = 0;
    for (const auto& [pair, count] : pairs) {
      if (count < min_pair_count) continue;
      double s = static_cast<double>(count);
      if (score == MergeScore::kWordPiece) {
        s = s / (static_cast<double>(symbol_counts[pair.first]) *
                 static_cast<double>(symbol_counts[pair.second]));
      }
      bool better = !found || s > best_score || (s == best_score && count > best_count);
      if (found && s == best_score && count == best_count) {
        const std::string& l = symbols[pair.first];
        const std::string& bl = symbols[best.first];
        better = l != bl ? l < bl : symbols[pair.second] < symbols[best.second];
      }
      if (better) {
        found = true;
        best = pair;
        best_score = s;
        best_count = count;
      }
    }
    if (!found) {
      if (min_pair_count <= floor) break;
      min_pair_count = std::max(floor, min_pair_count / 2);  // the schedule: halve, retry
      continue;
    }
    std::string joined = symbols[best.first];
    const std::string& right = symbols[best.second];
    joined +=
        score == MergeScore::kWordPiece && right.rfind("##", 0) == 0 ? right.substr(2) : right;
    int32_t ab = -1;
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (symbols[i] == joined) ab = static_cast<int32_t>(i);
    }
    if (ab < 0) {
      ab = static_cast<int32_t>(symbols.size());
      symbols.push_back(joined);
    }
    for (MergeWord& w : words) {
      std::vector<int32_t> out;
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (i + 1 < w.symbols.size() && w.symbols[i] == best.first &&
            w.symbols[i + 1] == best.second) {
          out.push_back(ab);
          ++i;
        } else {
          out.push_back(w.symbols[i]);
        }
      }
      w.symbols = out;
    }
    ref.merges.push_back(SubwordMerge{best.first, best.second, ab});
  }
  ref.symbols = symbols;
  return ref;
}

TEST(PairMergerTest, IncrementalMergesEqualTheBruteForceTrainer) {
  int cases = 0, reused = 0;
  for (MergeScore score : {MergeScore::kPairCount, MergeScore::kWordPiece}) {
    // {start, floor}: fixed thresholds, and schedules that halve from the start to the floor.
    for (auto [threshold, floor] : std::vector<std::pair<int64_t, int64_t>>{
             {0, 0}, {1, 0}, {2, 0}, {3, 0}, {5, 0}, {12, 0}, {40, 2}, {25, 3}}) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        std::mt19937 gen(seed * 97 + static_cast<uint32_t>(threshold + 7 * floor));
        // Alphabet: a b c d (first position) and ##a ##b ##c ##d (later positions) for
        // WordPiece; a b c d everywhere for BPE. Symbol -1 (unknown) now and then.
        std::vector<std::string> symbols = {"a", "b", "c", "d"};
        if (score == MergeScore::kWordPiece) {
          for (const char* s : {"##a", "##b", "##c", "##d"}) symbols.push_back(s);
        }
        std::vector<MergeWord> words(400);
        for (MergeWord& w : words) {
          const int length = 1 + static_cast<int>(gen() % 9);
          for (int i = 0; i < length; ++i) {
            int32_t sym = static_cast<int32_t>(gen() % 4);
            if (score == MergeScore::kWordPiece && i > 0) sym += 4;
            if (gen() % 40 == 0) sym = -1;
            w.symbols.push_back(sym);
          }
          w.count = 1 + static_cast<int64_t>(gen() % 9);
        }
        const size_t target = symbols.size() + 200;
        PairMergerOptions options;
        options.score = score;
        options.target_symbols = target;
        options.min_pair_count = threshold;
        options.final_min_pair_count = floor;
        const Reference ref = BruteForce(words, score, target, threshold, floor, symbols);
        std::vector<std::string> got_symbols = symbols;
        const std::vector<SubwordMerge> got = LearnMerges(words, options, &got_symbols);
        const std::string what =
            absl::StrCat(score == MergeScore::kWordPiece ? "wordpiece" : "bpe", " threshold ",
                         threshold, " floor ", floor, " seed ", seed);
        ASSERT_EQ(got.size(), ref.merges.size()) << what;
        int32_t next_new = static_cast<int32_t>(symbols.size());
        for (size_t k = 0; k < got.size(); ++k) {
          if (got[k].result == next_new) {
            ++next_new;
          } else {
            ++reused;
          }
          EXPECT_EQ(got[k].left, ref.merges[k].left) << what << " merge " << k;
          EXPECT_EQ(got[k].right, ref.merges[k].right) << what << " merge " << k;
          EXPECT_EQ(got[k].result, ref.merges[k].result) << what << " merge " << k;
        }
        EXPECT_EQ(got_symbols, ref.symbols) << what;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 64);
  // A merge that makes an existing string (reusing its symbol) is rare on random corpora; the
  // count is reported, not required.
  RecordProperty("reused", reused);
}

}  // namespace
}  // namespace wordmill
