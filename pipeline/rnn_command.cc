// `wordmill rnn train|eval|predict|sample`: flags -> Rnn*Command -> pipeline/rnn_train.h and
// embeddings/rnn_trainer.h.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "embeddings/rnn_model_file.h"
#include "formats/atomic_file.h"
#include "formats/npy_file.h"
#include "pipeline/commands.h"
#include "pipeline/rnn_data_prep.h"
#include "pipeline/rnn_train.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/rnn_data.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

constexpr char kTrainUsage[] =
    "[mpirun -np N] wordmill rnn train --task classify|tag|lm (--embeddings FILE | --random-init) "
    "(--train-files label=path,... | --train FILES) --output-dir DIR [flags]";
constexpr char kTrainSummary[] =
    "Trains an LSTM/GRU (or the averaged-embedding baseline) on word vectors: text "
    "classification, tagging or a language model, with k-fold cross-validation or test files, "
    "data parallel across the ranks and threads. Writes DIR/model.wmrec and DIR/metrics.json; a "
    "checkpoint every epoch (DIR/checkpoint/), --resume continues from it.";
constexpr char kEvalUsage[] = "[mpirun -np N] wordmill rnn eval --model MODEL FILES";
constexpr char kEvalSummary[] =
    "Accuracy (classify, tag) or perplexity (lm) of a model on files in its training format.";
constexpr char kPredictUsage[] = "wordmill rnn predict --model MODEL [--output OUT] FILES";
constexpr char kPredictSummary[] =
    "Labels every line (classify: `label<TAB>text`) or tags every word (tag: `word/TAG`) of "
    "plain text files.";
constexpr char kExportUsage[] = "wordmill rnn export --model MODEL --output-dir DIR";
constexpr char kExportSummary[] =
    "Writes a model's weights as NumPy files named as PyTorch's nn.LSTM/nn.GRU parameters, the "
    "embedding matrix and the vocabulary (tests/rnn_torch_check.py loads them into PyTorch).";
constexpr char kSampleUsage[] = "wordmill rnn sample --model MODEL [--words N] [--temperature T]";
constexpr char kSampleSummary[] = "Draws new text from a language model (--task lm).";

absl::Status Bad(const std::string& m) { return absl::InvalidArgumentError(m); }

