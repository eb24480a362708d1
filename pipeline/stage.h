// The stage interface of `wordmill run`: one class per stage kind (vocab, cooccur, a word2vec or
// GloVe model, eval, export, ...), each in its own file pipeline/<kind>_stage.cc with a planner
// function registered in pipeline/stage_registry.cc. A stage owns its spec and says
//   - what it reads and writes, for its manifest (inputs(), checkpoints(), SpecType/SpecText),
//   - how it is planned from the config (its planner, called with a PlanContext),
//   - what is wrong with its spec (Validate, for the config's errors with line numbers),
//   - how it runs (Run, collective, with a StageRunContext),
//   - what it adds to the report (AddToReport).
// The stage graph (stage_graph.h), the runner (run.h), the config validation
// (pipeline_config.h) and the report (report.h) only use this interface. How to add a stage:
// pipeline/README.md, "Adding a stage".
#ifndef WORDMILL_PIPELINE_STAGE_H_
#define WORDMILL_PIPELINE_STAGE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"
#include "google/protobuf/message.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"

namespace wordmill {

struct PipelineRun;  // pipeline/run.h
class Stage;
using StageList = std::vector<std::unique_ptr<Stage>>;

// What a stage reads, fingerprinted in its manifest: a change re-runs the stage.
struct StageInputs {
  // Outputs of earlier stages: (stage name, file name in its directory; "" = all its outputs),
  // fingerprinted by the checksums their manifests recorded.
  std::vector<std::pair<std::string, std::string>> upstream;
  // The corpus (Pipeline.input), fingerprinted by path, size and mtime.
  bool corpus = false;
  // Other files (evaluation sets, a tokenizer model), fingerprinted like the corpus.
  std::vector<std::string> files;
};

// What a planner sees: the config and the stages planned before it.
struct PlanContext {
  const Pipeline& pipeline;
  std::string work_dir;      // WorkDir(pipeline)
  const StageList& planned;  // in order; a planner may look at earlier stages
  bool subword() const { return pipeline.tokens().unit() == TOKEN_UNIT_SUBWORD; }
  // work_dir/<stage>, and work_dir/<stage>/<file>.
  std::string StageDir(const std::string& stage) const { return work_dir + "/" + stage; }
  std::string StageFile(const std::string& stage, const std::string& file) const {
    return StageDir(stage) + "/" + file;
  }
  // The planned stage called `name`, or nullptr.
  const Stage* Find(const std::string& name) const;
};

// Adds the stages of one kind to `out` (none when the config does not call for them). `model`
// is the index into Pipeline.model for per-model kinds (StagePhase::kPerModel), else -1.
using StagePlanner = void(const PlanContext& context, int model, StageList* out);

// What a running stage sees.
struct StageRunContext {
  Communicator* comm = nullptr;
  // The stage keeps the epoch checkpoints of an interrupted run with the same spec and inputs:
  // the trainer continues after its last complete epoch.
  bool resume = false;
  // Called on every rank after each completed (and checkpointed) epoch: the runner prints the
  // overall ETA and honours the test hook (pipeline/pause_point.h).
  EpochCallback on_epoch;
  const StageList* plan = nullptr;  // every stage of the run
  const Stage* Find(const std::string& name) const;
};

class Stage {
 public:
  // `name`: the stage's name in the run (vocab, model-<model>, ...); `dir`: work_dir/<name>.
  Stage(std::string name, std::string dir) : name_(std::move(name)), dir_(std::move(dir)) {}
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  const StageInputs& inputs() const { return inputs_; }
  // Files in dir() kept when an interrupted stage is resumed (epoch checkpoints).
  const std::vector<std::string>& checkpoints() const { return checkpoints_; }
  // Rough cost relative to one vocabulary pass, for the overall ETA before any stage is timed.
  double estimated_cost() const { return estimated_cost_; }
  // The index into Pipeline.model whose fields make this stage's spec (a trainer), or -1 when
  // they are top-level fields: where config errors from Validate() are looked up.
  int config_model() const { return config_model_; }

  // The spec's message type(s) and its text format with what does not change the outputs
  // cleared (runtime, resume, stop_after_epochs): the manifest's spec_type and spec_text.
  // `ranks`: the number of ranks of the run, for stages whose outputs depend on it.
  virtual std::string SpecType() const = 0;
  virtual std::string SpecText(int ranks) const = 0;
  // Usage errors in the spec, as the subcommand's validator says them ("--dim must be ...").
  virtual absl::Status Validate() const { return absl::OkStatus(); }
  // Training epochs (0: not a trainer), for the per-epoch progress lines.
  virtual int epochs() const { return 0; }
  // The training spec recorded in exported .wmv headers (trainer stages), else nullptr.
  virtual const google::protobuf::Message* TrainingSpec() const { return nullptr; }

  // Does the work; collective: every rank calls it, all return the same status. Fills
  // `outputs` with the files written (checksummed into the manifest) and the work done.
  virtual absl::Status Run(const StageRunContext& context, StageOutputs* outputs) const = 0;

  // Rank 0, when every stage is complete: adds what the stage reports (a model, its
  // evaluation) to `run`, from its outputs.
  virtual absl::Status AddToReport(PipelineRun* run) const {
    (void)run;
    return absl::OkStatus();
  }

 protected:
  StageInputs inputs_;
  std::vector<std::string> checkpoints_;
  double estimated_cost_ = 1;
  int config_model_ = -1;

 private:
  std::string name_;
  std::string dir_;
};

// A command's effective spec text without its `runtime` (threads and progress do not change the
// outputs): the usual SpecText of a stage.
template <typename Command>
std::string SpecTextWithoutRuntime(Command command) {
  command.clear_runtime();
  return EffectiveSpecText(command);
}

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_STAGE_H_
