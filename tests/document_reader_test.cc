#include "workers/document_reader.h"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "workers/shard_plan.h"

namespace wordmill {
namespace {

using ::wordmill::testing::ReadFile;
using ::wordmill::testing::SharedDir;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WriteFile;

using Paragraphs = std::vector<std::pair<std::string, bool>>;  // text, starts_document

struct UnitResult {
  Paragraphs paragraphs;
  ReaderCounters counters;
  int64_t progress = 0;
};

InputFile MakeInput(const std::string& path, InputFormat format,
                    Compression compression = COMPRESSION_NONE) {
  InputFile file;
  file.path = path;
  file.size = static_cast<int64_t>(std::filesystem::file_size(path));
  file.format = format;
  file.compression = compression;
  return file;
}

WorkUnit WholeFile(const InputFile& file) { return {0, 0, file.size}; }

absl::StatusOr<UnitResult> ReadUnit(const InputFile& file, const WorkUnit& unit,
                                    const InputSpec& spec = InputSpec()) {
  std::atomic<int64_t> progress{0};
  absl::StatusOr<std::unique_ptr<DocumentReader>> reader =
      OpenDocumentReader(file, unit, spec, &progress);
  if (!reader.ok()) return reader.status();
  UnitResult result;
  Paragraph paragraph;
  while (true) {
    absl::StatusOr<bool> got = (*reader)->Next(&paragraph);
    if (!got.ok()) return got.status();
    if (!*got) break;
    result.paragraphs.emplace_back(std::string(paragraph.text), paragraph.starts_document);
  }
  result.counters = (*reader)->counters();
  result.progress = progress.load();
  return result;
}

UnitResult MustRead(const InputFile& file, const InputSpec& spec = InputSpec()) {
  absl::StatusOr<UnitResult> result = ReadUnit(file, WholeFile(file), spec);
  if (!result.ok()) throw std::runtime_error(std::string(result.status().message()));
  return *std::move(result);
}

std::string Compress(const std::string& content) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(content.size()), '\0');
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), content.data(), content.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd compression failed");
  out.resize(n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formats

TEST(PlainReaderTest, ParagraphsAndDocuments) {
  TempDir dir;
  WriteFile(dir.File("t"), "a b\nc\n\nd\n  \t\n\ne\n");
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"a b", true}, {"c", false}, {"d", true}, {"e", true}}));
  EXPECT_EQ(r.counters.documents, 3);
  EXPECT_EQ(r.counters.lines, 7);
  EXPECT_EQ(r.counters.stored_bytes, 16);
  EXPECT_EQ(r.counters.uncompressed_bytes, 16);
  EXPECT_EQ(r.progress, 16);
}

TEST(PlainReaderTest, CrlfAndMissingFinalNewline) {
  TempDir dir;
  WriteFile(dir.File("t"), "one\r\ntwo\r\n\r\nthree");
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"one", true}, {"two", false}, {"three", true}}));
  EXPECT_EQ(r.counters.lines, 4);
  EXPECT_EQ(r.counters.stored_bytes, 17);
}

TEST(PlainReaderTest, EmptyFile) {
  TempDir dir;
  WriteFile(dir.File("t"), "");
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  EXPECT_TRUE(r.paragraphs.empty());
  EXPECT_EQ(r.counters.lines, 0);
  EXPECT_EQ(r.counters.documents, 0);
  EXPECT_EQ(r.counters.stored_bytes, 0);
}

TEST(PlainReaderTest, NulBytesAreOrdinary) {
  TempDir dir;
  WriteFile(dir.File("t"), std::string("a\0b\n", 4));
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  EXPECT_EQ(r.paragraphs, (Paragraphs{{std::string("a\0b", 3), true}}));
}

TEST(PlainReaderTest, LongLinesSkippedAndCounted) {
  TempDir dir;
  // One long line inside the buffer, one far larger than the 1 MiB buffer, one at the end.
  WriteFile(dir.File("t"), "short\n" + std::string(50, 'x') + "\nafter\n" +
                               std::string(3 << 20, 'y') + "\r\nlast\n" + std::string(30, 'z'));
  InputSpec spec;
  spec.set_max_line_bytes(10);
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN), spec);
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"short", true}, {"after", false}, {"last", false}}));
  EXPECT_EQ(r.counters.long_lines_skipped, 3);
  EXPECT_EQ(r.counters.lines, 6);
  EXPECT_EQ(r.counters.stored_bytes, static_cast<int64_t>(ReadFile(dir.File("t")).size()));
}