absl::Status Train(const RnnTrainCommand& spec, Communicator* comm) {
  WM_ASSIGN_OR_RETURN(const RnnTrainOutputs out, RunRnnTrain(spec, comm));
  if (comm->rank() != 0) return absl::OkStatus();
  if (out.stopped) {
    std::printf("wordmill rnn train: stopped after --stop-after-epochs; --resume continues\n");
    return absl::OkStatus();
  }
  const std::string score =
      spec.rnn().task() == RNN_TASK_LM
          ? absl::StrFormat("perplexity %.2f", out.perplexity)
          : absl::StrFormat("accuracy %.2f%% +- %.2f", out.accuracy, out.accuracy_ci95);
  std::printf(
      "wordmill rnn train: %s over %zu fold(s); %.0f training tokens/s on %d rank(s)\n"
      "  wrote: %s\n",
      score.c_str(), out.folds.size(), out.tokens_per_second, comm->size(),
      absl::StrJoin(out.files, " ").c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RnnText>> ReadForModel(const RnnModel& model,
                                                  const std::vector<std::string>& inputs,
                                                  const std::string& label_files) {
  std::vector<RnnText> texts;
  const RnnTrainCommand& c = model.command;
  if (!label_files.empty()) {
    WM_ASSIGN_OR_RETURN(texts, ReadLabelFiles(label_files, c.tokenizer(), c.rnn().max_length()));
  }
  if (!inputs.empty()) {
    WM_ASSIGN_OR_RETURN(std::vector<RnnText> more,
                        ReadRnnFiles(c.rnn().task(), inputs, c.data().tagset(), c.tokenizer(),
                                     c.rnn().max_length()));
    texts.insert(texts.end(), more.begin(), more.end());
  }
  return texts;
}

absl::Status Eval(const RnnEvalCommand& spec, Communicator* comm) {
  absl::StatusOr<RnnModel> model = ReadRnnModel(spec.model());
  WM_RETURN_IF_ERROR(comm->AgreeOk(model.status()));
  absl::StatusOr<RnnExamples> examples = [&]() -> absl::StatusOr<RnnExamples> {
    WM_ASSIGN_OR_RETURN(
        const std::vector<RnnText> texts,
        ReadForModel(*model, {spec.input().begin(), spec.input().end()}, spec.input_files()));
    if (texts.empty()) return Bad("no examples in the input");
    return ModelData(*model).ToExamples(texts);
  }();
  WM_RETURN_IF_ERROR(comm->AgreeOk(examples.status()));
  WM_ASSIGN_OR_RETURN(const HeadStats stats,
                      EvaluateRnn(*model, *examples, ResolveThreads(spec.runtime(), *comm), comm));
  if (comm->rank() == 0) {
    if (model->spec().task() == RNN_TASK_LM) {
      std::printf("perplexity %.4f on %lld tokens\n", Perplexity(stats),
                  static_cast<long long>(stats.count));
    } else {
      std::printf("accuracy %.4f%% (%lld of %lld)\n", AccuracyPercent(stats),
                  static_cast<long long>(stats.correct), static_cast<long long>(stats.count));
    }
  }
  return absl::OkStatus();
}

absl::Status Predict(const RnnPredictCommand& spec, Communicator* comm) {
  WM_ASSIGN_OR_RETURN(const RnnModel model, ReadRnnModel(spec.model()));
  if (model.spec().task() == RNN_TASK_LM) return Bad("predict is for classify and tag models");
  WordTokenizer tokenizer(model.command.tokenizer());
  const RnnPreparedData data = ModelData(model);
  std::vector<std::vector<std::string>> words;
  std::vector<std::string> lines;
  for (const std::string& path : spec.input()) {
    WM_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      TokenList list;
      tokenizer.Tokenize(line, &list);
      std::vector<std::string> w;
      for (size_t i = 0; i < list.size(); ++i) w.emplace_back(list[i]);
      words.push_back(std::move(w));
      lines.emplace_back(line);
    }
  }
  RnnExamples examples;
  for (const auto& w : words) {
    std::vector<int32_t> ids;
    for (const std::string& x : w) {
      auto it = data.word_index.find(x);
      ids.push_back(it == data.word_index.end() ? kUnkId : it->second);
    }
    examples.tokens.push_back(std::move(ids));
  }
  const std::vector<std::vector<int32_t>> predicted =
      PredictRnn(model, examples.tokens, ResolveThreads(spec.runtime(), *comm));
  std::string out;
  for (size_t i = 0; i < predicted.size(); ++i) {
    if (model.spec().task() == RNN_TASK_CLASSIFY) {
      absl::StrAppend(&out, model.classes[predicted[i][0]], "\t", lines[i], "\n");
      continue;
    }
    std::vector<std::string> items;
    for (size_t t = 0; t < words[i].size(); ++t) {
      items.push_back(absl::StrCat(words[i][t], "/", model.classes[predicted[i][t]]));
    }
    absl::StrAppend(&out, absl::StrJoin(items, " "), "\n");
  }
  if (!spec.output().empty()) return WriteFileAtomically(spec.output(), out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return absl::OkStatus();
}

absl::Status Sample(const RnnSampleCommand& spec) {
  WM_ASSIGN_OR_RETURN(const RnnModel model, ReadRnnModel(spec.model()));
  if (model.spec().task() != RNN_TASK_LM) return Bad("sample needs a language model (--task lm)");
  std::mt19937_64 rng(spec.seed());
  for (int s = 0; s < spec.samples(); ++s) {
    std::vector<std::string> words;
    for (int32_t id : SampleRnn(model, spec.words(), spec.temperature(), &rng)) {
      words.push_back(model.words[id]);
    }
    std::printf("%s\n", absl::StrJoin(words, " ").c_str());
  }
  return absl::OkStatus();
}

absl::Status Export(const RnnExportCommand& spec) {
  WM_ASSIGN_OR_RETURN(const RnnModel model, ReadRnnModel(spec.model()));
  WM_RETURN_IF_ERROR(CreateOutputDir(spec.output_dir()));
  const RnnNetwork net(model.spec(), model.shape);
  const ParamLayout& layout = net.layout();
  for (int i = 0; i < layout.block_count(); ++i) {
    const ParamBlock& block = layout.block(i);
    EmbeddingMatrix m;  // row-major, as NumPy and PyTorch hold it
    m.words.resize(block.rows);
    m.dim = block.cols;
    m.values.resize(static_cast<size_t>(block.rows) * block.cols);
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        m.values.data(), block.rows, block.cols) = layout.Map(model.params.data(), i);
    WM_RETURN_IF_ERROR(WriteNpy(absl::StrCat(spec.output_dir(), "/", block.name, ".npy"), m));
  }
  EmbeddingMatrix e;
  e.words = model.words;
  e.dim = model.shape.dim;
  e.values.assign(model.embedding.data(), model.embedding.data() + model.embedding.size());
  WM_RETURN_IF_ERROR(WriteNpy(spec.output_dir() + "/embedding.npy", e));
  WM_RETURN_IF_ERROR(WriteVocabTxt(spec.output_dir() + "/vocab.txt", e));
  WM_RETURN_IF_ERROR(
      WriteFileAtomically(spec.output_dir() + "/classes.txt",
                          model.classes.empty() ? "" : absl::StrJoin(model.classes, "\n") + "\n"));
  std::printf("wordmill rnn export: %d parameter blocks, embedding %d x %d, to %s\n",
              layout.block_count(), model.shape.vocab, model.shape.dim, spec.output_dir().c_str());
  return absl::OkStatus();
}

absl::Status NeedModel(const std::string& model) {
  return model.empty() ? Bad("--model is required") : absl::OkStatus();
}

}  // namespace

