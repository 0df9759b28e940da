// Training a model of the graph inside the lifecycle: a registered trainer
// produces weights and an architecture config; TrainModel records provenance
// (the collection's refs of every upstream model), builds the package, and adds
// it to the model store. `ipt train MODEL` is this call; the cascade runs it.
// Trainers are registered by the model modules (and by tests, with tiny real
// LibTorch networks); a model without a registered trainer cannot be trained.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/registry/collection.h"

namespace ipt::registry {

struct TrainingContext {
  std::string model;
  std::map<std::string, std::string> upstream_refs;  // model -> ref, from the collection
  std::vector<std::string> matches;                  // training match directories
  std::vector<std::string> artifacts;                // precompute keys used
};

struct TrainedWeights {
  std::string weights_safetensors;                 // serialized safetensors file
  nlohmann::json architecture = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
};

using Trainer = std::function<TrainedWeights(const TrainingContext&)>;

class TrainerRegistry {
 public:
  static TrainerRegistry& Global();
  void Register(const std::string& model, Trainer trainer);
  const Trainer* Find(const std::string& model) const;

 private:
  std::map<std::string, Trainer> trainers_;
};

// Trains `model` with the registered trainer and adds the package to the store;
// returns its ref. Throws when no trainer is registered or an upstream model the
// model needs is missing from the collection.
std::string TrainModel(const std::string& model, const ModelGraph& graph, const ModelCollection& collection,
                       ModelStore& store, const std::vector<std::string>& matches,
                       const TrainerRegistry& trainers = TrainerRegistry::Global());

}  // namespace ipt::registry
