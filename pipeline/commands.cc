#include "pipeline/commands.h"

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "formats/record_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/spec_flags.h"

namespace wordmill {

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
      return 2;
    default:
      return 1;
  }
}

int FinishWithStatus(const absl::Status& status, Communicator* comm) {
  if (!status.ok() && status.code() != absl::StatusCode::kAborted) {
    std::fprintf(stderr, "wordmill: error: %s\n", std::string(status.message()).c_str());
  }
  absl::StatusOr<int64_t> code = comm->MaxInt64(ExitCodeFor(status));
  return code.ok() ? static_cast<int>(*code) : 1;
}

int PrepareCommand(const std::vector<std::string>& args, const char* name, const char* usage,
                   const char* summary, google::protobuf::Message* spec, Communicator* comm,
                   const std::function<void(const std::string&)>& take_positional,
                   const std::function<absl::Status()>& validate) {
  CommandLine command_line;
  absl::Status parsed = ParseSpecFlags(args, spec, &command_line);
  if (parsed.ok() && command_line.help) {
    if (comm->rank() == 0) {
      std::printf("%s", SpecHelp(usage, summary, spec->GetDescriptor()).c_str());
    }
    return 0;
  }
  if (parsed.ok() && !command_line.positional.empty()) {
    if (take_positional) {
      for (const std::string& p : command_line.positional) take_positional(p);
    } else {
      parsed = absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", command_line.positional[0], "'"));
    }
  }
  if (parsed.ok() && command_line.print_spec) {
    if (comm->rank() == 0) std::printf("%s", EffectiveSpecText(*spec).c_str());
    return 0;
  }
  if (parsed.ok()) parsed = validate();
  if (parsed.ok()) return -1;
  // Every rank parsed the same arguments, so every rank fails here; rank 0 speaks.
  if (comm->rank() == 0) {
    std::fprintf(stderr, "wordmill %s: %s\nusage: %s\n", name,
                 std::string(parsed.message()).c_str(), usage);
  }
  return 2;
}

absl::Status CreateOutputDir(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": exists and is not a directory"));
  }
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create the directory: ", error.message()));
  }
  return absl::OkStatus();
}

int RunInspectCommand(const std::vector<std::string>& args, Communicator* comm) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf(
        "usage: wordmill inspect FILE...\n\nVerifies every block of wordmill record files "
        "(magic, header, checksums, sizes, counts) and prints each header. Exit 2 if any file is "
        "corrupt or truncated.\n");
    return args.empty() ? 2 : 0;
  }
  absl::Status status;
  for (const std::string& path : args) {
    absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
    if (!reader.ok()) {
      status = reader.status();
      break;
    }
    absl::string_view record;
    int64_t records = 0, bytes = 0;
    absl::StatusOr<bool> more;
    while ((more = (*reader)->Next(&record)).ok() && *more) {
      ++records;
      bytes += static_cast<int64_t>(record.size());
    }
    if (!more.ok()) {
      status = more.status();
      break;
    }
    if (comm->rank() == 0) {
      const RecordFileHeader& h = (*reader)->header();
      std::printf("%s: ok: %lld records (%lld bytes) in %llu blocks, type %s, format v%u\n",
                  path.c_str(), static_cast<long long>(records), static_cast<long long>(bytes),
                  static_cast<unsigned long long>(h.block_count()), h.record_type().c_str(),
                  h.format_version());
      for (const auto& [key, value] : h.metadata()) {
        std::printf("  %s: %s\n", key.c_str(), value.c_str());
      }
      if (!h.spec_type().empty()) {
        std::printf("  spec (%s):\n    %s\n", h.spec_type().c_str(),
                    absl::StrJoin(absl::StrSplit(h.spec_text(), '\n', absl::SkipEmpty()), "\n    ")
                        .c_str());
      }
    }
  }
  return FinishWithStatus(status, comm);
}

int RunHelpCommand(const std::vector<std::string>& args, Communicator* comm) {
  if (!args.empty() && args[0] == "vocab") return RunVocabCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "tokenize") return RunTokenizeCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "inspect") return RunInspectCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "tokenizer") return RunTokenizerCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "cooccur") return RunCooccurCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "glove") return RunGloveCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "sgns") return RunSgnsCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "eval") return RunEvalCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "neighbors") return RunNeighborsCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "export") return RunExportCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "run") return RunPipelineCommand({"--help"}, comm);
  if (!args.empty() && args[0] == "rnn") return RunRnnCommand({"--help"}, comm);
  if (comm->rank() == 0) {
    std::printf(
        "wordmill: corpora to vocabularies, co-occurrence counts and embeddings, across the ranks "
        "of an MPI job.\n\n"
        "usage: [mpirun -np N] wordmill COMMAND [flags]\n\n"
        "Commands:\n"
        "  vocab     read the corpus once across ranks and threads; write the global vocabulary\n"
        "  tokenize  write the token stream as plain text (one paragraph per line)\n"
        "  inspect   verify and describe wordmill record files\n"
        "  tokenizer train|encode|decode|export a subword tokenizer (BPE, WordPiece, Unigram)\n"
        "  cooccur   count word co-occurrences across ranks in bounded memory (GloVe's input)\n"
        "  glove     train GloVe word vectors from the co-occurrence shards across ranks\n"
        "  sgns      train skip-gram or CBOW word vectors (word2vec) across ranks and threads\n"
        "  eval      analogy accuracy and word-similarity correlation of word vectors\n"
        "  neighbors the nearest words by cosine similarity\n"
        "  export    write vectors as word2vec, GloVe, fastText .vec, NumPy .npy and shared .wmv\n"
        "  rnn train|eval|predict|sample LSTM/GRU classifiers, taggers, language models on the\n"
        "            vectors (data parallel across ranks and threads)\n"
        "  run       the whole pipeline from one config file, resumable (pipeline/examples/)\n"
        "  version   version, git commit, build flags and library versions (also --version)\n"
        "  help      this text; `wordmill help COMMAND` or `wordmill COMMAND --help` for flags\n\n"
        "Every flag maps to a field of formats/wordmill.proto; `--print-spec` prints the effective "
        "spec.\n");
  }
  return 0;
}

}  // namespace wordmill
