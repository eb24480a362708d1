#include "pipeline/spec_flags.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"
#include "formats/spec_docs.h"
#include "google/protobuf/text_format.h"

namespace wordmill {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void CollectLeaves(const Descriptor* descriptor, std::vector<const FieldDescriptor*>* prefix,
                   std::vector<LeafField>* out) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    prefix->push_back(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
      CollectLeaves(field->message_type(), prefix, out);
    } else if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      out->push_back({*prefix});
    }
    prefix->pop_back();
  }
}

// The common prefix of an enum's value names up to the last '_' (FORMAT_ for FORMAT_AUTO...).
std::string EnumPrefix(const EnumDescriptor* e) {
  std::string prefix = e->value(0)->name();
  for (int i = 1; i < e->value_count(); ++i) {
    const std::string& name = e->value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
    prefix.resize(n);
  }
  const size_t underscore = prefix.rfind('_');
  return underscore == std::string::npos ? "" : prefix.substr(0, underscore + 1);
}

std::string ShortEnumName(const EnumValueDescriptor* value) {
  return absl::AsciiStrToLower(absl::StripPrefix(value->name(), EnumPrefix(value->type())));
}

std::string EnumChoices(const EnumDescriptor* e) {
  std::vector<std::string> names;
  for (int i = 0; i < e->value_count(); ++i) names.push_back(ShortEnumName(e->value(i)));
  return absl::StrJoin(names, "|");
}

absl::Status BadValue(const std::string& flag, const std::string& value, const std::string& want) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", value, "' is not ", want));
}

bool ParseBool(absl::string_view value, bool* out) {
  const std::string v = absl::AsciiStrToLower(value);
  if (v == "true" || v == "1" || v == "yes") {
    *out = true;
    return true;
  }
  if (v == "false" || v == "0" || v == "no") {
    *out = false;
    return true;
  }
  return false;
}

// Sets (or, for repeated fields, adds) the leaf `field` of `message` from `value`.
absl::Status SetLeaf(Message* message, const FieldDescriptor* field, const std::string& flag,
                     const std::string& value) {
  const Reflection* r = message->GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return BadValue(flag, value, "an integer");
      const bool is32 = field->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                        field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
      const bool is_unsigned = field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
                               field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
      if ((is32 && (v > INT32_MAX || v < INT32_MIN)) || (is_unsigned && v < 0)) {
        return BadValue(flag, value,
                        is_unsigned ? "a non-negative integer in range" : "an integer in range");
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        rep ? r->AddInt32(message, field, static_cast<int32_t>(v))
            : r->SetInt32(message, field, static_cast<int32_t>(v));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        rep ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
        rep ? r->AddUInt32(message, field, static_cast<uint32_t>(v))
            : r->SetUInt32(message, field, static_cast<uint32_t>(v));
      } else {
        rep ? r->AddUInt64(message, field, static_cast<uint64_t>(v))
            : r->SetUInt64(message, field, static_cast<uint64_t>(v));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return BadValue(flag, value, "a number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        rep ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
      } else {
        rep ? r->AddFloat(message, field, static_cast<float>(v))
            : r->SetFloat(message, field, static_cast<float>(v));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!ParseBool(value, &v)) return BadValue(flag, value, "true or false");
      rep ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor* e = field->enum_type();
      const EnumValueDescriptor* found = e->FindValueByName(value);
      for (int i = 0; found == nullptr && i < e->value_count(); ++i) {
        if (ShortEnumName(e->value(i)) == absl::AsciiStrToLower(value)) found = e->value(i);
      }
      if (found == nullptr) return BadValue(flag, value, "one of " + EnumChoices(e));
      rep ? r->AddEnum(message, field, found) : r->SetEnum(message, field, found);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(message, field, value) : r->SetString(message, field, value);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InternalError(absl::StrCat("--", flag, ": unsupported field type"));
}

// Descends from `root` along all but the last element of `path`, creating sub-messages.
Message* ParentOf(Message* root, const LeafField& leaf) {
  Message* message = root;
  for (size_t i = 0; i + 1 < leaf.path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, leaf.path[i]);
  }
  return message;
}

std::string DefaultText(const FieldDescriptor* field) {
  if (field->is_repeated()) return "none";
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return ShortEnumName(field->default_value_enum());
    case FieldDescriptor::CPPTYPE_STRING:
      return field->default_value_string().empty()
                 ? "\"\""
                 : absl::StrCat("\"", field->default_value_string(), "\"");
    case FieldDescriptor::CPPTYPE_BOOL:
      return field->default_value_bool() ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(field->default_value_int32());
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(field->default_value_int64());
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(field->default_value_uint32());
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(field->default_value_uint64());
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(field->default_value_double());
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(field->default_value_float());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

std::string TypeText(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumChoices(field->enum_type());
    case FieldDescriptor::CPPTYPE_STRING:
      return "STRING";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "BOOL";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "NUMBER";
    default:
      return "INT";
  }
}

