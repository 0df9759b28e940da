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
  std::optional<io::SafetensorsFile> input_layer;  // the frame layer, for the track layer
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
                            const ProgressFn& progress = nullptr);

}  // namespace ipt::store
