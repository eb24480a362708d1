#include "tokenizers/hf_export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tokenizers/bpe_model.h"
#include "tokenizers/unigram_adapter.h"
#include "tokenizers/wordpiece_model.h"

namespace wordmill {
namespace {

// The code point that stands for each byte (GPT-2's bytes_to_unicode).
std::vector<uint32_t> ByteCodepoints() {
  std::vector<uint32_t> map(256, 0);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    map[b] = printable ? b : next++;
  }
  return map;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A JSON string literal (the input is UTF-8; control characters are escaped).
std::string Json(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string Score(double x) { return absl::StrFormat("%.17g", x); }

}  // namespace

std::string ByteLevelString(absl::string_view bytes) {
  static const std::vector<uint32_t>* const map = new std::vector<uint32_t>(ByteCodepoints());
  std::string out;
  for (unsigned char b : bytes) AppendUtf8((*map)[b], &out);
  return out;
}

std::vector<std::string> DisplayPieces(const SubwordModel& model) {
  const bool byte_level =
      model.data().spec.model() == SUBWORD_BPE && model.data().spec.byte_level();
  std::vector<std::string> out;
  out.reserve(model.pieces().size());
  for (const SubwordPiece& p : model.pieces()) {
    out.push_back(byte_level && !p.special ? ByteLevelString(p.piece) : p.piece);
  }
  return out;
}

std::string HuggingFaceTokenizerJson(const SubwordModel& model) {
  const SubwordModelData& data = model.data();
  const std::vector<std::string> pieces = DisplayPieces(model);
  const std::string& unk = pieces[model.unk_id()];
  std::string json = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n";
  json += "  \"added_tokens\": [";
  bool first = true;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!data.pieces[i].special) continue;
    absl::StrAppend(&json, first ? "\n" : ",\n", "    {\"id\": ", i,
                    ", \"content\": ", Json(pieces[i]),
                    ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                    "\"normalized\": false, \"special\": true}");
    first = false;
  }
  json += "\n  ],\n  \"normalizer\": null,\n";
  const char* kWhitespace = "{\"type\": \"WhitespaceSplit\"}";
  std::string pre_tokenizer, decoder, model_json;
  auto vocab_object = [&] {
    std::string v = "{";
    for (size_t i = 0; i < pieces.size(); ++i) {
      absl::StrAppend(&v, i ? ",\n      " : "\n      ", Json(pieces[i]), ": ", i);
    }
    return v + "\n    }";
  };
  switch (data.spec.model()) {
    case SUBWORD_BPE: {
      std::string merges = "[";
      for (size_t i = 0; i < data.merges.size(); ++i) {
        absl::StrAppend(&merges, i ? ",\n      " : "\n      ", "[",
                        Json(pieces[data.merges[i].left]), ", ", Json(pieces[data.merges[i].right]),
                        "]");
      }
      merges += "\n    ]";
      if (data.spec.byte_level()) {
        const char* kByteLevel =
            "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, "
            "\"use_regex\": false}";
        pre_tokenizer = absl::StrCat("{\"type\": \"Sequence\", \"pretokenizers\": [", kWhitespace,
                                     ", ", kByteLevel, "]}");
        decoder = kByteLevel;
      } else {
        pre_tokenizer = kWhitespace;
        decoder =
            absl::StrCat("{\"type\": \"BPEDecoder\", \"suffix\": ", Json(kEndOfWordSuffix), "}");
      }
      model_json = absl::StrCat(
          "{\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": ", Json(unk),
          ",\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": ",
          data.spec.byte_level() ? "null" : Json(kEndOfWordSuffix),
          ",\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": "
          "false,\n    \"vocab\": ",
          vocab_object(), ",\n    \"merges\": ", merges, "\n  }");
      break;
    }
    case SUBWORD_WORDPIECE:
      pre_tokenizer = kWhitespace;
      decoder = absl::StrCat("{\"type\": \"WordPiece\", \"prefix\": ", Json(kContinuationPrefix),
                             ", \"cleanup\": false}");
      model_json = absl::StrCat("{\n    \"type\": \"WordPiece\",\n    \"unk_token\": ", Json(unk),
                                ",\n    \"continuing_subword_prefix\": ", Json(kContinuationPrefix),
                                ",\n    \"max_input_chars_per_word\": 1000000000,\n    \"vocab\": ",
                                vocab_object(), "\n  }");
      break;
    case SUBWORD_UNIGRAM: {
      pre_tokenizer = decoder =
          absl::StrCat("{\"type\": \"Metaspace\", \"replacement\": ", Json(kWordBoundaryMarker),
                       ", \"prepend_scheme\": \"always\", \"split\": true}");
      std::string vocab = "[";
      for (size_t i = 0; i < pieces.size(); ++i) {
        absl::StrAppend(&vocab, i ? ",\n      " : "\n      ", "[", Json(pieces[i]), ", ",
                        Score(data.pieces[i].score), "]");
      }
      model_json =
          absl::StrCat("{\n    \"type\": \"Unigram\",\n    \"unk_id\": ", model.unk_id(),
                       ",\n    \"byte_fallback\": false,\n    \"vocab\": ", vocab, "\n    ]\n  }");
      break;
    }
  }
  absl::StrAppend(&json, "  \"pre_tokenizer\": ", pre_tokenizer,
                  ",\n  \"post_processor\": null,\n  \"decoder\": ", decoder,
                  ",\n  \"model\": ", model_json, "\n}\n");
  return json;
}

}  // namespace wordmill
