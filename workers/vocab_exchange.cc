#include "workers/vocab_exchange.h"

#include <algorithm>
#include <vector>

namespace wordmill {

void PutWordCount(std::string* out, absl::string_view word, int64_t count) {
  PutBytes(out, word);
  PutVarint(out, static_cast<uint64_t>(count));
}

bool GetWordCount(WireReader* reader, absl::string_view* word, int64_t* count) {
  uint64_t value = 0;
  if (!reader->GetBytes(word) || !reader->GetVarint(&value)) return false;
  *count = static_cast<int64_t>(value);
  return true;
}

std::string EncodeWordCounts(const Vocabulary& vocab) {
  std::string out;
  for (const VocabWord& w : vocab) PutWordCount(&out, w.word, w.count);
  return out;
}

absl::Status DecodeWordCountsInto(absl::string_view data, Vocabulary* vocab) {
  WireReader reader(data);
  absl::string_view word;
  int64_t count;
  while (!reader.done()) {
    if (!GetWordCount(&reader, &word, &count)) {
      return absl::InternalError("malformed vocabulary part");
    }
    vocab->push_back({std::string(word), count});
  }
  return absl::OkStatus();
}

namespace {

// Adds the (word, count) pairs of an exchange round's batches to `table`.
absl::Status AddReceived(const std::vector<std::string>& batches, WordCounter* table) {
  for (const std::string& batch : batches) {
    WireReader reader(batch);
    absl::string_view word;
    int64_t count;
    while (!reader.done()) {
      if (!GetWordCount(&reader, &word, &count)) {
        return absl::InternalError("malformed vocabulary exchange batch");
      }
      table->Add(word, count);
    }
  }
  return absl::OkStatus();
}

}  // namespace

// The rank that owns a word: the high half of its WordHash scaled to [0, ranks) (the table uses
// the low bits for slots, so an owner's words still spread over its table).
int OwnerOf(absl::string_view word, int ranks) {
  const uint64_t high = static_cast<uint64_t>(WordHash()(word)) >> 32;
  return static_cast<int>((high * static_cast<uint64_t>(ranks)) >> 32);
}

// Routes the words other ranks own to their owners in bounded all-to-all rounds and adds what
// this rank receives to `table` itself (for a table without a memory budget, which cannot
// prune): afterwards the entries with a non-zero count are exactly the words this rank owns,
// with their counts summed over all ranks; the entries it sent away are left at 0. Against
// routing into a new owner table, this rank's own words are neither copied nor re-hashed.
absl::Status ExchangeInPlace(WordCounter* table, int64_t batch_bytes, Communicator* comm) {
  const int ranks = comm->size();
  const int64_t chunk_bytes = std::max<int64_t>(1, batch_bytes / ranks);
  std::vector<std::vector<std::string>> chunks(ranks);  // per owner, each <= ~chunk_bytes
  table->ForEachMutable([&](absl::string_view word, int64_t& count) {
    const int owner = OwnerOf(word, ranks);
    if (owner == comm->rank() || count == 0) return;
    std::vector<std::string>& list = chunks[owner];
    if (list.empty() || static_cast<int64_t>(list.back().size()) >= chunk_bytes) {
      list.emplace_back();
    }
    PutWordCount(&list.back(), word, count);
    count = 0;
  });
  int64_t my_rounds = 0;
  for (const auto& list : chunks) my_rounds = std::max<int64_t>(my_rounds, list.size());
  absl::StatusOr<int64_t> rounds = comm->MaxInt64(my_rounds);
  if (!rounds.ok()) return rounds.status();
  std::vector<std::string> send(ranks), recv;
  for (int64_t round = 0; round < *rounds; ++round) {
    for (int owner = 0; owner < ranks; ++owner) {
      std::vector<std::string>& list = chunks[owner];
      send[owner].clear();
      if (round < static_cast<int64_t>(list.size())) send[owner].swap(list[round]);
    }
    if (absl::Status s = comm->AllToAll(send, &recv); !s.ok()) return s;
    if (absl::Status s = AddReceived(recv, table); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Routes every local entry to its owner in bounded all-to-all rounds; returns the owner table.
absl::StatusOr<WordCounter> ExchangeByOwner(const WordCounter& local, int64_t owner_budget,
                                            int64_t batch_bytes, Communicator* comm) {
  WordCounter owned(owner_budget);
  auto it = local.begin();
  std::vector<std::string> send(comm->size()), recv;
  while (true) {
    for (std::string& s : send) s.clear();
    int64_t queued = 0;
    for (; it != local.end() && queued < batch_bytes; ++it) {
      const int owner = OwnerOf(it->first, comm->size());
      if (owner == comm->rank()) {  // this rank's own words skip the wire encoding
        owned.Add(it->first, it->second);
        continue;
      }
      std::string& out = send[owner];
      const size_t before = out.size();
      PutWordCount(&out, it->first, it->second);
      queued += static_cast<int64_t>(out.size() - before);
    }
    if (absl::Status s = comm->AllToAll(send, &recv); !s.ok()) return s;
    if (absl::Status s = AddReceived(recv, &owned); !s.ok()) return s;
    absl::StatusOr<int64_t> pending = comm->MaxInt64(it != local.end() ? 1 : 0);
    if (!pending.ok()) return pending.status();
    if (*pending == 0) return owned;
  }
}

}  // namespace wordmill
