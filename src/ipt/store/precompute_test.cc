#include "ipt/store/precompute.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

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
    for (const char* name : {"match.yaml", "left.mp4", "right.mp4"}) sizes.push_back(static_cast<int64_t>(fs::file_size(in.match_dir / name)));
    t.shape = {3};
    t.bytes.assign(reinterpret_cast<const char*>(sizes.data()), 24);
    f.tensors.push_back(t);
    return f;
  });
  r.Register("track", [track_calls](const LayerInputs& in) {
    ++*track_calls;
    io::SafetensorsFile f = *in.input_layer;
    f.tensors[0].name = "track_input";
    return f;
  });
  return r;
}

fs::path MakeMatch(const fs::path& dir, const std::string& content) {
  fs::create_directories(dir);
  for (const char* name : {"match.yaml", "left.mp4", "right.mp4"}) std::ofstream(dir / name) << content << name;
  return dir;
}

TEST(Precompute, HitsMissesAndWhatEachModelChangeRegenerates) {
  fs::path work = fs::temp_directory_path() / ("ipt_precompute_" + std::to_string(::getpid()));
  fs::remove_all(work);
  std::vector<fs::path> matches = {MakeMatch(work / "m1", "a"), MakeMatch(work / "m2", "bb")};
  ArtifactStore store(work / "cache");
  int frame_calls = 0, track_calls = 0;
  ProducerRegistry producers = TestProducers(&frame_calls, &track_calls);
  std::map<std::string, std::string> refs = {{"detector", Sha256Hex("d")}, {"crop_encoder", Sha256Hex("c")},
                                             {"tracker", Sha256Hex("t")}, {"jn_classifier", Sha256Hex("j")},
                                             {"identity_resolver", Sha256Hex("i")}};
  EXPECT_THROW(Precompute(store, "track", matches, refs, producers), Error);  // frame layer first
  auto r = Precompute(store, "frame", matches, refs, producers);
  EXPECT_EQ(r.misses, 2);
  EXPECT_EQ(Precompute(store, "track", matches, refs, producers).misses, 2);
  // Nothing changed: all hits, no producer runs.
  EXPECT_EQ(Precompute(store, "frame", matches, refs, producers).hits, 2);
  EXPECT_EQ(Precompute(store, "track", matches, refs, producers).hits, 2);
  EXPECT_EQ(frame_calls, 2);
  EXPECT_EQ(track_calls, 2);
  // A new JN classifier: zero regeneration in both layers.
  refs["jn_classifier"] = Sha256Hex("j2");
  EXPECT_EQ(Precompute(store, "frame", matches, refs, producers).misses, 0);
  EXPECT_EQ(Precompute(store, "track", matches, refs, producers).misses, 0);
  // A new tracker: the track layer only.
  refs["tracker"] = Sha256Hex("t2");
  EXPECT_EQ(Precompute(store, "frame", matches, refs, producers).misses, 0);
  EXPECT_EQ(Precompute(store, "track", matches, refs, producers).misses, 2);
  // The entries hold what the producers computed.
  auto entry = store.Get("frame", r.keys[1]);
  ASSERT_TRUE(entry);
  int64_t sizes[3];
  std::memcpy(sizes, entry->tensors[0].bytes.data(), 24);
  EXPECT_EQ(sizes[1], static_cast<int64_t>(fs::file_size(work / "m2" / "left.mp4")));
  // No producer registered: a clear error, not a pretend result.
  refs["crop_encoder"] = Sha256Hex("c2");
  EXPECT_THROW(Precompute(store, "frame", matches, refs, ProducerRegistry{}), Error);
}

}  // namespace
}  // namespace ipt::store
