// The exported tokenizer.json loads in Hugging Face's own library (npm `tokenizers` 0.23.2,
// whose package carries prebuilt linux-x64 bindings; installed here into
// ${WORDMILL_CACHE:-~/.cache/wordmill}/npm) and gives exactly the ids of `wordmill tokenizer
// encode` on English and Korean Wikipedia lines, for every model type.
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::wordmill::testing::Quote;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::SharedDir;
using ::wordmill::testing::SourceDir;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WordmillBin;

constexpr char kTokenizersVersion[] = "0.23.2";

// Installs the npm package once into the cache; returns its node_modules directory.
std::string InstallTokenizers() {
  const char* cache = std::getenv("WORDMILL_CACHE");
  const char* home = std::getenv("HOME");
  const std::string prefix = absl::StrCat(
      cache != nullptr && *cache ? cache : absl::StrCat(home ? home : "/tmp", "/.cache/wordmill"),
      "/npm");
  const std::string modules = prefix + "/node_modules";
  const testing::CommandResult installed = RunCommand(absl::StrCat(
      "grep -q '\"version\": \"", kTokenizersVersion, "\"' ", Quote(modules),
      "/tokenizers/package.json 2>/dev/null || npm install --no-audit --no-fund --prefix ",
      Quote(prefix), " tokenizers@", kTokenizersVersion));
  EXPECT_EQ(installed.exit_code, 0) << "npm install tokenizers@" << kTokenizersVersion
                                    << " failed (needs node and npm: scripts/setup.sh)\n"
                                    << installed.output;
  return modules;
}

TEST(HfExportTest, HuggingFaceGivesOurIds) {
  if (SharedDir().empty()) GTEST_SKIP() << "../shared (the corpora) not found";
  const std::string modules = InstallTokenizers();
  TempDir dir;
  const std::string corpus = dir.File("corpus");
  ASSERT_EQ(RunCommand(absl::StrCat("mkdir -p ", corpus, " && zstd -dc ",
                                    Quote(SharedDir() + "/corpora/enwiki/wiki_01.zst"),
                                    " | head -n 400 > ", corpus, "/en.txt && zstd -dc ",
                                    Quote(SharedDir() + "/corpora/kowiki/wiki_01.zst"),
                                    " | head -n 400 > ", corpus, "/ko.txt"))
                .exit_code,
            0);
  const std::string wordmill = WordmillBin();
  const testing::CommandResult tokenized = RunCommand(
      absl::StrCat(wordmill, " tokenize --output ", dir.File("normalized.txt"), " ", corpus));
  ASSERT_EQ(tokenized.exit_code, 0) << tokenized.output;
  for (const std::string flags :
       {"--model bpe --vocab-size 1200", "--model bpe --no-byte-level --vocab-size 5000",
        "--model wordpiece --vocab-size 5000 --user-token [MASK]",
        "--model unigram --vocab-size 3000"}) {
    const std::string model = dir.File("model/tokenizer.wmrec");
    const std::string json = dir.File("tokenizer.json");
    for (const std::string& command :
         {absl::StrCat(" tokenizer train ", flags, " --output-dir ", dir.File("model"), " ",
                       corpus),
          absl::StrCat(" tokenizer encode --model ", model, " --output ", dir.File("ids.txt"), " ",
                       corpus),
          absl::StrCat(" tokenizer export --format hf --model ", model, " --out ", json)}) {
      const testing::CommandResult r = RunCommand(wordmill + command);
      ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    }
    const testing::CommandResult compared = RunCommand(absl::StrCat(
        "NODE_PATH=", Quote(modules), " node ", Quote(SourceDir() + "/tests/hf_tokenizer_ids.js"),
        " ", json, " ", dir.File("normalized.txt"), " ", dir.File("ids.txt")));
    EXPECT_EQ(compared.exit_code, 0) << flags << "\n" << compared.output;
    const std::string lines = ReadFile(dir.File("normalized.txt"));
    const size_t line_count = std::count(lines.begin(), lines.end(), '\n');
    EXPECT_NE(compared.output.find(absl::StrCat(line_count, " lines, 0 differ")), std::string::npos)
        << flags << "\n"
        << compared.output;
  }
}

}  // namespace
}  // namespace wordmill
