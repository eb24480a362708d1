#include "pipeline/rnn_train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "embeddings/rnn_model_file.h"
#include "formats/atomic_file.h"
#include "formats/vectors.h"
#include "pipeline/commands.h"
#include "pipeline/rnn_data_prep.h"
#include "workers/rnn_data.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

// The test examples of each fold: seeded, stratified by label (classify).
std::vector<std::vector<int64_t>> FoldTests(const std::vector<RnnText>& texts,
                                            const RnnDataSpec& data, uint64_t seed) {
  std::map<std::string, std::vector<int64_t>> by_label;
  for (size_t i = 0; i < texts.size(); ++i) {
    by_label[texts[i].labels.size() == 1 ? texts[i].labels[0] : ""].push_back(i);
  }
  std::mt19937_64 rng(seed * 7919 + 1);
  const int k = data.folds();
  std::vector<std::vector<int64_t>> tests(k);
  int64_t position = 0;  // continues across labels, so every fold gets its share of each
  for (auto& [label, indices] : by_label) {
    std::shuffle(indices.begin(), indices.end(), rng);
    if (k == 1) {
      const int64_t n = std::llround(data.test_fraction() * indices.size());
      tests[0].insert(tests[0].end(), indices.begin(), indices.begin() + n);
      continue;
    }
    for (int64_t i : indices) tests[position++ % k].push_back(i);
  }
  for (auto& t : tests) std::sort(t.begin(), t.end());
  return tests;
}

std::vector<RnnText> Subset(const std::vector<RnnText>& texts, const std::vector<int64_t>& take,
                            bool complement) {
  std::vector<RnnText> out;
  std::vector<bool> in(texts.size(), false);
  for (int64_t i : take) in[i] = true;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (in[i] != complement) out.push_back(texts[i]);
  }
  return out;
}

std::string FoldPath(const RnnTrainCommand& spec, int fold, const char* ext) {
  return absl::StrCat(spec.output_dir(), "/checkpoint/fold-", fold + 1, ext);
}

// A finished fold, for --resume: `loss correct count tokens seconds` then the epoch records.
absl::Status WriteFoldDone(const std::string& path, const RnnFoldResult& r) {
  return WriteFileAtomically(
      path, absl::StrFormat("%.17g %d %d %d %.17g\n", r.test.loss, r.test.correct, r.test.count,
                            r.tokens, r.seconds) +
                FormatEpochRecords(r.epochs));
}

absl::StatusOr<RnnFoldResult> ReadFoldDone(const std::string& path) {
  WM_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  const size_t nl = text.find('\n');
  RnnFoldResult r;
  long long correct, count, tokens;
  if (nl == std::string::npos ||
      std::sscanf(text.substr(0, nl).c_str(), "%lg %lld %lld %lld %lg", &r.test.loss, &correct,
                  &count, &tokens, &r.seconds) != 5 ||
      !ParseEpochRecords(text.substr(nl + 1), &r.epochs)) {
    return absl::DataLossError(absl::StrCat(path, ": damaged; remove it or drop --resume"));
  }
  r.test.correct = correct;
  r.test.count = count;
  r.tokens = tokens;
  return r;
}

