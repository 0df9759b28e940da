// The `ipt` subcommands. Each Add*Command registers its options on the app and
// a callback that only converts options and hands over to library code.
#pragma once

#include <CLI/CLI.hpp>

namespace ipt::cli {

void AddSimCommand(CLI::App& app);
void AddPanoramaCommand(CLI::App& app);
void AddShowCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
void AddEvalCommand(CLI::App& app);
void AddModelsCommand(CLI::App& app);
void AddCascadeCommand(CLI::App& app);
void AddCacheCommand(CLI::App& app);
void AddTrainAndPrecomputeCommands(CLI::App& app);

}  // namespace ipt::cli
