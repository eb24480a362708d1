#include "workers/rnn_data.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "formats/atomic_file.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"
#include "workers/shard_plan.h"

namespace wordmill {

extern const char kBrownUniversalTsv[];

namespace {

const absl::flat_hash_map<std::string, std::string>& UniversalTable() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string, std::string>;
    for (absl::string_view line : absl::StrSplit(kBrownUniversalTsv, '\n', absl::SkipEmpty())) {
      if (line[0] == '#') continue;
      std::vector<std::string> f = absl::StrSplit(line, '\t');
      if (f.size() == 2) (*t)[f[0]] = f[1];
    }
    return t;
  }();
  return *table;
}

bool Blank(absl::string_view line) { return absl::StripAsciiWhitespace(line).empty(); }

std::vector<std::string> Words(WordTokenizer* tokenizer, absl::string_view text, int max_length) {
  TokenList list;
  tokenizer->Tokenize(text, &list);
  std::vector<std::string> words;
  for (size_t i = 0; i < list.size(); ++i) {
    if (max_length > 0 && static_cast<int>(words.size()) >= max_length) break;
    words.emplace_back(list[i]);
  }
  return words;
}

// A tagged word as the embedding layer looks it up: the tokenizer's first token of it.
std::string TaggedWord(WordTokenizer* tokenizer, absl::string_view word) {
  TokenList list;
  tokenizer->Tokenize(word, &list);
  return list.empty() ? std::string(word) : std::string(list[0]);
}

absl::StatusOr<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& inputs) {
  InputSpec spec;
  for (const std::string& in : inputs) spec.add_input(in);
  return ListInputs(spec);
}

absl::Status ReadTsvClassify(const std::string& path, WordTokenizer* tokenizer, int max_length,
                             std::vector<RnnText>* out) {
  WM_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripSuffix(line, "\r");
    if (Blank(line)) continue;
    const size_t tab = line.find('\t');
    const std::string where = absl::StrCat(path, ":", line_no);
    if (tab == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no tab: classification lines are `label<TAB>text`"));
    }
    const absl::string_view label = absl::StripAsciiWhitespace(line.substr(0, tab));
    if (label.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": empty label"));
    out->push_back(
        {Words(tokenizer, line.substr(tab + 1), max_length), {std::string(label)}, where});
  }
  return absl::OkStatus();
}

absl::Status ReadTagged(const std::string& path, RnnTagset tagset, WordTokenizer* tokenizer,
                        int max_length, std::vector<RnnText>* out) {
  WM_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  // CoNLL has a tab between two fields; Brown lines may start with a tab (indentation) only.
  bool conll = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StripLeadingAsciiWhitespace(line).find('\t') != absl::string_view::npos) {
      conll = true;
      break;
    }
  }
  int line_no = 0;
  RnnText sentence;
  auto flush = [&] {
    if (!sentence.words.empty()) out->push_back(std::move(sentence));
    sentence = RnnText();
  };
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripSuffix(line, "\r");
    const std::string where = absl::StrCat(path, ":", line_no);
    if (Blank(line)) {
      if (conll) flush();
      continue;
    }
    if (sentence.words.empty()) sentence.where = where;
    auto add = [&](absl::string_view word, absl::string_view tag) -> absl::Status {
      if (word.empty() || tag.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": `", conll ? "word<TAB>tag" : "word/TAG", "` expected"));
      }
      if (max_length > 0 && static_cast<int>(sentence.words.size()) >= max_length) {
        return absl::OkStatus();
      }
      sentence.words.push_back(TaggedWord(tokenizer, word));
      sentence.labels.push_back(conll ? std::string(tag) : ReduceBrownTag(tag, tagset));
      return absl::OkStatus();
    };
    if (conll) {
      std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
      WM_RETURN_IF_ERROR(add(absl::StripAsciiWhitespace(f.front()),
                             absl::StripAsciiWhitespace(f.size() > 1 ? f.back() : "")));
      continue;
    }
    for (absl::string_view item : absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      const size_t slash = item.rfind('/');
      if (slash == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": `", item, "` is not a Brown `word/TAG` item"));
      }
      WM_RETURN_IF_ERROR(add(item.substr(0, slash), item.substr(slash + 1)));
    }
    flush();
  }
  flush();
  return absl::OkStatus();
}

