// The content-addressed precompute store, its layers and keys declared by the
// model graph (registry/model_graph.h), not here.
//
// Key of layer L for one match (LayerKey):
//   H("ipt-layer", L, L.schema_version, upstream, (name, ref) of every producer of L, sorted by name)
//   upstream = the key of L's input layer if the graph gives it one, else the match content hash.
// So a model changes exactly the keys of the layer it produces and of every layer
// computed from that one; a model that only reads layers (JN classifier, identity
// resolver) is in no key. In Path A: frame = H(match, detector, crop_encoder),
// track = H(frame key, tracker).
//
// An entry is a directory ROOT/<layer>/<key>/ holding tensors.safetensors and
// meta.json {key, layer, match, producers {model: ref}, inputs, created, bytes,
// content_sha256}. An entry is identified by its directory; what meta.json says
// never names a path. Writes go to a temporary sibling renamed into place, so a
// crash never leaves an entry that looks complete, and of two processes writing
// the same key one wins and both see one valid entry. An entry whose meta.json
// or content hash does not verify is reported (ls, verify), removed by gc and by
// Get, and treated as missing (recomputed).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ipt/io/safetensors.h"
#include "ipt/registry/model_graph.h"

namespace ipt::store {

// SHA-256 over exactly what a match's producers read: match.yaml's pitch, timing, cameras
// and panorama (its canonical text, io::MatchYamlText) and the two videos it names
// (streamed). The name, teams, roster and substitutions are left out: only the match level
// reads them, so fixing a roster keeps the frame and track layers. Throws InputError
// naming a missing or bad file.
std::string MatchContentHash(const std::filesystem::path& match_dir);

// One layer's key for one match, with what went into it.
struct LayerKey {
  std::string layer;
  std::string key;                               // 64 hex characters
  std::map<std::string, std::string> producers;  // model -> ref, this layer's and its input layers'
  std::optional<std::string> input_key;          // the input layer's key, when it has one
};
// Throws ipt::Error on an unknown layer or when `refs` lacks a producing model.
LayerKey ComputeLayerKey(const registry::ModelGraph& graph, const std::string& layer,
                         const std::string& match_content_hash, const std::map<std::string, std::string>& refs);

struct EntryMeta {
  std::string key, layer, match;
  std::map<std::string, std::string> producers;  // model name -> ref that produced it
  std::map<std::string, std::string> inputs;     // e.g. "frame_key" for the track layer
  std::string created;
  int64_t bytes = 0;
  std::string content_sha256;                   // of tensors.safetensors
};
// Parses meta.json; throws InputError naming `source` and the field.
EntryMeta ParseEntryMeta(const std::string& json_text, const std::string& source);

// One entry directory as found on disk.
struct StoredEntry {
  std::string layer, key;          // from the directory names ROOT/<layer>/<key>
  std::optional<EntryMeta> meta;   // nullopt when meta.json is missing, unreadable or disagrees
  std::string problem;             // why meta is nullopt ("" when readable)
};

struct VerifyReport {
  std::vector<std::string> ok, corrupt;  // "layer/key"
};

class ArtifactStore {
 public:
  explicit ArtifactStore(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }

  // Writes an entry atomically; returns false when another writer already put it.
  bool Put(const std::string& layer, const std::string& key, const io::SafetensorsFile& tensors, EntryMeta meta);
  // The entry's tensors, or nullopt when missing; a corrupt entry is logged,
  // removed and reported as missing so that the caller recomputes it.
  std::optional<io::SafetensorsFile> Get(const std::string& layer, const std::string& key);
  // The entry's tensors file, verified (size and content hash, streamed), or nullopt
  // when missing or corrupt (then removed, as Get does): for entries too big to read
  // whole (io::SafetensorsReader). With `bytes`, the file's bytes as verified.
  std::optional<std::filesystem::path> GetFile(const std::string& layer, const std::string& key,
                                               std::string* bytes = nullptr);
  bool Contains(const std::string& layer, const std::string& key) const;

  // Every entry directory (complete ones only: temporaries are not entries),
  // readable or not, sorted by layer, creation time and key.
  std::vector<StoredEntry> List() const;
  VerifyReport Verify() const;  // re-hashes every entry
  // Entries no given collection reaches (some producer's ref differs from the
  // collection's ref for that model) and unreadable ones. Removed unless dry_run;
  // dead writers' temporaries go too.
  std::vector<StoredEntry> CollectGarbage(const std::vector<std::map<std::string, std::string>>& keep_collections,
                                          bool dry_run);

 private:
  std::filesystem::path EntryDir(const std::string& layer, const std::string& key) const;
  std::filesystem::path root_;
};

// True for a store key or model ref: 64 lowercase hexadecimal characters.
bool IsContentKey(const std::string& name);

std::filesystem::path DefaultArtifactStoreRoot();  // $IPT_CACHE, else ./cache

}  // namespace ipt::store
