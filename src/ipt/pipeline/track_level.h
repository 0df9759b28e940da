// The online tracker (tracking/online_tracker.h) as the `tracker` model of the graph,
// and the producer of the "track" precompute layer.
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
// metadata {format: ipt-track-layer/1, tracks: number of track ids}.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/io/safetensors.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/registry/training.h"
#include "ipt/store/precompute.h"
#include "ipt/tracking/online_tracker.h"

namespace ipt::pipeline {

constexpr const char* kOnlineTrackerType = "online_tracker";
constexpr const char* kOnlineTrackerWeightsFormat = "ipt-online-tracker/1";
constexpr const char* kTrackLayerFormat = "ipt-track-layer/1";
inline constexpr const char* kTrackIdField = "track_id";
inline constexpr const char* kTrackPositionField = "track.position_m";
inline constexpr const char* kTrackerStage = "tracker";

// Every option, nested as the struct ("kalman": {...}).
nlohmann::json OnlineTrackerOptionsToJson(const tracking::OnlineTrackerOptions& options);
// The inverse: every key required, no other key; values checked (Check()). InputError
// names `source` and the field ("architecture.options.<key>").
tracking::OnlineTrackerOptions OnlineTrackerOptionsFromJson(const nlohmann::json& json, const std::string& source);

// Reads the recipe above; InputError (file, line, field).
tracking::OnlineTrackerOptions ReadOnlineTrackerRecipe(const std::filesystem::path& path);

// The trainer registered for "tracker": the recipe's type decides the tracker (only
// online_tracker so far); no recipe gives the default options.
registry::TrainedWeights TrainTracker(const registry::TrainingContext& context);

// The options of a tracker package of type online_tracker; InputError naming its
// model.json and the field when it is another kind or type.
tracking::OnlineTrackerOptions ReadOnlineTrackerPackage(const std::filesystem::path& package_dir);

// Runs the online tracker over the frame layer (positions, scores and embeddings read by
// name) at `fps`.
io::SafetensorsFile ComputeTrackLayer(const FrameLayer& frame_layer, double fps,
                                      const tracking::OnlineTrackerOptions& options);

// The track layer read back: track ids and positions, rows checked against `rows`.
struct TrackLayer {
  std::vector<int64_t> track_id;
  std::vector<float> position_m;  // [rows * 2]
};
TrackLayer ReadTrackLayer(const io::SafetensorsFile& file, int64_t rows, const std::string& source);

// The "track" layer producer: inputs.input_layer is the frame layer; the tracker
// package comes from inputs.model_store, the fps from the match's match.yaml.
io::SafetensorsFile ProduceTrackLayer(const store::LayerInputs& inputs);

}  // namespace ipt::pipeline
