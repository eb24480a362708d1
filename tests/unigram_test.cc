#include "tokenizers/unigram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace wordmill {
namespace {

using WordCounts = std::vector<std::pair<std::string, int64_t>>;
using unigram_internal::Digamma;

std::vector<int32_t> Encode(const UnigramModel& model, const std::string& word) {
  std::vector<int32_t> ids;
  model.Encode(word, &ids);
  return ids;
}

// The pieces of `ids` joined ("?" for -1), e.g. "ab|ab".
std::string Show(const UnigramModel& model, const std::vector<int32_t>& ids) {
  std::string out;
  for (const int32_t id : ids) {
    if (!out.empty()) out += "|";
    out += id < 0 ? "?" : model.pieces()[id].piece;
  }
  return out;
}

std::map<std::string, double> ByPiece(const std::vector<UnigramPiece>& pieces) {
  std::map<std::string, double> out;
  for (const auto& p : pieces) out[p.piece] = p.log_prob;
  return out;
}

TEST(UnigramTest, DigammaKnownValues) {
  constexpr double kEuler = 0.57721566490153286;
  EXPECT_NEAR(Digamma(1), -kEuler, 1e-12);
  EXPECT_NEAR(Digamma(0.5), -kEuler - 2 * std::log(2.0), 1e-12);
  EXPECT_NEAR(Digamma(10),
              1 + 1. / 2 + 1. / 3 + 1. / 4 + 1. / 5 + 1. / 6 + 1. / 7 + 1. / 8 + 1. / 9 - kEuler,
              1e-12);
  EXPECT_NEAR(Digamma(1e6), std::log(1e6) - 0.5e-6, 1e-12);
}

TEST(UnigramTest, Utf8CharLength) {
  using unigram_internal::Utf8CharLength;
  EXPECT_EQ(Utf8CharLength("a", 1), 1);
  EXPECT_EQ(Utf8CharLength("\xC3\xA9", 2), 2);
  EXPECT_EQ(Utf8CharLength("\xED\x95\x9C", 3), 3);      // 한
  EXPECT_EQ(Utf8CharLength("\xF0\x9F\x98\x80", 4), 4);  // U+1F600
  EXPECT_EQ(Utf8CharLength("\xC3", 1), 0);              // cut short
  EXPECT_EQ(Utf8CharLength("\xC0\xAF", 2), 0);          // overlong
  EXPECT_EQ(Utf8CharLength("\xED\xA0\x80", 3), 0);      // surrogate
  EXPECT_EQ(Utf8CharLength("\xF4\x90\x80\x80", 4), 0);  // above U+10FFFF
  EXPECT_EQ(Utf8CharLength("\x80", 1), 0);              // stray continuation
  EXPECT_EQ(Utf8CharLength("\xFF", 1), 0);
}

// Pieces a, b: log 0.3; ab: log 0.2; c is not covered (unk -10).
//   "abab": ab|ab = 0.04 > a|b|ab = ab|a|b = 0.018 > a|b|a|b = 0.0081  -> ab|ab
//   "aab":  a|ab = 0.06 > a|a|b = 0.027                                  -> a|ab
//   "abc":  ab|? = 0.2 e^-10 > a|b|? = 0.09 e^-10                        -> ab|?
TEST(UnigramTest, ViterbiHandWorked) {
  const UnigramModel model({{"a", std::log(0.3)}, {"b", std::log(0.3)}, {"ab", std::log(0.2)}},
                           -10);
  EXPECT_EQ(Encode(model, "abab"), (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(Show(model, Encode(model, "aab")), "a|ab");
  EXPECT_EQ(Encode(model, "abc"), (std::vector<int32_t>{2, -1}));
  EXPECT_EQ(Encode(model, "ccé"), (std::vector<int32_t>{-1, -1, -1}));  // one -1 per character
  EXPECT_TRUE(Encode(model, "").empty());
  // Invalid UTF-8: each bad byte is one unknown character; nothing crashes.
  EXPECT_EQ(Encode(model, std::string("a\xFF\xC3", 3)), (std::vector<int32_t>{0, -1, -1}));
  // With ab made unlikely (log 0.05 < log 0.09), a|b wins.
  const UnigramModel model2({{"a", std::log(0.3)}, {"b", std::log(0.3)}, {"ab", std::log(0.05)}},
                            -10);
  EXPECT_EQ(Show(model2, Encode(model2, "abab")), "a|b|a|b");
}

// All segmentations of `word` under `pieces` (unknown characters as in the model: a character
// with no single-character piece gets an unknown node), with their scores.
void Enumerate(const std::vector<UnigramPiece>& pieces, double unk, const std::string& word,
               size_t pos, std::vector<int32_t>* path, double score,
               const std::function<void(const std::vector<int32_t>&, double)>& emit) {
  if (pos == word.size()) {
    emit(*path, score);
    return;
  }
  const size_t char_len = unigram_internal::Utf8CharLength(word.data() + pos, word.size() - pos);
  bool single = false;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string& p = pieces[i].piece;
    if (word.compare(pos, p.size(), p) != 0) continue;
    single |= p.size() == char_len;
    path->push_back(static_cast<int32_t>(i));
    Enumerate(pieces, unk, word, pos + p.size(), path, score + pieces[i].log_prob, emit);
    path->pop_back();
  }
  if (!single) {
    path->push_back(-1);
    Enumerate(pieces, unk, word, pos + char_len, path, score + unk, emit);
    path->pop_back();
  }
}

double PathScore(const UnigramModel& model, const std::vector<int32_t>& ids, double unk) {
  double s = 0;
  for (const int32_t id : ids) s += id < 0 ? unk : model.pieces()[id].log_prob;
  return s;
}

TEST(UnigramTest, ViterbiMatchesBruteForceOnRandomVocabularies) {
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "b", "c", "\xED\x95\x9C", "\xC3\xA9"};
  for (int trial = 0; trial < 300; ++trial) {
    std::set<std::string> strings;
    const int num_pieces = 2 + rng() % 12;
    for (int i = 0; i < num_pieces; ++i) {
      std::string p;
      for (int len = 1 + rng() % 4; len > 0; --len) p += alphabet[rng() % alphabet.size()];
      strings.insert(p);
    }
    std::vector<UnigramPiece> pieces;
    std::uniform_real_distribution<double> score(-8, -0.1);
    for (const auto& s : strings) pieces.push_back({s, score(rng)});
    std::shuffle(pieces.begin(), pieces.end(), rng);
    const double unk = -12;
    const UnigramModel model(pieces, unk);
    for (int w = 0; w < 5; ++w) {
      std::string word;
      for (int len = rng() % 9; len > 0; --len) word += alphabet[rng() % alphabet.size()];
      double best = -INFINITY;
      int paths = 0;
      std::vector<int32_t> path;
      Enumerate(pieces, unk, word, 0, &path, 0, [&](const std::vector<int32_t>&, double s) {
        best = std::max(best, s);
        ++paths;
      });
      ASSERT_GE(paths, 1);
      const std::vector<int32_t> ids = Encode(model, word);
      // The returned path spells the word (unknowns as characters) and has the best score.
      std::string spelled;
      size_t pos = 0;
      for (const int32_t id : ids) {
        const size_t len =
            id >= 0 ? pieces[id].piece.size()
                    : unigram_internal::Utf8CharLength(word.data() + pos, word.size() - pos);
        spelled += word.substr(pos, len);
        if (id >= 0) {
          EXPECT_EQ(word.substr(pos, len), pieces[id].piece);
        }
        pos += len;
      }
      EXPECT_EQ(spelled, word);
      EXPECT_NEAR(PathScore(model, ids, unk), best, 1e-9) << "trial " << trial << " " << word;
    }
  }
}

// Sampling with temperature alpha draws a path with probability exp(alpha score) / Z. On the
// lattice of "abc" with pieces a, b, c, ab, bc, abc there are four paths; compare the sample
// frequencies of 40000 seeded draws with the exact probabilities.
TEST(UnigramTest, SampleEncodeMatchesExactPosterior) {
  const std::vector<UnigramPiece> pieces = {{"a", -1.0},  {"b", -1.5},  {"c", -0.7},
                                            {"ab", -2.0}, {"bc", -2.2}, {"abc", -3.5}};
  const UnigramModel model(pieces, -10);
  for (const double alpha : {1.0, 0.3}) {
    std::map<std::vector<int32_t>, double> exact;
    double z = 0;
    std::vector<int32_t> path;
    Enumerate(pieces, -10, "abc", 0, &path, 0, [&](const std::vector<int32_t>& p, double s) {
      exact[p] = std::exp(alpha * s);
      z += exact[p];
    });
    ASSERT_EQ(exact.size(), 4u);
    std::map<std::vector<int32_t>, int> counts;
    constexpr int kDraws = 40000;
    std::vector<int32_t> ids;
    for (int i = 0; i < kDraws; ++i) {
      model.SampleEncode("abc", alpha, /*seed=*/1000003ull * i + 17, &ids);
      ++counts[ids];
    }
    for (const auto& [p, weight] : exact) {
      const double expected = weight / z;
      const double observed = static_cast<double>(counts[p]) / kDraws;
      // The standard error is at most sqrt(0.25 / 40000) = 0.0025; allow four of them.
      EXPECT_NEAR(observed, expected, 0.01) << Show(model, p) << " alpha " << alpha;
      counts.erase(p);
    }
    EXPECT_TRUE(counts.empty()) << "a sampled path is not a segmentation";
  }
}

TEST(UnigramTest, SampleEncodeIsReproducibleFromTheSeed) {
  const UnigramModel model({{"a", -1.0}, {"b", -1.0}, {"ab", -1.5}, {"ba", -1.5}, {"aba", -2}},
                           -10);
  const std::string word = "abababababab";
  std::vector<int32_t> first, again;
  std::set<std::vector<int32_t>> distinct;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    model.SampleEncode(word, 1.0, seed, &first);
    model.SampleEncode(word, 1.0, seed, &again);
    EXPECT_EQ(first, again) << "seed " << seed;
    distinct.insert(first);
    std::string spelled;
    for (const int32_t id : first) spelled += model.pieces()[id].piece;
    EXPECT_EQ(spelled, word);
  }
  EXPECT_GT(distinct.size(), 10u);
  // A large alpha concentrates the samples on the best paths.
  model.SampleEncode(word, 200.0, 5, &first);
  EXPECT_NEAR(PathScore(model, first, -10), PathScore(model, Encode(model, word), -10), 1e-12);
  model.SampleEncode("", 1.0, 5, &first);
  EXPECT_TRUE(first.empty());
}

