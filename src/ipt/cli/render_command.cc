#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/util/limits.h"
#include "ipt/util/progress.h"
#include "ipt/viz/render.h"

namespace ipt::cli {

void AddRenderCommand(CLI::App& app) {
  struct Args {
    std::string out_dir, match, video;
    viz::RenderOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "render", "A pipeline output drawn over its match as a video: the panorama with each person's box, foot-point\n"
                "and label (\"P7 #10\": roster player 7 wearing 10; \"P7?\": player 7 as a best guess; \"T12\": track 12,\n"
                "no player named), coloured by category, beside a top-down minimap with short trails. The video\n"
                "appears only when complete.");
  cmd->add_option("OUT", args->out_dir, "output directory of `ipt run` (its tracks.csv)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--match", args->match, "the match directory the output is of")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", args->video, "video to write (.mp4)")->required();
  cmd->add_option("--frames", args->options.max_frames, "only the first N frames (0 = all)")->check(CLI::Range(0, limits::kMaxFrames));
  cmd->add_option("--trail-seconds", args->options.trail_seconds, "minimap trails, seconds of play (0 = none)")
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--codec", args->options.codec, "video FourCC (mp4v; avc1 is smaller and slower)");
  cmd->add_option("--stills", args->options.stills, "also write this many evenly spaced frames as PNGs")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--stills-dir", args->options.stills_dir, "where the stills go (default: VIDEO's name + _stills)");
  cmd->callback([args]() {
    ProgressBar bar("render", "frames");
    viz::RenderOptions o = args->options;
    if (o.stills > 0 && o.stills_dir.empty()) {
      const std::filesystem::path video(args->video);
      o.stills_dir = video.parent_path() / (video.stem().string() + "_stills");
    }
    o.progress = [&bar](int done, int total) { bar.Update(done, total); };
    const viz::RenderReport r = viz::RenderOutput(args->out_dir, args->match, args->video, o);
    bar.Finish();
    spdlog::info("wrote {} ({} frames of {}x{} px, {} rows drawn, {:.1f} ms/frame)", args->video, r.frames, r.width_px,
                 r.height_px, r.rows_drawn, r.frames ? 1000 * r.seconds / r.frames : 0.0);
  });
}

}  // namespace ipt::cli
