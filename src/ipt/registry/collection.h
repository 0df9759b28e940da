// models.yaml: a ModelCollection names one ref per model of the graph. It is
// valid when every model was trained with exactly the upstream refs the
// collection holds, and every edge's fields agree in name, dtype and shape.
//
//   format: ipt-models/1
//   models:
//     detector: 3f9a1c...        # full refs (64 hex) or unique prefixes
//     crop_encoder: 77aa01...
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"

namespace ipt::registry {

constexpr const char* kCollectionFormat = "ipt-models/1";

struct ModelCollection {
  std::map<std::string, std::string> refs;  // model name -> ref
};

ModelCollection ReadCollection(const std::filesystem::path& path);          // InputError on bad YAML
void WriteCollection(const ModelCollection& c, const std::filesystem::path& path);  // atomic

// The collection's refs made full: a full ref (64 hex) is kept as it is, a prefix is
// resolved through the store (it must name exactly one package there).
std::map<std::string, std::string> ResolveRefs(const ModelCollection& collection, const ModelStore& store);

// Parses "MODEL=REF" assignments (`ipt models promote --set`); throws ipt::Error
// naming the malformed one or a model given twice.
std::map<std::string, std::string> ParseRefAssignments(const std::vector<std::string>& assignments);

struct Violation {
  std::string model;    // the downstream model whose provenance or schema breaks
  std::string upstream; // empty for whole-model problems (missing, unknown ref, wrong name)
  std::string message;  // "tracker@ab12 was trained with crop_encoder@77aa, collection has crop_encoder@c3d4"
};

// Checks the collection against the graph, using the store for the manifests.
std::vector<Violation> ValidateCollection(const ModelCollection& collection, const ModelGraph& graph,
                                          const ModelStore& store);

struct PromotionResult {
  bool promoted = false;
  ModelCollection collection;              // the candidate collection
  std::vector<Violation> violations;       // why it was refused
  std::vector<std::string> must_retrain;   // from the graph: downstream of the changed models
};

// Replaces the refs in `changes` (model -> ref or prefix), validates, and writes
// `path` atomically only when valid.
PromotionResult Promote(const std::filesystem::path& path, const std::map<std::string, std::string>& changes,
                        const ModelGraph& graph, const ModelStore& store);

}  // namespace ipt::registry
