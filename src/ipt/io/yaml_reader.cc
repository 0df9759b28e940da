#include "ipt/io/yaml_reader.h"

namespace ipt::io {

YAML::Node LoadYamlFile(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path, 0, "", "cannot open file");
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line + 1, "", "malformed YAML: " + e.msg);
  }
}

ConfigSection::ConfigSection(const YamlReader& reader, const YAML::Node& node, std::string prefix)
    : reader_(reader), node_(node), prefix_(std::move(prefix)), present_(node.IsDefined() && !node.IsNull()) {
  if (present_ && !node_.IsMap()) reader_.Fail(node_, prefix_, "expected a mapping");
}

void ConfigSection::ReadList(const std::string& key, std::vector<double>* values) {
  known_.insert(key);
  if (!present_ || !node_[key].IsDefined()) return;
  std::string field = prefix_.empty() ? key : prefix_ + "." + key;
  *values = reader_.Numbers(node_[key], field, values->size());
}

YAML::Node ConfigSection::Child(const std::string& key) {
  known_.insert(key);
  return present_ ? node_[key] : YAML::Node();
}

void ConfigSection::Finish() const {
  if (!present_) return;
  for (const auto& kv : node_) {
    std::string key = kv.first.as<std::string>();
    if (!known_.count(key)) {
      std::string known;
      for (const auto& k : known_) known += (known.empty() ? "" : ", ") + k;
      reader_.Fail(kv.first, prefix_.empty() ? key : prefix_ + "." + key,
                   "unknown key (known keys: " + known + ")");
    }
  }
}

}  // namespace ipt::io
