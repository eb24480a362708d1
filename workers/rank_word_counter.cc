#include "workers/rank_word_counter.h"

#include <thread>
#include <utility>

#include "workers/document_reader.h"

namespace wordmill {

RankWordCounter::RankWordCounter(const VocabCommand& spec, const std::vector<InputFile>& files,
                                 UnitQueue* units, int threads, bool count_line_ends,
                                 ProgressCounters* progress)
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

absl::flat_hash_map<std::string, int64_t> RankWordCounter::TakeLineEnds() {
  absl::flat_hash_map<std::string, int64_t> all = std::move(line_ends_[0]);
  for (size_t t = 1; t < line_ends_.size(); ++t) {
    for (const auto& [word, count] : line_ends_[t]) all[word] += count;
  }
  return all;
}

absl::Status RankWordCounter::Run() {
  std::vector<std::thread> threads;
  for (size_t t = 1; t < counters_.size(); ++t) threads.emplace_back([this, t] { Work(t); });
  Work(0);
  for (std::thread& thread : threads) thread.join();
  return first_error_;
}

WordCounter RankWordCounter::TakeMerged(LocalTotals* totals) {
  for (size_t t = 1; t < counters_.size(); ++t) counters_[0].MergeFrom(&counters_[t]);
  for (const LocalTotals& local : totals_) totals->Add(local.reader, local.tokenizer);
  return std::move(counters_[0]);
}

void RankWordCounter::Work(size_t t) {
  WordTokenizer tokenizer(spec_.tokenizer());
  WordCounter& counter = counters_[t];
  while (!failed_.load(std::memory_order_relaxed)) {
    const WorkUnit* next = units_->Next();
    if (next == nullptr) break;
    const WorkUnit& unit = *next;
    absl::Status status =
        CountUnit(files_[unit.file_index], unit, &tokenizer, &counter, &totals_[t], &line_ends_[t]);
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (first_error_.ok()) first_error_ = status;
      failed_ = true;
    }
  }
  totals_[t].tokenizer = tokenizer.counters();
}

absl::Status RankWordCounter::CountUnit(const InputFile& file, const WorkUnit& unit,
                                        WordTokenizer* tokenizer, WordCounter* counter,
                                        LocalTotals* totals,
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

}  // namespace wordmill