std::string MetricsJson(const RnnTrainCommand& spec, const RnnTrainOutputs& out, int ranks,
                        int threads) {
  auto num = [](double x) { return std::isfinite(x) ? absl::StrFormat("%.6g", x) : "null"; };
  std::string json = "{\n";
  absl::StrAppend(&json, "  \"task\": \"", RnnTaskName(spec.rnn().task()), "\",\n");
  if (spec.rnn().task() == RNN_TASK_LM) {
    absl::StrAppend(&json, "  \"perplexity\": ", num(out.perplexity), ",\n");
  } else {
    absl::StrAppend(&json, "  \"accuracy\": ", num(out.accuracy), ",\n");
    absl::StrAppend(&json, "  \"accuracy_ci95\": ", num(out.accuracy_ci95), ",\n");
  }
  absl::StrAppend(&json, "  \"tokens_per_second\": ", num(out.tokens_per_second), ",\n");
  absl::StrAppend(&json, "  \"ranks\": ", ranks, ",\n  \"threads\": ", threads, ",\n");
  absl::StrAppend(&json, "  \"vocab\": ", out.vocab, ",\n  \"vocab_in_embeddings\": ", out.covered,
                  ",\n  \"token_coverage\": ", num(out.token_coverage), ",\n");
  std::vector<std::string> folds, epochs;
  for (size_t f = 0; f < out.folds.size(); ++f) {
    const RnnFoldResult& r = out.folds[f];
    folds.push_back(absl::StrCat(
        "    {\"fold\": ", f + 1, ", \"accuracy\": ", num(AccuracyPercent(r.test)),
        ", \"perplexity\": ", num(Perplexity(r.test)), ", \"count\": ", r.test.count, "}"));
    for (const RnnEpochRecord& e : r.epochs) {
      epochs.push_back(absl::StrCat(
          "    {\"fold\": ", f + 1, ", \"epoch\": ", e.epoch, ", \"lr\": ", num(e.lr),
          ", \"loss\": ", num(e.loss), ", \"train_accuracy\": ", num(e.train_accuracy),
          ", \"dev_accuracy\": ", e.dev_accuracy < 0 ? "null" : num(e.dev_accuracy),
          ", \"dev_perplexity\": ", e.dev_perplexity < 0 ? "null" : num(e.dev_perplexity),
          ", \"seconds\": ", num(e.seconds), ", \"tokens_per_second\": ", num(e.tokens_per_second),
          "}"));
    }
  }
  absl::StrAppend(&json, "  \"folds\": [\n", absl::StrJoin(folds, ",\n"), "\n  ],\n");
  absl::StrAppend(&json, "  \"epochs\": [\n", absl::StrJoin(epochs, ",\n"), "\n  ]\n}\n");
  return json;
}

void Summarize(const RnnTrainCommand& spec, RnnTrainOutputs* out) {
  double tokens = 0, seconds = 0;
  std::vector<double> scores;
  int64_t correct = 0, count = 0;
  for (const RnnFoldResult& r : out->folds) {
    tokens += r.tokens;
    seconds += r.seconds;
    correct += r.test.correct;
    count += r.test.count;
    scores.push_back(spec.rnn().task() == RNN_TASK_LM ? Perplexity(r.test)
                                                      : AccuracyPercent(r.test));
  }
  out->tokens_per_second = seconds > 0 ? tokens / seconds : 0;
  const double k = static_cast<double>(scores.size());
  const double mean = std::accumulate(scores.begin(), scores.end(), 0.0) / std::max(k, 1.0);
  double ci = 0;
  if (scores.size() > 1) {  // the folds' spread: 1.96 standard errors of the mean
    double ss = 0;
    for (double s : scores) ss += (s - mean) * (s - mean);
    ci = 1.96 * std::sqrt(ss / (k - 1) / k);
  } else if (count > 0) {  // one test set: the binomial interval (normal approximation)
    const double p = static_cast<double>(correct) / count;
    ci = 100 * 1.96 * std::sqrt(p * (1 - p) / count);
  }
  if (spec.rnn().task() == RNN_TASK_LM) {
    out->perplexity = mean;
  } else {
    out->accuracy = mean;
    out->accuracy_ci95 = ci;
  }
}

}  // namespace

