// End-to-end tests of `wordmill cooccur`: exact counts against a brute-force reference for
// np = 1..4, thread counts, tiny memory budgets (several spill and merge passes), dense-region
// sizes and the counting options; the GloVe export; clean failures.
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "formats/id_shard.h"
#include "formats/record_file.h"
#include "formats/vocab_file.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/cooccur_record.h"
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

using Counts = std::map<uint64_t, double>;  // RecordKey -> x

using ::wordmill::testing::Quote;

// Zipf-like random text: documents of paragraphs, in `files` zstd files (each a whole unit).
void WriteCorpus(const std::string& dir, int files, int tokens_per_file) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int f = 0; f < files; ++f) {
    std::string text;
    for (int t = 0; t < tokens_per_file; ++t) {
      const int word = static_cast<int>(std::pow(3000.0, u(rng)));  // ~ 1/rank frequencies
      absl::StrAppend(&text, "w", word);
      const double r = u(rng);
      absl::StrAppend(&text, r < 0.01 ? "\n\n" : r < 0.06 ? "\n" : " ");
    }
    WriteZstdFile(absl::StrFormat("%s/part-%02d.txt.zst", dir, f), text + "\n");
  }
}

struct CountOptions {
  int window = 10;
  bool symmetric = true;
  bool weighting = true;
};

void AddPairs(const std::vector<int32_t>& history_and_token, const CountOptions& o,
              Counts* counts) {
  const int32_t w = history_and_token.back();
  const int n = static_cast<int>(history_and_token.size()) - 1;
  for (int k = 1; k <= std::min(o.window, n); ++k) {
    const int32_t c = history_and_token[n - k];
    const double x = o.weighting ? 1.0 / k : 1.0;
    (*counts)[RecordKey({w, c, 0})] += x;
    if (o.symmetric) (*counts)[RecordKey({c, w, 0})] += x;
  }
}

// Brute force from the text: every file whole, documents as boundaries, OOV words dropped.
Counts ReferenceFromText(const std::string& input_dir, const std::string& vocab_tsv,
                         const CountOptions& o) {
  absl::StatusOr<Vocabulary> vocab = ReadVocabTsv(vocab_tsv);
  EXPECT_TRUE(vocab.ok()) << vocab.status();
  absl::flat_hash_map<std::string, int32_t> ids;
  for (size_t i = 0; i < vocab->size(); ++i) ids[(*vocab)[i].word] = static_cast<int32_t>(i);
  InputSpec input;
  input.add_input(input_dir);
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(input);
  EXPECT_TRUE(files.ok()) << files.status();
  WordTokenizer tokenizer{TokenizerSpec()};
  TokenList tokens;
  Counts counts;
  for (const InputFile& file : *files) {
    auto reader = OpenDocumentReader(file, WorkUnit{0, 0, file.size}, input);
    EXPECT_TRUE(reader.ok()) << reader.status();
    Paragraph p;
    std::vector<int32_t> history;
    while (*(*reader)->Next(&p)) {
      if (p.starts_document) history.clear();
      tokenizer.Tokenize(p.text, &tokens);
      for (size_t t = 0; t < tokens.size(); ++t) {
        auto it = ids.find(std::string(tokens[t]));
        if (it == ids.end()) continue;
        history.push_back(it->second);
        AddPairs(history, o, &counts);
      }
    }
  }
  return counts;
}

// Reads every shard; checks order, row ownership and headers.
Counts ReadShards(const std::string& dir, int ranks, const std::string& vocab_tsv) {
  const std::string checksum =
      absl::StrFormat("%016x", VocabularyChecksum(*ReadVocabTsv(vocab_tsv)));
  Counts counts;
  std::map<int32_t, int> row_owner;
  for (int r = 0; r < ranks; ++r) {
    const std::string path = CooccurShardPath(dir, r, ranks);
    auto reader = RecordReader::Open(path);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) continue;
    EXPECT_EQ((*reader)->header().record_type(), kCooccurRecordType);
    EXPECT_EQ((*reader)->header().metadata().at("vocab_checksum"), checksum);
    absl::string_view bytes;
    uint64_t previous = 0;
    bool first = true;
    while (*(*reader)->Next(&bytes)) {
      const CooccurRecord rec = RecordFromBytes(bytes);
      EXPECT_TRUE(first || RecordKey(rec) > previous) << path << ": not sorted";
      first = false;
      previous = RecordKey(rec);
      auto [it, inserted] = row_owner.emplace(rec.i, r);
      EXPECT_EQ(it->second, r) << "row " << rec.i << " in two shards";
      counts[RecordKey(rec)] = rec.x;
    }
  }
  return counts;
}

