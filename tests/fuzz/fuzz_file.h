// Shared by the fuzz targets: the fuzzer's bytes as a file, since wordmill's parsers read files
// (record files, vectors, models, configs, corpora). The file lives in /dev/shm (memory) under
// a name unique to the process and is removed when the object goes.
#ifndef WORDMILL_TESTS_FUZZ_FUZZ_FILE_H_
#define WORDMILL_TESTS_FUZZ_FUZZ_FILE_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace wordmill::fuzz {

class FuzzFile {
 public:
  // `suffix` matters to readers that look at the name (".zst", ".npy", ".textproto").
  FuzzFile(const uint8_t* data, size_t size, const std::string& suffix = "") {
    static int counter = 0;
    path_ = "/dev/shm/wordmill-fuzz-" + std::to_string(getpid()) + "-" +
            std::to_string(counter++) + suffix;
    if (std::FILE* f = std::fopen(path_.c_str(), "wb")) {
      if (size > 0) std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
  }
  ~FuzzFile() { std::remove(path_.c_str()); }
  FuzzFile(const FuzzFile&) = delete;
  FuzzFile& operator=(const FuzzFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace wordmill::fuzz

#endif  // WORDMILL_TESTS_FUZZ_FUZZ_FILE_H_
