// The oracle every file-parser target applies besides "no crash": a parser that refuses its
// input must say which file (the error message names the path), as wordmill promises for bad
// input. A refusal without the path is a finding: the target aborts.
#ifndef WORDMILL_TESTS_FUZZ_FUZZ_CHECK_H_
#define WORDMILL_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"

namespace wordmill::fuzz {

inline void ExpectNamesFile(const absl::Status& status, const std::string& path) {
  if (status.ok() || status.message().find(path) != absl::string_view::npos) return;
  std::fprintf(stderr, "fuzz: error without the file name: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace wordmill::fuzz

#endif  // WORDMILL_TESTS_FUZZ_FUZZ_CHECK_H_
