#include "pipeline/pipeline_config.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stage.h"
#include "pipeline/stage_graph.h"

namespace wordmill {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// Collects the parser's errors as "PATH:LINE:COLUMN: message" (1-based).
class LineErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit LineErrorCollector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string path_;
  std::string first_;
};

// The line (1-based) where `name` is set under `message`, searching depth first; 0 if unset.
int FindFieldLine(const Message& message, const TextFormat::ParseInfoTree* tree,
                  const std::string& name, std::string* path) {
  if (tree == nullptr) return 0;
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const int count =
        f->is_repeated() ? r->FieldSize(message, f) : (r->HasField(message, f) ? 1 : 0);
    for (int k = 0; k < count; ++k) {
      const int index = f->is_repeated() ? k : -1;
      const std::string here = absl::StrCat(path->empty() ? "" : ".", f->name(),
                                            f->is_repeated() ? absl::StrCat("[", k, "]") : "");
      if (f->name() == name) {
        const TextFormat::ParseLocation loc = tree->GetLocation(f, index);
        if (loc.line >= 0) {
          *path += here;
          return loc.line + 1;
        }
      }
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      std::string sub = *path + here;
      const Message& child =
          f->is_repeated() ? r->GetRepeatedMessage(message, f, k) : r->GetMessage(message, f);
      if (int line = FindFieldLine(child, tree->GetTreeForNested(f, index), name, &sub)) {
        *path = sub;
        return line;
      }
    }
  }
  return 0;
}

class ConfigErrors {
 public:
  ConfigErrors(std::string path, const Pipeline& pipeline, const TextFormat::ParseInfoTree* tree)
      : path_(std::move(path)), pipeline_(pipeline), tree_(tree) {}

  // An error about field `name` (searched under model[model] first when model >= 0):
  // "PATH:LINE: FIELD: message".
  absl::Status At(const std::string& name, int model, const std::string& message) const {
    std::string field;
    const int line = Locate(name, model, &field);
    return absl::InvalidArgumentError(absl::StrCat(path_, line > 0 ? absl::StrCat(":", line) : "",
                                                   ": ", field.empty() ? "" : field + ": ",
                                                   message));
  }

  // A subcommand validator's error ("--dim must be ..."): the flag names the field, and the
  // message says the field's path instead ("PATH:LINE: model[1].glove.dim must be ...").
  absl::Status FromValidator(const absl::Status& status, int model) const {
    if (status.ok()) return status;
    std::string message(status.message());
    const size_t dash = message.find("--");
    if (dash == std::string::npos) return At("", model, message);
    size_t end = dash + 2;
    while (end < message.size() && (absl::ascii_isalnum(message[end]) || message[end] == '-')) {
      ++end;
    }
    const std::string name =
        absl::StrReplaceAll(message.substr(dash + 2, end - dash - 2), {{"-", "_"}});
    std::string field;
    const int line = Locate(name, model, &field);
    if (!field.empty()) message.replace(dash, end - dash, field);
    return absl::InvalidArgumentError(
        absl::StrCat(path_, line > 0 ? absl::StrCat(":", line) : "", ": ", message));
  }

  // An error about entry `index` of the repeated top-level field `name`, at its line.
  absl::Status AtEntry(const std::string& name, int index, const std::string& message) const {
    const FieldDescriptor* f = Pipeline::descriptor()->FindFieldByName(name);
    const int line = tree_ && f ? tree_->GetLocation(f, index).line + 1 : 0;
    return absl::InvalidArgumentError(absl::StrCat(path_, line > 0 ? absl::StrCat(":", line) : "",
                                                   ": ", name, "[", index, "]: ", message));
  }

