#include "ipt/store/precompute.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "ipt/geometry/rig.h"
#include "ipt/io/match.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

namespace ipt::store {
namespace {
namespace fs = std::filesystem;

// Producers that compute something real from their inputs: the frame layer
// summarises the match files, the track layer transforms the frame tensors.
ProducerRegistry TestProducers(int* frame_calls, int* track_calls) {
  ProducerRegistry r;
  r.Register("frame", [frame_calls](const LayerInputs& in) {
    ++*frame_calls;
    io::SafetensorsFile f;
    io::TensorData t;
    t.name = "bytes_per_file";
    t.dtype = io::DType::kI64;
    std::vector<int64_t> sizes;
    for (const char* name : {"match.yaml", "cam_l.mp4", "cam_r.mp4"}) sizes.push_back(static_cast<int64_t>(fs::file_size(in.match_dir / name)));
    t.shape = {3};
    t.bytes.assign(reinterpret_cast<const char*>(sizes.data()), 24);
    f.tensors.push_back(t);
    return f;
  });
  r.Register("track", [track_calls](const LayerInputs& in) {
    ++*track_calls;
    io::SafetensorsFile f = io::ReadSafetensors(in.input_layer_file);
    f.tensors[0].name = "track_input";
    return f;
  });
  return r;
}

// A match directory whose match.yaml names its videos cam_l.mp4 / cam_r.mp4; stale
// left.mp4 / right.mp4 files lie beside them and are not part of the match.
fs::path MakeMatch(const fs::path& dir, const std::string& content) {
  fs::create_directories(dir);
  io::MatchInfo info;
  info.frame_count = 1;
  geometry::Rig rig = geometry::MakeDefaultRig(geometry::RigOptions{}, info.pitch);
  info.cameras = {{rig.cameras[0], "cam_l.mp4"}, {rig.cameras[1], "cam_r.mp4"}};
  io::WriteMatchYaml(info, dir / "match.yaml");
  for (const char* name : {"cam_l.mp4", "cam_r.mp4", "left.mp4", "right.mp4"}) std::ofstream(dir / name) << content << name;
  return dir;
}

TEST(Precompute, HitsMissesAndWhatEachModelChangeRegenerates) {
  fs::path work = fs::temp_directory_path() / ("ipt_precompute_" + std::to_string(::getpid()));
  fs::remove_all(work);
  std::vector<fs::path> matches = {MakeMatch(work / "m1", "a"), MakeMatch(work / "m2", "bb")};
  ArtifactStore store(work / "cache");
  const auto graph = registry::ModelGraph::PathA();
  int frame_calls = 0, track_calls = 0;
  ProducerRegistry producers = TestProducers(&frame_calls, &track_calls);
  std::map<std::string, std::string> refs = {{"detector", Sha256Hex("d")}, {"crop_encoder", Sha256Hex("c")},
                                             {"tracker", Sha256Hex("t")}, {"jn_classifier", Sha256Hex("j")},
                                             {"identity_resolver", Sha256Hex("i")}};
  EXPECT_THROW(Precompute(store, graph, "track", matches, refs, producers), Error);  // frame layer first
  auto r = Precompute(store, graph, "frame", matches, refs, producers);
  EXPECT_EQ(r.misses, 2);
  EXPECT_EQ(Precompute(store, graph, "track", matches, refs, producers).misses, 2);
  // Nothing changed: all hits, no producer runs.
  EXPECT_EQ(Precompute(store, graph, "frame", matches, refs, producers).hits, 2);
  EXPECT_EQ(Precompute(store, graph, "track", matches, refs, producers).hits, 2);
  EXPECT_EQ(frame_calls, 2);
  EXPECT_EQ(track_calls, 2);
  // A new JN classifier: zero regeneration in both layers.
  refs["jn_classifier"] = Sha256Hex("j2");
  EXPECT_EQ(Precompute(store, graph, "frame", matches, refs, producers).misses, 0);
  EXPECT_EQ(Precompute(store, graph, "track", matches, refs, producers).misses, 0);
  // A new tracker: the track layer only.
  refs["tracker"] = Sha256Hex("t2");
  EXPECT_EQ(Precompute(store, graph, "frame", matches, refs, producers).misses, 0);
  EXPECT_EQ(Precompute(store, graph, "track", matches, refs, producers).misses, 2);
  // The entries hold what the producers computed.
  auto entry = store.Get("frame", r.keys[1]);
  ASSERT_TRUE(entry);
  int64_t sizes[3];
  std::memcpy(sizes, entry->tensors[0].bytes.data(), 24);
  EXPECT_EQ(sizes[1], static_cast<int64_t>(fs::file_size(work / "m2" / "cam_l.mp4")));
  // Without load_tensors: the entry's file instead of its tensors, on a hit and on a miss.
  PrecomputeOptions by_file;
  by_file.load_tensors = false;
  const LayerResult hit = GetOrCompute(store, graph, "frame", matches[1], refs, producers, by_file);
  EXPECT_TRUE(hit.hit);
  EXPECT_TRUE(hit.tensors.tensors.empty());
  EXPECT_EQ(hit.file, store.root() / "frame" / r.keys[1] / "tensors.safetensors");
  EXPECT_EQ(io::ReadSafetensors(hit.file).tensors[0].bytes, entry->tensors[0].bytes);
  refs["detector"] = Sha256Hex("d2");
  const LayerResult miss = GetOrCompute(store, graph, "frame", matches[1], refs, producers, by_file);
  EXPECT_FALSE(miss.hit);
  EXPECT_EQ(frame_calls, 3);
  EXPECT_TRUE(miss.tensors.tensors.empty());
  EXPECT_EQ(miss.file, store.root() / "frame" / miss.key.key / "tensors.safetensors");
  EXPECT_EQ(io::ReadSafetensors(miss.file).tensors[0].bytes, entry->tensors[0].bytes);  // same videos, same sizes
  // No producer registered: a clear error, not a pretend result.
  refs["crop_encoder"] = Sha256Hex("c2");
  EXPECT_THROW(Precompute(store, graph, "frame", matches, refs, ProducerRegistry{}), Error);
}

// Keys come from exactly the files a match reads: the videos match.yaml names.
TEST(Precompute, KeysFollowTheVideosMatchYamlNames) {
  fs::path work = fs::temp_directory_path() / ("ipt_precompute_keys_" + std::to_string(::getpid()));
  fs::remove_all(work);
  const fs::path m = MakeMatch(work / "m", "a");
  const std::string before = MatchContentHash(m);
  std::ofstream(m / "left.mp4") << "not read by the match";
  EXPECT_EQ(MatchContentHash(m), before);
  std::ofstream(m / "cam_l.mp4") << "a new left video";
  EXPECT_NE(MatchContentHash(m), before);
  fs::remove(m / "cam_r.mp4");
  EXPECT_THROW(MatchContentHash(m), InputError);
}

// The layers read match.yaml's calibration and timing, not its roster: a roster or line-up
// fixed later keeps the key, a changed camera, fps or frame count does not.
TEST(Precompute, KeysFollowWhatTheLayersReadOfMatchYaml) {
  fs::path work = fs::temp_directory_path() / ("ipt_precompute_yaml_" + std::to_string(::getpid()));
  fs::remove_all(work);
  const fs::path m = MakeMatch(work / "m", "a");
  const std::string before = MatchContentHash(m);
  io::MatchInfo info = io::ReadMatchYaml(m / "match.yaml");
  auto hash_after = [&](const std::function<void(io::MatchInfo&)>& edit) {
    io::MatchInfo edited = info;
    edit(edited);
    io::WriteMatchYaml(edited, m / "match.yaml");
    return MatchContentHash(m);
  };
  EXPECT_EQ(hash_after([](io::MatchInfo& x) {
              x.name = "renamed";
              x.team_a_name = "Reds";
              x.roster = {{1, io::Category::kTeamA, 9, "A9"}, {2, io::Category::kTeamA, 10, "A10", std::nullopt, false}};
              x.substitution_tolerance_seconds = 30;  // (this one-frame match has no room for substitutions)
            }),
            before);
  // Comments are not content either: the canonical text is hashed.
  std::ofstream(m / "match.yaml") << "# a comment\n" << io::MatchYamlText(info);
  EXPECT_EQ(MatchContentHash(m), before);
  EXPECT_NE(hash_after([](io::MatchInfo& x) { x.fps = 30; }), before);
  EXPECT_NE(hash_after([](io::MatchInfo& x) { x.frame_count = 2; }), before);
  EXPECT_NE(hash_after([](io::MatchInfo& x) { x.panorama.width_px = 512; }), before);
  geometry::RigOptions higher;
  higher.height_m = 20;
  const geometry::Rig moved = geometry::MakeDefaultRig(higher, info.pitch);
  EXPECT_NE(hash_after([&](io::MatchInfo& x) { x.cameras[0].camera = moved.cameras[0]; }), before);
}

}  // namespace
}  // namespace ipt::store