// PieceTrie::ForEachPrefix against brute force, with pieces and texts that mix 1-, 2-, 3- and
// 4-byte characters, pieces that end inside a character (a hand-made model), overlong and
// truncated sequences: the first-character table must give exactly the byte walk's answers.
TEST(UnigramTest, PieceTrieFindsEveryPrefix) {
  const std::vector<std::string> alphabet = {"a",
                                             "b",
                                             "\xC3\xA9",
                                             "\xED\x95\x9C",
                                             "\xED\x95\x9D",
                                             "\xE2\x96\x81",
                                             "\xF0\x9F\x98\x80",
                                             "\xED",
                                             "\xED\x95",
                                             "\xC1\x81",
                                             "\xE0\x81\x81",
                                             "\x80"};
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<std::string> pieces;
    for (int k = 0, m = 1 + rng() % 30; k < m; ++k) {
      std::string piece;
      for (int len = 1 + rng() % 3; len > 0; --len) {
        // Pieces from the first 7 (whole characters) unless the trial allows partial ones.
        piece += alphabet[rng() % (trial % 3 == 0 ? alphabet.size() : 7)];
      }
      pieces.push_back(piece);
    }
    const std::vector<std::string_view> views(pieces.begin(), pieces.end());
    const PieceTrie trie(views);
    for (int t = 0; t < 30; ++t) {
      std::string text;
      for (int len = 1 + rng() % 5; len > 0; --len) text += alphabet[rng() % alphabet.size()];
      if (rng() % 4 == 0) text.pop_back();  // maybe a truncated character
      std::vector<std::pair<std::string, size_t>> got, want;
      trie.ForEachPrefix(text.data(), text.size(),
                         [&](int id, size_t len) { got.emplace_back(pieces[id], len); });
      for (size_t len = 1; len <= text.size(); ++len) {
        for (const std::string& p : pieces) {
          if (p == text.substr(0, len)) {
            want.emplace_back(p, len);
            break;
          }
        }
      }
      EXPECT_EQ(got, want) << "trial " << trial << " text " << testing::PrintToString(text);
    }
  }
}

