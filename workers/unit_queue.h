#ifndef WORDMILL_WORKERS_UNIT_QUEUE_H_
#define WORDMILL_WORKERS_UNIT_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "workers/progress.h"
#include "workers/shard_plan.h"

namespace wordmill {

// Where the threads of a rank take their work units from. The ranks of one host pool their
// units (each rank's longest-processing-time share, workers/shard_plan.h) and every thread of
// every rank on the host takes the next unit of the pool through one atomic counter in shared
// memory, so the ranks of a host finish together however the units' costs differ from their
// sizes (compressed files are planned by compressed bytes; a zstd file of enwiki expands 3.3 to
// 3.5 times, and the words per byte vary too). Counts are sums, so which rank counts a unit
// does not change the vocabulary. Across hosts the shares stay static.
class UnitQueue {
 public:
  // This rank's units of `all` (workers/shard_plan.h), pooled with the other ranks of its host
  // when they can share memory. Collective.
  static absl::StatusOr<std::unique_ptr<UnitQueue>> Create(const std::vector<WorkUnit>& all,
                                                           Communicator* comm);
  ~UnitQueue();  // collective on the host when its units are pooled (shared memory)

  // The next unit, or null when the pool is empty. Thread-safe.
  const WorkUnit* Next() {
    const int64_t index = next_->fetch_add(1, std::memory_order_relaxed);
    return index < static_cast<int64_t>(units_.size()) ? &units_[index] : nullptr;
  }
  // The counters the readers report to (shared by the host's ranks with a host pool), the bytes
  // they count up to, and the progress line's scope ("" for this rank's own share).
  ProgressCounters* progress() { return progress_; }
  int64_t progress_bytes() const { return progress_bytes_; }
  const std::string& progress_scope() const { return progress_scope_; }

 private:
  // The shared memory of a host pool.
  struct HostState {
    std::atomic<int64_t> next{0};
    ProgressCounters progress;
  };

  UnitQueue() = default;
  std::vector<WorkUnit> units_;
  std::unique_ptr<Communicator> host_;
  std::unique_ptr<SharedMemory> memory_;
  std::atomic<int64_t> own_next_{0};
  ProgressCounters own_progress_;
  std::atomic<int64_t>* next_ = nullptr;
  ProgressCounters* progress_ = nullptr;
  int64_t progress_bytes_ = 0;
  std::string progress_scope_;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_UNIT_QUEUE_H_
