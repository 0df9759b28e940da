// The two-layer, content-addressed precompute store.
//
//  frame layer: detections + crop-encoder outputs per frame of a match
//      key = H("ipt-frame", schema version, match content hash, detector ref, crop_encoder ref)
//  track layer: track assignments + categories
//      key = H("ipt-track", schema version, frame key, tracker ref)
// The JN classifier and the identity resolver only read these, so changing either
// regenerates nothing; changing the tracker changes only track keys.
//
// An entry is a directory ROOT/<layer>/<key>/ holding tensors.safetensors and
// meta.json {key, layer, match, producers {model: ref}, inputs, created, bytes,
// content_sha256}. Writes go to a temporary sibling renamed into place, so a
// crash never leaves an entry that looks complete, and of two processes writing
// the same key one wins and both see one valid entry. An entry whose content
// hash does not verify is reported, removed, and treated as missing (recomputed).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ipt/io/safetensors.h"

namespace ipt::store {

constexpr int kFrameSchemaVersion = 1;
constexpr int kTrackSchemaVersion = 1;

std::string FrameKey(const std::string& match_content_hash, const std::string& detector_ref,
                     const std::string& crop_encoder_ref, int schema_version = kFrameSchemaVersion);
std::string TrackKey(const std::string& frame_key, const std::string& tracker_ref,
                     int schema_version = kTrackSchemaVersion);

// SHA-256 over match.yaml and both videos of a match directory (streamed).
std::string MatchContentHash(const std::filesystem::path& match_dir);

struct EntryMeta {
  std::string key, layer, match;
  std::map<std::string, std::string> producers;  // model name -> ref that produced it
  std::map<std::string, std::string> inputs;     // e.g. "frame_key" for the track layer
  std::string created;
  int64_t bytes = 0;
  std::string content_sha256;                   // of tensors.safetensors
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
  bool Contains(const std::string& layer, const std::string& key) const;

  std::vector<EntryMeta> List() const;  // complete entries only
  VerifyReport Verify() const;          // re-hashes every entry
  // Entries no given collection reaches: some producer's ref differs from the
  // collection's ref for that model. Removed unless dry_run.
  std::vector<EntryMeta> CollectGarbage(const std::vector<std::map<std::string, std::string>>& keep_collections,
                                        bool dry_run);

 private:
  std::filesystem::path EntryDir(const std::string& layer, const std::string& key) const;
  std::filesystem::path root_;
};

std::filesystem::path DefaultArtifactStoreRoot();  // $IPT_CACHE, else ./cache

}  // namespace ipt::store
