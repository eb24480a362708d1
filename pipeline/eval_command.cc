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
#include "formats/vectors.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"

namespace wordmill {
namespace {

constexpr char kEvalUsage[] =
    "wordmill eval --vectors FILE [--analogy FILE] [--similarity FILE ...] "
    "[--restrict-vocab 30000]";
constexpr char kEvalSummary[] =
    "Evaluates word vectors (any format, detected: .wmv, .npy + vocab.txt, word2vec text or "
    "binary, fastText .vec, GloVe text) as gensim does: "
    "analogy accuracy per section with 3CosAdd and 3CosMul over the --restrict-vocab most "
    "frequent words (questions with other words are skipped and counted), and Spearman's rho "
    "between cosine and human scores for each --similarity file (pairs with unknown words "
    "skipped and counted). Prints a table; writes nothing.";
constexpr char kNeighborsUsage[] = "wordmill neighbors --vectors FILE [--k 10] WORD...";
constexpr char kNeighborsSummary[] =
    "Prints the k nearest words to each WORD by cosine similarity (the word itself excluded). "
    "The vectors may be in any format (detected: .wmv, .npy + vocab.txt, word2vec text or binary, "
    "fastText .vec, GloVe text).";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Every vectors format, detected (formats/vectors.h: the one reader of all commands).
absl::StatusOr<EmbeddingMatrix> LoadVectors(const std::string& path, const char* command) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<VectorsFormat> format = DetectVectorsFormat(path);
  if (!format.ok()) return format.status();
  absl::StatusOr<EmbeddingMatrix> m = Vectors::ReadAll(path);
  if (!m.ok()) return m.status();
  std::printf("wordmill %s: %s: %lld words x %d dimensions (%s), read in %.2f s\n", command,
              path.c_str(), static_cast<long long>(m->rows()), m->dim, VectorsFormatName(*format),
              SecondsSince(start));
  return m;
}

void PrintAnalogyRow(const EvaluationResult::Analogy& s) {
  std::printf("  %-30s %8.2f%% %8.2f%% %8lld / %lld\n", s.section().c_str(), 100 * s.accuracy_add(),
              100 * s.accuracy_mul(), static_cast<long long>(s.answered()),
              static_cast<long long>(s.questions()));
}

void AddAnalogy(const AnalogyScore& s, EvaluationResult* result) {
  EvaluationResult::Analogy* a = result->add_analogy();
  a->set_section(s.name);
  a->set_accuracy_add(s.accuracy_add());
  a->set_accuracy_mul(s.accuracy_mul());
  a->set_answered(s.answered);
  a->set_questions(s.questions);
}

void PrintAnalogies(const EvalCommand& spec, const EvaluationResult& r, double seconds) {
  std::printf("\nanalogies %s (restrict-vocab %lld, %s):\n", r.analogy_file().c_str(),
              static_cast<long long>(r.analogy_rows()),
              spec.case_insensitive() ? "case-insensitive" : "case-sensitive");
  std::printf("  %-30s %9s %9s %8s / %s\n", "section", "3CosAdd", "3CosMul", "answered", "total");
  const int n = r.analogy_size();
  for (int i = 0; i < n; ++i) {
    if (i == n - 3) std::printf("  %s\n", std::string(70, '-').c_str());
    PrintAnalogyRow(r.analogy(i));
  }
  const EvaluationResult::Analogy& total = r.analogy(n - 1);
  const double coverage =
      total.questions() ? static_cast<double>(total.answered()) / total.questions() : 0;
  std::printf(
      "  coverage %.2f%%: %lld of %lld questions skipped (a word outside the first %lld rows)",
      100 * coverage, static_cast<long long>(total.questions() - total.answered()),
      static_cast<long long>(total.questions()), static_cast<long long>(r.analogy_rows()));
  if (seconds >= 0) std::printf("; %.2f s", seconds);
  std::printf("\n");
}

void PrintSimilarity(const EvalCommand& spec, const EvaluationResult& r) {
  std::printf("\nsimilarity (restrict-vocab %lld, %s):\n",
              static_cast<long long>(r.similarity_rows()),
              spec.case_insensitive() ? "case-insensitive" : "case-sensitive");
  std::printf("  %-30s %9s %9s %8s / %-8s %7s\n", "file", "Spearman", "Pearson", "used", "pairs",
              "OOV");
  for (const EvaluationResult::Similarity& s : r.similarity()) {
    std::printf("  %-30s %9.4f %9.4f %8lld / %-8lld %6.2f%%\n", BaseName(s.file()).c_str(),
                s.spearman(), s.pearson(), static_cast<long long>(s.pairs() - s.oov()),
                static_cast<long long>(s.pairs()),
                s.pairs() ? 100.0 * static_cast<double>(s.oov()) / s.pairs() : 0.0);
  }
}

// Evaluation as EvaluateVectors, with the analogy time for the printed table.
absl::StatusOr<EvaluationResult> Evaluate(const EvalCommand& spec,
                                          const NeighborsCommand& neighbors,
                                          double* analogy_seconds) {
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
  EvaluationResult result;
  result.set_vectors(spec.vectors());
  result.set_rows(m->rows());
  result.set_dim(m->dim);
  if (!spec.analogy().empty()) {
    const auto start = std::chrono::steady_clock::now();
    const NormalizedVocab vocab(*m, spec.restrict_vocab(), spec.case_insensitive());
    const AnalogyResult scores = EvaluateAnalogies(vocab, analogy);
    result.set_analogy_file(spec.analogy());
    result.set_analogy_rows(vocab.rows());
    for (const AnalogyScore& s : scores.sections) AddAnalogy(s, &result);
    AddAnalogy(scores.semantic, &result);
    AddAnalogy(scores.syntactic, &result);
    AddAnalogy(scores.total, &result);
    *analogy_seconds = SecondsSince(start);
  }
  if (!similarity.empty()) {
    const NormalizedVocab vocab(*m, spec.similarity_restrict_vocab(), spec.case_insensitive());
    result.set_similarity_rows(vocab.rows());
    for (size_t i = 0; i < similarity.size(); ++i) {
      absl::StatusOr<SimilarityScore> s = EvaluateSimilarity(vocab, similarity[i]);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(spec.similarity(i), ": ", s.status().message()));
      }
      EvaluationResult::Similarity* out = result.add_similarity();
      out->set_file(spec.similarity(i));
      out->set_spearman(s->spearman);
      out->set_pearson(s->pearson);
      out->set_pairs(s->pairs);
      out->set_oov(s->oov);
    }
  }
  if (!neighbors.word().empty()) {
    const NormalizedVocab vocab(*m, neighbors.restrict_vocab(), /*case_insensitive=*/false);
    for (const std::string& word : neighbors.word()) {
      EvaluationResult::Neighbors* out = result.add_neighbors();
      out->set_word(word);
      absl::StatusOr<std::vector<Neighbor>> found = NearestNeighbors(vocab, word, neighbors.k());
      out->set_found(found.ok());
      if (!found.ok()) continue;
      for (const Neighbor& n : *found) {
        out->add_neighbor(n.word);
        out->add_cosine(n.cosine);
      }
    }
  }
  return result;
}

