#include "formats/vocab_file.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string_view>
#include <unordered_set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "formats/atomic_file.h"
#include "formats/record_file.h"
#include "formats/wordmill.pb.h"

namespace wordmill {
namespace {

constexpr char kVocabRecordType[] = "wordmill.VocabEntry";

// Writers refuse what their readers would reject (or misparse), so that every file wordmill
// writes reads back. `forbidden` are the bytes that would split a word in the text layout.
absl::Status CheckVocabulary(const std::string& path, const Vocabulary& vocab,
                             absl::string_view forbidden) {
  for (size_t i = 0; i < vocab.size(); ++i) {
    const VocabWord& entry = vocab[i];
    if (entry.word.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": word ", i, " is empty"));
    }
    if (entry.word.find_first_of(forbidden.data(), 0, forbidden.size()) != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: word %d (%s) contains whitespace this format cannot hold", path, i,
                          absl::CEscape(entry.word)));
    }
    if (entry.count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": word ", i, " has a negative count ", entry.count));
    }
    if (i > 0 && !ComesBefore(vocab[i - 1], entry)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: word %d (%s) is a duplicate or out of order (count descending, then bytes)", path, i,
          absl::CEscape(entry.word)));
    }
  }
  return absl::OkStatus();
}

// One `word<sep>count\n` line per entry, after an optional first line.
absl::Status WriteVocabText(const std::string& path, const Vocabulary& vocab, char separator,
                            absl::string_view forbidden, const std::string& first_line) {
  if (absl::Status status = CheckVocabulary(path, vocab, forbidden); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> file = AtomicFileWriter::Open(path);
  if (!file.ok()) return file.status();
  std::string line = first_line;
  for (const VocabWord& entry : vocab) {
    absl::StrAppend(&line, entry.word, absl::string_view(&separator, 1), entry.count, "\n");
    if (line.size() >= (1 << 16)) {
      if (absl::Status status = (*file)->Write(line); !status.ok()) return status;
      line.clear();
    }
  }
  if (absl::Status status = (*file)->Write(line); !status.ok()) return status;
  return (*file)->Commit();
}

std::string ChecksumHex(uint64_t checksum) { return absl::StrFormat("%016x", checksum); }

int64_t TotalTokens(const Vocabulary& vocab) {
  int64_t total = 0;
  for (const VocabWord& entry : vocab) total += entry.count;
  return total;
}

// Quotes a field of a malformed line so that control bytes are visible in the message.
std::string Escape(std::string_view field) {
  return absl::CEscape(absl::string_view(field.data(), field.size()));
}

// Parses one `word<TAB>count` line of vocab.tsv; `line_number` is 1-based for messages.
absl::Status ParseTsvLine(const std::string& path, size_t line_number, std::string_view line,
                          VocabWord* entry) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": ", what));
  };
  size_t tab = line.find('\t');
  if (tab == std::string_view::npos) return error("expected word<TAB>count, found no tab");
  if (tab == 0) return error("empty word");
  std::string_view count = line.substr(tab + 1);
  if (!count.empty() && count[0] == '-') return error("negative count");
  // from_chars rejects '+', spaces and an empty field; requiring it to consume the whole field
  // rejects trailing bytes (a `\r` from a CRLF file, a second tab).
  int64_t value = 0;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), value);
  if (ec == std::errc::result_out_of_range) return error("count out of range");
  if (ec != std::errc() || end != count.data() + count.size()) {
    return error(absl::StrCat("bad count '", Escape(count), "'"));
  }
  entry->word.assign(line.data(), tab);
  entry->count = value;
  return absl::OkStatus();
}

}  // namespace

// std::string compares bytes as unsigned char, so the order does not depend on the platform's
// char signedness.
bool ComesBefore(const VocabWord& a, const VocabWord& b) {
  if (a.count != b.count) return a.count > b.count;
  return a.word < b.word;
}

void SortVocabulary(Vocabulary* vocab) { std::sort(vocab->begin(), vocab->end(), ComesBefore); }

