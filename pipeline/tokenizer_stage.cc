// The `tokenizer` stage of a subword pipeline: trains the subword tokenizer on the corpus
// (RunTokenizerTrainStage, as `wordmill tokenizer train`), unless tokens.model_file names one.
#include "pipeline/stage.h"

namespace wordmill {
namespace {

class TokenizerStage : public Stage {
 public:
  TokenizerStage(const PlanContext& c) : Stage("tokenizer", c.StageDir("tokenizer")) {
    const Pipeline& p = c.pipeline;
    inputs_.corpus = true;
    *spec_.mutable_input() = p.input();
    *spec_.mutable_tokenizer() = p.tokenizer();
    *spec_.mutable_subword() = p.tokens().subword();
    *spec_.mutable_runtime() = p.runtime();
    spec_.set_output_dir(dir());
  }
  std::string SpecType() const override { return TokenizerTrainCommand::descriptor()->full_name(); }
  std::string SpecText(int) const override { return SpecTextWithoutRuntime(spec_); }
  absl::Status Validate() const override { return ValidateTokenizerTrainCommand(spec_); }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    return RunTokenizerTrainStage(spec_, c.comm, outputs);
  }

 private:
  TokenizerTrainCommand spec_;
};

}  // namespace

void PlanTokenizerStage(const PlanContext& context, int, StageList* out) {
  if (context.subword() && context.pipeline.tokens().model_file().empty()) {
    out->push_back(std::make_unique<TokenizerStage>(context));
  }
}

}  // namespace wordmill
