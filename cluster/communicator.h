// The thin communication layer every distributed stage talks through.
//
// Workers and trainers call these few collectives and nothing else of MPI, so a
// single-process run (LocalCommunicator) takes exactly the same code paths as an
// `mpirun -np N` run (MpiCommunicator). All calls are collective: every rank calls them in the
// same order. Errors are returned as absl::Status; a rank that fails must still reach the next
// AgreeOk() so that all ranks stop together instead of hanging in a collective.
#ifndef WORDMILL_CLUSTER_COMMUNICATOR_H_
#define WORDMILL_CLUSTER_COMMUNICATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace wordmill {

enum class ReduceOp { kSum, kMin, kMax };

// Memory that every rank of one host maps (Communicator::AllocateShared).
class SharedMemory {
 public:
  virtual ~SharedMemory() = default;
  // 64-byte aligned; the same bytes on every rank of the communicator, at each rank's own
  // address.
  virtual void* data() = 0;
  virtual size_t size() const = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Ranks sharing this rank's host (for the default thread count).
  virtual int local_size() const = 0;
  // The host name `rank` runs on (MPI_Get_processor_name, gathered once at start-up), so that
  // errors on a multi-host job say where they happened. The default is this process's host.
  virtual std::string host(int rank) const;
  // "rank R (host H)" for this rank: the prefix of errors that leave the rank.
  std::string Where() const;

  // send[r] goes to rank r; on return recv[r] holds what rank r sent here. send.size() must be
  // size(). Each buffer must be below 2 GiB; callers send large data in bounded rounds.
  virtual absl::Status AllToAll(const std::vector<std::string>& send,
                                std::vector<std::string>* recv) = 0;
  // Element-wise reduction in place; every rank ends with the same values.
  virtual absl::Status AllReduce(absl::Span<int64_t> values, ReduceOp op) = 0;
  virtual absl::Status AllReduce(absl::Span<double> values, ReduceOp op) = 0;
  virtual absl::Status AllReduce(absl::Span<float> values, ReduceOp op) = 0;
  // Rank `root`'s *data is copied to every rank.
  virtual absl::Status Broadcast(std::string* data, int root) = 0;
  // Every rank's `send` is collected on `root` into (*recv)[rank]; other ranks get nothing.
  virtual absl::Status Gather(const std::string& send, std::vector<std::string>* recv,
                              int root) = 0;
  virtual absl::Status Barrier() = 0;

  // The ranks of this rank's host as a communicator (in this communicator's rank order).
  // Collective. Unimplemented where a communicator cannot share memory.
  virtual absl::StatusOr<std::unique_ptr<Communicator>> SplitByHost();
  // The ranks that pass the same color as a communicator (in rank order); a rank passing a
  // negative color takes part but gets nullptr. Collective.
  virtual absl::StatusOr<std::unique_ptr<Communicator>> Split(int color);
  // `bytes` of zero-filled memory mapped by every rank of this communicator, whose ranks must
  // share one host (a communicator from SplitByHost). Collective, and so is its release: every
  // rank destroys its SharedMemory at the same point of the program.
  virtual absl::StatusOr<std::unique_ptr<SharedMemory>> AllocateShared(size_t bytes);

  // Collective agreement on success: returns OK on every rank if `local` is OK on every rank.
  // Otherwise the failing rank gets its own status back (with more than one rank, its message
  // prefixed by Where()) and the others get an Aborted status naming the lowest failing rank and
  // its host, so every rank can stop at the same point.
  absl::Status AgreeOk(const absl::Status& local);

  // Convenience wrappers over AllReduce.
  absl::StatusOr<int64_t> SumInt64(int64_t value);
  absl::StatusOr<int64_t> MaxInt64(int64_t value);
  absl::StatusOr<int64_t> MinInt64(int64_t value);
};

// A communicator of one rank: collectives are copies.
std::unique_ptr<Communicator> CreateLocalCommunicator();

// MPI_COMM_WORLD when the process was started by an MPI launcher (mpirun, srun: detected from
// the launcher's environment variables), otherwise a local communicator, so `wordmill` runs
// without mpirun too. MPI is initialized with MPI_THREAD_FUNNELED (only the calling thread
// communicates) and finalized when the communicator is destroyed.
std::unique_ptr<Communicator> CreateCommunicator(int* argc, char*** argv);

// The MPI wordmill was compiled against ("4.1.4", Open MPI's version macros) and the first line
// of MPI_Get_library_version (the library it runs with; callable before MPI_Init), for
// `wordmill --version`.
std::string MpiCompiledVersion();
std::string MpiLibraryVersion();

// Ends the whole job from any rank (MPI_Abort); for use only when a rank cannot reach the next
// collective (e.g. a crash-grade internal error).
[[noreturn]] void AbortJob(int exit_code);

}  // namespace wordmill

#endif  // WORDMILL_CLUSTER_COMMUNICATOR_H_
