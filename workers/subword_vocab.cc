#include "workers/subword_vocab.h"

#include <filesystem>
#include <limits>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"
#include "formats/id_shard.h"
#include "tokenizers/hf_export.h"
#include "workers/subword_encoder.h"

namespace wordmill {
namespace {

constexpr uint32_t kAbsent = std::numeric_limits<uint32_t>::max();

absl::Status CheckTokens(const std::vector<std::string>& tokens, const std::string& model) {
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string& t = tokens[id];
    if (t.empty() || t.find_first_of(" \t\n\r\v\f") != std::string::npos ||
        !seen.insert(t).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(model, ": token ", id, " '", t,
                       "' is empty, repeats or holds whitespace: it cannot be an embedding row"));
    }
  }
  return absl::OkStatus();
}

// Counts the ids of this rank's token-id shard.
absl::Status CountIds(const std::string& path, uint64_t checksum, std::vector<int64_t>* counts) {
  absl::StatusOr<std::unique_ptr<IdShardReader>> reader = IdShardReader::Open(path, checksum);
  if (!reader.ok()) return reader.status();
  std::vector<uint32_t> ids;
  bool starts = false;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&ids, &starts);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    for (uint32_t id : ids) ++(*counts)[id];
  }
}

// Rewrites the token-id shard `from` as a shard of vocabulary ids at `to`.
absl::Status Remap(const std::string& from, uint64_t from_checksum, const std::string& to,
                   const Vocabulary& vocab, const std::vector<uint32_t>& row_of_token,
                   const std::string& spec_text, const Communicator& comm) {
  absl::StatusOr<std::unique_ptr<IdShardReader>> reader = IdShardReader::Open(from, from_checksum);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<std::unique_ptr<IdShardWriter>> writer = IdShardWriter::Open(
      to, VocabularyChecksum(vocab), static_cast<int64_t>(vocab.size()), comm.rank(), comm.size(),
      TokenizerEncodeCommand::descriptor()->full_name(), spec_text);
  if (!writer.ok()) return writer.status();
  std::vector<uint32_t> ids;
  bool starts = false;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&ids, &starts);
    if (!more.ok()) return more.status();
    if (!*more) break;
    for (uint32_t& id : ids) id = row_of_token[id];  // every id occurs, so none is kAbsent
    if (absl::Status s = (*writer)->Add(ids.data(), ids.size(), starts); !s.ok()) return s;
  }
  return (*writer)->Close();
}

}  // namespace

absl::StatusOr<SubwordVocabResult> BuildSubwordVocabulary(const TokenizerEncodeCommand& spec,
                                                          const SubwordModel& model,
                                                          const std::string& spec_text,
                                                          Communicator* comm) {
  SubwordVocabResult result;
  result.tokens = DisplayPieces(model);
  if (absl::Status s = comm->AgreeOk(CheckTokens(result.tokens, spec.model())); !s.ok()) return s;
  // Token ids first, in a directory of their own that is removed however this ends.
  TokenizerEncodeCommand token_spec = spec;
  token_spec.set_output_dir(spec.output_dir() + "/token-ids");
  std::error_code error;
  if (comm->rank() == 0) std::filesystem::create_directories(token_spec.output_dir(), error);
  absl::Status made = error ? absl::FailedPreconditionError(absl::StrCat(
                                  token_spec.output_dir(), ": cannot create: ", error.message()))
                            : absl::OkStatus();
  if (absl::Status s = comm->AgreeOk(made); !s.ok()) return s;
  absl::StatusOr<SubwordEncodeResult> encoded =
      EncodeCorpusWithModel(token_spec, model, spec_text, comm);
  absl::Status status = encoded.status();
  const uint64_t token_checksum = VocabularyChecksum(PieceVocabulary(model));
  std::vector<int64_t> counts(result.tokens.size(), 0);
  if (status.ok()) status = CountIds(encoded->path, token_checksum, &counts);
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) {
    if (comm->rank() == 0) std::filesystem::remove_all(token_spec.output_dir(), error);
    return s;
  }
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(counts), ReduceOp::kSum); !s.ok()) return s;
  result.tokens_total = encoded->tokens;
  result.words = encoded->words;
  result.bytes = encoded->bytes;

  for (size_t id = 0; id < counts.size(); ++id) {
    if (counts[id] > 0) {
      result.vocab.push_back({result.tokens[id], counts[id]});
    } else {
      ++result.unused_tokens;
    }
  }
  SortVocabulary(&result.vocab);
  absl::flat_hash_map<absl::string_view, uint32_t> row_of_string;
  for (size_t row = 0; row < result.vocab.size(); ++row) {
    row_of_string[result.vocab[row].word] = static_cast<uint32_t>(row);
  }
  std::vector<uint32_t> row_of_token(result.tokens.size(), kAbsent);
  for (size_t id = 0; id < result.tokens.size(); ++id) {
    auto it = row_of_string.find(result.tokens[id]);
    if (it != row_of_string.end()) row_of_token[id] = it->second;
  }
  result.shard = IdShardPath(spec.output_dir(), comm->rank(), comm->size());
  status = Remap(encoded->path, token_checksum, result.shard, result.vocab, row_of_token, spec_text,
                 *comm);
  std::filesystem::remove(encoded->path, error);
  status = comm->AgreeOk(status);
  if (comm->rank() == 0) std::filesystem::remove_all(token_spec.output_dir(), error);
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<IdEncodeResult> OpenEncodedCorpus(const std::string& dir, const Vocabulary& vocab,
                                                 Communicator* comm) {
  IdEncodeResult result;
  result.path = IdShardPath(dir, comm->rank(), comm->size());
  std::vector<int64_t> counts(vocab.size(), 0);
  absl::Status status;
  if (!std::filesystem::exists(result.path)) {
    status = absl::FailedPreconditionError(
        absl::StrCat(result.path, ": no id shard for rank ", comm->rank(), " of ", comm->size(),
                     " (the shards were written for another number of ranks)"));
  } else {
    status = CountIds(result.path, VocabularyChecksum(vocab), &counts);
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  for (int64_t c : counts) result.rank_tokens += c;
  std::vector<int64_t> total = {result.rank_tokens};
  if (absl::Status s = comm->AllReduce(absl::MakeSpan(total), ReduceOp::kSum); !s.ok()) return s;
  result.tokens = total[0];
  return result;
}

}  // namespace wordmill
