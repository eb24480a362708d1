// The test hook of `wordmill run`: WORDMILL_PAUSE_AT=<stage>:<point> (point: start,
// epoch<N>, outputs) makes rank 0 create the file $WORDMILL_PAUSE_FILE (holding its pid) and
// stop there until it is killed, so tests can SIGKILL the whole job at an exact point of a
// stage (tests/pipeline_test.cc). Without the variable it does nothing.
#ifndef WORDMILL_PIPELINE_PAUSE_POINT_H_
#define WORDMILL_PIPELINE_PAUSE_POINT_H_

#include <string>

#include "cluster/communicator.h"

namespace wordmill {

void PausePoint(const std::string& stage, const std::string& point, const Communicator& comm);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_PAUSE_POINT_H_
