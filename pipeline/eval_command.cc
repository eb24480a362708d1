// `wordmill eval` (analogies and word similarity) and `wordmill neighbors`: flags -> spec ->
// embeddings/evaluation -> a table on stdout. Nothing is written to disk. Rank 0 does the work;
// the other ranks of an mpirun job only agree on the exit code.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "embeddings/eval_data.h"
#include "embeddings/evaluation.h"
#include "formats/embedding_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"

namespace wordmill {
namespace {

constexpr char kEvalUsage[] =
    "wordmill eval --vectors FILE [--analogy FILE] [--similarity FILE ...] "
    "[--restrict-vocab 30000]";
constexpr char kEvalSummary[] =
    "Evaluates word vectors (word2vec text or binary, GloVe text; detected) as gensim does: "
    "analogy accuracy per section with 3CosAdd and 3CosMul over the --restrict-vocab most "
    "frequent words (questions with other words are skipped and counted), and Spearman's rho "
    "between cosine and human scores for each --similarity file (pairs with unknown words "
    "skipped and counted). Prints a table; writes nothing.";
constexpr char kNeighborsUsage[] = "wordmill neighbors --vectors FILE [--k 10] WORD...";
constexpr char kNeighborsSummary[] =
    "Prints the k nearest words to each WORD by cosine similarity (the word itself excluded).";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::StatusOr<EmbeddingMatrix> LoadVectors(const std::string& path, const char* command) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<EmbeddingMatrix> m = ReadEmbeddings(path);
  if (!m.ok()) return m.status();
  std::printf("wordmill %s: %s: %lld words x %d dimensions, read in %.2f s\n", command,
              path.c_str(), static_cast<long long>(m->rows()), m->dim, SecondsSince(start));
  return m;
}

void PrintAnalogyRow(const AnalogyScore& s) {
  std::printf("  %-30s %8.2f%% %8.2f%% %8lld / %lld\n", s.name.c_str(), 100 * s.accuracy_add(),
              100 * s.accuracy_mul(), static_cast<long long>(s.answered),
              static_cast<long long>(s.questions));
}

void PrintAnalogies(const EvalCommand& spec, const AnalogyResult& r, double seconds, int64_t rows) {
  std::printf("\nanalogies %s (restrict-vocab %lld, %s):\n", spec.analogy().c_str(),
              static_cast<long long>(rows),
              spec.case_insensitive() ? "case-insensitive" : "case-sensitive");
  std::printf("  %-30s %9s %9s %8s / %s\n", "section", "3CosAdd", "3CosMul", "answered", "total");
  for (const AnalogyScore& s : r.sections) PrintAnalogyRow(s);
  std::printf("  %s\n", std::string(70, '-').c_str());
  PrintAnalogyRow(r.semantic);
  PrintAnalogyRow(r.syntactic);
  PrintAnalogyRow(r.total);
  std::printf(
      "  coverage %.2f%%: %lld of %lld questions skipped (a word outside the first %lld rows); "
      "%.2f s\n",
      100 * r.coverage(), static_cast<long long>(r.total.questions - r.total.answered),
      static_cast<long long>(r.total.questions), static_cast<long long>(rows), seconds);
}

absl::Status RunEval(const EvalCommand& spec) {
  std::vector<AnalogySection> analogy;
  if (!spec.analogy().empty()) {
    absl::StatusOr<std::vector<AnalogySection>> read = ReadAnalogyFile(spec.analogy());
    if (!read.ok()) return read.status();
    analogy = *std::move(read);
  }
  std::vector<std::vector<SimilarityPair>> similarity;
  for (const std::string& path : spec.similarity()) {
    absl::StatusOr<std::vector<SimilarityPair>> read = ReadSimilarityFile(path);
    if (!read.ok()) return read.status();
    similarity.push_back(*std::move(read));
  }
  absl::StatusOr<EmbeddingMatrix> m = LoadVectors(spec.vectors(), "eval");
  if (!m.ok()) return m.status();
  if (!spec.analogy().empty()) {
    const auto start = std::chrono::steady_clock::now();
    const NormalizedVocab vocab(*m, spec.restrict_vocab(), spec.case_insensitive());
    const AnalogyResult result = EvaluateAnalogies(vocab, analogy);
    PrintAnalogies(spec, result, SecondsSince(start), vocab.rows());
  }
  if (similarity.empty()) return absl::OkStatus();
  const NormalizedVocab vocab(*m, spec.similarity_restrict_vocab(), spec.case_insensitive());
  std::printf("\nsimilarity (restrict-vocab %lld, %s):\n", static_cast<long long>(vocab.rows()),
              spec.case_insensitive() ? "case-insensitive" : "case-sensitive");
  std::printf("  %-30s %9s %9s %8s / %-8s %7s\n", "file", "Spearman", "Pearson", "used", "pairs",
              "OOV");
  for (size_t i = 0; i < similarity.size(); ++i) {
    absl::StatusOr<SimilarityScore> s = EvaluateSimilarity(vocab, similarity[i]);
    if (!s.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(spec.similarity(i), ": ", s.status().message()));
    std::printf("  %-30s %9.4f %9.4f %8lld / %-8lld %6.2f%%\n",
                BaseName(spec.similarity(i)).c_str(), s->spearman, s->pearson,
                static_cast<long long>(s->pairs - s->oov), static_cast<long long>(s->pairs),
                100 * s->oov_share());
  }
  return absl::OkStatus();
}

absl::Status RunNeighbors(const NeighborsCommand& spec) {
  absl::StatusOr<EmbeddingMatrix> m = LoadVectors(spec.vectors(), "neighbors");
  if (!m.ok()) return m.status();
  const NormalizedVocab vocab(*m, spec.restrict_vocab(), /*case_insensitive=*/false);
  std::vector<std::string> missing;
  for (const std::string& word : spec.word()) {
    absl::StatusOr<std::vector<Neighbor>> neighbors = NearestNeighbors(vocab, word, spec.k());
    if (!neighbors.ok()) {
      std::printf("\n%s: not in the vocabulary\n", word.c_str());
      missing.push_back(word);
      continue;
    }
    std::printf("\n%s:\n", word.c_str());
    for (const Neighbor& n : *neighbors) std::printf("  %-24s %8.4f\n", n.word.c_str(), n.cosine);
  }
  std::fflush(stdout);
  if (missing.empty()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(spec.vectors(), ": ", missing.size(),
                                          " word(s) not in the vocabulary: ", missing.front(),
                                          missing.size() > 1 ? ", ..." : ""));
}

}  // namespace

