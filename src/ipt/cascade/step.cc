#include "ipt/cascade/step.h"

#include <fmt/format.h>

#include <functional>

#include "ipt/util/check.h"

namespace ipt::cascade {
namespace {

// `model` and every model upstream of it.
void AddWithUpstream(const registry::ModelGraph& graph, const std::string& model, std::set<std::string>* out) {
  if (!out->insert(model).second) return;
  for (const auto* e : graph.EdgesInto(model)) AddWithUpstream(graph, e->upstream, out);
}

}  // namespace

const Step& FindStep(const Plan& plan, const std::string& id) {
  std::string ids;
  for (const auto& s : plan.steps) {
    if (s.id == id) return s;
    ids += (ids.empty() ? "" : ", ") + s.id;
  }
  IPT_THROW("the plan has no step '{}' (its steps: {})", id, ids);
}

std::set<std::string> StepsBefore(const Plan& plan, const std::string& id) {
  std::set<std::string> before;
  std::function<void(const std::string&)> visit = [&](const std::string& s) {
    for (const auto& d : FindStep(plan, s).after) {
      if (before.insert(d).second) visit(d);
    }
  };
  visit(id);
  return before;
}

std::set<std::string> ModelsOfStep(const Plan& plan, const registry::ModelGraph& graph, const std::string& id) {
  const Step& step = FindStep(plan, id);
  std::set<std::string> models;
  auto add_layer = [&](const std::string& layer) {
    for (const auto& p : graph.Producers(layer)) AddWithUpstream(graph, p, &models);
  };
  if (step.kind == "train") {
    for (const auto* e : graph.EdgesInto(step.target)) AddWithUpstream(graph, e->upstream, &models);
  } else if (step.kind == "precompute") {
    add_layer(step.target);
  } else if (step.target == "tracking") {
    for (const auto& layer : plan.regenerate) add_layer(layer);
  } else {
    for (const auto& m : graph.models()) models.insert(m.name);
  }
  return models;
}

registry::ModelCollection StepCollection(const Plan& plan, const registry::ModelGraph& graph, const std::string& id,
                                         const registry::ModelCollection& input,
                                         const std::function<std::string(const std::string& model)>& retrained) {
  const std::set<std::string> before = StepsBefore(plan, id);
  registry::ModelCollection out;
  for (const auto& model : ModelsOfStep(plan, graph, id)) {
    if (before.count("train:" + model)) {
      out.refs[model] = retrained(model);
    } else if (auto it = input.refs.find(model); it != input.refs.end()) {
      out.refs[model] = it->second;
    }
  }
  return out;
}

std::filesystem::path StepRefFile(const std::filesystem::path& state_dir, const std::string& model) {
  return state_dir / "refs" / (model + ".ref");
}

std::filesystem::path StepCollectionFile(const std::filesystem::path& state_dir, const std::string& id) {
  return state_dir / "collections" / (StepFileName(id) + ".yaml");
}

std::filesystem::path FinalCollectionFile(const std::filesystem::path& state_dir) { return state_dir / "models.yaml"; }

}  // namespace ipt::cascade