// Code points of a valid UTF-8 string.
std::vector<uint32_t> CodePoints(const std::string& s, std::vector<size_t>* starts) {
  std::vector<uint32_t> out;
  for (size_t pos = 0; pos < s.size();) {
    const int len = unigram_internal::Utf8CharLength(s.data() + pos, s.size() - pos);
    uint32_t c = static_cast<unsigned char>(s[pos]) & (len == 1 ? 0x7F : 0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) c = c << 6 | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
    out.push_back(c);
    starts->push_back(pos);
    pos += len;
  }
  starts->push_back(s.size());
  return out;
}

// The seed's suffix-array walk against brute force. Every substring of 2..max characters
// (obeying the script rule and avoiding the uncovered 'z') has a frequency (count x
// occurrences, summed over the words) and a set of following characters (the end of a word
// counting as one). The candidates must be exactly the substrings with two or more followers,
// or with word_ends those followed by the end of a word, with their frequencies. With line-end
// counts, the end of a word is two followers, as in SentencePiece's sentences: U+2581 (an
// occurrence in mid-line) and the end of the line.
TEST(UnigramTest, SeedCandidatesMatchBruteForce) {
  const std::vector<std::string> alphabet = {"a", "b", "\xED\x95\x9C", "\xED\x95\x9D",
                                             "1", "z", "\xE2\x96\x81"};
  std::mt19937 rng(11);
  for (int trial = 0; trial < 120; ++trial) {
    std::vector<std::string> word_storage;
    std::vector<int64_t> counts;
    for (int w = 0, words = 1 + rng() % 12; w < words; ++w) {
      std::string word;
      for (int len = 1 + rng() % 7; len > 0; --len) word += alphabet[rng() % alphabet.size()];
      word_storage.push_back(word);
      counts.push_back(1 + rng() % 5);
    }
    const std::vector<std::string_view> words(word_storage.begin(), word_storage.end());
    const int max_chars = 2 + trial % 4;
    const bool split = trial % 2 == 0;
    const bool word_ends = trial % 4 < 2;
    const bool with_line_ends = trial % 3 == 0;
    std::vector<int64_t> line_ends;
    for (const int64_t c : counts) line_ends.push_back(static_cast<int64_t>(rng() % (c + 1)));
    const auto found = unigram_internal::FindSeedCandidates(
        words, counts, max_chars, split, {'z'}, word_ends, with_line_ends ? &line_ends : nullptr);
    ASSERT_TRUE(found.ok()) << found.status();

    std::map<std::string, int64_t> brute;
    std::map<std::string, std::set<uint32_t>> followers;  // 0: the end of the word
    for (size_t w = 0; w < words.size(); ++w) {
      std::vector<size_t> starts;
      const std::vector<uint32_t> cps = CodePoints(word_storage[w], &starts);
      for (size_t i = 0; i < cps.size(); ++i) {
        int script = unigram_internal::kScriptAny;
        for (size_t j = i; j < cps.size() && static_cast<int>(j - i) < max_chars; ++j) {
          if (cps[j] == 'z') break;
          if (split && !(cps[j] == 0x2581 && j == i)) {
            if (cps[j] == 0x2581) break;
            const int sc = unigram_internal::ScriptClass(cps[j]);
            if (script != unigram_internal::kScriptAny && sc != script) break;
            script = sc;
          }
          if (j > i) {
            const std::string sub = word_storage[w].substr(starts[i], starts[j + 1] - starts[i]);
            brute[sub] += counts[w];
            if (j + 1 < cps.size()) {
              followers[sub].insert(cps[j + 1]);
            } else if (!with_line_ends) {
              followers[sub].insert(0);
            } else {
              if (line_ends[w] < counts[w]) followers[sub].insert(0x110000);  // mid-line
              if (line_ends[w] > 0) followers[sub].insert(0x110001);          // end of line
            }
          }
        }
      }
    }
    std::map<std::string, int64_t> got;
    for (const auto& c : found->candidates) {
      const std::string piece(found->piece(c));
      EXPECT_TRUE(got.emplace(piece, c.freq).second) << "duplicate candidate " << piece;
      ASSERT_TRUE(brute.count(piece)) << "not a valid substring: " << piece;
      EXPECT_EQ(c.freq, brute[piece]) << piece;
    }
    std::map<std::string, int64_t> branching;
    for (const auto& [sub, freq] : brute) {
      if (followers[sub].size() >= 2 || (word_ends && !with_line_ends && followers[sub].count(0))) {
        branching[sub] = freq;
      }
    }
    EXPECT_EQ(got, branching) << "trial " << trial;
  }
}

