#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <iterator>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/nn/threads.h"
#include "ipt/pipeline/bench.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"
#include "ipt/util/limits.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

// `ipt bench MATCH`: the foundation's per-frame costs on a user's own match
// (decode both videos, stitch the panorama, cut crops at the annotated people).
namespace {

// A new, empty directory under the system's temporary directory (mkdtemp).
std::filesystem::path MakeTempDirectory(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  IPT_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot create a temporary directory {}", pattern);
  return pattern;
}

// Decode both videos, stitch the panorama, cut crops at the annotated people.
nlohmann::json BenchFoundation(const std::string& match_path, int max_frames) {
  io::MatchDir match = io::OpenMatchDir(match_path);
  geometry::Rig rig = match.info.MakeRig();
  geometry::Panorama panorama(rig, match.info.panorama);
  io::MatchVideos videos(match);
  const int frames = std::min(max_frames, match.info.frame_count);
  double decode_s = 0, stitch_s = 0, crop_s = 0;
  int64_t crops = 0;
  cv::Mat left, right, pano;
  ProgressBar bar("foundation", "frames");
  int done = 0;
  for (int f = 1; f <= frames; ++f) {
    Stopwatch decode;
    if (!videos.Read(&left, &right)) break;
    decode_s += decode.Seconds();
    Stopwatch stitch;
    panorama.Stitch(left, right, &pano);
    stitch_s += stitch.Seconds();
    const cv::Mat* images[2] = {&left, &right};
    Stopwatch crop;
    for (const auto& a : match.FrameAnnotations(f)) {
      auto view = geometry::MakeCropView(rig.cameras, {a.x_m, a.z_m});
      if (!view) continue;
      cv::Mat c = geometry::CutCrop(*images[view->camera_index], rig.cameras[view->camera_index], *view);
      ++crops;
    }
    crop_s += crop.Seconds();
    bar.Update(++done, frames);
  }
  bar.Finish();
  IPT_CHECK(done > 0, "{}: no frame could be read", match_path);
  auto ms = [&](double s) { return 1000.0 * s / done; };
  return {{"frames", done},
          {"camera_size", fmt::format("{}x{}", rig.cameras[0].intrinsics().width_px, rig.cameras[0].intrinsics().height_px)},
          {"panorama_size", fmt::format("{}x{}", panorama.options().width_px, panorama.options().height_px)},
          {"decode_ms_per_frame", ms(decode_s)}, {"stitch_ms_per_frame", ms(stitch_s)},
          {"crops_per_frame", static_cast<double>(crops) / done}, {"crop_ms_per_frame", ms(crop_s)},
          {"frames_per_s_total", done / (decode_s + stitch_s + crop_s)},
          {"peak_rss_mib", PeakRssBytes() / 1048576.0}};
}

void PrintFoundation(const nlohmann::json& j) {
  fmt::print("foundation: {} frames of 2 x {}\n", j["frames"].get<int>(), j["camera_size"].get<std::string>());
  fmt::print("  {:<34}{:>10.2f} ms/frame\n", "decode both videos", j["decode_ms_per_frame"].get<double>());
  fmt::print("  {:<34}{:>10.2f} ms/frame\n", "stitch panorama " + j["panorama_size"].get<std::string>(),
             j["stitch_ms_per_frame"].get<double>());
  fmt::print("  {:<34}{:>10.2f} ms/frame  ({:.1f} crops/frame)\n", "cut 128x256 crops", j["crop_ms_per_frame"].get<double>(),
             j["crops_per_frame"].get<double>());
  fmt::print("  {:<34}{:>10.1f} frames/s\n", "all of it", j["frames_per_s_total"].get<double>());
  fmt::print("  {:<34}{:>10.0f} MiB\n", "peak memory", j["peak_rss_mib"].get<double>());
}

void PrintPipeline(const nlohmann::json& j) {
  fmt::print("pipeline (ipt run): {} frames, {} detections, {} tracks; tracker {}, jersey {}, player_id {}; {} threads\n",
             j["frames"].get<int>(), j["detections"].get<int64_t>(), j["tracks"].get<int64_t>(),
             j["tracker"].get<std::string>(), j["jersey"].get<std::string>(), j["player_id"].get<std::string>(),
             j["threads"].get<int>());
  // In pipeline order (decoding and stitching overlap the rest on a background thread).
  const char* order[] = {"decode_stitch", "detector", "crops", "encoder", "tracker", pipeline::kStrayEndStage, pipeline::kSubstitutionCutStage,
                         pipeline::kNumberChangeStage, pipeline::kKitChangeStage, pipeline::kAppearanceChangeStage, pipeline::kExchangeStage, "jn_classifier", "attributes", "identity_resolver", pipeline::kNameSpliceStage, pipeline::kNameEliminationStage, pipeline::kFragmentLinkStage,
                         pipeline::kSmoothStage, "write"};
  std::vector<std::string> stages(std::begin(order), std::end(order));
  for (const auto& [stage, ms] : j["stages_ms_per_frame"].items()) {
    if (std::find(stages.begin(), stages.end(), stage) == stages.end()) stages.push_back(stage);
  }
  for (const auto& stage : stages) {
    if (!j["stages_ms_per_frame"].contains(stage)) continue;
    const double ms = j["stages_ms_per_frame"][stage].get<double>();
    fmt::print("  {:<34}{:>10.2f} ms/frame  {:>8.1f} frames/s\n", stage, ms, ms > 0 ? 1000 / ms : 0.0);
  }
  for (const char* run : {"cold", "warm"}) {
    fmt::print("  {:<34}{:>10.2f} ms/frame  {:>8.1f} frames/s\n",
               std::string(run) == "cold" ? "end to end, cold (all computed)" : "end to end, warm (layer cache hits)",
               j[run]["ms_per_frame"].get<double>(), j[run]["frames_per_second"].get<double>());
  }
  fmt::print("  {:<34}{:>10.0f} MiB\n", "peak memory", j["peak_rss_mib"].get<double>());
}

void PrintMatchLevel(const nlohmann::json& j) {
  fmt::print("match level on synthesized layers: {:.0f} minutes, {} frames, {} people, {} rows, {} tracks "
             "({} person tracks, {} identities)\n",
             j["minutes"].get<double>(), j["frames"].get<int>(), j["people"].get<int>(), j["rows"].get<int64_t>(),
             j["tracks"].get<int64_t>(), j["person_tracks"].get<int64_t>(), j["identities"].get<int>());
  // In the order they run.
  fmt::print("  track layer: {}\n", j["track_layer"].get<std::string>());
  for (const char* stage : {pipeline::kReadLayerStage, pipeline::kTrackerStage, pipeline::kStrayEndStage, pipeline::kSubstitutionCutStage,
                            pipeline::kNumberChangeStage, pipeline::kKitChangeStage, pipeline::kAppearanceChangeStage, pipeline::kExchangeStage, pipeline::kJnClassifierStage, pipeline::kAttributesStage,
                            pipeline::kIdentityStage, pipeline::kNameSpliceStage, pipeline::kNameEliminationStage, pipeline::kFragmentLinkStage, pipeline::kSmoothStage,
                            pipeline::kWriteOutputsStage}) {
    if (!j["stages"].contains(stage)) continue;
    const auto& v = j["stages"][stage];
    fmt::print("  {:<34}{:>10.2f} s  {:>8.3f} ms/frame\n", stage, v["seconds"].get<double>(), v["ms_per_frame"].get<double>());
  }
  fmt::print("  {:<34}{:>10.2f} s\n", "in all (read, match level, write)", j["match_level_seconds"].get<double>());
  fmt::print("  {:<34}{:>10.0f} MiB\n", "frame layer file (read by block)", j["frame_layer_file_mib"].get<double>());
  fmt::print("  {:<34}{:>10.0f} MiB\n", "track layer in memory", j["track_layer_mib"].get<double>());
  fmt::print("  {:<34}{:>10.0f} MiB\n", "memory before (track layer, models)", j["rss_before_mib"].get<double>());
  fmt::print("  {:<34}{:>10.0f} MiB\n", "peak memory during", j["peak_rss_mib"].get<double>());
}

}  // namespace

