#include "ipt/store/artifact_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "ipt/io/json.h"
#include "ipt/io/match.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::store {
namespace fs = std::filesystem;

namespace {
constexpr const char* kTensors = "tensors.safetensors";
constexpr const char* kMeta = "meta.json";
constexpr size_t kContentKeyLength = 64;
// meta.json is a few hundred bytes; anything far larger is not one.
constexpr int64_t kMaxMetaBytes = 1 << 20;

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

nlohmann::json MetaJson(const EntryMeta& m) {
  return {{"key", m.key}, {"layer", m.layer}, {"match", m.match}, {"producers", m.producers}, {"inputs", m.inputs},
          {"created", m.created}, {"bytes", m.bytes}, {"content_sha256", m.content_sha256}};
}

// A layer directory name: lowercase letters, digits and underscores.
bool IsLayerName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Reads an entry directory's meta.json and checks that it agrees with the directory.
StoredEntry ReadEntry(const fs::path& dir, const std::string& layer, const std::string& key) {
  StoredEntry entry{layer, key, std::nullopt, ""};
  const fs::path meta_path = dir / kMeta;
  try {
    CheckRegularFile(meta_path, kMaxMetaBytes);
    EntryMeta meta = ParseEntryMeta(ReadFile(meta_path), meta_path.string());
    if (meta.key != key || meta.layer != layer) {
      throw InputError(meta_path.string(), 0, "key", "names another entry than its directory " + layer + "/" + key);
    }
    entry.meta = std::move(meta);
  } catch (const Error& e) {
    entry.problem = e.message();
  }
  return entry;
}

// Every complete entry directory under root, in directory order.
std::vector<StoredEntry> ScanEntries(const fs::path& root) {
  std::vector<StoredEntry> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& layer : fs::directory_iterator(root)) {
    const std::string layer_name = layer.path().filename().string();
    if (!layer.is_directory() || layer.is_symlink() || !IsLayerName(layer_name)) continue;
    for (const auto& e : fs::directory_iterator(layer.path())) {
      const std::string key = e.path().filename().string();
      if (!e.is_directory() || e.is_symlink() || !IsContentKey(key)) continue;
      out.push_back(ReadEntry(e.path(), layer_name, key));
    }
  }
  return out;
}

std::string HashLayerKey(const registry::LayerSpec& layer, const std::string& upstream,
                         const std::map<std::string, std::string>& own_producers) {
  Sha256 h;
  h.Field("ipt-layer").Field(layer.name).Field(std::to_string(layer.schema_version)).Field(upstream);
  for (const auto& [model, ref] : own_producers) h.Field(model).Field(ref);  // std::map: sorted by name
  return h.Hex();
}

}  // namespace

bool IsContentKey(const std::string& name) {
  return name.size() == kContentKeyLength &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

EntryMeta ParseEntryMeta(const std::string& text, const std::string& source) {
  const nlohmann::json j = io::ParseJson(text, source);
  auto fail = [&](const std::string& field, const std::string& what) -> void { throw InputError(source, 0, field, what); };
  if (!j.is_object()) fail("", "expected a JSON object");
  auto string_of = [&](const char* key, bool required) {
    if (!j.contains(key)) {
      if (required) fail(key, "missing");
      return std::string();
    }
    if (!j[key].is_string()) fail(key, "must be a string");
    return j[key].get<std::string>();
  };
  auto ref_map = [&](const char* key) {
    std::map<std::string, std::string> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_object()) fail(key, "must map names to 64-character hashes");
    for (const auto& [name, value] : j[key].items()) {
      if (!value.is_string() || !IsContentKey(value.get<std::string>())) {
        fail(std::string(key) + "." + Echo(name), "must be a 64-character lowercase hex hash");
      }
      out[name] = value.get<std::string>();
    }
    return out;
  };
  EntryMeta m;
  m.key = string_of("key", true);
  if (!IsContentKey(m.key)) fail("key", "must be a 64-character lowercase hex hash");
  m.layer = string_of("layer", true);
  if (!IsLayerName(m.layer)) fail("layer", "must be a layer name (a-z, 0-9, _), got '" + Echo(m.layer) + "'");
  m.match = string_of("match", false);
  m.producers = ref_map("producers");
  m.inputs = ref_map("inputs");
  m.created = string_of("created", false);
  if (j.contains("bytes")) {
    if (!j["bytes"].is_number_integer() || j["bytes"].get<int64_t>() < 0) fail("bytes", "must be an integer >= 0");
    m.bytes = j["bytes"].get<int64_t>();
  }
  m.content_sha256 = string_of("content_sha256", true);
  if (!IsContentKey(m.content_sha256)) fail("content_sha256", "must be a 64-character lowercase hex hash");
  return m;
}

