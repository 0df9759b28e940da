// Model 3 at run time (torch-free header): the hierarchical GNN tracker and its category
// head. The graphs, rounding and chunking are tracking/ (tracklet_graph.h,
// path_rounding.h, chunked_tracking.h); the network is gnn_net.h.
//
// The package:
//   model.json   kind tracker, architecture = {
//                  "type": "gnn_tracker",
//                  "network": GnnNetConfig (gnn_net.h),
//                  "tracking": every ChunkedTrackingOptions field ("graph": {...}),
//                  "node_features": [names], "edge_features": [names]}   (the features the
//                  network was trained on; a build computing others refuses the package)
//   weights.safetensors  the network's parameters and normalisation buffers by name.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/registry/model_package.h"
#include "ipt/tracking/chunked_tracking.h"

namespace ipt::gnn_tracker {

inline constexpr const char* kGnnTrackerType = "gnn_tracker";

// Every ChunkedTrackingOptions field, nested ("graph": {...}); the inverse requires every
// key and no other, and checks the values (InputError naming `source` and the field).
nlohmann::json TrackingOptionsToJson(const tracking::ChunkedTrackingOptions& options);
tracking::ChunkedTrackingOptions TrackingOptionsFromJson(const nlohmann::json& json, const std::string& source,
                                                         const std::string& prefix);

struct GnnTrackerRunOptions {
  int threads = 2;  // LibTorch CPU threads
  void Check() const;
};

// The feature widths the network reads, from the crop encoder's fields.
int GnnNodeFeatureCount();

class GnnTracker {
 public:
  // Loads a tracker package of type gnn_tracker; InputError names model.json and the field
  // otherwise (another type, features other than this build computes, bad options).
  explicit GnnTracker(const std::filesystem::path& package_dir, const GnnTrackerRunOptions& options = {});
  ~GnnTracker();
  GnnTracker(GnnTracker&&) noexcept;

  const tracking::ChunkedTrackingOptions& tracking_options() const { return tracking_options_; }
  bool has_category_head() const;
  // One level's last-step edge logits; at the top level (level == levels()) also the
  // category head's probabilities when the network has the head.
  tracking::LevelScores Score(const tracking::LevelGraph& graph);
  // A whole match, chunk after chunk (tracking::TrackInChunks with Score).
  tracking::MatchTracks Track(const std::vector<int>& frame_of_row, int num_frames, const tracking::ChunkLoader& load,
                              const tracking::MatchScale& scale, const ProgressFn& progress = nullptr);

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  tracking::ChunkedTrackingOptions tracking_options_;
};

}  // namespace ipt::gnn_tracker
