#include "embeddings/word2vec_worker.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "embeddings/word2vec_trainer.h"

namespace wordmill {
namespace {

// Words a thread trains between updates of the shared word counter (and its learning rate),
// as word2vec's 10000.
constexpr int64_t kCounterInterval = 10000;

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

inline void AddRow(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace

Word2vecWorker::Word2vecWorker(const Word2vecShared& shared, int64_t paragraph_begin,
                               int64_t paragraph_end, int max_paragraph)
    : shared_(shared),
      paragraph_begin_(paragraph_begin),
      paragraph_end_(paragraph_end),
      next_paragraph_(paragraph_begin),
      sentence_(std::max(max_paragraph, 1)),
      rows_(shared.negative + 1) {
  const int stride = shared.weights->stride();
  const size_t context = 2 * static_cast<size_t>(shared.window);
  const size_t outputs = static_cast<size_t>(shared.negative) + 1;
  alpha.store(shared.alpha);
  in_rows_.resize(context);
  out_rows_.resize(outputs);
  d_out_ = AlignedFloats(outputs * stride);
  scores_ = AlignedFloats(context * outputs);
  neu1_ = AlignedFloats(stride);
  neu1e_ = AlignedFloats(stride);
}

void Word2vecWorker::StartEpoch(uint64_t seed) {
  next_paragraph_ = paragraph_begin_;
  random_ = Word2vecRandom(seed);
}

int64_t Word2vecWorker::slice_begin_token(const Word2vecCorpus& corpus) const {
  return corpus.offsets[paragraph_begin_];
}
int64_t Word2vecWorker::slice_end_token(const Word2vecCorpus& corpus) const {
  return corpus.offsets[paragraph_end_];
}

void Word2vecWorker::Run(const Word2vecCorpus& corpus, int epoch, int64_t until) {
  const double cpu_start = ThreadCpuSeconds();
  const std::vector<float>& keep = *shared_.keep;
  const double rank_tokens = std::max<int64_t>(shared_.rank_tokens, 1);
  auto current_alpha = [&](int64_t done) {
    const double progress = (epoch + done / rank_tokens) / shared_.epochs;
    return static_cast<float>(shared_.alpha * std::max(1e-4, 1.0 - progress));
  };
  float step = current_alpha(shared_.rank_words_done->load(std::memory_order_relaxed));
  int64_t unreported = 0;
  while (next_paragraph_ < paragraph_end_ && corpus.offsets[next_paragraph_] < until) {
    const int64_t p = next_paragraph_++;
    const uint32_t* ids = corpus.ids.data() + corpus.offsets[p];
    const int64_t length = corpus.offsets[p + 1] - corpus.offsets[p];
    int n = 0;
    for (int64_t i = 0; i < length; ++i) {
      const float k = keep[ids[i]];
      if (k < 1.0f && k < random_.Uniform()) continue;
      sentence_[n++] = ids[i];
    }
    unreported += length;
    if (unreported >= kCounterInterval) {
      const int64_t done = shared_.rank_words_done->fetch_add(unreported) + unreported;
      unreported = 0;
      step = current_alpha(done);
      alpha.store(step, std::memory_order_relaxed);
      loss_sum.store(loss_sum_local_, std::memory_order_relaxed);
      loss_count.store(loss_count_local_, std::memory_order_relaxed);
    }
    TrainSentence(n, step);
  }
  shared_.rank_words_done->fetch_add(unreported);
  alpha.store(step, std::memory_order_relaxed);
  loss_sum.store(loss_sum_local_, std::memory_order_relaxed);
  loss_count.store(loss_count_local_, std::memory_order_relaxed);
  cpu_seconds_ += ThreadCpuSeconds() - cpu_start;
}

void Word2vecWorker::TrainSentence(int n, float step) {
  const bool pairwise = shared_.update == UPDATE_PAIRWISE || shared_.loss == LOSS_HS;
  int64_t examples = 0;
  double loss = 0;
  for (int pos = 0; pos < n; ++pos) {
    // word2vec's random window shrink: the effective window is uniform in 1..window.
    const int w = shared_.window - static_cast<int>(random_.Below(shared_.window));
    const int lo = std::max(0, pos - w), hi = std::min(n, pos + w + 1);
    if (shared_.model_type == MODEL_CBOW) {
      loss += Cbow(pos, lo, hi, step, &examples);
    } else if (pairwise) {
      loss += SkipGramPairwise(pos, lo, hi, step, &examples);
    } else {
      loss += SkipGramBatch(pos, lo, hi, step, &examples);
    }
  }
  loss_sum_local_ += loss;
  loss_count_local_ += examples;
}

int Word2vecWorker::SampleNegatives(uint32_t target, uint32_t* rows) {
  rows[0] = target;
  int m = 1;
  for (int k = 0; k < shared_.negative; ++k) {
    const uint32_t w = shared_.sampler->Sample(&random_);
    if (w != target) rows[m++] = w;
  }
  return m;
}

float Word2vecWorker::SkipGramBatch(int pos, int lo, int hi, float step, int64_t* examples) {
  Word2vecWeights& weights = *shared_.weights;
  const int stride = weights.stride();
  int b = 0;
  for (int j = lo; j < hi; ++j) {
    if (j != pos) {
      in_rows_[b++] = weights.in(sentence_[j]);
      MarkIn(sentence_[j]);
    }
  }
  if (b == 0) return 0;
  const int m = SampleNegatives(sentence_[pos], rows_.data());
  MarkOut(rows_.data(), m);
  for (int k = 0; k < m; ++k) out_rows_[k] = weights.out(rows_[k]);
  // The loss (for progress only) is computed on one target in 8: it costs a log per score.
  const bool with_loss = (++steps_ & 7) == 0;
  const float loss =
      NsBatchStep(in_rows_.data(), b, out_rows_.data(), m, stride, step, scores_.data(),
                  /*d_in=*/nullptr, d_out_.data(), with_loss, shared_.skip_saturated);
  for (int k = 0; k < m; ++k) {
    AddRow(d_out_.data() + static_cast<size_t>(k) * stride, weights.out(rows_[k]), stride);
  }
  if (with_loss) *examples += b;
  return loss;
}

float Word2vecWorker::SkipGramPairwise(int pos, int lo, int hi, float step, int64_t* examples) {
  Word2vecWeights& weights = *shared_.weights;
  const int stride = weights.stride();
  const uint32_t target = sentence_[pos];
  const HuffmanTree& tree = *shared_.tree;
  float loss = 0;
  for (int j = lo; j < hi; ++j) {
    if (j == pos) continue;
    float* h = weights.in(sentence_[j]);
    MarkIn(sentence_[j]);
    float* neu1e = neu1e_.data();
    std::fill(neu1e, neu1e + stride, 0.0f);
    if (shared_.loss == LOSS_HS) {
      const uint32_t begin = tree.point_offsets[target];
      MarkOut(tree.points.data() + begin, tree.point_offsets[target + 1] - begin);
      loss += HsPairStep(h, tree.points.data() + begin, tree.codes.data() + begin,
                         tree.point_offsets[target + 1] - begin, weights.out_data(), stride, step,
                         neu1e, shared_.skip_saturated);
    } else {
      const int m = SampleNegatives(target, rows_.data());
      MarkOut(rows_.data(), m);
      loss += NsPairStep(h, rows_.data(), m, weights.out_data(), stride, step, neu1e,
                         shared_.skip_saturated);
    }
    AddRow(neu1e, h, stride);
    ++*examples;
  }
  return loss;
}

float Word2vecWorker::Cbow(int pos, int lo, int hi, float step, int64_t* examples) {
  Word2vecWeights& weights = *shared_.weights;
  const int stride = weights.stride();
  const uint32_t target = sentence_[pos];
  float* h = neu1_.data();
  float* neu1e = neu1e_.data();
  std::fill(h, h + stride, 0.0f);
  std::fill(neu1e, neu1e + stride, 0.0f);
  int cw = 0;
  for (int j = lo; j < hi; ++j) {
    if (j == pos) continue;
    AddRow(weights.in(sentence_[j]), h, stride);
    ++cw;
  }
  if (cw == 0) return 0;
  const float inv = 1.0f / cw;
  for (int i = 0; i < stride; ++i) h[i] *= inv;
  float loss;
  if (shared_.loss == LOSS_HS) {
    const HuffmanTree& tree = *shared_.tree;
    const uint32_t begin = tree.point_offsets[target];
    MarkOut(tree.points.data() + begin, tree.point_offsets[target + 1] - begin);
    loss = HsPairStep(h, tree.points.data() + begin, tree.codes.data() + begin,
                      tree.point_offsets[target + 1] - begin, weights.out_data(), stride, step,
                      neu1e, shared_.skip_saturated);
  } else if (shared_.update == UPDATE_PAIRWISE) {
    const int m = SampleNegatives(target, rows_.data());
    MarkOut(rows_.data(), m);
    loss = NsPairStep(h, rows_.data(), m, weights.out_data(), stride, step, neu1e,
                      shared_.skip_saturated);
  } else {
    const int m = SampleNegatives(target, rows_.data());
    MarkOut(rows_.data(), m);
    for (int k = 0; k < m; ++k) out_rows_[k] = weights.out(rows_[k]);
    const float* const mean[1] = {h};
    loss = NsBatchStep(mean, 1, out_rows_.data(), m, stride, step, scores_.data(), neu1e,
                       d_out_.data(), /*with_loss=*/true, shared_.skip_saturated);
    for (int k = 0; k < m; ++k) {
      AddRow(d_out_.data() + static_cast<size_t>(k) * stride, weights.out(rows_[k]), stride);
    }
  }
  // As word2vec and fastText: every context row gets the whole step of the mean vector.
  for (int j = lo; j < hi; ++j) {
    if (j != pos) {
      AddRow(neu1e, weights.in(sentence_[j]), stride);
      MarkIn(sentence_[j]);
    }
  }
  ++*examples;
  return loss;
}

}  // namespace wordmill
