// Multi-rank and multi-host runs of the stages (cluster/README.md):
//  - np = 4 oversubscribed on one host: the vocabulary equals np = 1's byte for byte, skip-gram
//    at np = 4 is reproducible and complete, and a bad file stops all ranks with an error that
//    names the failing rank and its host. (cooccur np = 1..4 and GloVe np = 4 are covered by
//    cooccur_command_test.cc and glove_command_test.cc.)
//  - two "hosts": Linux network namespaces joined by a veth pair, each with its own host name,
//    Open MPI over TCP only (btl tcp,self), remote launch through an rsh agent that runs the
//    command with `ip netns exec` instead of ssh, started with cluster/mpirun.sh. `wordmill run`
//    (vocab, cooccur, GloVe, skip-gram) across 2 hosts x 2 ranks produces exactly the files of the
//    same job on one host, a rerun skips every stage, and a bad file names the right host.
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "formats/embedding_file.h"
#include "formats/record_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace wordmill {
namespace {

using ::testing::ContainsRegex;
using ::wordmill::testing::CommandResult;
using ::wordmill::testing::MpiWordmill;
using ::wordmill::testing::Quote;
using ::wordmill::testing::ReadFile;
using ::wordmill::testing::RunCommand;
using ::wordmill::testing::TempDir;
using ::wordmill::testing::WordmillBin;
using ::wordmill::testing::WriteFile;
using ::wordmill::testing::WriteZstdFile;

// `files` zstd files of documents drawn from a Zipf-like vocabulary of 1,500 words (raw
// mt19937 output only, so the corpus is the same on every platform).
void WriteCorpus(const std::string& dir, int files) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  for (int f = 0; f < files; ++f) {
    std::string text;
    for (int doc = 0; doc < 120; ++doc) {
      for (int t = 0; t < 100; ++t) {
        const double u = rng() / 4294967296.0;
        const int word = static_cast<int>(std::exp(u * std::log(1500.0)));
        absl::StrAppend(&text, "w", word, t % 25 == 24 ? "\n" : " ");
      }
      text += "\n";
    }
    WriteZstdFile(absl::StrFormat("%s/part-%02d.txt.zst", dir, f), text);
  }
}

// The records of a record file, concatenated (the header, which names the output paths, is
// left out so that runs into different directories compare equal).
std::string RecordPayloads(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::Open(path);
  if (!reader.ok()) {
    ADD_FAILURE() << reader.status();
    return "";
  }
  std::string all;
  absl::string_view record;
  absl::StatusOr<bool> more;
  while ((more = (*reader)->Next(&record)).ok() && *more) all.append(record.data(), record.size());
  if (!more.ok()) ADD_FAILURE() << more.status();
  return all;
}

std::string ThisHost() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

// A `wordmill run` config over `corpus`: vocabulary, skip-gram and GloVe, one thread per rank.
std::string PipelineConfig(const std::string& corpus, const std::string& out) {
  return absl::StrCat("input { input: \"", corpus,
                      "\" }\n"
                      "vocabulary { min_count: 2 }\n"
                      "cooccur { window: 5 memory_mb: 8 }\n"
                      "model {\n  name: \"sg\"\n  sgns { dim: 16 window: 3 epochs: 2 seed: 3 "
                      "share_model: SHARE_MODEL_NONE }\n}\n"
                      "model {\n  name: \"gl\"\n  glove { dim: 16 epochs: 3 }\n}\n"
                      "runtime { threads: 1 progress_seconds: 0 }\noutput_dir: \"",
                      out, "\"\n");
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteCorpus(corpus_, 6); }
  TempDir dir_;
  std::string corpus_ = dir_.File("corpus");
};

