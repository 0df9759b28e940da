// `ipt render`: a pipeline output (OUT/tracks.csv) drawn over its match, as a video: the
// stitched panorama with each person's box, foot-point and label (OutputRowLabel),
// coloured by category, beside a top-down minimap with each person's trail over the last
// trail_seconds. Rows without a category are not drawn.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ipt/eval/pipeline_output.h"

namespace ipt::viz {

// A row's label: "P7 #10" for roster player 7 wearing 10, "P7? #10" when the name is the
// identity resolver's best guess (tracks.csv player_guess), "T12 #10" or "T12" for track
// 12 when no player is named.
std::string OutputRowLabel(const eval::PipelineRow& row);

struct RenderOptions {
  int max_frames = 0;           // frames 1..max_frames (0 = all)
  double trail_seconds = 2.0;   // minimap trails, seconds of play (0 = none)
  std::string codec = "mp4v";   // FourCC of the video
  // Still frames, evenly spaced, as PNGs in stills_dir (frame_NNNNNN.png; for a report or a
  // quick look): 0 = none.
  int stills = 0;
  std::filesystem::path stills_dir;
  std::function<void(int done, int total)> progress;
  void Check() const;
};

struct RenderReport {
  int frames = 0;
  int64_t rows_drawn = 0, rows_without_category = 0;
  int width_px = 0, height_px = 0;
  double seconds = 0;
  std::vector<std::filesystem::path> stills;  // written, in frame order
};

// Writes `video` (atomically: nothing appears on failure) from `output_dir`/tracks.csv and
// the match's videos. InputError naming the file and field for a bad tracks.csv or match;
// `video` may not be an input.
RenderReport RenderOutput(const std::filesystem::path& output_dir, const std::filesystem::path& match_dir,
                          const std::filesystem::path& video, const RenderOptions& options = {});

}  // namespace ipt::viz
