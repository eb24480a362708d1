// report.json and report.md of a `wordmill run`: per stage its status (ran, resumed, redone,
// skipped), wall time, CPU time and peak memory of every rank, throughput, then the evaluation
// table and nearest neighbours of every model, and where the outputs are.
#ifndef WORDMILL_PIPELINE_REPORT_H_
#define WORDMILL_PIPELINE_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "formats/wordmill.pb.h"
#include "pipeline/run.h"

namespace wordmill {

std::string ReportJson(const Pipeline& pipeline, const std::string& config_path,
                       const PipelineRun& run);
std::string ReportMarkdown(const Pipeline& pipeline, const std::string& config_path,
                           const PipelineRun& run);
// Writes both into output_dir, atomically.
absl::Status WriteReports(const Pipeline& pipeline, const std::string& config_path,
                          const PipelineRun& run);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_REPORT_H_
