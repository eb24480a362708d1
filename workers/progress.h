// Moved to base/progress.h; this forwarding header stays only until workers/vocab_builder.cc
// includes base/progress.h itself.
#ifndef WORDMILL_WORKERS_PROGRESS_H_
#define WORDMILL_WORKERS_PROGRESS_H_

#include "base/progress.h"

#endif  // WORDMILL_WORKERS_PROGRESS_H_
