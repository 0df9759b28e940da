// ipt: the command-line entry point. `ipt --help` lists the subcommands,
// `ipt <command> --help` their options with defaults.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <new>

#include "ipt/cli/commands.h"
#include "ipt/pipeline/models.h"
#include "ipt/registry/training.h"
#include "ipt/util/resources.h"
#include "ipt/util/check.h"

int main(int argc, char** argv) {
  ipt::KeepLargeAllocationsInHeap();
  ipt::pipeline::RegisterModels();
  CLI::App app{"IPT: football player tracking from a two-camera rig.\n"
               "Foot-points on the pitch, track IDs, team categories, jersey numbers and player identities."};
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ipt 0.1.0 (commit ") + ipt::registry::CodeVersion() + ")");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")->check(
      CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.parse_complete_callback([&]() { spdlog::set_level(spdlog::level::from_str(log_level)); });
  // Logs go to stderr: stdout carries results (tables, JSON) that may be piped.
  spdlog::set_default_logger(spdlog::stderr_color_mt("ipt"));
  spdlog::set_pattern("[%H:%M:%S %^%l%$] %v");

  ipt::cli::AddSimCommand(app);
  ipt::cli::AddDetectCommand(app);
  ipt::cli::AddEncodeCommand(app);
  ipt::cli::AddRunCommand(app);
  ipt::cli::AddPanoramaCommand(app);
  ipt::cli::AddShowCommand(app);
  ipt::cli::AddRenderCommand(app);
  ipt::cli::AddBenchCommand(app);
  ipt::cli::AddEvalCommand(app);
  ipt::cli::AddEvalCropsCommand(app);
  ipt::cli::AddModelsCommand(app);
  ipt::cli::AddCascadeCommand(app);
  ipt::cli::AddCacheCommand(app);
  ipt::cli::AddTrainAndPrecomputeCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ipt::Error& e) {
    // The user reads what went wrong (input errors name their file, line and field);
    // where in ipt's code it was found is for developers: --log-level debug.
    spdlog::debug("error raised at: {}", e.what());
    std::fprintf(stderr, "ipt: error: %s\n", e.message().c_str());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file the user named cannot be created, read, renamed or removed: say which and why.
    std::string paths = e.path1().string();
    if (!e.path2().empty()) paths += " -> " + e.path2().string();
    std::fprintf(stderr, "ipt: error: %s: %s\n", paths.c_str(), e.code().message().c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ipt: error: out of memory (the input may be larger than this machine can hold)\n");
    return 1;
  } catch (const std::exception& e) {
    // Anything else is a bug in ipt, not the user's input: say so.
    std::fprintf(stderr, "ipt: internal error (please report it): %s\n", e.what());
    return 2;
  }
  return 0;
}