std::string MatchContentHash(const fs::path& dir) {
  io::MatchInfo match = io::ReadMatchYaml(dir / io::kMatchYamlName);
  // What only the match level reads: a roster or line-up fixed later keeps both layers.
  const io::MatchInfo defaults;
  match.name.clear();
  match.roster.clear();
  match.substitutions.clear();
  match.substitution_tolerance_seconds = defaults.substitution_tolerance_seconds;
  match.team_a_name = defaults.team_a_name;
  match.team_b_name = defaults.team_b_name;
  Sha256 h;
  h.Field("ipt-match-content/2");
  h.Field(io::MatchYamlText(match));
  for (const auto& camera : match.cameras) h.Field(Sha256OfFile(dir / camera.video));
  return h.Hex();
}

LayerKey ComputeLayerKey(const registry::ModelGraph& graph, const std::string& layer_name,
                         const std::string& match_content_hash, const std::map<std::string, std::string>& refs) {
  const registry::LayerSpec& layer = graph.Layer(layer_name);
  LayerKey out;
  out.layer = layer_name;
  std::string upstream = match_content_hash;
  if (layer.input) {
    LayerKey input = ComputeLayerKey(graph, *layer.input, match_content_hash, refs);
    out.producers = input.producers;
    out.input_key = input.key;
    upstream = input.key;
  }
  std::map<std::string, std::string> own;
  for (const auto& model : graph.Producers(layer_name)) {
    auto it = refs.find(model);
    IPT_CHECK(it != refs.end(), "the collection names no {}, needed for the {} layer", model, layer_name);
    own[model] = it->second;
    out.producers[model] = it->second;
  }
  out.key = HashLayerKey(layer, upstream, own);
  return out;
}

ArtifactStore::ArtifactStore(fs::path root) : root_(std::move(root)) {}

fs::path ArtifactStore::EntryDir(const std::string& layer, const std::string& key) const {
  IPT_CHECK(IsContentKey(key), "artifact key '{}' is not a 64-character hex hash", Echo(key));
  IPT_CHECK(IsLayerName(layer), "invalid layer name '{}'", Echo(layer));
  return root_ / layer / key;
}

bool ArtifactStore::Contains(const std::string& layer, const std::string& key) const {
  return fs::exists(EntryDir(layer, key) / kMeta);
}

bool ArtifactStore::Put(const std::string& layer, const std::string& key, const io::SafetensorsFile& tensors,
                        EntryMeta meta) {
  const fs::path final_dir = EntryDir(layer, key);
  if (fs::exists(final_dir)) return false;
  meta.key = key;
  meta.layer = layer;
  if (meta.created.empty()) meta.created = NowUtc();
  AtomicPath out(final_dir);  // ROOT/layer/key.tmp-<pid>-...: never listed as an entry
  fs::create_directories(out.temp());
  Sha256 hash;  // of the bytes as written, tensor by tensor (a frame layer may be gigabytes)
  meta.bytes = static_cast<int64_t>(io::WriteSafetensors(tensors, out.temp() / kTensors, &hash));
  meta.content_sha256 = hash.Hex();
  WriteFileAtomic(out.temp() / kMeta, MetaJson(meta).dump(2) + "\n");
  try {
    out.Commit(/*replace_existing=*/false);
  } catch (const std::exception&) {
    // rename() refuses a non-empty target: another writer finished first. Keep theirs.
    if (fs::exists(final_dir / kMeta)) return false;
    throw;
  }
  return true;
}