uint64_t VocabularyChecksum(const Vocabulary& vocab) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const VocabWord& entry : vocab) {
    // A NUL separates the word from its count (words never contain one); the count is 8
    // little-endian bytes so that the checksum is the same on every platform.
    unsigned char bytes[9] = {0};
    uint64_t count = static_cast<uint64_t>(entry.count);
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<unsigned char>(count >> (8 * i));
    XXH3_64bits_update(state, entry.word.data(), entry.word.size());
    XXH3_64bits_update(state, bytes, sizeof(bytes));
  }
  uint64_t checksum = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return checksum;
}

absl::Status WriteVocabTsv(const std::string& path, const Vocabulary& vocab) {
  return WriteVocabText(path, vocab, '\t', "\t\n", "");
}

absl::Status WriteVocabGlove(const std::string& path, const Vocabulary& vocab) {
  return WriteVocabText(path, vocab, ' ', " \t\n", "");
}

absl::Status WriteVocabWord2vec(const std::string& path, const Vocabulary& vocab,
                                int64_t line_count) {
  // word2vec counts every line end as the word `</s>` and lists it first whatever its count.
  return WriteVocabText(path, vocab, ' ', " \t\n", absl::StrCat("</s> ", line_count, "\n"));
}

absl::Status WriteVocabRecords(const std::string& path, const Vocabulary& vocab,
                               const std::string& spec_type, const std::string& spec_text) {
  if (absl::Status status = CheckVocabulary(path, vocab, ""); !status.ok()) return status;
  RecordWriterOptions options;
  options.record_type = kVocabRecordType;
  options.spec_type = spec_type;
  options.spec_text = spec_text;
  options.metadata["vocab_checksum"] = ChecksumHex(VocabularyChecksum(vocab));
  options.metadata["words"] = absl::StrCat(vocab.size());
  options.metadata["tokens"] = absl::StrCat(TotalTokens(vocab));
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer = RecordWriter::Open(path, options);
  if (!writer.ok()) return writer.status();
  VocabEntry proto;
  std::string record;
  for (const VocabWord& entry : vocab) {
    proto.set_word(entry.word);
    proto.set_count(entry.count);
    record.clear();
    proto.SerializeToString(&record);
    if (absl::Status status = (*writer)->Append(record); !status.ok()) return status;
  }
  return (*writer)->Close();
}

absl::StatusOr<Vocabulary> ReadVocabTsv(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  if (contents->empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty vocabulary"));
  std::string_view rest = *contents;
  Vocabulary vocab;
  // Views into `contents`, which outlives the set.
  std::unordered_set<std::string_view> seen;
  for (size_t line_number = 1; !rest.empty(); ++line_number) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    VocabWord entry;
    if (absl::Status status = ParseTsvLine(path, line_number, line, &entry); !status.ok()) {
      return status;
    }
    if (!seen.insert(line.substr(0, entry.word.size())).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": duplicate word '",
                                                     absl::CEscape(entry.word), "'"));
    }
    if (!vocab.empty() && !ComesBefore(vocab.back(), entry)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": '", absl::CEscape(entry.word),
                       "' is out of order (counts must descend, ties sorted by bytes)"));
    }
    vocab.push_back(std::move(entry));
  }
  return vocab;
}

absl::StatusOr<Vocabulary> ReadVocabRecords(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  const RecordFileHeader& header = (*reader)->header();
  if (header.record_type() != kVocabRecordType) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": holds ", header.record_type(), " records, not ", kVocabRecordType));
  }
  auto checksum = header.metadata().find("vocab_checksum");
  if (checksum == header.metadata().end()) {
    return absl::DataLossError(absl::StrCat(path, ": header has no vocab_checksum"));
  }
  Vocabulary vocab;
  // The count is hash-verified, but a reservation still should not trust it blindly.
  vocab.reserve(std::min<uint64_t>(header.record_count(), 1 << 20));
  VocabEntry proto;
  absl::string_view record;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&record);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!proto.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
      return absl::DataLossError(
          absl::StrCat(path, ": record ", vocab.size(), " is not a VocabEntry"));
    }
    vocab.push_back(VocabWord{proto.word(), proto.count()});
  }
  std::string actual = ChecksumHex(VocabularyChecksum(vocab));
  if (actual != checksum->second) {
    return absl::DataLossError(absl::StrCat(path, ": vocabulary checksum ", actual,
                                            " does not match the header's ", checksum->second));
  }
  return vocab;
}

}  // namespace wordmill