void ExpectSameCounts(const Counts& actual, const Counts& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int reported = 0;
  for (const auto& [key, x] : expected) {
    auto it = actual.find(key);
    ASSERT_TRUE(it != actual.end())
        << what << ": missing pair " << (key >> 32) << "," << (key & 0xffffffff);
    if (std::abs(it->second - x) > 1e-9 * std::max(1.0, x) && reported++ < 5) {
      ADD_FAILURE() << what << ": pair " << (key >> 32) << "," << (key & 0xffffffff) << " has "
                    << it->second << ", expected " << x;
    }
  }
}

int64_t NumberBefore(const std::string& output, const std::string& label) {
  const size_t at = output.find(label);
  if (at == std::string::npos) return -1;
  const size_t start = output.rfind(' ', at - 2);
  int64_t value = -1;
  absl::SimpleAtoi(output.substr(start + 1, at - start - 2), &value);
  return value;
}

class CooccurCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteCorpus(dir_.File("in"), 5, 6000);
    auto result = RunCommand(absl::StrCat(WordmillBin(), " vocab --min-count 2 --output-dir ",
                                          Quote(dir_.File("v")), " ", Quote(dir_.File("in")),
                                          " --progress-seconds 0"));
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  std::string Vocab() const { return dir_.File("v/vocab.tsv"); }
  testing::CommandResult Cooccur(int ranks, const std::string& out, const std::string& flags) {
    return RunCommand(absl::StrCat(MpiWordmill(ranks), " cooccur --vocab ", Quote(Vocab()),
                                   " --output-dir ", Quote(out), " ", Quote(dir_.File("in")),
                                   " --progress-seconds 0 ", flags));
  }
  TempDir dir_;
};

TEST_F(CooccurCommandTest, ExactForEveryRankCountThreadCountAndBudget) {
  const Counts expected = ReferenceFromText(dir_.File("in"), Vocab(), CountOptions());
  ASSERT_GT(expected.size(), 50000u);
  struct Case {
    int ranks, threads, memory_mb, max_open_files, dense_words;
  };
  for (const Case& c : {Case{1, 1, 1, 3, 0}, Case{2, 2, 1, 3, 40}, Case{3, 1, 1, 4, -1},
                        Case{4, 2, 1, 3, 0}, Case{2, 1, 256, 64, 0}}) {
    const std::string what =
        absl::StrCat("np=", c.ranks, " threads=", c.threads, " memory=", c.memory_mb,
                     " max-open=", c.max_open_files, " dense=", c.dense_words);
    const std::string out = dir_.File(absl::StrCat("out", c.ranks, c.threads, c.memory_mb));
    auto result = Cooccur(
        c.ranks, out,
        absl::StrCat("--threads ", c.threads, " --memory-mb ", c.memory_mb, " --max-open-files ",
                     c.max_open_files, " --dense-words ", c.dense_words));
    ASSERT_EQ(result.exit_code, 0) << what << "\n" << result.output;
    ExpectSameCounts(ReadShards(out, c.ranks, Vocab()), expected, what);
    if (c.memory_mb == 1) {
      EXPECT_GT(NumberBefore(result.output, "intermediate merges"), 0) << what << result.output;
    }
    EXPECT_FALSE(std::filesystem::exists(out + "/cooccur-tmp-0")) << what;
  }
}

// --scratch-dir moves the spilled runs out of the output directory (e.g. to a node-local disk):
// the counts stay exact, the per-rank directories are removed afterwards, and a scratch
// directory that cannot be created is an error naming it.
TEST_F(CooccurCommandTest, ScratchDirHoldsTheRunsAndIsCleanedUp) {
  const Counts expected = ReferenceFromText(dir_.File("in"), Vocab(), CountOptions());
  const std::string out = dir_.File("scratch-out"), scratch = dir_.File("scratch");
  std::filesystem::create_directories(scratch);
  auto result = Cooccur(
      2, out,
      absl::StrCat("--threads 1 --memory-mb 1 --max-open-files 3 --scratch-dir ", Quote(scratch)));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ExpectSameCounts(ReadShards(out, 2, Vocab()), expected, "scratch");
  EXPECT_GT(NumberBefore(result.output, "intermediate merges"), 0) << result.output;
  EXPECT_TRUE(std::filesystem::is_empty(scratch));
  for (const auto& entry : std::filesystem::directory_iterator(out))
    EXPECT_EQ(entry.path().filename().string().find("cooccur-tmp"), std::string::npos);

  const std::string file = dir_.File("a-file");
  WriteFile(file, "x");
  result = Cooccur(2, dir_.File("scratch-bad"),
                   absl::StrCat("--memory-mb 1 --scratch-dir ", Quote(file + "/sub")));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(file + "/sub/cooccur-tmp-"), std::string::npos) << result.output;
}

