// The format readers: each turns the owned lines of a unit (UnitLines) into paragraphs.
#include "workers/document_reader.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "workers/unit_lines.h"

namespace wordmill {
namespace {

using Ownership = UnitLines::Ownership;

class LineFormatReader : public DocumentReader {
 public:
  explicit LineFormatReader(std::unique_ptr<UnitLines> lines) : lines_(std::move(lines)) {}
  const ReaderCounters& counters() const override { return lines_->counters(); }

 protected:
  void StartDocument(Paragraph* paragraph) {
    paragraph->starts_document = true;
    ++lines_->counters().documents;
  }

  std::unique_ptr<UnitLines> lines_;
};

// A non-blank line is a paragraph; blank lines (only ASCII whitespace) separate documents. A
// skipped too-long line counts as non-blank, so whole-file and split reads agree on where
// documents start.
class PlainReader final : public LineFormatReader {
 public:
  using LineFormatReader::LineFormatReader;

  absl::StatusOr<bool> Next(Paragraph* paragraph) override {
    Line line;
    while (true) {
      absl::StatusOr<bool> got = lines_->Next(&line);
      if (!got.ok() || !*got) return got;
      if (first_line_) {
        first_line_ = false;
        // A unit that starts mid-file learns from the file whether a document starts here.
        absl::StatusOr<bool> blank = lines_->PrecedingLineBlank(line.offset);
        if (!blank.ok()) return blank.status();
        previous_blank_ = *blank;
      }
      if (line.too_long || !IsBlankLine(line.text)) {
        const bool starts = previous_blank_;
        previous_blank_ = false;
        if (line.too_long) continue;
        paragraph->text = line.text;
        paragraph->starts_document = false;
        if (starts) StartDocument(paragraph);
        return true;
      }
      previous_blank_ = true;
    }
  }

 private:
  bool first_line_ = true;
  bool previous_blank_ = true;
};

// `<doc …>` … `</doc>` blocks. Lines outside any block (not written by WikiExtractor) are
// kept as paragraphs; each run of them after a `</doc>` (or at the file start) is counted as
// a document of its own.
class WikiExtractorReader final : public LineFormatReader {
 public:
  WikiExtractorReader(std::unique_ptr<UnitLines> lines, bool keep_title)
      : LineFormatReader(std::move(lines)), keep_title_(keep_title) {}

  absl::StatusOr<bool> Next(Paragraph* paragraph) override {
    Line line;
    while (true) {
      absl::StatusOr<bool> got = lines_->Next(&line);
      if (!got.ok() || !*got) return got;
      const bool title = expect_title_;
      expect_title_ = false;
      if (line.too_long) continue;
      if (IsDocStartLine(line.text)) {
        ++lines_->counters().documents;
        in_document_ = expect_title_ = pending_start_ = true;
        continue;
      }
      if (IsDocEnd(line.text)) {
        in_document_ = false;
        pending_start_ = true;
        continue;
      }
      if ((title && !keep_title_) || IsBlankLine(line.text)) continue;
      paragraph->text = line.text;
      paragraph->starts_document = pending_start_;
      if (pending_start_ && !in_document_) ++lines_->counters().documents;
      pending_start_ = false;
      return true;
    }
  }

 private:
  static bool IsDocEnd(absl::string_view line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return line == "</doc>";
  }

  const bool keep_title_;
  bool in_document_ = false;
  bool expect_title_ = false;
  bool pending_start_ = true;
};

// `word/TAG` items; the words of a line, joined by single spaces, make a paragraph. The file
// is one document, started by its first paragraph.
class BrownReader final : public LineFormatReader {
 public:
  using LineFormatReader::LineFormatReader;

  absl::StatusOr<bool> Next(Paragraph* paragraph) override {
    Line line;
    while (true) {
      absl::StatusOr<bool> got = lines_->Next(&line);
      if (!got.ok() || !*got) return got;
      if (first_line_) {
        first_line_ = false;
        at_file_start_ = line.offset == 0;
      }
      if (line.too_long) continue;
      StripTags(line.text);
      if (words_.empty()) continue;
      paragraph->text = words_;
      paragraph->starts_document = false;
      if (at_file_start_) StartDocument(paragraph);
      at_file_start_ = false;
      return true;
    }
  }

