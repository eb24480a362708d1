#include "workers/unit_queue.h"

#include <algorithm>
#include <new>
#include <utility>

#include "absl/strings/str_cat.h"
#include "workers/wire.h"

namespace wordmill {

absl::StatusOr<std::unique_ptr<UnitQueue>> UnitQueue::Create(const std::vector<WorkUnit>& all,
                                                             Communicator* comm) {
  auto queue = std::unique_ptr<UnitQueue>(new UnitQueue());
  // Until the host pool is set up: this rank's own share, counter and progress.
  queue->units_ = UnitsForRank(all, comm->rank(), comm->size());
  for (const WorkUnit& u : queue->units_) queue->progress_bytes_ += u.end - u.begin;
  queue->next_ = &queue->own_next_;
  queue->progress_ = &queue->own_progress_;
  absl::StatusOr<std::unique_ptr<Communicator>> host = comm->SplitByHost();
  if (!host.ok()) return host.status();
  queue->host_ = *std::move(host);
  if (queue->host_->size() == 1) return queue;
  absl::StatusOr<std::unique_ptr<SharedMemory>> memory =
      queue->host_->AllocateShared(sizeof(HostState));
  // Without shared memory (the answer is the same on every rank of the host) each rank
  // keeps its own share.
  if (!memory.ok()) return queue;
  queue->memory_ = *std::move(memory);
  static_assert(std::atomic<int64_t>::is_always_lock_free, "atomics across processes");
  if (queue->host_->rank() == 0) new (queue->memory_->data()) HostState();
  // The world ranks on this host, in host rank order (also the barrier after the
  // HostState's construction).
  std::string mine;
  PutVarint(&mine, static_cast<uint64_t>(comm->rank()));
  std::vector<std::string> members;
  if (absl::Status s =
          queue->host_->AllToAll(std::vector<std::string>(queue->host_->size(), mine), &members);
      !s.ok()) {
    return s;
  }
  queue->units_.clear();
  for (const std::string& m : members) {
    WireReader reader(m);
    uint64_t rank = 0;
    if (!reader.GetVarint(&rank)) return absl::InternalError("bad host member list");
    std::vector<WorkUnit> share = UnitsForRank(all, static_cast<int>(rank), comm->size());
    queue->units_.insert(queue->units_.end(), share.begin(), share.end());
  }
  // Largest first (the order is the same on every rank of the host).
  std::stable_sort(
      queue->units_.begin(), queue->units_.end(),
      [](const WorkUnit& a, const WorkUnit& b) { return a.end - a.begin > b.end - b.begin; });
  queue->progress_bytes_ = 0;
  for (const WorkUnit& u : queue->units_) queue->progress_bytes_ += u.end - u.begin;
  HostState* state = static_cast<HostState*>(queue->memory_->data());
  queue->next_ = &state->next;
  queue->progress_ = &state->progress;
  queue->progress_scope_ =
      absl::StrCat(queue->host_->size(), " ranks on rank 0's host, of ", comm->size());
  return queue;
}

UnitQueue::~UnitQueue() = default;

}  // namespace wordmill