TEST_F(ClusterTest, FourOversubscribedRanksMatchOneRankAndAreReproducible) {
  const std::string one = dir_.File("np1"), four = dir_.File("np4"), again = dir_.File("np4b");
  for (const auto& [ranks, out, threads] :
       {std::tuple{1, one, 1}, std::tuple{4, four, 2}, std::tuple{4, again, 1}}) {
    CommandResult r = RunCommand(
        absl::StrCat(MpiWordmill(ranks), " vocab --min-count 2 --progress-seconds 0 --threads ",
                     threads, " --output-dir ", Quote(out + "/vocab"), " ", Quote(corpus_)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string vocab = ReadFile(one + "/vocab/vocab.tsv");
  ASSERT_GT(std::count(vocab.begin(), vocab.end(), '\n'), 1000);
  EXPECT_EQ(ReadFile(four + "/vocab/vocab.tsv"), vocab);
  EXPECT_EQ(ReadFile(again + "/vocab/vocab.tsv"), vocab);

  // Skip-gram at np = 4 (one thread per rank) with a replica per rank: the same model every
  // run, every word present.
  for (const std::string& out : {four, again}) {
    CommandResult r = RunCommand(absl::StrCat(
        MpiWordmill(4), " sgns --vocab ", Quote(one + "/vocab/vocab.tsv"), " --output-dir ",
        Quote(out + "/sgns"), " --dim 16 --epochs 2 --window 3 --seed 3 --threads 1",
        " --share-model none --progress-seconds 0 ", Quote(corpus_)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, ::testing::HasSubstr("on 4 rank(s) x 1 thread(s), ")) << r.output;
  }
  // The default: the 4 ranks of this host train one model in shared memory, no merges.
  {
    CommandResult r = RunCommand(absl::StrCat(
        MpiWordmill(4), " sgns --vocab ", Quote(one + "/vocab/vocab.tsv"), " --output-dir ",
        Quote(four + "/shared"), " --dim 16 --epochs 2 --window 3 --seed 3 --threads 1",
        " --progress-seconds 0 ", Quote(corpus_)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, ::testing::HasSubstr("on 4 rank(s) x 1 thread(s) (one model shared by "
                                               "4 ranks), 0 sync(s) per epoch"))
        << r.output;
    absl::StatusOr<EmbeddingMatrix> shared = ReadEmbeddings(four + "/shared/vectors.bin");
    ASSERT_TRUE(shared.ok()) << shared.status();
    EXPECT_EQ(shared->rows(), ReadEmbeddings(four + "/sgns/vectors.bin")->rows());
    for (float v : shared->values) ASSERT_TRUE(std::isfinite(v));
  }
  EXPECT_EQ(ReadFile(four + "/sgns/vectors.bin"), ReadFile(again + "/sgns/vectors.bin"));
  absl::StatusOr<EmbeddingMatrix> vectors = ReadEmbeddings(four + "/sgns/vectors.bin");
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  EXPECT_EQ(vectors->dim, 16);
  EXPECT_EQ(ReadFile(four + "/sgns/vocab.tsv"), ReadFile(again + "/sgns/vocab.tsv"));
  const std::string sgns_vocab = ReadFile(four + "/sgns/vocab.tsv");
  EXPECT_EQ(vectors->rows(), std::count(sgns_vocab.begin(), sgns_vocab.end(), '\n'));
  for (float v : vectors->values) ASSERT_TRUE(std::isfinite(v));
}

// cluster/slurm/wordmill.sbatch outside Slurm (mpirun launcher): ranks from SLURM_NTASKS,
// threads from SLURM_CPUS_PER_TASK, a config file alone means `wordmill run CONFIG`.
TEST_F(ClusterTest, SlurmScriptTakesRanksAndThreadsFromSlurmVariables) {
  const std::string script = testing::SourceDir() + "/cluster/slurm/wordmill.sbatch";
  auto sbatch = [&](int tasks, int cpus, const std::string& args) {
    return RunCommand(absl::StrCat(
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 SLURM_NTASKS=", tasks,
        " SLURM_CPUS_PER_TASK=", cpus, " WORDMILL_LAUNCHER=mpirun WORDMILL=", WordmillBin(),
        " WORDMILL_MPIRUN_ARGS=--oversubscribe bash ", script, " ", args));
  };
  CommandResult r = sbatch(2, 1,
                           absl::StrCat("vocab --min-count 2 --progress-seconds 0 --output-dir ",
                                        Quote(dir_.File("v2")), " ", Quote(corpus_)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("on 2 rank(s) x 1 thread(s)")) << r.output;
  const std::string config = dir_.File("pipeline.textproto");
  WriteFile(config, absl::StrCat("input { input: \"", corpus_,
                                 "\" }\nvocabulary { min_count: 2 }\n"
                                 "model {\n  name: \"sg\"\n  sgns { dim: 8 epochs: 1 }\n}\n"
                                 "runtime { progress_seconds: 0 }\noutput_dir: \"",
                                 dir_.File("run"), "\"\n"));
  r = sbatch(1, 2, Quote(config));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("on 1 rank(s) x 2 thread(s)")) << r.output;
  EXPECT_EQ(ReadFile(dir_.File("run/work/vocab/vocab.tsv")), ReadFile(dir_.File("v2/vocab.tsv")));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("run/sg/vectors.bin")));
}

TEST_F(ClusterTest, BadFileOnOneRankStopsAllRanksNamingRankAndHost) {
  const std::string bad = corpus_ + "/part-03.txt.zst";
  std::string bytes = ReadFile(bad);
  bytes.resize(bytes.size() / 2);  // a truncated zstd stream
  WriteFile(bad, bytes);
  CommandResult r = RunCommand(absl::StrCat(MpiWordmill(4), " vocab --progress-seconds 0 ",
                                            "--threads 1 --output-dir ", Quote(dir_.File("out")),
                                            " ", Quote(corpus_)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, ContainsRegex(absl::StrCat("error: rank [0-3] \\(host ", ThisHost(),
                                                   "\\): [^\n]*part-03.txt.zst")))
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("out/vocab.tsv")));
}

// Two network namespaces joined by a veth pair; each is a "host" with its own address and host
// name. Torn down (with anything still running inside) by the destructor, so a failing test
// leaves nothing behind; namespaces left by a killed test process are removed by the next run.
class NetnsHosts {
 public:
  explicit NetnsHosts(const std::string& dir) : dir_(dir) {
    const std::string id = absl::StrCat("wmt", getpid());
    names_ = {id + "a", id + "b"};
    addresses_ = {"10.250.0.1", "10.250.0.2"};
  }
  ~NetnsHosts() {
    for (const std::string& ns : names_) {
      RunCommand(absl::StrCat("for p in $(ip netns pids ", ns,
                              " 2>/dev/null); do kill -9 $p; done; ", "ip netns del ", ns,
                              " 2>/dev/null"));
    }
  }

  // Returns "" or what failed.
  std::string Up() {
    RemoveStale();
    const std::string &a = names_[0], &b = names_[1];
    std::vector<std::string> commands = {
        "ip netns add " + a,
        "ip netns add " + b,
        absl::StrCat("ip link add ", a, " type veth peer name ", b),
        absl::StrCat("ip link set ", a, " netns ", a),
        absl::StrCat("ip link set ", b, " netns ", b),
    };
    for (int h = 0; h < 2; ++h) {
      commands.push_back(
          absl::StrCat("ip -n ", names_[h], " addr add ", addresses_[h], "/24 dev ", names_[h]));
      commands.push_back(absl::StrCat("ip -n ", names_[h], " link set ", names_[h], " up"));
      commands.push_back(absl::StrCat("ip -n ", names_[h], " link set lo up"));
    }
    for (const std::string& c : commands) {
      CommandResult r = RunCommand(c + " 2>&1");
      if (r.exit_code != 0) return absl::StrCat("`", c, "` failed: ", r.output);
    }
    // Open MPI's "ssh HOST COMMAND...": the command runs in HOST's namespace under HOST's name.
    std::string agent = "#!/bin/sh\nhost=$1; shift\ncase \"$host\" in\n";
    for (int h = 0; h < 2; ++h) {
      absl::StrAppend(&agent, "  ", addresses_[h], ") ns=", names_[h], " ;;\n");
    }
    absl::StrAppend(&agent,
                    "  *) echo \"rsh agent: unknown host $host\" >&2; exit 255 ;;\nesac\n"
                    "exec ip netns exec \"$ns\" unshare --uts sh -c \"hostname $ns && $*\"\n");
    WriteFile(agent_path(), agent);
    std::filesystem::permissions(agent_path(), std::filesystem::perms::owner_all);
    WriteFile(hostfile_path(),
              absl::StrCat(addresses_[0], " slots=2\n", addresses_[1], " slots=2\n"));
    return "";
  }

  // cluster/mpirun.sh started on the first host: ranks 0-1 there and 2-3 on the second, one
  // thread each, TCP only on the veth subnet.
  std::string Mpirun(int ranks) const {
    const std::string launcher = absl::StrCat(
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 WORDMILL=", WordmillBin(),
        " MPIRUN_ARGS='--mca plm_rsh_agent ", agent_path(), " --mca btl tcp,self' exec ",
        testing::SourceDir(), "/cluster/mpirun.sh -f ", hostfile_path(), " -n ", ranks,
        " -t 1 -i 10.250.0.0/24 \"$@\"");
    return absl::StrCat("timeout -k 5 120 ip netns exec ", names_[0], " unshare --uts sh -c ",
                        Quote(absl::StrCat("hostname ", names_[0], " && ", launcher)), " sh");
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string agent_path() const { return dir_ + "/rsh-agent.sh"; }
  std::string hostfile_path() const { return dir_ + "/hostfile"; }

  // Namespaces of this test whose process no longer exists (killed before its destructor ran).
  static void RemoveStale() {
    CommandResult list = RunCommand("ip netns list 2>/dev/null");
    for (absl::string_view line : absl::StrSplit(list.output, '\n', absl::SkipEmpty())) {
      const std::string name(line.substr(0, line.find(' ')));
      if (name.size() < 5 || name.rfind("wmt", 0) != 0) continue;
      int pid = 0;
      if (!absl::SimpleAtoi(name.substr(3, name.size() - 4), &pid) || pid <= 0) continue;
      if (kill(pid, 0) == 0 || errno != ESRCH) continue;
      RunCommand("ip netns del " + name + " 2>/dev/null");
    }
  }

  std::string dir_;
  std::vector<std::string> names_;
  std::vector<std::string> addresses_;
};

TEST_F(ClusterTest, TwoHostsOverTcpProduceTheOutputsOfOneHost) {
  if (geteuid() != 0) GTEST_SKIP() << "network namespaces need root (ip netns add)";
  NetnsHosts hosts(dir_.path());
  const std::string failed = hosts.Up();
  ASSERT_EQ(failed, "") << failed;

  // The whole pipeline (`wordmill run`) across the two hosts: the same vectors as on one host,
  // and a rerun of the same command skips every stage.
  const std::string one_config = dir_.File("one-host.textproto");
  const std::string two_config = dir_.File("two-hosts.textproto");
  WriteFile(one_config, PipelineConfig(corpus_, dir_.File("run-one")));
  WriteFile(two_config, PipelineConfig(corpus_, dir_.File("run-two")));
  CommandResult run = RunCommand(MpiWordmill(4) + " run " + Quote(one_config));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (int pass = 0; pass < 2; ++pass) {
    run = RunCommand(hosts.Mpirun(4) + " run " + Quote(two_config));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  EXPECT_THAT(run.output, ContainsRegex("stage\\(s\\), 0 run, [0-9]+ skipped")) << run.output;
  const std::string one = dir_.File("run-one"), two = dir_.File("run-two");
  for (const std::string& file : {"/sg/vectors.bin", "/gl/vectors.bin", "/work/vocab/vocab.tsv"}) {
    const std::string expected = ReadFile(one + file);
    EXPECT_GT(expected.size(), 1000u) << file;
    EXPECT_TRUE(ReadFile(two + file) == expected) << file << " differs";
  }
  for (int r = 0; r < 4; ++r) {  // the co-occurrence shards, record for record
    const std::string shard = absl::StrFormat("/work/cooccur/cooccur-%05d-of-00004.wmrec", r);
    const std::string expected = RecordPayloads(one + shard);
    EXPECT_GT(expected.size(), 1000u) << shard;
    EXPECT_TRUE(RecordPayloads(two + shard) == expected) << shard << " differs";
  }

  // Skip-gram with the ranks of each host sharing one model: the two host models are merged
  // by each host's rank 0 (tests/word2vec_trainer_test.cc checks the merged replicas agree).
  const std::string shared_out = dir_.File("shared-sgns");
  run = RunCommand(absl::StrCat(hosts.Mpirun(4), " sgns --vocab ",
                                Quote(one + "/work/vocab/vocab.tsv"), " --output-dir ",
                                Quote(shared_out), " --dim 16 --epochs 2 --window 3 --threads 1",
                                " --sync-words 2000 --progress-seconds 0 ", Quote(corpus_)));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, ContainsRegex("\\(one model shared by 2 ranks\\), [1-9][0-9]* "
                                        "sync\\(s\\) per epoch"))
      << run.output;
  absl::StatusOr<EmbeddingMatrix> shared = ReadEmbeddings(shared_out + "/vectors.bin");
  ASSERT_TRUE(shared.ok()) << shared.status();
  for (float v : shared->values) ASSERT_TRUE(std::isfinite(v));

  // A bad file is reported by the rank that read it, naming its host: ranks 0-1 run on the
  // first namespace, 2-3 on the second.
  const std::string bad = corpus_ + "/part-03.txt.zst";
  std::string bytes = ReadFile(bad);
  bytes.resize(bytes.size() / 2);
  WriteFile(bad, bytes);
  CommandResult r = RunCommand(absl::StrCat(hosts.Mpirun(4), " vocab --progress-seconds 0 ",
                                            "--threads 1 --output-dir ", Quote(dir_.File("bad")),
                                            " ", Quote(corpus_)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, ContainsRegex(absl::StrCat("error: (rank [01] \\(host ", hosts.names()[0],
                                                   "|rank [23] \\(host ", hosts.names()[1],
                                                   ")\\): [^\n]*part-03.txt.zst")))
      << r.output;
}

}  // namespace
}  // namespace wordmill