// The EM by hand on the corpus {"ab": 3} with vocab_size 3 and one EM iteration per round.
// Seed: a (3 occurrences), b (3), ab (frequency 3 x length 2 = 6): log probs log(3/12),
// log(3/12), log(6/12). No pruning (3 pieces <= 3.3).
// EM 1, E-step: paths a|b (1/16) and ab (1/2): Z = 9/16, so E[ab] = 3 * 8/9 = 8/3 and
//   E[a] = E[b] = 3 * 1/9 = 1/3, raised to the floor 0.5 (required characters are kept).
//   M-step: sum = 11/3; log p(ab) = psi(8/3) - psi(11/3) = -1/(8/3) = -0.375,
//   log p(a) = psi(0.5) - psi(11/3) = -3.1202756.
// Final EM (after keeping the best 3): p(a)p(b) = e^-6.2405512 = 0.0019502, p(ab) = e^-0.375
//   = 0.6872893: E[ab] = 3 * 0.6872893 / 0.6892395 = 2.9915177, E[a] = E[b] = 0.0084823 -> 0.5;
//   sum = 3.9915177: log p(ab) = psi(2.9915177) - psi(3.9915177) = -1/2.9915177 = -0.3342785,
//   log p(a) = psi(0.5) - psi(3.9915177) = -3.2172173.
TEST(UnigramTest, TrainHandWorkedEm) {
  UnigramTrainOptions options;
  options.vocab_size = 3;
  options.em_iterations = 1;
  const auto pieces = TrainUnigram({{"ab", 3}}, options);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  ASSERT_EQ(pieces->size(), 3u);
  EXPECT_EQ((*pieces)[0].piece, "ab");
  EXPECT_EQ((*pieces)[1].piece, "a");
  EXPECT_EQ((*pieces)[2].piece, "b");
  EXPECT_NEAR((*pieces)[0].log_prob, -0.3342785, 1e-6);
  EXPECT_NEAR((*pieces)[1].log_prob, -3.2172173, 1e-6);
  EXPECT_NEAR((*pieces)[2].log_prob, -3.2172173, 1e-6);
}

