#include "workers/word_counter.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace wordmill {
namespace {

constexpr size_t kFirstBlock = size_t{64} << 10;
constexpr size_t kMaxBlock = size_t{4} << 20;
constexpr int64_t kSlotBytes = sizeof(WordTable::Entry);

}  // namespace

WordCounter::WordCounter(int64_t budget_bytes) : budget_bytes_(budget_bytes) {}

int64_t WordCounter::memory_bytes() const {
  return arena_bytes_ + static_cast<int64_t>(table_.capacity()) * kSlotBytes;
}

absl::string_view WordCounter::Store(absl::string_view word) {
  if (blocks_.empty() || block_used_ + word.size() > block_size_) {
    // Blocks grow geometrically up to 4 MiB, so small tables stay small.
    block_size_ =
        std::max(word.size(), std::min(kMaxBlock, std::max(kFirstBlock, 2 * block_size_)));
    blocks_.push_back(std::make_unique<char[]>(block_size_));
    arena_bytes_ += static_cast<int64_t>(block_size_);
    block_used_ = 0;
  }
  char* dest = blocks_.back().get() + block_used_;
  std::memcpy(dest, word.data(), word.size());
  block_used_ += word.size();
  return absl::string_view(dest, word.size());
}

WordKey WordCounter::KeyFor(absl::string_view word) {
  return WordKey(WordKey::FitsInline(word) ? word : Store(word));
}

void WordCounter::Insert(absl::string_view word, size_t hash, int64_t count) {
  sketch_.Add(word);
  table_.Insert(KeyFor(word), hash, count);
  if (budget_bytes_ > 0 && memory_bytes() > budget_bytes_) Prune();
}

void WordCounter::MergeFrom(WordCounter* other) {
  for (const auto& [word, count] : other->table_) Add(word, count);
  sketch_.Merge(other->sketch_);
  prune_stats_.entries += other->prune_stats_.entries;
  prune_stats_.tokens += other->prune_stats_.tokens;
  prune_stats_.threshold = std::max(prune_stats_.threshold, other->prune_stats_.threshold);
  other->Clear();
}

void WordCounter::Clear() {
  table_.Clear();
  blocks_.clear();
  block_used_ = block_size_ = 0;
  arena_bytes_ = 0;
}

void WordCounter::Prune() {
  // Rebuild the table and the arena with the survivors; the threshold rises until the table
  // fits in half the budget, so pruning is rare (amortized over many insertions).
  int64_t threshold = std::max<int64_t>(prune_stats_.threshold, 1);
  while (true) {
    std::vector<std::pair<absl::string_view, int64_t>> survivors;
    survivors.reserve(table_.size() / 2);
    int64_t removed = 0, removed_tokens = 0, survivor_bytes = 0;
    for (const auto& [word, count] : table_) {
      if (count <= threshold) {
        if (count > 0) ++removed;  // an entry set to 0 (ForEachMutable) counts nothing
        removed_tokens += count;
      } else {
        survivors.emplace_back(word, count);
        if (!WordKey::FitsInline(word)) survivor_bytes += static_cast<int64_t>(word.size());
      }
    }
    const int64_t estimate =
        survivor_bytes + static_cast<int64_t>(survivors.size()) * 2 * kSlotBytes;
    if (estimate > budget_bytes_ / 2 && !survivors.empty()) {
      ++threshold;
      continue;
    }
    // Copy the survivors into a fresh arena before dropping the old one.
    std::vector<std::unique_ptr<char[]>> old_blocks;
    old_blocks.swap(blocks_);
    block_used_ = block_size_ = 0;
    arena_bytes_ = 0;
    WordTable table;
    table.Reserve(survivors.size());
    for (const auto& [word, count] : survivors) table.Insert(KeyFor(word), WordHash()(word), count);
    table_.Swap(&table);
    prune_stats_.entries += removed;
    prune_stats_.tokens += removed_tokens;
    prune_stats_.threshold = threshold;
    return;
  }
}

}  // namespace wordmill
