// End-to-end tests of `wordmill vocab`, in one process and under mpirun.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "formats/wordmill.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"

namespace wordmill {
namespace {

using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::SharedDir;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;
using ::wordmill::testing::WriteZstdFile;

CorpusStats ReadStats(const std::string& path) {
  CorpusStats stats;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(ReadFile(path), &stats)) << path;
  return stats;
}

std::vector<std::pair<std::string, int64_t>> ReadTsv(const std::string& path) {
  std::vector<std::pair<std::string, int64_t>> rows;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, '\t');
    int64_t count = 0;
    EXPECT_EQ(parts.size(), 2u) << line;
    EXPECT_TRUE(absl::SimpleAtoi(parts[1], &count)) << line;
    rows.emplace_back(parts[0], count);
  }
  return rows;
}

// Brute force: every file read whole, in one thread, counted in a std::map.
struct Reference {
  std::map<std::string, int64_t> counts;
  int64_t tokens = 0;
  int64_t lines = 0;
  int64_t documents = 0;
};

Reference CountReference(const std::vector<std::string>& inputs, InputSpec input_spec = {}) {
  Reference ref;
  for (const std::string& in : inputs) input_spec.add_input(in);
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(input_spec);
  EXPECT_TRUE(files.ok()) << files.status();
  if (!files.ok()) return ref;
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList tokens;
  for (const InputFile& file : *files) {
    auto reader = OpenDocumentReader(file, WorkUnit{0, 0, file.size}, input_spec);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) continue;
    Paragraph p;
    absl::StatusOr<bool> more;
    int64_t file_tokens = 0;
    while ((more = (*reader)->Next(&p)).ok() && *more) {
      tokenizer.Tokenize(p.text, &tokens);
      file_tokens += static_cast<int64_t>(tokens.size());
      for (size_t i = 0; i < tokens.size(); ++i) ++ref.counts[std::string(tokens[i])];
    }
    EXPECT_TRUE(more.ok()) << more.status();
    ref.tokens += file_tokens;
    ref.lines += (*reader)->counters().lines;
    ref.documents += (*reader)->counters().documents;
  }
  return ref;
}