// Pruning: {"xy": 100, "zw": 1} has 4 characters; with vocab_size 5 only one of the seed
// pieces xy (score 200) and zw (score 2) can stay. Dropping xy would split 100 words, dropping
// zw one, so zw goes.
TEST(UnigramTest, PruningKeepsThePieceThatCostsMostToRemove) {
  UnigramTrainOptions options;
  options.vocab_size = 5;
  const auto pieces = TrainUnigram({{"zw", 1}, {"xy", 100}}, options);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  std::set<std::string> got;
  for (const auto& p : *pieces) got.insert(p.piece);
  EXPECT_EQ(got, (std::set<std::string>{"x", "y", "z", "w", "xy"}));
  const UnigramModel model(*pieces, -20);
  EXPECT_EQ(Show(model, Encode(model, "xyzw")), "xy|z|w");
}

// A corpus of Zipf-distributed words made of syllables, so that good pieces exist.
WordCounts SyntheticCorpus(int num_words, const std::vector<std::string>& syllables,
                           uint32_t seed) {
  std::mt19937 rng(seed);
  WordCounts words;
  std::set<std::string> seen;
  for (int i = 0; static_cast<int>(words.size()) < num_words; ++i) {
    std::string w = "\xE2\x96\x81";  // U+2581, as the subword tokenizer adds it
    for (int len = 1 + rng() % 4; len > 0; --len) w += syllables[rng() % syllables.size()];
    if (!seen.insert(w).second) continue;
    words.emplace_back(w, 1 + 5000 / (1 + static_cast<int64_t>(words.size())));
  }
  return words;
}

