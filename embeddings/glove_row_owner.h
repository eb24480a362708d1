// GloVe across ranks without conflicting updates (GLOVE_SYNC_ROW_OWNER; embeddings/README.md).
//
// A rank's records all have word rows i that no other rank trains (co-occurrence shards are
// split by row), so only the context rows j are shared. Here the context rows are cut into
// P blocks (block of j = j mod P) and each rank's training file into P files, one per context
// block. An epoch is P sub-rounds: in sub-round k rank r trains on its records of block
// (r + k) mod P, so in every sub-round each word row and each context row is updated by one
// rank only, and no update is lost, averaged or stale: the epoch is serial AdaGrad over an
// interleaved record order. Between sub-rounds each rank passes the context block it just
// trained (values, biases and AdaGrad sums) to rank r - 1, which trains it next; after P
// passes every rank holds its own block again. At the end of the epoch the rows each rank owns
// are assembled on every rank (one all-reduce) for the checkpoint and the output.
#ifndef WORDMILL_EMBEDDINGS_GLOVE_ROW_OWNER_H_
#define WORDMILL_EMBEDDINGS_GLOVE_ROW_OWNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "embeddings/glove_model.h"

namespace wordmill {

struct ColumnBlocks {
  std::vector<std::string> paths;  // paths[c]: the records with j mod blocks == c
  std::vector<int64_t> records;    // records[c]
  std::vector<uint8_t> word_rows;  // word_rows[i] = 1 if some record has word row i
};

// Splits the (shuffled) training file into `blocks` files `<train_path>.block-<c>`, keeping
// the order (so each stays shuffled), and notes the word rows seen. Streams; removes nothing.
absl::Status SplitByColumnBlock(const std::string& train_path, int blocks, int64_t vocab_size,
                                ColumnBlocks* out);

// Sub-round `k`'s block for this rank: (rank + k) mod size.
inline int ContextBlockFor(int rank, int size, int k) { return (rank + k) % size; }

// Sends the context rows of `block` (values and AdaGrad sums) to rank - 1 and takes the next
// block, (block + 1) mod size, from rank + 1. Collective.
absl::Status PassContextBlock(int block, GloveParams* params, Communicator* comm);

// Makes every rank's parameters the assembled model: each word row from the rank whose records
// have it (rows no rank has keep their common value), each context block c from rank c, which
// holds it at the end of an epoch. `snap_values`/`snap_gradsq` hold the common parameters of
// the epoch's start and are updated to the result. Fails (on every rank) if two ranks trained
// one word row. Collective: all-reduces 2 * 2V(dim + 1) + V floats.
absl::Status AssembleOwnedRows(const std::vector<uint8_t>& word_rows, GloveParams* params,
                               std::vector<float>* snap_values, std::vector<float>* snap_gradsq,
                               Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_EMBEDDINGS_GLOVE_ROW_OWNER_H_
