// Filling the precompute layers for matches: for each match the layer's key is
// computed from the collection's refs; a present entry is a hit, a missing one is
// computed by the layer's registered producer and stored. The model modules
// register producers (the frame layer runs the detector and crop encoder, the
// track layer the tracker); a layer without one cannot be computed yet.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ipt/store/artifact_store.h"
#include "ipt/util/progress.h"

namespace ipt::store {

struct LayerInputs {
  std::filesystem::path match_dir;
  std::map<std::string, std::string> refs;        // model -> ref (the collection)
  // The input layer's entry file, verified (the frame layer, for the track layer): read
  // it piece by piece (io::SafetensorsReader) or whole (io::ReadSafetensors).
  std::filesystem::path input_layer_file;
  std::filesystem::path model_store;               // where the packages named by `refs` live
  int max_frames = 0;                              // frames 1..max_frames only (0 = all)
  ProgressFn progress;                             // units of the producer's own work (frames)
  // Producers add the seconds of their stages here ("detector", ...) when set.
  std::map<std::string, double>* stage_seconds = nullptr;
};
using LayerProducer = std::function<io::SafetensorsFile(const LayerInputs&)>;

class ProducerRegistry {
 public:
  static ProducerRegistry& Global();
  void Register(const std::string& layer, LayerProducer producer);
  const LayerProducer* Find(const std::string& layer) const;

 private:
  std::map<std::string, LayerProducer> producers_;
};

// Settings handed to the producers of missing entries.
struct PrecomputeOptions {
  std::filesystem::path model_store;  // packages of the collection (registry::ModelStore root)
  // The first max_frames frames only (0 = all). A prefix of a match is another input:
  // its upstream hash is H(match content, max_frames) (MatchPrefixHash), so its
  // entries never stand in for the whole match's, nor the reverse.
  int max_frames = 0;
  ProgressFn producer_progress;                           // forwarded as LayerInputs::progress
  std::map<std::string, double>* stage_seconds = nullptr;  // forwarded as LayerInputs::stage_seconds
  // false: GetOrCompute leaves LayerResult::tensors empty and gives the entry's file
  // (LayerResult::file), for layers read piece by piece (a 90-minute frame layer is 2.6 GB).
  bool load_tensors = true;
};

// The upstream hash of the first `max_frames` frames of a match (0 = the whole match:
// `match_content_hash` itself).
std::string MatchPrefixHash(const std::string& match_content_hash, int max_frames);

// One layer of one match, from the store or computed (and stored).
struct LayerResult {
  LayerKey key;
  bool hit = false;
  io::SafetensorsFile tensors;     // with PrecomputeOptions::load_tensors
  std::filesystem::path file;      // without: the store entry's tensors file, verified
};
LayerResult GetOrCompute(ArtifactStore& store, const registry::ModelGraph& graph, const std::string& layer,
                         const std::filesystem::path& match, const std::map<std::string, std::string>& refs,
                         const ProducerRegistry& producers = ProducerRegistry::Global(),
                         const PrecomputeOptions& options = {});

struct PrecomputeReport {
  int hits = 0, misses = 0;
  std::vector<std::string> keys;  // one per match, in order
};

// Fills `layer` (a layer of `graph`, e.g. "frame" or "track") for each match; keys
// follow the graph (artifact_store.h, ComputeLayerKey). A layer computed from an
// input layer needs that layer's entry first. `refs` holds full refs.
PrecomputeReport Precompute(ArtifactStore& store, const registry::ModelGraph& graph, const std::string& layer,
                            const std::vector<std::filesystem::path>& matches,
                            const std::map<std::string, std::string>& refs,
                            const ProducerRegistry& producers = ProducerRegistry::Global(),
                            const ProgressFn& progress = nullptr, const PrecomputeOptions& options = {});

}  // namespace ipt::store
