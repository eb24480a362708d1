#include "pipeline/run.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "formats/atomic_file.h"
#include "formats/embedding_export.h"
#include "google/protobuf/text_format.h"
#include "pipeline/manifest.h"
#include "pipeline/report.h"
#include "pipeline/stage_graph.h"
#include "pipeline/stages.h"
#include "workers/input_files.h"
#include "workers/runtime_threads.h"

namespace wordmill {
namespace {

namespace fs = std::filesystem;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Test hook: WORDMILL_PAUSE_AT=<stage>:<point> (point: start, epoch<N>, outputs) makes rank 0
// create the file $WORDMILL_PAUSE_FILE and stop there until it is killed, so tests can SIGKILL
// the whole job at an exact point of a stage.
void PausePoint(const std::string& stage, const std::string& point, const Communicator& comm) {
  static const char* const at = std::getenv("WORDMILL_PAUSE_AT");
  if (at == nullptr || comm.rank() != 0 || absl::StrCat(stage, ":", point) != at) return;
  if (const char* file = std::getenv("WORDMILL_PAUSE_FILE")) {
    WriteFileAtomically(file, absl::StrCat(getpid(), "\n")).IgnoreError();
  }
  std::fprintf(stderr, "wordmill run: paused at %s (WORDMILL_PAUSE_AT)\n", at);
  std::fflush(stderr);
  while (true) pause();
}

// Per-stage resource use of this process.
class UsageMeter {
 public:
  UsageMeter() {
    // Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so the peak is the stage's own.
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    reset_ = clear.good();
    cpu_start_ = CpuSeconds();
  }
  RankUsage Finish() const {
    RankUsage usage;
    usage.set_cpu_seconds(CpuSeconds() - cpu_start_);
    int64_t peak = reset_ ? VmHwmBytes() : 0;
    if (peak <= 0) {
      struct rusage ru;
      getrusage(RUSAGE_SELF, &ru);
      peak = static_cast<int64_t>(ru.ru_maxrss) * 1024;
    }
    usage.set_peak_rss_bytes(peak);
    return usage;
  }

 private:
  static double CpuSeconds() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
  }
  static int64_t VmHwmBytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (!absl::StartsWith(line, "VmHWM:")) continue;
      int64_t kb = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits += c;
      }
      return absl::SimpleAtoi(digits, &kb) ? kb * 1024 : 0;
    }
    return 0;
  }
  bool reset_ = false;
  double cpu_start_ = 0;
};

absl::Status CopyFileAtomically(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(from, ": cannot open"));
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out = AtomicFileWriter::Open(to);
  if (!out.ok()) return out.status();
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() <= 0) break;
    if (absl::Status s = (*out)->Write(absl::string_view(buffer.data(), in.gcount())); !s.ok()) {
      return s;
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(from, ": read error"));
  return (*out)->Commit();
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

// Removes everything under `dir` except the files named in `keep` (relative paths).
absl::Status CleanDir(const std::string& dir, const std::vector<std::string>& keep) {
  std::error_code error;
  // The manifest goes first: a stage killed while being cleaned must not look complete.
  fs::remove(ManifestPath(dir), error);
  std::set<std::string> kept;
  for (const std::string& k : keep) kept.insert(fs::path(dir + "/" + k).lexically_normal());
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    entries.push_back(it->path());
  }
  // Deepest first, so directories are empty (unless they hold a kept file) when reached.
  std::sort(entries.rbegin(), entries.rend());
  for (const fs::path& p : entries) {
    if (kept.count(p.lexically_normal().string())) continue;
    if (fs::is_directory(fs::symlink_status(p, error))) {
      if (fs::is_empty(p, error)) fs::remove(p, error);
    } else {
      fs::remove(p, error);
    }
    if (error) {
      return absl::PermissionDeniedError(
          absl::StrCat(p.string(), ": cannot remove: ", error.message()));
    }
  }
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create the stage directory: ", error.message()));
  }
  return absl::OkStatus();
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
  absl::StatusOr<StageManifest> Expected(const PlannedStage& stage);
  absl::StatusOr<Decision> Decide(const PlannedStage& stage, const StageManifest& expected,
                                  StageRecord* record);
  absl::Status Execute(const PlannedStage& stage, bool resume, StageOutputs* outputs);
  absl::Status Export(const PlannedStage& stage, StageOutputs* outputs);
  absl::Status RunStage(size_t index);
  void PrintProgress(size_t index, const Decision& decision);

  const Pipeline& pipeline_;
  Communicator* comm_;
  PipelineRun* run_;
  std::vector<PlannedStage> stages_;
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
absl::StatusOr<StageManifest> PipelineRunner::Expected(const PlannedStage& stage) {
  StageManifest m;
  m.set_stage(stage.name);
  m.set_spec_type(StageSpecType(stage));
  m.set_spec_text(StageSpecText(stage));
  if (stage.kind == StageKind::kSubwordVocab) {
    // One id shard per rank: another number of ranks needs new shards.
    m.set_spec_text(absl::StrCat(m.spec_text(), "# id shards for ", comm_->size(), " ranks\n"));
  }
  if (stage.reads_corpus) {
    for (const FileFingerprint& f : corpus_) *m.add_input() = f;
  }
  for (const auto& [upstream, file] : stage.upstream) {
    auto it = complete_.find(upstream);
    if (it == complete_.end()) {
      return absl::InternalError(absl::StrCat(stage.name, ": ", upstream, " is not complete"));
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
          absl::StrCat(stage.name, ": stage ", upstream, " did not write ", file));
    }
  }
  for (const std::string& path : stage.extra_inputs) {
    absl::StatusOr<FileFingerprint> fp = StatFile(path);
    if (!fp.ok()) return fp.status();
    *m.add_input() = *fp;
  }
  return m;
}

