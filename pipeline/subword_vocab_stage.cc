// The vocab stage of a subword pipeline: the corpus encoded with the tokenizer into id shards,
// the tokens that occur as the vocabulary (workers/subword_vocab.h), and the token list that
// orders the exported rows. RunSubwordVocabStage does the work; SubwordVocabStage is the stage
// of `wordmill run` (pipeline/stage.h).
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "formats/atomic_file.h"
#include "formats/id_shard.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stage.h"
#include "pipeline/stages.h"
#include "tokenizers/subword_model.h"
#include "workers/subword_vocab.h"

namespace wordmill {

absl::Status RunSubwordVocabStage(const TokenizerEncodeCommand& spec,
                                  const TokenizerSpec& tokenizer, const std::string& dir,
                                  Communicator* comm, StageOutputs* outputs) {
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = ReadSubwordModel(spec.model());
  absl::Status status = model.status();
  // Encoding uses the model's own word tokenizer; a different Pipeline.tokenizer would mean
  // the config does not describe the tokens the models are trained on.
  if (status.ok() &&
      EffectiveSpecText((*model)->data().tokenizer) != EffectiveSpecText(tokenizer)) {
    status = absl::InvalidArgumentError(
        absl::StrCat(spec.model(),
                     ": the model was trained with another word tokenizer; set the "
                     "pipeline's tokenizer to the model's:\n",
                     EffectiveSpecText((*model)->data().tokenizer)));
  }
  if (status.ok() && comm->rank() == 0) status = CreateOutputDir(spec.output_dir());
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  absl::StatusOr<SubwordVocabResult> built =
      BuildSubwordVocabulary(spec, **model, EffectiveSpecText(spec), comm);
  if (!built.ok()) return built.status();
  const std::string vocab_path = dir + "/vocab.tsv";
  const std::string tokens_path = dir + "/tokens.txt";
  if (comm->rank() == 0) {
    status = WriteVocabTsv(vocab_path, built->vocab);
    if (status.ok()) {
      status =
          WriteFileAtomically(tokens_path, absl::StrCat(absl::StrJoin(built->tokens, "\n"), "\n"));
    }
  }
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;
  if (comm->rank() == 0) {
    std::printf(
        "wordmill run: vocab: %lld words -> %lld tokens (%.4f per word) with %s (%zu tokens); "
        "%zu occur, %lld never (their exported rows follow ExportSpec.unknown_rows)\n",
        static_cast<long long>(built->words), static_cast<long long>(built->tokens_total),
        built->words > 0 ? static_cast<double>(built->tokens_total) / built->words : 0.0,
        spec.model().c_str(), built->tokens.size(), built->vocab.size(),
        static_cast<long long>(built->unused_tokens));
    std::fflush(stdout);
  }
  outputs->files = {vocab_path, tokens_path};
  for (int r = 0; r < comm->size(); ++r) {
    outputs->files.push_back(IdShardPath(spec.output_dir(), r, comm->size()));
  }
  outputs->work_items = built->tokens_total;
  outputs->work_unit = "tokens";
  return absl::OkStatus();
}

namespace {

class SubwordVocabStage : public Stage {
 public:
  SubwordVocabStage(const PlanContext& c) : Stage("vocab", c.StageDir("vocab")) {
    const Pipeline& p = c.pipeline;
    inputs_.corpus = true;
    *spec_.mutable_input() = p.input();
    *spec_.mutable_runtime() = p.runtime();
    *spec_.mutable_ids() = p.ids();
    spec_.set_output_dir(dir() + "/ids");
    // The word tokenizer the model must have been trained with (RunSubwordVocabStage checks).
    tokenizer_ = p.tokenizer();
    if (!p.tokens().model_file().empty()) {
      spec_.set_model(p.tokens().model_file());
      inputs_.files.push_back(p.tokens().model_file());
    } else {
      spec_.set_model(c.StageFile("tokenizer", "tokenizer.wmrec"));
      inputs_.upstream = {{"tokenizer", "tokenizer.wmrec"}};
    }
    estimated_cost_ = 2;
  }
  std::string SpecType() const override {
    return TokenizerEncodeCommand::descriptor()->full_name();
  }
  std::string SpecText(int ranks) const override {
    // One id shard per rank: another number of ranks needs new shards.
    return absl::StrCat(SpecTextWithoutRuntime(spec_), "# word tokenizer\n",
                        EffectiveSpecText(tokenizer_), "# id shards for ", ranks, " ranks\n");
  }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    return RunSubwordVocabStage(spec_, tokenizer_, dir(), c.comm, outputs);
  }

 private:
  TokenizerEncodeCommand spec_;
  TokenizerSpec tokenizer_;
};

}  // namespace

void PlanSubwordVocabStage(const PlanContext& context, int, StageList* out) {
  if (context.subword()) out->push_back(std::make_unique<SubwordVocabStage>(context));
}

}  // namespace wordmill