 private:
  static bool IsItemSeparator(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  }

  // words_ = the words of `text` (everything before each item's last '/'), space-separated.
  void StripTags(absl::string_view text) {
    words_.clear();
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p < end) {
      while (p < end && IsItemSeparator(*p)) ++p;
      const char* item = p;
      while (p < end && !IsItemSeparator(*p)) ++p;
      if (item == p) break;
      const char* word_end = p;
      for (const char* q = p; q > item;) {
        if (*--q == '/') {
          word_end = q;
          break;
        }
      }
      if (word_end == item) continue;  // `/TAG` alone: no word
      if (!words_.empty()) words_.push_back(' ');
      words_.append(item, word_end - item);
    }
  }

  bool first_line_ = true;
  bool at_file_start_ = false;
  std::string words_;
};

// One JSON object per line, one document per line; the text field may hold newlines and is
// still one paragraph (the tokenizer treats them as whitespace).
class JsonlReader final : public LineFormatReader {
 public:
  JsonlReader(std::unique_ptr<UnitLines> lines, std::string text_field)
      : LineFormatReader(std::move(lines)), text_field_(std::move(text_field)) {}

  absl::StatusOr<bool> Next(Paragraph* paragraph) override {
    Line line;
    while (true) {
      absl::StatusOr<bool> got = lines_->Next(&line);
      if (!got.ok() || !*got) return got;
      if (line.too_long || IsBlankLine(line.text)) continue;
      absl::StatusOr<absl::string_view> text = ParseText(line);
      if (!text.ok()) return text.status();
      paragraph->text = *text;
      StartDocument(paragraph);
      return true;
    }
  }

 private:
  absl::StatusOr<absl::string_view> ParseText(const Line& line) {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input.
    const size_t needed = line.text.size() + simdjson::SIMDJSON_PADDING;
    if (padded_.size() < needed) padded_.resize(std::max(needed, padded_.size() * 2));
    std::memcpy(padded_.data(), line.text.data(), line.text.size());
    simdjson::dom::element element;
    simdjson::dom::object object;
    simdjson::error_code error =
        parser_.parse(padded_.data(), line.text.size(), false).get(element);
    if (!error) error = element.get_object().get(object);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat(Location(line), "not a JSON object (", simdjson::error_message(error), ")"));
    }
    std::string_view text;
    error = object[text_field_].get_string().get(text);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat(Location(line), "no string field \"",
                                                     text_field_, "\" (",
                                                     simdjson::error_message(error), ")"));
    }
    return absl::string_view(text.data(), text.size());
  }

  std::string Location(const Line& line) const {
    if (lines_->line_number() > 0) {
      return absl::StrCat(lines_->path(), ":", lines_->line_number(), ": byte offset ", line.offset,
                          ": ");
    }
    return absl::StrCat(lines_->path(), ": line at byte offset ", line.offset, ": ");
  }

  const std::string text_field_;
  simdjson::dom::parser parser_;
  std::vector<char> padded_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DocumentReader>> OpenDocumentReader(
    const InputFile& file, const WorkUnit& unit, const InputSpec& spec,
    std::atomic<int64_t>* progress_bytes) {
  const Ownership ownership =
      file.format == FORMAT_WIKIEXTRACTOR ? Ownership::kDocuments : Ownership::kLines;
  if (file.format == FORMAT_AUTO) {
    return absl::InvalidArgumentError(file.path + ": input format not resolved");
  }
  absl::StatusOr<std::unique_ptr<UnitLines>> lines =
      UnitLines::Open(file, unit, spec, ownership, progress_bytes);
  if (!lines.ok()) return lines.status();
  switch (file.format) {
    case FORMAT_WIKIEXTRACTOR:
      return std::make_unique<WikiExtractorReader>(std::move(*lines), spec.keep_doc_title());
    case FORMAT_BROWN:
      return std::make_unique<BrownReader>(std::move(*lines));
    case FORMAT_JSONL:
      return std::make_unique<JsonlReader>(std::move(*lines), spec.jsonl_text_field());
    case FORMAT_PLAIN:
    default:
      return std::make_unique<PlainReader>(std::move(*lines));
  }
}

}  // namespace wordmill
