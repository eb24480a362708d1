#include "pipeline/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "formats/atomic_file.h"
#include "pipeline/build_info.h"

namespace wordmill {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) { return absl::StrFormat("%.6g", v); }

double Throughput(const StageManifest& m) {
  return m.wall_seconds() > 0 ? m.work_items() / m.wall_seconds() : 0;
}

double MaxPeakMb(const StageManifest& m) {
  int64_t peak = 0;
  for (const RankUsage& r : m.rank()) peak = std::max(peak, r.peak_rss_bytes());
  return peak / 1048576.0;
}

double CpuSum(const StageManifest& m) {
  double cpu = 0;
  for (const RankUsage& r : m.rank()) cpu += r.cpu_seconds();
  return cpu;
}

std::string HumanRate(double v) {
  if (v >= 1e9) return absl::StrFormat("%.2f G", v / 1e9);
  if (v >= 1e6) return absl::StrFormat("%.2f M", v / 1e6);
  if (v >= 1e3) return absl::StrFormat("%.1f k", v / 1e3);
  return absl::StrFormat("%.0f ", v);
}

const EvaluationResult::Analogy* FindAnalogy(const EvaluationResult& e, const std::string& name) {
  for (const EvaluationResult::Analogy& a : e.analogy()) {
    if (a.section() == name) return &a;
  }
  return nullptr;
}

}  // namespace

