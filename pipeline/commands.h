// The wordmill subcommands. Each takes the arguments after its name and the job's
// communicator, and returns the process exit code: 0 success, 2 usage errors and bad input
// (the message names the file and position), 1 internal errors. Every rank returns the same
// code, so a failure on one rank ends all of them cleanly.
#ifndef WORDMILL_PIPELINE_COMMANDS_H_
#define WORDMILL_PIPELINE_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"

namespace wordmill {

int RunVocabCommand(const std::vector<std::string>& args, Communicator* comm);
int RunTokenizeCommand(const std::vector<std::string>& args, Communicator* comm);
int RunInspectCommand(const std::vector<std::string>& args, Communicator* comm);
int RunCooccurCommand(const std::vector<std::string>& args, Communicator* comm);
int RunGloveCommand(const std::vector<std::string>& args, Communicator* comm);
int RunSgnsCommand(const std::vector<std::string>& args, Communicator* comm);
int RunEvalCommand(const std::vector<std::string>& args, Communicator* comm);
int RunNeighborsCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill help [COMMAND]`.
int RunHelpCommand(const std::vector<std::string>& args, Communicator* comm);

// 2 for bad input and usage errors, 1 for internal errors, 0 for OK.
int ExitCodeFor(const absl::Status& status);
// Prints `status` as "wordmill: error: ..." (not for Aborted: the failing rank speaks), agrees
// on the exit code across ranks and returns it.
int FinishWithStatus(const absl::Status& status, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_COMMANDS_H_
