// Command-line flags mapped one-to-one onto a command's spec message, by reflection.
//
// Every leaf (non-message) field of the command message and of its sub-messages is a flag
// named after the field with '_' spelled '-': VocabCommand.vocabulary.min_count is
// `--min-count`. Leaf names are unique within a command (checked by a test). Values:
// `--flag=value` or `--flag value`; booleans also as `--flag` / `--no-flag`; enums by their
// short lower-case name (`nfkc` for NORMALIZATION_NFKC) or full name; repeated fields by
// repeating the flag. `--spec FILE` first loads a spec in protobuf text format, and flags
// given with it override its fields. `--help` text is generated from the proto comments.
#ifndef WORDMILL_PIPELINE_SPEC_FLAGS_H_
#define WORDMILL_PIPELINE_SPEC_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace wordmill {

struct CommandLine {
  bool help = false;
  bool print_spec = false;
  std::vector<std::string> positional;
};

// The flag name of a field (`min_count` -> `min-count`).
std::string FlagName(const google::protobuf::FieldDescriptor* field);
// All leaf fields of `descriptor` reachable through singular message fields, in declaration
// order, with the path of message fields leading to each.
struct LeafField {
  std::vector<const google::protobuf::FieldDescriptor*> path;  // ends with the leaf
};
std::vector<LeafField> LeafFields(const google::protobuf::Descriptor* descriptor);

// Parses `args` (after the subcommand) into *spec. Unknown flags, bad values and a missing
// value are InvalidArgument naming the flag.
absl::Status ParseSpecFlags(const std::vector<std::string>& args, google::protobuf::Message* spec,
                            CommandLine* command_line);

// The spec in protobuf text format, with defaults of unset fields written out, so the printed
// spec is the effective one.
std::string EffectiveSpecText(const google::protobuf::Message& spec);

// Help text: usage line, summary, then every flag with its type, default and proto comment.
std::string SpecHelp(const std::string& usage, const std::string& summary,
                     const google::protobuf::Descriptor* descriptor);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_SPEC_FLAGS_H_
