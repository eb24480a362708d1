#include "pipeline/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "formats/atomic_file.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace wordmill {
namespace {

std::string Hex(uint64_t v) { return absl::StrFormat("%016x", v); }

std::string ManifestChecksum(StageManifest manifest) {
  manifest.clear_checksum();
  std::string text;
  google::protobuf::TextFormat::PrintToString(manifest, &text);
  return Hex(XXH3_64bits(text.data(), text.size()));
}

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first.empty()) first = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  std::string first;
};

}  // namespace

std::string ManifestPath(const std::string& stage_dir) { return stage_dir + "/MANIFEST.textproto"; }

std::string StartedPath(const std::string& stage_dir) { return stage_dir + "/STARTED.textproto"; }

absl::StatusOr<FileFingerprint> ChecksumFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    const std::string message = absl::StrCat(path, ": cannot open: ", std::strerror(e));
    return e == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::vector<char> buffer(1 << 20);
  int64_t size = 0;
  absl::Status status;
  while (true) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = absl::DataLossError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
      break;
    }
    if (n == 0) break;
    XXH3_64bits_update(state, buffer.data(), static_cast<size_t>(n));
    size += n;
  }
  close(fd);
  FileFingerprint fp;
  fp.set_path(path);
  fp.set_size(size);
  fp.set_xxh3(Hex(XXH3_64bits_digest(state)));
  XXH3_freeState(state);
  if (!status.ok()) return status;
  return fp;
}

absl::StatusOr<FileFingerprint> StatFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  FileFingerprint fp;
  fp.set_path(path);
  fp.set_size(st.st_size);
  fp.set_mtime_ns(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  return fp;
}

absl::Status WriteManifest(const std::string& path, StageManifest manifest) {
  manifest.set_checksum(ManifestChecksum(manifest));
  std::string text;
  google::protobuf::TextFormat::PrintToString(manifest, &text);
  return WriteFileAtomically(path, text);
}

absl::StatusOr<StageManifest> ReadManifest(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  const std::string advice =
      "; it was edited or damaged: delete it to redo the stage and every later one";
  StageManifest manifest;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(*text, &manifest)) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a valid stage manifest (", errors.first, ")", advice));
  }
  if (!manifest.has_checksum()) {
    return absl::DataLossError(absl::StrCat(path, ": manifest has no checksum field", advice));
  }
  if (manifest.checksum() != ManifestChecksum(manifest)) {
    return absl::DataLossError(
        absl::StrCat(path, ": manifest checksum does not match its contents", advice));
  }
  return manifest;
}

absl::Status VerifyOutputs(const StageManifest& manifest) {
  for (const FileFingerprint& expected : manifest.output()) {
    struct stat st;
    if (stat(expected.path().c_str(), &st) != 0) {
      return absl::DataLossError(absl::StrCat(expected.path(), ": output is missing"));
    }
    if (st.st_size != expected.size()) {
      return absl::DataLossError(absl::StrCat(expected.path(), ": output has ", st.st_size,
                                              " bytes, the manifest says ", expected.size()));
    }
    absl::StatusOr<FileFingerprint> actual = ChecksumFile(expected.path());
    if (!actual.ok()) return actual.status();
    if (actual->xxh3() != expected.xxh3()) {
      return absl::DataLossError(
          absl::StrCat(expected.path(), ": output checksum differs from the manifest's"));
    }
  }
  return absl::OkStatus();
}

}  // namespace wordmill
