// InProcessRanks: P ranks as threads of one process, each with a Communicator whose collectives
// meet through shared memory, for testing multi-rank code without mpirun (a whole run stays in
// one gtest process, so failures point at lines and models can be compared directly).
#ifndef WORDMILL_TESTS_IN_PROCESS_RANKS_H_
#define WORDMILL_TESTS_IN_PROCESS_RANKS_H_

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/communicator.h"

namespace wordmill {
namespace testing {

// P ranks in one process. Every collective: each rank deposits its bytes, all wait, each reads
// what it needs (reductions in rank order 0, 1, ..., so results are deterministic), all wait.
// `ranks_per_host` consecutive ranks form one "host" (local_size, SplitByHost); shared memory
// (AllocateShared) is a heap block that the ranks' threads share.
class InProcessRanks {
 public:
  explicit InProcessRanks(int size, int ranks_per_host = 0)
      : size_(size), ranks_per_host_(ranks_per_host > 0 ? ranks_per_host : size), slots_(size) {}

  std::unique_ptr<Communicator> Member(int rank) { return std::make_unique<Member_>(this, rank); }

  // Runs f(rank, comm) on `size` threads and joins them.
  void Run(const std::function<void(int, Communicator*)>& f) {
    std::vector<std::thread> threads;
    for (int r = 0; r < size_; ++r) {
      threads.emplace_back([this, r, &f] {
        std::unique_ptr<Communicator> comm = Member(r);
        f(r, comm.get());
      });
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t generation = generation_;
    if (++waiting_ == size_) {
      waiting_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }
  // Deposits `mine`, returns every rank's deposit (valid until the closing Wait).
  const std::vector<std::string>& Exchange(int rank, std::string mine) {
    slots_[rank] = std::move(mine);
    Wait();
    return slots_;
  }

  template <typename T>
  void Reduce(int rank, absl::Span<T> values, ReduceOp op) {
    const std::vector<std::string>& all = Exchange(
        rank, std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
    for (size_t i = 0; i < values.size(); ++i) {
      T acc;
      std::memcpy(&acc, all[0].data() + i * sizeof(T), sizeof(T));
      for (int r = 1; r < size_; ++r) {
        T x;
        std::memcpy(&x, all[r].data() + i * sizeof(T), sizeof(T));
        acc = op == ReduceOp::kSum   ? acc + x
              : op == ReduceOp::kMin ? std::min(acc, x)
                                     : std::max(acc, x);
      }
      values[i] = acc;
    }
    Wait();
  }

  class Block final : public SharedMemory {
   public:
    Block(std::shared_ptr<char> data, size_t size) : data_(std::move(data)), size_(size) {}
    void* data() override { return data_.get(); }
    size_t size() const override { return size_; }

   private:
    std::shared_ptr<char> data_;
    size_t size_;
  };

  class Member_ final : public Communicator {
   public:
    Member_(InProcessRanks* group, int rank) : g_(group), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_->size_; }
    int local_size() const override { return g_->ranks_per_host_; }
    absl::StatusOr<std::unique_ptr<Communicator>> SplitByHost() override {
      return SplitBy(rank_ / g_->ranks_per_host_, /*by_host=*/true);
    }
    absl::StatusOr<std::unique_ptr<Communicator>> Split(int color) override {
      return SplitBy(color, /*by_host=*/false);
    }
    absl::StatusOr<std::unique_ptr<SharedMemory>> AllocateShared(size_t bytes) override {
      if (rank_ == 0) {
        char* p = static_cast<char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64));
        std::memset(p, 0, bytes);
        g_->block_ = std::shared_ptr<char>(p, [](char* q) { std::free(q); });
      }
      g_->Wait();
      std::shared_ptr<char> block = g_->block_;
      g_->Wait();
      return std::unique_ptr<SharedMemory>(new Block(std::move(block), bytes));
    }
    absl::Status AllToAll(const std::vector<std::string>& send,
                          std::vector<std::string>* recv) override {
      if (static_cast<int>(send.size()) != size()) return absl::InvalidArgumentError("size");
      std::string packed;
      for (const std::string& s : send) {
        const uint64_t n = s.size();
        packed.append(reinterpret_cast<const char*>(&n), sizeof(n));
        packed += s;
      }
      const std::vector<std::string>& all = g_->Exchange(rank_, std::move(packed));
      recv->assign(size(), "");
      for (int r = 0; r < size(); ++r) {
        size_t at = 0;
        for (int to = 0;; ++to) {
          uint64_t n;
          std::memcpy(&n, all[r].data() + at, sizeof(n));
          if (to == rank_) {
            (*recv)[r] = all[r].substr(at + sizeof(n), n);
            break;
          }
          at += sizeof(n) + n;
        }
      }
      g_->Wait();
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<int64_t> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<double> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status AllReduce(absl::Span<float> v, ReduceOp op) override {
      g_->Reduce(rank_, v, op);
      return absl::OkStatus();
    }
    absl::Status Broadcast(std::string* data, int root) override {
      const std::string copy = g_->Exchange(rank_, *data)[root];
      g_->Wait();
      *data = copy;
      return absl::OkStatus();
    }
    absl::Status Gather(const std::string& send, std::vector<std::string>* recv,
                        int root) override {
      const std::vector<std::string>& all = g_->Exchange(rank_, send);
      if (rank_ == root) *recv = all;
      g_->Wait();
      return absl::OkStatus();
    }
    absl::Status Barrier() override {
      g_->Wait();
      return absl::OkStatus();
    }

   private:
    // The members of one color form a new group, created by the first of them to get there
    // and kept by the parent group (which outlives its members' threads).
    std::unique_ptr<Communicator> SplitBy(int color, bool by_host) {
      const std::vector<std::string>& all =
          g_->Exchange(rank_, std::string(reinterpret_cast<const char*>(&color), sizeof(color)));
      std::vector<int> colors(g_->size_);
      for (int r = 0; r < g_->size_; ++r) std::memcpy(&colors[r], all[r].data(), sizeof(int));
      g_->Wait();
      const int64_t serial = splits_++;
      if (color < 0) return nullptr;
      int sub_rank = 0, sub_size = 0;
      for (int r = 0; r < g_->size_; ++r) {
        if (colors[r] != color) continue;
        if (r < rank_) ++sub_rank;
        ++sub_size;
      }
      InProcessRanks* group;
      {
        std::lock_guard<std::mutex> lock(g_->mutex_);
        std::unique_ptr<InProcessRanks>& slot = g_->subgroups_[{serial, color}];
        if (slot == nullptr) slot = std::make_unique<InProcessRanks>(sub_size, by_host ? 0 : 1);
        group = slot.get();
      }
      return std::make_unique<Member_>(group, sub_rank);
    }

    InProcessRanks* g_;
    int rank_;
    int64_t splits_ = 0;
  };

  const int size_;
  const int ranks_per_host_;
  std::shared_ptr<char> block_;  // AllocateShared's block on its way from rank 0 to the others
  std::map<std::pair<int64_t, int>, std::unique_ptr<InProcessRanks>> subgroups_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int waiting_ = 0;
  int64_t generation_ = 0;
  std::vector<std::string> slots_;
};

}  // namespace testing
}  // namespace wordmill

#endif  // WORDMILL_TESTS_IN_PROCESS_RANKS_H_