void ExpectRoundTrip(const UnigramModel& model, const WordCounts& words) {
  for (const auto& [w, count] : words) {
    std::string spelled;
    for (const int32_t id : Encode(model, w)) {
      ASSERT_GE(id, 0) << w;
      spelled += model.pieces()[id].piece;
    }
    EXPECT_EQ(spelled, w);
  }
}

TEST(UnigramTest, DeterministicAcrossThreadCounts) {
  const WordCounts words =
      SyntheticCorpus(3000, {"ka", "ri", "to", "mu", "sen", "ba", "lo", "qui", "d", "e"}, 3);
  UnigramTrainOptions options;
  options.vocab_size = 150;
  options.threads = 1;
  const auto one = TrainUnigram(words, options);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->size(), 150u);
  for (const int threads : {2, 3}) {
    options.threads = threads;
    const auto many = TrainUnigram(words, options);
    ASSERT_TRUE(many.ok()) << many.status();
    ASSERT_EQ(many->size(), one->size());
    for (size_t i = 0; i < one->size(); ++i) {
      EXPECT_EQ((*many)[i].piece, (*one)[i].piece);
      // Bit-identical, not just close.
      EXPECT_EQ(std::memcmp(&(*many)[i].log_prob, &(*one)[i].log_prob, sizeof(double)), 0)
          << (*one)[i].piece << " threads " << threads;
    }
  }
  // Sorted by log_prob, every character present, and the most frequent word is one piece.
  for (size_t i = 1; i < one->size(); ++i) {
    EXPECT_GE((*one)[i - 1].log_prob, (*one)[i].log_prob);
  }
  const auto by_piece = ByPiece(*one);
  for (const char* c : {"k", "a", "r", "i", "q", "u", "d", "e", "\xE2\x96\x81"}) {
    EXPECT_TRUE(by_piece.count(c)) << c;
  }
  const UnigramModel model(*one, -20);
  EXPECT_EQ(Encode(model, words[0].first).size(), 1u) << words[0].first;
  ExpectRoundTrip(model, words);
}

