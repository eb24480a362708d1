#include "workers/shard_plan.h"

#include <algorithm>
#include <numeric>
#include <queue>

namespace wordmill {
namespace {

constexpr int64_t kMinSplit = int64_t{1} << 20;
constexpr int64_t kMaxSplit = int64_t{256} << 20;

int64_t UnitBytes(const WorkUnit& unit) { return unit.end - unit.begin; }

// Larger units first; ties in corpus order, so the order is the same on every rank.
bool LargerFirst(const WorkUnit& a, const WorkUnit& b) {
  if (UnitBytes(a) != UnitBytes(b)) return UnitBytes(a) > UnitBytes(b);
  if (a.file_index != b.file_index) return a.file_index < b.file_index;
  return a.begin < b.begin;
}

}  // namespace

std::vector<WorkUnit> PlanWorkUnits(const std::vector<InputFile>& files, int64_t split_bytes,
                                    int ranks, int threads) {
  if (split_bytes <= 0) {
    int64_t total = 0;
    for (const InputFile& f : files) total += f.size;
    const int64_t workers = std::max<int64_t>(1, int64_t{ranks} * threads * 8);
    split_bytes = std::clamp(total / workers, kMinSplit, kMaxSplit);
  }
  std::vector<WorkUnit> units;
  for (int i = 0; i < static_cast<int>(files.size()); ++i) {
    const InputFile& f = files[i];
    // Brown files are one document each and small: never split. Compressed files cannot be
    // entered in the middle of a zstd stream.
    const bool splittable = f.compression == COMPRESSION_NONE && f.format != FORMAT_BROWN;
    if (!splittable || f.size <= split_bytes) {
      units.push_back({i, 0, f.size});
      continue;
    }
    const int64_t pieces = (f.size + split_bytes - 1) / split_bytes;
    for (int64_t p = 0; p < pieces; ++p) {
      units.push_back({i, f.size * p / pieces, f.size * (p + 1) / pieces});
    }
  }
  return units;
}

std::vector<WorkUnit> UnitsForRank(const std::vector<WorkUnit>& units, int rank, int ranks) {
  std::vector<WorkUnit> sorted = units;
  std::stable_sort(sorted.begin(), sorted.end(), LargerFirst);
  // Longest processing time first: each unit goes to the least loaded rank (lowest index on
  // ties), which every rank computes identically.
  using Load = std::pair<int64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> loads;
  for (int r = 0; r < ranks; ++r) loads.push({0, r});
  std::vector<WorkUnit> mine;
  for (const WorkUnit& unit : sorted) {
    Load least = loads.top();
    loads.pop();
    if (least.second == rank) mine.push_back(unit);
    // Empty units still count one byte so they spread instead of piling on rank 0.
    loads.push({least.first + std::max<int64_t>(1, UnitBytes(unit)), least.second});
  }
  return mine;
}

}  // namespace wordmill
