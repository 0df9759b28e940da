// The model graph: IPT's five models, what each reads and writes, and which
// feeds which — declared once here and used by validation, the precompute keys
// and the retraining cascade. Path B models are added by declaring them.
//
//   detector ──► crop_encoder ──► tracker ──► jn_classifier
//      │              │  └──────────────────────▲   ▲
//      │              └──(appearance, kit, jn)──► identity_resolver ◄── tracker
//      └──────────────(positions)────────────────▲
// (identity_resolver's naming reads the JN classifier's output at run time; it trains on
// nothing of it, so the graph has no edge: a JN change retrains nothing.)
//
// Two precompute layers: "frame" (detections + crop-encoder outputs, produced by
// detector and crop_encoder) and "track" (track assignments + categories, produced
// by tracker from the frame layer).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ipt/io/safetensors.h"

namespace ipt::registry {

// A named field of a model's input or output: "embedding: f32[64]".
// Dimensions of -1 are free ("jn.features: f32[-1,133]" = any number of rows).
struct FieldSpec {
  std::string name;
  io::DType dtype = io::DType::kF32;
  std::vector<int64_t> shape;
  std::string ToString() const;
  bool operator==(const FieldSpec& other) const {
    return name == other.name && dtype == other.dtype && shape == other.shape;
  }
};
// Parses "name: f32[64]" / "name: i64[-1]" / "name: bool[]"; throws ipt::Error.
FieldSpec ParseFieldSpec(const std::string& text);

// An edge upstream -> downstream: the downstream model reads `fields` of the
// upstream's outputs (directly or through a precompute layer).
struct Edge {
  std::string upstream, downstream;
  std::vector<std::string> fields;
  bool optional = false;  // the downstream also works without this input
};

struct ModelSpec {
  std::string name;  // "crop_encoder"
  std::string kind;  // the role in the pipeline: detector, crop_encoder, tracker, ...
  std::vector<FieldSpec> inputs, outputs;
  std::optional<std::string> produces_layer;  // precompute layer its outputs go into
  std::vector<std::string> consumes_layers;   // precompute layers it reads
};

struct LayerSpec {
  std::string name;                   // "frame", "track"
  std::optional<std::string> input;   // layer this one is computed from
  int schema_version = 1;             // bump when the artifact layout changes
};

class ModelGraph {
 public:
  // IPT's Path A graph (the five models of the design document).
  static ModelGraph PathA();

  void AddModel(ModelSpec spec);
  void AddEdge(Edge edge);
  void AddLayer(LayerSpec layer);
  // Throws ipt::Error on unknown names, cycles or edges reading fields the
  // upstream does not output.
  void Check() const;

  const std::vector<ModelSpec>& models() const { return models_; }
  const std::vector<Edge>& edges() const { return edges_; }
  const std::vector<LayerSpec>& layers() const { return layers_; }
  const ModelSpec& Model(const std::string& name) const;  // throws on unknown
  bool HasModel(const std::string& name) const;
  const LayerSpec& Layer(const std::string& name) const;

  std::vector<const Edge*> EdgesInto(const std::string& model) const;
  // All models reachable downstream of `changed` (excluding them), in topological order.
  std::vector<std::string> Descendants(const std::set<std::string>& changed) const;
  std::vector<std::string> TopologicalOrder() const;
  // Models whose outputs go into `layer`.
  std::vector<std::string> Producers(const std::string& layer) const;

 private:
  std::vector<ModelSpec> models_;
  std::vector<Edge> edges_;
  std::vector<LayerSpec> layers_;
};

}  // namespace ipt::registry
