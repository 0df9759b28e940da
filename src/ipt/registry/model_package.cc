#include "ipt/registry/model_package.h"

#include "ipt/io/json.h"

#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "ipt/io/safetensors.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"
#include "ipt/util/paths.h"

namespace ipt::registry {
namespace fs = std::filesystem;

namespace {
constexpr size_t kShortRefLength = 12;
constexpr size_t kMinPrefixLength = 4;
constexpr size_t kRefLength = 64;  // SHA-256 in hex

// A package as read from disk: the verified manifest and the exact bytes that
// were verified (so that what the store copies is what was checked).
struct LoadedPackage {
  ModelManifest manifest;
  std::string manifest_text, weights;
};

LoadedPackage LoadPackage(const fs::path& dir) {
  LoadedPackage p;
  const fs::path json_path = dir / kManifestFileName;
  p.manifest_text = ReadFile(json_path);
  const nlohmann::json j = io::ParseJson(p.manifest_text, json_path.string());
  p.manifest = ManifestFromJson(j, json_path.string());
  const fs::path weights_path = dir / kWeightsFileName;
  p.weights = io::ReadTensorFileBytes(weights_path);
  const std::string ref = ComputeModelRef(p.manifest.name, p.manifest.kind, p.weights, p.manifest.architecture);
  if (ref != p.manifest.ref) {
    throw InputError(weights_path.string(), 0, "ref",
                     fmt::format("hash mismatch: content hashes to {}, model.json says {} (corrupt or edited package)",
                                 ShortRef(ref), ShortRef(p.manifest.ref)));
  }
  io::CheckSafetensors(p.weights, weights_path.string());
  return p;
}

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

namespace {
constexpr size_t kMaxNameLength = 64;
}  // namespace

ModelManifest ManifestFromJson(const nlohmann::json& j, const std::string& source) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (!j.is_object()) fail("", "manifest is not a JSON object");
  // Typed access: a value of the wrong type is an error naming its field, never
  // a library exception.
  auto str = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string()) fail(key, "missing or not a string");
    return j[key].get<std::string>();
  };
  auto optional_str = [&](const char* key) {
    if (!j.contains(key)) return std::string();
    if (!j[key].is_string()) fail(key, "must be a string");
    return j[key].get<std::string>();
  };
  auto object = [&](const nlohmann::json& parent, const char* key, const std::string& field) {
    if (!parent.contains(key)) return nlohmann::json::object();
    if (!parent[key].is_object()) fail(field, "must be an object");
    return parent[key];
  };
  auto strings = [&](const nlohmann::json& parent, const char* key, const std::string& field) {
    std::vector<std::string> out;
    if (!parent.contains(key)) return out;
    if (!parent[key].is_array()) fail(field, "must be a list of strings");
    for (const auto& v : parent[key]) {
      if (!v.is_string()) fail(field, "must be a list of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  };
  const std::string format = str("format");
  if (format != kModelFormat) fail("format", fmt::format("unsupported '{}', expected {}", Echo(format), kModelFormat));
  ModelManifest m;
  // Names are identifiers: they are printed, compared with the graph and used in keys.
  for (const auto& [key, value] : j.items()) {
    static const char* const kKeys[] = {"format", "name", "kind", "ref", "architecture", "io_schema", "trained_with",
                                        "training_data", "metrics", "code_version", "created"};
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) fail(Echo(key), "unknown key");
  }
  auto identifier = [&](const char* key) {
    std::string value = str(key);
    const bool ok = !value.empty() && value.size() <= kMaxNameLength &&
                    std::all_of(value.begin(), value.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                    });
    if (!ok) fail(key, fmt::format("'{}' is not a model name (a-z, 0-9, _)", Echo(value)));
    return value;
  };
  m.name = identifier("name");
  m.kind = identifier("kind");
  m.ref = str("ref");
  if (!IsModelRef(m.ref)) fail("ref", fmt::format("'{}' is not a ref (64 lowercase hex characters)", Echo(m.ref)));
  m.architecture = object(j, "architecture", "architecture");
  if (!j.contains("io_schema") || !j["io_schema"].is_object()) fail("io_schema", "missing or not an object");
  for (const char* side : {"inputs", "outputs"}) {
    const std::string field = std::string("io_schema.") + side;
    const std::vector<std::string> specs = strings(j["io_schema"], side, field);
    for (size_t i = 0; i < specs.size(); ++i) {
      try {
        (std::string(side) == "inputs" ? m.inputs : m.outputs).push_back(ParseFieldSpec(specs[i]));
      } catch (const Error& e) {
        fail(fmt::format("{}[{}]", field, i), e.message());
      }
    }
  }
  // Named: a range-for over items() of a temporary would dangle (found by fuzz_model_json).
  const nlohmann::json trained_with = object(j, "trained_with", "trained_with");
  for (const auto& [k, v] : trained_with.items()) {
    if (!v.is_string() || !IsModelRef(v.get<std::string>())) {
      fail("trained_with." + Echo(k), "must be a ref (64 lowercase hex characters)");
    }
    m.trained_with[k] = v.get<std::string>();
  }
  const nlohmann::json data = object(j, "training_data", "training_data");
  m.training_artifacts = strings(data, "artifacts", "training_data.artifacts");
  m.training_matches = strings(data, "matches", "training_data.matches");
  m.metrics = object(j, "metrics", "metrics");
  m.code_version = optional_str("code_version");
  m.created = optional_str("created");
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

bool IsModelRefPrefix(const std::string& text) {
  return text.size() >= kMinPrefixLength && text.size() <= kRefLength &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsModelRef(const std::string& text) { return text.size() == kRefLength && IsModelRefPrefix(text); }

void WritePackage(const fs::path& dir, const std::string& weights_bytes, ModelManifest* manifest) {
  manifest->ref = ComputeModelRef(manifest->name, manifest->kind, weights_bytes, manifest->architecture);
  AtomicPath out(dir);
  fs::create_directories(out.temp());
  WriteFileAtomic(out.temp() / kWeightsFileName, weights_bytes);
  WriteFileAtomic(out.temp() / kManifestFileName, ToJson(*manifest).dump(2) + "\n");
  out.Commit();
}

ModelManifest ReadPackage(const fs::path& dir) { return LoadPackage(dir).manifest; }

ModelStore::ModelStore(fs::path root) : root_(std::move(root)) {}

fs::path ModelStore::PackageDir(const std::string& ref) const {
  IPT_CHECK(IsModelRef(ref), "'{}' is not a model ref (64 lowercase hex characters)", Echo(ref));
  return root_ / ref;
}

ModelManifest ModelStore::ReadStored(const std::string& ref) const {
  const fs::path dir = PackageDir(ref);
  CheckInside(dir, root_, "model store entry");  // a symlink to elsewhere is not the store's
  ModelManifest m = ReadPackage(dir);
  if (m.ref != ref) {
    throw InputError((dir / kManifestFileName).string(), 0, "ref",
                     fmt::format("package {} is stored under {}: a misplaced or edited copy", ShortRef(m.ref),
                                 ShortRef(ref)));
  }
  return m;
}

std::string ModelStore::Add(const fs::path& package_dir) {
  const LoadedPackage package = LoadPackage(package_dir);
  const std::string& ref = package.manifest.ref;
  const fs::path target = PackageDir(ref);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec))) {
    CheckInside(target, root_, "model store entry");  // never replace what lies outside the store
    try {
      ReadStored(ref);
      return ref;  // content-addressed: already there, and intact
    } catch (const InputError& e) {
      spdlog::warn("replacing the corrupt stored copy of {}: {}", ShortRef(ref), e.message());
    }
  }
  AtomicPath out(target);
  fs::create_directories(out.temp());
  WriteFileAtomic(out.temp() / kWeightsFileName, package.weights);
  WriteFileAtomic(out.temp() / kManifestFileName, package.manifest_text);
  out.Commit(/*replace_existing=*/true);
  return ref;
}

