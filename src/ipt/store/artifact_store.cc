#include "ipt/store/artifact_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

namespace ipt::store {
namespace fs = std::filesystem;

namespace {
constexpr const char* kTensors = "tensors.safetensors";
constexpr const char* kMeta = "meta.json";

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

std::optional<EntryMeta> ReadMeta(const fs::path& dir) {
  try {
    nlohmann::json j = nlohmann::json::parse(ReadFile(dir / kMeta));
    EntryMeta m;
    m.key = j.at("key");
    m.layer = j.at("layer");
    m.match = j.value("match", "");
    m.producers = j.value("producers", std::map<std::string, std::string>{});
    m.inputs = j.value("inputs", std::map<std::string, std::string>{});
    m.created = j.value("created", "");
    m.bytes = j.value("bytes", int64_t{0});
    m.content_sha256 = j.at("content_sha256");
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool IsEntryName(const std::string& name) { return name.size() == 64 && name.find('.') == std::string::npos; }

}  // namespace

std::string FrameKey(const std::string& match_hash, const std::string& detector_ref, const std::string& crop_encoder_ref,
                     int schema_version) {
  return Sha256().Field("ipt-frame").Field(std::to_string(schema_version)).Field(match_hash).Field(detector_ref)
      .Field(crop_encoder_ref).Hex();
}

std::string TrackKey(const std::string& frame_key, const std::string& tracker_ref, int schema_version) {
  return Sha256().Field("ipt-track").Field(std::to_string(schema_version)).Field(frame_key).Field(tracker_ref).Hex();
}

std::string MatchContentHash(const fs::path& dir) {
  Sha256 h;
  h.Field("ipt-match-content");
  for (const char* name : {"match.yaml", "left.mp4", "right.mp4"}) h.Field(Sha256OfFile(dir / name));
  return h.Hex();
}

ArtifactStore::ArtifactStore(fs::path root) : root_(std::move(root)) {}

fs::path ArtifactStore::EntryDir(const std::string& layer, const std::string& key) const {
  IPT_CHECK(IsEntryName(key), "artifact key '{}' is not a 64-character hash", key);
  IPT_CHECK(!layer.empty() && layer.find('/') == std::string::npos, "invalid layer name '{}'", layer);
  return root_ / layer / key;
}

bool ArtifactStore::Contains(const std::string& layer, const std::string& key) const {
  return fs::exists(EntryDir(layer, key) / kMeta);
}

bool ArtifactStore::Put(const std::string& layer, const std::string& key, const io::SafetensorsFile& tensors,
                        EntryMeta meta) {
  const fs::path final_dir = EntryDir(layer, key);
  if (fs::exists(final_dir)) return false;
  const std::string bytes = io::SerializeSafetensors(tensors);
  meta.key = key;
  meta.layer = layer;
  meta.bytes = static_cast<int64_t>(bytes.size());
  meta.content_sha256 = Sha256Hex(bytes);
  if (meta.created.empty()) meta.created = NowUtc();
  AtomicPath out(final_dir);  // ROOT/layer/key.tmp-<pid>-...: never listed as an entry
  fs::create_directories(out.temp());
  WriteFileAtomic(out.temp() / kTensors, bytes);
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

std::optional<io::SafetensorsFile> ArtifactStore::Get(const std::string& layer, const std::string& key) {
  const fs::path dir = EntryDir(layer, key);
  if (!fs::exists(dir / kMeta)) return std::nullopt;
  auto meta = ReadMeta(dir);
  std::string bytes;
  bool ok = meta.has_value() && fs::exists(dir / kTensors);
  if (ok) {
    bytes = ReadFile(dir / kTensors);
    ok = Sha256Hex(bytes) == meta->content_sha256;
  }
  if (!ok) {
    spdlog::warn("cache entry {}/{} is corrupt (content hash does not verify): removing it, it will be recomputed",
                 layer, key.substr(0, 12));
    std::error_code ec;
    fs::remove_all(dir, ec);
    return std::nullopt;
  }
  return io::ParseSafetensors(bytes, (dir / kTensors).string());
}

std::vector<EntryMeta> ArtifactStore::List() const {
  std::vector<EntryMeta> out;
  if (!fs::is_directory(root_)) return out;
  for (const auto& layer : fs::directory_iterator(root_)) {
    if (!layer.is_directory()) continue;
    for (const auto& e : fs::directory_iterator(layer.path())) {
      if (!e.is_directory() || !IsEntryName(e.path().filename().string())) continue;
      if (auto meta = ReadMeta(e.path())) out.push_back(*meta);
    }
  }
  std::sort(out.begin(), out.end(), [](const EntryMeta& a, const EntryMeta& b) {
    return std::tie(a.layer, a.created, a.key) < std::tie(b.layer, b.created, b.key);
  });
  return out;
}

VerifyReport ArtifactStore::Verify() const {
  VerifyReport report;
  if (!fs::is_directory(root_)) return report;
  for (const auto& layer : fs::directory_iterator(root_)) {
    if (!layer.is_directory()) continue;
    for (const auto& e : fs::directory_iterator(layer.path())) {
      if (!e.is_directory() || !IsEntryName(e.path().filename().string())) continue;
      std::string id = layer.path().filename().string() + "/" + e.path().filename().string();
      auto meta = ReadMeta(e.path());
      bool ok = meta && fs::exists(e.path() / kTensors) && Sha256OfFile(e.path() / kTensors) == meta->content_sha256;
      (ok ? report.ok : report.corrupt).push_back(id);
    }
  }
  return report;
}

std::vector<EntryMeta> ArtifactStore::CollectGarbage(
    const std::vector<std::map<std::string, std::string>>& keep, bool dry_run) {
  std::vector<EntryMeta> removed;
  for (const auto& meta : List()) {
    bool reachable = false;
    for (const auto& collection : keep) {
      bool all = true;
      for (const auto& [model, ref] : meta.producers) {
        auto it = collection.find(model);
        all &= it != collection.end() && it->second == ref;
      }
      reachable |= all;
    }
    if (reachable) continue;
    removed.push_back(meta);
    if (!dry_run) fs::remove_all(EntryDir(meta.layer, meta.key));
  }
  // Leftovers of crashed writers (temporary directories) go too.
  if (!dry_run && fs::is_directory(root_)) {
    for (const auto& layer : fs::directory_iterator(root_)) {
      if (!layer.is_directory()) continue;
      for (const auto& e : fs::directory_iterator(layer.path())) {
        if (e.path().filename().string().find(".tmp-") != std::string::npos) {
          std::error_code ec;
          fs::remove_all(e.path(), ec);
        }
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
