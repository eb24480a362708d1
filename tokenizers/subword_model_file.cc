// The model file: WriteSubwordModel and ReadSubwordModel (declared in subword_model.h).
#include <utility>

#include "absl/strings/str_cat.h"
#include "formats/record_file.h"
#include "google/protobuf/text_format.h"
#include "tokenizers/subword_model.h"

namespace wordmill {
namespace {

constexpr char kRecordType[] = "wordmill.SubwordModelRecord";
constexpr char kVersionKey[] = "subword_model_version";

}  // namespace

absl::Status WriteSubwordModel(const std::string& path, const SubwordModel& model) {
  const SubwordModelData& data = model.data();
  SubwordModelHeader header;
  header.set_version(kSubwordModelVersion);
  *header.mutable_subword() = data.spec;
  *header.mutable_tokenizer() = data.tokenizer;
  header.set_pieces(static_cast<int64_t>(data.pieces.size()));
  header.set_merges(static_cast<int64_t>(data.merges.size()));
  header.set_training_words(data.training_words);
  header.set_training_tokens(data.training_tokens);
  RecordWriterOptions options;
  options.record_type = kRecordType;
  options.spec_type = SubwordModelHeader::descriptor()->full_name();
  google::protobuf::TextFormat::PrintToString(header, &options.spec_text);
  options.metadata[kVersionKey] = absl::StrCat(kSubwordModelVersion);
  options.metadata["model"] = SubwordModelName(data.spec.model());
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer = RecordWriter::Open(path, options);
  if (!writer.ok()) return writer.status();
  SubwordModelRecord record;
  std::string bytes;
  for (const SubwordPiece& p : data.pieces) {
    record.Clear();
    record.set_piece(p.piece);
    if (p.score != 0) record.set_score(p.score);
    if (p.special) record.set_kind(SUBWORD_PIECE_SPECIAL);
    record.SerializeToString(&bytes);
    if (absl::Status s = (*writer)->Append(bytes); !s.ok()) return s;
  }
  for (const SubwordMerge& m : data.merges) {
    record.Clear();
    record.set_merge_left(m.left);
    record.set_merge_right(m.right);
    record.set_merge_result(m.result);
    record.SerializeToString(&bytes);
    if (absl::Status s = (*writer)->Append(bytes); !s.ok()) return s;
  }
  return (*writer)->Close();
}

absl::StatusOr<std::unique_ptr<SubwordModel>> ReadSubwordModel(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  const RecordFileHeader& file_header = (*reader)->header();
  auto bad = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(path, ": ", what));
  };
  if (file_header.record_type() != kRecordType) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a tokenizer model (it holds ",
                                                   file_header.record_type(), " records)"));
  }
  auto version = file_header.metadata().find(kVersionKey);
  if (version == file_header.metadata().end() ||
      version->second != absl::StrCat(kSubwordModelVersion)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": tokenizer model version ",
        version == file_header.metadata().end() ? "(none)" : version->second,
        "; this wordmill reads version ", kSubwordModelVersion, " (retrain the tokenizer)"));
  }
  SubwordModelHeader header;
  if (file_header.spec_type() != SubwordModelHeader::descriptor()->full_name() ||
      !google::protobuf::TextFormat::ParseFromString(file_header.spec_text(), &header)) {
    return bad("the model header (SubwordModelHeader) does not parse");
  }
  if (header.version() != kSubwordModelVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": tokenizer model version ", header.version(),
                     "; this wordmill reads version ", kSubwordModelVersion));
  }
  if (header.pieces() < 1 || header.merges() < 0 ||
      static_cast<uint64_t>(header.pieces() + header.merges()) != file_header.record_count()) {
    return bad(absl::StrCat("the header promises ", header.pieces(), " pieces and ",
                            header.merges(), " merges but the file holds ",
                            file_header.record_count(), " records"));
  }
  SubwordModelData data;
  data.spec = header.subword();
  data.tokenizer = header.tokenizer();
  data.training_words = header.training_words();
  data.training_tokens = header.training_tokens();
  SubwordModelRecord record;
  for (int64_t i = 0;; ++i) {
    absl::string_view bytes;
    absl::StatusOr<bool> more = (*reader)->Next(&bytes);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return bad(absl::StrCat("record ", i, " does not parse"));
    }
    if (i < header.pieces()) {
      if (!record.has_piece()) return bad(absl::StrCat("record ", i, " is not a piece"));
      data.pieces.push_back(
          {record.piece(), record.score(), record.kind() == SUBWORD_PIECE_SPECIAL});
    } else {
      if (!record.has_merge_result()) return bad(absl::StrCat("record ", i, " is not a merge"));
      data.merges.push_back({record.merge_left(), record.merge_right(), record.merge_result()});
    }
  }
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = CreateSubwordModel(std::move(data));
  if (!model.ok() && absl::IsDataLoss(model.status()))
    return bad(std::string(model.status().message()));
  return model;
}

}  // namespace wordmill
