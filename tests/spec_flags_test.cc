#include "pipeline/spec_flags.h"

#include <set>

#include "formats/wordmill.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

TEST(SpecFlagsTest, LeafFlagNamesAreUnique) {
  std::set<std::string> names;
  for (const LeafField& leaf : LeafFields(VocabCommand::descriptor())) {
    EXPECT_TRUE(names.insert(FlagName(leaf.path.back())).second) << FlagName(leaf.path.back());
  }
  EXPECT_TRUE(names.count("min-count"));
  EXPECT_TRUE(names.count("vocab-memory-mb"));
}

TEST(SpecFlagsTest, FlagsSetNestedFields) {
  VocabCommand spec;
  CommandLine cl;
  ASSERT_TRUE(
      ParseSpecFlags({"--min-count", "3", "--format=brown", "--no-case-fold", "--keep-inner-punct",
                      "--input", "a", "--input=b", "c", "--normalization", "NORMALIZATION_NFC",
                      "--progress-seconds", "2.5", "--export", "glove"},
                     &spec, &cl)
          .ok());
  EXPECT_EQ(spec.vocabulary().min_count(), 3);
  EXPECT_EQ(spec.input().format(), FORMAT_BROWN);
  EXPECT_FALSE(spec.tokenizer().case_fold());
  EXPECT_TRUE(spec.tokenizer().keep_inner_punct());
  EXPECT_EQ(spec.input().input_size(), 2);
  EXPECT_EQ(spec.tokenizer().normalization(), NORMALIZATION_NFC);
  EXPECT_DOUBLE_EQ(spec.runtime().progress_seconds(), 2.5);
  EXPECT_EQ(cl.positional, std::vector<std::string>{"c"});
  EXPECT_EQ(spec.vocabulary().export__size(), 1);
}

TEST(SpecFlagsTest, BadFlagsAreErrorsNamingTheFlag) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--nope", "1"},
                                        {"--min-count"},
                                        {"--min-count", "x"},
                                        {"--threads", "99999999999"},
                                        {"--format", "xml"},
                                        {"--case-fold=maybe"},
                                        {"--no-min-count"}}) {
    VocabCommand spec;
    CommandLine cl;
    absl::Status s = ParseSpecFlags(args, &spec, &cl);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << args[0];
    EXPECT_NE(s.message().find(args[0].substr(0, args[0].find('='))), absl::string_view::npos)
        << s.message();
  }
}

TEST(SpecFlagsTest, SpecFileIsLoadedAndFlagsOverrideIt) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("spec.textproto"),
                     "vocabulary { min_count: 7 max_size: 9 }\noutput_dir: \"x\"\n");
  VocabCommand spec;
  CommandLine cl;
  ASSERT_TRUE(
      ParseSpecFlags({"--max-size", "4", "--spec", dir.File("spec.textproto")}, &spec, &cl).ok());
  EXPECT_EQ(spec.vocabulary().min_count(), 7);
  EXPECT_EQ(spec.vocabulary().max_size(), 4);
  EXPECT_EQ(spec.output_dir(), "x");
  testing::WriteFile(dir.File("bad.textproto"), "vocabulary { min_cont: 7 }\n");
  EXPECT_FALSE(ParseSpecFlags({"--spec", dir.File("bad.textproto")}, &spec, &cl).ok());
}

TEST(SpecFlagsTest, HelpListsEveryFlagWithDefaultAndComment) {
  const std::string help = SpecHelp("u", "s", VocabCommand::descriptor());
  for (const LeafField& leaf : LeafFields(VocabCommand::descriptor())) {
    EXPECT_NE(help.find("--" + FlagName(leaf.path.back()) + "="), std::string::npos)
        << FlagName(leaf.path.back());
  }
  EXPECT_NE(help.find("--min-count=INT  (default: 5)"), std::string::npos) << help;
  // The comment from wordmill.proto is there.
  EXPECT_NE(help.find("Words seen fewer times than this"), std::string::npos) << help;
}

TEST(SpecFlagsTest, EffectiveSpecShowsDefaults) {
  VocabCommand spec;
  spec.mutable_vocabulary()->set_min_count(2);
  const std::string text = EffectiveSpecText(spec);
  EXPECT_NE(text.find("min_count: 2"), std::string::npos) << text;
  EXPECT_NE(text.find("max_token_bytes: 100"), std::string::npos) << text;
  EXPECT_NE(text.find("normalization: NORMALIZATION_NFKC"), std::string::npos) << text;
  VocabCommand round_trip;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &round_trip));
  EXPECT_EQ(round_trip.vocabulary().min_count(), 2);
}

}  // namespace
}  // namespace wordmill
