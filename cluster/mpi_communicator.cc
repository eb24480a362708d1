// MPI_COMM_WORLD behind the Communicator interface. Only this file includes mpi.h.
// Only the C API is used; skip the deprecated C++ bindings and their warnings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <sys/statvfs.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/communicator.h"

namespace wordmill {
namespace {

// An MPI error as a Status naming the call, this rank and its host (a lost TCP connection on a
// multi-host job is otherwise hard to place).
absl::Status MpiStatus(int code, const char* what) {
  if (code == MPI_SUCCESS) return absl::OkStatus();
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, message, &length);
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int host_length = 0;
  MPI_Get_processor_name(host, &host_length);
  return absl::InternalError(absl::StrCat(what, " on rank ", rank, " (host ",
                                          std::string(host, host_length),
                                          "): ", std::string(message, length)));
}

absl::Status CheckSize(size_t bytes, const char* what) {
  if (bytes > static_cast<size_t>(INT_MAX)) {
    return absl::InternalError(
        absl::StrCat(what, ": ", bytes, " bytes exceed MPI's 2 GiB message limit"));
  }
  return absl::OkStatus();
}

MPI_Op ToMpi(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return MPI_SUM;
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
  }
  return MPI_SUM;
}

// MPI_Win_allocate_shared memory, freed (collectively) with the object.
class MpiSharedMemory final : public SharedMemory {
 public:
  MpiSharedMemory(MPI_Win win, void* data, size_t size) : win_(win), data_(data), size_(size) {}
  ~MpiSharedMemory() override { MPI_Win_free(&win_); }
  void* data() override { return data_; }
  size_t size() const override { return size_; }

 private:
  MPI_Win win_;
  void* data_;
  size_t size_;
};

