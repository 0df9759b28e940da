// Typed access to YAML documents with errors that name the file, line and field
// path ("sim.yaml:12: field 'render.noise_sigma': must be a finite number").
#pragma once

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <initializer_list>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "ipt/util/check.h"

namespace ipt::io {

// A user's value, capped for an error message (util/paths.h Echo).
std::string EchoValue(const std::string& value);

// Reads typed fields from a YAML map with errors naming file, line and field path.
class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& field,
                         const std::string& what) const {
    int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    throw InputError(path_, line, field, what);
  }

  YAML::Node Child(const YAML::Node& map, const std::string& key, const std::string& field) const {
    if (!map.IsMap()) Fail(map, field, "expected a mapping");
    YAML::Node child = map[key];
    if (!child.IsDefined() || child.IsNull()) Fail(map, field, "missing");
    return child;
  }

  template <typename T>
  T Get(const YAML::Node& map, const std::string& key, const std::string& prefix) const {
    std::string field = prefix.empty() ? key : prefix + "." + key;
    YAML::Node node = Child(map, key, field);
    return As<T>(node, field);
  }

  template <typename T>
  T GetOr(const YAML::Node& map, const std::string& key, const std::string& prefix,
          const T& fallback) const {
    if (!map.IsMap() || !map[key].IsDefined() || map[key].IsNull()) return fallback;
    return Get<T>(map, key, prefix);
  }

  template <typename T>
  T As(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) Fail(node, field, "expected a single value");
    T value;
    if (!YAML::convert<T>::decode(node, value)) Fail(node, field, "cannot read '" + EchoValue(node.Scalar()) + "'");
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(value)) Fail(node, field, "must be a finite number, got " + EchoValue(node.Scalar()));
    }
    return value;
  }

  std::vector<double> Numbers(const YAML::Node& node, const std::string& field, size_t size) const {
    if (!node.IsSequence() || node.size() != size) {
      Fail(node, field, "expected a list of " + std::to_string(size) + " numbers");
    }
    std::vector<double> out;
    for (size_t i = 0; i < size; ++i) {
      out.push_back(As<double>(node[i], field + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  // Fails on the first key of `map` not in `known` (typos must not pass silently).
  void OnlyKeys(const YAML::Node& map, const std::string& prefix, std::initializer_list<const char*> known) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Loads a YAML file; throws InputError for a missing, oversized or malformed
// file, and for a key given twice in one mapping (YAML forbids it; yaml-cpp
// would silently keep the first).
YAML::Node LoadYamlFile(const std::string& path);

// Reads optional overrides from one mapping of a config file into existing
// defaults, and rejects keys it does not know (typos must not pass silently):
//   ConfigSection s(reader, node["render"], "render");
//   s.Read("noise_sigma", &options.noise_sigma);
//   s.Finish();
class ConfigSection {
 public:
  ConfigSection(const YamlReader& reader, const YAML::Node& node, std::string prefix);
  template <typename T>
  void Read(const std::string& key, T* value) {
    known_.insert(key);
    if (present_ && node_[key].IsDefined() && !node_[key].IsNull()) *value = reader_.Get<T>(node_, key, prefix_);
  }
  void ReadList(const std::string& key, std::vector<double>* values);
  // Child section (for nested maps); the key counts as known.
  YAML::Node Child(const std::string& key);
  void Finish() const;

 private:
  const YamlReader& reader_;
  YAML::Node node_;
  std::string prefix_;
  bool present_;
  std::set<std::string> known_;
};

}  // namespace ipt::io
