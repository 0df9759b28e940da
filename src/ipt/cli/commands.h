// The `ipt` subcommands. Each Add*Command registers its options on the app and
// a callback that only converts options and hands over to library code.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

namespace ipt::cli {

void AddSimCommand(CLI::App& app);
void AddPanoramaCommand(CLI::App& app);
void AddShowCommand(CLI::App& app);
void AddRenderCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
void AddEvalCommand(CLI::App& app);
void AddModelsCommand(CLI::App& app);
void AddCascadeCommand(CLI::App& app);
void AddCacheCommand(CLI::App& app);
void AddTrainAndPrecomputeCommands(CLI::App& app);
void AddDetectCommand(CLI::App& app);
// `ipt eval crops`; call after AddEvalCommand.
void AddEvalCropsCommand(CLI::App& app);
void AddRunCommand(CLI::App& app);
void AddEncodeCommand(CLI::App& app);

// A package given as a directory, or as a ref (or unique prefix) in the model store.
std::filesystem::path PackageDirOf(const std::string& model, const std::string& store_root);

}  // namespace ipt::cli
