#include "tests/test_util.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace wordmill::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/wordmill_test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteZstdFile(const std::string& path, const std::string& contents) {
  // With a content checksum, as the zstd command line writes by default.
  std::string compressed(ZSTD_compressBound(contents.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  size_t n =
      ZSTD_compress2(cctx, compressed.data(), compressed.size(), contents.data(), contents.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd compression failed");
  compressed.resize(n);
  WriteFile(path, compressed);
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string TopicCorpus(int lines, uint32_t seed, int topic_words, int line_words) {
  std::mt19937 gen(seed);
  std::string text;
  for (int l = 0; l < lines; ++l) {
    const char topic = l % 2 == 0 ? 'a' : 'b';
    for (int i = 0; i < line_words; ++i) {
      if (i > 0) text += ' ';
      text += topic;
      text += std::to_string(gen() % topic_words);
    }
    text += "\n";
  }
  return text;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {
std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}
}  // namespace

std::string WordmillBin() { return EnvOr("WORDMILL_BIN", WORDMILL_DEFAULT_BIN); }

std::string SourceDir() { return EnvOr("WORDMILL_SOURCE", WORDMILL_DEFAULT_SOURCE); }

std::string MpiWordmill(int ranks) {
  // CI runs as root, which Open MPI refuses unless told; ranks may exceed the cores.
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe "
         "--bind-to none -np " +
         std::to_string(ranks) + " " + WordmillBin();
}

std::string SharedDir() {
  const std::string shared = EnvOr("WORDMILL_SHARED", WORDMILL_DEFAULT_SHARED);
  struct stat st;
  if (stat(shared.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return shared;
}

std::vector<pid_t> SessionProcesses(pid_t sid) {
  namespace fs = std::filesystem;
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::string stat;
    try {
      stat = ReadFile(entry.path().string() + "/stat");
    } catch (...) {
      continue;
    }
    // Fields after the command (which is in parentheses): state ppid pgrp session ...
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    pid_t session = 0;
    if (fields.size() > 3 && absl::SimpleAtoi(fields[3], &session) && session == sid &&
        fields[0] != "Z") {
      pids.push_back(pid);
    }
  }
  return pids;
}

pid_t StartInSession(const std::string& command, const std::string& log) {
  const std::string pid_file = log + ".pid";
  std::filesystem::remove(pid_file);
  RunCommand(absl::StrCat("setsid sh -c ",
                          Quote("echo $$ > " + Quote(pid_file) + "; exec " + command), " > ",
                          Quote(log), " 2>&1 < /dev/null &"));
  pid_t pid = 0;
  for (int i = 0; i < 800 && pid == 0; ++i) {
    if (std::filesystem::exists(pid_file)) {
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(pid_file)), &pid)) pid = 0;
    }
    if (pid == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return pid;
}

bool KillSession(pid_t sid) {
  if (sid <= 1) return true;
  for (int round = 0; round < 200; ++round) {
    const std::vector<pid_t> pids = SessionProcesses(sid);
    if (pids.empty()) return true;
    for (pid_t p : pids) kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool WaitForFile(const std::string& path, pid_t sid) {
  for (int i = 0; i < 12000; ++i) {
    if (std::filesystem::exists(path)) return true;
    if (SessionProcesses(sid).empty()) return std::filesystem::exists(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace wordmill::testing
