// `ipt run` and `ipt encode`: option parsing only; the work is pipeline/run.h.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/io/match_dir.h"
#include "ipt/nn/threads.h"
#include "ipt/pipeline/run.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/progress.h"

namespace ipt::cli {
namespace {

// One progress bar per stage, replaced when the stage changes.
class StageBars {
 public:
  void Update(const std::string& stage, int64_t done, int64_t total) {
    if (stage != stage_) {
      if (bar_) bar_->Finish();
      stage_ = stage;
      bar_ = std::make_unique<ProgressBar>(stage, stage == "attributes" ? "tracks" : "frames");
    }
    bar_->Update(done, total);
  }
  void Finish() {
    if (bar_) bar_->Finish();
    bar_.reset();
  }

 private:
  std::string stage_;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace

void AddRunCommand(CLI::App& app) {
  struct Args {
    std::string match, models = "models.yaml", out;
    std::string store = registry::DefaultModelStoreRoot().string(), cache = store::DefaultArtifactStoreRoot().string();
    std::string attributes, tracker, jersey;
    int threads = 2, frames = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "run", "The pipeline on one match: frame level (detector + crop encoder) and track level (tracker)\n"
             "through the precompute store (a second run is a cache hit), then per track category, jersey\n"
             "and player_id. Writes OUT/tracks.csv, OUT/predictions-gsr.json (SoccerNet GSR) and OUT/run.json\n"
             "(refs, cache keys, timings); OUT is replaced whole, only when the run succeeds.\n"
             "Score it with `ipt eval match --gt MATCH --pred OUT`.");
  cmd->add_option("MATCH", args->match, "match directory (annotations.csv not needed)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--models", args->models, "collection naming the detector, crop_encoder and tracker (and optionally jn_classifier, identity_resolver)")->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "output directory (absent, empty, or one ipt wrote: it is replaced)")->required();
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--cache", args->cache, "precompute store ($IPT_CACHE, default ./cache)");
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_option("--frames", args->frames, "only the first N frames (0 = all; cached separately)")
      ->check(CLI::Range(0, limits::kMaxFrames));
  cmd->add_option("--attributes", args->attributes,
                  "YAML of per-track category/jersey/smoothing options (any subset of configs/track_attributes.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tracker", args->tracker,
                  "gnn: the collection's tracker, which must be the GNN tracker; online: the online tracker with\n"
                  "its default options (packaged for the collection's detector and crop encoder); REF: a tracker\n"
                  "package in --store trained with the collection's detector and crop encoder; default: the\n"
                  "collection's tracker");
  cmd->add_option("--jersey", args->jersey,
                  "who reads the jersey: classifier (the collection's JN classifier) or vote (legible crops'\n"
                  "majority; the identity resolver, which names players with the classifier's probabilities, is then\n"
                  "not run either: roster look-up); default: the classifier when the collection names one and the run\n"
                  "uses its tracker")
      ->check(CLI::IsMember({"classifier", "vote"}));
  cmd->callback([args]() {
    nn::SetTorchThreads(args->threads);
    pipeline::RunOptions options;
    options.tracker = args->tracker;
    options.jersey = args->jersey;
    if (!args->attributes.empty()) options.attributes = pipeline::ReadTrackAttributesOptions(args->attributes);
    options.models_yaml = args->models;
    options.model_store = args->store;
    options.cache = args->cache;
    options.threads = args->threads;
    options.max_frames = args->frames;
    StageBars bars;
    options.progress = [&bars](const std::string& stage, int64_t done, int64_t total) { bars.Update(stage, done, total); };
    const pipeline::RunReport r = pipeline::Run(args->match, args->out, options);
    bars.Finish();
    const nlohmann::json j = r.ToJson();
    std::string stages;
    for (const auto& [stage, ms] : j["timings_ms_per_frame"].items()) {
      stages += fmt::format("{}{} {:.1f}", stages.empty() ? "" : ", ", stage, ms.get<double>());
    }
    spdlog::info("frame layer: {}; track layer: {}", r.layers.at("frame").hit ? "cache hit" : "computed",
                 r.layers.at("track").hit ? "cache hit" : "computed");
    spdlog::info("{} frames, {} detections, {} tracks ({} rows, {} of them filling gaps; {} non-person tracks and {} "
                 "with too few confident detections left out; {} cuts at substitutions, {} where numbers change, {} where kits change, {} where "
                 "appearance changes, {} exchanges undone, "
                 "{} name splices, {} named by elimination, {} fragments joined)",
                 r.frames, r.detections, r.tracks, r.rows, r.filled_rows, r.dropped_tracks, r.dropped_unconfirmed_tracks,
                 r.substitution_cuts, r.number_change_cuts, r.kit_change_cuts, r.appearance_change_cuts, r.exchanges, r.name_splices,
                 r.tracks_named_by_elimination, r.fragment_links);
    if (r.identity_source == "identity_resolver")
      spdlog::info("{} identities, {} of them named as a best guess (less likely than min_player_probability)",
                   r.identities, r.identities_named_unsure);
    spdlog::info("ms/frame: {}; {:.1f} frames/s end to end, peak memory {:.0f} MiB", stages,
                 j["frames_per_second"].get<double>(), j["peak_memory_mib"].get<double>());
    fmt::print("wrote {}/tracks.csv, predictions-gsr.json, run.json\n", args->out);
  });
}

void AddEncodeCommand(CLI::App& app) {
  struct Args {
    std::vector<std::string> matches;
    std::string models = "models.yaml";
    std::string store = registry::DefaultModelStoreRoot().string(), cache = store::DefaultArtifactStoreRoot().string();
    std::string match_root;
    int threads = 2, frames = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "encode", "Fill the frame-level precompute layer (detector + crop encoder) for matches: present\n"
                "entries are hits, missing ones are computed and stored.");
  cmd->add_option("MATCH", args->matches, "match directories")->check(CLI::ExistingDirectory);
  cmd->add_option("--matches", args->match_root, "directory whose subdirectories are matches")->check(CLI::ExistingDirectory);
  cmd->add_option("--models", args->models, "collection naming the detector and crop_encoder")->check(CLI::ExistingFile);
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--cache", args->cache, "precompute store ($IPT_CACHE, default ./cache)");
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_option("--frames", args->frames, "only the first N frames (0 = all; cached separately)")
      ->check(CLI::Range(0, limits::kMaxFrames));
  cmd->callback([args]() {
    std::vector<std::filesystem::path> matches(args->matches.begin(), args->matches.end());
    if (!args->match_root.empty()) {
      for (const auto& dir : io::FindMatchDirs(args->match_root)) matches.push_back(dir);
    }
    IPT_CHECK(!matches.empty(), "no match given (MATCH... or --matches DIR)");
    nn::SetTorchThreads(args->threads);
    pipeline::EncodeOptions options;
    options.models_yaml = args->models;
    options.model_store = args->store;
    options.cache = args->cache;
    options.max_frames = args->frames;
    std::unique_ptr<ProgressBar> bar;
    size_t current = matches.size();
    options.progress = [&](size_t match, int64_t done, int64_t total) {
      if (match != current) {
        if (bar) bar->Finish();
        current = match;
        bar = std::make_unique<ProgressBar>(fmt::format("encode {}", matches[match].filename().string()), "frames");
      }
      bar->Update(done, total);
    };
    const pipeline::EncodeReport r = pipeline::EncodeMatches(matches, options);
    if (bar) bar->Finish();
    int hits = 0;
    for (size_t i = 0; i < matches.size(); ++i) {
      hits += r.hits[i];
      fmt::print("{}  frame {}  {}\n", r.hits[i] ? "hit     " : "computed", r.keys[i].substr(0, 12), matches[i].string());
    }
    std::string stages;
    for (const auto& [stage, seconds] : r.stage_seconds) {
      stages += fmt::format("{}{} {:.1f}", stages.empty() ? "" : ", ", stage, 1000 * seconds / std::max(1, r.frames_computed));
    }
    fmt::print("frame layer: {} hits, {} computed ({} frames{}{}) in {:.1f} s\n", hits, matches.size() - hits,
               r.frames_computed, stages.empty() ? "" : "; ms/frame: ", stages, r.seconds);
  });
}

}  // namespace ipt::cli
