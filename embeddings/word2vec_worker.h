// One Hogwild thread of the skip-gram / CBOW trainer: its slice of the rank's paragraphs, its
// random state, and preallocated buffers; trains paragraph by paragraph with the kernels of
// word2vec_model.h. Internal to the trainer (word2vec_trainer.h).
#ifndef WORDMILL_EMBEDDINGS_WORD2VEC_WORKER_H_
#define WORDMILL_EMBEDDINGS_WORD2VEC_WORKER_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "embeddings/word2vec_model.h"
#include "embeddings/word2vec_tables.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct Word2vecCorpus;

// Read-only state shared by the workers of a rank.
struct Word2vecShared {
  Word2vecWeights* weights = nullptr;
  const NegativeSampler* sampler = nullptr;
  const std::vector<float>* keep = nullptr;  // subsampling keep probability per id
  const HuffmanTree* tree = nullptr;
  Word2vecModel model_type = MODEL_SKIPGRAM;
  Word2vecLoss loss = LOSS_NS;
  Word2vecUpdate update = UPDATE_BATCH;
  int window = 5;
  int negative = 5;
  int epochs = 1;
  float alpha = 0.025f;
  bool skip_saturated = true;                       // SgnsSpec.skip_saturated
  int64_t rank_tokens = 0;                          // per epoch
  std::atomic<int64_t>* rank_words_done = nullptr;  // this epoch, all threads of the rank
  // Set to 1 for every row of W (in) / C (out) the worker writes (ReplicaSync's marks); null
  // with one rank.
  uint8_t* in_marks = nullptr;
  uint8_t* out_marks = nullptr;
};

class Word2vecWorker {
 public:
  Word2vecWorker(const Word2vecShared& shared, int64_t paragraph_begin, int64_t paragraph_end,
                 int max_paragraph);
  // Rewinds to the slice start with a fresh random stream.
  void StartEpoch(uint64_t seed);
  // Trains the next paragraphs of the slice that start before token `until`.
  void Run(const Word2vecCorpus& corpus, int epoch, int64_t until);
  int64_t slice_begin_token(const Word2vecCorpus& corpus) const;
  int64_t slice_end_token(const Word2vecCorpus& corpus) const;
  // CPU time of the threads that ran Run (summed over the calls).
  double cpu_seconds() const { return cpu_seconds_; }

  // Running loss (sum, examples) and current learning rate, read by the progress reporter.
  std::atomic<double> loss_sum{0};
  std::atomic<int64_t> loss_count{0};
  std::atomic<float> alpha{0};

 private:
  void TrainSentence(int n, float alpha);
  float SkipGramBatch(int pos, int lo, int hi, float alpha, int64_t* examples);
  float SkipGramPairwise(int pos, int lo, int hi, float alpha, int64_t* examples);
  float Cbow(int pos, int lo, int hi, float alpha, int64_t* examples);
  int SampleNegatives(uint32_t target, uint32_t* rows);
  void MarkIn(uint32_t row) {
    if (shared_.in_marks != nullptr) shared_.in_marks[row] = 1;
  }
  void MarkOut(const uint32_t* rows, int n) {
    if (shared_.out_marks == nullptr) return;
    for (int k = 0; k < n; ++k) shared_.out_marks[rows[k]] = 1;
  }

  Word2vecShared shared_;
  int64_t paragraph_begin_, paragraph_end_, next_paragraph_;
  Word2vecRandom random_{1};
  std::vector<uint32_t> sentence_;
  std::vector<uint32_t> rows_;          // output rows of one step: target then negatives
  std::vector<float*> in_rows_;         // context rows of W (skip-gram batch)
  std::vector<const float*> out_rows_;  // target and negative rows of C
  AlignedFloats d_out_, scores_, neu1_, neu1e_;
  uint64_t steps_ = 0;
  double cpu_seconds_ = 0;
  double loss_sum_local_ = 0;
  int64_t loss_count_local_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_WORD2VEC_WORKER_H_
