// The incremental merge loop of BPE and WordPiece training (tokenizers/pair_merger.h) against a
// brute-force trainer that recounts every pair and symbol before each merge, on random small
// corpora and several minimum pair counts: the merges must be the same, in the same order.
#include "tokenizers/pair_merger.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "formats/wordmill.pb.h"
#include "gtest/gtest.h"

namespace wordmill {
namespace {

struct Reference {
  std::vector<SubwordMerge> merges;
  std::vector<std::string> symbols;
};

// The straightforward algorithm: recount, take the best eligible pair, merge it left to right.
Reference BruteForceMerges(std::vector<MergeWord> words, const PairMergerOptions& options,
                           std::vector<std::string> symbols) {
  Reference out;
  int64_t minimum = std::max<int64_t>(1, options.min_pair_count);
  const int64_t final_minimum =
      options.final_min_pair_count > 0 ? std::min(minimum, options.final_min_pair_count) : minimum;
  while (symbols.size() < options.target_symbols) {
    std::vector<int64_t> symbol_counts(symbols.size(), 0);
    std::map<std::pair<int32_t, int32_t>, int64_t> pair_counts;
    for (const MergeWord& w : words) {
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (w.symbols[i] >= 0) symbol_counts[w.symbols[i]] += w.count;
        if (i + 1 < w.symbols.size() && w.symbols[i] >= 0 && w.symbols[i + 1] >= 0) {
          pair_counts[{w.symbols[i], w.symbols[i + 1]}] += w.count;
        }
      }
    }
    bool found = false;
    std::pair<int32_t, int32_t> best;
    double best_score = 0;
    int64_t best_count = 0;
    for (const auto& [pair, count] : pair_counts) {
      if (count < minimum) continue;
      double score = static_cast<double>(count);
      if (options.score == MergeScore::kWordPiece) {
        score /= static_cast<double>(symbol_counts[pair.first]) *
                 static_cast<double>(symbol_counts[pair.second]);
      }
      const bool better =
          !found || score > best_score ||
          (score == best_score &&
           (count > best_count ||
            (count == best_count && (symbols[pair.first] < symbols[best.first] ||
                                     (symbols[pair.first] == symbols[best.first] &&
                                      symbols[pair.second] < symbols[best.second])))));
      if (better) {
        found = true;
        best = pair;
        best_score = score;
        best_count = count;
      }
    }
    if (!found) {
      if (options.score == MergeScore::kWordPiece && minimum > final_minimum) {
        minimum = std::max(final_minimum, minimum / 2);  // WordPiece's halving
        continue;
      }
      break;
    }
    const auto [a, b] = best;
    std::string joined = symbols[a];
    const bool strip = options.score == MergeScore::kWordPiece && symbols[b].rfind("##", 0) == 0;
    joined += symbols[b].substr(strip ? 2 : 0);
    int32_t ab = -1;
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (symbols[i] == joined) ab = static_cast<int32_t>(i);
    }
    if (ab < 0) {
      ab = static_cast<int32_t>(symbols.size());
      symbols.push_back(joined);
    }
    for (MergeWord& w : words) {
      std::vector<int32_t> merged;
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (i + 1 < w.symbols.size() && w.symbols[i] == a && w.symbols[i + 1] == b) {
          merged.push_back(ab);
          ++i;
        } else {
          merged.push_back(w.symbols[i]);
        }
      }
      w.symbols = std::move(merged);
    }
    out.merges.push_back({a, b, ab});
  }
  out.symbols = std::move(symbols);
  return out;
}

// Random words over a few letters (WordPiece style: `x`, then `##y`), Zipf-like counts, and now
// and then an unknown (-1) symbol.
std::vector<MergeWord> RandomWords(uint32_t seed, size_t letters,
                                   std::vector<std::string>* symbols) {
  std::mt19937 random(seed);
  symbols->clear();
  for (size_t i = 0; i < letters; ++i) {
    const std::string letter(1, static_cast<char>('a' + i));
    symbols->push_back(letter);
    symbols->push_back("##" + letter);
  }
  std::vector<MergeWord> words;
  for (int w = 0; w < 300; ++w) {
    MergeWord word;
    const size_t length = 1 + random() % 7;
    for (size_t i = 0; i < length; ++i) {
      // Skewed letters, so that some pairs are frequent and others rare.
      const size_t letter = std::min(random() % letters, random() % letters);
      word.symbols.push_back(random() % 50 == 0 ? -1 : static_cast<int32_t>(2 * letter + (i > 0)));
    }
    word.count = 1 + static_cast<int64_t>(200 / (1 + random() % 100));
    words.push_back(std::move(word));
  }
  return words;
}

