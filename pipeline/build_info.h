// Which build of wordmill this is (BuildInfo in formats/wordmill.proto): `wordmill --version`
// prints it; manifests and reports record it.
#ifndef WORDMILL_PIPELINE_BUILD_INFO_H_
#define WORDMILL_PIPELINE_BUILD_INFO_H_

#include <string>

#include "formats/wordmill.pb.h"

namespace wordmill {

// The version, commit, build type, architecture flags, compiler and library versions.
const BuildInfo& GetBuildInfo();
// The lines `wordmill --version` prints, e.g.
//   wordmill 0.1.0 (commit 1a2b3c4d5e6f, Release, -march=x86-64-v3, GCC 12.2.0)
//   Open MPI 4.1.4 (library: Open MPI v4.1.4, package: Debian OpenMPI, ...)
//   Abseil 20220623.1, protobuf 3.21.12, zstd 1.5.4
std::string FormatBuildInfo(const BuildInfo& info);

// The git commit compiled into the wordmill executable (the build regenerates it; see
// pipeline/CMakeLists.txt). Programs other than the wordmill binary, such as the unit tests,
// do not define it and get "unknown" (a weak default), so a new commit relinks one executable
// only.
const char* WordmillGitCommit();

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_BUILD_INFO_H_