TEST(UnigramTest, KoreanWords) {
  // Hangul syllables (3 bytes each in UTF-8): pieces never split a syllable.
  const WordCounts words = SyntheticCorpus(
      2000, {"한", "국", "어", "위", "키", "백", "과", "는", "이", "다", "의", "에서"}, 5);
  UnigramTrainOptions options;
  options.vocab_size = 100;
  const auto pieces = TrainUnigram(words, options);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  EXPECT_EQ(pieces->size(), 100u);
  for (const auto& p : *pieces) {
    for (size_t pos = 0; pos < p.piece.size();) {
      const int len = unigram_internal::Utf8CharLength(p.piece.data() + pos, p.piece.size() - pos);
      ASSERT_GT(len, 0) << "piece splits a character: " << p.piece;
      pos += len;
    }
  }
  const auto by_piece = ByPiece(*pieces);
  for (const char* c : {"한", "국", "어", "에", "서"}) EXPECT_TRUE(by_piece.count(c)) << c;
  const UnigramModel model(*pieces, -20);
  ExpectRoundTrip(model, words);
  EXPECT_EQ(Encode(model, words[0].first).size(), 1u) << words[0].first;
  // A syllable the model never saw is one unknown (-1), not three bytes.
  EXPECT_EQ(Encode(model, "한글").back(), -1);
  EXPECT_EQ(Encode(model, "글").size(), 1u);
}

TEST(UnigramTest, ScriptClasses) {
  using unigram_internal::kScriptAny;
  using unigram_internal::kScriptCommon;
  using unigram_internal::ScriptClass;
  EXPECT_EQ(ScriptClass('a'), ScriptClass(0xE9));       // Latin: a, é
  EXPECT_EQ(ScriptClass(0xAC00), ScriptClass(0x3131));  // Hangul syllable, compatibility jamo
  EXPECT_EQ(ScriptClass(0x4E00), ScriptClass(0x3042));  // Han and hiragana, as SentencePiece
  EXPECT_NE(ScriptClass('a'), ScriptClass(0xAC00));
  EXPECT_NE(ScriptClass('a'), ScriptClass(0x0430));     // Cyrillic a
  EXPECT_NE(ScriptClass(0x05D0), ScriptClass(0x0905));  // Hebrew, Devanagari
  EXPECT_EQ(ScriptClass('7'), kScriptCommon);
  EXPECT_EQ(ScriptClass(0x0661), kScriptCommon);  // Arabic-Indic digit one
  EXPECT_EQ(ScriptClass('-'), kScriptCommon);
  EXPECT_EQ(ScriptClass(0x0301), kScriptAny);  // combining acute accent
}

// "▁2015년" is frequent; with split_by_script (the default, as SentencePiece) no piece mixes
// digits with Hangul, or Hangul with Latin; without it the whole word becomes one piece.
TEST(UnigramTest, SplitByScript) {
  const WordCounts words = {{"\xE2\x96\x81"
                             "2015년",
                             50},
                            {"\xE2\x96\x81"
                             "2016년",
                             40},
                            {"\xE2\x96\x81"
                             "tv조선",
                             30},
                            {"\xE2\x96\x81"
                             "년도",
                             5}};
  UnigramTrainOptions options;
  options.vocab_size = 20;
  const auto split = TrainUnigram(words, options);
  ASSERT_TRUE(split.ok()) << split.status();
  for (const auto& p : *split) {
    std::string rest = p.piece.rfind("\xE2\x96\x81", 0) == 0 ? p.piece.substr(3) : p.piece;
    const bool has_digit = rest.find_first_of("0123456789") != std::string::npos;
    const bool has_latin = rest.find_first_of("tv") != std::string::npos;
    const bool has_hangul =
        rest.find('\xEB') != std::string::npos || rest.find('\xEC') != std::string::npos;
    EXPECT_LE(has_digit + has_latin + has_hangul, 1) << p.piece;
    EXPECT_EQ(rest.find("\xE2\x96\x81"), std::string::npos) << p.piece;
  }
  options.split_by_script = false;
  const auto whole = TrainUnigram(words, options);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_TRUE(
      ByPiece(*whole).count("\xE2\x96\x81"
                            "2015년"));
}

// U+2581 and `word`.
std::string Marked(const std::string& word) { return "\xE2\x96\x81" + word; }

// ▁ab (followed by the end of a word and by "x"), ▁cd (followed by the end of its word only).
WordCounts AbCdCorpus() { return {{Marked("ab"), 100}, {Marked("cd"), 100}, {Marked("abx"), 1}}; }

