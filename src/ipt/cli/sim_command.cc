#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <optional>

#include <opencv2/imgcodecs.hpp>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/sim/jersey_scenes.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/util/atomic_path.h"
#include "ipt/viz/overlay.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/sim/variation.h"
#include "ipt/util/paths.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

namespace {
constexpr int kSceneSheetColumns = 7;  // crops per row of a scene's contact sheet

// `ipt sim --jersey-scenes N`: the scenes of one stadium as pictures in the directory
// `out` (written whole, then renamed into place).
void WriteJerseyScenePictures(const sim::SimConfig& base, uint64_t seed, int scenes, const std::filesystem::path& out,
                              bool force) {
  CheckReplaceableOutputDir(out, force, "--out");
  sim::JerseySceneOptions options;
  options.scenes_per_stadium = scenes;
  AtomicPath dir(out);
  std::filesystem::create_directories(dir.temp());
  WriteOutputMarker(dir.temp());
  int people = 0, legible = 0;
  sim::RenderJerseyScenes(base, seed, options, [&](const sim::JerseyScene& scene) {
    const std::vector<cv::Mat> frames = {scene.frames[0], scene.frames[1]};
    auto write = [&](const std::string& name, const cv::Mat& image) {
      IPT_CHECK(cv::imwrite((dir.temp() / name).string(), image), "cannot write {}", (out / name).string());
    };
    write(fmt::format("scene-{}.jpg", scene.index + 1), viz::SideBySide(frames));
    write(fmt::format("crops-{}.png", scene.index + 1),
          viz::CropSheetOfFrame(scene.people, scene.rig, frames, kSceneSheetColumns));
    for (const auto& a : scene.people) {
      ++people;
      legible += a.jersey && a.legibility == io::Legibility::kLegible;
    }
  });
  dir.Commit();
  spdlog::info("wrote {} jersey scenes of stadium {} to {} ({} people, {} with a legible number; "
               "scene-K.jpg: both cameras, crops-K.png: everyone's crop, * = legible)",
               scenes, seed, out.string(), people, legible);
}
}  // namespace

void AddSimCommand(CLI::App& app) {
  struct Args {
    std::string config, out, seeds;
    uint64_t seed = 7;
    double seconds = 30;
    bool force = false;
    bool vary = false;
    int threads = 2;
    int jersey_scenes = 0;
    std::optional<int> substitutions;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Render a synthetic match with full ground truth into a match directory\n"
             "(match.yaml, left.mp4, right.mp4, annotations.csv); with --seeds, one match per\n"
             "seed under OUT/seed-N (a dataset; seeds 1000-4999 train, 5000-5999 validate).");
  cmd->add_option("--config", args->config, "YAML overriding the defaults of configs/sim_default.yaml")
      ->check(CLI::ExistingFile);
  auto* seed = cmd->add_option("--seed", args->seed, "random seed: the same seed gives the same match")->check(Seed());
  cmd->add_option("--seeds", args->seeds, "a dataset: seeds A-B or A,B,C, one match each in OUT/seed-N")
      ->excludes(seed)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            try {
              sim::ParseSeedList(text);
              return "";
            } catch (const Error& e) {
              return e.message();
            }
          },
          "A-B or A,B,C"));
  cmd->add_flag("--vary", args->vary,
                "draw the stadium from the seed: pitch, rig height and distance, lens, kits, light, noise, codec\n"
                "(ranges in sim/variation.h); the config gives everything else");
  cmd->add_option("--substitutions", args->substitutions,
                  "bench players per team who come on for an outfield starter (the config's\n"
                  "people.substitutions_per_team; 0 by default): called in the first half of the match,\n"
                  "written to match.yaml's substitutions")
      ->check(CLI::Range(0, sim::PeopleOptions::kMaxSubstitutionsPerTeam));
  cmd->add_option("--seconds", args->seconds, "length of each match in seconds (at most 12 hours)")
      ->check(PositiveUpTo(limits::kMaxMatchSeconds));
  cmd->add_option("--out", args->out, "output match directory (with --seeds: the dataset directory)")->required();
  cmd->add_flag("--force", args->force, "replace an output match directory if it exists and ipt wrote it");
  cmd->add_option("--threads", args->threads, "cameras rendered in parallel")->check(CLI::Range(1, 2));
  cmd->add_option("--jersey-scenes", args->jersey_scenes,
                  "instead of a match: N jersey scenes of the stadium drawn for --seed, the number reader's\n"
                  "training data (sim/jersey_scenes.h), as pictures OUT/scene-K.jpg and OUT/crops-K.png")
      ->check(CLI::Range(1, 1000))
      ->excludes("--seeds")
      ->excludes("--vary")
      ->excludes("--substitutions");
  cmd->callback([args]() {
    if (args->jersey_scenes > 0) {
      CheckOutputNotInput(args->out, {args->config}, "--out");
      WriteJerseyScenePictures(args->config.empty() ? sim::SimConfig{} : sim::LoadSimConfig(args->config), args->seed,
                               args->jersey_scenes, args->out, args->force);
      return;
    }
    // Refuse what cannot work before loading or rendering anything.
    std::vector<uint64_t> seeds = {args->seed};
    std::vector<std::filesystem::path> outs = {args->out};
    if (!args->seeds.empty()) {
      seeds = sim::ParseSeedList(args->seeds);
      outs.clear();
      for (uint64_t s : seeds) outs.push_back(sim::DatasetMatchDir(args->out, s));
    }
    for (const auto& out : outs) {
      CheckOutputNotInput(out, {args->config}, "--out");
      CheckReplaceableOutputDir(out, args->force, "--out");
    }
    sim::SimConfig base = args->config.empty() ? sim::SimConfig{} : sim::LoadSimConfig(args->config);
    if (args->substitutions) base.people.substitutions_per_team = *args->substitutions;
    base.Check();
    sim::MatchFrameCount(args->seconds, base.fps);
    std::vector<sim::SimConfig> configs;
    for (uint64_t s : seeds) configs.push_back(args->vary ? sim::Vary(base, s) : base);

    Stopwatch total;
    for (size_t i = 0; i < seeds.size(); ++i) {
      const std::string name = fmt::format("seed-{}", seeds[i]);
      spdlog::info("{} ({}/{}, {}){}{}", name, i + 1, seeds.size(), sim::SeedSplitName(sim::SplitOfSeed(seeds[i])),
                   args->vary ? ": " : "", args->vary ? sim::DescribeVariation(configs[i]) : "");
      Stopwatch watch;
      ProgressBar bar(seeds.size() > 1 ? fmt::format("{} {}/{}", name, i + 1, seeds.size()) : "rendering", "frames");
      sim::WriteOptions options;
      options.overwrite = args->force;
      options.threads = args->threads;
      auto match = sim::WriteSyntheticMatch(configs[i], seeds[i], args->seconds, outs[i], options, bar.Callback());
      bar.Finish();
      spdlog::info("wrote {}: {} frames x 2 cameras, {} annotation rows, {} substitutions, in {:.1f} s (peak memory "
                   "{:.0f} MiB)",
                   outs[i].string(), match.info.frame_count, match.annotations.size(), match.info.substitutions.size(),
                   watch.Seconds(), PeakRssBytes() / 1048576.0);
    }
    if (seeds.size() > 1) spdlog::info("wrote {} matches under {} in {:.1f} s", seeds.size(), args->out, total.Seconds());
  });
}

}  // namespace ipt::cli
