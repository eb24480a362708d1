#include "cluster/communicator.h"

#include <unistd.h>

#include <climits>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wordmill {

std::string Communicator::host(int /*rank*/) const {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string Communicator::Where() const {
  return absl::StrCat("rank ", rank(), " (host ", host(rank()), ")");
}

absl::Status Communicator::AgreeOk(const absl::Status& local) {
  // The lowest failing rank, or size() if none failed.
  int64_t first_failed = local.ok() ? size() : rank();
  absl::Status reduced = AllReduce(absl::MakeSpan(&first_failed, 1), ReduceOp::kMin);
  if (!reduced.ok()) return reduced;
  if (!local.ok()) {
    // On a multi-host job the message must say which machine saw the bad file or full disk.
    // Aborted statuses already name the failing rank; a status agreed twice keeps one prefix.
    const std::string where = Where();
    if (size() == 1 || local.code() == absl::StatusCode::kAborted ||
        absl::StartsWith(local.message(), where)) {
      return local;
    }
    return absl::Status(local.code(), absl::StrCat(where, ": ", local.message()));
  }
  if (first_failed < size()) {
    const int failed = static_cast<int>(first_failed);
    return absl::AbortedError(
        absl::StrCat("stopped because rank ", failed, " (host ", host(failed), ") failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::SplitByHost() {
  return absl::UnimplementedError("this communicator cannot split by host");
}

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::Split(int) {
  return absl::UnimplementedError("this communicator cannot split");
}

absl::StatusOr<std::unique_ptr<SharedMemory>> Communicator::AllocateShared(size_t) {
  return absl::UnimplementedError("this communicator cannot share memory");
}

absl::StatusOr<int64_t> Communicator::SumInt64(int64_t value) {
  absl::Status s = AllReduce(absl::MakeSpan(&value, 1), ReduceOp::kSum);
  if (!s.ok()) return s;
  return value;
}

absl::StatusOr<int64_t> Communicator::MinInt64(int64_t value) {
  absl::Status s = AllReduce(absl::MakeSpan(&value, 1), ReduceOp::kMin);
  if (!s.ok()) return s;
  return value;
}

absl::StatusOr<int64_t> Communicator::MaxInt64(int64_t value) {
  absl::Status s = AllReduce(absl::MakeSpan(&value, 1), ReduceOp::kMax);
  if (!s.ok()) return s;
  return value;
}

}  // namespace wordmill
