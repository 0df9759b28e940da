#include "ipt/registry/training.h"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>


#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

#include "ipt_git_commit.h"  // IPT_GIT_COMMIT, written at build time (git_commit.cmake)

namespace ipt::registry {
namespace fs = std::filesystem;

namespace {

std::string NowUtc() {  // ISO 8601
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

// The value at a dotted path of `json` ("a.b.c"), or null when a step is missing.
nlohmann::json* AtPath(nlohmann::json& json, const std::string& path) {
  nlohmann::json* at = &json;
  size_t begin = 0;
  while (true) {
    const size_t end = path.find('.', begin);
    const std::string key = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (key.empty() || !at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
    if (end == std::string::npos) return at;
    begin = end + 1;
  }
}

const nlohmann::json* AtPath(const nlohmann::json& json, const std::string& path) {
  return AtPath(const_cast<nlohmann::json&>(json), path);
}

const char* TypeName(const nlohmann::json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  return "not a number, boolean or string";
}

}  // namespace

TrainerRegistry& TrainerRegistry::Global() {
  static TrainerRegistry registry;
  return registry;
}

void TrainerRegistry::Register(const std::string& model, Trainer trainer) { trainers_[model] = std::move(trainer); }

const Trainer* TrainerRegistry::Find(const std::string& model) const {
  auto it = trainers_.find(model);
  return it == trainers_.end() ? nullptr : &it->second;
}

std::string TrainModel(const std::string& model, const ModelGraph& graph, const ModelCollection& collection,
                       ModelStore& store, TrainingContext ctx, const TrainerRegistry& trainers) {
  const ModelSpec& spec = graph.Model(model);
  const Trainer* trainer = trainers.Find(model);
  IPT_CHECK(trainer != nullptr, "no trainer for '{}' exists yet: the model arrives with its own issue", model);
  ctx.model = model;
  ctx.model_store = store.root();
  for (const Edge* e : graph.EdgesInto(model)) {
    auto it = collection.refs.find(e->upstream);
    if (it == collection.refs.end()) {
      IPT_CHECK(e->optional, "{} needs {}, which the collection does not name", model, e->upstream);
      continue;
    }
    ctx.upstream_refs[e->upstream] = store.Resolve(it->second);
  }
  TrainedWeights trained = (*trainer)(ctx);
  if (!trained.finished) return "";
  ModelManifest m;
  m.name = model;
  m.kind = spec.kind;
  m.architecture = trained.architecture;
  m.inputs = spec.inputs;
  m.outputs = spec.outputs;
  m.trained_with = ctx.upstream_refs;
  m.training_matches = trained.training_matches.empty() ? ctx.matches : trained.training_matches;
  m.training_artifacts = ctx.artifacts;
  m.metrics = trained.metrics;
  m.code_version = CodeVersion();
  m.created = NowUtc();
  const fs::path staging = store.root() / (".staging-" + model + "-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  WritePackage(staging, trained.weights_safetensors, &m);
  std::string ref = store.Add(staging);
  fs::remove_all(staging);
  return ref;
}

std::string DerivePackage(ModelStore& store, const std::string& base, const std::map<std::string, nlohmann::json>& changes,
                          const std::function<void(const fs::path& package_dir)>& check,
                          const std::function<nlohmann::json(const ModelManifest&)>& known_options) {
  const std::string base_ref = store.Resolve(base);
  ModelManifest m = store.Get(base_ref);
  const nlohmann::json known = known_options ? known_options(m) : nlohmann::json();
  IPT_CHECK(!changes.empty(), "nothing to change in {}", ShortRef(base_ref));
  nlohmann::json applied = m.metrics.contains("derived_changes") && m.metrics["derived_changes"].is_object()
                               ? m.metrics["derived_changes"]
                               : nlohmann::json::object();
  bool changed = false;
  for (const auto& [path, value] : changes) {
    nlohmann::json* at = AtPath(m.architecture, path);
    bool added = false;
    if (at == nullptr && !known.is_null()) {
      // An option the package predates (its model gained it later and reads it at its
      // default): added in its section, typed as the model's default, when the model knows it.
      const size_t dot = path.rfind('.');
      nlohmann::json* section = dot == std::string::npos ? nullptr : AtPath(m.architecture, path.substr(0, dot));
      const nlohmann::json* default_value = AtPath(known, path);
      if (section != nullptr && section->is_object() && default_value != nullptr) {
        at = &((*section)[path.substr(dot + 1)] = *default_value);
        added = true;
      }
    }
    IPT_CHECK(at != nullptr, "{} has no option '{}' in its architecture", ShortRef(base_ref), path);
    IPT_CHECK(at->is_boolean() || at->is_number() || at->is_string(),
              "option '{}' of {} is not a number, boolean or string", path, ShortRef(base_ref));
    const bool same_type = at->is_boolean()          ? value.is_boolean()
                           : at->is_number_integer() ? value.is_number_integer()
                           : at->is_number()         ? value.is_number()
                                                     : value.is_string();
    IPT_CHECK(same_type, "option '{}' of {} is {}, got {} ({})", path, ShortRef(base_ref), TypeName(*at), value.dump(),
              TypeName(value));
    // A number stays what it was: a float given as 2 is 2.0.
    const nlohmann::json typed = at->is_number_float() ? nlohmann::json(value.get<double>()) : value;
    changed |= added || *at != typed;
    *at = typed;
    applied[path] = typed;
  }
  IPT_CHECK(changed, "the options of {} already have these values", ShortRef(base_ref));
  m.metrics["derived_from"] = base_ref;
  m.metrics["derived_changes"] = applied;
  m.code_version = CodeVersion();
  m.created = NowUtc();
  const std::string weights = ReadFile(store.PackageDir(base_ref) / kWeightsFileName);
  const fs::path staging = store.root() / (".staging-derived-" + m.name + "-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  std::string ref;
  try {
    WritePackage(staging, weights, &m);
    try {
      if (check) check(staging);
    } catch (const std::exception& e) {
      std::string what;
      for (const auto& [path, value] : changes) what += (what.empty() ? "" : ", ") + path + "=" + value.dump();
      IPT_THROW("{} with {} does not load: {}", ShortRef(base_ref), what, e.what());
    }
    ref = store.Add(staging);
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  fs::remove_all(staging);
  return ref;
}

const char* CodeVersion() { return IPT_GIT_COMMIT; }

}  // namespace ipt::registry
