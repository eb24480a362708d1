#include "embeddings/rnn_model_file.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "formats/record_file.h"
#include "google/protobuf/text_format.h"

namespace wordmill {
namespace {

constexpr char kRecordType[] = "wordmill.RnnModelPart";

}  // namespace

std::string FormatEpochRecords(const std::vector<RnnEpochRecord>& epochs) {
  std::string out;
  for (const RnnEpochRecord& e : epochs) {
    absl::StrAppendFormat(&out, "%d %.9g %.17g %.17g %.17g %.17g %.17g %.17g\n", e.epoch, e.lr,
                          e.loss, e.train_accuracy, e.dev_accuracy, e.dev_perplexity, e.seconds,
                          e.tokens_per_second);
  }
  return out;
}

bool ParseEpochRecords(absl::string_view text, std::vector<RnnEpochRecord>* epochs) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    RnnEpochRecord e;
    if (f.size() != 8 || !absl::SimpleAtoi(f[0], &e.epoch) || !absl::SimpleAtof(f[1], &e.lr) ||
        !absl::SimpleAtod(f[2], &e.loss) || !absl::SimpleAtod(f[3], &e.train_accuracy) ||
        !absl::SimpleAtod(f[4], &e.dev_accuracy) || !absl::SimpleAtod(f[5], &e.dev_perplexity) ||
        !absl::SimpleAtod(f[6], &e.seconds) || !absl::SimpleAtod(f[7], &e.tokens_per_second)) {
      return false;
    }
    epochs->push_back(e);
  }
  return true;
}

namespace {

template <typename T>
absl::string_view Bytes(const T* data, size_t count) {
  return absl::string_view(reinterpret_cast<const char*>(data), count * sizeof(T));
}

absl::Status WriteParts(const std::string& path, const RnnModel& model,
                        const RnnTrainState* state) {
  RecordWriterOptions options;
  options.record_type = kRecordType;
  options.spec_type = "wordmill.RnnTrainCommand";
  google::protobuf::TextFormat::PrintToString(model.command, &options.spec_text);
  options.metadata["kind"] = state == nullptr ? "model" : "checkpoint";
  options.metadata["vocab"] = absl::StrCat(model.shape.vocab);
  options.metadata["dim"] = absl::StrCat(model.shape.dim);
  options.metadata["classes"] = absl::StrCat(model.shape.classes);
  options.metadata["params"] = absl::StrCat(model.params.size());
  if (state != nullptr) {
    options.metadata["epochs_done"] = absl::StrCat(state->epochs_done);
    options.metadata["best_epoch"] = absl::StrCat(state->best_epoch);
    options.metadata["best_score"] = absl::StrFormat("%.17g", state->best_score);
    options.metadata["since_best"] = absl::StrCat(state->since_best);
    options.metadata["steps"] = absl::StrCat(state->optimizer.steps);
  }
  WM_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> w, RecordWriter::Open(path, options));
  WM_RETURN_IF_ERROR(w->Append(absl::StrJoin(model.words, "\n")));
  WM_RETURN_IF_ERROR(w->Append(absl::StrJoin(model.classes, "\n")));
  WM_RETURN_IF_ERROR(w->Append(Bytes(model.params.data(), model.params.size())));
  WM_RETURN_IF_ERROR(w->Append(Bytes(model.embedding.data(), model.embedding.size())));
  if (state != nullptr) {
    const RnnOptimizerState& o = state->optimizer;
    WM_RETURN_IF_ERROR(w->Append(Bytes(o.m.data(), o.m.size())));
    WM_RETURN_IF_ERROR(w->Append(Bytes(o.v.data(), o.v.size())));
    WM_RETURN_IF_ERROR(w->Append(Bytes(o.row_m.data(), o.row_m.size())));
    WM_RETURN_IF_ERROR(w->Append(Bytes(o.row_v.data(), o.row_v.size())));
    WM_RETURN_IF_ERROR(w->Append(Bytes(state->best_params.data(), state->best_params.size())));
    WM_RETURN_IF_ERROR(
        w->Append(Bytes(state->best_embedding.data(), state->best_embedding.size())));
    WM_RETURN_IF_ERROR(w->Append(FormatEpochRecords(state->epochs)));
  }
  return w->Close();
}

struct Parts {
  RecordFileHeader header;
  std::vector<std::string> records;
};

absl::StatusOr<Parts> ReadParts(const std::string& path) {
  WM_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> r, RecordReader::Open(path));
  Parts parts;
  parts.header = r->header();
  if (parts.header.record_type() != kRecordType) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a wordmill rnn model (records of type '", parts.header.record_type(), "')"));
  }
  absl::string_view record;
  while (true) {
    WM_ASSIGN_OR_RETURN(const bool more, r->Next(&record));
    if (!more) break;
    parts.records.emplace_back(record);
  }
  return parts;
}

int64_t Meta(const Parts& p, const std::string& key) {
  auto it = p.header.metadata().find(key);
  int64_t v = -1;
  if (it == p.header.metadata().end() || !absl::SimpleAtoi(it->second, &v)) return -1;
  return v;
}

// Copies record `i` into `count` values at *out, or fails naming the file.
template <typename T>
absl::Status Take(const Parts& p, size_t i, size_t count, T* out, const std::string& path) {
  if (i >= p.records.size() || p.records[i].size() != count * sizeof(T)) {
    return absl::DataLossError(absl::StrCat(path, ": record ", i, " has the wrong size"));
  }
  if (count > 0) std::memcpy(out, p.records[i].data(), count * sizeof(T));
  return absl::OkStatus();
}

