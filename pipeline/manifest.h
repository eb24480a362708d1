// Stage manifests (StageManifest in formats/wordmill.proto): what a completed stage read and
// wrote, so `wordmill run` can skip it when nothing changed. Manifests are protobuf text files
// written atomically, carrying an XXH3 checksum of their own text: a manifest edited by hand
// or truncated is reported as damaged (DataLoss naming the file), never trusted.
#ifndef WORDMILL_PIPELINE_MANIFEST_H_
#define WORDMILL_PIPELINE_MANIFEST_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// <stage_dir>/MANIFEST.textproto: written when the stage is complete.
std::string ManifestPath(const std::string& stage_dir);
// <stage_dir>/STARTED.textproto: the spec and inputs of a stage that began but may not have
// finished; a rerun with the same spec keeps the stage's epoch checkpoints.
std::string StartedPath(const std::string& stage_dir);

// Size and XXH3-64 of a file's contents (streamed).
absl::StatusOr<FileFingerprint> ChecksumFile(const std::string& path);
// Size and modification time (corpus and evaluation files).
absl::StatusOr<FileFingerprint> StatFile(const std::string& path);

// Sets manifest.checksum and writes the manifest atomically.
absl::Status WriteManifest(const std::string& path, StageManifest manifest);
// NotFound if there is no file; DataLoss naming the file if it does not parse or its checksum
// does not match its contents (edited or truncated).
absl::StatusOr<StageManifest> ReadManifest(const std::string& path);

// OK if every recorded output still has its size and checksum; otherwise DataLoss naming the
// first that does not (missing, resized, changed).
absl::Status VerifyOutputs(const StageManifest& manifest);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_MANIFEST_H_
