// OUT_DIR/tracks.csv: what the pipeline writes for a match and PTFE reads.
//
//   frame,track_id,x_m,z_m,score,category,jersey,player_id,player_guess
//   1,4,34.120,20.550,0.930,team_a,10,7,0
//
//  frame: 1-based; track_id: integer; x_m, z_m: foot-point (pitch frame, metres; `ipt
//  run` smooths them along the track and fills short gaps, tracking/track_smoothing.h);
//  score: detection confidence in [0, 1]; category: one of the five categories or
//  empty (unknown); jersey: 0..99 or empty; player_id: roster id or empty; player_guess
//  (optional column): 1 where player_id is the identity resolver's best guess, 0 where it
//  is not a guess, empty where no player is named or it is not known (docs/formats.md).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "ipt/io/match.h"

namespace ipt::eval {

struct PipelineRow {
  int frame = 0;
  int64_t track_id = 0;
  double x_m = 0, z_m = 0;
  double score = 1.0;
  std::optional<io::Category> category;
  std::optional<int> jersey;
  std::optional<int> player_id;
  // Whether player_id is a best guess: the identity resolver named that player only below
  // its min_player_probability (tracking::IdentityResult::guessed_player_ids). None where
  // no player is named, or where it is not known (a tracks.csv without the column).
  std::optional<bool> player_guessed;
  int line = 0;
};

// Throws InputError (file, line, field); frame_count > 0 also bounds the frames.
// A track_id may appear at most once per frame.
std::vector<PipelineRow> ReadTracksCsv(const std::filesystem::path& path, int frame_count = 0);
// The file of a pipeline output directory that holds its rows.
inline constexpr const char* kTracksCsvName = "tracks.csv";
void WriteTracksCsv(const std::vector<PipelineRow>& rows, const std::filesystem::path& path);

}  // namespace ipt::eval
