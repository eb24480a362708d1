// `wordmill tokenizer train|encode|decode|export`: flags -> Tokenizer*Command -> the subword
// library (tokenizers/subword_model.h) and the corpus encoder (workers/subword_encoder.h).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "formats/atomic_file.h"
#include "formats/id_shard.h"
#include "formats/vocab_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "pipeline/stages.h"
#include "tokenizers/hf_export.h"
#include "tokenizers/subword_model.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"
#include "workers/subword_encoder.h"
#include "workers/runtime_threads.h"
#include "workers/vocab_builder.h"

namespace wordmill {
namespace {

constexpr char kModelFile[] = "tokenizer.wmrec";
constexpr char kVocabFile[] = "vocab.txt";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

// One token per line, line k holding id k.
std::string VocabText(const SubwordModel& model) {
  return absl::StrCat(absl::StrJoin(DisplayPieces(model), "\n"), "\n");
}

// ---------------------------------------------------------------------------------------------
// train

constexpr char kTrainUsage[] =
    "[mpirun -np N] wordmill tokenizer train --model bpe|wordpiece|unigram --vocab-size N "
    "--output-dir DIR [flags] INPUT...";
constexpr char kTrainSummary[] =
    "Counts the words of every input once across the ranks and threads (as `wordmill vocab "
    "--min-count 1`), learns a subword model from the global counts on rank 0, and writes "
    "DIR/tokenizer.wmrec (the model) and DIR/vocab.txt (one token per line, line k = id k). "
    "The model is the same for any number of ranks and threads.";

absl::Status ValidateTrain(const TokenizerTrainCommand& spec) {
  if (spec.input().input().empty()) return Bad("no input: give --input PATH or paths at the end");
  if (spec.output_dir().empty()) return Bad("--output-dir is required");
  if (spec.subword().vocab_size() < 1) return Bad("--vocab-size must be positive");
  if (spec.tokenizer().max_token_bytes() < 1) return Bad("--max-token-bytes must be at least 1");
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return Bad("--threads must be between 0 (automatic) and 4096");
  }
  return absl::OkStatus();
}

// Ids per word of the training corpus (each distinct word encoded once, weighted by count).
double TokensPerWord(const SubwordModel& model, const Vocabulary& words) {
  std::unique_ptr<SubwordEncoder> encoder = model.NewEncoder();
  TokenList one;
  std::vector<uint32_t> ids;
  double tokens = 0, total = 0;
  for (const VocabWord& w : words) {
    one.clear();
    one.Add(w.word);
    ids.clear();
    encoder->Encode(one, &ids);
    tokens += static_cast<double>(ids.size()) * static_cast<double>(w.count);
    total += static_cast<double>(w.count);
  }
  return total > 0 ? tokens / total : 0;
}

absl::Status Train(const TokenizerTrainCommand& spec, Communicator* comm) {
  const auto start = std::chrono::steady_clock::now();
  if (absl::Status s =
          comm->AgreeOk(comm->rank() == 0 ? CreateOutputDir(spec.output_dir()) : absl::OkStatus());
      !s.ok()) {
    return s;
  }
  VocabCommand count;
  *count.mutable_input() = spec.input();
  *count.mutable_tokenizer() = spec.tokenizer();
  *count.mutable_runtime() = spec.runtime();
  count.mutable_vocabulary()->set_min_count(1);
  count.set_output_dir(spec.output_dir());
  VocabularyOptions count_options;
  // Unigram's seed, as SentencePiece's, needs to know which word occurrences end a line.
  count_options.count_line_ends = spec.subword().model() == SUBWORD_UNIGRAM;
  absl::StatusOr<VocabularyResult> counted = BuildVocabulary(count, comm, count_options);
  if (!counted.ok()) return counted.status();
  const double count_seconds = SecondsSince(start);
  if (comm->rank() != 0) return comm->AgreeOk(absl::OkStatus());

  const auto train_start = std::chrono::steady_clock::now();
  WordCounts words;
  words.reserve(counted->vocab.size());
  for (const VocabWord& w : counted->vocab) words.emplace_back(w.word, w.count);
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = TrainSubwordModel(
      spec.subword(), spec.tokenizer(), std::move(words), ResolveThreads(spec.runtime(), *comm),
      count_options.count_line_ends ? &counted->line_ends : nullptr);
  const double train_seconds = SecondsSince(train_start);
  const std::string model_path = absl::StrCat(spec.output_dir(), "/", kModelFile);
  const std::string vocab_path = absl::StrCat(spec.output_dir(), "/", kVocabFile);
  absl::Status status = model.status();
  if (status.ok()) status = WriteSubwordModel(model_path, **model);
  if (status.ok()) status = WriteFileAtomically(vocab_path, VocabText(**model));
  if (absl::Status s = comm->AgreeOk(status); !s.ok()) return s;

  const SubwordModelData& data = (*model)->data();
  int specials = 0;
  for (const SubwordPiece& p : data.pieces) specials += p.special ? 1 : 0;
  const CorpusStats& stats = counted->stats;
  std::printf(
      "wordmill tokenizer train: %s%s, %zu tokens (%d special) from %lld distinct words / %lld "
      "tokens (%.1f MB) in %.2f s on %d rank(s) x %d thread(s) (counting %.2f s, training "
      "%.2f s)\n",
      SubwordModelName(data.spec.model()),
      data.spec.model() != SUBWORD_BPE ? ""
      : data.spec.byte_level()         ? " (byte-level)"
                                       : " (character-level)",
      data.pieces.size(), specials, static_cast<long long>(data.training_words),
      static_cast<long long>(data.training_tokens), stats.uncompressed_bytes() / 1e6,
      SecondsSince(start), stats.ranks(), stats.threads(), count_seconds, train_seconds);
  std::printf("  %.4f tokens per word on the training corpus%s\n",
              TokensPerWord(**model, counted->vocab),
              data.pieces.size() < static_cast<size_t>(data.spec.vocab_size())
                  ? absl::StrCat("; stopped below --vocab-size ", data.spec.vocab_size(),
                                 ": no pair occurs --min-pair-count times")
                        .c_str()
                  : "");
  std::printf("  wrote: %s %s\n", model_path.c_str(), vocab_path.c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// encode

constexpr char kEncodeUsage[] =
    "[mpirun -np N] wordmill tokenizer encode --model DIR/tokenizer.wmrec (--output-dir DIR | "
    "--output FILE) [flags] INPUT...";
constexpr char kEncodeSummary[] =
    "Tokenizes the inputs with the model's word tokenizer and segments every word with the "
    "subword model. With --output-dir every rank encodes its share with all its threads and "
    "writes an id shard (ids-<rank>-of-<ranks>.wmrec, the files the trainers read); with "
    "--output one rank writes one line per paragraph: ids, or pieces with --text-format pieces.";

absl::Status ValidateEncode(const TokenizerEncodeCommand& spec, const Communicator& comm) {
  if (spec.input().input().empty()) return Bad("no input: give --input PATH or paths at the end");
  if (spec.model().empty()) return Bad("--model is required");
  if (spec.output_dir().empty() == spec.output().empty()) {
    return Bad("give exactly one of --output-dir (id shards) and --output (text)");
  }
  if (!spec.output().empty() && comm.size() != 1) {
    return Bad("--output writes one ordered text stream: run it on one rank");
  }
  if (spec.sample_alpha() < 0) return Bad("--sample-alpha must be >= 0");
  if (spec.runtime().threads() < 0 || spec.runtime().threads() > 4096) {
    return Bad("--threads must be between 0 (automatic) and 4096");
  }
  return absl::OkStatus();
}

absl::Status EncodeText(const TokenizerEncodeCommand& spec, const SubwordModel& model) {
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(spec.input());
  if (!files.ok()) return files.status();
  absl::StatusOr<std::unique_ptr<SubwordEncoder>> encoder =
      model.NewEncoder(spec.sample_alpha(), spec.sample_seed());
  if (!encoder.ok()) return encoder.status();
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out = AtomicFileWriter::Open(spec.output());
  if (!out.ok()) return out.status();
  const std::vector<std::string> pieces = DisplayPieces(model);
  const bool as_pieces = spec.text_format() == SUBWORD_TEXT_PIECES;
  WordTokenizer tokenizer(model.data().tokenizer);
  TokenList words;
  std::vector<uint32_t> ids;
  std::string line;
  int64_t lines = 0, tokens = 0;
  for (const InputFile& file : *files) {
    absl::Status status = ForEachParagraph(file, WorkUnit{0, 0, file.size}, spec.input(),
                                           [&](const Paragraph& paragraph) {
                                             tokenizer.Tokenize(paragraph.text, &words);
                                             if (words.empty()) return absl::OkStatus();
                                             ids.clear();
                                             if (spec.add_bos_eos() && model.bos_id() >= 0)
                                               ids.push_back(model.bos_id());
                                             (*encoder)->Encode(words, &ids);
                                             if (spec.add_bos_eos() && model.eos_id() >= 0)
                                               ids.push_back(model.eos_id());
                                             line.clear();
                                             for (size_t i = 0; i < ids.size(); ++i) {
                                               if (i > 0) line.push_back(' ');
                                               if (as_pieces) {
                                                 line.append(pieces[ids[i]]);
                                               } else {
                                                 absl::StrAppend(&line, ids[i]);
                                               }
                                             }
                                             line.push_back('\n');
                                             ++lines;
                                             tokens += static_cast<int64_t>(ids.size());
                                             return (*out)->Write(line);
                                           });
    if (!status.ok()) return status;
  }
  if (absl::Status s = (*out)->Commit(); !s.ok()) return s;
  std::fprintf(stderr,
               "wordmill tokenizer encode: %zu files, %lld words -> %lld tokens, %lld lines -> "
               "%s\n",
               files->size(), static_cast<long long>(tokenizer.counters().tokens),
               static_cast<long long>(tokens), static_cast<long long>(lines),
               spec.output().c_str());
  return absl::OkStatus();
}

absl::Status Encode(const TokenizerEncodeCommand& spec, Communicator* comm) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = ReadSubwordModel(spec.model());
  if (absl::Status s = comm->AgreeOk(model.status()); !s.ok()) return s;
  if (!spec.output().empty()) return EncodeText(spec, **model);
  if (absl::Status s =
          comm->AgreeOk(comm->rank() == 0 ? CreateOutputDir(spec.output_dir()) : absl::OkStatus());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<SubwordEncodeResult> result =
      EncodeCorpusWithModel(spec, **model, EffectiveSpecText(spec), comm);
  if (!result.ok()) return result.status();
  if (comm->rank() == 0) {
    const double seconds = SecondsSince(start);
    std::printf(
        "wordmill tokenizer encode: %.1f MB, %lld words -> %lld tokens (%.4f per word) in %.2f s "
        "(%.1f MB/s) on %d rank(s) x %d thread(s)\n  wrote: %s\n",
        result->bytes / 1e6, static_cast<long long>(result->words),
        static_cast<long long>(result->tokens),
        result->words > 0 ? static_cast<double>(result->tokens) / result->words : 0.0, seconds,
        seconds > 0 ? result->bytes / 1e6 / seconds : 0.0, comm->size(),
        ResolveThreads(spec.runtime(), *comm),
        IdShardPath(spec.output_dir(), 0, comm->size()).c_str());
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// decode

constexpr char kDecodeUsage[] =
    "wordmill tokenizer decode --model DIR/tokenizer.wmrec --output FILE INPUT...";
constexpr char kDecodeSummary[] =
    "Turns ids back into text, one line per paragraph: the normalized words separated by single "
    "spaces. INPUTs are id shards written by `tokenizer encode --output-dir` (directories of "
    "them are read in rank order) or text files of space-separated ids, one paragraph per line.";

absl::Status ValidateDecode(const TokenizerDecodeCommand& spec, const Communicator& comm) {
  if (spec.input().empty()) return Bad("no input: give id shards or id text files");
  if (spec.model().empty()) return Bad("--model is required");
  if (spec.output().empty()) return Bad("--output is required");
  if (comm.size() != 1) return Bad("decode writes one ordered text stream: run it on one rank");
  return absl::OkStatus();
}

// The files of the inputs: a directory gives its ids-*.wmrec shards in name (rank) order.
absl::StatusOr<std::vector<std::string>> DecodeInputs(const TokenizerDecodeCommand& spec) {
  std::vector<std::string> paths;
  for (const std::string& input : spec.input()) {
    std::error_code error;
    if (!std::filesystem::is_directory(input, error)) {
      paths.push_back(input);
      continue;
    }
    std::vector<std::string> shards;
    for (const auto& entry : std::filesystem::directory_iterator(input, error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("ids-", 0) == 0 && entry.path().extension() == ".wmrec") {
        shards.push_back(entry.path().string());
      }
    }
    if (shards.empty()) return Bad(absl::StrCat(input, ": no id shards (ids-*.wmrec) in it"));
    std::sort(shards.begin(), shards.end());
    paths.insert(paths.end(), shards.begin(), shards.end());
  }
  return paths;
}

bool IsRecordFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[8] = {};
  const bool record = std::fread(magic, 1, 8, f) == 8 && std::string(magic, 8) == "WMRECv1\n";
  std::fclose(f);
  return record;
}

absl::Status Decode(const TokenizerDecodeCommand& spec) {
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = ReadSubwordModel(spec.model());
  if (!model.ok()) return model.status();
  absl::StatusOr<std::vector<std::string>> paths = DecodeInputs(spec);
  if (!paths.ok()) return paths.status();
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out = AtomicFileWriter::Open(spec.output());
  if (!out.ok()) return out.status();
  const uint64_t checksum = VocabularyChecksum(PieceVocabulary(**model));
  std::vector<uint32_t> ids;
  std::string text;
  int64_t lines = 0;
  auto emit = [&](const std::string& where) -> absl::Status {
    if (absl::Status s = (*model)->Decode(ids, &text); !s.ok()) {
      return Bad(absl::StrCat(where, ": ", s.message()));
    }
    text.push_back('\n');
    ++lines;
    return (*out)->Write(text);
  };
  for (const std::string& path : *paths) {
    if (IsRecordFile(path)) {
      absl::StatusOr<std::unique_ptr<IdShardReader>> reader = IdShardReader::Open(path, checksum);
      if (!reader.ok()) return reader.status();
      bool starts = false;
      for (int64_t record = 0;; ++record) {
        absl::StatusOr<bool> more = (*reader)->Next(&ids, &starts);
        if (!more.ok()) return more.status();
        if (!*more) break;
        if (absl::Status s = emit(absl::StrCat(path, ": record ", record)); !s.ok()) return s;
      }
      continue;
    }
    absl::StatusOr<std::string> contents = ReadFileToString(path);
    if (!contents.ok()) return contents.status();
    absl::string_view body = *contents;
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    if (body.empty() && contents->empty()) continue;
    int64_t line_number = 0;
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      ++line_number;
      ids.clear();
      for (absl::string_view field : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
        uint32_t id;
        if (!absl::SimpleAtoi(field, &id)) {
          return Bad(
              absl::StrCat(path, ": line ", line_number, ": '", field, "' is not a token id"));
        }
        ids.push_back(id);
      }
      if (absl::Status s = emit(absl::StrCat(path, ": line ", line_number)); !s.ok()) return s;
    }
  }
  if (absl::Status s = (*out)->Commit(); !s.ok()) return s;
  std::fprintf(stderr, "wordmill tokenizer decode: %zu files, %lld lines -> %s\n", paths->size(),
               static_cast<long long>(lines), spec.output().c_str());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// export

constexpr char kExportUsage[] =
    "wordmill tokenizer export --model DIR/tokenizer.wmrec --format hf|vocab --out FILE";
constexpr char kExportSummary[] =
    "Writes the model as a Hugging Face tokenizer.json (--format hf; applied to the normalized "
    "text that `wordmill tokenize` prints, it gives the ids of `tokenizer encode`) or as one "
    "token per line, line k holding id k (--format vocab).";

absl::Status Export(const TokenizerExportCommand& spec) {
  absl::StatusOr<std::unique_ptr<SubwordModel>> model = ReadSubwordModel(spec.model());
  if (!model.ok()) return model.status();
  const std::string text =
      spec.format() == "hf" ? HuggingFaceTokenizerJson(**model) : VocabText(**model);
  if (absl::Status s = WriteFileAtomically(spec.out(), text); !s.ok()) return s;
  std::printf("wordmill tokenizer export: %s model, %zu tokens -> %s (%s)\n",
              SubwordModelName((*model)->data().spec.model()), (*model)->pieces().size(),
              spec.out().c_str(), spec.format().c_str());
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTokenizerTrainCommand(const TokenizerTrainCommand& spec) {
  return ValidateTrain(spec);
}

absl::Status RunTokenizerTrainStage(const TokenizerTrainCommand& spec, Communicator* comm,
                                    StageOutputs* outputs) {
  if (absl::Status s = Train(spec, comm); !s.ok()) return s;
  // Written by rank 0, where the pipeline checksums outputs.
  outputs->files = {absl::StrCat(spec.output_dir(), "/", kModelFile),
                    absl::StrCat(spec.output_dir(), "/", kVocabFile)};
  return absl::OkStatus();
}

int RunTokenizerCommand(const std::vector<std::string>& args, Communicator* comm) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.begin() + std::min<size_t>(1, args.size()), args.end());
  if (sub == "train") {
    TokenizerTrainCommand spec;
    const int code = PrepareCommand(
        rest, "tokenizer train", kTrainUsage, kTrainSummary, &spec, comm,
        [&](const std::string& p) { spec.mutable_input()->add_input(p); },
        [&] { return ValidateTrain(spec); });
    if (code >= 0) return code;
    return FinishWithStatus(Train(spec, comm), comm);
  }
  if (sub == "encode") {
    TokenizerEncodeCommand spec;
    const int code = PrepareCommand(
        rest, "tokenizer encode", kEncodeUsage, kEncodeSummary, &spec, comm,
        [&](const std::string& p) { spec.mutable_input()->add_input(p); },
        [&] { return ValidateEncode(spec, *comm); });
    if (code >= 0) return code;
    return FinishWithStatus(Encode(spec, comm), comm);
  }
  if (sub == "decode") {
    TokenizerDecodeCommand spec;
    const int code = PrepareCommand(
        rest, "tokenizer decode", kDecodeUsage, kDecodeSummary, &spec, comm,
        [&](const std::string& p) { spec.add_input(p); },
        [&] { return ValidateDecode(spec, *comm); });
    if (code >= 0) return code;
    return FinishWithStatus(Decode(spec), comm);
  }
  if (sub == "export") {
    TokenizerExportCommand spec;
    const int code = PrepareCommand(
        rest, "tokenizer export", kExportUsage, kExportSummary, &spec, comm, nullptr, [&] {
          if (spec.model().empty()) return Bad("--model is required");
          if (spec.out().empty()) return Bad("--out is required");
          if (spec.format() != "hf" && spec.format() != "vocab") {
            return Bad(absl::StrCat("--format: '", spec.format(), "' is not one of hf|vocab"));
          }
          return absl::OkStatus();
        });
    if (code >= 0) return code;
    return FinishWithStatus(Export(spec), comm);
  }
  const bool help = sub.empty() || sub == "--help" || sub == "-h" || sub == "help";
  if (comm->rank() == 0) {
    std::fprintf(
        help ? stdout : stderr,
        "%susage: wordmill tokenizer train|encode|decode|export [flags]\n\n"
        "  train   learn a BPE, WordPiece or Unigram model from a corpus (MPI)\n"
        "  encode  text to token ids: id shards (MPI, threads) or text\n"
        "  decode  token ids back to normalized text\n"
        "  export  the model as Hugging Face tokenizer.json or a vocabulary list\n"
        "`wordmill tokenizer SUBCOMMAND --help` lists the flags.\n",
        help ? "" : absl::StrCat("wordmill tokenizer: unknown subcommand '", sub, "'\n").c_str());
  }
  return sub.empty() || !help ? 2 : 0;
}

}  // namespace wordmill
