#include "workers/vocab_merge.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "workers/vocab_exchange.h"
#include "workers/wire.h"

namespace wordmill {

// The owner's part of the final vocabulary: min_count applied, sorted, cut to max_size.
// `distinct` is set to the number of words owned (entries with a non-zero count).
Vocabulary OwnedVocabulary(const WordCounter& owned, const VocabularySpec& spec, size_t* distinct) {
  // Sorted as (count, view into the table) pairs, the strings made only for what is kept.
  std::vector<std::pair<int64_t, absl::string_view>> kept;
  *distinct = 0;
  owned.ForEach([&](absl::string_view word, int64_t count) {
    if (count == 0) return;  // sent to its owner (ExchangeInPlace)
    ++*distinct;
    if (count >= spec.min_count()) kept.emplace_back(count, word);
  });
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second < b.second;  // bytes as unsigned char, as ComesBefore
  });
  if (spec.max_size() > 0 && static_cast<int64_t>(kept.size()) > spec.max_size()) {
    kept.resize(spec.max_size());
  }
  Vocabulary part;
  part.reserve(kept.size());
  for (const auto& [count, word] : kept) part.push_back({std::string(word), count});
  return part;
}

// Every rank receives every owner's part (each sorted) and merges them: the vocabulary, the
// same on every rank, without a serial step on one rank and a broadcast after it.
absl::StatusOr<Vocabulary> AssembleVocabulary(const Vocabulary& part, const VocabularySpec& spec,
                                              Communicator* comm) {
  const std::vector<std::string> send(comm->size(), EncodeWordCounts(part));
  std::vector<std::string> parts;
  if (absl::Status s = comm->AllToAll(send, &parts); !s.ok()) return s;
  // A P-way merge of the parts on their encoded bytes, each head decoded once.
  struct Head {
    absl::string_view word;
    int64_t count = 0;
    WireReader reader;
  };
  std::vector<Head> heads;
  size_t total = 0;
  const auto advance = [](Head* head) -> absl::Status {
    if (!GetWordCount(&head->reader, &head->word, &head->count)) {
      return absl::InternalError("malformed vocabulary part");
    }
    return absl::OkStatus();
  };
  for (const std::string& p : parts) {
    total += p.size();
    if (p.empty()) continue;
    heads.push_back({absl::string_view(), 0, WireReader(p)});
    if (absl::Status s = advance(&heads.back()); !s.ok()) return s;
  }
  // The heap's top is the head that comes first in the vocabulary order.
  const auto later = [](const Head* a, const Head* b) {
    if (a->count != b->count) return a->count < b->count;
    return a->word > b->word;
  };
  std::vector<Head*> heap;
  for (Head& head : heads) heap.push_back(&head);
  std::make_heap(heap.begin(), heap.end(), later);
  Vocabulary all;
  all.reserve(total / 8);
  const int64_t max_size = spec.max_size() > 0 ? spec.max_size() : INT64_MAX;
  while (!heap.empty() && static_cast<int64_t>(all.size()) < max_size) {
    std::pop_heap(heap.begin(), heap.end(), later);
    Head* head = heap.back();
    all.push_back({std::string(head->word), head->count});
    if (head->reader.done()) {
      heap.pop_back();
      continue;
    }
    if (absl::Status s = advance(head); !s.ok()) return s;
    std::push_heap(heap.begin(), heap.end(), later);
  }
  return all;
}

}  // namespace wordmill
