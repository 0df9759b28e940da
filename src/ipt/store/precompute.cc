#include "ipt/store/precompute.h"

#include "ipt/util/check.h"

namespace ipt::store {

ProducerRegistry& ProducerRegistry::Global() {
  static ProducerRegistry registry;
  return registry;
}

void ProducerRegistry::Register(const std::string& layer, LayerProducer producer) {
  producers_[layer] = std::move(producer);
}

const LayerProducer* ProducerRegistry::Find(const std::string& layer) const {
  auto it = producers_.find(layer);
  return it == producers_.end() ? nullptr : &it->second;
}

PrecomputeReport Precompute(ArtifactStore& store, const registry::ModelGraph& graph, const std::string& layer,
                            const std::vector<std::filesystem::path>& matches,
                            const std::map<std::string, std::string>& refs, const ProducerRegistry& producers,
                            const ProgressFn& progress) {
  const registry::LayerSpec& spec = graph.Layer(layer);  // throws on an unknown layer
  const LayerProducer* producer = producers.Find(layer);
  PrecomputeReport report;
  for (size_t i = 0; i < matches.size(); ++i) {
    const auto& match = matches[i];
    const LayerKey key = ComputeLayerKey(graph, layer, MatchContentHash(match), refs);
    report.keys.push_back(key.key);
    if (store.Contains(layer, key.key) && store.Get(layer, key.key)) {
      ++report.hits;
    } else {
      IPT_CHECK(producer != nullptr, "the {} layer cannot be computed yet: its producing models arrive with their own issues",
                layer);
      LayerInputs inputs{match, refs, std::nullopt};
      EntryMeta meta;
      meta.match = match.filename().string();
      meta.producers = key.producers;
      if (spec.input) {
        meta.inputs[*spec.input + "_key"] = *key.input_key;
        inputs.input_layer = store.Get(*spec.input, *key.input_key);
        IPT_CHECK(inputs.input_layer.has_value(), "{}: the {} layer is missing; run `ipt precompute --level {}` first",
                  match.string(), *spec.input, *spec.input);
      }
      store.Put(layer, key.key, (*producer)(inputs), meta);
      ++report.misses;
    }
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(matches.size()));
  }
  return report;
}

}  // namespace ipt::store
