// `wordmill export`: flags -> ExportSpec -> formats/embedding_export -> a list of the files
// written. Rank 0 does the work; the other ranks of an mpirun job only agree on the exit code.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/embedding_export.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"

namespace wordmill {
namespace {

constexpr char kExportUsage[] =
    "wordmill export --input FILE --output-dir DIR [--formats wmv ...] [--dtype float16] "
    "[--normalize] [--row-order tokens.txt] [--unknown-rows zero|random|mean]";
constexpr char kExportSummary[] =
    "Converts word vectors (any format, detected from the content by formats/vectors.h: .wmv, "
    ".npy + vocab.txt, word2vec text or binary, fastText .vec, GloVe text) into the hand-off "
    "formats: word2vec text (B.txt) and binary (B.bin), GloVe text "
    "(B.glove.txt), fastText (B.vec), NumPy (B.npy + B.vocab.txt) and the shared embedding "
    "file B.wmv (mmap-able; formats/wmv_file.h, scripts/wmv.py). Files appear only when all are "
    "complete.";

const char* UnknownRowRuleName(UnknownRowInit rule) {
  switch (rule) {
    case UNKNOWN_ROWS_RANDOM:
      return "random";
    case UNKNOWN_ROWS_MEAN:
      return "mean";
    default:
      return "zero";
  }
}

absl::Status RunExport(const ExportCommand& command) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ExportResult> result = ExportEmbeddings(command.export_(), &command);
  if (!result.ok()) return result.status();
  const ExportSpec& spec = command.export_();
  std::printf("wordmill export: %s: %lld rows x %d dimensions%s\n", spec.input().c_str(),
              static_cast<long long>(result->rows), result->dim,
              spec.normalize() ? ", L2-normalized" : "");
  if (!spec.row_order().empty()) {
    std::printf(
        "  row order %s: %lld tokens missing from the input (initialized: %s), %lld input rows "
        "dropped\n",
        spec.row_order().c_str(), static_cast<long long>(result->unknown_rows),
        UnknownRowRuleName(spec.unknown_rows()), static_cast<long long>(result->dropped_rows));
  }
  for (const std::string& file : result->files) {
    struct stat info;
    const long long bytes = ::stat(file.c_str(), &info) == 0 ? info.st_size : -1;
    std::printf("  %-40s %12lld bytes\n", file.c_str(), bytes);
  }
  std::printf("  %.2f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return absl::OkStatus();
}

}  // namespace

int RunExportCommand(const std::vector<std::string>& args, Communicator* comm) {
  ExportCommand command;
  const int code =
      PrepareCommand(args, "export", kExportUsage, kExportSummary, &command, comm, nullptr, [&] {
        if (command.export_().input().empty()) {
          return absl::InvalidArgumentError("--input is required");
        }
        if (command.export_().output_dir().empty()) {
          return absl::InvalidArgumentError("--output-dir is required");
        }
        return absl::OkStatus();
      });
  if (code >= 0) return code;
  return FinishWithStatus(comm->rank() == 0 ? RunExport(command) : absl::OkStatus(), comm);
}

}  // namespace wordmill
