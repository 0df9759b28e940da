#include "ipt/viz/render.h"

#include <cmath>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include "ipt/eval/pipeline_output.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"
#include "ipt/io/video.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"
#include "ipt/viz/overlay.h"

namespace ipt::viz {
namespace fs = std::filesystem;

void RenderOptions::Check() const {
  IPT_CHECK(max_frames >= 0 && max_frames <= limits::kMaxFrames, "max_frames must be in [0, {}]", limits::kMaxFrames);
  IPT_CHECK(std::isfinite(trail_seconds) && trail_seconds >= 0 && trail_seconds <= 600, "trail_seconds must be in [0, 600]");
  IPT_CHECK(codec.size() == 4, "codec must be a FourCC (4 characters), got '{}'", Echo(codec));
  IPT_CHECK(stills >= 0 && stills <= 1000, "stills must be in [0, 1000]");
  IPT_CHECK(stills == 0 || !stills_dir.empty(), "stills need a directory");
}

std::string OutputRowLabel(const eval::PipelineRow& row) {
  const std::string jersey = row.jersey ? fmt::format(" #{}", *row.jersey) : "";
  if (!row.player_id) return fmt::format("T{}{}", row.track_id, jersey);
  return fmt::format("P{}{}{}", *row.player_id, row.player_guessed.value_or(false) ? "?" : "", jersey);
}

RenderReport RenderOutput(const fs::path& output_dir, const fs::path& match_dir, const fs::path& video,
                          const RenderOptions& options) {
  options.Check();
  Stopwatch watch;
  const io::MatchDir match = io::OpenMatchDir(match_dir);
  const fs::path tracks_csv = output_dir / eval::kTracksCsvName;
  std::vector<fs::path> inputs = match.InputFiles();
  inputs.push_back(tracks_csv);
  CheckOutputNotInput(video, inputs, "--out");
  if (options.stills > 0) CheckOutputNotInput(options.stills_dir, inputs, "--stills-dir");
  const std::vector<eval::PipelineRow> rows = eval::ReadTracksCsv(tracks_csv, match.info.frame_count);
  std::map<int, std::vector<const eval::PipelineRow*>> by_frame;
  for (const auto& r : rows) by_frame[r.frame].push_back(&r);

  const geometry::Rig rig = match.info.MakeRig();
  const geometry::Panorama panorama(rig, match.info.panorama);
  const int total = options.max_frames > 0 ? std::min(options.max_frames, match.info.frame_count) : match.info.frame_count;
  const int trail_frames = static_cast<int>(std::lround(options.trail_seconds * match.info.fps));
  MinimapOptions minimap;
  minimap.height_px = panorama.options().height_px;
  io::MatchVideos videos(match);
  std::unique_ptr<io::VideoWriter> writer;
  std::set<int> still_frames;  // evenly spaced, the middle of each of `stills` parts
  for (int k = 0; k < options.stills; ++k) still_frames.insert(1 + static_cast<int>((k + 0.5) * total / options.stills));
  // Each drawn id's recent foot-points: (frame, position).
  std::map<int64_t, std::pair<io::Category, std::deque<std::pair<int, Eigen::Vector2d>>>> trails;
  RenderReport report;
  cv::Mat left, right, pano;
  for (int f = 1; f <= total && videos.Read(&left, &right); ++f) {
    panorama.Stitch(left, right, &pano);
    std::vector<io::Annotation> people;
    std::vector<std::string> labels;
    auto it = by_frame.find(f);
    if (it != by_frame.end()) {
      for (const eval::PipelineRow* r : it->second) {
        if (!r->category) {
          ++report.rows_without_category;
          continue;
        }
        io::Annotation a;
        a.frame = f;
        a.person_id = static_cast<int>(r->player_id ? *r->player_id : r->track_id);
        a.x_m = r->x_m;
        a.z_m = r->z_m;
        a.category = *r->category;
        a.jersey = r->jersey;
        people.push_back(a);
        labels.push_back(OutputRowLabel(*r));
        auto& trail = trails[r->player_id ? -1 - int64_t{*r->player_id} : r->track_id];
        trail.first = *r->category;
        trail.second.push_back({f, {r->x_m, r->z_m}});
      }
    }
    report.rows_drawn += static_cast<int64_t>(people.size());
    std::vector<MinimapTrail> lines;
    for (auto t = trails.begin(); t != trails.end();) {
      auto& points = t->second.second;
      while (!points.empty() && points.front().first <= f - trail_frames) points.pop_front();
      if (points.empty()) {
        t = trails.erase(t);
        continue;
      }
      MinimapTrail line;
      line.category = t->second.first;
      for (const auto& [frame, p] : points) line.points.push_back(p);
      lines.push_back(std::move(line));
      ++t;
    }
    DrawOnPanorama(people, panorama, &pano, kPersonBoxHeightM, labels);
    const cv::Mat frame = SideBySide({pano, DrawMinimap(people, match.info.pitch, &rig, minimap, lines)});
    if (!writer) {
      writer = std::make_unique<io::VideoWriter>(video, match.info.fps, frame.size(), options.codec);
      report.width_px = frame.cols;
      report.height_px = frame.rows;
    }
    writer->Write(frame);
    ++report.frames;
    if (still_frames.count(f)) {
      std::vector<uchar> png;
      IPT_CHECK(cv::imencode(".png", frame, png), "could not encode frame {} as PNG", f);
      fs::create_directories(options.stills_dir);
      report.stills.push_back(options.stills_dir / fmt::format("frame_{:06d}.png", f));
      WriteFileAtomic(report.stills.back(), std::string(png.begin(), png.end()));
    }
    if (options.progress) options.progress(f, total);
  }
  IPT_CHECK(writer, "{}: no frame to render", match_dir.string());
  writer->Close();
  report.seconds = watch.Seconds();
  return report;
}

}  // namespace ipt::viz
