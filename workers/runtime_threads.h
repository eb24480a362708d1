// How many worker threads a rank runs (RuntimeSpec.threads), for every stage.
#ifndef WORDMILL_WORKERS_RUNTIME_THREADS_H_
#define WORDMILL_WORKERS_RUNTIME_THREADS_H_

#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// Worker threads per rank for RuntimeSpec.threads: the value when > 0, else (0 = automatic) the
// hardware threads divided among the ranks on this host, at least 1.
int ResolveThreads(const RuntimeSpec& runtime, const Communicator& comm);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_RUNTIME_THREADS_H_
