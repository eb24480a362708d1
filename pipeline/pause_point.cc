#include "pipeline/pause_point.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"

namespace wordmill {

void PausePoint(const std::string& stage, const std::string& point, const Communicator& comm) {
  static const char* const at = std::getenv("WORDMILL_PAUSE_AT");
  if (at == nullptr || comm.rank() != 0 || absl::StrCat(stage, ":", point) != at) return;
  if (const char* file = std::getenv("WORDMILL_PAUSE_FILE")) {
    WriteFileAtomically(file, absl::StrCat(getpid(), "\n")).IgnoreError();
  }
  std::fprintf(stderr, "wordmill run: paused at %s (WORDMILL_PAUSE_AT)\n", at);
  std::fflush(stderr);
  while (true) pause();
}

}  // namespace wordmill