// `ipt bench MATCH`: the foundation's per-frame costs on a user's own match; with
// --models the whole pipeline per stage (cold and warm); with --match-minutes the match
// level on layers synthesized for a match of that length.
void AddBenchCommand(CLI::App& app) {
  struct Args {
    std::string match, models, store = registry::DefaultModelStoreRoot().string(), work;
    int frames = 250;
    int threads = 2;
    double match_minutes = 0;
    bool track_level = false;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure the pipeline on a match: ms per frame, frames per second and peak memory\n"
               "(decoding and stitching; every stage of `ipt run`; the match level of a whole match).");
  cmd->footer(
      "Modes:\n"
      "  ipt bench MATCH                   decode, panorama stitching, crop cutting\n"
      "  ipt bench MATCH --models M        and every stage of `ipt run` (detector, crops, crop encoder, tracker,\n"
      "                                    JN classifier, attributes, identity resolver), cold (a fresh precompute\n"
      "                                    store) and warm (both layers cache hits)\n"
      "  ipt bench MATCH --models M --match-minutes 90\n"
      "                                    what `ipt run` does after the streaming levels (the frame layer read\n"
      "                                    from a store entry block by block, models 4 and 5, the outputs written)\n"
      "                                    on layers synthesized at full size for that long (MATCH's roster and\n"
      "                                    fps); the layer's file (~28 MB a minute) goes under $TMPDIR, removed after");
  cmd->add_option("MATCH", args->match, "match directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--models", args->models, "collection: also benchmark `ipt run` with these models")->check(CLI::ExistingFile);
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--frames", args->frames, "frames to process (from frame 1)")->check(CLI::Range(1, limits::kMaxFrames));
  cmd->add_option("--threads", args->threads, "OpenCV and LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_option("--match-minutes", args->match_minutes,
                  "only the match level, on a synthesized match this long (--frames and --work do not apply)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--track-level", args->track_level,
               "with --match-minutes: the track layer computed from the frame layer's file by the collection's "
               "tracker (chunk by chunk, as on a cache miss; the GNN takes ~1 ms a frame) instead of synthesized");
  cmd->add_option("--work", args->work, "scratch directory for the pipeline runs (default: a fresh one under /tmp, removed)");
  cmd->add_flag("--json", args->json, "print one JSON object instead of tables");
  cmd->callback([args]() {
    cv::setNumThreads(args->threads);
    nn::SetTorchThreads(args->threads);
    nlohmann::json out = {{"match", args->match}, {"threads", args->threads}};
    if (args->match_minutes > 0) {
      IPT_CHECK(!args->models.empty(), "--match-minutes needs --models (the collection's JN classifier and identity resolver)");
    } else {
      IPT_CHECK(!args->track_level, "--track-level goes with --match-minutes");
    }
    if (args->match_minutes > 0) {
      pipeline::SyntheticLayersOptions layers;
      layers.minutes = args->match_minutes;
      layers.Check();  // the range of minutes: one definition
      spdlog::info("synthesizing {:.0f} minutes of frame and track layers", layers.minutes);
      out["match_level"] = ToJson(pipeline::BenchMatchLevel(args->match, args->models, args->store, layers, args->threads,
                                                                    args->track_level));
      if (args->json) fmt::print("{}\n", out.dump(2));
      else PrintMatchLevel(out["match_level"]);
      return;
    }
    out["foundation"] = BenchFoundation(args->match, args->frames);
    if (!args->models.empty()) {
      const bool own_work = args->work.empty();
      const std::filesystem::path work = own_work ? MakeTempDirectory("ipt-bench") : std::filesystem::path(args->work);
      pipeline::RunOptions options;
      options.models_yaml = args->models;
      options.model_store = args->store;
      options.cache = work / "cache";
      options.threads = args->threads;
      options.max_frames = args->frames;
      try {
        out["pipeline"] = ToJson(pipeline::BenchPipeline(args->match, work / "run", options));
      } catch (...) {
        if (own_work) std::filesystem::remove_all(work);
        throw;
      }
      if (own_work) std::filesystem::remove_all(work);
    }
    if (args->json) {
      fmt::print("{}\n", out.dump(2));
      return;
    }
    PrintFoundation(out["foundation"]);
    if (out.contains("pipeline")) PrintPipeline(out["pipeline"]);
  });
}

}  // namespace ipt::cli