// Rank 0 prints a line per phase (encode, count, merge) at least at its end, and periodically
// in between; the format is checked (a tiny budget forces several merges), not the timing.
TEST_F(CooccurCommandTest, ProgressLinesForEveryPhase) {
  const std::string out = dir_.File("progress");
  auto result = RunCommand(
      absl::StrCat(MpiWordmill(2), " cooccur --vocab ", Quote(Vocab()), " --output-dir ",
                   Quote(out), " ", Quote(dir_.File("in")),
                   " --threads 2 --memory-mb 1 --max-open-files 3 --progress-seconds 0.001"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::regex encode(
      R"(encode: \d+\.\d/\d+\.\d MB \((\d+\.\d)%\) \d+\.\d MB/s \d+(?:\.\d+)?(?: [kMG])? tokens/s ETA (\d+:\d\d:\d\d|--:--) \[rank 0 of 2\])");
  const std::regex count(
      R"(cooccur count: (\d+\.\d)% of (\d+\.\d\d) M tokens, \d+(?:\.\d+)?(?: [kMG])? tokens/s, (\d+) exchange rounds, (\d+) runs spilled(, dense region \d+\.\d% routed)? ETA (\d+:\d\d:\d\d|--:--) \[rank 0 of 2\])");
  const std::regex merge(
      R"(cooccur merge: (\d+\.\d)% \(merge (\d+) of (\d+): \d+\.\d\d of \d+\.\d\d M records\), \d+(?:\.\d+)?(?: [kMG])? records/s ETA (\d+:\d\d:\d\d|--:--) \[rank 0 of 2\])");
  std::map<std::string, std::vector<std::string>> lines;  // phase -> its lines, in order
  for (absl::string_view text : absl::StrSplit(result.output, '\n')) {
    const std::string s(text);
    for (const auto& [name, re] : {std::pair<std::string, const std::regex*>{"encode: ", &encode},
                                   {"cooccur count: ", &count},
                                   {"cooccur merge: ", &merge}}) {
      if (absl::StartsWith(s, name)) {
        EXPECT_TRUE(std::regex_match(s, *re)) << s;
        lines[name].push_back(s);
      }
    }
  }
  ASSERT_EQ(lines.size(), 3u) << result.output;
  std::smatch m;
  // Each phase's last line is its closing one: 100%.
  ASSERT_TRUE(std::regex_match(lines["encode: "].back(), m, encode));
  EXPECT_EQ(m[1], "100.0");
  ASSERT_TRUE(std::regex_match(lines["cooccur count: "].back(), m, count));
  EXPECT_EQ(m[1], "100.0");
  EXPECT_GT(std::stoi(m[3]), 0);  // the 1 MiB budget needs exchange rounds and runs
  EXPECT_GT(std::stoi(m[4]), 1);
  ASSERT_TRUE(std::regex_match(lines["cooccur merge: "].back(), m, merge));
  EXPECT_EQ(m[1], "100.0");
  EXPECT_EQ(m[2], m[3]);          // the last merge of all
  EXPECT_GT(std::stoi(m[3]), 1);  // --max-open-files 3 forces intermediate merges
  // --progress-seconds 0: no progress lines.
  result = Cooccur(1, dir_.File("quiet"), "--threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("cooccur count:"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("encode:"), std::string::npos) << result.output;
}

TEST_F(CooccurCommandTest, LeftOnlyAndUnweightedCounts) {
  CountOptions o;
  o.window = 3;
  o.symmetric = false;
  o.weighting = false;
  const Counts expected = ReferenceFromText(dir_.File("in"), Vocab(), o);
  const std::string out = dir_.File("left");
  auto result = Cooccur(2, out,
                        "--window 3 --left-only --no-distance-weighting --memory-mb 1 "
                        "--threads 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ExpectSameCounts(ReadShards(out, 2, Vocab()), expected, "left-only unweighted");
}

// Without document boundaries pairs cross everything in the rank's stream: the reference is
// the id shard read as one sequence.
TEST_F(CooccurCommandTest, NoDocumentBoundariesCrossTheWholeStream) {
  const std::string out = dir_.File("nob");
  auto result = Cooccur(1, out, "--no-document-boundaries --threads 2 --memory-mb 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto reader = IdShardReader::Open(IdShardPath(out + "/ids", 0, 1), 0);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Counts expected;
  std::vector<int32_t> history;
  std::vector<uint32_t> ids;
  bool starts = false;
  while (*(*reader)->Next(&ids, &starts)) {
    for (uint32_t id : ids) {
      history.push_back(static_cast<int32_t>(id));
      AddPairs(history, CountOptions(), &expected);
    }
  }
  ExpectSameCounts(ReadShards(out, 1, Vocab()), expected, "no document boundaries");
}

TEST_F(CooccurCommandTest, GloveExportHasOneBasedDoubleRecords) {
  const std::string out = dir_.File("glove");
  auto result = Cooccur(2, out, "--export-glove --threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const Counts shards = ReadShards(out, 2, Vocab());
  const std::string bin = ReadFile(out + "/cooccurrence.bin");
  ASSERT_EQ(bin.size(), shards.size() * 16);
  Counts exported;
  for (size_t at = 0; at < bin.size(); at += 16) {
    CooccurRecord r = RecordFromBytes(absl::string_view(bin).substr(at, 16));
    ASSERT_GE(r.i, 1);
    ASSERT_GE(r.j, 1);
    exported[RecordKey({r.i - 1, r.j - 1, 0})] = r.x;
  }
  EXPECT_EQ(exported, shards);
}

TEST_F(CooccurCommandTest, FullDiskFailsCleanly) {
  const std::string out = dir_.File("full");
  // A 256 KiB file-size limit (SIGXFSZ ignored): writes of the runs fail with EFBIG.
  auto result = RunCommand(absl::StrCat("bash -c \"trap '' XFSZ; ulimit -f 256; exec ",
                                        WordmillBin(), " cooccur --vocab ", Quote(Vocab()),
                                        " --output-dir ", Quote(out), " ", Quote(dir_.File("in")),
                                        " --memory-mb 1 --progress-seconds 0\""));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(".wmrec"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(CooccurShardPath(out, 0, 1)));
  EXPECT_FALSE(std::filesystem::exists(out + "/cooccur-tmp-0"));
}

TEST_F(CooccurCommandTest, BadArgumentsAndMissingVocabulary) {
  auto result = Cooccur(1, dir_.File("bad"), "--max-open-files 2");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--max-open-files"), std::string::npos) << result.output;
  result = RunCommand(absl::StrCat(WordmillBin(), " cooccur --vocab ", Quote(dir_.File("none")),
                                   " --output-dir ", Quote(dir_.File("bad")), " ",
                                   Quote(dir_.File("in"))));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(dir_.File("none")), std::string::npos) << result.output;
}

TEST(CooccurEnwikiTest, MaxOpenFilesFourCompletes) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared not found";
  const std::string corpus = shared + "/corpora/enwiki";
  if (!std::filesystem::exists(corpus)) GTEST_SKIP() << corpus << " not found";
  TempDir dir;
  const std::string input = Quote(corpus + "/wiki_0[0-3].zst");
  auto result = RunCommand(absl::StrCat(WordmillBin(), " vocab --min-count 5 --output-dir ",
                                        Quote(dir.File("v")), " ", input, " --progress-seconds 0"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  result =
      RunCommand(absl::StrCat(MpiWordmill(2), " cooccur --vocab ", Quote(dir.File("v/vocab.wmrec")),
                              " --output-dir ", Quote(dir.File("c")), " ", input,
                              " --max-open-files 4 --memory-mb 4 --threads 1"
                              " --progress-seconds 0"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GT(NumberBefore(result.output, "intermediate merges"), 0) << result.output;
  const int64_t records = NumberBefore(result.output, "records in");
  EXPECT_GT(records, 1000000) << result.output;
  result = RunCommand(absl::StrCat(WordmillBin(), " cooccur --vocab ",
                                   Quote(dir.File("v/vocab.wmrec")), " --output-dir ",
                                   Quote(dir.File("d")), " ", input, " --progress-seconds 0"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(NumberBefore(result.output, "records in"), records) << result.output;
}

}  // namespace
}  // namespace wordmill