absl::Status Fill(const std::string& path, const Parts& p, RnnModel* model) {
  if (!google::protobuf::TextFormat::ParseFromString(p.header.spec_text(), &model->command)) {
    return absl::DataLossError(absl::StrCat(path, ": the spec in the header does not parse"));
  }
  model->shape.vocab = static_cast<int>(Meta(p, "vocab"));
  model->shape.dim = static_cast<int>(Meta(p, "dim"));
  model->shape.classes = static_cast<int>(Meta(p, "classes"));
  const int64_t params = Meta(p, "params");
  if (model->shape.vocab < 1 || model->shape.dim < 1 || model->shape.classes < 1 || params < 0 ||
      p.records.size() < 4) {
    return absl::DataLossError(absl::StrCat(path, ": bad rnn model header"));
  }
  model->words = absl::StrSplit(p.records[0], '\n');
  model->classes = p.records[1].empty()
                       ? std::vector<std::string>()
                       : std::vector<std::string>(absl::StrSplit(p.records[1], '\n'));
  if (static_cast<int64_t>(model->words.size()) != model->shape.vocab) {
    return absl::DataLossError(absl::StrCat(path, ": the word list does not match the vocab size"));
  }
  const RnnNetwork net(model->spec(), model->shape);
  if (net.layout().size() != params) {
    return absl::DataLossError(absl::StrCat(path, ": the parameters do not match the spec"));
  }
  model->params.resize(params);
  model->embedding.resize(model->shape.dim, model->shape.vocab);
  WM_RETURN_IF_ERROR(Take(p, 2, model->params.size(), model->params.data(), path));
  return Take(p, 3, model->embedding.size(), model->embedding.data(), path);
}

}  // namespace

absl::Status WriteRnnModel(const std::string& path, const RnnModel& model) {
  return WriteParts(path, model, nullptr);
}

absl::StatusOr<RnnModel> ReadRnnModel(const std::string& path) {
  WM_ASSIGN_OR_RETURN(const Parts p, ReadParts(path));
  RnnModel model;
  WM_RETURN_IF_ERROR(Fill(path, p, &model));
  return model;
}

absl::Status WriteRnnCheckpoint(const std::string& path, const RnnModel& model,
                                const RnnTrainState& state) {
  return WriteParts(path, model, &state);
}

absl::Status ReadRnnCheckpoint(const std::string& path, RnnModel* model, RnnTrainState* state) {
  WM_ASSIGN_OR_RETURN(const Parts p, ReadParts(path));
  RnnModel saved;
  WM_RETURN_IF_ERROR(Fill(path, p, &saved));
  std::string a, b;
  google::protobuf::TextFormat::PrintToString(saved.spec(), &a);
  google::protobuf::TextFormat::PrintToString(model->spec(), &b);
  if (a != b || saved.shape.vocab != model->shape.vocab || saved.shape.dim != model->shape.dim ||
      saved.shape.classes != model->shape.classes || saved.words != model->words) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": the checkpoint is of another spec or data; remove it or drop --resume"));
  }
  if (p.records.size() != 11) {
    return absl::DataLossError(absl::StrCat(path, ": not a complete rnn checkpoint"));
  }
  model->params = std::move(saved.params);
  model->embedding = std::move(saved.embedding);
  state->epochs_done = static_cast<int>(Meta(p, "epochs_done"));
  state->best_epoch = static_cast<int>(Meta(p, "best_epoch"));
  state->since_best = static_cast<int>(Meta(p, "since_best"));
  state->optimizer.steps = Meta(p, "steps");
  auto best = p.header.metadata().find("best_score");
  if (best == p.header.metadata().end() || !absl::SimpleAtod(best->second, &state->best_score) ||
      state->epochs_done < 0 || state->optimizer.steps < 0) {
    return absl::DataLossError(absl::StrCat(path, ": bad checkpoint header"));
  }
  RnnOptimizerState& o = state->optimizer;
  const size_t dense = p.records[4].size() / sizeof(float);
  const int64_t rows = static_cast<int64_t>(p.records[6].size() / sizeof(float));
  const int dim = model->shape.dim;
  o.m.resize(dense);
  o.v.resize(dense);
  if (rows != 0 && rows != static_cast<int64_t>(dim) * model->shape.vocab) {
    return absl::DataLossError(absl::StrCat(path, ": optimizer rows of the wrong size"));
  }
  o.row_m.resize(rows ? dim : 0, rows ? model->shape.vocab : 0);
  o.row_v.resize(o.row_m.rows(), o.row_m.cols());
  WM_RETURN_IF_ERROR(Take(p, 4, dense, o.m.data(), path));
  WM_RETURN_IF_ERROR(Take(p, 5, dense, o.v.data(), path));
  WM_RETURN_IF_ERROR(Take(p, 6, o.row_m.size(), o.row_m.data(), path));
  WM_RETURN_IF_ERROR(Take(p, 7, o.row_v.size(), o.row_v.data(), path));
  const size_t best_params = p.records[8].size() / sizeof(float);
  state->best_params.resize(best_params);
  WM_RETURN_IF_ERROR(Take(p, 8, best_params, state->best_params.data(), path));
  const int64_t best_cols =
      static_cast<int64_t>(p.records[9].size() / sizeof(float)) / std::max(1, dim);
  state->best_embedding.resize(best_cols ? dim : 0, best_cols);
  WM_RETURN_IF_ERROR(Take(p, 9, state->best_embedding.size(), state->best_embedding.data(), path));
  if (!ParseEpochRecords(p.records[10], &state->epochs)) {
    return absl::DataLossError(absl::StrCat(path, ": bad epoch records"));
  }
  return absl::OkStatus();
}

}  // namespace wordmill
