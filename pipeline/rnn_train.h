// `wordmill rnn train` as a library function: RnnTrainCommand + communicator -> model.wmrec,
// metrics.json and the figures (the CLI in pipeline/rnn_command.cc and a pipeline stage are thin
// wrappers around it).
//
// Steps: read the examples (workers/rnn_data.h) on every rank; build the vocabulary (<unk>, for
// lm </s>, then the training words by count; dev/test words the vectors file has get their
// pretrained rows too); initialise the embedding from the vectors file (formats/vectors.h: any
// format wordmill reads) — words the file lacks get random rows, counted, and the coverage is
// printed — or at random; split into folds (seeded, stratified by label) unless test files are
// given; train and score each fold (embeddings/rnn_trainer.h), checkpointing every epoch
// (output_dir/checkpoint/) so that --resume continues a killed run; write the outputs atomically
// from rank 0.
#ifndef WORDMILL_PIPELINE_RNN_TRAIN_H_
#define WORDMILL_PIPELINE_RNN_TRAIN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/communicator.h"
#include "embeddings/rnn_trainer.h"
#include "formats/wordmill.pb.h"

namespace wordmill {

struct RnnFoldResult {
  HeadStats test;                      // scored on the fold's test part
  std::vector<RnnEpochRecord> epochs;  // the fold's epochs
  int64_t tokens = 0;                  // training tokens of this run
  double seconds = 0;                  // training seconds of this run
};

struct RnnTrainOutputs {
  std::vector<std::string> files;  // model.wmrec, metrics.json
  std::vector<RnnFoldResult> folds;
  double accuracy = -1;       // percent, mean over folds (classify, tag)
  double accuracy_ci95 = -1;  // half-width of the 95% interval
  double perplexity = -1;     // lm: mean over folds
  double tokens_per_second = 0;
  int64_t vocab = 0, covered = 0;  // vocabulary words (without specials), found in the file
  double token_coverage = 0;       // fraction of training tokens whose word the file has
  bool stopped = false;            // stop_after_epochs
};

// Rejects inconsistent options (InvalidArgument naming the flag).
absl::Status ValidateRnnTrainCommand(const RnnTrainCommand& spec);

// Collective. Prints the data, coverage and result lines (rank 0, stdout) and progress lines
// (stderr, every runtime.progress_seconds).
absl::StatusOr<RnnTrainOutputs> RunRnnTrain(const RnnTrainCommand& spec, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_RNN_TRAIN_H_
