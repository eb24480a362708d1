#include "pipeline/run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "formats/file_util.h"
#include "pipeline/build_info.h"
#include "pipeline/manifest.h"
#include "pipeline/pause_point.h"
#include "pipeline/report.h"
#include "pipeline/stage.h"
#include "pipeline/stage_graph.h"
#include "pipeline/usage_meter.h"
#include "workers/input_files.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool SameInputs(const StageManifest& a, const StageManifest& b) {
  if (a.input_size() != b.input_size()) return false;
  for (int i = 0; i < a.input_size(); ++i) {
    const FileFingerprint &x = a.input(i), &y = b.input(i);
    if (x.path() != y.path() || x.size() != y.size() || x.mtime_ns() != y.mtime_ns() ||
        x.xxh3() != y.xxh3()) {
      return false;
    }
  }
  return true;
}

// Removes everything in a stage's directory except the files in `keep`.
absl::Status CleanStageDir(const std::string& dir, const std::vector<std::string>& keep) {
  std::error_code error;
  // The manifest goes first: a stage killed while being cleaned must not look complete.
  fs::remove(ManifestPath(dir), error);
  return CleanDirectory(dir, keep);
}

// Rank 0's plan for one stage.
struct Decision {
  bool skip = false;
  bool keep_checkpoints = false;
  std::string status;  // as StageRecord.status
  std::string reason;
};

class PipelineRunner {
 public:
  PipelineRunner(const Pipeline& pipeline, Communicator* comm, PipelineRun* run)
      : pipeline_(pipeline), comm_(comm), run_(run), stages_(PlanStages(pipeline)) {}

  absl::Status Run(const std::string& config_path);

 private:
  absl::Status Prepare();
  absl::StatusOr<StageManifest> Expected(const Stage& stage);
  absl::StatusOr<Decision> Decide(const Stage& stage, const StageManifest& expected,
                                  StageRecord* record);
  absl::Status Execute(const Stage& stage, bool resume, StageOutputs* outputs);
  absl::Status RunStage(size_t index);
  void PrintProgress(size_t index, const Decision& decision);

  const Pipeline& pipeline_;
  Communicator* comm_;
  PipelineRun* run_;
  StageList stages_;
  std::vector<FileFingerprint> corpus_;            // rank 0
  std::map<std::string, StageManifest> complete_;  // rank 0: manifests of complete stages
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double timed_cost_ = 0, timed_seconds_ = 0;  // for the ETA
  size_t index_ = 0;                           // the stage running
};

absl::Status PipelineRunner::Prepare() {
  absl::Status status;
  if (comm_->rank() == 0) {
    std::error_code error;
    for (const std::string& dir : {pipeline_.output_dir(), WorkDir(pipeline_)}) {
      if (fs::exists(dir, error) && !fs::is_directory(dir, error)) {
        status = absl::FailedPreconditionError(
            absl::StrCat(dir, ": exists and is not a directory (",
                         dir == pipeline_.output_dir() ? "output_dir" : "work_dir", ")"));
        break;
      }
      fs::create_directories(dir, error);
      if (error) {
        status =
            absl::FailedPreconditionError(absl::StrCat(dir, ": cannot create: ", error.message()));
        break;
      }
      if (access(dir.c_str(), W_OK) != 0) {
        status = absl::PermissionDeniedError(absl::StrCat(dir, ": not writable"));
        break;
      }
    }
    if (status.ok()) {
      absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(pipeline_.input());
      if (files.ok()) {
        for (const InputFile& f : *files) {
          absl::StatusOr<FileFingerprint> fp = StatFile(f.path);
          if (!fp.ok()) {
            status = fp.status();
            break;
          }
          corpus_.push_back(*fp);
        }
      } else {
        status = files.status();
      }
    }
  }
  return comm_->AgreeOk(status);
}

// The manifest the stage would have now (spec and inputs; no outputs). Rank 0.
absl::StatusOr<StageManifest> PipelineRunner::Expected(const Stage& stage) {
  StageManifest m;
  m.set_stage(stage.name());
  m.set_spec_type(stage.SpecType());
  m.set_spec_text(stage.SpecText(comm_->size()));
  if (stage.inputs().corpus) {
    for (const FileFingerprint& f : corpus_) *m.add_input() = f;
  }
  for (const auto& [upstream, file] : stage.inputs().upstream) {
    auto it = complete_.find(upstream);
    if (it == complete_.end()) {
      return absl::InternalError(absl::StrCat(stage.name(), ": ", upstream, " is not complete"));
    }
    bool found = false;
    for (const FileFingerprint& out : it->second.output()) {
      if (file.empty() || fs::path(out.path()).filename() == file) {
        *m.add_input() = out;
        found = true;
      }
    }
    if (!found && !file.empty()) {
      return absl::InternalError(
          absl::StrCat(stage.name(), ": stage ", upstream, " did not write ", file));
    }
  }
  for (const std::string& path : stage.inputs().files) {
    absl::StatusOr<FileFingerprint> fp = StatFile(path);
    if (!fp.ok()) return fp.status();
    *m.add_input() = *fp;
  }
  return m;
}

