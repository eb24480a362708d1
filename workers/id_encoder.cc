#include "workers/id_encoder.h"

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/progress.h"
#include "formats/id_shard.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/shard_plan.h"
#include "workers/runtime_threads.h"
#include "workers/shared_file_list.h"

namespace wordmill {
namespace {

// This rank's units, read in plan order by one thread so the shard's order is deterministic
// (tokenizing runs at hundreds of MB/s per core; encoding is not the bottleneck of training).
absl::Status EncodeRank(const std::vector<InputFile>& files, const std::vector<WorkUnit>& units,
                        const InputSpec& input, const TokenizerSpec& tokenizer_spec,
                        const IdShardSpec& ids_spec,
                        const absl::flat_hash_map<absl::string_view, uint32_t>& ids,
                        IdShardWriter* writer, int64_t* dropped, ProgressCounters* progress) {
  WordTokenizer tokenizer(tokenizer_spec);
  TokenList tokens;
  std::vector<uint32_t> paragraph_ids;
  const size_t max_tokens = static_cast<size_t>(std::max(1, ids_spec.max_sentence_tokens()));
  for (const WorkUnit& unit : units) {
    // A unit's first paragraph is a hard boundary even inside a document: the text before it
    // may be on another rank, so no context window may reach across.
    bool document_pending = true;
    absl::Status status = ForEachParagraph(
        files[unit.file_index], unit, input,
        [&](const Paragraph& paragraph) {
          document_pending |= paragraph.starts_document;
          tokenizer.Tokenize(paragraph.text, &tokens);
          paragraph_ids.clear();
          for (size_t i = 0; i < tokens.size(); ++i) {
            auto it = ids.find(tokens[i]);
            if (it == ids.end()) {
              ++*dropped;
            } else {
              paragraph_ids.push_back(it->second);
            }
          }
          progress->tokens.fetch_add(static_cast<int64_t>(tokens.size()),
                                     std::memory_order_relaxed);
          for (size_t begin = 0; begin < paragraph_ids.size(); begin += max_tokens) {
            const size_t n = std::min(max_tokens, paragraph_ids.size() - begin);
            if (absl::Status s = writer->Add(paragraph_ids.data() + begin, n, document_pending);
                !s.ok()) {
              return s;
            }
            document_pending = false;
          }
          return absl::OkStatus();
        },
        nullptr, &progress->bytes);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IdEncodeResult> EncodeCorpus(const InputSpec& input, const TokenizerSpec& tokenizer,
                                            const IdShardSpec& ids_spec, const RuntimeSpec& runtime,
                                            const Vocabulary& vocab, const std::string& dir,
                                            const std::string& spec_type,
                                            const std::string& spec_text, Communicator* comm) {
  absl::StatusOr<std::vector<InputFile>> files = ShareFileList(input, comm);
  if (!files.ok()) return files.status();
  const int threads = ResolveThreads(runtime, *comm);
  const std::vector<WorkUnit> units =
      UnitsForRank(PlanWorkUnits(*files, input.split_bytes(), comm->size(), threads), comm->rank(),
                   comm->size());
  absl::flat_hash_map<absl::string_view, uint32_t> ids;
  ids.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) ids.emplace(vocab[i].word, static_cast<uint32_t>(i));

  int64_t my_bytes = 0;
  for (const WorkUnit& u : units) my_bytes += u.end - u.begin;
  ProgressCounters progress;
  std::unique_ptr<ProgressReporter> reporter;
  if (comm->rank() == 0) {
    reporter = std::make_unique<ProgressReporter>("encode", my_bytes, comm->size(),
                                                  runtime.progress_seconds(), &progress,
                                                  /*print_final=*/true);
  }
  IdEncodeResult result;
  result.path = IdShardPath(dir, comm->rank(), comm->size());
  int64_t dropped = 0;
  absl::Status status;
  absl::StatusOr<std::unique_ptr<IdShardWriter>> writer = IdShardWriter::Open(
      result.path, VocabularyChecksum(vocab), static_cast<int64_t>(vocab.size()), comm->rank(),
      comm->size(), spec_type, spec_text);
  if (!writer.ok()) {
    status = writer.status();
  } else {
    status = EncodeRank(*files, units, input, tokenizer, ids_spec, ids, writer->get(), &dropped,
                        &progress);
    if (status.ok()) status = (*writer)->Close();
    if (status.ok()) result.rank_tokens = (*writer)->tokens();
  }
  reporter.reset();  // its closing line
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  std::vector<int64_t> sums = {result.rank_tokens, dropped};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(sums), ReduceOp::kSum); !s.ok()) return s;
  result.tokens = sums[0];
  result.dropped = sums[1];
  return result;
}

}  // namespace wordmill
