#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

void AddPanoramaCommand(CLI::App& app) {
  struct Args {
    std::string match, out, codec = "mp4v";
    int max_frames = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("panorama", "Stitch a match's two camera videos into the 512x1024 panorama video.");
  cmd->add_option("MATCH", args->match, "match directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", args->out, "output video (.mp4)")->required();
  cmd->add_option("--frames", args->max_frames, "stop after this many frames (0 = all)")->check(CLI::Range(0, limits::kMaxFrames));
  cmd->add_option("--codec", args->codec, "video FourCC");
  cmd->callback([args]() {
    io::MatchDir match = io::OpenMatchDir(args->match);
    CheckOutputNotInput(args->out, match.InputFiles(), "--out");
    geometry::Panorama panorama(match.info.MakeRig(), match.info.panorama);
    io::MatchVideos videos(match);
    const auto& o = panorama.options();
    int total = args->max_frames > 0 ? std::min(args->max_frames, match.info.frame_count) : match.info.frame_count;
    io::VideoWriter writer(args->out, match.info.fps, cv::Size(o.width_px, o.height_px), args->codec);
    ProgressBar bar("panorama", "frames");
    cv::Mat left, right, pano;
    Stopwatch watch;
    double stitch_s = 0;
    for (int f = 0; f < total && videos.Read(&left, &right); ++f) {
      Stopwatch stitch;
      panorama.Stitch(left, right, &pano);
      stitch_s += stitch.Seconds();
      writer.Write(pano);
      bar.Update(f + 1, total);
    }
    writer.Close();
    bar.Finish();
    spdlog::info("wrote {} ({} frames, stitching {:.2f} ms/frame, total {:.1f} s)", args->out,
                 writer.frames_written(), 1000 * stitch_s / std::max(1, writer.frames_written()), watch.Seconds());
  });
}

}  // namespace ipt::cli
