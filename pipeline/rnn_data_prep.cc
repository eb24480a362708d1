#include "pipeline/rnn_data_prep.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "formats/vectors.h"

namespace wordmill {
namespace {

std::string Plural(int64_t n, const char* what) { return absl::StrCat(n, " ", what); }

absl::Status ReadAll(const RnnTrainCommand& spec, RnnPreparedData* d) {
  const RnnSpec& r = spec.rnn();
  const RnnDataSpec& data = spec.data();
  if (!data.train_files().empty()) {
    WM_ASSIGN_OR_RETURN(d->train,
                        ReadLabelFiles(data.train_files(), spec.tokenizer(), r.max_length()));
  }
  auto read = [&](const auto& inputs, std::vector<RnnText>* out) -> absl::Status {
    if (inputs.empty()) return absl::OkStatus();
    const std::vector<std::string> paths(inputs.begin(), inputs.end());
    WM_ASSIGN_OR_RETURN(std::vector<RnnText> texts, ReadRnnFiles(r.task(), paths, data.tagset(),
                                                                 spec.tokenizer(), r.max_length()));
    out->insert(out->end(), std::make_move_iterator(texts.begin()),
                std::make_move_iterator(texts.end()));
    return absl::OkStatus();
  };
  WM_RETURN_IF_ERROR(read(data.train(), &d->train));
  WM_RETURN_IF_ERROR(read(data.dev(), &d->dev));
  WM_RETURN_IF_ERROR(read(data.test(), &d->test));
  if (d->train.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no training examples in ",
        data.train_files().empty() ? absl::StrJoin(data.train(), " ") : data.train_files()));
  }
  return absl::OkStatus();
}

void BuildClasses(RnnPreparedData* d) {
  if (d->task == RNN_TASK_LM) return;
  for (const RnnText& t : d->train) {
    for (const std::string& l : t.labels) d->class_index.emplace(l, 0);
  }
  for (const auto& [label, id] : d->class_index) d->classes.push_back(label);
  std::sort(d->classes.begin(), d->classes.end());
  for (size_t i = 0; i < d->classes.size(); ++i) d->class_index[d->classes[i]] = i;
}

void BuildVocabulary(const RnnSpec& r, const Vectors* vectors, RnnPreparedData* d) {
  absl::flat_hash_map<std::string, int64_t> counts;
  int64_t tokens = 0;
  for (const RnnText& t : d->train) {
    for (const std::string& w : t.words) ++counts[w];
    tokens += t.words.size();
  }
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [w, c] : counts) {
    if (c >= r.min_count() || (vectors != nullptr && vectors->Find(w) >= 0))
      ranked.push_back({-c, w});
  }
  std::sort(ranked.begin(), ranked.end());
  d->words = {"<unk>"};
  if (d->task == RNN_TASK_LM) {
    d->words.push_back("</s>");
    if (static_cast<int64_t>(ranked.size()) > r.lm_vocab()) ranked.resize(r.lm_vocab());
  }
  for (const auto& [c, w] : ranked) d->words.push_back(w);
  if (d->task != RNN_TASK_LM && vectors != nullptr) {
    std::vector<std::string> extra;
    for (const auto* texts : {&d->dev, &d->test}) {
      for (const RnnText& t : *texts) {
        for (const std::string& w : t.words) {
          if (!counts.contains(w) && vectors->Find(w) >= 0) extra.push_back(w);
        }
      }
    }
    std::sort(extra.begin(), extra.end());
    extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
    d->words.insert(d->words.end(), extra.begin(), extra.end());
  }
  for (size_t i = 0; i < d->words.size(); ++i) d->word_index[d->words[i]] = i;
  const int specials = d->task == RNN_TASK_LM ? 2 : 1;
  d->vocab_words = static_cast<int64_t>(d->words.size()) - specials;
  d->has_vector.assign(d->words.size(), false);
  if (vectors == nullptr) return;
  d->pretrained.resize(d->dim, d->words.size());
  int64_t covered_tokens = 0;
  for (size_t i = specials; i < d->words.size(); ++i) {
    const int64_t row = vectors->Find(d->words[i]);
    if (row < 0) continue;
    d->has_vector[i] = true;
    ++d->covered;
    auto v = vectors->Row(row);
    std::copy(v.begin(), v.end(), d->pretrained.col(i).data());
    auto it = counts.find(d->words[i]);
    if (it != counts.end()) covered_tokens += it->second;
  }
  d->token_coverage = tokens > 0 ? static_cast<double>(covered_tokens) / tokens : 0;
}

float FileScale(const Vectors& vectors) {
  double sum = 0, sum2 = 0;
  const auto m = vectors.Matrix();
  for (float x : m) {
    sum += x;
    sum2 += static_cast<double>(x) * x;
  }
  const double n = std::max<double>(1, m.size());
  const double var = std::max(0.0, sum2 / n - (sum / n) * (sum / n));
  return static_cast<float>(std::sqrt(3.0 * var));
}

}  // namespace

std::string RnnTaskName(RnnTask task) {
  return task == RNN_TASK_CLASSIFY ? "classify" : task == RNN_TASK_TAG ? "tag" : "lm";
}