int RunEvalCommand(const std::vector<std::string>& args, Communicator* comm) {
  EvalCommand spec;
  const int code =
      PrepareCommand(args, "eval", kEvalUsage, kEvalSummary, &spec, comm, nullptr, [&] {
        if (spec.vectors().empty()) return absl::InvalidArgumentError("--vectors is required");
        if (spec.analogy().empty() && spec.similarity().empty()) {
          return absl::InvalidArgumentError(
              "nothing to evaluate: give --analogy and/or --similarity");
        }
        if (spec.restrict_vocab() < 0 || spec.similarity_restrict_vocab() < 0) {
          return absl::InvalidArgumentError("--restrict-vocab values must be >= 0 (0 = all)");
        }
        return absl::OkStatus();
      });
  if (code >= 0) return code;
  return FinishWithStatus(comm->rank() == 0 ? RunEval(spec) : absl::OkStatus(), comm);
}

int RunNeighborsCommand(const std::vector<std::string>& args, Communicator* comm) {
  NeighborsCommand spec;
  const int code = PrepareCommand(
      args, "neighbors", kNeighborsUsage, kNeighborsSummary, &spec, comm,
      [&](const std::string& w) { spec.add_word(w); },
      [&] {
        if (spec.vectors().empty()) return absl::InvalidArgumentError("--vectors is required");
        if (spec.word().empty()) return absl::InvalidArgumentError("no WORD given");
        if (spec.k() < 1) return absl::InvalidArgumentError("--k must be at least 1");
        if (spec.restrict_vocab() < 0) {
          return absl::InvalidArgumentError("--restrict-vocab must be >= 0 (0 = all)");
        }
        return absl::OkStatus();
      });
  if (code >= 0) return code;
  return FinishWithStatus(comm->rank() == 0 ? RunNeighbors(spec) : absl::OkStatus(), comm);
}

}  // namespace wordmill