TEST(PlainReaderTest, LineLongerThanBufferButWithinLimit) {
  TempDir dir;
  const std::string big(5 << 20, 'w');
  WriteFile(dir.File("t"), "a\n" + big + "\nb\n");
  UnitResult r = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  ASSERT_EQ(r.paragraphs.size(), 3u);
  EXPECT_EQ(r.paragraphs[1].first, big);
  EXPECT_EQ(r.counters.long_lines_skipped, 0);
}

TEST(WikiExtractorReaderTest, DocumentsTitlesAndMarkup) {
  TempDir dir;
  WriteFile(dir.File("w"),
            "<doc id=\"1\" url=\"?curid=1\" title=\"T\">\nT\n\nPara one.\nPara two.\n</doc>\n"
            "<doc id=\"2\" title=\"Empty\">\nEmpty\n\n</doc>\n"
            "<doc id=\"3\" title=\"U\">\r\nU\r\n\r\nOnly.\r\n</doc>\r\n");
  InputFile file = MakeInput(dir.File("w"), FORMAT_WIKIEXTRACTOR);
  UnitResult r = MustRead(file);
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"Para one.", true}, {"Para two.", false}, {"Only.", true}}));
  EXPECT_EQ(r.counters.documents, 3);
  EXPECT_EQ(r.counters.lines, 15);

  InputSpec spec;
  spec.set_keep_doc_title(true);
  r = MustRead(file, spec);
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"T", true},
                                      {"Para one.", false},
                                      {"Para two.", false},
                                      {"Empty", true},
                                      {"U", true},
                                      {"Only.", false}}));
}

TEST(BrownReaderTest, WordsWithoutTags) {
  TempDir dir;
  WriteFile(dir.File("ca01"),
            "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr "
            "an/at investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn "
            "produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti irregularities/nns "
            "took/vbd place/nn ./.\n\n\n\tThe/at 1/2/cd jury/nn untagged ./.\n");
  UnitResult r = MustRead(MakeInput(dir.File("ca01"), FORMAT_BROWN));
  EXPECT_EQ(r.paragraphs,
            (Paragraphs{{"The Fulton County Grand Jury said Friday an investigation of Atlanta's "
                         "recent primary election produced `` no evidence '' that any "
                         "irregularities took place .",
                         true},
                        {"The 1/2 jury untagged .", false}}));
  EXPECT_EQ(r.counters.documents, 1);
  EXPECT_EQ(r.counters.lines, 6);
}

TEST(JsonlReaderTest, TextFieldPerLine) {
  TempDir dir;
  WriteFile(dir.File("d.jsonl"),
            "{\"id\": 1, \"text\": \"hello world\"}\n\n"
            "{\"body\": \"other\", \"text\": \"two\\nlines \\u00e9\"}\r\n");
  InputFile file = MakeInput(dir.File("d.jsonl"), FORMAT_JSONL);
  UnitResult r = MustRead(file);
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"hello world", true}, {"two\nlines \xC3\xA9", true}}));
  EXPECT_EQ(r.counters.documents, 2);
  EXPECT_EQ(r.counters.lines, 3);
}

TEST(JsonlReaderTest, ConfigurableTextField) {
  TempDir dir;
  WriteFile(dir.File("d.jsonl"), "{\"body\": \"b1\", \"text\": \"t1\"}\n{\"body\": \"b2\"}\n");
  InputSpec spec;
  spec.set_jsonl_text_field("body");
  UnitResult r = MustRead(MakeInput(dir.File("d.jsonl"), FORMAT_JSONL), spec);
  EXPECT_EQ(r.paragraphs, (Paragraphs{{"b1", true}, {"b2", true}}));
}

