// Expands the user's input paths into the corpus file list and detects each file's format.
#ifndef WORDMILL_WORKERS_INPUT_FILES_H_
#define WORDMILL_WORKERS_INPUT_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct InputFile {
  std::string path;
  int64_t size = 0;                            // bytes on disk
  Compression compression = COMPRESSION_NONE;  // resolved, never AUTO
  InputFormat format = FORMAT_PLAIN;           // resolved, never AUTO
};

// Expands files, directories (recursively; hidden entries skipped) and glob patterns, sorts
// by path and removes duplicates, then resolves compression and format of each file (AUTO:
// by name and by sniffing the first 4 KiB of decompressed content). Errors (InvalidArgument /
// NotFound) name the offending path: a pattern or directory matching nothing, an unreadable
// file, an empty input list.
absl::StatusOr<std::vector<InputFile>> ExpandInputs(const InputSpec& spec);
// ExpandInputs in two steps, so that ranks can share the second: the sorted, deduplicated
// paths, and the resolution of one file (size, compression, format) whose path is set.
absl::StatusOr<std::vector<std::string>> ListInputs(const InputSpec& spec);
absl::Status ResolveInputFile(const InputSpec& spec, InputFile* file);

// Format detection from a file name and the first bytes of its (decompressed) content.
InputFormat DetectFormat(const std::string& path, const std::string& head);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_INPUT_FILES_H_
