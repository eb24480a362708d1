// Routing co-occurrence records to the ranks that own their rows.
//
// Route() is collective: every rank passes its sorted, combined pieces (one per thread); each
// record goes to owners[i] in all-to-all rounds of at most `batch_records` records per rank
// (the number of rounds is agreed with a max-reduction, so ranks with less data send empty
// buffers), and what arrives is added to this rank's RunSpiller. Before each round the ranks
// agree (max-reduction) whether any receive buffer could overflow; if so every rank makes room
// (combines, spills) at that round, in parallel, instead of one rank's spill stalling the rest. A
// spill error does not leave the other ranks hanging: the rank keeps taking part in the rounds and
// all ranks agree on the outcome at the end.
#ifndef WORDMILL_WORKERS_COOCCUR_EXCHANGE_H_
#define WORDMILL_WORKERS_COOCCUR_EXCHANGE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "workers/cooccur_record.h"
#include "workers/cooccur_runs.h"

namespace wordmill {

struct RecordSpan {
  const CooccurRecord* data;
  size_t size;
};

class CooccurRouter {
 public:
  CooccurRouter(const std::vector<int32_t>* owners, size_t batch_records, Communicator* comm,
                RunSpiller* spiller)
      : owners_(owners), batch_records_(batch_records), comm_(comm), spiller_(spiller) {}

  absl::Status Route(const std::vector<RecordSpan>& pieces);

  int64_t records_sent() const { return records_sent_; }
  int64_t rounds() const { return rounds_; }

 private:
  void FillSendBuffers(const std::vector<RecordSpan>& pieces, size_t* piece, size_t* offset);
  absl::Status Receive(const std::vector<std::string>& recv);

  const std::vector<int32_t>* owners_;
  size_t batch_records_;
  Communicator* comm_;
  RunSpiller* spiller_;
  std::vector<std::string> send_;
  std::vector<std::string> recv_;
  int64_t records_sent_ = 0;
  int64_t rounds_ = 0;
};

}  // namespace wordmill

#endif  // WORDMILL_WORKERS_COOCCUR_EXCHANGE_H_