std::string ReportJson(const Pipeline& pipeline, const std::string& config_path,
                       const PipelineRun& run) {
  std::string j = "{\n";
  absl::StrAppend(&j, "  \"config\": ", JsonString(config_path), ",\n");
  absl::StrAppend(&j, "  \"output_dir\": ", JsonString(pipeline.output_dir()), ",\n");
  const BuildInfo& build = GetBuildInfo();
  absl::StrAppend(&j, "  \"wordmill\": {\"version\": ", JsonString(build.version()),
                  ", \"git_commit\": ", JsonString(build.git_commit()),
                  ", \"build_type\": ", JsonString(build.build_type()),
                  ", \"arch_flags\": ", JsonString(build.arch_flags()),
                  ", \"openmpi\": ", JsonString(build.openmpi()),
                  ", \"abseil\": ", JsonString(build.abseil()),
                  ", \"protobuf\": ", JsonString(build.protobuf()),
                  ", \"zstd\": ", JsonString(build.zstd()), "},\n");
  absl::StrAppend(&j, "  \"ranks\": ", run.ranks, ",\n  \"threads\": ", run.threads, ",\n");
  absl::StrAppend(&j, "  \"seconds\": ", JsonNumber(run.seconds), ",\n  \"stages\": [\n");
  for (size_t i = 0; i < run.stages.size(); ++i) {
    const StageRecord& s = run.stages[i];
    const StageManifest& m = s.manifest;
    absl::StrAppend(&j, "    {\"stage\": ", JsonString(s.name),
                    ", \"status\": ", JsonString(s.status), ", \"reason\": ", JsonString(s.reason),
                    ", \"wall_seconds\": ", JsonNumber(m.wall_seconds()),
                    ", \"verify_seconds\": ", JsonNumber(s.verify_seconds),
                    ", \"work_items\": ", m.work_items(),
                    ", \"work_unit\": ", JsonString(m.work_unit()),
                    ", \"per_second\": ", JsonNumber(Throughput(m)), ", \"ranks\": [");
    for (int r = 0; r < m.rank_size(); ++r) {
      absl::StrAppend(&j, r ? ", " : "", "{\"rank\": ", r,
                      ", \"cpu_seconds\": ", JsonNumber(m.rank(r).cpu_seconds()),
                      ", \"peak_rss_bytes\": ", m.rank(r).peak_rss_bytes(), "}");
    }
    absl::StrAppend(&j, "], \"outputs\": [");
    for (int o = 0; o < m.output_size(); ++o) {
      absl::StrAppend(&j, o ? ", " : "", "{\"path\": ", JsonString(m.output(o).path()),
                      ", \"size\": ", m.output(o).size(),
                      ", \"xxh3\": ", JsonString(m.output(o).xxh3()), "}");
    }
    absl::StrAppend(&j, "]}", i + 1 < run.stages.size() ? "," : "", "\n");
  }
  absl::StrAppend(&j, "  ],\n  \"evaluation\": [\n");
  for (size_t i = 0; i < run.evaluations.size(); ++i) {
    const EvaluationResult& e = run.evaluations[i];
    absl::StrAppend(&j, "    {\"model\": ", JsonString(run.models[i]),
                    ", \"vectors\": ", JsonString(e.vectors()), ", \"rows\": ", e.rows(),
                    ", \"dim\": ", e.dim(), ", \"analogy\": [");
    for (int a = 0; a < e.analogy_size(); ++a) {
      const EvaluationResult::Analogy& x = e.analogy(a);
      absl::StrAppend(&j, a ? ", " : "", "{\"section\": ", JsonString(x.section()),
                      ", \"accuracy_3cosadd\": ", JsonNumber(x.accuracy_add()),
                      ", \"accuracy_3cosmul\": ", JsonNumber(x.accuracy_mul()),
                      ", \"answered\": ", x.answered(), ", \"questions\": ", x.questions(), "}");
    }
    absl::StrAppend(&j, "], \"similarity\": [");
    for (int s = 0; s < e.similarity_size(); ++s) {
      const EvaluationResult::Similarity& x = e.similarity(s);
      absl::StrAppend(&j, s ? ", " : "", "{\"file\": ", JsonString(x.file()),
                      ", \"spearman\": ", JsonNumber(x.spearman()),
                      ", \"pearson\": ", JsonNumber(x.pearson()), ", \"pairs\": ", x.pairs(),
                      ", \"oov\": ", x.oov(), "}");
    }
    absl::StrAppend(&j, "], \"neighbors\": [");
    for (int n = 0; n < e.neighbors_size(); ++n) {
      const EvaluationResult::Neighbors& x = e.neighbors(n);
      absl::StrAppend(&j, n ? ", " : "", "{\"word\": ", JsonString(x.word()),
                      ", \"found\": ", x.found() ? "true" : "false", ", \"neighbors\": [");
      for (int k = 0; k < x.neighbor_size(); ++k) {
        absl::StrAppend(&j, k ? ", " : "", "[", JsonString(x.neighbor(k)), ", ",
                        JsonNumber(x.cosine(k)), "]");
      }
      absl::StrAppend(&j, "]}");
    }
    absl::StrAppend(&j, "]}", i + 1 < run.evaluations.size() ? "," : "", "\n");
  }
  absl::StrAppend(&j, "  ],\n  \"models\": [");
  for (size_t m = 0; m < run.trained.size(); ++m) {
    const ReportedModel& model = run.trained[m];
    absl::StrAppend(&j, m ? ", " : "", "{\"name\": ", JsonString(model.name),
                    ", \"trainer\": ", JsonString(model.trainer),
                    ", \"dir\": ", JsonString(absl::StrCat(pipeline.output_dir(), "/", model.name)),
                    "}");
  }
  absl::StrAppend(&j, "]\n}\n");
  return j;
}