std::vector<std::string> Named(const std::vector<SubwordMerge>& merges,
                               const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  for (const SubwordMerge& m : merges) {
    out.push_back(absl::StrCat(symbols[m.left], "+", symbols[m.right], "=", symbols[m.result]));
  }
  return out;
}

void ExpectSameAsBruteForce(MergeScore score) {
  size_t merges_checked = 0;
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    for (size_t letters : {3u, 6u}) {
      for (auto [min_pair_count, final_min_pair_count] : std::vector<std::pair<int64_t, int64_t>>{
               {1, 0}, {2, 0}, {5, 0}, {20, 0}, {60, 0}, {60, 2}, {25, 3}}) {
        SCOPED_TRACE(absl::StrCat("seed ", seed, ", letters ", letters, ", min_pair_count ",
                                  min_pair_count, ", final_min_pair_count ", final_min_pair_count));
        std::vector<std::string> symbols;
        std::vector<MergeWord> words = RandomWords(seed, letters, &symbols);
        PairMergerOptions options;
        options.score = score;
        options.min_pair_count = min_pair_count;
        options.final_min_pair_count = final_min_pair_count;
        options.target_symbols = symbols.size() + 400;
        const Reference reference = BruteForceMerges(words, options, symbols);
        std::vector<std::string> table = symbols;
        const std::vector<SubwordMerge> merges = LearnMerges(words, options, &table);
        EXPECT_EQ(Named(merges, table), Named(reference.merges, reference.symbols));
        EXPECT_EQ(table, reference.symbols);
        merges_checked += reference.merges.size();
      }
    }
  }
  // The corpora are big enough for long merge sequences (which then reuse symbols: `a`+`##bc`
  // and `ab`+`##c` are both `abc`).
  EXPECT_GT(merges_checked, 2000u);
}

TEST(PairMergerTest, WordPieceMergesEqualBruteForce) {
  ExpectSameAsBruteForce(MergeScore::kWordPiece);
}

TEST(PairMergerTest, BpeMergesEqualBruteForce) { ExpectSameAsBruteForce(MergeScore::kPairCount); }

TEST(PairMergerTest, AutomaticMinimumPairCount) {
  SubwordSpec spec;
  spec.set_vocab_size(1000);
  spec.set_model(SUBWORD_BPE);
  EXPECT_EQ(MinPairCounts(spec, 1000000).min_pair_count, 2);
  EXPECT_EQ(MinPairCounts(spec, 1000000).final_min_pair_count, 0);
  spec.set_model(SUBWORD_WORDPIECE);
  EXPECT_EQ(MinPairCounts(spec, 1000000).min_pair_count, 4000);  // 4 * 10^6 / 1000
  EXPECT_EQ(MinPairCounts(spec, 1000000).final_min_pair_count, 2);
  EXPECT_EQ(MinPairCounts(spec, 100).min_pair_count, 2);
  spec.set_min_pair_count(7);  // given: fixed
  EXPECT_EQ(MinPairCounts(spec, 1000000).min_pair_count, 7);
  EXPECT_EQ(MinPairCounts(spec, 1000000).final_min_pair_count, 0);
}

TEST(PairMergerTest, TargetSizeStopsTheMerges) {
  std::vector<std::string> symbols;
  std::vector<MergeWord> words = RandomWords(7, 4, &symbols);
  PairMergerOptions options;
  options.score = MergeScore::kWordPiece;
  options.min_pair_count = 1;
  options.target_symbols = symbols.size() + 10;
  const std::vector<SubwordMerge> merges = LearnMerges(words, options, &symbols);
  EXPECT_EQ(symbols.size(), options.target_symbols);
  EXPECT_GE(merges.size(), 10u);  // a merge that makes an existing string adds no symbol
}

}  // namespace
}  // namespace wordmill
