#include "tokenizers/unigram_adapter.h"

namespace wordmill {

// The Unigram algorithm (tokenizers/unigram.h) is not on this branch yet.
absl::StatusOr<std::unique_ptr<SubwordModel>> TrainUnigramModel(const SubwordSpec&,
                                                                const TokenizerSpec&, WordCounts) {
  return absl::UnimplementedError(
      "--model unigram is not available yet: the Unigram algorithm has not landed");
}

absl::StatusOr<std::unique_ptr<SubwordModel>> CreateUnigramModel(SubwordModelData) {
  return absl::UnimplementedError(
      "unigram model files are not readable yet: the Unigram algorithm has not landed");
}

}  // namespace wordmill
