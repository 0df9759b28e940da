// The `tracker` model of the graph, and the producer of the "track" precompute layer.
// Two types of tracker package: the online tracker (tracking/online_tracker.h; below)
// and the hierarchical GNN tracker with its category head (gnn_tracker/gnn_tracker.h,
// recipe configs/train/tracker.yaml). The package's architecture.type decides which runs.
//
// The online tracker learns nothing, but it is a model like any other: a package
// (`ipt train tracker`, then `ipt models promote`) whose ref is in the track layer's key,
// so changing its options regenerates exactly the track layer, and whose provenance
// (`trained_with`: the detector and crop encoder it was made for) is validated with the
// collection. The package:
//   model.json   architecture = {"type": "online_tracker", "options": {every
//                OnlineTrackerOptions field, "kalman": {every KalmanOptions field}}}
//   weights.safetensors  no tensors; metadata {format: ipt-online-tracker/1,
//                trained_with.<model>: ref}, so that the same options made for other
//                upstream models give another ref (a ref hashes the weights file, not
//                trained_with).
//
// The recipe (configs/train/tracker_online.yaml; any subset of the options, the rest
// default):
//   model: tracker
//   type: online_tracker
//   options: {high_score: 0.5, ..., kalman: {measurement_sigma_m: 0.1, ...}}
//
// The track layer, row-aligned with the frame layer it is computed from (N rows):
//   track_id            i64[N]     confirmed track of the detection, -1 = none (ignored,
//                                  unmatched, or only in a track never confirmed)
//   track.position_m    f32[N, 2]  (x, z) the tracker reports for the row, metres: the
//                                  detection's, or the filtered one with
//                                  report_filtered_position; NaN where track_id is -1
//   track.category.probabilities f32[N, 5]  the tracker's category probabilities of the
//                                  row's track (io::Category order); only from a tracker
//                                  with a category head; NaN where track_id is -1
// metadata {format: ipt-track-layer/1, tracks: number of track ids, tracker: its type}.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/gnn_tracker/gnn_tracker.h"
#include "ipt/io/annotations.h"
#include "ipt/io/safetensors.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/registry/training.h"
#include "ipt/store/precompute.h"
#include "ipt/tracking/online_tracker.h"

namespace ipt::pipeline {

constexpr const char* kOnlineTrackerType = "online_tracker";
constexpr const char* kGivenTrackLayer = "given";  // RunOptions::track_layer: no tracker ran
constexpr const char* kOnlineTrackerWeightsFormat = "ipt-online-tracker/1";
constexpr const char* kTrackLayerFormat = "ipt-track-layer/1";
inline constexpr const char* kTrackIdField = "track_id";
inline constexpr const char* kTrackPositionField = "track.position_m";
inline constexpr const char* kTrackCategoryField = "track.category.probabilities";
inline constexpr const char* kTrackerStage = "tracker";

// Every option, nested as the struct ("kalman": {...}).
nlohmann::json OnlineTrackerOptionsToJson(const tracking::OnlineTrackerOptions& options);
// The inverse: every key required, no other key; values checked (Check()). InputError
// names `source` and the field ("architecture.options.<key>").
tracking::OnlineTrackerOptions OnlineTrackerOptionsFromJson(const nlohmann::json& json, const std::string& source);

// Reads the recipe above; InputError (file, line, field).
tracking::OnlineTrackerOptions ReadOnlineTrackerRecipe(const std::filesystem::path& path);

// The trainer registered for "tracker": the recipe's type decides the tracker
// (online_tracker: options packaged; gnn_tracker: trained on the frame layers of the
// recipe's matches, from the store at context.cache, computed where missing, with each
// detection labelled by the match's annotations.csv); no recipe gives the online
// tracker's default options.
registry::TrainedWeights TrainTracker(const registry::TrainingContext& context);

// The type of a tracker package (kOnlineTrackerType or gnn_tracker::kGnnTrackerType),
// after checking that the package loads; InputError naming model.json otherwise.
std::string CheckTrackerPackage(const std::filesystem::path& package_dir);

// Rows [begin, end) of a frame layer as the GNN tracker's detections: refined foot-points,
// scores, embedding and kit, role probabilities (softmax), P(legible) and P(number)
// (crop_encoder::JerseyNumberProbabilities), all read by field name.
tracking::ChunkDetections FrameLayerChunk(const FrameLayer& layer, int64_t begin, int64_t end);

// The person of each frame-layer row from the match's annotations (in-view people): a
// per-frame linear sum assignment on the refined foot-points within max_distance_m; -1
// for a detection of no one. `category` (optional) receives the person's io::Category.
std::vector<int> LabelDetections(const FrameLayer& layer, const std::vector<io::Annotation>& annotations,
                                 double max_distance_m, std::vector<int>* category = nullptr);

// The options of a tracker package of type online_tracker; InputError naming its
// model.json and the field when it is another kind or type.
tracking::OnlineTrackerOptions ReadOnlineTrackerPackage(const std::filesystem::path& package_dir);

// Runs the online tracker over the frame layer (positions, scores and embeddings read by
// name) at `fps`.
io::SafetensorsFile ComputeTrackLayer(const FrameLayer& frame_layer, double fps,
                                      const tracking::OnlineTrackerOptions& options);

// The GNN tracker over the frame layer of `match`.
io::SafetensorsFile ComputeGnnTrackLayer(const FrameLayer& frame_layer, const io::MatchInfo& match,
                                         gnn_tracker::GnnTracker& tracker);

// The track layer read back: track ids and positions, rows checked against `rows`.
struct TrackLayer {
  std::vector<int64_t> track_id;
  std::vector<float> position_m;  // [rows * 2]
  std::vector<float> category_probabilities;  // [rows * 5], or empty (no category head)
};
TrackLayer ReadTrackLayer(const io::SafetensorsFile& file, int64_t rows, const std::string& source);
// The checks ReadTrackLayer makes of a layer of `rows` rows (also of tracks given to `ipt
// run`, RunOptions::track_layer): fields row-aligned, ids >= -1, a finite position for
// every tracked row, category probabilities in [0, 1]. InputError naming `source`.
void CheckTrackLayer(const TrackLayer& layer, int64_t rows, const std::string& source);

// The ground truth's association of a frame layer's detections: each row LabelDetections
// gives a person (within max_distance_m, one-to-one per frame) is in that person's track
// (track id = person id), at its refined foot-point; every other row is in none. The tracks
// a perfect tracker would make of these detections, told which are false: what `ipt eval
// tracker --trackers truth` runs through the rest of `ipt run`, a reference for how far the
// tracker stage can go on them (in-view people only, as LabelDetections labels).
TrackLayer GroundTruthTrackLayer(const FrameLayer& layer, const std::vector<io::Annotation>& annotations,
                                 double max_distance_m);

// The track layer of `frame_layer` by the tracker package at `package` (either type);
// adds the tracker's seconds to stage_seconds["tracker"] when given.
io::SafetensorsFile ComputeTrackLayerWith(const FrameLayer& frame_layer, const std::filesystem::path& match_dir,
                                          const std::filesystem::path& package,
                                          std::map<std::string, double>* stage_seconds = nullptr);

// The "track" layer producer: inputs.input_layer_file is the frame layer's (read chunk by
// chunk, OpenFrameLayer); the tracker
// package comes from inputs.model_store, the fps from the match's match.yaml.
io::SafetensorsFile ProduceTrackLayer(const store::LayerInputs& inputs);

}  // namespace ipt::pipeline