absl::StatusOr<Decision> PipelineRunner::Decide(const Stage& stage, const StageManifest& expected,
                                                StageRecord* record) {
  Decision d;
  absl::StatusOr<StageManifest> done = ReadManifest(ManifestPath(stage.dir()));
  if (done.ok()) {
    if (done->spec_text() != expected.spec_text()) {
      d.status = "redone";
      d.reason = "spec changed";
    } else if (!SameInputs(*done, expected)) {
      d.status = "redone";
      d.reason = "inputs changed";
    } else {
      const auto start = std::chrono::steady_clock::now();
      absl::Status verified = VerifyOutputs(*done);
      record->verify_seconds = SecondsSince(start);
      if (verified.ok()) {
        d.skip = true;
        d.status = "skipped";
        record->manifest = *done;
        return d;
      }
      d.status = "redone";
      d.reason = std::string(verified.message());
      d.keep_checkpoints = true;
    }
    return d;
  }
  if (!absl::IsNotFound(done.status())) return done.status();
  absl::StatusOr<StageManifest> started = ReadManifest(StartedPath(stage.dir()));
  if (started.ok() && started->spec_text() == expected.spec_text() &&
      SameInputs(*started, expected)) {
    d.status = "resumed";
    d.reason = "an earlier run did not finish";
    d.keep_checkpoints = true;
  } else {
    d.status = started.ok() || !absl::IsNotFound(started.status()) ? "redone" : "ran";
    d.reason = started.ok() ? "an unfinished earlier run had another spec or inputs"
               : absl::IsNotFound(started.status()) ? ""
                                                    : std::string(started.status().message());
  }
  return d;
}

absl::Status PipelineRunner::Execute(const Stage& stage, bool resume, StageOutputs* outputs) {
  const int epochs = stage.epochs();
  const auto stage_start = std::chrono::steady_clock::now();
  int first_epoch = -1;
  StageRunContext context;
  context.comm = comm_;
  context.resume = resume;
  context.plan = &stages_;
  context.on_epoch = [&](int epoch) {
    // The overall ETA from this stage's own pace (epochs of this run) and the estimates of the
    // stages after it.
    if (first_epoch < 0) first_epoch = epoch - 1;
    if (comm_->rank() == 0 && epochs > first_epoch) {
      const double done = static_cast<double>(epoch - first_epoch) / (epochs - first_epoch);
      const double elapsed = SecondsSince(stage_start);
      const double stage_left = elapsed / done - elapsed;
      const double scale = timed_cost_ > 0 ? timed_seconds_ / timed_cost_
                                           : (elapsed / done) / stage.estimated_cost();
      double later = 0;
      for (size_t i = index_ + 1; i < stages_.size(); ++i) later += stages_[i]->estimated_cost();
      std::fprintf(stderr, "wordmill run: [%zu/%zu] %s: epoch %d/%d; overall ETA %.0f s\n",
                   index_ + 1, stages_.size(), stage.name().c_str(), epoch, epochs,
                   stage_left + later * scale);
      std::fflush(stderr);
    }
    PausePoint(stage.name(), absl::StrCat("epoch", epoch), *comm_);
  };
  return stage.Run(context, outputs);
}

void PipelineRunner::PrintProgress(size_t index, const Decision& decision) {
  if (comm_->rank() != 0) return;
  const Stage& stage = *stages_[index];
  std::string eta = "ETA after the first timed stage";
  if (timed_cost_ > 0) {
    double remaining = 0;
    for (size_t i = index; i < stages_.size(); ++i) remaining += stages_[i]->estimated_cost();
    eta =
        absl::StrFormat("overall ETA %.0f s (estimate)", remaining * timed_seconds_ / timed_cost_);
  }
  std::fprintf(stderr, "wordmill run: [%zu/%zu] %s: %s%s; %.1f s elapsed%s\n", index + 1,
               stages_.size(), stage.name().c_str(),
               decision.skip ? "complete, outputs verified, skipped" : decision.status.c_str(),
               decision.reason.empty() ? "" : absl::StrCat(" (", decision.reason, ")").c_str(),
               SecondsSince(start_), decision.skip ? "" : absl::StrCat(", ", eta).c_str());
  std::fflush(stderr);
}