int RunRnnCommand(const std::vector<std::string>& args, Communicator* comm) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.begin() + std::min<size_t>(1, args.size()), args.end());
  if (sub == "train") {
    RnnTrainCommand spec;
    const int code = PrepareCommand(rest, "rnn train", kTrainUsage, kTrainSummary, &spec, comm,
                                    nullptr, [&] { return ValidateRnnTrainCommand(spec); });
    if (code >= 0) return code;
    return FinishWithStatus(Train(spec, comm), comm);
  }
  if (sub == "eval") {
    RnnEvalCommand spec;
    const int code = PrepareCommand(
        rest, "rnn eval", kEvalUsage, kEvalSummary, &spec, comm,
        [&](const std::string& p) { spec.add_input(p); },
        [&] {
          if (spec.input().empty() && spec.input_files().empty()) {
            return Bad("input files are required");
          }
          return NeedModel(spec.model());
        });
    if (code >= 0) return code;
    return FinishWithStatus(Eval(spec, comm), comm);
  }
  if (sub == "export") {
    RnnExportCommand spec;
    const int code =
        PrepareCommand(rest, "rnn export", kExportUsage, kExportSummary, &spec, comm, nullptr, [&] {
          if (spec.output_dir().empty()) {
            return Bad("--output-dir is required");
          }
          return NeedModel(spec.model());
        });
    if (code >= 0) return code;
    return FinishWithStatus(comm->rank() == 0 ? Export(spec) : absl::OkStatus(), comm);
  }
  if (sub == "predict" || sub == "sample") {
    if (comm->size() > 1) {
      if (comm->rank() == 0)
        std::fprintf(stderr, "wordmill rnn %s runs on one rank\n", sub.c_str());
      return 2;
    }
    if (sub == "predict") {
      RnnPredictCommand spec;
      const int code = PrepareCommand(
          rest, "rnn predict", kPredictUsage, kPredictSummary, &spec, comm,
          [&](const std::string& p) { spec.add_input(p); },
          [&] {
            if (spec.input().empty()) return Bad("input files are required");
            return NeedModel(spec.model());
          });
      if (code >= 0) return code;
      return FinishWithStatus(Predict(spec, comm), comm);
    }
    RnnSampleCommand spec;
    const int code =
        PrepareCommand(rest, "rnn sample", kSampleUsage, kSampleSummary, &spec, comm, nullptr, [&] {
          if (spec.words() < 1) return Bad("--words must be >= 1");
          if (!(spec.temperature() > 0)) {
            return Bad("--temperature must be > 0");
          }
          return NeedModel(spec.model());
        });
    if (code >= 0) return code;
    return FinishWithStatus(Sample(spec), comm);
  }
  const bool help = sub.empty() || sub == "--help" || sub == "-h" || sub == "help";
  if (comm->rank() == 0) {
    std::fprintf(
        help ? stdout : stderr,
        "%susage: wordmill rnn train|eval|predict|sample|export [flags]\n\n"
        "  train    train an LSTM/GRU classifier, tagger or language model on word vectors (MPI)\n"
        "  eval     accuracy or perplexity of a model on files (MPI)\n"
        "  predict  label lines or tag words of plain text files\n"
        "  sample   draw text from a language model\n"
        "  export   the weights as NumPy files with PyTorch's names\n"
        "`wordmill rnn SUBCOMMAND --help` lists the flags.\n",
        help ? "" : absl::StrCat("wordmill rnn: unknown subcommand '", sub, "'\n").c_str());
  }
  return sub.empty() || !help ? 2 : 0;
}

}  // namespace wordmill
