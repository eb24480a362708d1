// A large fixed-size array of a trivially copyable type in its own anonymous mapping.
//
// The co-occurrence stage's buffers (hundreds of MB per rank) used to be std::vectors, whose
// value-initialization wrote every page up front: each rank paid for faulting in and zeroing
// its whole --memory-mb even when its share of the corpus filled a fraction of it, so the
// cost did not shrink with more ranks (enwiki, np = 1 and 2: ~280,000 page faults per rank).
// Here the pages come from mmap, zero-filled by the kernel on first write only (a read of an
// untouched page maps the shared zero page). (Transparent huge pages, MADV_HUGEPAGE, were
// tried: 20x fewer faults but more system time, 2.4-3.1 s against 1.1-1.3 s on enwiki at
// np = 1, from compaction on this shared machine.)
#ifndef WORDMILL_WORKERS_LARGE_ARRAY_H_
#define WORDMILL_WORKERS_LARGE_ARRAY_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace wordmill {

template <typename T>
class LargeArray {
  static_assert(std::is_trivially_copyable<T>::value, "LargeArray holds plain data");

 public:
  LargeArray() = default;
  // `size` elements, all zero bytes. Throws std::bad_alloc when the mapping fails.
  explicit LargeArray(size_t size) : size_(size) {
    if (size_ == 0) return;
    void* p = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
  }
  ~LargeArray() { Release(); }
  LargeArray(LargeArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  LargeArray& operator=(LargeArray&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;

  // Returns the memory to the system; size() becomes 0.
  void Release() {
    if (data_ != nullptr) munmap(data_, bytes());
    data_ = nullptr;
    size_ = 0;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t k) { return data_[k]; }
  const T& operator[](size_t k) const { return data_[k]; }

 private:
  size_t bytes() const { return size_ * sizeof(T); }

  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_LARGE_ARRAY_H_