absl::Status PipelineRunner::RunStage(size_t index) {
  const Stage& stage = *stages_[index];
  index_ = index;
  StageRecord record;
  record.name = stage.name();
  StageManifest expected;
  Decision decision;
  absl::Status status;
  if (comm_->rank() == 0) {
    absl::StatusOr<StageManifest> e = Expected(stage);
    if (e.ok()) {
      expected = *std::move(e);
      absl::StatusOr<Decision> d = Decide(stage, expected, &record);
      if (d.ok()) {
        decision = *d;
      } else {
        status = d.status();
      }
    } else {
      status = e.status();
    }
    if (status.ok() && !decision.skip) {
      status = CleanStageDir(stage.dir(), decision.keep_checkpoints ? stage.checkpoints()
                                                                    : std::vector<std::string>{});
    }
    if (status.ok() && !decision.skip) status = WriteManifest(StartedPath(stage.dir()), expected);
  }
  if (absl::Status s = comm_->AgreeOk(status); !s.ok()) return s;
  std::string shared = decision.skip ? "s" : decision.keep_checkpoints ? "k" : "r";
  if (absl::Status s = comm_->Broadcast(&shared, 0); !s.ok()) return s;
  decision.skip = shared == "s";
  decision.keep_checkpoints = shared == "k";
  PrintProgress(index, decision);
  if (decision.skip) {
    record.status = "skipped";
    if (comm_->rank() == 0) complete_[stage.name()] = record.manifest;
    run_->stages.push_back(std::move(record));
    return absl::OkStatus();
  }
  PausePoint(stage.name(), "start", *comm_);
  bool resume = false;
  if (decision.keep_checkpoints) {
    for (const std::string& c : stage.checkpoints()) resume |= fs::exists(stage.dir() + "/" + c);
  }
  const auto start = std::chrono::steady_clock::now();
  UsageMeter meter;
  StageOutputs outputs;
  if (absl::Status s = Execute(stage, resume, &outputs); !s.ok()) return s;
  if (outputs.stopped) {
    run_->stopped = true;
    return absl::OkStatus();
  }
  PausePoint(stage.name(), "outputs", *comm_);
  const double wall = SecondsSince(start);
  std::string usage;
  meter.Finish().SerializeToString(&usage);
  std::vector<std::string> usages;
  if (absl::Status s = comm_->Gather(usage, &usages, 0); !s.ok()) return s;
  if (comm_->rank() == 0) {
    StageManifest& m = expected;
    for (const std::string& path : outputs.files) {
      absl::StatusOr<FileFingerprint> fp = ChecksumFile(path);
      if (!fp.ok()) {
        status = fp.status();
        break;
      }
      *m.add_output() = *fp;
    }
    for (const std::string& u : usages) m.add_rank()->ParseFromString(u);
    m.set_wall_seconds(wall);
    m.set_work_items(outputs.work_items);
    m.set_work_unit(outputs.work_unit);
    m.set_finished_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
    m.set_ranks(comm_->size());
    m.set_threads(ResolveThreads(pipeline_.runtime(), *comm_));
    *m.mutable_build() = GetBuildInfo();
    if (status.ok()) status = WriteManifest(ManifestPath(stage.dir()), m);
    if (status.ok()) {
      std::error_code error;
      fs::remove(StartedPath(stage.dir()), error);
    }
    record.manifest = m;
    complete_[stage.name()] = m;
  }
  if (absl::Status s = comm_->AgreeOk(status); !s.ok()) return s;
  timed_cost_ += stage.estimated_cost();
  timed_seconds_ += wall;
  record.status = decision.status;
  record.reason = decision.reason;
  run_->stages.push_back(std::move(record));
  return absl::OkStatus();
}

absl::Status PipelineRunner::Run(const std::string& config_path) {
  run_->ranks = comm_->size();
  run_->threads = ResolveThreads(pipeline_.runtime(), *comm_);
  if (absl::Status s = Prepare(); !s.ok()) return s;
  for (size_t i = 0; i < stages_.size(); ++i) {
    if (absl::Status s = RunStage(i); !s.ok()) return s;
    if (run_->stopped) {
      if (comm_->rank() == 0) {
        std::printf("wordmill run: stopped in %s (stop_after_epochs); run again to continue\n",
                    stages_[i]->name().c_str());
      }
      return absl::OkStatus();
    }
  }
  run_->seconds = SecondsSince(start_);
  absl::Status status;
  if (comm_->rank() == 0) {
    for (const std::unique_ptr<Stage>& stage : stages_) {
      status = stage->AddToReport(run_);
      if (!status.ok()) break;
    }
    if (status.ok()) status = WriteReports(pipeline_, config_path, *run_);
  }
  return comm_->AgreeOk(status);
}

}  // namespace

absl::Status RunPipeline(const Pipeline& pipeline, const std::string& config_path,
                         Communicator* comm, PipelineRun* run) {
  PipelineRunner runner(pipeline, comm, run);
  return runner.Run(config_path);
}

}  // namespace wordmill
