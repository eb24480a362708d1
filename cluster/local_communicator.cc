#include <memory>

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
};

}  // namespace

std::unique_ptr<Communicator> CreateLocalCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

}  // namespace wordmill
