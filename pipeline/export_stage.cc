// The `export-<model>` stage: every Pipeline.exports entry (none listed = every format under
// the basename `vectors`) through formats/embedding_export.h into output_dir/<model>/, with the
// model's training spec in the .wmv headers, and vocab.tsv copied beside them. Subword
// pipelines order the rows by token id (the vocab stage's tokens.txt).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "formats/embedding_export.h"
#include "formats/file_util.h"
#include "pipeline/stage.h"

namespace wordmill {
namespace {

class ExportStage : public Stage {
 public:
  ExportStage(const PlanContext& c, int m)
      : Stage("export-" + c.pipeline.model(m).name(),
              c.StageDir("export-" + c.pipeline.model(m).name())),
        trainer_("model-" + c.pipeline.model(m).name()),
        export_dir_(absl::StrCat(c.pipeline.output_dir(), "/", c.pipeline.model(m).name())),
        vocab_(c.StageFile("vocab", "vocab.tsv")) {
    inputs_.upstream = {{trainer_, "vectors.bin"}, {"vocab", "vocab.tsv"}};
    for (const ExportSpec& e : c.pipeline.exports()) exports_.push_back(e);
    if (exports_.empty()) exports_.emplace_back();
    for (ExportSpec& e : exports_) {
      e.set_input(c.StageFile(trainer_, "vectors.bin"));
      e.set_output_dir(export_dir_);
      // Subword pipelines: rows in token-id order unless the config orders them otherwise.
      if (!e.row_order().empty()) {
        inputs_.files.push_back(e.row_order());
      } else if (c.subword()) {
        e.set_row_order(c.StageFile("vocab", "tokens.txt"));  // fingerprinted as upstream
      }
    }
    estimated_cost_ = 0.5 * exports_.size();
    if (c.subword()) inputs_.upstream.push_back({"vocab", "tokens.txt"});
  }
  std::string SpecType() const override { return ExportSpec::descriptor()->full_name(); }
  std::string SpecText(int) const override {
    std::string text;
    for (const ExportSpec& e : exports_) absl::StrAppend(&text, EffectiveSpecText(e), "# --\n");
    return absl::StrCat(text, "# and vocab.tsv copied to ", export_dir_, "\n");
  }
  absl::Status Run(const StageRunContext& c, StageOutputs* outputs) const override {
    absl::Status status;
    if (c.comm->rank() == 0) status = Export(c, outputs);
    return c.comm->AgreeOk(status);
  }

 private:
  // Rank 0.
  absl::Status Export(const StageRunContext& c, StageOutputs* outputs) const {
    const Stage* trainer = c.Find(trainer_);
    const google::protobuf::Message* producer = trainer ? trainer->TrainingSpec() : nullptr;
    for (const ExportSpec& spec : exports_) {
      absl::StatusOr<ExportResult> result = ExportEmbeddings(spec, producer);
      if (!result.ok()) return result.status();
      outputs->files.insert(outputs->files.end(), result->files.begin(), result->files.end());
      outputs->work_items += result->rows;
      if (!spec.row_order().empty()) {
        std::printf(
            "wordmill run: %s: %s: %lld rows in the order of %s (%lld tokens never occurred "
            "in the model: rows filled by %s)\n",
            name().c_str(), spec.basename().c_str(), static_cast<long long>(result->rows),
            spec.row_order().c_str(), static_cast<long long>(result->unknown_rows),
            UnknownRowInit_Name(spec.unknown_rows()).c_str());
        std::fflush(stdout);
      }
    }
    outputs->work_unit = "rows";
    const std::string vocab = export_dir_ + "/vocab.tsv";
    outputs->files.push_back(vocab);
    return CopyFileAtomically(vocab_, vocab);
  }

  std::string trainer_;              // the model's training stage, model-<name>
  std::string export_dir_;           // output_dir/<model>
  std::string vocab_;                // the vocab stage's vocab.tsv, copied into export_dir_
  std::vector<ExportSpec> exports_;  // input and output_dir filled in
};

}  // namespace

void PlanExportStage(const PlanContext& context, int model, StageList* out) {
  out->push_back(std::make_unique<ExportStage>(context, model));
}

}  // namespace wordmill
