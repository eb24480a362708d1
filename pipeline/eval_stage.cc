// The `eval-<model>` stage: the model's vectors on the config's analogy and similarity sets and
// its nearest neighbours (EvaluateVectors, as `wordmill eval` and `neighbors`), planned when
// the config lists any. Writes scores.textproto (an EvaluationResult) for the report.
#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"
#include "google/protobuf/text_format.h"
#include "pipeline/run.h"
#include "pipeline/stage.h"

namespace wordmill {
namespace {

class EvalStage : public Stage {
 public:
  EvalStage(const PlanContext& c, int m)
      : Stage("eval-" + c.pipeline.model(m).name(),
              c.StageDir("eval-" + c.pipeline.model(m).name())),
        model_name_(c.pipeline.model(m).name()) {
    const std::string trainer = "model-" + model_name_;
    const std::string vectors = c.StageFile(trainer, "vectors.bin");
    inputs_.upstream = {{trainer, "vectors.bin"}};
    eval_ = c.pipeline.evaluation();
    eval_.set_vectors(vectors);
    neighbors_ = c.pipeline.neighbors();
    neighbors_.set_vectors(vectors);
    if (!eval_.analogy().empty()) inputs_.files.push_back(eval_.analogy());
    for (const std::string& s : eval_.similarity()) inputs_.files.push_back(s);
    estimated_cost_ = eval_.analogy().empty() ? 0.2 : 2;
  }
  std::string SpecType() const override {
    return absl::StrCat(EvalCommand::descriptor()->full_name(), "+",
                        NeighborsCommand::descriptor()->full_name());
  }
  std::string SpecText(int) const override {
    return absl::StrCat(EffectiveSpecText(eval_), "# neighbors\n", EffectiveSpecText(neighbors_));
  }
  absl::Status Validate() const override {
    if (!eval_.analogy().empty() || eval_.similarity_size() > 0) {
      if (absl::Status s = ValidateEvalCommand(eval_); !s.ok()) return s;
    }
    if (neighbors_.word_size() > 0) return ValidateNeighborsCommand(neighbors_);
    return absl::OkStatus();
  }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    absl::Status status;
    if (c.comm->rank() == 0) {
      absl::StatusOr<EvaluationResult> result = EvaluateVectors(eval_, neighbors_);
      if (result.ok()) {
        std::string text;
        google::protobuf::TextFormat::PrintToString(*result, &text);
        status = WriteFileAtomically(ScoresPath(), text);
        outputs->files = {ScoresPath()};
        outputs->work_items = result->rows();
        outputs->work_unit = "words";
      } else {
        status = result.status();
      }
    }
    return c.comm->AgreeOk(status);
  }
  absl::Status AddToReport(PipelineRun* run) const override {
    EvaluationResult result;
    absl::StatusOr<std::string> text = ReadFileToString(ScoresPath());
    if (!text.ok() || !google::protobuf::TextFormat::ParseFromString(*text, &result)) {
      return absl::DataLossError(absl::StrCat(ScoresPath(), ": unreadable"));
    }
    run->evaluations.push_back(std::move(result));
    run->models.push_back(model_name_);
    return absl::OkStatus();
  }

 private:
  std::string ScoresPath() const { return dir() + "/scores.textproto"; }

  std::string model_name_;
  EvalCommand eval_;
  NeighborsCommand neighbors_;
};

}  // namespace

void PlanEvalStage(const PlanContext& context, int model, StageList* out) {
  const Pipeline& p = context.pipeline;
  if (!p.evaluation().analogy().empty() || p.evaluation().similarity_size() > 0 ||
      p.neighbors().word_size() > 0) {
    out->push_back(std::make_unique<EvalStage>(context, model));
  }
}

}  // namespace wordmill