TEST(JsonlReaderTest, ErrorsNameFileLineAndField) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  // The third line starts at byte offset 28.
  const std::string good = "{\"text\": \"a\"}\n{\"text\": \"b\"}\n";
  const std::string not_object = path + ":3: byte offset 28: not a JSON object (";
  const std::string no_field = path + ":3: byte offset 28: no string field \"text\" (";
  for (const auto& [line, expected] :
       std::vector<std::pair<std::string, std::string>>{{"not json", not_object},
                                                        {"[1, 2]", not_object},
                                                        {"{\"text\": \"x\"} trailing", not_object},
                                                        {"{\"text\": 1}", no_field},
                                                        {"{\"title\": \"x\"}", no_field}}) {
    WriteFile(path, good + line + "\n");
    InputFile file = MakeInput(path, FORMAT_JSONL);
    absl::StatusOr<UnitResult> r = ReadUnit(file, WholeFile(file));
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().substr(0, expected.size()), expected) << r.status();
  }
  // A unit starting mid-file does not know line numbers.
  InputFile file = MakeInput(path, FORMAT_JSONL);
  absl::StatusOr<UnitResult> r = ReadUnit(file, {0, 20, file.size});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path + ": line at byte offset 28: no string field"),
            std::string::npos)
      << r.status();
}

// ---------------------------------------------------------------------------------------------
// zstd

TEST(ZstdReaderTest, RoundTripCountsCompressedAndUncompressedBytes) {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 200000; ++i) {
    content += "line " + std::to_string(i) + (i % 7 == 0 ? "\n\n" : "\n");
  }
  WriteFile(dir.File("t.zst"), Compress(content));
  WriteFile(dir.File("t"), content);
  InputFile zst = MakeInput(dir.File("t.zst"), FORMAT_PLAIN, COMPRESSION_ZSTD);
  UnitResult z = MustRead(zst);
  UnitResult p = MustRead(MakeInput(dir.File("t"), FORMAT_PLAIN));
  EXPECT_EQ(z.paragraphs, p.paragraphs);
  EXPECT_EQ(z.counters.lines, p.counters.lines);
  EXPECT_EQ(z.counters.documents, p.counters.documents);
  EXPECT_EQ(z.counters.stored_bytes, zst.size);
  EXPECT_EQ(z.progress, zst.size);
  EXPECT_EQ(z.counters.uncompressed_bytes, static_cast<int64_t>(content.size()));
}

TEST(ZstdReaderTest, MultipleFramesAndEmptyFile) {
  TempDir dir;
  WriteFile(dir.File("t.zst"), Compress("first\nframe") + Compress(" continues\n\nsecond\n"));
  UnitResult r = MustRead(MakeInput(dir.File("t.zst"), FORMAT_PLAIN, COMPRESSION_ZSTD));
  EXPECT_EQ(r.paragraphs,
            (Paragraphs{{"first", true}, {"frame continues", false}, {"second", true}}));
  WriteFile(dir.File("e.zst"), "");
  r = MustRead(MakeInput(dir.File("e.zst"), FORMAT_PLAIN, COMPRESSION_ZSTD));
  EXPECT_TRUE(r.paragraphs.empty());
  EXPECT_EQ(r.counters.lines, 0);
}

TEST(ZstdReaderTest, TruncatedStreamNamesThePath) {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "some text " + std::to_string(i) + "\n";
  const std::string compressed = Compress(content);
  const std::string path = dir.File("t.zst");
  for (size_t keep : {compressed.size() - 1, compressed.size() / 2, size_t{3}}) {
    WriteFile(path, compressed.substr(0, keep));
    absl::StatusOr<UnitResult> r =
        ReadUnit(MakeInput(path, FORMAT_PLAIN, COMPRESSION_ZSTD), {0, 0, int64_t(keep)});
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(path + ": truncated zstd stream (" + std::to_string(keep) +
                                        " compressed bytes"),
              std::string::npos)
        << r.status();
  }
}

