// Model packages and the local model store.
//
// A package is a directory:
//   weights.safetensors   the tensors (io/safetensors.h)
//   model.json            the manifest (below)
// Its `ref` is a content hash: SHA-256 over the model's name and kind, the weights
// file and the canonical architecture config, so equal refs mean equal models. `trained_with` records the
// ref of every upstream model the package was trained with (its provenance).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/registry/model_graph.h"

namespace ipt::registry {

constexpr const char* kModelFormat = "ipt-model/1";
// The two files of a package directory.
inline constexpr const char* kWeightsFileName = "weights.safetensors";
inline constexpr const char* kManifestFileName = "model.json";

struct ModelManifest {
  std::string name;                  // model name in the graph, e.g. "crop_encoder"
  std::string kind;
  std::string ref;                   // 64 hex chars
  nlohmann::json architecture = nlohmann::json::object();  // the model's config
  std::vector<FieldSpec> inputs, outputs;
  std::map<std::string, std::string> trained_with;  // upstream name -> ref
  std::vector<std::string> training_artifacts;      // precompute keys used for training
  std::vector<std::string> training_matches;
  nlohmann::json metrics = nlohmann::json::object();
  std::string code_version;          // git commit of IPT that trained it
  std::string created;               // ISO 8601 UTC
};

nlohmann::json ToJson(const ModelManifest& manifest);
// Throws InputError naming `source` and the field.
ModelManifest ManifestFromJson(const nlohmann::json& json, const std::string& source);

// ref = SHA-256 over ("ipt-model-ref/1", name, kind, sha256(weights file bytes), canonical
// architecture JSON), each length-prefixed.
std::string ComputeModelRef(const std::string& name, const std::string& kind, const std::string& weights_bytes,
                            const nlohmann::json& architecture);
// First 12 hex characters, for messages ("tracker@ab12cd34ef56").
std::string ShortRef(const std::string& ref);
// A full ref: exactly 64 lowercase hex characters (store directories are named so).
bool IsModelRef(const std::string& text);
// A ref or a unique-prefix candidate: 4 to 64 lowercase hex characters.
bool IsModelRefPrefix(const std::string& text);

// Writes a package directory atomically; fills manifest->ref from the content.
void WritePackage(const std::filesystem::path& dir, const std::string& weights_bytes, ModelManifest* manifest);
// Reads and verifies a package: model.json must be a valid manifest, the
// recomputed ref must equal the manifest's, and weights.safetensors must parse
// (io::CheckSafetensors). Throws InputError naming the file and field.
ModelManifest ReadPackage(const std::filesystem::path& dir);

// A store entry that cannot be used, and why (`models list` shows it beside the good ones).
struct BadPackage {
  std::filesystem::path dir;
  std::string reason;
};

struct StoreListing {
  std::vector<ModelManifest> packages;  // verified; sorted by name, then creation time
  std::vector<BadPackage> bad;          // corrupt or misplaced entries, sorted by directory
};

// A directory of packages, one per ref: ROOT/<ref>/{weights.safetensors, model.json}.
// Only directories named by a full ref are packages; hidden entries (".staging-*")
// and writers' temporaries ("*.tmp-*") are ignored. A stored package is used only
// when it lies inside ROOT (after symlinks) and its manifest's ref is its name.
class ModelStore {
 public:
  explicit ModelStore(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }
  // Verifies and copies a package into the store; returns its ref. A stored copy
  // of the same ref that no longer verifies is replaced.
  std::string Add(const std::filesystem::path& package_dir);
  // Full ref from a unique prefix (>= 4 characters); throws when unknown or ambiguous.
  std::string Resolve(const std::string& ref_or_prefix) const;
  ModelManifest Get(const std::string& ref_or_prefix) const;
  // ROOT/<ref>; throws unless `ref` is a full ref.
  std::filesystem::path PackageDir(const std::string& ref) const;
  // Every package, verified; a bad one is reported in `bad`, never thrown.
  StoreListing List() const;

 private:
  // Reads and verifies ROOT/<ref> (inside the store, stored under its own ref).
  ModelManifest ReadStored(const std::string& ref) const;

  std::filesystem::path root_;
};

// The store root: $IPT_MODEL_STORE, else ./models.
std::filesystem::path DefaultModelStoreRoot();

}  // namespace ipt::registry
