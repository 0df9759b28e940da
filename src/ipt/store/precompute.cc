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

PrecomputeReport Precompute(ArtifactStore& store, const std::string& layer,
                            const std::vector<std::filesystem::path>& matches,
                            const std::map<std::string, std::string>& refs, const ProducerRegistry& producers,
                            const ProgressFn& progress) {
  IPT_CHECK(layer == "frame" || layer == "track", "unknown precompute layer '{}' (frame or track)", layer);
  auto ref_of = [&](const std::string& model) {
    auto it = refs.find(model);
    IPT_CHECK(it != refs.end(), "the collection names no {}, needed for the {} layer", model, layer);
    return it->second;
  };
  const LayerProducer* producer = producers.Find(layer);
  PrecomputeReport report;
  for (size_t i = 0; i < matches.size(); ++i) {
    const auto& match = matches[i];
    const std::string frame_key = FrameKey(MatchContentHash(match), ref_of("detector"), ref_of("crop_encoder"));
    EntryMeta meta;
    meta.match = match.filename().string();
    meta.producers = {{"detector", ref_of("detector")}, {"crop_encoder", ref_of("crop_encoder")}};
    std::string key = frame_key;
    LayerInputs inputs{match, refs, std::nullopt};
    if (layer == "track") {
      key = TrackKey(frame_key, ref_of("tracker"));
      meta.producers["tracker"] = ref_of("tracker");
      meta.inputs["frame_key"] = frame_key;
    }
    report.keys.push_back(key);
    if (store.Contains(layer, key) && store.Get(layer, key)) {
      ++report.hits;
    } else {
      IPT_CHECK(producer != nullptr, "the {} layer cannot be computed yet: its producing models arrive with their own issues",
                layer);
      if (layer == "track") {
        inputs.input_layer = store.Get("frame", frame_key);
        IPT_CHECK(inputs.input_layer.has_value(), "{}: the frame layer is missing; run `ipt precompute --level frame` first",
                  match.string());
      }
      store.Put(layer, key, (*producer)(inputs), meta);
      ++report.misses;
    }
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(matches.size()));
  }
  return report;
}

}  // namespace ipt::store
