// `wordmill tokenize`: the token stream as plain text, for other tools and for inspection.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "formats/atomic_file.h"
#include "formats/wordmill.pb.h"
#include "pipeline/commands.h"
#include "pipeline/spec_flags.h"
#include "tokenizers/word_tokenizer.h"
#include "workers/document_reader.h"
#include "workers/input_files.h"

namespace wordmill {
namespace {

constexpr char kUsage[] = "wordmill tokenize [flags] --output FILE INPUT...";
constexpr char kSummary[] =
    "Writes the tokens of every input to FILE, one paragraph per line, tokens separated by "
    "single spaces, in corpus order, exactly as the vocabulary and training stages see them.";

absl::Status Tokenize(const TokenizeCommand& spec) {
  absl::StatusOr<std::vector<InputFile>> files = ExpandInputs(spec.input());
  if (!files.ok()) return files.status();
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> out = AtomicFileWriter::Open(spec.output());
  if (!out.ok()) return out.status();
  WordTokenizer tokenizer(spec.tokenizer());
  TokenList tokens;
  std::string line;
  int64_t paragraphs = 0;
  bool pending_break = false;
  for (const InputFile& file : *files) {
    absl::Status status = ForEachParagraph(
        file, WorkUnit{0, 0, file.size}, spec.input(), [&](const Paragraph& paragraph) {
          tokenizer.Tokenize(paragraph.text, &tokens);
          pending_break |= spec.document_breaks() && paragraph.starts_document && paragraphs > 0;
          if (tokens.empty()) return absl::OkStatus();
          line.assign(pending_break ? "\n" : "");
          pending_break = false;
          for (size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0) line.push_back(' ');
            line.append(tokens[i].data(), tokens[i].size());
          }
          line.push_back('\n');
          ++paragraphs;
          return (*out)->Write(line);
        });
    if (!status.ok()) return status;
  }
  if (absl::Status s = (*out)->Commit(); !s.ok()) return s;
  std::fprintf(stderr, "wordmill tokenize: %lld files, %lld tokens, %lld lines -> %s\n",
               static_cast<long long>(files->size()),
               static_cast<long long>(tokenizer.counters().tokens),
               static_cast<long long>(paragraphs), spec.output().c_str());
  return absl::OkStatus();
}

}  // namespace

int RunTokenizeCommand(const std::vector<std::string>& args, Communicator* comm) {
  TokenizeCommand spec;
  const int code = PrepareCommand(
      args, "tokenize", kUsage, kSummary, &spec, comm,
      [&](const std::string& p) { spec.mutable_input()->add_input(p); },
      [&] {
        if (spec.input().input().empty()) return absl::InvalidArgumentError("no input");
        if (spec.output().empty()) return absl::InvalidArgumentError("--output is required");
        if (comm->size() != 1) {
          return absl::InvalidArgumentError(
              "tokenize writes one ordered stream: run it on one rank");
        }
        return absl::OkStatus();
      });
  if (code >= 0) return code;
  return FinishWithStatus(Tokenize(spec), comm);
}

}  // namespace wordmill