// The seed, as SentencePiece: "▁ab" is a branching substring, seeded and, being frequent, kept;
// "▁cd" (as frequent) is always followed by the end of its word, so only seed_word_ends (the
// default) seeds it.
TEST(UnigramTest, SeedBranchingSubstringsAndWordEnds) {
  UnigramTrainOptions options;
  options.vocab_size = 12;
  options.seed_word_ends = false;
  const auto branching = TrainUnigram(AbCdCorpus(), options);
  ASSERT_TRUE(branching.ok()) << branching.status();
  const auto pieces = ByPiece(*branching);
  EXPECT_TRUE(pieces.count(Marked("ab")));
  EXPECT_FALSE(pieces.count(Marked("cd")));
  EXPECT_FALSE(pieces.count("cd"));
  EXPECT_FALSE(pieces.count(Marked("abx")));
  options.seed_word_ends = true;
  const auto ends = TrainUnigram(AbCdCorpus(), options);
  ASSERT_TRUE(ends.ok()) << ends.status();
  EXPECT_TRUE(ByPiece(*ends).count(Marked("ab")));
  EXPECT_TRUE(ByPiece(*ends).count(Marked("cd")));
}

// With line-end counts, as SentencePiece over sentences: "▁cd" is seeded whole when some of its
// occurrences end a line and some do not, not when none or all do; "▁ab" also starts "▁abx".
TEST(UnigramTest, SeedWordEndsFromLineEnds) {
  const WordCounts words = AbCdCorpus();
  UnigramTrainOptions options;
  options.vocab_size = 12;
  for (const int64_t cd_ends : {0, 3, 100}) {
    const std::vector<int64_t> line_ends = {0, cd_ends, 0};
    const auto pieces = TrainUnigram(words, options, &line_ends);
    ASSERT_TRUE(pieces.ok()) << pieces.status();
    EXPECT_TRUE(ByPiece(*pieces).count(Marked("ab"))) << cd_ends;
    EXPECT_EQ(ByPiece(*pieces).count(Marked("cd")), cd_ends == 3 ? 1u : 0u) << cd_ends;
  }
  const std::vector<int64_t> too_many = {0, 101, 0};
  const auto bad = TrainUnigram(words, options, &too_many);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("word 1"), std::string::npos) << bad.status();
  const std::vector<int64_t> short_list = {0, 1};
  EXPECT_EQ(TrainUnigram(words, options, &short_list).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnigramTest, CharacterCoverageLeavesRareCharactersUnknown) {
  // 'q' is 1 of 1001 characters: coverage 0.99 leaves it out of the model.
  UnigramTrainOptions options;
  options.vocab_size = 10;
  options.character_coverage = 0.99;
  const auto pieces = TrainUnigram({{"ab", 500}, {"q", 1}}, options);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  const auto by_piece = ByPiece(*pieces);
  EXPECT_TRUE(by_piece.count("a"));
  EXPECT_FALSE(by_piece.count("q"));
  const UnigramModel model(*pieces, -20);
  EXPECT_EQ(Encode(model, "q"), (std::vector<int32_t>{-1}));
}

TEST(UnigramTest, BadInput) {
  UnigramTrainOptions options;
  options.vocab_size = 10;
  auto r = TrainUnigram({{"ok", 1}, {"fine", 2}, {std::string("ab\xC3(", 4), 1}}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("word 2"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("invalid UTF-8 at byte 2"), std::string::npos) << r.status();

  r = TrainUnigram({}, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no words"), std::string::npos) << r.status();
  r = TrainUnigram({{"", 5}, {"abc", 0}}, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();

  r = TrainUnigram({{"abc", -1}}, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("word 0"), std::string::npos) << r.status();

  options.vocab_size = 3;
  r = TrainUnigram({{"abcd", 5}, {"한", 1}}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("vocab_size 3 is smaller than the alphabet: 5 characters"),
            std::string::npos)
      << r.status();

  options.vocab_size = 10;
  options.shrink_factor = 1.0;
  r = TrainUnigram({{"abcd", 5}}, options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("shrink_factor"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace wordmill