std::string ReportMarkdown(const Pipeline& pipeline, const std::string& config_path,
                           const PipelineRun& run) {
  std::string md =
      absl::StrCat("# wordmill run: ", config_path, "\n\n", run.ranks, " rank(s) x ", run.threads,
                   " thread(s); this run took ", absl::StrFormat("%.2f", run.seconds),
                   " s (skipped stages show the time of the run that made them).\n\n");
  // Which build wrote this report (each stage's manifest records the build that completed it).
  absl::StrAppend(&md, "Built by:\n\n```\n", FormatBuildInfo(GetBuildInfo()), "```\n\n");
  absl::StrAppend(&md,
                  "| stage | status | wall s | CPU s (all ranks) | peak MiB (max rank) | "
                  "throughput | per rank: CPU s / peak MiB |\n"
                  "| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
  for (const StageRecord& s : run.stages) {
    const StageManifest& m = s.manifest;
    std::vector<std::string> ranks;
    for (const RankUsage& r : m.rank()) {
      ranks.push_back(
          absl::StrFormat("%.1f / %.0f", r.cpu_seconds(), r.peak_rss_bytes() / 1048576.0));
    }
    absl::StrAppend(
        &md, "| ", s.name, " | ", s.status,
        s.reason.empty() ? "" : absl::StrCat(" (", s.reason, ")"), " | ",
        absl::StrFormat("%.2f", m.wall_seconds()), " | ", absl::StrFormat("%.1f", CpuSum(m)), " | ",
        absl::StrFormat("%.0f", MaxPeakMb(m)), " | ",
        m.work_unit().empty() ? "" : absl::StrCat(HumanRate(Throughput(m)), m.work_unit(), "/s"),
        " | ", absl::StrJoin(ranks, "; "), " |\n");
  }
  if (!run.evaluations.empty()) {
    absl::StrAppend(&md,
                    "\n## Evaluation\n\n| model | rows x dim | analogy 3CosAdd (total) | "
                    "semantic | syntactic | answered |");
    const EvaluationResult& first = run.evaluations.front();
    for (const EvaluationResult::Similarity& s : first.similarity()) {
      absl::StrAppend(&md, " ", s.file().substr(s.file().rfind('/') + 1), " Spearman |");
    }
    absl::StrAppend(&md, "\n| --- | --- | ---: | ---: | ---: | ---: |");
    for (int i = 0; i < first.similarity_size(); ++i) absl::StrAppend(&md, " ---: |");
    absl::StrAppend(&md, "\n");
    for (size_t i = 0; i < run.evaluations.size(); ++i) {
      const EvaluationResult& e = run.evaluations[i];
      auto pct = [&](const char* name) {
        const EvaluationResult::Analogy* a = FindAnalogy(e, name);
        return a ? absl::StrFormat("%.2f%%", 100 * a->accuracy_add()) : std::string("-");
      };
      const EvaluationResult::Analogy* total = FindAnalogy(e, "total");
      absl::StrAppend(&md, "| ", run.models[i], " | ", e.rows(), " x ", e.dim(), " | ",
                      pct("total"), " | ", pct("semantic"), " | ", pct("syntactic"), " | ",
                      total ? absl::StrCat(total->answered(), " / ", total->questions()) : "-",
                      " |");
      for (const EvaluationResult::Similarity& s : e.similarity()) {
        absl::StrAppend(&md, absl::StrFormat(" %.4f |", s.spearman()));
      }
      absl::StrAppend(&md, "\n");
    }
    for (size_t i = 0; i < run.evaluations.size(); ++i) {
      const EvaluationResult& e = run.evaluations[i];
      if (e.neighbors_size() == 0) continue;
      absl::StrAppend(&md, "\n### Nearest neighbours: ", run.models[i], "\n\n");
      for (const EvaluationResult::Neighbors& n : e.neighbors()) {
        std::vector<std::string> list;
        for (int k = 0; k < n.neighbor_size(); ++k) {
          list.push_back(absl::StrFormat("%s %.3f", n.neighbor(k), n.cosine(k)));
        }
        absl::StrAppend(&md, "- **", n.word(),
                        "**: ", n.found() ? absl::StrJoin(list, ", ") : "(not in the vocabulary)",
                        "\n");
      }
    }
  }
  absl::StrAppend(&md, "\n## Outputs\n\n");
  for (const ReportedModel& m : run.trained) {
    absl::StrAppend(&md, "- ", m.name, " (", m.description, "): `", pipeline.output_dir(), "/",
                    m.name, "/` vectors.bin, vectors.txt, vocab.tsv\n");
  }
  return md;
}

absl::Status WriteReports(const Pipeline& pipeline, const std::string& config_path,
                          const PipelineRun& run) {
  if (absl::Status s = WriteFileAtomically(pipeline.output_dir() + "/report.json",
                                           ReportJson(pipeline, config_path, run));
      !s.ok()) {
    return s;
  }
  return WriteFileAtomically(pipeline.output_dir() + "/report.md",
                             ReportMarkdown(pipeline, config_path, run));
}

}  // namespace wordmill
