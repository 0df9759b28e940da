#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "ipt/cli/commands.h"
#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"
#include "ipt/util/limits.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

// `ipt bench MATCH`: the foundation's per-frame costs on a user's own match
// (decode both videos, stitch the panorama, cut crops at the annotated people).
void AddBenchCommand(CLI::App& app) {
  struct Args {
    std::string match;
    int frames = 250;
    int threads = 0;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure decoding, panorama stitching and crop cutting on a match: ms per frame,\n"
               "frames per second and peak memory.");
  cmd->add_option("MATCH", args->match, "match directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--frames", args->frames, "frames to process (from frame 1)")->check(CLI::Range(1, limits::kMaxFrames));
  cmd->add_option("--threads", args->threads, "OpenCV threads (0 = all cores)")->check(CLI::Range(0, limits::kMaxThreads));
  cmd->add_flag("--json", args->json, "print one JSON object instead of a table");
  cmd->callback([args]() {
    if (args->threads > 0) cv::setNumThreads(args->threads);
    io::MatchDir match = io::OpenMatchDir(args->match);
    geometry::Rig rig = match.info.MakeRig();
    geometry::Panorama panorama(rig, match.info.panorama);
    io::MatchVideos videos(match);
    const int frames = std::min(args->frames, match.info.frame_count);
    double decode_s = 0, stitch_s = 0, crop_s = 0;
    int64_t crops = 0;
    cv::Mat left, right, pano;
    ProgressBar bar("bench", "frames");
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
      bar.Update(f, frames);
    }
    bar.Finish();
    auto ms = [&](double s) { return 1000.0 * s / frames; };
    nlohmann::json out = {
        {"match", args->match}, {"frames", frames},
        {"camera_size", fmt::format("{}x{}", rig.cameras[0].intrinsics().width_px, rig.cameras[0].intrinsics().height_px)},
        {"threads", cv::getNumThreads()},
        {"decode_ms_per_frame", ms(decode_s)}, {"stitch_ms_per_frame", ms(stitch_s)},
        {"crops_per_frame", static_cast<double>(crops) / frames}, {"crop_ms_per_frame", ms(crop_s)},
        {"frames_per_s_total", frames / (decode_s + stitch_s + crop_s)},
        {"peak_rss_mib", PeakRssBytes() / 1048576.0}};
    if (args->json) {
      fmt::print("{}\n", out.dump(2));
      return;
    }
    fmt::print("match {}: {} frames of 2 x {}, {} OpenCV threads\n", args->match, frames,
               out["camera_size"].get<std::string>(), cv::getNumThreads());
    fmt::print("  {:<28}{:>10.2f} ms/frame\n", "decode both videos", ms(decode_s));
    fmt::print("  {:<28}{:>10.2f} ms/frame\n",
               fmt::format("stitch panorama {}x{}", panorama.options().height_px, panorama.options().width_px),
               ms(stitch_s));
    fmt::print("  {:<28}{:>10.2f} ms/frame  ({:.1f} crops/frame)\n", "cut 128x256 crops", ms(crop_s),
               static_cast<double>(crops) / frames);
    fmt::print("  {:<28}{:>10.1f} frames/s\n", "all of it", frames / (decode_s + stitch_s + crop_s));
    fmt::print("  {:<28}{:>10.0f} MiB\n", "peak memory", PeakRssBytes() / 1048576.0);
  });
}

}  // namespace ipt::cli
