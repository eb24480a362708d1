// Byte encoding for what ranks send each other: varints and length-prefixed strings appended
// to a std::string, and a bounds-checked reader over received bytes.
#ifndef WORDMILL_WORKERS_WIRE_H_
#define WORDMILL_WORKERS_WIRE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace wordmill {

inline void PutVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

inline void PutBytes(std::string* out, absl::string_view bytes) {
  PutVarint(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

// Reads what PutVarint/PutBytes wrote; every getter returns false on malformed input.
class WireReader {
 public:
  explicit WireReader(absl::string_view data) : data_(data) {}
  bool done() const { return pos_ == data_.size(); }
  bool GetVarint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      result |= uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) {
        *value = result;
        return true;
      }
    }
    return false;
  }
  bool GetBytes(absl::string_view* bytes) {
    uint64_t size;
    if (!GetVarint(&size) || size > data_.size() - pos_) return false;
    *bytes = data_.substr(pos_, size);
    pos_ += size;
    return true;
  }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_WIRE_H_
