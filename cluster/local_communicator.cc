#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"

namespace wordmill {
namespace {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_size() const override { return 1; }
  absl::Status AllToAll(const std::vector<std::string>& send,
                        std::vector<std::string>* recv) override {
    if (send.size() != 1) return absl::InvalidArgumentError("AllToAll: send.size() != 1");
    *recv = send;
    return absl::OkStatus();
  }
  absl::Status AllReduce(absl::Span<int64_t>, ReduceOp) override { return absl::OkStatus(); }
  absl::Status AllReduce(absl::Span<double>, ReduceOp) override { return absl::OkStatus(); }
  absl::Status AllReduce(absl::Span<float>, ReduceOp) override { return absl::OkStatus(); }
  absl::Status Broadcast(std::string*, int) override { return absl::OkStatus(); }
  absl::Status Gather(const std::string& send, std::vector<std::string>* recv, int) override {
    recv->assign(1, send);
    return absl::OkStatus();
  }
  absl::Status Barrier() override { return absl::OkStatus(); }
  absl::StatusOr<std::unique_ptr<Communicator>> SplitByHost() override {
    return std::unique_ptr<Communicator>(new LocalCommunicator());
  }
  absl::StatusOr<std::unique_ptr<Communicator>> Split(int color) override {
    if (color < 0) return std::unique_ptr<Communicator>();
    return std::unique_ptr<Communicator>(new LocalCommunicator());
  }
  absl::StatusOr<std::unique_ptr<SharedMemory>> AllocateShared(size_t bytes) override;
};

class HeapMemory final : public SharedMemory {
 public:
  explicit HeapMemory(size_t bytes)
      : size_(bytes), data_(static_cast<char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64))) {
    if (data_ != nullptr) std::memset(data_.get(), 0, bytes);
  }
  bool ok() const { return data_ != nullptr || size_ == 0; }
  void* data() override { return data_.get(); }
  size_t size() const override { return size_; }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  size_t size_;
  std::unique_ptr<char, Free> data_;
};

absl::StatusOr<std::unique_ptr<SharedMemory>> LocalCommunicator::AllocateShared(size_t bytes) {
  auto memory = std::make_unique<HeapMemory>(bytes);
  if (!memory->ok()) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes"));
  }
  return std::unique_ptr<SharedMemory>(std::move(memory));
}

}  // namespace

std::unique_ptr<Communicator> CreateLocalCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

}  // namespace wordmill