// The expected vocab.tsv rows for min_count.
std::vector<std::pair<std::string, int64_t>> ExpectedVocab(const Reference& ref,
                                                           int64_t min_count) {
  std::vector<std::pair<std::string, int64_t>> rows;
  for (const auto& [word, count] : ref.counts) {
    if (count >= min_count) rows.emplace_back(word, count);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return rows;
}

using ::wordmill::testing::Quote;

TEST(VocabCommandTest, SmallCorpusMatchesBruteForceForEveryRankAndThreadCount) {
  TempDir dir;
  std::filesystem::create_directory(dir.File("in"));
  // Plain files with blank lines, a zstd file, a WikiExtractor file and a JSONL file.
  std::string plain;
  for (int i = 0; i < 3000; ++i) {
    absl::StrAppend(&plain, "The quick brown fox ", i % 97, " jumps over the lazy dog ", i % 13,
                    ".\n", i % 7 == 0 ? "\n" : "");
  }
  WriteFile(dir.File("in/a.txt"), plain);
  WriteZstdFile(dir.File("in/b.txt.zst"), plain.substr(0, plain.size() / 2));
  WriteFile(dir.File("in/c.txt"),
            "<doc id=\"1\" url=\"u\" title=\"T\">\nTitle Words\n\nAlpha beta gamma.\n</doc>\n"
            "<doc id=\"2\" url=\"u\" title=\"U\">\nOther\nDelta, epsilon; alpha!\n</doc>\n");
  WriteFile(dir.File("in/d.jsonl"),
            "{\"text\": \"Alpha fox\"}\n{\"text\": \"beta \\u00e9t\\u00e9\"}\n");
  const Reference ref = CountReference({dir.File("in")});
  const auto expected = ExpectedVocab(ref, 2);
  ASSERT_GT(expected.size(), 100u);
  for (int ranks : {1, 2, 3}) {
    for (int threads : {1, 2}) {
      const std::string out = dir.File(absl::StrCat("out_", ranks, "_", threads));
      // Small units so plain files are split among ranks and threads.
      auto result =
          RunCommand(absl::StrCat(MpiWordmill(ranks), " vocab --min-count 2 --threads ", threads,
                                  " --split-bytes 4096 --output-dir ", Quote(out), " ",
                                  Quote(dir.File("in")), " --progress-seconds 0"));
      ASSERT_EQ(result.exit_code, 0) << result.output;
      EXPECT_EQ(ReadTsv(out + "/vocab.tsv"), expected) << "np=" << ranks << " threads=" << threads;
      const CorpusStats stats = ReadStats(out + "/stats.textproto");
      EXPECT_EQ(stats.tokens(), ref.tokens);
      EXPECT_EQ(stats.lines(), ref.lines);
      EXPECT_EQ(stats.documents(), ref.documents);
      EXPECT_EQ(stats.distinct_words(), static_cast<int64_t>(ref.counts.size()));
      EXPECT_EQ(stats.files(), 4);
      EXPECT_EQ(stats.ranks(), ranks);
      EXPECT_EQ(stats.rank_seconds_size(), ranks);
    }
  }
}

TEST(VocabCommandTest, EnwikiIdenticalAcrossRanksAndThreadsAndEqualsPerFileSum) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared (WORDMILL_SHARED) is absent";
  const std::string corpus = shared + "/corpora/enwiki";
  TempDir dir;
  std::string first;
  CorpusStats first_stats;
  for (int ranks : {1, 2, 3}) {
    for (int threads : {1, 2}) {
      const std::string out = dir.File(absl::StrCat("out_", ranks, "_", threads));
      auto result = RunCommand(absl::StrCat(MpiWordmill(ranks), " vocab --threads ", threads,
                                            " --output-dir ", out, " ", corpus));
      ASSERT_EQ(result.exit_code, 0) << result.output;
      const std::string tsv = ReadFile(out + "/vocab.tsv");
      const CorpusStats stats = ReadStats(out + "/stats.textproto");
      if (first.empty()) {
        first = tsv;
        first_stats = stats;
        ASSERT_GT(tsv.size(), 100000u);
      } else {
        EXPECT_TRUE(tsv == first) << "vocab.tsv differs at np=" << ranks << " threads=" << threads;
        EXPECT_EQ(stats.tokens(), first_stats.tokens());
        EXPECT_EQ(stats.lines(), first_stats.lines());
        EXPECT_EQ(stats.documents(), first_stats.documents());
        EXPECT_EQ(stats.distinct_words(), first_stats.distinct_words());
      }
    }
  }
  // The other ways to the same vocabulary at np = 3: the exchange in several rounds (1 MiB per
  // round and rank, of about 1.8 MB to send), the separate owner table that a memory budget
  // selects (4 GiB: nothing is pruned), and max_size cutting each owner's part and the merge.
  const std::string lines_1000 = first.substr(0, [&] {
    size_t pos = 0;
    for (int i = 0; i < 1000; ++i) pos = first.find('\n', pos) + 1;
    return pos;
  }());
  for (const auto& [flags, expected] :
       std::vector<std::pair<std::string, std::string>>{{"--exchange-batch-mb 1", first},
                                                        {"--vocab-memory-mb 4096", first},
                                                        {"--max-size 1000", lines_1000}}) {
    const std::string out = dir.File(absl::StrCat("out_", std::hash<std::string>()(flags)));
    auto result = RunCommand(absl::StrCat(MpiWordmill(3), " vocab --threads 1 ", flags,
                                          " --output-dir ", out, " ", corpus));
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(ReadFile(out + "/vocab.tsv") == expected) << "vocab.tsv differs with " << flags;
    const CorpusStats stats = ReadStats(out + "/stats.textproto");
    EXPECT_EQ(stats.distinct_words(), first_stats.distinct_words()) << flags;
    EXPECT_EQ(stats.pruned_entries(), 0) << flags;
  }
  // The token total equals the sum over the files tokenized one by one, and the counts equal
  // the brute-force reference.
  const Reference ref = CountReference({corpus});
  EXPECT_EQ(first_stats.tokens(), ref.tokens);
  EXPECT_EQ(first_stats.documents(), ref.documents);
  EXPECT_EQ(first_stats.files(), 64);
  EXPECT_GT(ref.tokens, 9000000);
  EXPECT_EQ(ReadTsv(dir.File("out_1_1/vocab.tsv")), ExpectedVocab(ref, 5));
}

