#include "workers/subword_encoder.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "formats/id_shard.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/shard_plan.h"
#include "workers/runtime_threads.h"
#include "workers/shared_file_list.h"

namespace wordmill {
namespace {

// One unit's encoded paragraphs.
struct EncodedUnit {
  std::vector<uint32_t> ids;
  std::vector<std::pair<uint32_t, bool>> paragraphs;  // (id count, starts document)
  int64_t words = 0;
  int64_t bytes = 0;
  absl::Status status;
  bool done = false;
};

// A seed for unit `index` that does not depend on which thread encodes it.
uint64_t UnitSeed(uint64_t seed, int rank, size_t index) {
  uint64_t x = seed ^ (static_cast<uint64_t>(rank) << 40) ^ (index * 0x9E3779B97F4A7C15ull);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

class RankEncoder {
 public:
  RankEncoder(const TokenizerEncodeCommand& spec, const SubwordModel& model,
              const std::vector<InputFile>& files, std::vector<WorkUnit> units, int rank,
              int threads)
      : spec_(spec),
        model_(model),
        files_(files),
        units_(std::move(units)),
        rank_(rank),
        threads_(threads),
        slots_(units_.size()) {}

  // Encodes on `threads_` threads; writes units in order from this thread.
  absl::Status Run(IdShardWriter* writer, int64_t* words, int64_t* bytes) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads_; ++t) workers.emplace_back([this] { Work(); });
    absl::Status status;
    const size_t max_tokens = static_cast<size_t>(std::max(1, spec_.ids().max_sentence_tokens()));
    for (size_t u = 0; u < units_.size(); ++u) {
      std::unique_ptr<EncodedUnit> unit;
      {
        absl::MutexLock lock(&mutex_);
        mutex_.Await(absl::Condition(
            +[](std::unique_ptr<EncodedUnit>* slot) { return *slot && (*slot)->done; },
            &slots_[u]));
        unit = std::move(slots_[u]);
        written_ = u + 1;
        if (!status.ok()) stop_ = true;
      }
      if (!status.ok()) continue;
      status = unit->status;
      *words += unit->words;
      *bytes += unit->bytes;
      size_t offset = 0;
      for (const auto& [n, starts] : unit->paragraphs) {
        for (size_t begin = 0; begin < n && status.ok(); begin += max_tokens) {
          status = writer->Add(unit->ids.data() + offset + begin, std::min(max_tokens, n - begin),
                               starts && begin == 0);
        }
        offset += n;
      }
      if (!status.ok()) {
        absl::MutexLock lock(&mutex_);
        stop_ = true;
      }
    }
    for (std::thread& t : workers) t.join();
    return status;
  }

 private:
  void Work() {
    WordTokenizer tokenizer(model_.data().tokenizer);
    TokenList words;
    std::unique_ptr<SubwordEncoder> shared_encoder;
    const bool sampling = spec_.sample_alpha() != 0;
    while (true) {
      size_t u;
      {
        absl::MutexLock lock(&mutex_);
        // Hold at most 2 x threads finished units that wait to be written.
        mutex_.Await(absl::Condition(
            +[](RankEncoder* self) {
              return self->stop_ || self->next_ >= self->units_.size() ||
                     self->next_ < self->written_ + 2 * static_cast<size_t>(self->threads_);
            },
            this));
        if (next_ >= units_.size()) return;
        u = next_++;
        slots_[u] = std::make_unique<EncodedUnit>();
        if (stop_) {
          slots_[u]->done = true;  // the writer skips it
          continue;
        }
      }
      auto unit = std::make_unique<EncodedUnit>();
      std::unique_ptr<SubwordEncoder> unit_encoder;
      SubwordEncoder* encoder = shared_encoder.get();
      if (sampling || encoder == nullptr) {
        absl::StatusOr<std::unique_ptr<SubwordEncoder>> made =
            model_.NewEncoder(spec_.sample_alpha(), UnitSeed(spec_.sample_seed(), rank_, u));
        if (!made.ok()) {
          unit->status = made.status();
        } else if (sampling) {
          unit_encoder = std::move(*made);
          encoder = unit_encoder.get();
        } else {
          shared_encoder = std::move(*made);
          encoder = shared_encoder.get();
        }
      }
      if (unit->status.ok())
        unit->status = EncodeUnit(units_[u], &tokenizer, &words, encoder, unit.get());
      unit->done = true;
      absl::MutexLock lock(&mutex_);
      slots_[u] = std::move(unit);
    }
  }

