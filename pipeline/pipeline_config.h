// The `wordmill run` config: a Pipeline message (formats/wordmill.proto) in protobuf text
// format, with `--set FIELD=VALUE` overrides, validated with errors that name the file and the
// line of the offending field.
#ifndef WORDMILL_PIPELINE_PIPELINE_CONFIG_H_
#define WORDMILL_PIPELINE_PIPELINE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Reads `path` as a text-format Pipeline, applies `overrides` (each `a.b[2].c=VALUE`: a path of
// field names, `[i]` indexing a repeated message field, i == size appends; a repeated scalar is
// replaced by the values of all overrides naming it; strings are taken verbatim, other values
// parsed as in text format), fills in work_dir, and validates everything (the same checks as
// each stage's subcommand). Errors are InvalidArgument "PATH:LINE:COLUMN: message" (unknown
// field, typo, bad value, duplicate model name...), or NotFound for a missing file.
absl::StatusOr<Pipeline> LoadPipelineConfig(const std::string& path,
                                            const std::vector<std::string>& overrides);

// Applies one override to `pipeline` (exposed for tests).
absl::Status ApplyOverride(const std::string& assignment, Pipeline* pipeline);

// The effective config in text format (defaults written out), as `--print-spec` prints it.
std::string EffectivePipelineText(const Pipeline& pipeline);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_PIPELINE_CONFIG_H_
