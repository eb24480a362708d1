#include "workers/cooccur_builder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/format.h"
#include "base/progress.h"
#include "formats/atomic_file.h"
#include "formats/id_shard.h"
#include "workers/cooccur_counter.h"
#include "workers/cooccur_exchange.h"
#include "workers/cooccur_runs.h"
#include "workers/id_encoder.h"
#include "workers/subword_vocab.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

constexpr int64_t kMiB = 1 << 20;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::Status MakeFreshDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create directory: ", error.message()));
  }
  return absl::OkStatus();
}

// How memory_mb is split (see the header).
struct Budget {
  int64_t dense_product = 0;
  size_t buffer_records = 0;   // per thread
  size_t receive_records = 0;  // the owner's receive buffer
  size_t batch_records = 0;    // per rank and all-to-all round
};

Budget PlanBudget(const CooccurSpec& spec, int64_t vocab_size, int threads, int ranks) {
  const int64_t memory = spec.memory_mb() * kMiB;
  const int64_t record = sizeof(CooccurRecord);
  Budget b;
  if (spec.dense_words() > 0) {
    b.dense_product = int64_t{spec.dense_words()} * spec.dense_words();
  } else if (spec.dense_words() == 0) {
    b.dense_product = CooccurAccumulator::DenseProductForBytes(vocab_size, memory / 4 / threads);
  }
  const size_t min_buffer = 4 * static_cast<size_t>(std::max(1, spec.window()));
  // Buffers come with an equal radix-sort scratch, hence the extra halving.
  b.buffer_records = std::max<size_t>(min_buffer, memory / 4 / threads / record);
  b.receive_records = std::max<size_t>(4 * ranks, memory / 8 / record);
  b.batch_records =
      std::max<size_t>(1, std::min<size_t>(spec.exchange_batch_mb() * kMiB / record,
                                           b.receive_records / (2 * static_cast<size_t>(ranks))));
  return b;
}

// What the counting phase has done, for rank 0's progress line.
struct CountProgress {
  std::atomic<int64_t> tokens{0};      // tokens counted by this rank's threads
  std::atomic<int64_t> rounds{0};      // all-to-all rounds so far
  std::atomic<int64_t> runs{0};        // runs this rank has spilled
  std::atomic<int64_t> dense_done{0};  // dense entries emitted (after the tokens)
};

std::string CountLine(const CountProgress& p, int64_t total_tokens, int64_t dense_entries,
                      double seconds, int ranks) {
  const int64_t tokens = p.tokens.load(std::memory_order_relaxed);
  const double fraction =
      total_tokens > 0 ? std::min(1.0, static_cast<double>(tokens) / total_tokens) : 1.0;
  const int64_t dense = p.dense_done.load(std::memory_order_relaxed);
  std::string dense_part;
  if (dense > 0 && dense_entries > 0) {
    dense_part = absl::StrFormat(", dense region %.1f%% routed", 100.0 * dense / dense_entries);
  }
  const std::string body = absl::StrFormat(
      "%.1f%% of %.2f M tokens, %s, %d exchange rounds, %d runs spilled%s", 100.0 * fraction,
      total_tokens / 1e6, FormatRate(seconds > 0 ? tokens / seconds : 0.0, "tokens"),
      p.rounds.load(std::memory_order_relaxed), p.runs.load(std::memory_order_relaxed), dense_part);
  return FormatProgressLine("cooccur count", body, EtaSeconds(seconds, fraction),
                            RankZeroScope(ranks));
}

std::string MergeLine(const MergeProgress& p, double seconds, int ranks) {
  const int merge = std::max(1, p.merge.load(std::memory_order_relaxed));
  const int merges = std::max(merge, p.merges.load(std::memory_order_relaxed));
  const int64_t read = p.read.load(std::memory_order_relaxed);
  const int64_t inputs = p.inputs.load(std::memory_order_relaxed);
  const double in_merge = inputs > 0 ? std::min(1.0, static_cast<double>(read) / inputs) : 0.0;
  const double fraction = (merge - 1 + in_merge) / merges;
  const double rate =
      seconds > 0 ? (p.finished.load(std::memory_order_relaxed) + read) / seconds : 0.0;
  const std::string body =
      absl::StrFormat("%.1f%% (merge %d of %d: %.2f of %.2f M records), %s", 100.0 * fraction,
                      merge, merges, read / 1e6, inputs / 1e6, FormatRate(rate, "records"));
  return FormatProgressLine("cooccur merge", body, EtaSeconds(seconds, fraction),
                            RankZeroScope(ranks));
}