// Wraps `text` at `width` columns with `indent` spaces before each line.
std::string Wrap(const std::string& text, int indent, size_t width) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
}

// Fills every unset singular leaf with its default, recursively, so text format shows it.
void FillDefaults(Message* message) {
  const Descriptor* d = message->GetDescriptor();
  const Reflection* r = message->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (field->is_repeated()) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      FillDefaults(r->MutableMessage(message, field));
    } else if (!r->HasField(*message, field)) {
      google::protobuf::TextFormat::ParseFieldValueFromString(
          field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM ? field->default_value_enum()->name()
          : field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
              ? absl::StrCat("\"", absl::CEscape(field->default_value_string()), "\"")
              : DefaultText(field),
          field, message);
    }
  }
}

}  // namespace

std::string FlagName(const FieldDescriptor* field) {
  return absl::StrReplaceAll(field->name(), {{"_", "-"}});
}

std::vector<LeafField> LeafFields(const Descriptor* descriptor) {
  std::vector<LeafField> out;
  std::vector<const FieldDescriptor*> prefix;
  CollectLeaves(descriptor, &prefix, &out);
  return out;
}

absl::Status ParseSpecFlags(const std::vector<std::string>& args, Message* spec,
                            CommandLine* command_line) {
  std::map<std::string, LeafField> by_name;
  for (const LeafField& leaf : LeafFields(spec->GetDescriptor())) {
    by_name.emplace(FlagName(leaf.path.back()), leaf);
  }
  // A --spec file is applied first so that flags override it wherever they appear.
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--spec" && !absl::StartsWith(args[i], "--spec=")) continue;
    const std::string path = args[i] == "--spec" ? args[i + 1] : args[i].substr(7);
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok()) return text.status();
    if (!google::protobuf::TextFormat::MergeFromString(*text, spec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not a valid ", spec->GetDescriptor()->full_name(), " in protobuf text format"));
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      command_line->help = true;
      continue;
    }
    if (arg == "--print-spec") {
      command_line->print_spec = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < args.size(); ++i) command_line->positional.push_back(args[i]);
      break;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      command_line->positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    const size_t eq = name.find('=');
    const bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "spec") {
      if (!has_value) ++i;
      continue;
    }
    auto it = by_name.find(name);
    bool negated = false;
    if (it == by_name.end() && absl::StartsWith(name, "no-")) {
      it = by_name.find(name.substr(3));
      negated = it != by_name.end() &&
                it->second.path.back()->cpp_type() == FieldDescriptor::CPPTYPE_BOOL;
      if (!negated) it = by_name.end();
    }
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    const FieldDescriptor* field = it->second.path.back();
    if (!has_value) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
        value = negated ? "false" : "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    } else if (negated) {
      return absl::InvalidArgumentError(absl::StrCat("--no-", name, " takes no value"));
    }
    if (absl::Status s = SetLeaf(ParentOf(spec, it->second), field, name, value); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

std::string EffectiveSpecText(const Message& spec) {
  std::unique_ptr<Message> copy(spec.New());
  copy->CopyFrom(spec);
  FillDefaults(copy.get());
  std::string text;
  google::protobuf::TextFormat::PrintToString(*copy, &text);
  return text;
}

std::string SpecHelp(const std::string& usage, const std::string& summary,
                     const Descriptor* descriptor) {
  std::string out = absl::StrCat("usage: ", usage, "\n\n", Wrap(summary, 0, 100), "\nFlags:\n");
  std::string group;
  for (const LeafField& leaf : LeafFields(descriptor)) {
    const FieldDescriptor* field = leaf.path.back();
    const std::string parent =
        leaf.path.size() > 1 ? leaf.path[leaf.path.size() - 2]->message_type()->name() : "";
    if (parent != group) {
      group = parent;
      if (!group.empty()) absl::StrAppend(&out, "\n  [", group, "]\n");
    }
    absl::StrAppend(&out, "  --", FlagName(field), "=", TypeText(field),
                    field->is_repeated() ? " (repeatable)" : "", "  (default: ", DefaultText(field),
                    ")\n", Wrap(FieldComment(field), 6, 94));
  }
  absl::StrAppend(&out,
                  "\n  --spec=FILE  load the spec from FILE (protobuf text format) first; flags "
                  "override it\n  --print-spec  print the effective spec and exit\n  --help  this "
                  "text\n");
  return out;
}

}  // namespace wordmill