absl::Status ValidateRnnTrainCommand(const RnnTrainCommand& spec) {
  const RnnSpec& r = spec.rnn();
  const RnnDataSpec& d = spec.data();
  if (spec.output_dir().empty()) return Bad("--output-dir is required");
  if (r.task() == RNN_TASK_CLASSIFY ? d.train_files().empty() && d.train().empty()
                                    : d.train().empty()) {
    return Bad(r.task() == RNN_TASK_CLASSIFY ? "--train-files or --train is required"
                                             : "--train is required");
  }
  if (r.task() != RNN_TASK_CLASSIFY && !d.train_files().empty()) {
    return Bad("--train-files is for --task classify");
  }
  if (r.random_init() == !r.embeddings().empty()) {
    return Bad("give either --embeddings FILE or --random-init (with --dim N)");
  }
  if (r.freeze() && r.has_fine_tune() && r.fine_tune()) {
    return Bad("--fine-tune and --freeze contradict each other");
  }
  if (r.cell() == RNN_CELL_AVERAGE && r.task() != RNN_TASK_CLASSIFY) {
    return Bad("--cell average is the classification baseline (--task classify)");
  }
  if (r.task() == RNN_TASK_LM && r.bidirectional()) {
    return Bad("--bidirectional cannot predict the next word (--task lm)");
  }
  if (r.tie_embeddings() && r.task() != RNN_TASK_LM)
    return Bad("--tie-embeddings is for --task lm");
  if (r.layers() < 1 || r.layers() > 16) return Bad("--layers must be between 1 and 16");
  if (r.hidden() < 1 || r.hidden() > 8192) return Bad("--hidden must be between 1 and 8192");
  if (!(r.dropout() >= 0 && r.dropout() < 1)) return Bad("--dropout must be in [0, 1)");
  if (r.dim() < 1 || r.dim() > 10000) return Bad("--dim must be between 1 and 10000");
  if (r.epochs() < 1 || r.epochs() > 100000) return Bad("--epochs must be between 1 and 100000");
  if (r.batch() < 1 || r.batch() > 1000000) return Bad("--batch must be between 1 and 1000000");
  if (!(r.lr() >= 0) || !(r.lr_decay() > 0)) return Bad("--lr must be >= 0, --lr-decay > 0");
  if (!(r.clip() >= 0)) return Bad("--clip must be >= 0 (0: no clipping)");
  if (!(r.unknown_init_scale() >= 0)) return Bad("--unknown-init-scale must be >= 0");
  if (r.min_count() < 1) return Bad("--min-count must be >= 1");
  if (r.lm_vocab() < 1) return Bad("--lm-vocab must be >= 1");
  if (r.max_length() < 0) return Bad("--max-length must be >= 0 (0: no limit)");
  if (r.patience() < 0) return Bad("--patience must be >= 0");
  if (r.patience() > 0 && d.dev().empty()) return Bad("--patience needs --dev files");
  if (d.folds() < 1 || d.folds() > 1000) return Bad("--folds must be between 1 and 1000");
  if (!(d.test_fraction() > 0 && d.test_fraction() < 1)) {
    return Bad("--test-fraction must be in (0, 1)");
  }
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return Bad("--threads must be between 0 (automatic) and 4096");
  }
  if (spec.stop_after_epochs() < 0) return Bad("--stop-after-epochs must be >= 0");
  return absl::OkStatus();
}

