#include "ipt/tracking/tracklet_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "ipt/tracking/chunked_tracking.h"
#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// People walking in straight lines; each detection knows its person (for the oracle).
struct Scene {
  ChunkDetections detections;
  std::vector<int> person;  // per row; -1 = false positive
};

void AddDetection(Scene& s, int frame, Eigen::Vector2f position, int person, int people) {
  ChunkDetections& d = s.detections;
  d.frame.push_back(frame);
  d.foot_in_pitch_m.push_back(position);
  d.score.push_back(0.9f);
  for (int k = 0; k < d.embedding_dim; ++k) d.embedding.push_back(k == (person + people) % d.embedding_dim ? 1.f : 0.f);
  for (int k = 0; k < d.kit_dim; ++k) d.kit.push_back(k == 0 ? 1.f : 0.f);
  for (int k = 0; k < d.role_dim; ++k) d.role.push_back(k == 0 ? 1.f : 0.f);
  d.legible.push_back(0);
  for (int k = 0; k < io::kNumJerseys; ++k) d.jersey.push_back(0);
  s.person.push_back(person);
}

// `people` people over frames [1, frames], 1 m/s each, 3 m apart; frames in `empty` have
// nobody.
Scene MakeScene(int people, int frames, const std::set<int>& empty = {}) {
  Scene s;
  s.detections.embedding_dim = 16;
  s.detections.kit_dim = 2;
  s.detections.role_dim = 3;
  for (int f = 1; f <= frames; ++f) {
    if (empty.count(f)) continue;
    for (int p = 0; p < people; ++p) {
      AddDetection(s, f, Eigen::Vector2f(10 + f * 0.04f, 10 + 3.0f * p), p, people);
    }
  }
  return s;
}

// Logit +4 when both tracklets are one and the same person, else -4. Rows of a chunk
// are person[*first_row + row] (the chunk loader sets first_row).
EdgeScorer Oracle(const std::vector<int>& person, const int64_t* first_row = nullptr) {
  return [person, first_row](const LevelGraph& g) {
    const int64_t offset = first_row ? *first_row : 0;
    LevelScores s;
    for (int e = 0; e < g.num_edges(); ++e) {
      const int a = person[offset + g.nodes[g.edge_from[e]].front()];
      const int b = person[offset + g.nodes[g.edge_to[e]].front()];
      s.edge_logits.push_back(a >= 0 && a == b ? 4.f : -4.f);
    }
    return s;
  };
}

const MatchScale kScale{25, 105, 68};

TEST(TrackletGraph, EdgesJoinTimeValidPairsOfAWindowReachably) {
  Scene s = MakeScene(6, 64);
  TrackletGraphOptions o;
  o.chunk_frames = 64;
  o.top_k = 2;
  std::vector<Tracklet> nodes = SingleDetectionTracklets(s.detections, o);
  for (int level = 1; level <= o.levels(); ++level) {
    const LevelGraph g = BuildLevelGraph(s.detections, nodes, level, 1, o, kScale);
    ASSERT_EQ(g.node_features.size(), size_t(g.num_nodes()) * NodeFeatureCount(16, 2, 3));
    ASSERT_EQ(g.edge_features.size(), size_t(g.num_edges()) * kEdgeFeatureCount);
    for (int e = 0; e < g.num_edges(); ++e) {
      const int a_last = s.detections.frame[g.nodes[g.edge_from[e]].back()] - 1;
      const int b_first = s.detections.frame[g.nodes[g.edge_to[e]].front()] - 1;
      EXPECT_EQ(a_last / g.window_frames, b_first / g.window_frames) << "one window";
      EXPECT_LT(a_last, b_first) << "forward in time";
      const float gap_s = g.edge_features[size_t(e) * kEdgeFeatureCount + 0];
      const float distance = g.edge_features[size_t(e) * kEdgeFeatureCount + 3];
      EXPECT_GT(gap_s, 0);
      EXPECT_LE(distance, o.max_speed_mps * gap_s + o.position_slack_m + 1e-4);
    }
    const std::vector<int> chosen = RoundToPaths(g.num_nodes(), [&] {
      std::vector<ScoredEdge> edges;
      const LevelScores scores = Oracle(s.person)(g);
      for (int e = 0; e < g.num_edges(); ++e) edges.push_back({g.edge_from[e], g.edge_to[e], scores.edge_logits[e]});
      return edges;
    }());
    nodes = JoinTracklets(g, chosen);
  }
  // Perfect scores: one tracklet per person over the whole chunk.
  ASSERT_EQ(nodes.size(), 6u);
  for (const Tracklet& t : nodes) {
    EXPECT_EQ(t.size(), 64u);
    for (int r : t) EXPECT_EQ(s.person[r], s.person[t.front()]);
  }
}