// Runs every worker until its buffer is full or its input ends, in parallel.
absl::Status RunWorkers(std::vector<std::unique_ptr<CooccurCountWorker>>* workers) {
  std::vector<absl::Status> status(workers->size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers->size(); ++t) {
    threads.emplace_back([&, t] { status[t] = (*workers)[t]->Run(); });
  }
  status[0] = (*workers)[0]->Run();
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& s : status) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Wall seconds of the counting phases on this rank.
struct PhaseTimes {
  double count = 0, route = 0, dense = 0;
};

// Step 3: counting rounds, then the dense regions. Leaves the runs in the spiller.
absl::Status CountAndRoute(std::vector<std::unique_ptr<CooccurCountWorker>>* workers,
                           CooccurRouter* router, const RunSpiller& spiller, Communicator* comm,
                           CountProgress* progress, int64_t* pairs, PhaseTimes* times) {
  auto note_round = [&] {
    progress->rounds.store(router->rounds(), std::memory_order_relaxed);
    progress->runs.store(static_cast<int64_t>(spiller.run_count()), std::memory_order_relaxed);
  };
  while (true) {
    auto start = std::chrono::steady_clock::now();
    absl::Status status = RunWorkers(workers);
    times->count += SecondsSince(start);
    if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
    start = std::chrono::steady_clock::now();
    std::vector<RecordSpan> pieces;
    bool pending = false;
    for (auto& w : *workers) {
      pieces.push_back({w->accumulator()->buffer(), w->accumulator()->buffer_size()});
      pending |= !w->done();
    }
    if (absl::Status s = router->Route(pieces); !s.ok()) return s;
    note_round();
    for (auto& w : *workers) w->accumulator()->ClearBuffer();
    times->route += SecondsSince(start);
    absl::StatusOr<int64_t> any_pending = comm->MaxInt64(pending ? 1 : 0);
    if (!any_pending.ok()) return any_pending.status();
    if (*any_pending == 0) break;
  }
  for (auto& w : *workers) *pairs += w->pairs();
  auto start = std::chrono::steady_clock::now();
  CooccurAccumulator* dense = (*workers)[0]->accumulator();
  for (size_t t = 1; t < workers->size(); ++t) dense->AddDense(*(*workers)[t]->accumulator());
  workers->resize(1);  // frees the other threads' regions and buffers
  int64_t cursor = 0;
  while (true) {
    const bool more = dense->EmitDense(&cursor);
    times->dense += SecondsSince(start);
    start = std::chrono::steady_clock::now();
    if (absl::Status s = router->Route({{dense->buffer(), dense->buffer_size()}}); !s.ok()) {
      return s;
    }
    times->route += SecondsSince(start);
    note_round();
    progress->dense_done.store(std::max<int64_t>(1, cursor), std::memory_order_relaxed);
    dense->ClearBuffer();
    absl::StatusOr<int64_t> any_more = comm->MaxInt64(more ? 1 : 0);
    if (!any_more.ok()) return any_more.status();
    if (*any_more == 0) return absl::OkStatus();
    start = std::chrono::steady_clock::now();
  }
}

RecordWriterOptions ShardOptions(const CooccurCommand& spec, const std::string& spec_text,
                                 const Vocabulary& vocab, const CooccurResult& totals, int rank,
                                 int ranks) {
  RecordWriterOptions options = CooccurWriterOptions();
  options.spec_type = CooccurCommand::descriptor()->full_name();
  options.spec_text = spec_text;
  options.metadata["vocab_checksum"] = absl::StrFormat("%016x", VocabularyChecksum(vocab));
  options.metadata["vocab_size"] = absl::StrCat(vocab.size());
  options.metadata["rank"] = absl::StrCat(rank);
  options.metadata["ranks"] = absl::StrCat(ranks);
  options.metadata["tokens"] = absl::StrCat(totals.tokens);
  options.metadata["pairs"] = absl::StrCat(totals.pairs);
  options.metadata["window"] = absl::StrCat(spec.cooccur().window());
  options.metadata["symmetric"] = spec.cooccur().left_only() ? "false" : "true";
  return options;
}