TEST(VocabCommandTest, TinyMemoryBudgetPrunesButKeepsTheFrequentWords) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared (WORDMILL_SHARED) is absent";
  const std::string corpus = shared + "/corpora/enwiki";
  TempDir dir;
  auto full = RunCommand(absl::StrCat(WordmillBin(), " vocab --threads 2 --output-dir ",
                                      dir.File("full"), " ", corpus));
  ASSERT_EQ(full.exit_code, 0) << full.output;
  auto tiny = RunCommand(absl::StrCat(MpiWordmill(2), " vocab --threads 2 --vocab-memory-mb 4",
                                      " --output-dir ", dir.File("tiny"), " ", corpus));
  ASSERT_EQ(tiny.exit_code, 0) << tiny.output;
  EXPECT_NE(tiny.output.find("pruned"), std::string::npos) << tiny.output;
  const CorpusStats stats = ReadStats(dir.File("tiny/stats.textproto"));
  EXPECT_GT(stats.pruned_entries(), 0);
  EXPECT_GT(stats.pruned_tokens(), 0);
  EXPECT_TRUE(stats.distinct_words_estimated());
  const CorpusStats full_stats = ReadStats(dir.File("full/stats.textproto"));
  EXPECT_LT(stats.distinct_words(), full_stats.distinct_words());
  // The sketch's estimate of distinct words before pruning is within 3% of the exact figure.
  EXPECT_NEAR(stats.distinct_words_before_pruning(), full_stats.distinct_words(),
              0.03 * full_stats.distinct_words());
  EXPECT_EQ(stats.tokens(), full_stats.tokens());
  auto top = [](std::vector<std::pair<std::string, int64_t>> rows) {
    std::set<std::string> words;
    for (size_t i = 0; i < 1000 && i < rows.size(); ++i) words.insert(rows[i].first);
    return words;
  };
  EXPECT_EQ(top(ReadTsv(dir.File("tiny/vocab.tsv"))), top(ReadTsv(dir.File("full/vocab.tsv"))));
}

