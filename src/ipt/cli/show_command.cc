#include <spdlog/spdlog.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <utility>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/viz/overlay.h"

namespace ipt::cli {
namespace {

// Before any work: the extension names an image format OpenCV can write.
void CheckImagePath(const std::string& path, const char* option) {
  if (path.empty() && std::string(option) != "--out") return;  // optional outputs not asked for
  const bool writable = !path.empty() && !std::filesystem::is_directory(path) && cv::haveImageWriter(path);
  IPT_CHECK(writable, "{} '{}': not an image file name OpenCV can write (use .png or .jpg)", option, Echo(path));
}

void WriteImage(const std::string& path, const cv::Mat& image) {
  AtomicPath out(path);
  IPT_CHECK(cv::imwrite(out.temp().string(), image), "cannot write image {}", path);
  out.Commit();
}

}  // namespace

void AddShowCommand(CLI::App& app) {
  struct Args {
    std::string match, out, crops, cameras;
    int frame = 1;
    int columns = 8;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "show", "Draw one frame: the panorama with ground-truth foot-points, ids and jersey numbers\n"
              "beside a top-down pitch minimap; optionally a contact sheet of the people's crops.");
  cmd->add_option("MATCH", args->match, "match directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--frame", args->frame, "frame number (1-based)")->check(CLI::Range(1, limits::kMaxFrames));
  cmd->add_option("--out", args->out, "output image (.png)")->required();
  cmd->add_option("--crops", args->crops, "also write the 128x256 perspective crops of that frame here (.png)");
  cmd->add_option("--cameras", args->cameras, "also write the two raw camera frames side by side here");
  cmd->add_option("--columns", args->columns, "crops per row in the contact sheet")->check(CLI::Range(1, 100));
  cmd->callback([args]() {
    io::MatchDir match = io::OpenMatchDir(args->match);
    CheckOutputNotInput(args->out, match.InputFiles(), "--out");
    CheckOutputNotInput(args->crops, match.InputFiles(), "--crops");
    CheckOutputNotInput(args->cameras, match.InputFiles(), "--cameras");
    // Three different pictures: none may overwrite another.
    CheckOutputNotInput(args->crops, {args->out}, "--crops");
    CheckOutputNotInput(args->cameras, {args->out, args->crops}, "--cameras");
    for (const auto& [option, path] : {std::pair<const char*, const std::string&>{"--out", args->out},
                                       {"--crops", args->crops}, {"--cameras", args->cameras}}) {
      CheckImagePath(path, option);
    }
    IPT_CHECK(args->frame <= match.info.frame_count, "--frame {} is beyond the match's {} frames", args->frame,
              match.info.frame_count);
    geometry::Rig rig = match.info.MakeRig();
    geometry::Panorama panorama(rig, match.info.panorama);
    io::MatchVideos videos(match);
    videos.Seek(args->frame);
    cv::Mat left, right, pano;
    IPT_CHECK(videos.Read(&left, &right), "cannot read frame {}", args->frame);
    panorama.Stitch(left, right, &pano);
    auto rows = match.FrameAnnotations(args->frame);
    if (!match.annotations) spdlog::warn("{} has no annotations.csv: drawing the panorama only", args->match);
    viz::DrawOnPanorama(rows, panorama, &pano);
    cv::Mat minimap = viz::DrawMinimap(rows, match.info.pitch, &rig, {pano.rows, 6.0});
    WriteImage(args->out, viz::SideBySide({pano, minimap}));
    spdlog::info("wrote {} (frame {}, {} people)", args->out, args->frame, rows.size());

    if (!args->cameras.empty()) {
      WriteImage(args->cameras, viz::SideBySide({left, right}));
      spdlog::info("wrote {}", args->cameras);
    }
    if (!args->crops.empty()) {
      int crops = 0;
      WriteImage(args->crops, viz::CropSheetOfFrame(rows, rig, {left, right}, args->columns, &crops));
      spdlog::info("wrote {} ({} crops)", args->crops, crops);
    }
  });
}

}  // namespace ipt::cli