// Step 4: this rank's runs into its shard.
absl::Status MergeShard(const CooccurCommand& spec, const std::string& spec_text,
                        const Vocabulary& vocab, const CooccurResult& totals, RunSpiller* spiller,
                        Communicator* comm, MergeStats* stats) {
  const std::string path = CooccurShardPath(spec.output_dir(), comm->rank(), comm->size());
  absl::StatusOr<std::unique_ptr<RecordWriter>> writer = RecordWriter::Open(
      path, ShardOptions(spec, spec_text, vocab, totals, comm->rank(), comm->size()));
  if (!writer.ok()) return writer.status();
  absl::Status status = MergeRuns(*spiller->runs(), spec.cooccur().max_open_files(), spiller->dir(),
                                  spiller->next_run_id(), writer->get(), stats);
  if (status.ok()) status = (*writer)->Close();
  return status;
}

absl::Status SumTotals(const std::vector<int64_t>& local, Communicator* comm,
                       std::vector<int64_t>* sums) {
  *sums = local;
  return comm->AllReduce(absl::MakeSpan(*sums), ReduceOp::kSum);
}

}  // namespace

absl::StatusOr<Vocabulary> ReadVocabularyFile(const std::string& path) {
  if (absl::EndsWith(path, ".wmrec")) return ReadVocabRecords(path);
  return ReadVocabTsv(path);
}

