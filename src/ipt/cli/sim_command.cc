#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/util/limits.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/util/paths.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

void AddSimCommand(CLI::App& app) {
  struct Args {
    std::string config, out;
    uint64_t seed = 7;
    double seconds = 30;
    bool force = false;
    int threads = 2;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Render a synthetic match with full ground truth into a match directory\n"
             "(match.yaml, left.mp4, right.mp4, annotations.csv).");
  cmd->add_option("--config", args->config, "YAML overriding the defaults of configs/sim_default.yaml")
      ->check(CLI::ExistingFile);
  cmd->add_option("--seed", args->seed, "random seed: the same seed gives the same match")->check(Seed());
  cmd->add_option("--seconds", args->seconds, "length of the match in seconds (at most 12 hours)")
      ->check(PositiveUpTo(limits::kMaxMatchSeconds));
  cmd->add_option("--out", args->out, "output match directory")->required();
  cmd->add_flag("--force", args->force, "replace the output directory if it exists and ipt wrote it");
  cmd->add_option("--threads", args->threads, "cameras rendered in parallel")->check(CLI::Range(1, 2));
  cmd->callback([args]() {
    // Refuse what cannot work before loading or rendering anything.
    CheckOutputNotInput(args->out, {args->config}, "--out");
    CheckReplaceableOutputDir(args->out, args->force, "--out");
    sim::SimConfig config = args->config.empty() ? sim::SimConfig{} : sim::LoadSimConfig(args->config);
    sim::MatchFrameCount(args->seconds, config.fps);
    Stopwatch watch;
    ProgressBar bar("rendering", "frames");
    sim::WriteOptions options;
    options.overwrite = args->force;
    options.threads = args->threads;
    auto match = sim::WriteSyntheticMatch(config, args->seed, args->seconds, args->out, options, bar.Callback());
    bar.Finish();
    spdlog::info("wrote {}: {} frames x 2 cameras, {} annotation rows, in {:.1f} s (peak memory {:.0f} MiB)",
                 args->out, match.info.frame_count, match.annotations.size(), watch.Seconds(),
                 PeakRssBytes() / 1048576.0);
  });
}

}  // namespace ipt::cli
