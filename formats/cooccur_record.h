// The co-occurrence record: the file format shared by `wordmill cooccur` (workers/) and the
// GloVe trainer (embeddings/).
//
// A record is (int32 i, int32 j, float64 x): word i (the row, 0-based vocabulary id) seen with
// context word j at total weight x. 16 bytes, the layout of GloVe's CREC, stored little-endian
// as fixed-size records of the record-file container (formats/record_file.h) with record type
// "wordmill.CooccurRecord". x is a double so that sums of millions of 1/distance weights stay
// exact to ~1e-12 relative, whatever the summation order.
#ifndef WORDMILL_FORMATS_COOCCUR_RECORD_H_
#define WORDMILL_FORMATS_COOCCUR_RECORD_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace wordmill {

inline constexpr char kCooccurRecordType[] = "wordmill.CooccurRecord";

struct CooccurRecord {
  int32_t i;
  int32_t j;
  double x;
};
static_assert(sizeof(CooccurRecord) == 16, "CooccurRecord must be 16 bytes (GloVe's CREC)");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records are stored in host order");

// (i, j) as one unsigned key: ids are non-negative, so key order is (i, j) order.
inline uint64_t RecordKey(const CooccurRecord& r) {
  return uint64_t{static_cast<uint32_t>(r.i)} << 32 | static_cast<uint32_t>(r.j);
}

struct RecordLess {
  bool operator()(const CooccurRecord& a, const CooccurRecord& b) const {
    return RecordKey(a) < RecordKey(b);
  }
};

inline absl::string_view RecordBytes(const CooccurRecord& r) {
  return absl::string_view(reinterpret_cast<const char*>(&r), sizeof(r));
}

inline CooccurRecord RecordFromBytes(absl::string_view bytes) {
  CooccurRecord r;
  std::memcpy(&r, bytes.data(), sizeof(r));
  return r;
}

// `<dir>/cooccur-<rank>-of-<ranks>.wmrec` (rank and ranks zero-padded to 5 digits).
inline std::string CooccurShardPath(const std::string& dir, int rank, int ranks) {
  return absl::StrFormat("%s/cooccur-%05d-of-%05d.wmrec", dir, rank, ranks);
}

}  // namespace wordmill

#endif  // WORDMILL_FORMATS_COOCCUR_RECORD_H_
