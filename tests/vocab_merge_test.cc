// workers/vocab_merge.h: an owner's part (min_count, order, max_size, distinct words) and the
// P-way merge of the parts, identical on every rank.
#include "workers/vocab_merge.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/in_process_ranks.h"

namespace wordmill {
namespace {

std::string Words(const Vocabulary& v) {
  std::string s;
  for (const VocabWord& w : v) absl::StrAppend(&s, w.word, ":", w.count, " ");
  return s;
}

TEST(VocabMergeTest, AnOwnersPartKeepsMinCountSortsAndCuts) {
  WordCounter owned;
  owned.Add("b", 5);
  owned.Add("a", 5);
  owned.Add("rare", 1);
  owned.Add("top", 9);
  owned.Add("sent", 0);  // sent to its owner: not a word of this rank
  VocabularySpec spec;
  spec.set_min_count(2);
  size_t distinct = 0;
  EXPECT_EQ(Words(OwnedVocabulary(owned, spec, &distinct)), "top:9 a:5 b:5 ");
  EXPECT_EQ(distinct, 4u);
  spec.set_max_size(2);
  EXPECT_EQ(Words(OwnedVocabulary(owned, spec, &distinct)), "top:9 a:5 ");
}

TEST(VocabMergeTest, EveryRankMergesThePartsIntoOneVocabulary) {
  // Rank r's part: words "<r>w<k>" with counts 10 * k + r, sorted; rank 2 owns nothing.
  const int ranks = 3;
  for (int64_t max_size : {0, 5}) {
    VocabularySpec spec;
    spec.set_max_size(max_size);
    testing::InProcessRanks group(ranks);
    std::vector<Vocabulary> got(ranks);
    group.Run([&](int rank, Communicator* comm) {
      Vocabulary part;
      for (int k = 4; k >= 1; --k) part.push_back({absl::StrCat(rank, "w", k), 10 * k + rank});
      if (rank == 0) part.insert(part.begin(), {"top", 50});
      if (rank == 1) part.insert(part.begin() + 1, {"a40", 40});  // ties 0w4:40, comes first
      if (rank == 2) part.clear();                                // an owner may own nothing
      absl::StatusOr<Vocabulary> all = AssembleVocabulary(part, spec, comm);
      ASSERT_TRUE(all.ok()) << all.status();
      got[rank] = *all;
    });
    const std::string expected =
        max_size == 0 ? "top:50 1w4:41 0w4:40 a40:40 1w3:31 0w3:30 1w2:21 0w2:20 1w1:11 0w1:10 "
                      : "top:50 1w4:41 0w4:40 a40:40 1w3:31 ";
    for (int r = 0; r < ranks; ++r) EXPECT_EQ(Words(got[r]), expected) << r;
  }
}

}  // namespace
}  // namespace wordmill