std::optional<fs::path> ArtifactStore::GetFile(const std::string& layer, const std::string& key,
                                               std::string* bytes) {
  const fs::path dir = EntryDir(layer, key);
  if (!fs::exists(dir / kMeta)) return std::nullopt;
  StoredEntry entry = ReadEntry(dir, layer, key);
  std::error_code ec;
  bool ok = entry.meta.has_value() && fs::is_regular_file(fs::symlink_status(dir / kTensors, ec));
  if (ok && bytes) {
    *bytes = ReadFile(dir / kTensors);
    ok = static_cast<int64_t>(bytes->size()) == entry.meta->bytes && Sha256Hex(*bytes) == entry.meta->content_sha256;
  } else if (ok) {
    // Hashed as streamed, never held whole (a 90-minute frame layer is 2.6 GB).
    ok = static_cast<int64_t>(fs::file_size(dir / kTensors, ec)) == entry.meta->bytes && !ec &&
         Sha256OfFile(dir / kTensors) == entry.meta->content_sha256;
  }
  if (!ok) {
    spdlog::warn("cache entry {}/{} is corrupt ({}): removing it, it will be recomputed", layer, key.substr(0, 12),
                 entry.problem.empty() ? "content hash does not verify" : entry.problem);
    CheckInside(dir, root_, "cache entry");
    fs::remove_all(dir, ec);
    if (bytes) bytes->clear();
    return std::nullopt;
  }
  return dir / kTensors;
}

std::optional<io::SafetensorsFile> ArtifactStore::Get(const std::string& layer, const std::string& key) {
  std::string bytes;
  const std::optional<fs::path> file = GetFile(layer, key, &bytes);
  if (!file) return std::nullopt;
  return io::ParseSafetensors(bytes, file->string());
}

std::vector<StoredEntry> ArtifactStore::List() const {
  std::vector<StoredEntry> out = ScanEntries(root_);
  auto created = [](const StoredEntry& e) { return e.meta ? e.meta->created : std::string(); };
  std::sort(out.begin(), out.end(), [&](const StoredEntry& a, const StoredEntry& b) {
    return std::make_tuple(a.layer, created(a), a.key) < std::make_tuple(b.layer, created(b), b.key);
  });
  return out;
}

VerifyReport ArtifactStore::Verify() const {
  VerifyReport report;
  for (const auto& e : List()) {
    const fs::path tensors = root_ / e.layer / e.key / kTensors;
    std::error_code ec;
    bool ok = e.meta && fs::is_regular_file(fs::symlink_status(tensors, ec)) &&
              static_cast<int64_t>(fs::file_size(tensors, ec)) == e.meta->bytes && !ec &&
              Sha256OfFile(tensors) == e.meta->content_sha256;
    (ok ? report.ok : report.corrupt).push_back(e.layer + "/" + e.key);
  }
  return report;
}

std::vector<StoredEntry> ArtifactStore::CollectGarbage(const std::vector<std::map<std::string, std::string>>& keep,
                                                       bool dry_run) {
  std::vector<StoredEntry> removed;
  for (const auto& entry : List()) {
    bool reachable = false;
    for (const auto& collection : keep) {
      if (!entry.meta) break;  // unreadable: no collection can use it
      bool all = true;
      for (const auto& [model, ref] : entry.meta->producers) {
        auto it = collection.find(model);
        all &= it != collection.end() && it->second == ref;
      }
      reachable |= all;
    }
    if (reachable) continue;
    removed.push_back(entry);
    if (dry_run) continue;
    // The directory we found, never a path meta.json names.
    const fs::path dir = EntryDir(entry.layer, entry.key);
    CheckInside(dir, root_, "cache entry");
    fs::remove_all(dir);
  }
  // Leftovers of crashed writers (temporaries whose process is gone) go too.
  std::error_code ec;
  if (!dry_run && fs::is_directory(root_, ec)) {
    for (const auto& layer : fs::directory_iterator(root_)) {
      if (!layer.is_directory() || layer.is_symlink()) continue;
      for (const auto& e : fs::directory_iterator(layer.path())) {
        if (IsStaleTemporary(e.path().filename().string())) fs::remove_all(e.path(), ec);
      }
    }
  }
  return removed;
}

fs::path DefaultArtifactStoreRoot() {
  const char* env = std::getenv("IPT_CACHE");
  return env && *env ? fs::path(env) : fs::path("cache");
}

}  // namespace ipt::store
