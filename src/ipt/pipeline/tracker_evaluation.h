// `ipt eval tracker`: trackers compared on the same detections of matches with ground
// truth (the GNN tracker vs the online tracker, or GNN variants), as issue 9 measures them.
//
// For each match the detections are either the detector's (the frame layer from the
// precompute store, computed where missing) or the ground truth's with noise and drops
// (GroundTruthDetections: the crops and crop encoder run at those foot-points; such a
// frame layer is kept in memory only). Each tracker then runs the rest of `ipt run` on
// that frame layer (OUT/<tracker>/<match>/: tracks.csv, run.json) and PTFE scores it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ipt/eval/ptfe.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/run.h"

namespace ipt::pipeline {

struct TrackerEvaluationOptions {
  std::filesystem::path models_yaml = "models.yaml";
  std::filesystem::path model_store;  // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;        // "" = store::DefaultArtifactStoreRoot()
  std::filesystem::path out;          // required: OUT/<tracker>/<match>/
  // Each: "online", "gnn", "collection", a tracker ref (RunOptions::tracker), or "truth":
  // the ground truth's association of the same detections (GroundTruthTrackLayer within
  // PTFE's detection radius, false detections left out), a reference for how far
  // association can go on them (not a strict bound: detections of people not in view are
  // dropped, positions stay the detections', and the match level still cuts and joins).
  // Labels in the table.
  std::vector<std::string> trackers = {"online", "gnn"};
  bool ground_truth_detections = false;
  GroundTruthDetectionOptions ground_truth;
  tracking::TrackAttributesOptions attributes;
  int threads = 2;
  std::function<void(const std::string& what)> progress;  // one line per step
  void Check() const;
};

inline constexpr const char* kTruthTracker = "truth";

struct TrackerEvaluation {
  std::string tracker;  // as given
  std::string ref;      // full ref of the package that ran; empty for "truth"
  std::string type;     // gnn_tracker | online_tracker | ground_truth
  std::vector<eval::PtfeReport> matches;
  eval::PtfeReport combined;
  double tracker_seconds = 0;  // the tracker stage over all matches
  int64_t frames = 0, detections = 0;
};

std::vector<TrackerEvaluation> EvaluateTrackers(const std::vector<std::filesystem::path>& matches,
                                                const TrackerEvaluationOptions& options);

// One row per tracker (combined over the matches) and per tracker and match: HOTA, DetA,
// AssA, IDF1, ID switches, category per track, tracker ms per frame; or JSON.
std::string FormatTrackerEvaluation(const std::vector<TrackerEvaluation>& results, bool json);

}  // namespace ipt::pipeline
