// `wordmill version` and `wordmill --version`: which build this is (pipeline/build_info.h).
#include <cstdio>
#include <string>
#include <vector>

#include "pipeline/build_info.h"
#include "pipeline/commands.h"

namespace wordmill {

int RunVersionCommand(const std::vector<std::string>& args, Communicator* comm) {
  if (!args.empty()) {
    if (comm->rank() == 0) std::fprintf(stderr, "usage: wordmill version (no arguments)\n");
    return 2;
  }
  if (comm->rank() == 0) std::fputs(FormatBuildInfo(GetBuildInfo()).c_str(), stdout);
  return 0;
}

}  // namespace wordmill
