// SoccerNet Game State Reconstruction (GSR) files and GS-HOTA.
//
// GS-HOTA (SoccerNet/sn-trackeval, datasets/soccernet_gs.py) is TrackEval's HOTA on
//   S = LocSim * IdSim,  LocSim = exp(ln(0.05) d^2 / 5^2) on the bbox_pitch bottom-middle
//   points (metres, no cut-off), IdSim = 1 only when the identity attributes agree:
//   role always; team for players and goalkeepers; jersey for players only.
// Attribute values are compared as raw JSON values: "07" != "7", and null is a value
// (it matches only null). Roles: player, goalkeeper, referee, other (ball rows are
// skipped); teams: left, right (or null). A frame is evaluated only when its image has
// has_labeled_pitch, has_labeled_camera and has_labeled_person; predictions on other
// frames are ignored. See ../shared/data/gshota-tiny/README.md.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ipt/eval/sequence.h"
#include "ipt/eval/tracking_metrics.h"

namespace ipt::eval {

// One person in a GSR file (ground truth or prediction).
struct GsrPerson {
  std::string image_id;
  int64_t track_id = 0;
  double x_m = 0, y_m = 0;        // bbox_pitch bottom-middle, SoccerNet pitch frame (centre origin)
  nlohmann::json role, team, jersey;  // raw attribute values
};

struct GsrGroundTruth {
  std::vector<std::string> evaluated_images;  // in file order
  std::vector<GsrPerson> people;
};

GsrGroundTruth ReadGsrGroundTruth(const std::filesystem::path& labels_game_state_json);
std::vector<GsrPerson> ReadGsrPredictions(const std::filesystem::path& predictions_json);

// The identity key compared by IdSim (role, plus team / jersey where they count).
std::string GsrIdentityKey(const GsrPerson& person);

// Builds the GS-HOTA sequence: frames are the evaluated images; keys empty when
// use_attributes is false (plain HOTA on LocSim).
Sequence BuildGsrSequence(const std::string& name, const GsrGroundTruth& gt, const std::vector<GsrPerson>& pred,
                          bool use_attributes, const std::string& gt_file, const std::string& pred_file);

// GS-HOTA similarity: gaussian LocSim (tolerance 5 m) times IdSim when keys are present.
SimilarityFn GsHotaSimilarity(bool use_attributes);

// Writers, so IPT output can be scored by SoccerNet's tools.
void WriteGsrGroundTruth(const std::string& sequence_name, const GsrGroundTruth& gt,
                         const std::filesystem::path& path);
void WriteGsrPredictions(const std::vector<GsrPerson>& people, const std::filesystem::path& path);
// The same for people made one at a time by `person(0..count-1)`, streamed to the file.
void WriteGsrPredictions(int64_t count, const std::function<GsrPerson(int64_t)>& person,
                         const std::filesystem::path& path);

}  // namespace ipt::eval