 private:
  // The line of field `name` and its path from the Pipeline; 0 and "" when it is not in the file
  // (then the model's own line, for model errors).
  int Locate(const std::string& name, int model, std::string* field) const {
    if (model < 0) {
      return name.empty() ? 0 : FindFieldLine(pipeline_, tree_, name, field);
    }
    const FieldDescriptor* f = Pipeline::descriptor()->FindFieldByName("model");
    *field = absl::StrCat("model[", model, "]");
    const TextFormat::ParseInfoTree* sub = tree_ ? tree_->GetTreeForNested(f, model) : nullptr;
    if (int line = name.empty() ? 0 : FindFieldLine(pipeline_.model(model), sub, name, field)) {
      return line;
    }
    *field = absl::StrCat("model[", model, "]");
    return tree_ ? tree_->GetLocation(f, model).line + 1 : 0;
  }

  std::string path_;
  const Pipeline& pipeline_;
  const TextFormat::ParseInfoTree* tree_;
};

bool ValidModelName(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

absl::Status Validate(const Pipeline& p, const ConfigErrors& errors) {
  if (p.input().input().empty()) {
    return errors.At("input", -1,
                     "no corpus: set input { input: \"PATH\" } (files, directories, globs)");
  }
  if (p.output_dir().empty()) return errors.At("output_dir", -1, "output_dir is required");
  std::set<std::string> names;
  for (int m = 0; m < p.model_size(); ++m) {
    const PipelineModel& model = p.model(m);
    if (!ValidModelName(model.name())) {
      return errors.At("name", m,
                       absl::StrCat("model name '", model.name(),
                                    "': use letters, digits, '-', '_' and '.' (required)"));
    }
    if (!names.insert(model.name()).second) {
      return errors.At("name", m, absl::StrCat("model name '", model.name(), "' is used twice"));
    }
    if (model.trainer_case() == PipelineModel::TRAINER_NOT_SET) {
      return errors.At("name", m, "give the model's trainer: sgns { ... } or glove { ... }");
    }
  }
  if (!p.evaluation().vectors().empty() || !p.neighbors().vectors().empty()) {
    return errors.At("vectors", -1, "vectors is filled in for each model; leave it empty");
  }
  std::set<std::string> basenames;
  for (int i = 0; i < p.exports_size(); ++i) {
    const ExportSpec& e = p.exports(i);
    if (!e.input().empty() || !e.output_dir().empty()) {
      return errors.AtEntry("exports", i,
                            "input and output_dir are filled in for each model; leave them empty");
    }
    if (!ValidModelName(e.basename())) {
      return errors.AtEntry(
          "exports", i,
          absl::StrCat("basename '", e.basename(), "': use letters, digits, '-', '_' and '.'"));
    }
    if (!basenames.insert(e.basename()).second) {
      return errors.AtEntry("exports", i,
                            absl::StrCat("basename '", e.basename(),
                                         "' is used twice (the files would overwrite each other)"));
    }
  }
  if (p.neighbors().word_size() > 0 && p.neighbors().k() < 1) {
    return errors.At("k", -1, "neighbors.k must be at least 1");
  }
  // Every stage's own checks (its subcommand's validator).
  for (const std::unique_ptr<Stage>& stage : PlanStages(p)) {
    if (absl::Status s = stage->Validate(); !s.ok()) {
      return errors.FromValidator(s, stage->config_model());
    }
  }
  return absl::OkStatus();
}

// Clears the field at `path` (dotted, with [i] indexes) if it exists and is a repeated scalar.
void ClearIfRepeatedScalar(const std::string& path, Pipeline* pipeline) {
  Message* m = pipeline;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    int index = -1;
    if (const size_t open = name.find('['); open != std::string::npos) {
      if (!absl::SimpleAtoi(name.substr(open + 1, name.size() - open - 2), &index)) return;
      name = name.substr(0, open);
    }
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) return;
    const Reflection* r = m->GetReflection();
    if (i + 1 == parts.size()) {
      if (f->is_repeated() && f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        r->ClearField(m, f);
      }
      return;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return;
    if (f->is_repeated()) {
      if (index < 0 || index >= r->FieldSize(*m, f)) return;
      m = r->MutableRepeatedMessage(m, f, index);
    } else {
      m = r->MutableMessage(m, f);
    }
  }
}

}  // namespace

