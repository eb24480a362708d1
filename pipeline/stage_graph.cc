#include "pipeline/stage_graph.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pipeline/spec_flags.h"

namespace wordmill {

std::string WorkDir(const Pipeline& pipeline) {
  return pipeline.work_dir().empty() ? absl::StrCat(pipeline.output_dir(), "/work")
                                     : pipeline.work_dir();
}

namespace {

// Costs relative to one pass of the vocabulary stage, measured on enwiki (bench/RESULTS.md):
// a skip-gram epoch (dim 100, window 5, negative 5) is about 10 passes, counting
// co-occurrences (window 10) about 20, a GloVe epoch (dim 100) about 14.
double SgnsCost(const SgnsSpec& s) {
  const double per_epoch = 10.0 * s.dim() / 100 * s.window() / 5 *
                           (s.loss() == LOSS_NS ? (s.negative() + 1) / 6.0 : 1.0) *
                           (s.model() == MODEL_CBOW ? 0.4 : 1.0);
  return std::max(0.1, per_epoch * s.epochs());
}

bool Subword(const Pipeline& p) { return p.tokens().unit() == TOKEN_UNIT_SUBWORD; }

void AddModelStages(const Pipeline& p, int m, const std::string& work,
                    std::vector<PlannedStage>* stages) {
  const PipelineModel& model = p.model(m);
  const bool subword = Subword(p);
  const std::string vocab_tsv = work + "/vocab/vocab.tsv";
  PlannedStage train;
  train.name = "model-" + model.name();
  train.dir = absl::StrCat(work, "/", train.name);
  train.model = m;
  train.upstream = {{"vocab", "vocab.tsv"}};
  if (model.has_glove()) {
    train.kind = StageKind::kGlove;
    train.upstream.push_back({"cooccur", ""});
    *train.glove.mutable_glove() = model.glove();
    *train.glove.mutable_runtime() = p.runtime();
    train.glove.set_cooccur_dir(work + "/cooccur");
    train.glove.set_vocab(vocab_tsv);
    train.glove.set_output_dir(train.dir);
    train.checkpoints = {"glove-checkpoint.wmrec"};
    train.estimated_cost = std::max(0.1, 14.0 * model.glove().dim() / 100 * model.glove().epochs());
  } else {
    train.kind = StageKind::kSgns;
    train.reads_corpus = !subword;
    *train.sgns.mutable_input() = p.input();
    *train.sgns.mutable_tokenizer() = p.tokenizer();
    *train.sgns.mutable_vocabulary() = p.vocabulary();
    if (subword) {
      // Every token of the vocab stage's vocabulary is kept: its shards hold all of them.
      train.sgns.mutable_vocabulary()->set_min_count(1);
      train.sgns.mutable_vocabulary()->set_max_size(0);
      train.encoded_ids = work + "/vocab/ids";
      train.upstream = {{"vocab", ""}};
    }
    *train.sgns.mutable_ids() = p.ids();
    *train.sgns.mutable_sgns() = model.sgns();
    *train.sgns.mutable_runtime() = p.runtime();
    train.sgns.set_output_dir(train.dir);
    train.sgns.set_vocab(vocab_tsv);
    train.checkpoints = {"checkpoint/model.ckpt"};
    train.estimated_cost = SgnsCost(model.sgns());
  }
  stages->push_back(std::move(train));
  const std::string vectors = absl::StrCat(work, "/model-", model.name(), "/vectors.bin");
  if (!p.evaluation().analogy().empty() || p.evaluation().similarity_size() > 0 ||
      p.neighbors().word_size() > 0) {
    PlannedStage eval;
    eval.kind = StageKind::kEval;
    eval.name = "eval-" + model.name();
    eval.dir = absl::StrCat(work, "/", eval.name);
    eval.model = m;
    eval.upstream = {{"model-" + model.name(), "vectors.bin"}};
    eval.eval = p.evaluation();
    eval.eval.set_vectors(vectors);
    eval.neighbors = p.neighbors();
    eval.neighbors.set_vectors(vectors);
    if (!eval.eval.analogy().empty()) eval.extra_inputs.push_back(eval.eval.analogy());
    for (const std::string& s : eval.eval.similarity()) eval.extra_inputs.push_back(s);
    eval.estimated_cost = eval.eval.analogy().empty() ? 0.2 : 2;
    stages->push_back(std::move(eval));
  }
  PlannedStage exported;
  exported.kind = StageKind::kExport;
  exported.name = "export-" + model.name();
  exported.dir = absl::StrCat(work, "/", exported.name);
  exported.model = m;
  exported.upstream = {{"model-" + model.name(), "vectors.bin"}, {"vocab", "vocab.tsv"}};
  exported.export_dir = absl::StrCat(p.output_dir(), "/", model.name());
  for (const ExportSpec& e : p.exports()) exported.exports.push_back(e);
  if (exported.exports.empty()) exported.exports.emplace_back();
  for (ExportSpec& e : exported.exports) {
    e.set_input(vectors);
    e.set_output_dir(exported.export_dir);
    // Subword pipelines: rows in token-id order unless the config orders them otherwise.
    if (!e.row_order().empty()) {
      exported.extra_inputs.push_back(e.row_order());
    } else if (subword) {
      e.set_row_order(work + "/vocab/tokens.txt");  // an upstream output, fingerprinted as such
    }
  }
  exported.estimated_cost = 0.5 * exported.exports.size();
  if (subword) exported.upstream.push_back({"vocab", "tokens.txt"});
  stages->push_back(std::move(exported));
}

// The tokenizer stage (unless a model file is given) and the vocab stage of a subword pipeline.
void AddSubwordStages(const Pipeline& p, const std::string& work,
                      std::vector<PlannedStage>* stages) {
  PlannedStage vocab;
  vocab.name = "vocab";
  vocab.kind = StageKind::kSubwordVocab;
  vocab.dir = work + "/vocab";
  vocab.reads_corpus = true;
  *vocab.encode.mutable_input() = p.input();
  *vocab.encode.mutable_runtime() = p.runtime();
  *vocab.encode.mutable_ids() = p.ids();
  vocab.encode.set_output_dir(vocab.dir + "/ids");
  // The word tokenizer the model must have been trained with (RunSubwordVocabStage checks).
  *vocab.vocab.mutable_tokenizer() = p.tokenizer();
  if (!p.tokens().model_file().empty()) {
    vocab.encode.set_model(p.tokens().model_file());
    vocab.extra_inputs.push_back(p.tokens().model_file());
  } else {
    PlannedStage train;
    train.name = "tokenizer";
    train.kind = StageKind::kTokenizer;
    train.dir = work + "/tokenizer";
    train.reads_corpus = true;
    *train.tokenizer_train.mutable_input() = p.input();
    *train.tokenizer_train.mutable_tokenizer() = p.tokenizer();
    *train.tokenizer_train.mutable_subword() = p.tokens().subword();
    *train.tokenizer_train.mutable_runtime() = p.runtime();
    train.tokenizer_train.set_output_dir(train.dir);
    stages->push_back(std::move(train));
    vocab.encode.set_model(work + "/tokenizer/tokenizer.wmrec");
    vocab.upstream = {{"tokenizer", "tokenizer.wmrec"}};
  }
  vocab.encoded_ids = vocab.encode.output_dir();
  vocab.estimated_cost = 2;
  stages->push_back(std::move(vocab));
}

}  // namespace

std::vector<PlannedStage> PlanStages(const Pipeline& p) {
  const std::string work = WorkDir(p);
  std::vector<PlannedStage> stages;
  if (Subword(p)) AddSubwordStages(p, work, &stages);
  PlannedStage vocab;
  vocab.name = "vocab";
  vocab.kind = StageKind::kVocab;
  vocab.dir = work + "/vocab";
  vocab.reads_corpus = true;
  *vocab.vocab.mutable_input() = p.input();
  *vocab.vocab.mutable_tokenizer() = p.tokenizer();
  *vocab.vocab.mutable_vocabulary() = p.vocabulary();
  *vocab.vocab.mutable_runtime() = p.runtime();
  vocab.vocab.set_output_dir(vocab.dir);
  if (!Subword(p)) stages.push_back(std::move(vocab));
  const bool any_glove = std::any_of(p.model().begin(), p.model().end(),
                                     [](const PipelineModel& m) { return m.has_glove(); });
  if (any_glove) {
    PlannedStage cooccur;
    cooccur.name = "cooccur";
    cooccur.kind = StageKind::kCooccur;
    cooccur.dir = work + "/cooccur";
    cooccur.reads_corpus = !Subword(p);
    cooccur.upstream = {{"vocab", "vocab.tsv"}};
    if (Subword(p)) {
      cooccur.encoded_ids = work + "/vocab/ids";
      cooccur.upstream = {{"vocab", ""}};
    }
    *cooccur.cooccur.mutable_input() = p.input();
    *cooccur.cooccur.mutable_tokenizer() = p.tokenizer();
    *cooccur.cooccur.mutable_cooccur() = p.cooccur();
    *cooccur.cooccur.mutable_ids() = p.ids();
    *cooccur.cooccur.mutable_runtime() = p.runtime();
    cooccur.cooccur.set_vocab(work + "/vocab/vocab.tsv");
    cooccur.cooccur.set_output_dir(cooccur.dir);
    cooccur.estimated_cost = 20.0 * p.cooccur().window() / 10;
    stages.push_back(std::move(cooccur));
  }
  // Models in config order: GloVe models after the co-occurrence stage, which comes right
  // after the vocabulary.
  for (int m = 0; m < p.model_size(); ++m) AddModelStages(p, m, work, &stages);
  return stages;
}

std::string StageSpecType(const PlannedStage& stage) {
  switch (stage.kind) {
    case StageKind::kVocab:
      return VocabCommand::descriptor()->full_name();
    case StageKind::kSgns:
      return SgnsCommand::descriptor()->full_name();
    case StageKind::kCooccur:
      return CooccurCommand::descriptor()->full_name();
    case StageKind::kGlove:
      return GloveCommand::descriptor()->full_name();
    case StageKind::kEval:
      return absl::StrCat(EvalCommand::descriptor()->full_name(), "+",
                          NeighborsCommand::descriptor()->full_name());
    case StageKind::kExport:
      return ExportSpec::descriptor()->full_name();
    case StageKind::kTokenizer:
      return TokenizerTrainCommand::descriptor()->full_name();
    case StageKind::kSubwordVocab:
      return TokenizerEncodeCommand::descriptor()->full_name();
  }
  return "";
}

namespace {

// The effective spec without the fields that do not change a stage's outputs.
template <typename Command>
std::string WithoutRuntime(Command c) {
  c.clear_runtime();
  return EffectiveSpecText(c);
}

}  // namespace

std::string StageSpecText(const PlannedStage& stage) {
  switch (stage.kind) {
    case StageKind::kVocab:
      return WithoutRuntime(stage.vocab);
    case StageKind::kSgns: {
      SgnsCommand c = stage.sgns;
      c.clear_resume();
      c.mutable_sgns()->clear_stop_after_epochs();
      return WithoutRuntime(c);
    }
    case StageKind::kCooccur:
      return WithoutRuntime(stage.cooccur);
    case StageKind::kGlove: {
      GloveCommand c = stage.glove;
      c.clear_resume();
      return WithoutRuntime(c);
    }
    case StageKind::kEval:
      return absl::StrCat(EffectiveSpecText(stage.eval), "# neighbors\n",
                          EffectiveSpecText(stage.neighbors));
    case StageKind::kExport: {
      std::string text;
      for (const ExportSpec& e : stage.exports)
        absl::StrAppend(&text, EffectiveSpecText(e), "# --\n");
      return absl::StrCat(text, "# and vocab.tsv copied to ", stage.export_dir, "\n");
    }
    case StageKind::kTokenizer:
      return WithoutRuntime(stage.tokenizer_train);
    case StageKind::kSubwordVocab:
      return absl::StrCat(WithoutRuntime(stage.encode), "# word tokenizer\n",
                          EffectiveSpecText(stage.vocab.tokenizer()));
  }
  return "";
}

}  // namespace wordmill