absl::Status ReadCorpus(const std::vector<std::string>& inputs, WordTokenizer* tokenizer,
                        int max_length, std::vector<RnnText>* out) {
  InputSpec spec;
  for (const std::string& in : inputs) spec.add_input(in);
  WM_ASSIGN_OR_RETURN(const std::vector<InputFile> files, ExpandInputs(spec));
  for (size_t i = 0; i < files.size(); ++i) {
    const WorkUnit unit{static_cast<int>(i), 0, files[i].size};
    int64_t paragraph = 0;
    WM_RETURN_IF_ERROR(ForEachParagraph(files[i], unit, spec, [&](const Paragraph& p) {
      ++paragraph;
      std::vector<std::string> words = Words(tokenizer, p.text, 0);
      const size_t piece = max_length > 0 ? max_length : std::max<size_t>(1, words.size());
      for (size_t at = 0; at < words.size(); at += piece) {
        RnnText t;
        t.words.assign(words.begin() + at, words.begin() + std::min(words.size(), at + piece));
        t.where = absl::StrCat(files[i].path, ": paragraph ", paragraph);
        out->push_back(std::move(t));
      }
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ReduceBrownTag(absl::string_view tag, RnnTagset tagset) {
  std::string t = absl::AsciiStrToLower(tag);
  if (tagset == RNN_TAGSET_FULL) return t;
  std::string base = t;
  if (base.size() > 1 && base.find_first_not_of("-") != std::string::npos) {
    if (absl::StartsWith(base, "fw-")) {
      base = "fw";
    } else {
      const size_t dash = base.find('-', 1);
      if (dash != std::string::npos) base.resize(dash);
      const size_t plus = base.find('+');
      if (plus != std::string::npos && plus > 0) base.resize(plus);
      if (base.size() > 1) base.erase(std::remove(base.begin(), base.end(), '*'), base.end());
      if (base.empty()) base = "*";
    }
  }
  if (tagset == RNN_TAGSET_BASE) return base;
  const auto& table = UniversalTable();
  auto it = table.find(base);
  return it == table.end() ? "X" : it->second;
}

absl::StatusOr<std::vector<RnnText>> ReadLabelFiles(const std::string& label_files,
                                                    const TokenizerSpec& tokenizer_spec,
                                                    int max_length) {
  WordTokenizer tokenizer(tokenizer_spec);
  std::vector<RnnText> out;
  for (absl::string_view item : absl::StrSplit(label_files, ',', absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--train-files: `", item, "` is not `label=path` (e.g. pos=rt-polarity.pos)"));
    }
    const std::string label(item.substr(0, eq)), path(item.substr(eq + 1));
    WM_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
    int line_no = 0;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      ++line_no;
      if (Blank(line)) continue;
      out.push_back(
          {Words(&tokenizer, line, max_length), {label}, absl::StrCat(path, ":", line_no)});
    }
  }
  return out;
}

absl::StatusOr<std::vector<RnnText>> ReadRnnFiles(RnnTask task,
                                                  const std::vector<std::string>& inputs,
                                                  RnnTagset tagset,
                                                  const TokenizerSpec& tokenizer_spec,
                                                  int max_length) {
  WordTokenizer tokenizer(tokenizer_spec);
  std::vector<RnnText> out;
  if (task == RNN_TASK_LM) {
    WM_RETURN_IF_ERROR(ReadCorpus(inputs, &tokenizer, max_length, &out));
    return out;
  }
  WM_ASSIGN_OR_RETURN(const std::vector<std::string> paths, ExpandPaths(inputs));
  for (const std::string& path : paths) {
    if (task == RNN_TASK_CLASSIFY) {
      WM_RETURN_IF_ERROR(ReadTsvClassify(path, &tokenizer, max_length, &out));
    } else {
      WM_RETURN_IF_ERROR(ReadTagged(path, tagset, &tokenizer, max_length, &out));
    }
  }
  return out;
}

}  // namespace wordmill
