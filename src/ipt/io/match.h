// The match directory: what IPT reads for every match, synthetic or real.
//
//   MATCH/match.yaml       pitch, fps, frame count, rig calibration, teams, roster
//   MATCH/left.mp4         left camera video   } synchronized, frame_count frames each
//   MATCH/right.mp4        right camera video  }
//   MATCH/annotations.csv  optional ground truth (see annotations.h)
//
// Full format reference: docs/formats.md. Readers validate everything and throw
// ipt::InputError naming the file, line and field.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ipt/geometry/camera.h"
#include "ipt/geometry/panorama.h"
#include "ipt/geometry/rig.h"

namespace ipt::io {

// The five categories of people on the pitch.
enum class Category { kTeamA, kTeamB, kGoalkeeperA, kGoalkeeperB, kReferee };
constexpr int kNumCategories = 5;
// Jersey numbers, everywhere (roster, annotations, tracks.csv, the JN classifier).
constexpr int kMinJersey = 0;
constexpr int kMaxJersey = 99;
constexpr int kNumJerseys = kMaxJersey - kMinJersey + 1;
// "team_a", "team_b", "goalkeeper_a", "goalkeeper_b", "referee".
const char* CategoryName(Category c);
std::optional<Category> ParseCategory(const std::string& name);
// 0 for team A and its goalkeeper, 1 for team B and its goalkeeper, -1 for referees.
int CategoryTeam(Category c);

// Where a referee works (roster `station`): on the pitch, or as an assistant along the
// touchline nearer to the rig's cameras or the one farther from them.
enum class RefereeStation { kPitch, kNearTouchline, kFarTouchline };
const char* RefereeStationName(RefereeStation s);  // pitch, near_touchline, far_touchline
std::optional<RefereeStation> ParseRefereeStation(const std::string& name);

struct RosterEntry {
  int player_id = 0;          // unique in the match; annotations' person_id
  Category category = Category::kTeamA;
  std::optional<int> jersey;  // 0..99, unique within a team; none for referees
  std::string name;
  // Referees only, optional: lets the identity resolver tell the referee from the
  // assistants by where their tracks run (tracking/identity.h).
  std::optional<RefereeStation> station = std::nullopt;
  // In the starting line-up (roster `starts`, default true): plays from frame 1 until a
  // substitution takes him off. A bench player (false) plays only once one brings him on.
  bool starts = true;
};

// One change of players (match.yaml `substitutions: [{frame, out, in}]`; not off/on:
// YAML 1.1 readers such as PyYAML take those keys for booleans). Player ids are the roster's.
struct Substitution {
  int frame = 1;                 // the first frame `player_out` no longer plays and `player_in` does
  int player_out = 0;
  std::optional<int> player_in;  // none: sent off, nobody comes on
};

// Frames 1-based, inclusive.
struct FrameSpan {
  int first_frame = 1, last_frame = 1;
};

struct CameraEntry {
  geometry::Camera camera;
  std::string video;  // file name relative to the match directory
};

struct MatchInfo {
  std::string name;
  geometry::PitchDims pitch;
  double fps = 25.0;
  int frame_count = 0;
  std::vector<CameraEntry> cameras;  // [0] = left, [1] = right
  geometry::PanoramaOptions panorama;
  std::string team_a_name = "Team A";
  std::string team_b_name = "Team B";
  std::vector<RosterEntry> roster;
  std::vector<Substitution> substitutions;  // by frame (ReadMatchYaml checks them)
  // How far each substitution's frame may be from the true one, seconds (match.yaml's
  // `substitution_tolerance_seconds`; 0 = exact). A change takes about a second (one
  // player steps off as the other steps on, often at one spot), and a frame read off a
  // match clock is further off. Chosen on validation (docs/models.md, "Substitutions"): 0, 1, 3 s.
  double substitution_tolerance_seconds = 1.0;
  static constexpr double kMaxSubstitutionToleranceSeconds = 600;

  geometry::Rig MakeRig() const;
  const RosterEntry* FindPerson(int player_id) const;
  // The frames `entry` may play, from the line-up and the substitutions: nullopt for a bench
  // player never brought on. Within the tolerance of a substitution both players may
  // play: the span starts that much before a coming-on frame and ends that much after a
  // going-off frame (clamped to the match). Without a frame_count (0) the last frame is
  // open (INT_MAX).
  std::optional<FrameSpan> PlayingFrames(const RosterEntry& entry) const;
  // `entry` plays in every frame of `frames`: the identity resolver and the jersey readers
  // never name someone for frames he does not play.
  bool PlaysThroughout(const RosterEntry& entry, const FrameSpan& frames) const;
  // Whether a substitution (of `category`, the roster's category of the player going out;
  // none: any) may lie between one person's sightings at frames `last_seen` and
  // `next_seen`: within the tolerance, the player going out played at `last_seen` or later
  // and the one coming in (if any) from `next_seen` or earlier.
  bool SubstitutionBetween(std::optional<Category> category, int last_seen, int next_seen) const;
  // The touchline nearer to the cameras (the mean of their centres): z = 0 (false) or
  // z = pitch width (true). False without cameras.
  bool NearTouchlineIsFarSide() const;
};

constexpr const char* kMatchFormat = "ipt-match/1";

class ConfigSection;  // io/yaml_reader.h
// Reads the panorama keys of a YAML section (match.yaml's and sim configs' `panorama:`)
// into `options`; the one definition of those keys. Does not call Finish().
void ReadPanoramaOptions(ConfigSection* section, geometry::PanoramaOptions* options);

// The file of a match directory that describes the match.
inline constexpr const char* kMatchYamlName = "match.yaml";
MatchInfo ReadMatchYaml(const std::filesystem::path& path);
// The YAML text WriteMatchYaml writes: one canonical form of a MatchInfo.
std::string MatchYamlText(const MatchInfo& match);
// Atomic (temporary file + rename).
void WriteMatchYaml(const MatchInfo& match, const std::filesystem::path& path);

}  // namespace ipt::io
