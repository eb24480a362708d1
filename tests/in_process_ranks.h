// InProcessRanks: P ranks as threads of one process, each with a Communicator whose collectives
// meet through shared memory, for testing multi-rank code without mpirun (a whole run stays in
// one gtest process, so failures point at lines and models can be compared directly).
#ifndef WORDMILL_TESTS_IN_PROCESS_RANKS_H_
#define WORDMILL_TESTS_IN_PROCESS_RANKS_H_

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/communicator.h"

namespace wordmill {
namespace testing {

// P ranks in one process. Every collective: each rank deposits its bytes, all wait, each reads
// what it needs (reductions in rank order 0, 1, ..., so results are deterministic), all wait.
class InProcessRanks {
 public:
  explicit InProcessRanks(int size) : size_(size), slots_(size) {}

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

  class Member_ final : public Communicator {
   public:
    Member_(InProcessRanks* group, int rank) : g_(group), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_->size_; }
    int local_size() const override { return g_->size_; }
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
    InProcessRanks* g_;
    int rank_;
  };

  const int size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int waiting_ = 0;
  int64_t generation_ = 0;
  std::vector<std::string> slots_;
};

}  // namespace testing
}  // namespace wordmill

#endif  // WORDMILL_TESTS_IN_PROCESS_RANKS_H_
