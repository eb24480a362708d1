// `wordmill run CONFIG`: the whole pipeline from one config file (pipeline/run.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pipeline/commands.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/run.h"
#include "pipeline/stages.h"

namespace wordmill {
namespace {

constexpr char kUsage[] =
    "[mpirun -np N] wordmill run CONFIG [--set FIELD=VALUE]... [--print-spec]";
constexpr char kHelp[] =
    "Runs the pipeline described by CONFIG (a wordmill.Pipeline in protobuf text format; see\n"
    "pipeline/examples/ and formats/wordmill.proto): vocabulary, co-occurrence counts, every\n"
    "model, evaluation, export of the vectors to output_dir/<model>/, then report.json and\n"
    "report.md in output_dir. Each stage works in work_dir/<stage> and writes a manifest when\n"
    "complete; a rerun skips complete stages whose spec and inputs did not change, redoes the\n"
    "rest, and trainers continue from their last epoch checkpoint after a killed run.\n\n"
    "  --set FIELD=VALUE  override a config field, e.g. --set input.input=/data/corpus\n"
    "                     --set model[0].sgns.epochs=3 --set runtime.threads=1 (repeatable; a\n"
    "                     repeated field is replaced by all --set values naming it)\n"
    "  --print-spec       print the effective config (defaults filled in) and exit\n"
    "  --help             this text\n";

// The file names the export stage of `model` wrote, space-separated.
std::string ExportedFiles(const PipelineRun& run, const std::string& model) {
  std::string names;
  for (const StageRecord& s : run.stages) {
    if (s.name != "export-" + model) continue;
    for (const FileFingerprint& f : s.manifest.output()) {
      absl::StrAppend(&names, " ", f.path().substr(f.path().rfind('/') + 1));
    }
  }
  return names;
}

void PrintOutcome(const Pipeline& pipeline, const PipelineRun& run) {
  int ran = 0;
  for (const StageRecord& s : run.stages) ran += s.status != "skipped";
  std::printf(
      "\nwordmill run: %zu stage(s), %d run, %zu skipped, in %.2f s on %d rank(s) x %d "
      "thread(s)\n",
      run.stages.size(), ran, run.stages.size() - ran, run.seconds, run.ranks, run.threads);
  for (size_t i = 0; i < run.evaluations.size(); ++i) {
    std::printf("\n== evaluation of %s (%s)\n", run.models[i].c_str(),
                run.evaluations[i].vectors().c_str());
    PrintEvaluation(pipeline.evaluation(), run.evaluations[i]);
  }
  std::printf("\noutputs:\n");
  for (const PipelineModel& m : pipeline.model()) {
    std::printf("  %s/%s/ %s\n", pipeline.output_dir().c_str(), m.name().c_str(),
                ExportedFiles(run, m.name()).c_str());
  }
  std::printf("  %s/report.md  %s/report.json\n", pipeline.output_dir().c_str(),
              pipeline.output_dir().c_str());
  std::fflush(stdout);
}

}  // namespace

int RunPipelineCommand(const std::vector<std::string>& args, Communicator* comm) {
  std::string config;
  std::vector<std::string> overrides;
  bool print_spec = false;
  std::string error;
  for (size_t i = 0; i < args.size() && error.empty(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      if (comm->rank() == 0) std::printf("usage: %s\n\n%s", kUsage, kHelp);
      return 0;
    } else if (a == "--print-spec") {
      print_spec = true;
    } else if (a == "--set") {
      if (i + 1 == args.size()) {
        error = "--set needs FIELD=VALUE";
      } else {
        overrides.push_back(args[++i]);
      }
    } else if (absl::StartsWith(a, "--set=")) {
      overrides.push_back(a.substr(6));
    } else if (absl::StartsWith(a, "-")) {
      error = absl::StrCat("unknown flag '", a, "'");
    } else if (config.empty()) {
      config = a;
    } else {
      error = absl::StrCat("unexpected argument '", a, "' (one CONFIG)");
    }
  }
  if (error.empty() && config.empty()) error = "no CONFIG given";
  if (!error.empty()) {
    if (comm->rank() == 0) {
      std::fprintf(stderr, "wordmill run: %s\nusage: %s\n", error.c_str(), kUsage);
    }
    return 2;
  }
  absl::StatusOr<Pipeline> pipeline = LoadPipelineConfig(config, overrides);
  if (!pipeline.ok()) {
    if (comm->rank() == 0) {
      std::fprintf(stderr, "wordmill run: %s\n", std::string(pipeline.status().message()).c_str());
    }
    return ExitCodeFor(pipeline.status());
  }
  if (print_spec) {
    if (comm->rank() == 0) std::printf("%s", EffectivePipelineText(*pipeline).c_str());
    return 0;
  }
  PipelineRun run;
  absl::Status status = RunPipeline(*pipeline, config, comm, &run);
  if (status.ok() && !run.stopped && comm->rank() == 0) PrintOutcome(*pipeline, run);
  return FinishWithStatus(status, comm);
}

}  // namespace wordmill