std::string ModelStore::Resolve(const std::string& prefix) const {
  IPT_CHECK(IsModelRefPrefix(prefix), "model ref '{}' is not a ref or prefix ({} to {} lowercase hex characters)",
            Echo(prefix), kMinPrefixLength, kRefLength);
  std::vector<std::string> hits;
  std::error_code ec;
  if (fs::is_directory(root_, ec)) {
    for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (IsModelRef(name) && name.rfind(prefix, 0) == 0) hits.push_back(name);
    }
    IPT_CHECK(!ec, "cannot read the model store {}: {}", root_.string(), ec.message());
  }
  IPT_CHECK(!hits.empty(), "no model {} in the store {}", prefix, root_.string());
  IPT_CHECK(hits.size() == 1, "model ref {} is ambiguous in {} ({} matches)", prefix, root_.string(), hits.size());
  return hits[0];
}

ModelManifest ModelStore::Get(const std::string& prefix) const { return ReadStored(Resolve(prefix)); }

StoreListing ModelStore::List() const {
  StoreListing listing;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return listing;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Staging areas of `ipt train` and temporaries of writers are not packages (yet).
    if (name.empty() || name[0] == '.' || name.find(".tmp-") != std::string::npos) continue;
    if (!IsModelRef(name)) {
      std::error_code dir_ec;
      if (fs::is_directory(it->path(), dir_ec)) {
        listing.bad.push_back({it->path(), "not a package directory: store entries are named by their 64-character ref"});
      }
      continue;
    }
    try {
      listing.packages.push_back(ReadStored(name));
    } catch (const Error& e) {
      listing.bad.push_back({it->path(), e.message()});
    } catch (const fs::filesystem_error& e) {
      listing.bad.push_back({it->path(), "cannot read: " + e.code().message()});
    }
  }
  IPT_CHECK(!ec, "cannot read the model store {}: {}", root_.string(), ec.message());
  std::sort(listing.packages.begin(), listing.packages.end(), [](const ModelManifest& a, const ModelManifest& b) {
    return std::tie(a.name, a.created, a.ref) < std::tie(b.name, b.created, b.ref);
  });
  std::sort(listing.bad.begin(), listing.bad.end(), [](const BadPackage& a, const BadPackage& b) { return a.dir < b.dir; });
  return listing;
}

fs::path DefaultModelStoreRoot() {
  const char* env = std::getenv("IPT_MODEL_STORE");
  return env && *env ? fs::path(env) : fs::path("models");
}

}  // namespace ipt::registry