TEST(ZstdReaderTest, CorruptDataNamesThePath) {
  TempDir dir;
  std::string content;
  std::mt19937 rng(7);
  for (int i = 0; i < 50000; ++i) content += "w" + std::to_string(rng() % 5000) + " ";
  std::string compressed = Compress(content);
  compressed[compressed.size() / 2] ^= 0x5A;
  const std::string path = dir.File("t.zst");
  WriteFile(path, compressed);
  absl::StatusOr<UnitResult> r =
      ReadUnit(MakeInput(path, FORMAT_PLAIN, COMPRESSION_ZSTD), {0, 0, int64_t(compressed.size())});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path + ": "), std::string::npos) << r.status();

  WriteFile(path, "this is not zstd at all\n");
  r = ReadUnit(MakeInput(path, FORMAT_PLAIN, COMPRESSION_ZSTD), {0, 0, 24});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path + ": corrupt zstd data at compressed byte offset 0"),
            std::string::npos)
      << r.status();
}

// ---------------------------------------------------------------------------------------------
// Exact partition: the units of a file, whatever the cut points, read what one unit reads.

constexpr int64_t kSmallMaxLine = 20;

std::string RandomPlainText(std::mt19937& rng, int lines) {
  const std::vector<std::string> kinds = {"",
                                          "",
                                          "  ",
                                          "\t \r",
                                          "\r",
                                          "alpha beta",
                                          "gamma",
                                          "delta epsilon zeta",
                                          "x",
                                          "eta\r",
                                          std::string(kSmallMaxLine + 5, 'L'),
                                          std::string(kSmallMaxLine + 1, ' '),
                                          std::string(kSmallMaxLine, 'M'),
                                          std::string("nul\0byte", 8)};
  std::string text;
  for (int i = 0; i < lines; ++i) text += kinds[rng() % kinds.size()] + "\n";
  if (rng() % 2 == 0 && !text.empty()) text.pop_back();  // no final newline
  return text;
}

std::string RandomWikiText(std::mt19937& rng, int documents) {
  const std::vector<std::string> body = {"",
                                         "Some text.",
                                         "More text here.",
                                         "  ",
                                         "not <doc inline",
                                         "<document>",
                                         std::string(kSmallMaxLine + 3, 'L'),
                                         "stray\r"};
  std::string text = rng() % 3 == 0 ? "preamble line\n\n" : "";
  for (int d = 0; d < documents; ++d) {
    // Short enough to stay under kSmallMaxLine: a too-long `<doc` line is not a document start.
    text += "<doc id=\"" + std::to_string(d) + "\">" + (rng() % 4 ? "\n" : "\r\n");
    text += "Title " + std::to_string(d) + "\n";
    const int lines = rng() % 5;
    for (int i = 0; i < lines; ++i) text += body[rng() % body.size()] + "\n";
    if (rng() % 5) text += "</doc>\n";
    if (rng() % 6 == 0) text += "stray between\n";
  }
  if (rng() % 2 == 0 && !text.empty()) text.pop_back();
  return text;
}

// Reads `file` as units cut at `cuts` (sorted, within [0, size]) and checks that together they
// give exactly what the whole-file read gives.
void ExpectExactPartition(const InputFile& file, const InputSpec& spec,
                          const std::vector<int64_t>& cuts, const UnitResult& whole) {
  std::string where = "cuts:";
  for (int64_t c : cuts) where += " " + std::to_string(c);
  Paragraphs paragraphs;
  ReaderCounters sum;
  int64_t progress = 0;
  int64_t begin = 0;
  std::vector<int64_t> ends = cuts;
  ends.push_back(file.size);
  for (int64_t end : ends) {
    absl::StatusOr<UnitResult> unit = ReadUnit(file, {0, begin, end}, spec);
    ASSERT_TRUE(unit.ok()) << unit.status() << " " << where;
    paragraphs.insert(paragraphs.end(), unit->paragraphs.begin(), unit->paragraphs.end());
    sum.stored_bytes += unit->counters.stored_bytes;
    sum.uncompressed_bytes += unit->counters.uncompressed_bytes;
    sum.lines += unit->counters.lines;
    sum.documents += unit->counters.documents;
    sum.long_lines_skipped += unit->counters.long_lines_skipped;
    progress += unit->progress;
    ASSERT_EQ(unit->progress, unit->counters.stored_bytes) << where;
    begin = end;
  }
  ASSERT_EQ(paragraphs, whole.paragraphs) << where;
  ASSERT_EQ(sum.lines, whole.counters.lines) << where;
  ASSERT_EQ(sum.documents, whole.counters.documents) << where;
  ASSERT_EQ(sum.long_lines_skipped, whole.counters.long_lines_skipped) << where;
  ASSERT_EQ(sum.stored_bytes, file.size) << where;
  ASSERT_EQ(sum.uncompressed_bytes, file.size) << where;
  ASSERT_EQ(progress, file.size) << where;
}

