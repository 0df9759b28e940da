#include "ipt/store/artifact_store.h"

#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "ipt/util/hash.h"

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

TEST(Keys, OnlyTheLayersAModelFeedsChange) {
  const std::string frame = FrameKey(kMatch, kDet, kCe), track = TrackKey(frame, kTr);
  // A new JN classifier or identity resolver is in no key: nothing regenerates.
  EXPECT_EQ(FrameKey(kMatch, kDet, kCe), frame);
  EXPECT_EQ(TrackKey(frame, kTr), track);
  // A new tracker: the frame layer stays, the track layer is new.
  EXPECT_EQ(FrameKey(kMatch, kDet, kCe), frame);
  EXPECT_NE(TrackKey(frame, Sha256Hex("tracker2")), track);
  // A new crop encoder (or detector, or match, or schema): both layers are new.
  const std::string frame2 = FrameKey(kMatch, kDet, Sha256Hex("ce2"));
  EXPECT_NE(frame2, frame);
  EXPECT_NE(TrackKey(frame2, kTr), track);
  EXPECT_NE(FrameKey(kMatch, Sha256Hex("det2"), kCe), frame);
  EXPECT_NE(FrameKey(Sha256Hex("other match"), kDet, kCe), frame);
  EXPECT_NE(FrameKey(kMatch, kDet, kCe, kFrameSchemaVersion + 1), frame);
}

TEST(ArtifactStore, PutGetAndSecondWriterLoses) {
  ArtifactStore store(Temp("putget"));
  const std::string key = FrameKey(kMatch, kDet, kCe);
  EXPECT_FALSE(store.Get("frame", key).has_value());
  EntryMeta meta;
  meta.producers = {{"detector", kDet}, {"crop_encoder", kCe}};
  EXPECT_TRUE(store.Put("frame", key, Tensors(10), meta));
  EXPECT_FALSE(store.Put("frame", key, Tensors(10), meta));
  auto back = store.Get("frame", key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->tensors[0].bytes, Tensors(10).tensors[0].bytes);
  ASSERT_EQ(store.List().size(), 1u);
  EXPECT_EQ(store.List()[0].producers.at("detector"), kDet);
}

TEST(ArtifactStore, CorruptEntryIsReportedAndRecomputed) {
  ArtifactStore store(Temp("corrupt"));
  const std::string key = FrameKey(kMatch, kDet, kCe);
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

// A writer killed at a random moment never leaves an entry that looks complete.
TEST(ArtifactStore, WriterKilledMidEntryLeavesNoHalfEntry) {
  const fs::path root = Temp("crash");
  const std::string key = FrameKey(kMatch, kDet, kCe);
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
  const std::string key = FrameKey(kMatch, kDet, kCe);
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
  const std::string f1 = FrameKey(kMatch, kDet, kCe), f2 = FrameKey(kMatch, kDet, Sha256Hex("ce2"));
  auto produced_by = [](std::map<std::string, std::string> producers) {
    EntryMeta m;
    m.producers = std::move(producers);
    return m;
  };
  store.Put("frame", f1, Tensors(4), produced_by({{"detector", kDet}, {"crop_encoder", kCe}}));
  store.Put("frame", f2, Tensors(4), produced_by({{"detector", kDet}, {"crop_encoder", Sha256Hex("ce2")}}));
  store.Put("track", TrackKey(f1, kTr), Tensors(4),
            produced_by({{"detector", kDet}, {"crop_encoder", kCe}, {"tracker", kTr}}));
  std::map<std::string, std::string> collection = {{"detector", kDet}, {"crop_encoder", kCe}, {"tracker", kTr}};
  auto would = store.CollectGarbage({collection}, /*dry_run=*/true);
  ASSERT_EQ(would.size(), 1u);
  EXPECT_EQ(would[0].key, f2);
  EXPECT_EQ(store.List().size(), 3u);  // dry run removed nothing
  store.CollectGarbage({collection}, false);
  EXPECT_EQ(store.List().size(), 2u);
  EXPECT_FALSE(store.Contains("frame", f2));
}

}  // namespace
}  // namespace ipt::store
