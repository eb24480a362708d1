// The wordmill binary: picks the subcommand and hands over; all logic lives in the libraries.
#include <cstdio>
#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "pipeline/commands.h"

int main(int argc, char** argv) {
  std::unique_ptr<wordmill::Communicator> comm = wordmill::CreateCommunicator(&argc, &argv);
  const std::string command = argc > 1 ? argv[1] : "help";
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  int code;
  if (command == "vocab") {
    code = wordmill::RunVocabCommand(args, comm.get());
  } else if (command == "tokenize") {
    code = wordmill::RunTokenizeCommand(args, comm.get());
  } else if (command == "tokenizer") {
    code = wordmill::RunTokenizerCommand(args, comm.get());
  } else if (command == "sgns") {
    code = wordmill::RunSgnsCommand(args, comm.get());
  } else if (command == "inspect") {
    code = wordmill::RunInspectCommand(args, comm.get());
  } else if (command == "cooccur") {
    code = wordmill::RunCooccurCommand(args, comm.get());
  } else if (command == "glove") {
    code = wordmill::RunGloveCommand(args, comm.get());
  } else if (command == "eval") {
    code = wordmill::RunEvalCommand(args, comm.get());
  } else if (command == "neighbors") {
    code = wordmill::RunNeighborsCommand(args, comm.get());
  } else if (command == "export") {
    code = wordmill::RunExportCommand(args, comm.get());
  } else if (command == "rnn") {
    code = wordmill::RunRnnCommand(args, comm.get());
  } else if (command == "run") {
    code = wordmill::RunPipelineCommand(args, comm.get());
  } else if (command == "version" || command == "--version") {
    code = wordmill::RunVersionCommand(args, comm.get());
  } else if (command == "help" || command == "--help" || command == "-h") {
    code = wordmill::RunHelpCommand(args, comm.get());
  } else {
    if (comm->rank() == 0) {
      std::fprintf(stderr, "wordmill: unknown command '%s' (try `wordmill help`)\n",
                   command.c_str());
    }
    code = 2;
  }
  comm.reset();  // MPI_Finalize before exit
  return code;
}
