#include "workers/vocab_builder.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "workers/progress.h"
#include "workers/rank_word_counter.h"
#include "workers/runtime_threads.h"
#include "workers/shard_plan.h"
#include "workers/shared_file_list.h"
#include "workers/unit_queue.h"
#include "workers/vocab_exchange.h"
#include "workers/vocab_merge.h"
#include "workers/vocab_stats.h"
#include "workers/word_counter.h"

namespace wordmill {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

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
  RankWordCounter counter(spec, *files, &queue, threads, options.count_line_ends, queue.progress());
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
    if (absl::Status s = comm->Gather(EncodeWordCounts(mine), &parts, 0); !s.ok()) return s;
    for (const std::string& part : parts) {
      Vocabulary theirs;
      if (absl::Status s = DecodeWordCountsInto(part, &theirs); !s.ok()) return s;
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
