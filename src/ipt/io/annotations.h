// annotations.csv: ground-truth foot-points, one row per person per frame.
//
//   frame,person_id,x_m,z_m,category,jersey,in_view,occluded
//   1,7,34.120,20.550,team_a,10,1,0.00
//
//  - frame: 1-based frame number (1 .. frame_count).
//  - person_id: the roster player_id (referees have their own ids).
//  - x_m, z_m: foot-point on the pitch, metres (frame: geometry/camera.h).
//  - category: team_a | team_b | goalkeeper_a | goalkeeper_b | referee.
//  - jersey: 0..99, empty when none.
//  Optional extra columns (IPT writes them; readers of real data may lack them):
//  - in_view: 1 when the foot-point and head are inside at least one camera image.
//  - occluded: fraction (0..1) of the person's panorama box hidden by nearer people.
// Columns are found by header name; unknown extra columns are ignored.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "ipt/io/match.h"

namespace ipt::io {

struct Annotation {
  int frame = 0;  // 1-based
  int person_id = 0;
  double x_m = 0, z_m = 0;
  Category category = Category::kTeamA;
  std::optional<int> jersey;
  bool in_view = true;
  double occluded = 0.0;
};

// Throws InputError (file, line, field) on a malformed file, a non-finite number,
// an unknown category, a frame outside 1..frame_count (when frame_count > 0) or a
// person listed twice in one frame. Rows are returned sorted by (frame, person_id).
std::vector<Annotation> ReadAnnotationsCsv(const std::filesystem::path& path, int frame_count = 0);
void WriteAnnotationsCsv(const std::vector<Annotation>& rows, const std::filesystem::path& path);

// Checks annotations against the roster: every person_id is in the roster with
// the same category and jersey. Throws InputError naming `path`.
void CheckAnnotationsAgainstRoster(const std::vector<Annotation>& rows, const MatchInfo& match,
                                   const std::filesystem::path& path);

}  // namespace ipt::io
