#include "ipt/store/precompute.h"

#include "ipt/io/match.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

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

std::string MatchPrefixHash(const std::string& match_content_hash, int max_frames) {
  IPT_CHECK(max_frames >= 0, "max_frames must be >= 0, got {}", max_frames);
  if (max_frames == 0) return match_content_hash;
  Sha256 h;
  h.Field("ipt-match-prefix");
  h.Field(match_content_hash);
  h.Field(std::to_string(max_frames));
  return h.Hex();
}

LayerResult GetOrCompute(ArtifactStore& store, const registry::ModelGraph& graph, const std::string& layer,
                         const std::filesystem::path& match, const std::map<std::string, std::string>& refs,
                         const ProducerRegistry& producers, const PrecomputeOptions& options) {
  const registry::LayerSpec& spec = graph.Layer(layer);  // throws on an unknown layer
  LayerResult result;
  // A prefix as long as the match is the match.
  int max_frames = options.max_frames;
  if (max_frames > 0 && max_frames >= io::ReadMatchYaml(match / io::kMatchYamlName).frame_count) max_frames = 0;
  result.key = ComputeLayerKey(graph, layer, MatchPrefixHash(MatchContentHash(match), max_frames), refs);
  const LayerKey& key = result.key;
  if (options.load_tensors) {
    if (auto stored = store.Get(layer, key.key)) {
      result.hit = true;
      result.tensors = std::move(*stored);
      return result;
    }
  } else if (auto file = store.GetFile(layer, key.key)) {
    result.hit = true;
    result.file = *file;
    return result;
  }
  const LayerProducer* producer = producers.Find(layer);
  IPT_CHECK(producer != nullptr, "the {} layer cannot be computed yet: its producing models arrive with their own issues",
            layer);
  LayerInputs inputs;
  inputs.match_dir = match;
  inputs.refs = refs;
  inputs.model_store = options.model_store;
  inputs.max_frames = max_frames;
  inputs.progress = options.producer_progress;
  inputs.stage_seconds = options.stage_seconds;
  EntryMeta meta;
  meta.match = match.filename().string();
  meta.producers = key.producers;
  if (spec.input) {
    meta.inputs[*spec.input + "_key"] = *key.input_key;
    const std::optional<std::filesystem::path> input = store.GetFile(*spec.input, *key.input_key);
    IPT_CHECK(input.has_value(), "{}: the {} layer is missing; run `ipt precompute --level {}` first",
              match.string(), *spec.input, *spec.input);
    inputs.input_layer_file = *input;
  }
  if (max_frames > 0) meta.match += fmt::format(" (frames 1-{})", max_frames);
  result.tensors = (*producer)(inputs);
  store.Put(layer, key.key, result.tensors, meta);
  if (!options.load_tensors) {
    result.tensors = {};
    const std::optional<std::filesystem::path> file = store.GetFile(layer, key.key);
    IPT_CHECK(file.has_value(), "{}: the {} layer just stored under {} does not verify", match.string(), layer, key.key);
    result.file = *file;
  }
  return result;
}

PrecomputeReport Precompute(ArtifactStore& store, const registry::ModelGraph& graph, const std::string& layer,
                            const std::vector<std::filesystem::path>& matches,
                            const std::map<std::string, std::string>& refs, const ProducerRegistry& producers,
                            const ProgressFn& progress, const PrecomputeOptions& options) {
  graph.Layer(layer);  // throws on an unknown layer, also without matches
  PrecomputeReport report;
  for (size_t i = 0; i < matches.size(); ++i) {
    LayerResult r = GetOrCompute(store, graph, layer, matches[i], refs, producers, options);
    report.keys.push_back(r.key.key);
    ++(r.hit ? report.hits : report.misses);
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(matches.size()));
  }
  return report;
}

}  // namespace ipt::store
