#include "ipt/registry/collection.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "ipt/io/yaml_reader.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::registry {

ModelCollection ReadCollection(const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root = io::LoadYamlFile(file);
  io::YamlReader r(file);
  if (!root.IsMap()) r.Fail(root, "", "expected a mapping");
  // Unknown and repeated keys are errors: a typo or a second entry must not pass
  // silently (yaml-cpp keeps both entries of a repeated key and returns the first).
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const std::string key = r.As<std::string>(kv.first, "");
    if (key != "format" && key != "models") r.Fail(kv.first, Echo(key), "unknown key (known keys: format, models)");
    if (!seen.insert(key).second) r.Fail(kv.first, key, "appears twice");
  }
  const std::string format = r.Get<std::string>(root, "format", "");
  if (format != kCollectionFormat) {
    r.Fail(root["format"], "format", "unsupported '" + Echo(format) + "', expected " + kCollectionFormat);
  }
  YAML::Node models = r.Child(root, "models", "models");
  if (!models.IsMap()) r.Fail(models, "models", "expected a mapping model -> ref");
  ModelCollection c;
  for (const auto& kv : models) {
    const std::string name = r.As<std::string>(kv.first, "models");
    const std::string field = "models." + Echo(name);
    if (c.refs.count(name)) r.Fail(kv.first, field, "appears twice");
    const std::string ref = r.As<std::string>(kv.second, field);
    if (!IsModelRefPrefix(ref)) {
      r.Fail(kv.second, field, "'" + Echo(ref) + "' is not a ref or ref prefix (4 to 64 lowercase hex characters)");
    }
    c.refs[name] = ref;
  }
  return c;
}

void WriteCollection(const ModelCollection& c, const std::filesystem::path& path) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "format" << YAML::Value << kCollectionFormat;
  out << YAML::Key << "models" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, ref] : c.refs) out << YAML::Key << name << YAML::Value << ref;
  out << YAML::EndMap << YAML::EndMap;
  WriteFileAtomic(path, std::string(out.c_str()) + "\n");
}

std::vector<Violation> ValidateCollection(const ModelCollection& c, const ModelGraph& graph, const ModelStore& store) {
  std::vector<Violation> out;
  std::map<std::string, ModelManifest> manifests;
  std::map<std::string, std::string> refs;  // resolved full refs
  for (const auto& [name, ref] : c.refs) {
    if (!graph.HasModel(name)) {
      out.push_back({name, "", fmt::format("{} is not a model of the graph", name)});
      continue;
    }
    try {
      refs[name] = store.Resolve(ref);
      manifests[name] = store.Get(refs[name]);
    } catch (const Error& e) {
      out.push_back({name, "", fmt::format("{}@{}: {}", name, ShortRef(ref), e.message())});
      continue;
    }
    if (manifests[name].name != name) {
      out.push_back({name, "", fmt::format("{}@{} is a package of '{}'", name, ShortRef(refs[name]), manifests[name].name)});
      manifests.erase(name);
    }
  }
  // A collection must be closed upstream: every model it names has the models it
  // needs. Models downstream of it may be absent (a pipeline built model by model,
  // Path A before its match level exists); what runs is what the collection names.
  for (const auto& e : graph.edges()) {
    if (c.refs.count(e.downstream) && !c.refs.count(e.upstream) && !e.optional) {
      out.push_back({e.downstream, e.upstream,
                     fmt::format("the collection has no {}, which {} needs", e.upstream, e.downstream)});
    }
  }
  if (c.refs.empty()) out.push_back({"", "", "the collection names no model"});
  for (const auto& e : graph.edges()) {
    if (!manifests.count(e.downstream) || !manifests.count(e.upstream)) continue;
    const ModelManifest& down = manifests[e.downstream];
    const ModelManifest& up = manifests[e.upstream];
    const std::string down_name = fmt::format("{}@{}", e.downstream, ShortRef(down.ref));
    auto tw = down.trained_with.find(e.upstream);
    if (tw == down.trained_with.end()) {
      if (!e.optional) {
        out.push_back({e.downstream, e.upstream, fmt::format("{} records no {} it was trained with, collection has {}@{}",
                                                             down_name, e.upstream, e.upstream, ShortRef(up.ref))});
      }
    } else if (tw->second != up.ref) {
      out.push_back({e.downstream, e.upstream,
                     fmt::format("{} was trained with {}@{}, collection has {}@{}", down_name, e.upstream,
                                 ShortRef(tw->second), e.upstream, ShortRef(up.ref))});
    }
    // Schema: every field the edge carries must agree between the two manifests.
    for (const auto& field : e.fields) {
      auto find = [&](const std::vector<FieldSpec>& fields) -> const FieldSpec* {
        for (const auto& f : fields) {
          if (f.name == field) return &f;
        }
        return nullptr;
      };
      const FieldSpec* produced = find(up.outputs);
      const FieldSpec* consumed = find(down.inputs);
      if (!produced || !consumed) {
        out.push_back({e.downstream, e.upstream, fmt::format("edge {} -> {}: field '{}' missing from {}", e.upstream,
                                                             e.downstream, field, !produced ? "the upstream outputs" : "the downstream inputs")});
        continue;
      }
      bool compatible = produced->dtype == consumed->dtype && produced->shape.size() == consumed->shape.size();
      for (size_t k = 0; compatible && k < produced->shape.size(); ++k) {
        compatible = produced->shape[k] == consumed->shape[k] || produced->shape[k] == -1 || consumed->shape[k] == -1;
      }
      if (!compatible) {
        out.push_back({e.downstream, e.upstream, fmt::format("edge {} -> {}: {} outputs '{}', {} expects '{}'", e.upstream,
                                                             e.downstream, e.upstream, produced->ToString(), e.downstream,
                                                             consumed->ToString())});
      }
    }
  }
  return out;
}

PromotionResult Promote(const std::filesystem::path& path, const std::map<std::string, std::string>& changes,
                        const ModelGraph& graph, const ModelStore& store) {
  PromotionResult result;
  // The collection is replaced in place: never inside the store it refers to.
  CheckOutputNotInput(path, {store.root()}, "the collection");
  IPT_CHECK(!IsWithin(path, store.root()), "the collection {} lies inside the model store {}: refusing to write it there",
            path.string(), store.root().string());
  result.collection = ReadCollection(path);
  std::set<std::string> changed;
  for (const auto& [name, ref] : changes) {
    graph.Model(name);  // unknown names are errors
    result.collection.refs[name] = store.Resolve(ref);
    changed.insert(name);
  }
  result.violations = ValidateCollection(result.collection, graph, store);
  if (!result.violations.empty()) {
    result.must_retrain = graph.Descendants(changed);
    return result;
  }
  WriteCollection(result.collection, path);
  result.promoted = true;
  return result;
}

std::map<std::string, std::string> ResolveRefs(const ModelCollection& collection, const ModelStore& store) {
  std::map<std::string, std::string> full;
  for (const auto& [name, ref] : collection.refs) full[name] = IsModelRef(ref) ? ref : store.Resolve(ref);
  return full;
}

std::map<std::string, std::string> ParseRefAssignments(const std::vector<std::string>& assignments) {
  std::map<std::string, std::string> changes;
  for (const auto& s : assignments) {
    const auto eq = s.find('=');
    IPT_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < s.size(), "expected MODEL=REF, got '{}'", Echo(s));
    IPT_CHECK(changes.emplace(s.substr(0, eq), s.substr(eq + 1)).second, "model '{}' is assigned twice",
              Echo(s.substr(0, eq)));
  }
  return changes;
}

}  // namespace ipt::registry