absl::Status ApplyOverride(const std::string& assignment, Pipeline* pipeline) {
  const size_t eq = assignment.find('=');
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--set ", assignment, ": ", why));
  };
  if (eq == std::string::npos || eq == 0) return bad("expected FIELD.PATH=VALUE");
  const std::string value = assignment.substr(eq + 1);
  Message* message = pipeline;
  const std::vector<std::string> parts = absl::StrSplit(assignment.substr(0, eq), '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    int index = -1;
    if (const size_t open = name.find('['); open != std::string::npos) {
      if (name.back() != ']' ||
          !absl::SimpleAtoi(name.substr(open + 1, name.size() - open - 2), &index) || index < 0) {
        return bad(absl::StrCat("bad index in '", name, "'"));
      }
      name = name.substr(0, open);
    }
    const FieldDescriptor* f = message->GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) {
      return bad(absl::StrCat(message->GetDescriptor()->full_name(), " has no field '", name, "'"));
    }
    const Reflection* r = message->GetReflection();
    const bool last = i + 1 == parts.size();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) return bad(absl::StrCat("'", name, "' is a message; set one of its fields"));
      if (f->is_repeated()) {
        if (index < 0) return bad(absl::StrCat("'", name, "' is repeated: use ", name, "[i]"));
        const int size = r->FieldSize(*message, f);
        if (index > size) return bad(absl::StrCat(name, " has ", size, " entries"));
        message = index == size ? r->AddMessage(message, f)
                                : r->MutableRepeatedMessage(message, f, index);
      } else {
        message = r->MutableMessage(message, f);
      }
      continue;
    }
    if (!last || index >= 0) return bad(absl::StrCat("'", name, "' is not a message"));
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (f->is_repeated()) {
        // An empty value leaves the (replaced) list empty: --set evaluation.similarity=
        if (!value.empty()) r->AddString(message, f, value);
      } else {
        r->SetString(message, f, value);
      }
      return absl::OkStatus();
    }
    if (!TextFormat::ParseFieldValueFromString(value, f, message)) {
      return bad(absl::StrCat("'", value, "' is not a valid ", f->type_name(), " for ", name));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Pipeline> LoadPipelineConfig(const std::string& path,
                                            const std::vector<std::string>& overrides) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  Pipeline pipeline;
  TextFormat::Parser parser;
  LineErrorCollector collector(path);
  TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(*text, &pipeline)) {
    return absl::InvalidArgumentError(collector.first().empty()
                                          ? absl::StrCat(path, ": not a valid wordmill.Pipeline")
                                          : collector.first());
  }
  // Repeated scalars named by overrides are replaced, not appended to: the first override of
  // such a field clears it.
  std::set<std::string> seen;
  for (const std::string& o : overrides) {
    const std::string field = o.substr(0, o.find('='));
    if (seen.insert(field).second) ClearIfRepeatedScalar(field, &pipeline);
    if (absl::Status s = ApplyOverride(o, &pipeline); !s.ok()) return s;
  }
  ConfigErrors errors(path, pipeline, &tree);
  if (absl::Status s = Validate(pipeline, errors); !s.ok()) return s;
  return pipeline;
}

std::string EffectivePipelineText(const Pipeline& pipeline) {
  // EffectiveSpecText fills singular sub-messages only (and would set both members of the
  // trainer oneof), so each model's trainer is filled on its own.
  Pipeline copy = pipeline;
  copy.set_work_dir(WorkDir(pipeline));
  copy.clear_model();
  Pipeline filled;
  TextFormat::ParseFromString(EffectiveSpecText(copy), &filled);
  const google::protobuf::OneofDescriptor* trainer =
      PipelineModel::descriptor()->FindOneofByName("trainer");
  for (const PipelineModel& model : pipeline.model()) {
    PipelineModel* m = filled.add_model();
    m->set_name(model.name());
    const Reflection* r = model.GetReflection();
    if (const FieldDescriptor* f = r->GetOneofFieldDescriptor(model, trainer)) {
      TextFormat::ParseFromString(EffectiveSpecText(r->GetMessage(model, f)),
                                  r->MutableMessage(m, f));
    }
  }
  std::string text;
  TextFormat::PrintToString(filled, &text);
  return text;
}

}  // namespace wordmill