void CheckAllCuts(const std::string& text, InputFormat format, std::mt19937& rng) {
  TempDir dir;
  WriteFile(dir.File("t"), text);
  InputFile file = MakeInput(dir.File("t"), format);
  InputSpec spec;
  spec.set_max_line_bytes(kSmallMaxLine);
  UnitResult whole = MustRead(file, spec);
  ASSERT_EQ(whole.counters.stored_bytes, file.size);
  if (format == FORMAT_WIKIEXTRACTOR) {
    // The generated `<doc` lines must be seen as such, or the test would prove little.
    int64_t doc_lines = text.rfind("<doc ", 0) == 0 ? 1 : 0;
    for (size_t p = text.find("\n<doc "); p != std::string::npos; p = text.find("\n<doc ", p + 1)) {
      ++doc_lines;
    }
    ASSERT_GE(whole.counters.documents, doc_lines);
  }
  // Every single cut point, every pair of cut points in the first 100 bytes...
  for (int64_t c = 0; c <= file.size; ++c) {
    ASSERT_NO_FATAL_FAILURE(ExpectExactPartition(file, spec, {c}, whole));
  }
  const int64_t pair_limit = std::min<int64_t>(file.size, 100);
  for (int64_t a = 1; a <= pair_limit; ++a) {
    for (int64_t b = a; b <= pair_limit; ++b) {
      ASSERT_NO_FATAL_FAILURE(ExpectExactPartition(file, spec, {a, b}, whole));
    }
  }
  // ...and many random cut sets with many units.
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int64_t> cuts(1 + rng() % 40);
    for (int64_t& c : cuts) c = static_cast<int64_t>(rng() % (file.size + 1));
    std::sort(cuts.begin(), cuts.end());
    ASSERT_NO_FATAL_FAILURE(ExpectExactPartition(file, spec, cuts, whole));
  }
}

TEST(PartitionTest, PlainTextEveryCut) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 8; ++round) {
    ASSERT_NO_FATAL_FAILURE(CheckAllCuts(RandomPlainText(rng, 10 + round * 8), FORMAT_PLAIN, rng));
  }
  ASSERT_NO_FATAL_FAILURE(CheckAllCuts("", FORMAT_PLAIN, rng));
  ASSERT_NO_FATAL_FAILURE(CheckAllCuts("\n", FORMAT_PLAIN, rng));
  ASSERT_NO_FATAL_FAILURE(CheckAllCuts("a", FORMAT_PLAIN, rng));
}

TEST(PartitionTest, WikiExtractorEveryCut) {
  std::mt19937 rng(777);
  for (int round = 0; round < 8; ++round) {
    ASSERT_NO_FATAL_FAILURE(
        CheckAllCuts(RandomWikiText(rng, 1 + round * 2), FORMAT_WIKIEXTRACTOR, rng));
  }
}

TEST(PartitionTest, BrownAndJsonlEveryCut) {
  std::mt19937 rng(99);
  std::string jsonl;
  for (int i = 0; i < 30; ++i) {
    jsonl += i % 4 == 0 ? "\n" : "{\"text\": \"doc " + std::to_string(i) + "\"}\n";
  }
  ASSERT_NO_FATAL_FAILURE(CheckAllCuts(jsonl, FORMAT_JSONL, rng));
  ASSERT_NO_FATAL_FAILURE(
      CheckAllCuts("The/at jury/nn\n\nsaid/vbd ./.\nno/at tag\n", FORMAT_BROWN, rng));
}

// ---------------------------------------------------------------------------------------------
// Work units and ranks