absl::StatusOr<RnnTrainOutputs> RunRnnTrain(const RnnTrainCommand& spec, Communicator* comm) {
  const bool speak = comm->rank() == 0;
  const RnnSpec& rnn = spec.rnn();
  // Every rank reads the (small) data and the vectors; they agree before going on.
  absl::StatusOr<RnnPreparedData> prepared = PrepareRnnData(spec);
  WM_RETURN_IF_ERROR(comm->AgreeOk(prepared.status()));
  RnnPreparedData& data = *prepared;
  if (speak) {
    std::printf("%s", data.summary.c_str());
    std::fflush(stdout);
  }
  absl::Status dir = speak ? CreateOutputDir(spec.output_dir() + "/checkpoint") : absl::OkStatus();
  WM_RETURN_IF_ERROR(comm->AgreeOk(dir));
  const int threads = ResolveThreads(spec.runtime(), *comm);
  const bool cross_validate = spec.data().test().empty();
  const std::vector<std::vector<int64_t>> tests =
      cross_validate ? FoldTests(data.train, spec.data(), rnn.seed())
                     : std::vector<std::vector<int64_t>>(1);
  RnnTrainOutputs out;
  out.vocab = data.vocab_words;
  out.covered = data.covered;
  out.token_coverage = data.token_coverage;
  RnnModel last;
  int run_epochs = 0;
  for (size_t f = 0; f < tests.size(); ++f) {
    const std::string done_path = FoldPath(spec, f, ".done");
    if (spec.resume() && std::filesystem::exists(done_path)) {
      absl::StatusOr<RnnFoldResult> done = ReadFoldDone(done_path);
      WM_RETURN_IF_ERROR(comm->AgreeOk(done.status()));
      out.folds.push_back(*done);
      if (f + 1 == tests.size()) {
        absl::StatusOr<RnnModel> model = ReadRnnModel(FoldPath(spec, f, ".wmrec"));
        WM_RETURN_IF_ERROR(comm->AgreeOk(model.status()));
        last = std::move(*model);
      }
      continue;
    }
    const std::vector<RnnText> train =
        cross_validate ? Subset(data.train, tests[f], true) : data.train;
    const std::vector<RnnText> test =
        cross_validate ? Subset(data.train, tests[f], false) : data.test;
    WM_ASSIGN_OR_RETURN(const RnnExamples train_ids, data.ToExamples(train));
    WM_ASSIGN_OR_RETURN(const RnnExamples test_ids, data.ToExamples(test));
    WM_ASSIGN_OR_RETURN(const RnnExamples dev_ids, data.ToExamples(data.dev));
    RnnModel model = data.NewModel(spec);
    RnnTrainOptions options;
    options.threads = threads;
    options.checkpoint_path = FoldPath(spec, f, ".ckpt");
    options.resume = spec.resume() && std::filesystem::exists(options.checkpoint_path);
    options.stop_after_epochs =
        spec.stop_after_epochs() > 0 ? std::max(0, spec.stop_after_epochs() - run_epochs) : 0;
    if (spec.stop_after_epochs() > 0 && options.stop_after_epochs == 0) {
      out.stopped = true;
      break;
    }
    options.progress_seconds = spec.runtime().progress_seconds();
    options.progress_label =
        tests.size() > 1 ? absl::StrCat("rnn train fold ", f + 1, "/", tests.size()) : "rnn train";
    WM_ASSIGN_OR_RETURN(
        const RnnTrainResult trained,
        TrainRnn(train_ids, data.dev.empty() ? nullptr : &dev_ids, options, comm, &model));
    run_epochs += static_cast<int>(trained.epochs.size());
    if (trained.stopped) {
      out.stopped = true;
      break;
    }
    RnnFoldResult result;
    WM_ASSIGN_OR_RETURN(result.test, EvaluateRnn(model, test_ids, threads, comm));
    result.epochs = trained.epochs;
    result.tokens = trained.tokens;
    result.seconds = trained.seconds;
    if (speak) {
      std::printf("  fold %zu/%zu: %s on %lld test %s; %d epochs, %.0f tokens/s\n", f + 1,
                  tests.size(),
                  rnn.task() == RNN_TASK_LM
                      ? absl::StrFormat("perplexity %.2f", Perplexity(result.test)).c_str()
                      : absl::StrFormat("accuracy %.2f%%", AccuracyPercent(result.test)).c_str(),
                  static_cast<long long>(result.test.count),
                  rnn.task() == RNN_TASK_CLASSIFY ? "texts" : "tokens",
                  static_cast<int>(trained.epochs.size()),
                  trained.seconds > 0 ? trained.tokens / trained.seconds : 0.0);
      std::fflush(stdout);
    }
    absl::Status saved = absl::OkStatus();
    if (speak) {
      saved = WriteRnnModel(FoldPath(spec, f, ".wmrec"), model);
      if (saved.ok()) saved = WriteFoldDone(done_path, result);
    }
    WM_RETURN_IF_ERROR(comm->AgreeOk(saved));
    out.folds.push_back(result);
    last = std::move(model);
  }
  if (out.stopped) return out;
  Summarize(spec, &out);
  absl::Status written = absl::OkStatus();
  if (speak) {
    out.files = {spec.output_dir() + "/model.wmrec", spec.output_dir() + "/metrics.json"};
    written = WriteRnnModel(out.files[0], last);
    if (written.ok()) {
      written = WriteFileAtomically(out.files[1], MetricsJson(spec, out, comm->size(), threads));
    }
  }
  WM_RETURN_IF_ERROR(comm->AgreeOk(written));
  return out;
}

}  // namespace wordmill