absl::StatusOr<RnnPreparedData> PrepareRnnData(const RnnTrainCommand& spec) {
  const RnnSpec& r = spec.rnn();
  RnnPreparedData d;
  d.task = r.task();
  WM_RETURN_IF_ERROR(ReadAll(spec, &d));
  BuildClasses(&d);
  if (d.task != RNN_TASK_LM && d.classes.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the training data has only one ", d.task == RNN_TASK_CLASSIFY ? "class" : "tag", " ('",
        d.classes.empty() ? "" : d.classes[0], "'): at least two are needed"));
  }
  std::unique_ptr<Vectors> vectors;
  d.dim = r.dim();
  if (!r.random_init()) {
    WM_ASSIGN_OR_RETURN(vectors, Vectors::Open(r.embeddings()));
    if (r.has_dim() && r.dim() != vectors->dim()) {
      return absl::InvalidArgumentError(absl::StrCat(r.embeddings(), ": vectors of dimension ",
                                                     vectors->dim(), ", but --dim is ", r.dim()));
    }
    d.dim = vectors->dim();
    d.random_scale =
        (r.unknown_init_scale() > 0 ? r.unknown_init_scale() : 1.0f) * FileScale(*vectors);
  } else {
    d.random_scale = r.unknown_init_scale() > 0 ? r.unknown_init_scale() : 0.1f;
  }
  if (r.task() == RNN_TASK_LM && r.tie_embeddings() && r.hidden() != d.dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tie-embeddings needs --hidden equal to the word vectors' dimension (", d.dim, ")"));
  }
  BuildVocabulary(r, vectors.get(), &d);
  d.summary = absl::StrFormat(
      "wordmill rnn train: %s: %s, %s, %s; %s (%s)\n", RnnTaskName(r.task()),
      Plural(d.train.size(), "training examples"), Plural(d.dev.size(), "dev"),
      Plural(d.test.size(), "test"), Plural(d.words.size(), "words in the vocabulary"),
      d.task == RNN_TASK_LM ? "lm" : absl::StrCat(d.classes.size(), " classes"));
  if (vectors != nullptr) {
    absl::StrAppendFormat(
        &d.summary,
        "  embeddings %s (%s, dim %d): %d of %d words (%.1f%%) found, covering %.1f%% of the "
        "training tokens; %d random rows (uniform +-%.4g)\n",
        r.embeddings(), VectorsFormatName(vectors->format()), d.dim, d.covered, d.vocab_words,
        100.0 * d.covered / std::max<int64_t>(1, d.vocab_words), 100 * d.token_coverage,
        static_cast<int64_t>(d.words.size()) - d.covered, d.random_scale);
  } else {
    absl::StrAppendFormat(&d.summary, "  embeddings: random (dim %d, uniform +-%.4g)\n", d.dim,
                          d.random_scale);
  }
  return d;
}

absl::StatusOr<RnnExamples> RnnPreparedData::ToExamples(const std::vector<RnnText>& texts) const {
  RnnExamples out;
  for (const RnnText& t : texts) {
    std::vector<int32_t> ids;
    if (task == RNN_TASK_LM) ids.push_back(kEosId);
    for (const std::string& w : t.words) {
      auto it = word_index.find(w);
      ids.push_back(it == word_index.end() ? kUnkId : it->second);
    }
    std::vector<int32_t> targets;
    if (task == RNN_TASK_LM) {
      targets.assign(ids.begin() + 1, ids.end());
      targets.push_back(kEosId);
    } else {
      for (const std::string& l : t.labels) {
        auto it = class_index.find(l);
        if (it == class_index.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat(t.where, ": ", task == RNN_TASK_CLASSIFY ? "label" : "tag", " '", l,
                           "' does not occur in the training data"));
        }
        targets.push_back(it->second);
      }
    }
    out.tokens.push_back(std::move(ids));
    out.targets.push_back(std::move(targets));
  }
  return out;
}

RnnPreparedData ModelData(const RnnModel& model) {
  RnnPreparedData d;
  d.task = model.spec().task();
  d.words = model.words;
  d.classes = model.classes;
  for (size_t i = 0; i < d.words.size(); ++i) d.word_index[d.words[i]] = i;
  for (size_t i = 0; i < d.classes.size(); ++i) d.class_index[d.classes[i]] = i;
  d.dim = model.shape.dim;
  return d;
}

RnnModel RnnPreparedData::NewModel(const RnnTrainCommand& spec) const {
  RnnShape shape;
  shape.vocab = static_cast<int>(words.size());
  shape.dim = dim;
  shape.classes = task == RNN_TASK_LM ? shape.vocab : static_cast<int>(classes.size());
  // The model keeps what defines it, not where or how this run went.
  RnnTrainCommand command = spec;
  command.clear_output_dir();
  command.clear_resume();
  command.clear_stop_after_epochs();
  command.clear_runtime();
  RnnModel model = NewRnnModel(command, shape, words, classes, random_scale);
  for (size_t i = 0; i < words.size(); ++i) {
    if (has_vector[i]) model.embedding.col(i) = pretrained.col(i);
  }
  return model;
}

}  // namespace wordmill