TEST(TrackletGraph, EdgeCases) {
  TrackletGraphOptions o;
  o.chunk_frames = 32;
  // Nobody: no tracklets, and the scorer is still asked about the last level (no edges).
  Scene empty = MakeScene(0, 32);
  int calls = 0;
  ChunkTracks none = TrackChunk(empty.detections, 1, o, kScale, [&](const LevelGraph& g) {
    ++calls;
    EXPECT_EQ(g.num_edges(), 0);
    return LevelScores{};
  });
  EXPECT_TRUE(none.tracklets.empty());
  EXPECT_EQ(calls, 1);
  // One detection: one tracklet of one.
  Scene one;
  one.detections.embedding_dim = 16;
  one.detections.kit_dim = 2;
  one.detections.role_dim = 3;
  AddDetection(one, 5, {50, 30}, 0, 1);
  one.detections.Check();
  ChunkTracks single = TrackChunk(one.detections, 1, o, kScale, Oracle(one.person));
  ASSERT_EQ(single.tracklets.size(), 1u);
  EXPECT_EQ(single.tracklets[0], Tracklet{0});
  // Empty frames in the middle (a camera glitch): a person standing still is joined across.
  Scene gap = MakeScene(2, 32, {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  ChunkTracks across = TrackChunk(gap.detections, 1, o, kScale, Oracle(gap.person));
  ASSERT_EQ(across.tracklets.size(), 2u);
  EXPECT_EQ(across.tracklets[0].size(), 21u);
  // A person seen in one frame only: a tracklet of its own, the others intact.
  Scene flash = MakeScene(2, 32);
  AddDetection(flash, 32, {80, 50}, 7, 8);
  ChunkTracks flashed = TrackChunk(flash.detections, 1, o, kScale, Oracle(flash.person));
  ASSERT_EQ(flashed.tracklets.size(), 3u);
  std::multiset<size_t> sizes;
  for (const auto& t : flashed.tracklets) sizes.insert(t.size());
  EXPECT_EQ(sizes, (std::multiset<size_t>{1, 32, 32}));
  // Low scores are no nodes.
  Scene weak = MakeScene(1, 4);
  for (float& sc : weak.detections.score) sc = 0.05f;
  EXPECT_TRUE(SingleDetectionTracklets(weak.detections, o).empty());
}

// Duplicate suppression, against its definition on random crowds: the kept detections of a
// frame are pairwise >= duplicate_radius_m apart, and each dropped one lies within the
// radius of a kept one with at least its score (greedy NMS in pitch metres).
TEST(TrackletGraph, DuplicatesOfAHigherScoringDetectionAreNoNodes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> pos(0.f, 3.f), score(0.f, 1.f);
  TrackletGraphOptions o;
  for (double radius : {0.0, 0.5, 1.0}) {
    o.duplicate_radius_m = radius;
    Scene s;
    s.detections.embedding_dim = 4;
    s.detections.kit_dim = 2;
    s.detections.role_dim = 3;
    for (int f = 1; f <= 40; ++f) {
      for (int k = 0; k < 12; ++k) AddDetection(s, f, {pos(rng), pos(rng)}, k, 12);
    }
    for (float& sc : s.detections.score) sc = score(rng);
    const ChunkDetections& d = s.detections;
    std::set<int> kept;
    for (const Tracklet& t : SingleDetectionTracklets(d, o)) {
      ASSERT_EQ(t.size(), 1u);
      EXPECT_TRUE(kept.empty() || t[0] > *kept.rbegin()) << "ordered by row";
      kept.insert(t[0]);
    }
    int dropped = 0;
    for (int r = 0; r < d.size(); ++r) {
      auto near = [&](int k) { return d.frame[k] == d.frame[r] && k != r && (d.foot_in_pitch_m[k] - d.foot_in_pitch_m[r]).norm() < radius; };
      if (kept.count(r)) {
        for (int k : kept) EXPECT_FALSE(near(k)) << "kept rows " << r << " and " << k << " are duplicates";
      } else if (d.score[r] >= o.min_detection_score) {
        ++dropped;
        EXPECT_TRUE(std::any_of(kept.begin(), kept.end(), [&](int k) { return near(k) && d.score[k] >= d.score[r]; }))
            << "row " << r << " dropped without a better duplicate";
      }
    }
    if (radius == 0) {
      EXPECT_EQ(dropped, 0);
    } else {
      EXPECT_GT(dropped, 40) << "12 people in 3 x 3 m must collide";
    }
  }
}

// The same-frame context of each node, by feature name: a person, the detector's second
// peak on them 0.3 m away, and another person 2.2 m from the second peak.
TEST(TrackletGraph, NodeFeaturesSayWhoHasARivalInTheSameFrame) {
  Scene s;
  s.detections.embedding_dim = 4;
  s.detections.kit_dim = 2;
  s.detections.role_dim = 3;
  AddDetection(s, 1, {10, 10}, 0, 2);
  AddDetection(s, 1, {10.3f, 10}, -1, 2);
  AddDetection(s, 1, {12.5f, 10}, 1, 2);
  AddDetection(s, 2, {10, 10}, 0, 2);  // alone in its frame
  s.detections.score = {0.9f, 0.5f, 0.8f, 0.7f};
  TrackletGraphOptions o;
  o.chunk_frames = 2;
  const LevelGraph g = BuildLevelGraph(s.detections, SingleDetectionTracklets(s.detections, o), 1, 1, o, kScale);
  const std::vector<std::string> names = NodeFeatureNames(4, 2, 3);
  auto feature = [&](int node, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return g.node_features[size_t(node) * names.size() + (it - names.begin())];
  };
  ASSERT_EQ(g.num_nodes(), 4);
  EXPECT_NEAR(feature(0, "nearest_detection_m"), 0.3, 1e-5);
  EXPECT_EQ(feature(0, "detections_within_1m"), 1);
  EXPECT_NEAR(feature(0, "score_margin_within_1m"), 0.9 - 0.5, 1e-6);
  EXPECT_NEAR(feature(1, "score_margin_within_1m"), 0.5 - 0.9, 1e-6);
  EXPECT_NEAR(feature(2, "nearest_detection_m"), 2.2, 1e-5);
  EXPECT_EQ(feature(2, "detections_within_1m"), 0);
  EXPECT_NEAR(feature(2, "score_margin_within_1m"), 0.8, 1e-6);
  EXPECT_EQ(feature(3, "nearest_detection_m"), 3) << "clipped: nobody else in frame 2";
  // A two-detection tracklet (level 2: frames 1-2 are one half of its window) holds the means.
  o.chunk_frames = 4;
  const LevelGraph g2 = BuildLevelGraph(s.detections, {{0, 3}}, 2, 1, o, kScale);
  const auto it = std::find(names.begin(), names.end(), "detections_within_1m");
  EXPECT_NEAR(g2.node_features[it - names.begin()], 0.5, 1e-6);
}

TEST(TrackletGraph, CategoryProbabilitiesAreDetectionWeightedMeansOfTheLastLevel) {
  TrackletGraphOptions o;
  o.chunk_frames = 8;
  Scene s = MakeScene(1, 8);
  ChunkTracks t = TrackChunk(s.detections, 1, o, kScale, [&](const LevelGraph& g) {
    LevelScores scores = Oracle(s.person)(g);
    // Last level: two nodes of 4 detections each; say team_a for the first, team_b for the second.
    for (int v = 0; v < g.num_nodes(); ++v) {
      for (int c = 0; c < io::kNumCategories; ++c) scores.category_probabilities.push_back(c == v ? 1.f : 0.f);
    }
    return scores;
  });
  ASSERT_EQ(t.tracklets.size(), 1u);
  ASSERT_EQ(t.category_probabilities.size(), size_t(io::kNumCategories));
  EXPECT_FLOAT_EQ(t.category_probabilities[0], 0.5f);
  EXPECT_FLOAT_EQ(t.category_probabilities[1], 0.5f);
}

TEST(ChunkedTracking, StitchingKeepsIdsAcrossChunkBoundaries) {
  Scene s = MakeScene(3, 300);
  std::vector<int> frame_of_row = s.detections.frame;
  ChunkedTrackingOptions o;
  o.graph.chunk_frames = 32;
  o.overlap_frames = 16;
  int64_t largest_request = 0, first_row = 0;
  auto load = [&](int64_t begin, int64_t end) {
    largest_request = std::max(largest_request, end - begin);
    first_row = begin;
    return s.detections.Slice(static_cast<int>(begin), static_cast<int>(end));
  };
  MatchTracks m = TrackInChunks(frame_of_row, 300, load, o, kScale, Oracle(s.person, &first_row));
  EXPECT_EQ(m.num_tracks, 3);
  EXPECT_EQ(m.chunks, 18);  // starts 1, 17, ..., 273 (the last reaches frame 300)
  EXPECT_LE(largest_request, 32 * 3);  // one chunk at a time
  std::map<int, std::set<int64_t>> ids_of_person;
  for (size_t r = 0; r < m.track_id.size(); ++r) ids_of_person[s.person[r]].insert(m.track_id[r]);
  for (const auto& [p, ids] : ids_of_person) {
    EXPECT_EQ(ids.size(), 1u) << "person " << p << " has " << ids.size() << " ids";
    EXPECT_FALSE(ids.count(-1));
  }
  // Without overlap nothing is shared: a new id at every chunk.
  o.overlap_frames = 0;
  MatchTracks cut = TrackInChunks(frame_of_row, 300, load, o, kScale, Oracle(s.person, &first_row));
  EXPECT_EQ(cut.num_tracks, 3 * 10);
}

TEST(ChunkedTracking, ShortTracksAreDroppedAndIdsRenumbered) {
  // A false positive in frames 20-21, far from everyone; rows must stay in frame order.
  Scene t;
  t.detections.embedding_dim = 16;
  t.detections.kit_dim = 2;
  t.detections.role_dim = 3;
  for (int f = 1; f <= 40; ++f) {
    for (int p = 0; p < 2; ++p) AddDetection(t, f, Eigen::Vector2f(10 + f * 0.04f, 10 + 3.0f * p), p, 3);
    if (f == 20 || f == 21) AddDetection(t, f, {90, 60}, -1, 3);
  }
  ChunkedTrackingOptions o;
  o.graph.chunk_frames = 16;
  o.overlap_frames = 8;
  int64_t first_row = 0;
  auto load = [&](int64_t b, int64_t e) {
    first_row = b;
    return t.detections.Slice(static_cast<int>(b), static_cast<int>(e));
  };
  MatchTracks m = TrackInChunks(t.detections.frame, 40, load, o, kScale, Oracle(t.person, &first_row));
  EXPECT_EQ(m.num_tracks, 2);
  for (size_t r = 0; r < m.track_id.size(); ++r) {
    if (t.person[r] < 0) {
      EXPECT_EQ(m.track_id[r], -1);
    } else {
      EXPECT_EQ(m.track_id[r], t.person[r] + 1);  // numbered by first detection
    }
  }
  EXPECT_THROW(TrackInChunks({2, 1}, 2, nullptr, o, kScale, nullptr), Error);
  o.overlap_frames = 3;
  EXPECT_THROW(o.Check(), Error);
}

// A person's detections (frames 1-10), the detector's second peak on them 0.3 m away in
// frames 8-10 going on alone in 11-20, and a passer-by who starts at frame 9 one metre and
// a half away and outlives the person: the second peak's path continues the person's, the
// passer-by's does not, nor does anything when the overlap is longer than allowed.
TEST(ChunkedTracking, HandoversJoinADuplicatesPathToThePersonsOnly) {
  Scene s;
  s.detections.embedding_dim = 4;
  s.detections.kit_dim = 2;
  s.detections.role_dim = 3;
  std::vector<Tracklet> paths(3);
  for (int f = 1; f <= 20; ++f) {
    const float x = 10 + 0.2f * f;
    if (f <= 10) {
      paths[0].push_back(s.detections.size());
      AddDetection(s, f, {x, 10}, 0, 3);
    }
    if (f >= 8) {
      paths[1].push_back(s.detections.size());
      AddDetection(s, f, {x, 10.3f}, 0, 3);
    }
    if (f >= 9) {
      paths[2].push_back(s.detections.size());
      AddDetection(s, f, {x, 8.5f}, 1, 3);
    }
  }
  ChunkTracks tracks;
  tracks.tracklets = paths;
  tracks.category_probabilities = {1, 0, 0, 0, 0, /**/ 0, 1, 0, 0, 0, /**/ 0, 0, 1, 0, 0};
  const ChunkTracks merged = MergeHandovers(s.detections, tracks, 1.0, 8);
  ASSERT_EQ(merged.tracklets.size(), 2u);
  Tracklet expected = paths[0];
  for (int r : paths[1]) {
    if (s.detections.frame[r] > 10) expected.push_back(r);
  }
  EXPECT_EQ(merged.tracklets[0], expected) << "the person, then the second peak's path after frame 10";
  EXPECT_EQ(merged.tracklets[1], paths[2]);
  // Categories: by detections, 10 of the person's and 10 of the second peak's.
  EXPECT_FLOAT_EQ(merged.category_probabilities[0], 0.5f);
  EXPECT_FLOAT_EQ(merged.category_probabilities[1], 0.5f);
  EXPECT_FLOAT_EQ(merged.category_probabilities[5 + 2], 1.f);
  // Overlap of 3 frames (8-10) beyond a limit of 2; and off.
  EXPECT_EQ(MergeHandovers(s.detections, tracks, 1.0, 2).tracklets.size(), 3u);
  EXPECT_EQ(MergeHandovers(s.detections, tracks, 0.0, 8).tracklets.size(), 3u);
  // Too far apart for a radius of 0.25 m.
  EXPECT_EQ(MergeHandovers(s.detections, tracks, 0.25, 8).tracklets.size(), 3u);

  // Tracks that share no frame of their overlap are not compared, so never merged: a in
  // frames 1-8 and 10, b 30 m away in 9 and 11-20.
  Scene gap;
  gap.detections.embedding_dim = 4;
  gap.detections.kit_dim = 2;
  gap.detections.role_dim = 3;
  ChunkTracks apart;
  apart.tracklets.resize(2);
  for (int f = 1; f <= 20; ++f) {
    if (f <= 8 || f == 10) {
      apart.tracklets[0].push_back(gap.detections.size());
      AddDetection(gap, f, {10, 10}, 0, 2);
    } else {
      apart.tracklets[1].push_back(gap.detections.size());
      AddDetection(gap, f, {40, 10}, 1, 2);
    }
  }
  EXPECT_EQ(MergeHandovers(gap.detections, apart, 1.0, 8).tracklets.size(), 2u);
  // Near and sharing frame 10, with a gap at 9 in a: b's frame-9 detection fills it.
  Scene ordered;
  ordered.detections.embedding_dim = 4;
  ordered.detections.kit_dim = 2;
  ordered.detections.role_dim = 3;
  ChunkTracks near;
  near.tracklets.resize(2);
  for (int f = 1; f <= 20; ++f) {
    if (f <= 8 || f == 10) {
      near.tracklets[0].push_back(ordered.detections.size());
      AddDetection(ordered, f, {10, 10}, 0, 2);
    }
    if (f >= 9) {
      near.tracklets[1].push_back(ordered.detections.size());
      AddDetection(ordered, f, {10.2f, 10}, 0, 2);
    }
  }
  const ChunkTracks joined = MergeHandovers(ordered.detections, near, 1.0, 8);
  ASSERT_EQ(joined.tracklets.size(), 1u);
  EXPECT_EQ(joined.tracklets[0].size(), 20u) << "frames 1-20 once each (b's frame 10 left out)";
  for (size_t i = 1; i < joined.tracklets[0].size(); ++i) {
    EXPECT_EQ(ordered.detections.frame[joined.tracklets[0][i]], ordered.detections.frame[joined.tracklets[0][i - 1]] + 1);
  }
}

}  // namespace
}  // namespace ipt::tracking
