// The corpus file list shared by the ranks: rank 0 expands the inputs (one directory scan of
// the file system, not one per rank), the ranks resolve a share of the files each and every
// rank receives every resolution. The list travels in a small wire encoding (workers/wire.h).
#ifndef WORDMILL_WORKERS_SHARED_FILE_LIST_H_
#define WORDMILL_WORKERS_SHARED_FILE_LIST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"
#include "workers/input_files.h"

namespace wordmill {

// Rank 0 expands the inputs and broadcasts the paths; rank r resolves files r, r + P, ...
// (size, compression, format: opening a zstd file to sniff its format decompresses its first
// block) and every rank receives every resolution. An unreadable or corrupt file is reported
// by the rank that resolved it. Collective.
absl::StatusOr<std::vector<InputFile>> ShareFileList(const InputSpec& spec, Communicator* comm);

// The wire encoding of a file list (path, size, compression, format of each file), and its
// decoding (Internal error on malformed bytes: they come from another rank, not from a user).
std::string EncodeFileList(const std::vector<InputFile>& files);
absl::StatusOr<std::vector<InputFile>> DecodeFileList(absl::string_view data);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_SHARED_FILE_LIST_H_
