// `wordmill run`: the stages of a Pipeline (pipeline/stage_graph.h) in dependency order, each
// skipped when its manifest (pipeline/manifest.h) matches its current spec and inputs and its
// outputs verify, otherwise redone: a stage whose spec or inputs changed starts from scratch;
// one that began with the same spec but did not finish keeps its epoch checkpoints and the
// trainer continues from the last one. Then report.json and report.md (pipeline/report.h).
#ifndef WORDMILL_PIPELINE_RUN_H_
#define WORDMILL_PIPELINE_RUN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

// How a stage went in this run.
struct StageRecord {
  std::string name;
  // "skipped" (complete and verified), "ran" (no earlier attempt), "resumed" (an interrupted
  // attempt with the same spec: checkpoints kept), "redone" (spec, inputs or outputs changed).
  std::string status;
  std::string reason;         // why it ran, e.g. "spec changed"
  StageManifest manifest;     // this run's or the earlier complete one (rank 0)
  double verify_seconds = 0;  // checking the outputs of a skipped stage
};

// A trained model, as its stage reports it.
struct ReportedModel {
  std::string name;         // PipelineModel.name
  std::string trainer;      // the trainer's config field: "sgns", "glove"
  std::string description;  // for people: "skip-gram/CBOW", "GloVe"
};

struct PipelineRun {
  std::vector<StageRecord> stages;
  std::vector<ReportedModel> trained;         // config order
  std::vector<EvaluationResult> evaluations;  // one per evaluated model, config order
  std::vector<std::string> models;            // their names
  bool stopped = false;  // a trainer's stop_after_epochs: the run is incomplete
  double seconds = 0;
  int ranks = 1;
  int threads = 1;
};

// Runs the pipeline; collective. `config_path` is only recorded in the report. The report is
// written to output_dir when every stage is complete.
absl::Status RunPipeline(const Pipeline& pipeline, const std::string& config_path,
                         Communicator* comm, PipelineRun* run);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_RUN_H_