class MpiCommunicator final : public Communicator {
 public:
  static constexpr int kAllToAllTag = 0x57414c;
  // MPI_COMM_WORLD (finalizes MPI when destroyed) or a communicator split from it (freed).
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    // Errors come back as codes so that they become Status values instead of aborting.
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm local;
    MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &local_size_);
    MPI_Comm_free(&local);
    // Every rank learns every rank's host once, so an error can name the failing machine.
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int length = 0;
    MPI_Get_processor_name(name, &length);
    std::vector<char> names(static_cast<size_t>(size_) * MPI_MAX_PROCESSOR_NAME);
    MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(), MPI_MAX_PROCESSOR_NAME,
                  MPI_CHAR, comm_);
    hosts_.resize(size_);
    for (int r = 0; r < size_; ++r) {
      const char* begin = names.data() + static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME;
      hosts_[r].assign(begin, strnlen(begin, MPI_MAX_PROCESSOR_NAME));
    }
  }
  ~MpiCommunicator() override {
    if (comm_ == MPI_COMM_WORLD) {
      MPI_Finalize();
    } else {
      MPI_Comm_free(&comm_);
    }
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }
  std::string host(int rank) const override {
    return rank >= 0 && rank < size_ ? hosts_[rank] : "unknown";
  }

  // The counts go through MPI_Alltoall; the data moves point to point straight from send[r]
  // into (*recv)[r]: no staging copies into and out of one contiguous buffer, and a caller
  // that keeps `recv` from call to call reuses its strings' capacity (no fresh pages faulted
  // in per round; see workers/cooccur_exchange.cc).
  absl::Status AllToAll(const std::vector<std::string>& send,
                        std::vector<std::string>* recv) override {
    if (static_cast<int>(send.size()) != size_) {
      return absl::InvalidArgumentError("AllToAll: send.size() != size()");
    }
    std::vector<int> send_counts(size_), recv_counts(size_);
    for (int r = 0; r < size_; ++r) {
      if (auto s = CheckSize(send[r].size(), "AllToAll"); !s.ok()) return s;
      send_counts[r] = static_cast<int>(send[r].size());
    }
    if (auto s = MpiStatus(
            MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, comm_),
            "MPI_Alltoall");
        !s.ok()) {
      return s;
    }
    recv->resize(size_);
    std::vector<MPI_Request> requests;
    requests.reserve(2 * size_);
    absl::Status status;
    for (int r = 0; r < size_ && status.ok(); ++r) {
      std::string& in = (*recv)[r];
      in.resize(static_cast<size_t>(recv_counts[r]));
      if (r == rank_) {
        in.assign(send[r]);
        continue;
      }
      if (recv_counts[r] > 0) {
        requests.emplace_back();
        status = MpiStatus(MPI_Irecv(in.data(), recv_counts[r], MPI_BYTE, r, kAllToAllTag, comm_,
                                     &requests.back()),
                           "MPI_Irecv");
      }
    }
    for (int k = 1; k < size_ && status.ok(); ++k) {
      const int r = (rank_ + k) % size_;  // staggered, so ranks do not all send to rank 0 first
      if (send_counts[r] == 0) continue;
      requests.emplace_back();
      status = MpiStatus(MPI_Isend(send[r].data(), send_counts[r], MPI_BYTE, r, kAllToAllTag, comm_,
                                   &requests.back()),
                         "MPI_Isend");
    }
    const absl::Status waited = MpiStatus(
        MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
        "MPI_Waitall");
    return status.ok() ? waited : status;
  }

  absl::Status AllReduce(absl::Span<int64_t> values, ReduceOp op) override {
    return Reduce(values.data(), values.size(), MPI_INT64_T, op);
  }
  absl::Status AllReduce(absl::Span<double> values, ReduceOp op) override {
    return Reduce(values.data(), values.size(), MPI_DOUBLE, op);
  }
  absl::Status AllReduce(absl::Span<float> values, ReduceOp op) override {
    return Reduce(values.data(), values.size(), MPI_FLOAT, op);
  }

  absl::Status Broadcast(std::string* data, int root) override {
    int64_t length = static_cast<int64_t>(data->size());
    if (auto s = MpiStatus(MPI_Bcast(&length, 1, MPI_INT64_T, root, comm_), "MPI_Bcast"); !s.ok()) {
      return s;
    }
    if (auto s = CheckSize(static_cast<size_t>(length), "Broadcast"); !s.ok()) return s;
    data->resize(static_cast<size_t>(length));
    return MpiStatus(MPI_Bcast(data->data(), static_cast<int>(length), MPI_BYTE, root, comm_),
                     "MPI_Bcast");
  }

  absl::Status Gather(const std::string& send, std::vector<std::string>* recv, int root) override {
    if (auto s = CheckSize(send.size(), "Gather"); !s.ok()) return s;
    int count = static_cast<int>(send.size());
    std::vector<int> counts(size_), displs(size_);
    if (auto s = MpiStatus(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_),
                           "MPI_Gather");
        !s.ok()) {
      return s;
    }
    size_t total = 0;
    if (rank_ == root) {
      for (int r = 0; r < size_; ++r) {
        displs[r] = static_cast<int>(total);
        total += counts[r];
        if (auto s = CheckSize(total, "Gather"); !s.ok()) return s;
      }
    }
    std::string buffer(total, '\0');
    if (auto s = MpiStatus(MPI_Gatherv(send.data(), count, MPI_BYTE, buffer.data(), counts.data(),
                                       displs.data(), MPI_BYTE, root, comm_),
                           "MPI_Gatherv");
        !s.ok()) {
      return s;
    }
    recv->clear();
    if (rank_ == root) {
      recv->resize(size_);
      for (int r = 0; r < size_; ++r) (*recv)[r].assign(buffer, displs[r], counts[r]);
    }
    return absl::OkStatus();
  }

  absl::Status Barrier() override { return MpiStatus(MPI_Barrier(comm_), "MPI_Barrier"); }

  absl::StatusOr<std::unique_ptr<Communicator>> SplitByHost() override {
    MPI_Comm host;
    if (auto s =
            MpiStatus(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &host),
                      "MPI_Comm_split_type");
        !s.ok()) {
      return s;
    }
    return std::unique_ptr<Communicator>(new MpiCommunicator(host));
  }

  absl::StatusOr<std::unique_ptr<Communicator>> Split(int color) override {
    MPI_Comm part;
    if (auto s = MpiStatus(MPI_Comm_split(comm_, color < 0 ? MPI_UNDEFINED : color, rank_, &part),
                           "MPI_Comm_split");
        !s.ok()) {
      return s;
    }
    if (part == MPI_COMM_NULL) return std::unique_ptr<Communicator>();
    return std::unique_ptr<Communicator>(new MpiCommunicator(part));
  }

  // Rank 0 allocates the whole block; the others map it (MPI_Win_shared_query). 64 bytes more
  // than asked so that the block can start on a cache line whatever MPI's alignment.
  absl::StatusOr<std::unique_ptr<SharedMemory>> AllocateShared(size_t bytes) override {
    // Open MPI backs the segment with a file in /dev/shm (osc/sm); a tmpfs without room for it
    // would let the allocation succeed and kill the process with SIGBUS at the first touch of
    // a page it cannot back. Rank 0 checks, and every rank learns its answer.
    int64_t free_when_short = -1;  // /dev/shm's free bytes if too few, else -1
    struct statvfs fs;
    if (rank_ == 0 && statvfs("/dev/shm", &fs) == 0) {
      const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      if (free < bytes + (uint64_t{64} << 20)) free_when_short = static_cast<int64_t>(free);
    }
    if (auto s = MpiStatus(MPI_Bcast(&free_when_short, 1, MPI_INT64_T, 0, comm_), "MPI_Bcast");
        !s.ok()) {
      return s;
    }
    if (free_when_short >= 0) {
      return absl::ResourceExhaustedError(
          absl::StrCat(bytes >> 20, " MiB of shared memory needed, /dev/shm has ",
                       free_when_short >> 20, " MiB free"));
    }
    const MPI_Aint mine = rank_ == 0 ? static_cast<MPI_Aint>(bytes + 64) : 0;
    void* base = nullptr;
    MPI_Win win;
    if (auto s = MpiStatus(MPI_Win_allocate_shared(mine, 1, MPI_INFO_NULL, comm_, &base, &win),
                           "MPI_Win_allocate_shared");
        !s.ok()) {
      return s;
    }
    MPI_Aint size = 0;
    int unit = 0;
    if (auto s =
            MpiStatus(MPI_Win_shared_query(win, 0, &size, &unit, &base), "MPI_Win_shared_query");
        !s.ok()) {
      MPI_Win_free(&win);
      return s;
    }
    const uintptr_t address = (reinterpret_cast<uintptr_t>(base) + 63) / 64 * 64;
    void* data = reinterpret_cast<void*>(address);
    if (rank_ == 0) std::memset(data, 0, bytes);
    auto memory = std::make_unique<MpiSharedMemory>(win, data, bytes);
    if (auto s = Barrier(); !s.ok()) return s;  // zeroed before anyone uses it
    return std::unique_ptr<SharedMemory>(std::move(memory));
  }

 private:
  absl::Status Reduce(void* data, size_t n, MPI_Datatype type, ReduceOp op) {
    if (n > static_cast<size_t>(INT_MAX)) return CheckSize(n, "AllReduce");
    return MpiStatus(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), type, ToMpi(op), comm_),
                     "MPI_Allreduce");
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  int local_size_ = 1;
  std::vector<std::string> hosts_;
};

bool LaunchedByMpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK",
                           "MV2_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Communicator> CreateCommunicator(int* argc, char*** argv) {
  if (!LaunchedByMpi()) return CreateLocalCommunicator();
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  return std::make_unique<MpiCommunicator>();
}

void AbortJob(int exit_code) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

std::string MpiCompiledVersion() {
#ifdef OMPI_MAJOR_VERSION
  return absl::StrCat(OMPI_MAJOR_VERSION, ".", OMPI_MINOR_VERSION, ".", OMPI_RELEASE_VERSION);
#else
  return absl::StrCat("MPI ", MPI_VERSION, ".", MPI_SUBVERSION);
#endif
}

std::string MpiLibraryVersion() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "unknown";
  const std::string all(text);  // NUL-terminated
  return all.substr(0, all.find('\n'));
}

}  // namespace wordmill
