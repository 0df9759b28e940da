#include "ipt/io/yaml_reader.h"

#include "ipt/util/atomic_path.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::io {

namespace {
// Throws on a key given twice in a mapping, anywhere in the document. Each node
// is visited once (by its position in the text), so aliases cannot blow up the walk.
void CheckDuplicateKeys(const std::string& path, const YAML::Node& node, const std::string& prefix,
                        std::set<int>* visited) {
  if ((node.IsSequence() || node.IsMap()) && !visited->insert(node.Mark().pos).second) return;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      CheckDuplicateKeys(path, node[i], prefix + "[" + std::to_string(i) + "]", visited);
    }
  } else if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "(complex key)";
      const std::string field = prefix.empty() ? key : prefix + "." + key;
      if (!seen.insert(key).second) {
        throw InputError(path, kv.first.Mark().line + 1, EchoValue(field), "key given twice in one mapping");
      }
      CheckDuplicateKeys(path, kv.second, field, visited);
    }
  }
}
}  // namespace

std::string EchoValue(const std::string& value) { return Echo(value); }

void YamlReader::OnlyKeys(const YAML::Node& map, const std::string& prefix,
                          std::initializer_list<const char*> known) const {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "(complex key)";
    bool ok = false;
    for (const char* k : known) ok |= key == k;
    if (ok) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    Fail(kv.first, prefix.empty() ? EchoValue(key) : prefix + "." + EchoValue(key), "unknown key (known keys: " + list + ")");
  }
}

YAML::Node LoadYamlFile(const std::string& path) {
  CheckRegularFile(path, limits::kMaxConfigFileBytes);
  YAML::Node root;
  try {
    root = YAML::Load(ReadFile(path));
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line + 1, "", "malformed YAML: " + e.msg);
  }
  std::set<int> visited;
  CheckDuplicateKeys(path, root, "", &visited);
  return root;
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
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "(complex key)";
    if (!known_.count(key)) {
      std::string known;
      for (const auto& k : known_) known += (known.empty() ? "" : ", ") + k;
      reader_.Fail(kv.first, prefix_.empty() ? EchoValue(key) : prefix_ + "." + EchoValue(key),
                   "unknown key (known keys: " + known + ")");
    }
  }
}

}  // namespace ipt::io
