#include "ipt/store/artifact_store.h"

#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

#include <set>

namespace ipt::store {
namespace {
namespace fs = std::filesystem;

fs::path Temp(const std::string& name) { return testing::FreshTempDir("store_" + name); }

io::SafetensorsFile Tensors(size_t floats, char fill = 1) {
  io::SafetensorsFile f;
  io::TensorData t;
  t.name = "embedding";
  t.shape = {static_cast<int64_t>(floats)};
  t.bytes.assign(floats * 4, fill);
  f.tensors.push_back(t);
  return f;
}

const std::string kMatch = Sha256Hex("match"), kDet = Sha256Hex("det"), kCe = Sha256Hex("ce"),
                  kTr = Sha256Hex("tr");
const std::map<std::string, std::string> kRefs = {{"detector", kDet}, {"crop_encoder", kCe}, {"tracker", kTr},
                                                  {"jn_classifier", Sha256Hex("jn")},
                                                  {"identity_resolver", Sha256Hex("id")}};

std::string Key(const registry::ModelGraph& graph, const std::string& layer,
                const std::map<std::string, std::string>& refs = kRefs, const std::string& match = kMatch) {
  return ComputeLayerKey(graph, layer, match, refs).key;
}
std::string FrameKey() { return Key(registry::ModelGraph::PathA(), "frame"); }

// The documented formula, written out by hand: the graph-driven keys must equal it.
TEST(Keys, PathAKeysAreTheDocumentedHashes) {
  const std::string frame = Sha256().Field("ipt-layer").Field("frame").Field("1").Field(kMatch)
                                .Field("crop_encoder").Field(kCe).Field("detector").Field(kDet).Hex();
  const std::string track =
      Sha256().Field("ipt-layer").Field("track").Field("1").Field(frame).Field("tracker").Field(kTr).Hex();
  const auto graph = registry::ModelGraph::PathA();
  EXPECT_EQ(Key(graph, "frame"), frame);
  LayerKey t = ComputeLayerKey(graph, "track", kMatch, kRefs);
  EXPECT_EQ(t.key, track);
  EXPECT_EQ(t.input_key, frame);
  EXPECT_EQ(t.producers, (std::map<std::string, std::string>{{"detector", kDet}, {"crop_encoder", kCe}, {"tracker", kTr}}));
}

// Which layers each model's change regenerates, as the design document's table says.
TEST(Keys, EachModelChangesExactlyTheLayersItFeeds) {
  const auto graph = registry::ModelGraph::PathA();
  const std::map<std::string, std::set<std::string>> expected = {
      {"detector", {"frame", "track"}}, {"crop_encoder", {"frame", "track"}}, {"tracker", {"track"}},
      {"jn_classifier", {}}, {"identity_resolver", {}}};
  for (const auto& [model, layers] : expected) {
    auto refs = kRefs;
    refs[model] = Sha256Hex(model + " v2");
    for (const char* layer : {"frame", "track"}) {
      EXPECT_EQ(Key(graph, layer, refs) != Key(graph, layer), layers.count(layer) == 1) << model << " / " << layer;
    }
  }
  EXPECT_NE(Key(graph, "frame", kRefs, Sha256Hex("other match")), Key(graph, "frame"));
  registry::ModelGraph bumped = registry::ModelGraph::PathA();
  auto changed = registry::ModelGraph();
  for (auto layer : bumped.layers()) {
    if (layer.name == "frame") layer.schema_version += 1;
    changed.AddLayer(layer);
  }
  for (const auto& m : bumped.models()) changed.AddModel(m);
  EXPECT_NE(Key(changed, "frame"), Key(graph, "frame"));
  EXPECT_NE(Key(changed, "track"), Key(graph, "track"));
  auto missing = kRefs;
  missing.erase("tracker");
  EXPECT_EQ(Key(graph, "frame", missing), Key(graph, "frame"));  // the frame layer does not need the tracker
  EXPECT_THROW(Key(graph, "track", missing), Error);
}

// A model declared in the graph (as Path B will be) changes exactly the keys it should.
TEST(Keys, ADeclaredModelChangesExactlyItsLayersKeys) {
  registry::ModelGraph graph = registry::ModelGraph::PathA();
  graph.AddLayer({"tracklet", "track", 1});
  graph.AddModel({"micro_tracker", "micro_tracker", {}, {registry::ParseFieldSpec("micro_track_id: i64[-1]")},
                  "frame", {}});
  graph.AddModel({"linker", "linker", {}, {registry::ParseFieldSpec("tracklet_id: i64[-1]")}, "tracklet", {"track"}});
  graph.Check();
  auto refs = kRefs;
  refs["micro_tracker"] = Sha256Hex("micro");
  refs["linker"] = Sha256Hex("linker");
  const std::string frame = Key(graph, "frame", refs), track = Key(graph, "track", refs),
                    tracklet = Key(graph, "tracklet", refs);
  EXPECT_NE(frame, FrameKey());  // a new producer of the frame layer is in its key
  auto micro2 = refs;
  micro2["micro_tracker"] = Sha256Hex("micro v2");
  EXPECT_NE(Key(graph, "frame", micro2), frame);
  EXPECT_NE(Key(graph, "track", micro2), track);
  EXPECT_NE(Key(graph, "tracklet", micro2), tracklet);
  auto linker2 = refs;
  linker2["linker"] = Sha256Hex("linker v2");
  EXPECT_EQ(Key(graph, "frame", linker2), frame);
  EXPECT_EQ(Key(graph, "track", linker2), track);
  EXPECT_NE(Key(graph, "tracklet", linker2), tracklet);
  auto tracker2 = refs;
  tracker2["tracker"] = Sha256Hex("tracker v2");
  EXPECT_EQ(Key(graph, "frame", tracker2), frame);
  EXPECT_NE(Key(graph, "tracklet", tracker2), tracklet);
  EXPECT_EQ(ComputeLayerKey(graph, "tracklet", kMatch, refs).producers.size(), 5u);
}

TEST(ArtifactStore, PutGetAndSecondWriterLoses) {
  ArtifactStore store(Temp("putget"));
  const std::string key = FrameKey();
  EXPECT_FALSE(store.Get("frame", key).has_value());
  EntryMeta meta;
  meta.producers = {{"detector", kDet}, {"crop_encoder", kCe}};
  EXPECT_TRUE(store.Put("frame", key, Tensors(10), meta));
  EXPECT_FALSE(store.Put("frame", key, Tensors(10), meta));
  auto back = store.Get("frame", key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->tensors[0].bytes, Tensors(10).tensors[0].bytes);
  ASSERT_EQ(store.List().size(), 1u);
  ASSERT_TRUE(store.List()[0].meta.has_value());
  EXPECT_EQ(store.List()[0].meta->producers.at("detector"), kDet);
}

TEST(ArtifactStore, CorruptEntryIsReportedAndRecomputed) {
  ArtifactStore store(Temp("corrupt"));
  const std::string key = FrameKey();
  store.Put("frame", key, Tensors(10), {});
  {
    std::fstream f(store.root() / "frame" / key / "tensors.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  VerifyReport report = store.Verify();
  EXPECT_EQ(report.corrupt.size(), 1u);
  EXPECT_FALSE(store.Get("frame", key).has_value());  // removed, so the caller recomputes
  EXPECT_FALSE(store.Contains("frame", key));
  EXPECT_TRUE(store.Put("frame", key, Tensors(10), {}));
  EXPECT_TRUE(store.Get("frame", key).has_value());
}

// GetFile: the entry's file, verified without reading it whole; a corrupt one is removed.
TEST(ArtifactStore, GetFileVerifiesTheEntryAndRemovesACorruptOne) {
  ArtifactStore store(Temp("getfile"));
  const std::string key = FrameKey();
  EXPECT_FALSE(store.GetFile("frame", key).has_value());
  store.Put("frame", key, Tensors(1000), {});
  const std::optional<fs::path> file = store.GetFile("frame", key);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(*file, store.root() / "frame" / key / "tensors.safetensors");
  EXPECT_EQ(io::ReadSafetensors(*file).tensors[0].bytes, Tensors(1000).tensors[0].bytes);
  std::string bytes;
  ASSERT_TRUE(store.GetFile("frame", key, &bytes).has_value());
  EXPECT_EQ(bytes, ReadFile(*file));
  {
    std::fstream f(*file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-7, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_FALSE(store.GetFile("frame", key).has_value());
  EXPECT_FALSE(store.Contains("frame", key));
}

// A writer killed at a random moment never leaves an entry that looks complete.
TEST(ArtifactStore, WriterKilledMidEntryLeavesNoHalfEntry) {
  const fs::path root = Temp("crash");
  const std::string key = FrameKey();
  int interrupted = 0, mid_write = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    fs::remove_all(root);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ArtifactStore(root).Put("frame", key, Tensors(30'000'000), {});  // 120 MB: takes a while
      _exit(0);
    }
    // Kill the writer as soon as its temporary directory appears (then, or a few ms later).
    auto start = std::chrono::steady_clock::now();
    bool seen = false;
    while (!seen && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      std::error_code ec;
      if (fs::exists(root / "frame", ec)) {
        for (const auto& e : fs::directory_iterator(root / "frame", ec)) seen |= e.path().string().find(".tmp-") != std::string::npos;
      }
      if (!seen) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 5));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ArtifactStore store(root);
    if (!store.Contains("frame", key)) {
      ++interrupted;
      mid_write += fs::exists(root / "frame") && !fs::is_empty(root / "frame");  // a temporary was there
      EXPECT_TRUE(store.List().empty());
      EXPECT_FALSE(store.Get("frame", key).has_value());
      store.CollectGarbage({}, /*dry_run=*/false);  // removes the dead writer's temporary
      EXPECT_TRUE(!fs::exists(root / "frame") || fs::is_empty(root / "frame"));
    } else {
      EXPECT_TRUE(store.Get("frame", key).has_value());  // finished before the kill: valid
    }
  }
  EXPECT_GT(interrupted, 0) << "no attempt was interrupted";
  EXPECT_GT(mid_write, 0) << "no attempt was interrupted while the entry was being written";
}

TEST(ArtifactStore, TwoConcurrentWritersEndWithOneValidEntry) {
  const fs::path root = Temp("race");
  const std::string key = FrameKey();
  for (int round = 0; round < 5; ++round) {
    fs::remove_all(root);
    pid_t children[2];
    for (auto& c : children) {
      c = fork();
      if (c == 0) {
        ArtifactStore(root).Put("frame", key, Tensors(2'000'000), {});
        _exit(0);
      }
    }
    for (pid_t c : children) {
      int status = 0;
      waitpid(c, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ArtifactStore store(root);
    EXPECT_TRUE(store.Get("frame", key).has_value());
    int entries = 0;
    for (const auto& e : fs::directory_iterator(root / "frame")) entries += 1, (void)e;
    EXPECT_EQ(entries, 1);  // no temporaries left behind
  }
}

TEST(ArtifactStore, GarbageCollectionKeepsWhatACollectionReaches) {
  ArtifactStore store(Temp("gc"));
  const auto graph = registry::ModelGraph::PathA();
  auto ce2 = kRefs;
  ce2["crop_encoder"] = Sha256Hex("ce2");
  auto put = [&](const std::string& layer, const std::map<std::string, std::string>& refs) {
    LayerKey key = ComputeLayerKey(graph, layer, kMatch, refs);
    EntryMeta m;
    m.producers = key.producers;
    store.Put(layer, key.key, Tensors(4), m);
    return key.key;
  };
  put("frame", kRefs);
  const std::string f2 = put("frame", ce2);
  put("track", kRefs);
  auto would = store.CollectGarbage({kRefs}, /*dry_run=*/true);
  ASSERT_EQ(would.size(), 1u);
  EXPECT_EQ(would[0].key, f2);
  EXPECT_EQ(store.List().size(), 3u);  // dry run removed nothing
  store.CollectGarbage({kRefs}, false);
  EXPECT_EQ(store.List().size(), 2u);
  EXPECT_FALSE(store.Contains("frame", f2));
}

// meta.json is data, never a path: an entry whose meta.json names a directory
// outside the store as its key is removed itself, and the outside is untouched.
TEST(ArtifactStore, GarbageCollectionNeverDeletesWhatMetaJsonNames) {
  const fs::path dir = Temp("gc_hostile");
  const fs::path victim = dir / "victim";
  fs::create_directories(victim);
  std::ofstream(victim / "precious.txt") << "keep me";
  ArtifactStore store(dir / "cache");
  const std::string key = FrameKey();
  store.Put("frame", key, Tensors(4), {});
  // A 64-character "key" that is a path to the victim (padded with slashes).
  std::string hostile = victim.string();
  hostile.insert(0, 64 - hostile.size(), '/');
  ASSERT_EQ(hostile.size(), 64u);
  const fs::path meta = store.root() / "frame" / key / "meta.json";
  std::string text = ReadFile(meta);
  text.replace(text.find(key), key.size(), hostile);
  std::ofstream(meta) << text;
  auto removed = store.CollectGarbage({}, /*dry_run=*/false);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, key);
  EXPECT_TRUE(fs::exists(victim / "precious.txt"));
  EXPECT_FALSE(fs::exists(store.root() / "frame" / key));
}

// A corrupt meta.json does not hide an entry: ls shows it with the reason, verify
// counts it, gc removes it even when a collection is kept.
TEST(ArtifactStore, CorruptMetaIsVisibleAndCollected) {
  ArtifactStore store(Temp("corrupt_meta"));
  const std::string key = FrameKey();
  EntryMeta m;
  m.producers = ComputeLayerKey(registry::ModelGraph::PathA(), "frame", kMatch, kRefs).producers;
  store.Put("frame", key, Tensors(4), m);
  std::ofstream(store.root() / "frame" / key / "meta.json") << "{\"key\": ";
  auto listed = store.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].meta.has_value());
  EXPECT_NE(listed[0].problem.find("meta.json"), std::string::npos) << listed[0].problem;
  EXPECT_EQ(store.Verify().corrupt.size(), 1u);
  EXPECT_EQ(store.CollectGarbage({kRefs}, /*dry_run=*/false).size(), 1u);
  EXPECT_TRUE(store.List().empty());
}

// meta.json's byte count is checked, not trusted (ls and gc print it).
TEST(ArtifactStore, WrongByteCountIsCorrupt) {
  ArtifactStore store(Temp("bytes"));
  const std::string key = FrameKey();
  store.Put("frame", key, Tensors(4), {});
  const fs::path meta = store.root() / "frame" / key / "meta.json";
  std::string text = ReadFile(meta);
  const size_t at = text.find("\"bytes\": ") + 9;
  text.replace(at, text.find(',', at) - at, "9223372036854775807");
  std::ofstream(meta) << text;
  EXPECT_EQ(store.Verify().corrupt.size(), 1u);
  EXPECT_FALSE(store.Get("frame", key).has_value());
}

TEST(EntryMeta, BadFieldsAreNamed) {
  auto error_of = [](const std::string& text) {
    try {
      ParseEntryMeta(text, "meta.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string hash(64, 'a');
  EXPECT_EQ(error_of("[1]"), "meta.json: expected a JSON object");
  EXPECT_EQ(error_of("{\"layer\": \"frame\", \"content_sha256\": \"" + hash + "\"}"), "meta.json: field 'key': missing");
  EXPECT_EQ(error_of("{\"key\": \"../../etc\", \"layer\": \"frame\", \"content_sha256\": \"" + hash + "\"}"),
            "meta.json: field 'key': must be a 64-character lowercase hex hash");
  EXPECT_EQ(error_of("{\"key\": \"" + hash + "\", \"layer\": \"../x\", \"content_sha256\": \"" + hash + "\"}"),
            "meta.json: field 'layer': must be a layer name (a-z, 0-9, _), got '../x'");
  EXPECT_EQ(error_of("{\"key\": \"" + hash + "\", \"layer\": \"frame\", \"content_sha256\": \"" + hash +
                     "\", \"bytes\": -1}"),
            "meta.json: field 'bytes': must be an integer >= 0");
  EXPECT_EQ(error_of("{\"key\": 1").rfind("meta.json: malformed JSON at byte 10: syntax error", 0), 0u);
}

}  // namespace
}  // namespace ipt::store
