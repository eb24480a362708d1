#include "workers/cooccur_exchange.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace wordmill {

void CooccurRouter::FillSendBuffers(const std::vector<RecordSpan>& pieces, size_t* piece,
                                    size_t* offset) {
  // The buffers keep their capacity from round to round: fresh multi-MB strings would be
  // mmapped and page-faulted in every round.
  send_.resize(comm_->size());
  for (std::string& buffer : send_) {
    buffer.clear();
    buffer.reserve(batch_records_ * sizeof(CooccurRecord));
  }
  size_t taken = 0;
  while (*piece < pieces.size() && taken < batch_records_) {
    const RecordSpan& span = pieces[*piece];
    const size_t n = std::min(span.size - *offset, batch_records_ - taken);
    // Pieces are sorted by row, so records for one owner come in runs: one append per run.
    const size_t stop = *offset + n;
    for (size_t k = *offset; k < stop;) {
      const int32_t owner = (*owners_)[span.data[k].i];
      size_t e = k + 1;
      while (e < stop && (*owners_)[span.data[e].i] == owner) ++e;
      send_[owner].append(reinterpret_cast<const char*>(span.data + k),
                          (e - k) * sizeof(CooccurRecord));
      k = e;
    }
    taken += n;
    *offset += n;
    if (*offset == span.size) {
      ++*piece;
      *offset = 0;
    }
  }
  records_sent_ += static_cast<int64_t>(taken);
}

absl::Status CooccurRouter::Receive(const std::vector<std::string>& recv) {
  for (const std::string& bytes : recv) {
    if (bytes.size() % sizeof(CooccurRecord) != 0) {
      return absl::InternalError(absl::StrCat("co-occurrence exchange: received ", bytes.size(),
                                              " bytes, not a multiple of the record size"));
    }
    const size_t n = bytes.size() / sizeof(CooccurRecord);
    // Pieces from a source arrive sorted; the spiller sorts what it buffers anyway.
    for (size_t k = 0; k < n; k += spiller_->capacity() / 2) {
      const size_t m = std::min(n - k, spiller_->capacity() / 2);
      const char* data = bytes.data() + k * sizeof(CooccurRecord);
      if (absl::Status s = spiller_->Add(data, m); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status CooccurRouter::Route(const std::vector<RecordSpan>& pieces) {
  size_t total = 0;
  for (const RecordSpan& span : pieces) total += span.size;
  const int64_t my_rounds = static_cast<int64_t>((total + batch_records_ - 1) / batch_records_);
  absl::StatusOr<int64_t> rounds = comm_->MaxInt64(my_rounds);
  if (!rounds.ok()) return rounds.status();
  size_t piece = 0, offset = 0;
  absl::Status local;
  const size_t most_in = batch_records_ * static_cast<size_t>(comm_->size());
  for (int64_t round = 0; round < *rounds; ++round) {
    // If some rank's receive buffer could overflow in this round, all ranks make room now,
    // in parallel, rather than one after the other inside the rounds.
    if (comm_->size() > 1) {
      absl::StatusOr<int64_t> any_full =
          comm_->MaxInt64(local.ok() && spiller_->NeedsRoom(most_in) ? 1 : 0);
      if (!any_full.ok()) return any_full.status();
      if (*any_full != 0 && local.ok()) local = spiller_->MakeRoom();
    }
    FillSendBuffers(pieces, &piece, &offset);
    if (absl::Status s = comm_->AllToAll(send_, &recv_); !s.ok()) return s;
    if (local.ok()) local = Receive(recv_);
    ++rounds_;
  }
  return comm_->AgreeOk(local);
}

}  // namespace wordmill