absl::Status RunEval(const EvalCommand& spec) {
  double seconds = 0;
  absl::StatusOr<EvaluationResult> result = Evaluate(spec, NeighborsCommand(), &seconds);
  if (!result.ok()) return result.status();
  if (!spec.analogy().empty()) PrintAnalogies(spec, *result, seconds);
  if (!spec.similarity().empty()) PrintSimilarity(spec, *result);
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

absl::StatusOr<EvaluationResult> EvaluateVectors(const EvalCommand& eval,
                                                 const NeighborsCommand& neighbors) {
  double seconds = 0;
  return Evaluate(eval, neighbors, &seconds);
}

void PrintEvaluation(const EvalCommand& eval, const EvaluationResult& result) {
  if (result.analogy_size() >= 3) PrintAnalogies(eval, result, -1);
  if (result.similarity_size() > 0) PrintSimilarity(eval, result);
  for (const EvaluationResult::Neighbors& n : result.neighbors()) {
    if (!n.found()) {
      std::printf("\n%s: not in the vocabulary\n", n.word().c_str());
      continue;
    }
    std::printf("\n%s:\n", n.word().c_str());
    for (int i = 0; i < n.neighbor_size(); ++i) {
      std::printf("  %-24s %8.4f\n", n.neighbor(i).c_str(), n.cosine(i));
    }
  }
  std::fflush(stdout);
}

absl::Status ValidateEvalCommand(const EvalCommand& spec) {
  if (spec.vectors().empty()) return absl::InvalidArgumentError("--vectors is required");
  if (spec.analogy().empty() && spec.similarity().empty()) {
    return absl::InvalidArgumentError("nothing to evaluate: give --analogy and/or --similarity");
  }
  if (spec.restrict_vocab() < 0 || spec.similarity_restrict_vocab() < 0) {
    return absl::InvalidArgumentError("--restrict-vocab values must be >= 0 (0 = all)");
  }
  return absl::OkStatus();
}

absl::Status ValidateNeighborsCommand(const NeighborsCommand& spec) {
  if (spec.vectors().empty()) return absl::InvalidArgumentError("--vectors is required");
  if (spec.word().empty()) return absl::InvalidArgumentError("no WORD given");
  if (spec.k() < 1) return absl::InvalidArgumentError("--k must be at least 1");
  if (spec.restrict_vocab() < 0) {
    return absl::InvalidArgumentError("--restrict-vocab must be >= 0 (0 = all)");
  }
  return absl::OkStatus();
}

int RunEvalCommand(const std::vector<std::string>& args, Communicator* comm) {
  EvalCommand spec;
  const int code = PrepareCommand(args, "eval", kEvalUsage, kEvalSummary, &spec, comm, nullptr,
                                  [&] { return ValidateEvalCommand(spec); });
  if (code >= 0) return code;
  return FinishWithStatus(comm->rank() == 0 ? RunEval(spec) : absl::OkStatus(), comm);
}

int RunNeighborsCommand(const std::vector<std::string>& args, Communicator* comm) {
  NeighborsCommand spec;
  const int code = PrepareCommand(
      args, "neighbors", kNeighborsUsage, kNeighborsSummary, &spec, comm,
      [&](const std::string& w) { spec.add_word(w); },
      [&] { return ValidateNeighborsCommand(spec); });
  if (code >= 0) return code;
  return FinishWithStatus(comm->rank() == 0 ? RunNeighbors(spec) : absl::OkStatus(), comm);
}

}  // namespace wordmill
