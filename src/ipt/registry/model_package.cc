#include "ipt/registry/model_package.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

namespace ipt::registry {
namespace fs = std::filesystem;

namespace {
constexpr size_t kShortRefLength = 12;
constexpr size_t kMinPrefixLength = 4;

std::vector<std::string> Specs(const std::vector<FieldSpec>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.ToString());
  return out;
}
}  // namespace

nlohmann::json ToJson(const ModelManifest& m) {
  return {{"format", kModelFormat},
          {"name", m.name},
          {"kind", m.kind},
          {"ref", m.ref},
          {"architecture", m.architecture},
          {"io_schema", {{"inputs", Specs(m.inputs)}, {"outputs", Specs(m.outputs)}}},
          {"trained_with", m.trained_with},
          {"training_data", {{"artifacts", m.training_artifacts}, {"matches", m.training_matches}}},
          {"metrics", m.metrics},
          {"code_version", m.code_version},
          {"created", m.created}};
}

ModelManifest ManifestFromJson(const nlohmann::json& j, const std::string& source) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  auto str = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string()) fail(key, "missing or not a string");
    return j[key].get<std::string>();
  };
  if (!j.is_object()) fail("", "manifest is not a JSON object");
  if (str("format") != kModelFormat) fail("format", fmt::format("unsupported '{}', expected {}", str("format"), kModelFormat));
  ModelManifest m;
  m.name = str("name");
  m.kind = str("kind");
  m.ref = str("ref");
  if (m.ref.size() != 64) fail("ref", "must be a 64-character SHA-256");
  m.architecture = j.value("architecture", nlohmann::json::object());
  if (!j.contains("io_schema") || !j["io_schema"].is_object()) fail("io_schema", "missing");
  for (const char* side : {"inputs", "outputs"}) {
    const auto& list = j["io_schema"].value(side, nlohmann::json::array());
    if (!list.is_array()) fail(std::string("io_schema.") + side, "must be a list");
    for (const auto& s : list) {
      try {
        (std::string(side) == "inputs" ? m.inputs : m.outputs).push_back(ParseFieldSpec(s.get<std::string>()));
      } catch (const std::exception& e) {
        fail(std::string("io_schema.") + side, e.what());
      }
    }
  }
  const auto& tw = j.value("trained_with", nlohmann::json::object());
  if (!tw.is_object()) fail("trained_with", "must map upstream model names to refs");
  for (const auto& [k, v] : tw.items()) {
    if (!v.is_string()) fail("trained_with." + k, "must be a ref string");
    m.trained_with[k] = v.get<std::string>();
  }
  const auto& data = j.value("training_data", nlohmann::json::object());
  m.training_artifacts = data.value("artifacts", std::vector<std::string>{});
  m.training_matches = data.value("matches", std::vector<std::string>{});
  m.metrics = j.value("metrics", nlohmann::json::object());
  m.code_version = j.value("code_version", "");
  m.created = j.value("created", "");
  return m;
}

std::string ComputeModelRef(const std::string& name, const std::string& kind, const std::string& weights_bytes,
                            const nlohmann::json& architecture) {
  // nlohmann::json sorts object keys: dump() is canonical.
  return Sha256()
      .Field("ipt-model-ref/1")
      .Field(name)
      .Field(kind)
      .Field(Sha256Hex(weights_bytes))
      .Field(architecture.dump())
      .Hex();
}

std::string ShortRef(const std::string& ref) { return ref.substr(0, kShortRefLength); }

void WritePackage(const fs::path& dir, const std::string& weights_bytes, ModelManifest* manifest) {
  manifest->ref = ComputeModelRef(manifest->name, manifest->kind, weights_bytes, manifest->architecture);
  AtomicPath out(dir);
  fs::create_directories(out.temp());
  WriteFileAtomic(out.temp() / "weights.safetensors", weights_bytes);
  WriteFileAtomic(out.temp() / "model.json", ToJson(*manifest).dump(2) + "\n");
  out.Commit();
}

ModelManifest ReadPackage(const fs::path& dir) {
  const fs::path json_path = dir / "model.json";
  std::string text = ReadFile(json_path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(json_path.string(), 0, "", std::string("malformed JSON: ") + e.what());
  }
  ModelManifest m = ManifestFromJson(j, json_path.string());
  const std::string weights = ReadFile(dir / "weights.safetensors");
  const std::string ref = ComputeModelRef(m.name, m.kind, weights, m.architecture);
  if (ref != m.ref) {
    throw InputError((dir / "weights.safetensors").string(), 0, "ref",
                     fmt::format("hash mismatch: content hashes to {}, model.json says {} (corrupt or edited package)",
                                 ShortRef(ref), ShortRef(m.ref)));
  }
  return m;
}

ModelStore::ModelStore(fs::path root) : root_(std::move(root)) {}

std::string ModelStore::Add(const fs::path& package_dir) {
  ModelManifest m = ReadPackage(package_dir);
  fs::path target = PackageDir(m.ref);
  if (fs::exists(target)) return m.ref;  // content-addressed: already there
  AtomicPath out(target);
  fs::create_directories(out.temp());
  fs::copy_file(package_dir / "weights.safetensors", out.temp() / "weights.safetensors");
  fs::copy_file(package_dir / "model.json", out.temp() / "model.json");
  out.Commit(/*replace_existing=*/false);
  return m.ref;
}

std::string ModelStore::Resolve(const std::string& prefix) const {
  IPT_CHECK(prefix.size() >= kMinPrefixLength, "model ref '{}' is too short (at least {} characters)", prefix, kMinPrefixLength);
  std::vector<std::string> hits;
  if (fs::is_directory(root_)) {
    for (const auto& e : fs::directory_iterator(root_)) {
      std::string name = e.path().filename().string();
      if (name.size() == 64 && name.rfind(prefix, 0) == 0) hits.push_back(name);
    }
  }
  IPT_CHECK(!hits.empty(), "no model {} in the store {}", prefix, root_.string());
  IPT_CHECK(hits.size() == 1, "model ref {} is ambiguous in {} ({} matches)", prefix, root_.string(), hits.size());
  return hits[0];
}

ModelManifest ModelStore::Get(const std::string& prefix) const { return ReadPackage(PackageDir(Resolve(prefix))); }

std::vector<ModelManifest> ModelStore::List() const {
  std::vector<ModelManifest> out;
  if (!fs::is_directory(root_)) return out;
  for (const auto& e : fs::directory_iterator(root_)) {
    if (e.is_directory() && e.path().filename().string().size() == 64) out.push_back(ReadPackage(e.path()));
  }
  std::sort(out.begin(), out.end(), [](const ModelManifest& a, const ModelManifest& b) {
    return std::tie(a.name, a.created, a.ref) < std::tie(b.name, b.created, b.ref);
  });
  return out;
}

fs::path DefaultModelStoreRoot() {
  const char* env = std::getenv("IPT_MODEL_STORE");
  return env && *env ? fs::path(env) : fs::path("models");
}

}  // namespace ipt::registry
