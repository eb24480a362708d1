// A whole file mapped read-only (mmap, MAP_SHARED): the .wmv and .npy readers use rows in place,
// and many processes that map the same file share its pages.
#ifndef WORDMILL_FORMATS_MAPPED_FILE_H_
#define WORDMILL_FORMATS_MAPPED_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wordmill {

class MappedFile {
 public:
  // NotFound / PermissionDenied / InvalidArgument (not a regular file) name `path`. An empty
  // file maps to an empty view.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  absl::string_view data() const { return absl::string_view(base_, size_); }
  size_t size() const { return size_; }

 private:
  MappedFile() = default;
  const char* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_MAPPED_FILE_H_
