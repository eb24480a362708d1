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

void AddModelStages(const Pipeline& p, int m, const std::string& work,
                    std::vector<PlannedStage>* stages) {
  const PipelineModel& model = p.model(m);
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
    train.reads_corpus = true;
    *train.sgns.mutable_input() = p.input();
    *train.sgns.mutable_tokenizer() = p.tokenizer();
    *train.sgns.mutable_vocabulary() = p.vocabulary();
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
  exported.upstream = {{"model-" + model.name(), "vectors.bin"},
                       {"model-" + model.name(), "vectors.txt"},
                       {"vocab", "vocab.tsv"}};
  exported.export_dir = absl::StrCat(p.output_dir(), "/", model.name());
  exported.estimated_cost = 0.3;
  stages->push_back(std::move(exported));
}

}  // namespace

std::vector<PlannedStage> PlanStages(const Pipeline& p) {
  const std::string work = WorkDir(p);
  std::vector<PlannedStage> stages;
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
  stages.push_back(std::move(vocab));
  const bool any_glove = std::any_of(p.model().begin(), p.model().end(),
                                     [](const PipelineModel& m) { return m.has_glove(); });
  if (any_glove) {
    PlannedStage cooccur;
    cooccur.name = "cooccur";
    cooccur.kind = StageKind::kCooccur;
    cooccur.dir = work + "/cooccur";
    cooccur.reads_corpus = true;
    cooccur.upstream = {{"vocab", "vocab.tsv"}};
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
      return "copy";
  }
  return "";
}

std::string StageSpecText(const PlannedStage& stage) {
  switch (stage.kind) {
    case StageKind::kVocab: {
      VocabCommand c = stage.vocab;
      c.clear_runtime();
      return EffectiveSpecText(c);
    }
    case StageKind::kSgns: {
      SgnsCommand c = stage.sgns;
      c.clear_runtime();
      c.clear_resume();
      c.mutable_sgns()->clear_stop_after_epochs();
      return EffectiveSpecText(c);
    }
    case StageKind::kCooccur: {
      CooccurCommand c = stage.cooccur;
      c.clear_runtime();
      return EffectiveSpecText(c);
    }
    case StageKind::kGlove: {
      GloveCommand c = stage.glove;
      c.clear_runtime();
      c.clear_resume();
      return EffectiveSpecText(c);
    }
    case StageKind::kEval:
      return absl::StrCat(EffectiveSpecText(stage.eval), "# neighbors\n",
                          EffectiveSpecText(stage.neighbors));
    case StageKind::kExport:
      return absl::StrCat("output_dir: \"", stage.export_dir,
                          "\"\nfiles: \"vectors.bin\"\nfiles: \"vectors.txt\"\nfiles: "
                          "\"vocab.tsv\"\n");
  }
  return "";
}

}  // namespace wordmill