absl::StatusOr<Decision> PipelineRunner::Decide(const PlannedStage& stage,
                                                const StageManifest& expected,
                                                StageRecord* record) {
  Decision d;
  absl::StatusOr<StageManifest> done = ReadManifest(ManifestPath(stage.dir));
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
  absl::StatusOr<StageManifest> started = ReadManifest(StartedPath(stage.dir));
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

absl::Status PipelineRunner::Execute(const PlannedStage& stage, bool resume,
                                     StageOutputs* outputs) {
  const int epochs = stage.kind == StageKind::kSgns    ? stage.sgns.sgns().epochs()
                     : stage.kind == StageKind::kGlove ? stage.glove.glove().epochs()
                                                       : 0;
  const auto stage_start = std::chrono::steady_clock::now();
  int first_epoch = -1;
  const EpochCallback on_epoch = [&](int epoch) {
    // The overall ETA from this stage's own pace (epochs of this run) and the estimates of the
    // stages after it.
    if (first_epoch < 0) first_epoch = epoch - 1;
    if (comm_->rank() == 0 && epochs > first_epoch) {
      const double done = static_cast<double>(epoch - first_epoch) / (epochs - first_epoch);
      const double elapsed = SecondsSince(stage_start);
      const double stage_left = elapsed / done - elapsed;
      const double scale =
          timed_cost_ > 0 ? timed_seconds_ / timed_cost_ : (elapsed / done) / stage.estimated_cost;
      double later = 0;
      for (size_t i = index_ + 1; i < stages_.size(); ++i) later += stages_[i].estimated_cost;
      std::fprintf(stderr, "wordmill run: [%zu/%zu] %s: epoch %d/%d; overall ETA %.0f s\n",
                   index_ + 1, stages_.size(), stage.name.c_str(), epoch, epochs,
                   stage_left + later * scale);
      std::fflush(stderr);
    }
    PausePoint(stage.name, absl::StrCat("epoch", epoch), *comm_);
  };
  switch (stage.kind) {
    case StageKind::kVocab:
      return RunVocabStage(stage.vocab, comm_, outputs);
    case StageKind::kCooccur:
      return RunCooccurStage(stage.cooccur, comm_, outputs, stage.encoded_ids);
    case StageKind::kTokenizer:
      return RunTokenizerTrainStage(stage.tokenizer_train, comm_, outputs);
    case StageKind::kSubwordVocab:
      return RunSubwordVocabStage(stage.encode, stage.vocab.tokenizer(), stage.dir, comm_, outputs);
    case StageKind::kSgns: {
      SgnsCommand spec = stage.sgns;
      spec.set_resume(resume);
      return RunSgnsStage(spec, comm_, outputs, on_epoch, stage.encoded_ids);
    }
    case StageKind::kGlove: {
      GloveCommand spec = stage.glove;
      spec.set_resume(resume);
      return RunGloveStage(spec, comm_, outputs, on_epoch);
    }
    case StageKind::kEval: {
      absl::Status status;
      if (comm_->rank() == 0) {
        absl::StatusOr<EvaluationResult> result = EvaluateVectors(stage.eval, stage.neighbors);
        if (result.ok()) {
          std::string text;
          google::protobuf::TextFormat::PrintToString(*result, &text);
          const std::string path = stage.dir + "/scores.textproto";
          status = WriteFileAtomically(path, text);
          outputs->files = {path};
          outputs->work_items = result->rows();
          outputs->work_unit = "words";
        } else {
          status = result.status();
        }
      }
      return comm_->AgreeOk(status);
    }
    case StageKind::kExport: {
      absl::Status status;
      if (comm_->rank() == 0) status = Export(stage, outputs);
      return comm_->AgreeOk(status);
    }
  }
  return absl::InternalError("unknown stage kind");
}

// The export stage (rank 0): every ExportSpec through formats/embedding_export.h, recording the
// model's training spec in the .wmv headers, then vocab.tsv copied alongside.
absl::Status PipelineRunner::Export(const PlannedStage& stage, StageOutputs* outputs) {
  const google::protobuf::Message* producer = nullptr;
  for (const PlannedStage& s : stages_) {
    if (s.model != stage.model) continue;
    if (s.kind == StageKind::kSgns) producer = &s.sgns;
    if (s.kind == StageKind::kGlove) producer = &s.glove;
  }
  for (const ExportSpec& spec : stage.exports) {
    absl::StatusOr<ExportResult> result = ExportEmbeddings(spec, producer);
    if (!result.ok()) return result.status();
    outputs->files.insert(outputs->files.end(), result->files.begin(), result->files.end());
    outputs->work_items += result->rows;
    if (!spec.row_order().empty()) {
      std::printf(
          "wordmill run: %s: %s: %lld rows in the order of %s (%lld tokens never occurred "
          "in the model: rows filled by %s)\n",
          stage.name.c_str(), spec.basename().c_str(), static_cast<long long>(result->rows),
          spec.row_order().c_str(), static_cast<long long>(result->unknown_rows),
          UnknownRowInit_Name(spec.unknown_rows()).c_str());
      std::fflush(stdout);
    }
  }
  outputs->work_unit = "rows";
  const std::string vocab = stage.export_dir + "/vocab.tsv";
  outputs->files.push_back(vocab);
  return CopyFileAtomically(WorkDir(pipeline_) + "/vocab/vocab.tsv", vocab);
}

void PipelineRunner::PrintProgress(size_t index, const Decision& decision) {
  if (comm_->rank() != 0) return;
  const PlannedStage& stage = stages_[index];
  std::string eta = "ETA after the first timed stage";
  if (timed_cost_ > 0) {
    double remaining = 0;
    for (size_t i = index; i < stages_.size(); ++i) remaining += stages_[i].estimated_cost;
    eta =
        absl::StrFormat("overall ETA %.0f s (estimate)", remaining * timed_seconds_ / timed_cost_);
  }
  std::fprintf(stderr, "wordmill run: [%zu/%zu] %s: %s%s; %.1f s elapsed%s\n", index + 1,
               stages_.size(), stage.name.c_str(),
               decision.skip ? "complete, outputs verified, skipped" : decision.status.c_str(),
               decision.reason.empty() ? "" : absl::StrCat(" (", decision.reason, ")").c_str(),
               SecondsSince(start_), decision.skip ? "" : absl::StrCat(", ", eta).c_str());
  std::fflush(stderr);
}

absl::Status PipelineRunner::RunStage(size_t index) {
  const PlannedStage& stage = stages_[index];
  index_ = index;
  StageRecord record;
  record.name = stage.name;
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
      status = CleanDir(stage.dir,
                        decision.keep_checkpoints ? stage.checkpoints : std::vector<std::string>{});
    }
    if (status.ok() && !decision.skip) status = WriteManifest(StartedPath(stage.dir), expected);
  }
  if (absl::Status s = comm_->AgreeOk(status); !s.ok()) return s;
  std::string shared = decision.skip ? "s" : decision.keep_checkpoints ? "k" : "r";
  if (absl::Status s = comm_->Broadcast(&shared, 0); !s.ok()) return s;
  decision.skip = shared == "s";
  decision.keep_checkpoints = shared == "k";
  PrintProgress(index, decision);
  if (decision.skip) {
    record.status = "skipped";
    if (comm_->rank() == 0) complete_[stage.name] = record.manifest;
    run_->stages.push_back(std::move(record));
    return absl::OkStatus();
  }
  PausePoint(stage.name, "start", *comm_);
  bool resume = false;
  if (decision.keep_checkpoints) {
    for (const std::string& c : stage.checkpoints) resume |= fs::exists(stage.dir + "/" + c);
  }
  const auto start = std::chrono::steady_clock::now();
  UsageMeter meter;
  StageOutputs outputs;
  if (absl::Status s = Execute(stage, resume, &outputs); !s.ok()) return s;
  if (outputs.stopped) {
    run_->stopped = true;
    return absl::OkStatus();
  }
  PausePoint(stage.name, "outputs", *comm_);
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
    if (status.ok()) status = WriteManifest(ManifestPath(stage.dir), m);
    if (status.ok()) {
      std::error_code error;
      fs::remove(StartedPath(stage.dir), error);
    }
    record.manifest = m;
    complete_[stage.name] = m;
  }
  if (absl::Status s = comm_->AgreeOk(status); !s.ok()) return s;
  timed_cost_ += stage.estimated_cost;
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
                    stages_[i].name.c_str());
      }
      return absl::OkStatus();
    }
  }
  run_->seconds = SecondsSince(start_);
  absl::Status status;
  if (comm_->rank() == 0) {
    for (const PlannedStage& stage : stages_) {
      if (stage.kind != StageKind::kEval) continue;
      EvaluationResult result;
      absl::StatusOr<std::string> text = ReadFileToString(stage.dir + "/scores.textproto");
      if (!text.ok() || !google::protobuf::TextFormat::ParseFromString(*text, &result)) {
        status = absl::DataLossError(absl::StrCat(stage.dir, "/scores.textproto: unreadable"));
        break;
      }
      run_->evaluations.push_back(std::move(result));
      run_->models.push_back(pipeline_.model(stage.model).name());
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