TEST(ShardPlanTest, UnitsCoverFilesAndEachGoesToOneRank) {
  std::vector<InputFile> files(5);
  const int64_t sizes[] = {0, 1000, 12345, 999, 40000};
  for (int i = 0; i < 5; ++i) {
    files[i].path = "f" + std::to_string(i);
    files[i].size = sizes[i];
  }
  files[3].compression = COMPRESSION_ZSTD;
  files[4].format = FORMAT_BROWN;
  const std::vector<WorkUnit> units = PlanWorkUnits(files, 1000, 2, 2);
  std::map<int, int64_t> covered;  // file -> end of the last unit
  for (const WorkUnit& u : units) {
    EXPECT_EQ(u.begin, covered[u.file_index]);
    EXPECT_LE(u.begin, u.end);
    covered[u.file_index] = u.end;
    if (u.file_index >= 3) {
      EXPECT_EQ(u.end - u.begin, files[u.file_index].size);
    }
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(covered[i], sizes[i]);
  EXPECT_GT(units.size(), 15u);

  auto key = [](const WorkUnit& u) { return std::make_tuple(u.file_index, u.begin, u.end); };
  for (int ranks = 1; ranks <= 5; ++ranks) {
    std::map<std::tuple<int, int64_t, int64_t>, int> assigned;
    for (int rank = 0; rank < ranks; ++rank) {
      for (const WorkUnit& u : UnitsForRank(units, rank, ranks)) ++assigned[key(u)];
    }
    ASSERT_EQ(assigned.size(), units.size()) << ranks << " ranks";
    for (const auto& [unit, count] : assigned) EXPECT_EQ(count, 1) << ranks << " ranks";
  }
}

// ---------------------------------------------------------------------------------------------
// Real data

std::string Decompress(const std::string& compressed) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::string out;
  std::string chunk(1 << 20, '\0');
  ZSTD_inBuffer in = {compressed.data(), compressed.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o = {chunk.data(), chunk.size(), 0};
    const size_t ret = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(ret)) throw std::runtime_error(ZSTD_getErrorName(ret));
    out.append(chunk.data(), o.pos);
  }
  ZSTD_freeDCtx(dctx);
  return out;
}

TEST(RealDataTest, EnwikiDocumentsAndUnits) {
  const std::string shared = SharedDir();
  const std::string path =
      (shared.empty() ? std::string("$WORDMILL_SHARED") : shared) + "/corpora/enwiki/wiki_00.zst";
  if (shared.empty() || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "missing " << path << " (WORDMILL_SHARED names the shared data directory)";
  }
  const std::string content = Decompress(ReadFile(path));
  int64_t doc_lines = 0;
  for (size_t pos = 0; pos < content.size(); pos = content.find('\n', pos) + 1) {
    if (content.compare(pos, 5, "<doc ") == 0) ++doc_lines;
    if (content.find('\n', pos) == std::string::npos) break;
  }
  ASSERT_GT(doc_lines, 100);
  InputFile zst = MakeInput(path, FORMAT_WIKIEXTRACTOR, COMPRESSION_ZSTD);
  UnitResult whole = MustRead(zst);
  EXPECT_EQ(whole.counters.documents, doc_lines);
  EXPECT_EQ(whole.counters.stored_bytes, zst.size);
  EXPECT_EQ(whole.counters.uncompressed_bytes, static_cast<int64_t>(content.size()));
  for (const auto& [text, starts] : whole.paragraphs) {
    ASSERT_NE(text.rfind("<doc", 0), 0u) << text;
    ASSERT_NE(text, "</doc>");
  }

  // The same content uncompressed, cut into planned units, reads the same.
  TempDir dir;
  WriteFile(dir.File("wiki_00"), content);
  InputFile plain = MakeInput(dir.File("wiki_00"), FORMAT_WIKIEXTRACTOR);
  std::vector<int64_t> cuts;
  for (const WorkUnit& u : PlanWorkUnits({plain}, 50000, 1, 1)) {
    if (u.begin > 0) cuts.push_back(u.begin);
  }
  ASSERT_GT(cuts.size(), 10u);
  ExpectExactPartition(plain, InputSpec(), cuts, whole);
}

}  // namespace
}  // namespace wordmill
