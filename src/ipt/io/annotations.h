// annotations.csv: ground-truth foot-points, one row per person per frame.
//
//   frame,person_id,x_m,z_m,category,jersey,in_view,occluded,number_side,number_px,legibility
//   1,7,34.120,20.550,team_a,10,1,0.00,back,11.4,2
//
//  - frame: 1-based frame number (1 .. frame_count).
//  - person_id: the roster player_id (referees have their own ids).
//  - x_m, z_m: foot-point on the pitch, metres (frame: geometry/camera.h).
//  - category: team_a | team_b | goalkeeper_a | goalkeeper_b | referee.
//  - jersey: 0..99, empty when none.
//  Optional extra columns (IPT writes them; readers of real data may lack them):
//  - in_view: 1 when the foot-point and head are inside at least one camera image.
//  - occluded: fraction (0..1) of the person's panorama box hidden by nearer people.
//  Jersey-number labels, all seen from the person's source camera (the camera
//  geometry::MakeCropView cuts the crop from; sim/jersey_number.h has the thresholds):
//  - number_side: back | front | side: the side of the shirt facing that camera, from the
//    horizontal angle between the body's facing and the direction to the camera (side:
//    more than 60 degrees from square-on); empty when the person has no jersey number.
//  - number_px: height in source-camera pixels of the printed number the camera sees
//    (back numbers are 2.5x taller than front ones) times the cosine of the angle from
//    square-on; 0 when no number is drawn (edge-on, too small, outside the image).
//  - legibility: 0 none, 1 partial, 2 legible (thresholds in sim/jersey_number.h).
// Columns are found by header name; unknown extra columns are ignored. A file without
// the optional columns reads as in_view 1, occluded 0, number_side empty, number_px 0,
// legibility 0.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "ipt/io/match.h"

namespace ipt::io {

// Which side of the shirt faces the source camera; kNone (written empty) without a jersey.
enum class NumberSide { kNone, kBack, kFront, kSide };
// How well the jersey number can be read in the crop (the JN classifier's presence target).
enum class Legibility { kNone = 0, kPartial = 1, kLegible = 2 };

const char* NumberSideName(NumberSide side);  // "", "back", "front", "side"
std::optional<NumberSide> ParseNumberSide(std::string_view name);
const char* LegibilityName(Legibility legibility);  // "none", "partial", "legible"
std::optional<Legibility> ParseLegibility(std::string_view name);

struct Annotation {
  int frame = 0;  // 1-based
  int person_id = 0;
  double x_m = 0, z_m = 0;
  Category category = Category::kTeamA;
  std::optional<int> jersey;
  bool in_view = true;
  double occluded = 0.0;
  NumberSide number_side = NumberSide::kNone;
  double number_px = 0.0;
  Legibility legibility = Legibility::kNone;
};

// Throws InputError (file, line, field) on a malformed file, a non-finite number,
// an unknown category, a frame outside 1..frame_count (when frame_count > 0) or a
// person listed twice in one frame. Rows are returned sorted by (frame, person_id).
// The ground-truth file of a match directory (optional).
inline constexpr const char* kAnnotationsCsvName = "annotations.csv";
std::vector<Annotation> ReadAnnotationsCsv(const std::filesystem::path& path, int frame_count = 0);
void WriteAnnotationsCsv(const std::vector<Annotation>& rows, const std::filesystem::path& path);

// Checks annotations against the roster: every person_id is in the roster with
// the same category and jersey, and plays in the row's frame (line-up, substitutions).
// Throws InputError naming `path`.
void CheckAnnotationsAgainstRoster(const std::vector<Annotation>& rows, const MatchInfo& match,
                                   const std::filesystem::path& path);

}  // namespace ipt::io
