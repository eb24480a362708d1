// Whole-file and directory utilities: copying a file atomically (formats/atomic_file.h) and
// emptying a directory except for the files to keep (a pipeline stage redone from its epoch
// checkpoints).
#ifndef WORDMILL_FORMATS_FILE_UTIL_H_
#define WORDMILL_FORMATS_FILE_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wordmill {

// Copies `from` to `to` through an AtomicFileWriter: `to` is the whole copy or unchanged.
// NotFound if `from` cannot be opened, DataLoss on a read error.
absl::Status CopyFileAtomically(const std::string& from, const std::string& to);

// Removes everything under `dir` except the files named in `keep` (paths relative to `dir`;
// the directories holding them stay), then makes sure `dir` exists. PermissionDenied naming
// the entry that cannot be removed, FailedPrecondition if `dir` cannot be created.
absl::Status CleanDirectory(const std::string& dir, const std::vector<std::string>& keep);

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_FILE_UTIL_H_