absl::StatusOr<CooccurResult> BuildCooccurrences(const CooccurCommand& spec,
                                                 const std::string& spec_text,
                                                 const Vocabulary& vocab, Communicator* comm,
                                                 const std::string& encoded_ids) {
  const auto start = std::chrono::steady_clock::now();
  CooccurResult result;
  const std::string ids_dir = spec.output_dir() + "/ids";
  absl::Status made =
      comm->rank() == 0 && encoded_ids.empty() ? MakeFreshDir(ids_dir) : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(made); !s.ok()) return s;
  absl::StatusOr<IdEncodeResult> encoded =
      !encoded_ids.empty()
          ? OpenEncodedCorpus(encoded_ids, vocab, comm)
          : EncodeCorpus(spec.input(), spec.tokenizer(), spec.ids(), spec.runtime(), vocab, ids_dir,
                         CooccurCommand::descriptor()->full_name(), spec_text, comm);
  if (!encoded.ok()) return encoded.status();
  result.tokens = encoded->tokens;
  result.dropped = encoded->dropped;
  result.encode_seconds = SecondsSince(start);

  const auto count_start = std::chrono::steady_clock::now();
  std::vector<int64_t> counts(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) counts[i] = vocab[i].count;
  const std::vector<int32_t> owners =
      AssignRowOwners(counts, spec.cooccur().window(), comm->size());
  result.threads = ResolveThreads(spec.runtime(), *comm);
  const Budget budget =
      PlanBudget(spec.cooccur(), static_cast<int64_t>(vocab.size()), result.threads, comm->size());
  result.dense_product = budget.dense_product;
  const std::string tmp_dir = spec.cooccur().scratch_dir().empty()
                                  ? absl::StrCat(spec.output_dir(), "/cooccur-tmp-", comm->rank())
                                  : absl::StrCat(spec.cooccur().scratch_dir(), "/cooccur-tmp-",
                                                 comm->host(comm->rank()), "-", comm->rank());
  TempDirGuard guard(tmp_dir);
  absl::Status status = MakeFreshDir(tmp_dir);
  std::vector<std::unique_ptr<CooccurCountWorker>> workers;
  for (int t = 0; t < result.threads && status.ok(); ++t) {
    workers.push_back(std::make_unique<CooccurCountWorker>(
        spec.cooccur(), t, result.threads, static_cast<int64_t>(vocab.size()), budget.dense_product,
        budget.buffer_records));
    status = workers.back()->Open(encoded->path, VocabularyChecksum(vocab));
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  RunSpiller spiller(tmp_dir, budget.receive_records, static_cast<int64_t>(vocab.size()));
  CooccurRouter router(&owners, budget.batch_records, comm, &spiller);
  int64_t pairs = 0;
  PhaseTimes times;
  {
    CountProgress progress;
    for (auto& w : workers) w->set_progress(&progress.tokens);
    std::unique_ptr<ProgressLine> line;
    if (comm->rank() == 0) {
      const int64_t dense_entries =
          workers.empty() ? 0 : workers[0]->accumulator()->dense_entries();
      line = std::make_unique<ProgressLine>(spec.runtime().progress_seconds(), /*print_final=*/true,
                                            [&progress, total = encoded->rank_tokens, dense_entries,
                                             ranks = comm->size()](double seconds) {
                                              return CountLine(progress, total, dense_entries,
                                                               seconds, ranks);
                                            });
    }
    absl::Status counted =
        CountAndRoute(&workers, &router, spiller, comm, &progress, &pairs, &times);
    line.reset();
    if (!counted.ok()) return counted;
  }
  workers.clear();
  const double spill_in_route = spiller.seconds();
  if (absl::Status s = comm->AgreeOk(spiller.Finish()); !s.ok()) return s;
  result.exchange_rounds = router.rounds();
  result.count_seconds = SecondsSince(count_start);

  const auto merge_start = std::chrono::steady_clock::now();
  std::vector<int64_t> sums;
  const int64_t runs = static_cast<int64_t>(spiller.runs()->size());
  if (absl::Status s = SumTotals({pairs, runs}, comm, &sums); !s.ok()) return s;
  result.pairs = sums[0];
  result.runs = sums[1];
  MergeStats merge;
  MergeProgress merge_progress;
  merge.progress = &merge_progress;
  {
    std::unique_ptr<ProgressLine> line;
    if (comm->rank() == 0) {
      line =
          std::make_unique<ProgressLine>(spec.runtime().progress_seconds(), /*print_final=*/true,
                                         [&merge_progress, ranks = comm->size()](double seconds) {
                                           return MergeLine(merge_progress, seconds, ranks);
                                         });
    }
    status = MergeShard(spec, spec_text, vocab, result, &spiller, comm, &merge);
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  std::vector<int64_t> rank_records(comm->size(), 0);
  rank_records[comm->rank()] = merge.records;
  if (absl::Status s = SumTotals(rank_records, comm, &result.rank_records); !s.ok()) return s;
  if (absl::Status s = SumTotals({merge.intermediate_merges}, comm, &sums); !s.ok()) return s;
  result.intermediate_merges = sums[0];
  for (int64_t r : result.rank_records) result.records += r;
  for (int r = 0; r < comm->size(); ++r) {
    result.shards.push_back(CooccurShardPath(spec.output_dir(), r, comm->size()));
  }
  result.merge_seconds = SecondsSince(merge_start);
  std::vector<double> phases = {times.count, times.route - spill_in_route, spiller.seconds(),
                                times.dense, result.merge_seconds};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(phases), ReduceOp::kMax); !s.ok()) return s;
  result.phase_count = phases[0];
  result.phase_exchange = phases[1];
  result.phase_spill = phases[2];
  result.phase_dense = phases[3];
  result.phase_merge = phases[4];
  result.seconds = SecondsSince(start);
  return result;
}

absl::Status ExportGloveCooccurrences(const std::string& output_dir, int ranks,
                                      Communicator* comm) {
  absl::Status status;
  if (comm->rank() == 0) {
    status = [&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out =
          AtomicFileWriter::Open(output_dir + "/cooccurrence.bin");
      if (!out.ok()) return out.status();
      for (int r = 0; r < ranks; ++r) {
        absl::StatusOr<std::unique_ptr<RecordReader>> reader =
            RecordReader::Open(CooccurShardPath(output_dir, r, ranks));
        if (!reader.ok()) return reader.status();
        absl::string_view bytes;
        absl::StatusOr<bool> more;
        while ((more = (*reader)->Next(&bytes)).ok() && *more) {
          CooccurRecord record = RecordFromBytes(bytes);
          ++record.i;  // GloVe's ids are 1-based
          ++record.j;
          if (absl::Status s = (*out)->Write(RecordBytes(record)); !s.ok()) return s;
        }
        if (!more.ok()) return more.status();
      }
      return (*out)->Commit();
    }();
  }
  return comm->AgreeOk(status);
}

}  // namespace wordmill
