#include "pipeline/build_info.h"

#include <zstd.h>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"
#include "google/protobuf/stubs/common.h"

// Set by pipeline/CMakeLists.txt.
#ifndef WORDMILL_VERSION
#define WORDMILL_VERSION "unknown"
#endif
#ifndef WORDMILL_BUILD_TYPE
#define WORDMILL_BUILD_TYPE "unknown"
#endif
#ifndef WORDMILL_ARCH_FLAGS
#define WORDMILL_ARCH_FLAGS ""
#endif
#ifndef WORDMILL_COMPILER
#define WORDMILL_COMPILER "unknown"
#endif

namespace wordmill {
namespace {

BuildInfo MakeBuildInfo() {
  BuildInfo info;
  info.set_version(WORDMILL_VERSION);
  info.set_git_commit(WordmillGitCommit());
  info.set_build_type(WORDMILL_BUILD_TYPE);
  info.set_arch_flags(WORDMILL_ARCH_FLAGS);
  info.set_compiler(WORDMILL_COMPILER);
  info.set_openmpi(MpiCompiledVersion());
  info.set_mpi_library(MpiLibraryVersion());
  info.set_abseil(absl::StrCat(ABSL_LTS_RELEASE_VERSION, ".", ABSL_LTS_RELEASE_PATCH_LEVEL));
  info.set_protobuf(absl::StrCat(GOOGLE_PROTOBUF_VERSION / 1000000, ".",
                                 GOOGLE_PROTOBUF_VERSION / 1000 % 1000, ".",
                                 GOOGLE_PROTOBUF_VERSION % 1000));
  info.set_zstd(ZSTD_VERSION_STRING);
  if (std::string(ZSTD_versionString()) != ZSTD_VERSION_STRING) {
    absl::StrAppend(info.mutable_zstd(), " (library ", ZSTD_versionString(), ")");
  }
  return info;
}

}  // namespace

// Weak: the wordmill executable links the generated definition with the real commit.
__attribute__((weak)) const char* WordmillGitCommit() { return "unknown"; }

const BuildInfo& GetBuildInfo() {
  static const BuildInfo* const info = new BuildInfo(MakeBuildInfo());
  return *info;
}

std::string FormatBuildInfo(const BuildInfo& info) {
  return absl::StrCat("wordmill ", info.version(), " (commit ", info.git_commit(), ", ",
                      info.build_type(), ", ", info.arch_flags(), ", ", info.compiler(), ")\n",
                      "Open MPI ", info.openmpi(), " (library: ", info.mpi_library(), ")\n",
                      "Abseil ", info.abseil(), ", protobuf ", info.protobuf(), ", zstd ",
                      info.zstd(), "\n");
}

}  // namespace wordmill