TEST(VocabCommandTest, BadInputsExitTwoNamingTheFile) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&text, "word", i % 500, " other words here\n");
  WriteZstdFile(dir.File("good.zst"), text);
  const std::string compressed = ReadFile(dir.File("good.zst"));
  WriteFile(dir.File("truncated.zst"), compressed.substr(0, compressed.size() / 2));
  std::string flipped = compressed;
  flipped[flipped.size() / 2] ^= 0x5a;
  WriteFile(dir.File("flipped.zst"), flipped);
  WriteFile(dir.File("bad.jsonl"), "{\"text\": \"fine\"}\nthis is not json\n");
  // Damage in the first block, which sniffing the format already decompresses; the name sorts
  // after good.zst, so at np = 2 rank 1 resolves it (ranks share the files' resolution).
  std::string bad_head = compressed;
  for (size_t i = 6; i < 40; ++i) bad_head[i] ^= 0x5a;
  WriteFile(dir.File("zbadhead.zst"), bad_head);
  for (const char* name : {"truncated.zst", "flipped.zst", "bad.jsonl", "zbadhead.zst"}) {
    for (int ranks : {1, 2}) {
      auto result =
          RunCommand(absl::StrCat(MpiWordmill(ranks), " vocab --output-dir ", dir.File("out"), " ",
                                  dir.File("good.zst"), " ", dir.File(name)));
      EXPECT_EQ(result.exit_code, 2) << name << "\n" << result.output;
      EXPECT_NE(result.output.find(dir.File(name)), std::string::npos) << result.output;
    }
  }
  // A record file with one flipped byte: `wordmill inspect` and readers refuse it.
  auto ok = RunCommand(absl::StrCat(WordmillBin(), " vocab --min-count 1 --output-dir ",
                                    dir.File("rec"), " ", dir.File("good.zst")));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const std::string record_path = dir.File("rec/vocab.wmrec");
  EXPECT_EQ(RunCommand(WordmillBin() + " inspect " + record_path).exit_code, 0);
  std::string record = ReadFile(record_path);
  record[record.size() - 20] ^= 0x01;
  WriteFile(record_path, record);
  auto corrupt = RunCommand(WordmillBin() + " inspect " + record_path);
  EXPECT_EQ(corrupt.exit_code, 2) << corrupt.output;
  EXPECT_NE(corrupt.output.find(record_path), std::string::npos) << corrupt.output;
  // Missing inputs and an output directory that is a file.
  auto missing = RunCommand(absl::StrCat(WordmillBin(), " vocab --output-dir ", dir.File("o2"), " ",
                                         dir.File("nope*.txt")));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("nope"), std::string::npos) << missing.output;
  auto not_dir = RunCommand(absl::StrCat(MpiWordmill(2), " vocab --output-dir ",
                                         dir.File("good.zst"), " ", dir.File("good.zst")));
  EXPECT_EQ(not_dir.exit_code, 2) << not_dir.output;
}

TEST(VocabCommandTest, EmptyAndBlankInputsGiveAnEmptyVocabulary) {
  TempDir dir;
  std::filesystem::create_directory(dir.File("in"));
  WriteFile(dir.File("in/empty.txt"), "");
  WriteFile(dir.File("in/blank.txt"), "\n\n   \n\t\n");
  WriteZstdFile(dir.File("in/empty.zst"), "");
  auto result = RunCommand(
      absl::StrCat(MpiWordmill(2), " vocab --output-dir ", dir.File("out"), " ", dir.File("in")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ReadFile(dir.File("out/vocab.tsv")), "");
  const CorpusStats stats = ReadStats(dir.File("out/stats.textproto"));
  EXPECT_EQ(stats.tokens(), 0);
  EXPECT_EQ(stats.files(), 3);
}

TEST(VocabCommandTest, UsageErrorsExitTwo) {
  for (const char* args : {"vocab", "vocab --output-dir /tmp/x", "vocab --bogus 1 x",
                           "vocab --min-count abc --output-dir /tmp/x x",
                           "vocab --normalization nfd --output-dir /tmp/x x",
                           "vocab --max-token-bytes 0 --output-dir /tmp/x x", "frobnicate"}) {
    auto result = RunCommand(WordmillBin() + " " + args);
    EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
  }
}

TEST(VocabCommandTest, ExportsMatchTheirToolsLayouts) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "b a b\nc b a\n\nb\n");
  auto result =
      RunCommand(absl::StrCat(WordmillBin(), " vocab --min-count 1 --export glove --export ",
                              "word2vec --output-dir ", dir.File("out"), " ", dir.File("a.txt")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ReadFile(dir.File("out/vocab.tsv")), "b\t4\na\t2\nc\t1\n");
  EXPECT_EQ(ReadFile(dir.File("out/vocab.glove.txt")), "b 4\na 2\nc 1\n");
  EXPECT_EQ(ReadFile(dir.File("out/vocab.word2vec.txt")), "</s> 4\nb 4\na 2\nc 1\n");
  EXPECT_NE(result.output.find("top 3 words: b 4, a 2, c 1"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace wordmill
