#include "workers/runtime_threads.h"

#include <algorithm>
#include <thread>

namespace wordmill {

int ResolveThreads(const RuntimeSpec& runtime, const Communicator& comm) {
  if (runtime.threads() > 0) return runtime.threads();
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, hardware / std::max(1, comm.local_size()));
}

}  // namespace wordmill
