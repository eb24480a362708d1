// The wordmill subcommands. Each takes the arguments after its name and the job's
// communicator, and returns the process exit code: 0 success, 2 usage errors and bad input
// (the message names the file and position), 1 internal errors. Every rank returns the same
// code, so a failure on one rank ends all of them cleanly.
#ifndef WORDMILL_PIPELINE_COMMANDS_H_
#define WORDMILL_PIPELINE_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cluster/communicator.h"
#include "google/protobuf/message.h"

namespace wordmill {

int RunVocabCommand(const std::vector<std::string>& args, Communicator* comm);
int RunTokenizeCommand(const std::vector<std::string>& args, Communicator* comm);
int RunInspectCommand(const std::vector<std::string>& args, Communicator* comm);
int RunCooccurCommand(const std::vector<std::string>& args, Communicator* comm);
int RunGloveCommand(const std::vector<std::string>& args, Communicator* comm);
int RunSgnsCommand(const std::vector<std::string>& args, Communicator* comm);
int RunEvalCommand(const std::vector<std::string>& args, Communicator* comm);
int RunNeighborsCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill tokenizer train|encode|decode|export`.
int RunTokenizerCommand(const std::vector<std::string>& args, Communicator* comm);
int RunExportCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill rnn train|eval|predict|sample` (pipeline/rnn_command.cc).
int RunRnnCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill run CONFIG`: the whole pipeline (pipeline/run.h).
int RunPipelineCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill version` / `wordmill --version`: version, commit, build and library versions.
int RunVersionCommand(const std::vector<std::string>& args, Communicator* comm);
// `wordmill help [COMMAND]`.
int RunHelpCommand(const std::vector<std::string>& args, Communicator* comm);

// What every subcommand does first: parses `args` into *spec (flags by reflection), hands the
// positional arguments to `take_positional` (null: positional arguments are a usage error),
// prints the help or the effective spec if asked, and validates with `validate`. Returns the
// exit code to return at once (0 after --help/--print-spec, 2 for a usage error, printed by
// rank 0 with the usage line), or -1 to go on.
int PrepareCommand(const std::vector<std::string>& args, const char* name, const char* usage,
                   const char* summary, google::protobuf::Message* spec, Communicator* comm,
                   const std::function<void(const std::string&)>& take_positional,
                   const std::function<absl::Status()>& validate);

// Creates `dir` (and its parents) if missing; an existing non-directory is FailedPrecondition.
absl::Status CreateOutputDir(const std::string& dir);

// 2 for bad input and usage errors, 1 for internal errors, 0 for OK.
int ExitCodeFor(const absl::Status& status);
// Prints `status` as "wordmill: error: ..." (not for Aborted: the failing rank speaks), agrees
// on the exit code across ranks and returns it.
int FinishWithStatus(const absl::Status& status, Communicator* comm);

}  // namespace wordmill

#endif  // WORDMILL_PIPELINE_COMMANDS_H_
