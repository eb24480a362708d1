// workers/unit_queue.h: every unit is taken exactly once across ranks and threads, the ranks of
// a host pool their shares (and report the host's bytes), hosts keep their own.
#include "workers/unit_queue.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"

namespace wordmill {
namespace {

std::vector<WorkUnit> Units(int n) {
  std::vector<WorkUnit> units;
  for (int i = 0; i < n; ++i) units.push_back({i, 0, 100 + 37 * i % 500});
  return units;
}

int64_t Bytes(const std::vector<WorkUnit>& units) {
  int64_t bytes = 0;
  for (const WorkUnit& u : units) bytes += u.end - u.begin;
  return bytes;
}

// Runs `ranks` ranks (`per_host` to a host) taking units with 2 threads each; returns the file
// indices each rank took, and checks the progress figures.
std::vector<std::vector<int>> Drain(const std::vector<WorkUnit>& all, int ranks, int per_host) {
  testing::InProcessRanks group(ranks, per_host);
  std::vector<std::vector<int>> taken(ranks);
  group.Run([&](int rank, Communicator* comm) {
    absl::StatusOr<std::unique_ptr<UnitQueue>> queue = UnitQueue::Create(all, comm);
    ASSERT_TRUE(queue.ok()) << queue.status();
    int64_t host_bytes = 0;
    const int host = rank / per_host;
    for (int r = host * per_host; r < (host + 1) * per_host; ++r) {
      host_bytes += Bytes(UnitsForRank(all, r, ranks));
    }
    EXPECT_EQ((*queue)->progress_bytes(), host_bytes);
    EXPECT_EQ((*queue)->progress_scope().empty(), per_host == 1);
    ASSERT_TRUE(comm->Barrier().ok());  // every rank of the host has its queue before any takes
    std::mutex mutex;
    auto work = [&] {
      while (const WorkUnit* unit = (*queue)->Next()) {
        std::lock_guard<std::mutex> lock(mutex);
        taken[rank].push_back(unit->file_index);
      }
    };
    std::thread other(work);
    work();
    other.join();
    ASSERT_TRUE(comm->Barrier().ok());  // the host's pool outlives every rank's last Next()
    queue->reset();
  });
  return taken;
}

TEST(UnitQueueTest, EveryUnitIsTakenOnceWhetherRanksPoolOrNot) {
  const std::vector<WorkUnit> all = Units(40);
  for (auto [ranks, per_host] : {std::pair{1, 1}, {3, 1}, {4, 2}, {4, 4}}) {
    const std::vector<std::vector<int>> taken = Drain(all, ranks, per_host);
    std::vector<int> every;
    for (const auto& t : taken) every.insert(every.end(), t.begin(), t.end());
    std::sort(every.begin(), every.end());
    std::vector<int> expected(all.size());
    for (size_t i = 0; i < all.size(); ++i) expected[i] = static_cast<int>(i);
    EXPECT_EQ(every, expected) << ranks << " ranks, " << per_host << " per host";
    // Without pooling a rank takes exactly its own share; with it, only the host's units.
    for (int r = 0; r < ranks; ++r) {
      std::vector<int> allowed;
      const int host = r / per_host;
      for (int q = host * per_host; q < (host + 1) * per_host; ++q) {
        for (const WorkUnit& u : UnitsForRank(all, q, ranks)) allowed.push_back(u.file_index);
      }
      for (int f : taken[r]) {
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), f), allowed.end()) << r << " " << f;
      }
      if (per_host == 1) EXPECT_EQ(taken[r].size(), UnitsForRank(all, r, ranks).size());
    }
  }
}

}  // namespace
}  // namespace wordmill
