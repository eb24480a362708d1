// Divides all input bytes among ranks and, inside a rank, among threads.
//
// Uncompressed files are cut into work units of about split_bytes; a unit [begin, end) owns
// every line (for WikiExtractor: every document) that *starts* in it, so units of one file
// partition its lines exactly whatever the cut points. Compressed files are single units.
// Units are assigned to ranks by longest-processing-time-first (deterministic), and the
// threads of a rank take their rank's units from a shared queue, largest first.
#ifndef WORDMILL_WORKERS_SHARD_PLAN_H_
#define WORDMILL_WORKERS_SHARD_PLAN_H_

#include <cstdint>
#include <vector>

#include "workers/input_files.h"

namespace wordmill {

struct WorkUnit {
  int file_index = 0;
  int64_t begin = 0;  // byte offsets in the file as stored; [0, size) for compressed files
  int64_t end = 0;
};

// All units of the corpus, in file order. split_bytes <= 0 picks the default (see
// InputSpec.split_bytes).
std::vector<WorkUnit> PlanWorkUnits(const std::vector<InputFile>& files, int64_t split_bytes,
                                    int ranks, int threads);

// The units rank `rank` of `ranks` processes, largest first.
std::vector<WorkUnit> UnitsForRank(const std::vector<WorkUnit>& units, int rank, int ranks);

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_SHARD_PLAN_H_
