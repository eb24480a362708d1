#include "workers/vocab_builder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/progress.h"
#include "workers/shard_plan.h"
#include "workers/wire.h"
#include "workers/word_counter.h"

namespace wordmill {
namespace {

using Clock = std::chrono::steady_clock;

// What one thread (and then one rank) counted besides the words.
struct LocalTotals {
  ReaderCounters reader;
  TokenizerCounters tokenizer;
  void Add(const ReaderCounters& r, const TokenizerCounters& t) {
    reader += r;
    tokenizer.tokens += t.tokens;
    tokenizer.invalid_utf8_sequences += t.invalid_utf8_sequences;
    tokenizer.long_tokens_dropped += t.long_tokens_dropped;
  }
};

// The (word, count) pairs that ranks send each other: the word's bytes, then the count.
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

std::string EncodeFiles(const std::vector<InputFile>& files) {
  std::string out;
  PutVarint(&out, files.size());
  for (const InputFile& f : files) {
    PutBytes(&out, f.path);
    PutVarint(&out, static_cast<uint64_t>(f.size));
    PutVarint(&out, static_cast<uint64_t>(f.compression));
    PutVarint(&out, static_cast<uint64_t>(f.format));
  }
  return out;
}

absl::StatusOr<std::vector<InputFile>> DecodeFiles(absl::string_view data) {
  WireReader reader(data);
  uint64_t n = 0;
  if (!reader.GetVarint(&n)) return absl::InternalError("bad file list");
  std::vector<InputFile> files(n);
  for (InputFile& f : files) {
    absl::string_view path;
    uint64_t size, compression, format;
    if (!reader.GetBytes(&path) || !reader.GetVarint(&size) || !reader.GetVarint(&compression) ||
        !reader.GetVarint(&format)) {
      return absl::InternalError("bad file list");
    }
    f.path = std::string(path);
    f.size = static_cast<int64_t>(size);
    f.compression = static_cast<Compression>(compression);
    f.format = static_cast<InputFormat>(format);
  }
  return files;
}

// Where the threads of a rank take their work units from. The ranks of one host pool their
// units (each rank's longest-processing-time share, workers/shard_plan.h) and every thread of
// every rank on the host takes the next unit of the pool through one atomic counter in shared
// memory, so the ranks of a host finish together however the units' costs differ from their
// sizes (compressed files are planned by compressed bytes; a zstd file of enwiki expands 3.3 to
// 3.5 times, and the words per byte vary too). Counts are sums, so which rank counts a unit
// does not change the vocabulary. Across hosts the shares stay static.
class UnitQueue {
 public:
  // Collective.
  static absl::StatusOr<std::unique_ptr<UnitQueue>> Create(const std::vector<WorkUnit>& all,
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

// Reads and counts this rank's units with `threads` threads.
class RankCounter {
 public:
  RankCounter(const VocabCommand& spec, const std::vector<InputFile>& files, UnitQueue* units,
              int threads, bool count_line_ends, ProgressCounters* progress)
      : spec_(spec),
        files_(files),
        units_(units),
        count_line_ends_(count_line_ends),
        progress_(progress) {
    const int64_t budget = spec.vocabulary().vocab_memory_mb() << 20;
    for (int t = 0; t < threads; ++t) counters_.emplace_back(budget / 2 / threads);
    totals_.resize(threads);
    line_ends_.resize(threads);
  }

  // The threads' line-end tables summed into one.
  absl::flat_hash_map<std::string, int64_t> TakeLineEnds() {
    absl::flat_hash_map<std::string, int64_t> all = std::move(line_ends_[0]);
    for (size_t t = 1; t < line_ends_.size(); ++t) {
      for (const auto& [word, count] : line_ends_[t]) all[word] += count;
    }
    return all;
  }

  absl::Status Run() {
    std::vector<std::thread> threads;
    for (size_t t = 1; t < counters_.size(); ++t) threads.emplace_back([this, t] { Work(t); });
    Work(0);
    for (std::thread& thread : threads) thread.join();
    return first_error_;
  }

  // Merges every thread's table into the first and returns it with the summed totals.
  WordCounter TakeMerged(LocalTotals* totals) {
    for (size_t t = 1; t < counters_.size(); ++t) counters_[0].MergeFrom(&counters_[t]);
    for (const LocalTotals& local : totals_) totals->Add(local.reader, local.tokenizer);
    return std::move(counters_[0]);
  }

 private:
  void Work(size_t t) {
    WordTokenizer tokenizer(spec_.tokenizer());
    WordCounter& counter = counters_[t];
    while (!failed_.load(std::memory_order_relaxed)) {
      const WorkUnit* next = units_->Next();
      if (next == nullptr) break;
      const WorkUnit& unit = *next;
      absl::Status status = CountUnit(files_[unit.file_index], unit, &tokenizer, &counter,
                                      &totals_[t], &line_ends_[t]);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (first_error_.ok()) first_error_ = status;
        failed_ = true;
      }
    }
    totals_[t].tokenizer = tokenizer.counters();
  }

  absl::Status CountUnit(const InputFile& file, const WorkUnit& unit, WordTokenizer* tokenizer,
                         WordCounter* counter, LocalTotals* totals,
                         absl::flat_hash_map<std::string, int64_t>* line_ends) {
    PipelinedWordCounter pipelined(counter);
    std::string last;  // the paragraph's last token (a token's view does not outlive it)
    // Tokens reach the progress counters (which the ranks of a host may share) in batches.
    constexpr int64_t kTokenBatch = 1 << 16;
    int64_t unreported = 0;
    absl::Status status = ForEachParagraph(
        file, unit, spec_.input(),
        [&](const Paragraph& paragraph) {
          int64_t count = 0;
          tokenizer->ForEachToken(paragraph.text, [&](absl::string_view token) {
            pipelined.Add(token);
            if (count_line_ends_) last.assign(token.data(), token.size());
            ++count;
          });
          if (count_line_ends_ && count > 0) ++(*line_ends)[last];
          unreported += count;
          if (unreported >= kTokenBatch) {
            progress_->tokens.fetch_add(unreported, std::memory_order_relaxed);
            unreported = 0;
          }
          return absl::OkStatus();
        },
        &totals->reader, &progress_->bytes);
    progress_->tokens.fetch_add(unreported, std::memory_order_relaxed);
    pipelined.Flush();
    return status;
  }

  const VocabCommand& spec_;
  const std::vector<InputFile>& files_;
  UnitQueue* const units_;
  const bool count_line_ends_;
  ProgressCounters* progress_;
  std::vector<absl::flat_hash_map<std::string, int64_t>> line_ends_;
  std::vector<WordCounter> counters_;
  std::vector<LocalTotals> totals_;
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  absl::Status first_error_;
};

// The rank that owns a word: the high half of its WordHash scaled to [0, ranks) (the table uses
// the low bits for slots, so an owner's words still spread over its table).
int OwnerOf(absl::string_view word, int ranks) {
  const uint64_t high = static_cast<uint64_t>(WordHash()(word)) >> 32;
  return static_cast<int>((high * static_cast<uint64_t>(ranks)) >> 32);
}

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

std::string EncodeVocabulary(const Vocabulary& vocab) {
  std::string out;
  for (const VocabWord& w : vocab) PutWordCount(&out, w.word, w.count);
  return out;
}

absl::Status DecodeVocabularyInto(absl::string_view data, Vocabulary* vocab) {
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

// Every rank receives every owner's part (each sorted) and merges them: the vocabulary, the
// same on every rank, without a serial step on one rank and a broadcast after it.
absl::StatusOr<Vocabulary> AssembleVocabulary(const Vocabulary& part, const VocabularySpec& spec,
                                              Communicator* comm) {
  const std::vector<std::string> send(comm->size(), EncodeVocabulary(part));
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

// Sums the per-rank figures into stats (identical on every rank afterwards).
// `owned` is the separate owner table (empty without one); `distinct` the number of words this
// rank owns.
absl::Status ReduceStats(const LocalTotals& totals, const WordCounter& local,
                         const WordCounter& owned, size_t distinct, int64_t files, double seconds,
                         Communicator* comm, CorpusStats* stats) {
  const PruneStats& local_prune = local.prune_stats();
  const PruneStats& owner_prune = owned.prune_stats();
  std::vector<int64_t> sums = {totals.reader.stored_bytes,
                               totals.reader.uncompressed_bytes,
                               totals.reader.lines,
                               totals.reader.documents,
                               totals.tokenizer.tokens,
                               static_cast<int64_t>(distinct),
                               totals.tokenizer.invalid_utf8_sequences,
                               totals.tokenizer.long_tokens_dropped,
                               totals.reader.long_lines_skipped,
                               local_prune.entries + owner_prune.entries,
                               local_prune.tokens + owner_prune.tokens};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(sums), ReduceOp::kSum); !s.ok()) return s;
  std::vector<int64_t> maxima = {std::max(local_prune.threshold, owner_prune.threshold)};
  DistinctSketch sketch = local.sketch();
  for (uint8_t r : sketch.registers()) maxima.push_back(r);
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(maxima), ReduceOp::kMax); !s.ok()) return s;
  std::vector<double> rank_seconds(comm->size(), 0.0);
  rank_seconds[comm->rank()] = seconds;
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(rank_seconds), ReduceOp::kSum); !s.ok()) {
    return s;
  }
  stats->set_files(files);
  stats->set_bytes(sums[0]);
  stats->set_uncompressed_bytes(sums[1]);
  stats->set_lines(sums[2]);
  stats->set_documents(sums[3]);
  stats->set_tokens(sums[4]);
  stats->set_distinct_words(sums[5]);
  stats->set_invalid_utf8_sequences(sums[6]);
  stats->set_long_tokens_dropped(sums[7]);
  stats->set_long_lines_skipped(sums[8]);
  stats->set_pruned_entries(sums[9]);
  stats->set_pruned_tokens(sums[10]);
  stats->set_prune_threshold(maxima[0]);
  if (sums[9] == 0) {
    stats->set_distinct_words_before_pruning(sums[5]);
  } else {
    for (size_t i = 0; i < sketch.registers().size(); ++i) {
      sketch.mutable_registers()[i] = static_cast<uint8_t>(maxima[i + 1]);
    }
    stats->set_distinct_words_before_pruning(static_cast<int64_t>(sketch.Estimate() + 0.5));
    stats->set_distinct_words_estimated(true);
  }
  for (double s : rank_seconds) stats->add_rank_seconds(s);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<InputFile>> ShareFileList(const InputSpec& spec, Communicator* comm) {
  // Rank 0 lists the paths; every rank resolves every P-th file (opening a zstd file to sniff
  // its format decompresses its first block: 0.1 ms a file, 6 ms for enwiki's 64 files on
  // one rank); the results go to every rank.
  std::string encoded;
  absl::Status status;
  if (comm->rank() == 0) {
    absl::StatusOr<std::vector<std::string>> paths = ListInputs(spec);
    if (paths.ok()) {
      std::vector<InputFile> listed(paths->size());
      for (size_t i = 0; i < listed.size(); ++i) listed[i].path = std::move((*paths)[i]);
      encoded = EncodeFiles(listed);
    } else {
      status = paths.status();
    }
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  if (absl::Status s = comm->Broadcast(&encoded, 0); !s.ok()) return s;
  absl::StatusOr<std::vector<InputFile>> listed = DecodeFiles(encoded);
  if (!listed.ok()) return listed.status();
  std::vector<InputFile>& files = *listed;
  std::vector<InputFile> mine;
  for (size_t i = comm->rank(); i < files.size() && status.ok(); i += comm->size()) {
    status = ResolveInputFile(spec, &files[i]);
    mine.push_back(files[i]);
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  std::vector<std::string> resolved;
  if (absl::Status s =
          comm->AllToAll(std::vector<std::string>(comm->size(), EncodeFiles(mine)), &resolved);
      !s.ok()) {
    return s;
  }
  for (int r = 0; r < comm->size(); ++r) {
    absl::StatusOr<std::vector<InputFile>> theirs = DecodeFiles(resolved[r]);
    if (!theirs.ok()) return theirs.status();
    for (size_t k = 0; k < theirs->size(); ++k) {
      const size_t index = r + k * comm->size();
      if (index >= files.size()) return absl::InternalError("bad resolved file list");
      files[index] = std::move((*theirs)[k]);
    }
  }
  return listed;
}

int ResolveThreads(const RuntimeSpec& runtime, const Communicator& comm) {
  if (runtime.threads() > 0) return runtime.threads();
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, hardware / std::max(1, comm.local_size()));
}

absl::StatusOr<VocabularyResult> BuildVocabulary(const VocabCommand& spec, Communicator* comm,
                                                 const VocabularyOptions& options) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::vector<InputFile>> files = ShareFileList(spec.input(), comm);
  if (!files.ok()) return files.status();
  const int threads = ResolveThreads(spec.runtime(), *comm);
  absl::StatusOr<std::unique_ptr<UnitQueue>> units = UnitQueue::Create(
      PlanWorkUnits(*files, spec.input().split_bytes(), comm->size(), threads), comm);
  if (!units.ok()) return units.status();

  // With a host pool rank 0 reports its host's progress (its own share would run over or
  // under 100%, as the host's ranks take what they can).
  UnitQueue& queue = **units;
  RankCounter counter(spec, *files, &queue, threads, options.count_line_ends, queue.progress());
  absl::Status counted;
  {
    std::unique_ptr<ProgressReporter> reporter;
    if (comm->rank() == 0) {
      reporter = std::make_unique<ProgressReporter>(
          "vocab", queue.progress_bytes(), comm->size(), spec.runtime().progress_seconds(),
          queue.progress(), /*print_final=*/false, queue.progress_scope());
    }
    counted = counter.Run();
  }
  if (absl::Status s = comm->AgreeOk(counted); !s.ok()) return s;
  units->reset();  // collective on the host (the shared counter's memory)

  VocabularyResult result;
  if (options.count_line_ends) {
    // Gathered on rank 0 (which trains on the whole vocabulary anyway).
    Vocabulary mine;
    for (const auto& [word, count] : counter.TakeLineEnds()) mine.push_back({word, count});
    std::vector<std::string> parts;
    if (absl::Status s = comm->Gather(EncodeVocabulary(mine), &parts, 0); !s.ok()) return s;
    for (const std::string& part : parts) {
      Vocabulary theirs;
      if (absl::Status s = DecodeVocabularyInto(part, &theirs); !s.ok()) return s;
      for (const VocabWord& w : theirs) result.line_ends[w.word] += w.count;
    }
  }
  LocalTotals totals;
  WordCounter local = counter.TakeMerged(&totals);
  const VocabularySpec& vspec = spec.vocabulary();
  // With one rank the local table already owns every word: no exchange. Without a memory
  // budget the owners' counts are gathered into the local tables themselves; with one, into a
  // separate owner table under half the budget (the local tables hold the other half).
  WordCounter owned;
  const bool separate_owner_table = comm->size() > 1 && vspec.vocab_memory_mb() > 0;
  const int64_t batch_bytes = std::max<int64_t>(1, vspec.exchange_batch_mb()) << 20;
  if (separate_owner_table) {
    absl::StatusOr<WordCounter> exchanged =
        ExchangeByOwner(local, (vspec.vocab_memory_mb() << 20) / 2, batch_bytes, comm);
    if (!exchanged.ok()) return exchanged.status();
    owned = *std::move(exchanged);
  } else if (comm->size() > 1) {
    if (absl::Status s = ExchangeInPlace(&local, batch_bytes, comm); !s.ok()) return s;
  }
  size_t distinct = 0;
  Vocabulary part = OwnedVocabulary(separate_owner_table ? owned : local, vspec, &distinct);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  if (absl::Status s =
          ReduceStats(totals, local, owned, distinct, static_cast<int64_t>(files->size()), seconds,
                      comm, &result.stats);
      !s.ok()) {
    return s;
  }
  local.Clear();
  owned.Clear();
  if (comm->size() > 1) {
    absl::StatusOr<Vocabulary> vocab = AssembleVocabulary(part, vspec, comm);
    if (!vocab.ok()) return vocab.status();
    result.vocab = *std::move(vocab);
  } else {
    result.vocab = std::move(part);  // already sorted and cut to max_size
  }
  int64_t vocab_tokens = 0;
  for (const VocabWord& w : result.vocab) vocab_tokens += w.count;
  result.stats.set_vocabulary_words(static_cast<int64_t>(result.vocab.size()));
  result.stats.set_vocabulary_tokens(vocab_tokens);
  result.stats.set_threads(threads);
  result.stats.set_ranks(comm->size());
  result.stats.set_seconds(std::chrono::duration<double>(Clock::now() - start).count());
  return result;
}

}  // namespace wordmill