  absl::Status EncodeUnit(const WorkUnit& work, WordTokenizer* tokenizer, TokenList* words,
                          SubwordEncoder* encoder, EncodedUnit* unit) {
    bool first = true;
    ReaderCounters counters;
    absl::Status status = ForEachParagraph(
        files_[work.file_index], work, spec_.input(),
        [&](const Paragraph& paragraph) {
          tokenizer->Tokenize(paragraph.text, words);
          if (words->empty()) return absl::OkStatus();
          const size_t begin = unit->ids.size();
          if (spec_.add_bos_eos() && model_.bos_id() >= 0) {
            unit->ids.push_back(static_cast<uint32_t>(model_.bos_id()));
          }
          encoder->Encode(*words, &unit->ids);
          if (spec_.add_bos_eos() && model_.eos_id() >= 0) {
            unit->ids.push_back(static_cast<uint32_t>(model_.eos_id()));
          }
          unit->words += static_cast<int64_t>(words->size());
          unit->paragraphs.emplace_back(static_cast<uint32_t>(unit->ids.size() - begin),
                                        first || paragraph.starts_document);
          first = false;
          return absl::OkStatus();
        },
        &counters);
    unit->bytes = counters.uncompressed_bytes;
    return status;
  }

  const TokenizerEncodeCommand& spec_;
  const SubwordModel& model_;
  const std::vector<InputFile>& files_;
  const std::vector<WorkUnit> units_;
  const int rank_;
  const int threads_;
  absl::Mutex mutex_;
  std::vector<std::unique_ptr<EncodedUnit>> slots_;
  size_t next_ = 0;     // the next unit to encode
  size_t written_ = 0;  // units taken by the writer
  bool stop_ = false;
};

}  // namespace

absl::StatusOr<SubwordEncodeResult> EncodeCorpusWithModel(const TokenizerEncodeCommand& spec,
                                                          const SubwordModel& model,
                                                          const std::string& spec_text,
                                                          Communicator* comm) {
  absl::StatusOr<std::vector<InputFile>> files = ShareFileList(spec.input(), comm);
  if (!files.ok()) return files.status();
  const int threads = ResolveThreads(spec.runtime(), *comm);
  std::vector<WorkUnit> units =
      UnitsForRank(PlanWorkUnits(*files, spec.input().split_bytes(), comm->size(), threads),
                   comm->rank(), comm->size());
  SubwordEncodeResult result;
  result.path = IdShardPath(spec.output_dir(), comm->rank(), comm->size());
  int64_t words = 0, bytes = 0;
  absl::Status status;
  const Vocabulary vocab = PieceVocabulary(model);
  absl::StatusOr<std::unique_ptr<IdShardWriter>> writer = IdShardWriter::Open(
      result.path, VocabularyChecksum(vocab), static_cast<int64_t>(vocab.size()), comm->rank(),
      comm->size(), TokenizerEncodeCommand::descriptor()->full_name(), spec_text);
  if (!writer.ok()) {
    status = writer.status();
  } else {
    RankEncoder encoder(spec, model, *files, std::move(units), comm->rank(), threads);
    status = encoder.Run(writer->get(), &words, &bytes);
    if (status.ok()) status = (*writer)->Close();
    if (status.ok()) result.rank_tokens = (*writer)->tokens();
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  std::vector<int64_t> sums = {result.rank_tokens, words, bytes};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(sums), ReduceOp::kSum); !s.ok()) return s;
  result.tokens = sums[0];
  result.words = sums[1];
  result.bytes = sums[2];
  return result;
}

}  // namespace wordmill
