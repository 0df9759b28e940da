#include "ipt/tracking/online_tracker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "ipt/util/check.h"
#include "ipt/util/units.h"

namespace ipt::tracking {
namespace {

constexpr double kFps = 25.0;
constexpr double kDt = 1.0 / kFps;
constexpr double kNoiseM = 0.1;
constexpr double kSpeedMps = 9.0;
// Detection indices encode the person: person * kIndexStride + frame.
constexpr int64_t kIndexStride = 1'000'000;
constexpr int64_t kFalsePositivePerson = 999;

int64_t PersonOf(int64_t detection_index) { return detection_index / kIndexStride; }

// A person walking at constant velocity; detected in the frames `visible` allows.
struct Walker {
  Eigen::Vector2d start_m;
  Eigen::Vector2d velocity_mps;
  std::vector<float> embedding;  // empty: none
  Eigen::Vector2d At(int frame) const { return start_m + velocity_mps * ((frame - 1) * kDt); }
};

std::vector<float> UnitEmbedding(int dim, int hot) {
  std::vector<float> e(dim, 0.0f);
  e[hot] = 1.0f;
  return e;
}

// Frames 1..num_frames of noisy detections of `walkers`; hidden(person, frame) drops one.
template <typename Hidden>
std::vector<std::vector<TrackerDetection>> MakeFrames(const std::vector<Walker>& walkers,
                                                      int num_frames, uint32_t seed,
                                                      Hidden hidden) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, kNoiseM);
  std::vector<std::vector<TrackerDetection>> frames(num_frames);
  for (int f = 1; f <= num_frames; ++f)
    for (size_t p = 0; p < walkers.size(); ++p) {
      const Eigen::Vector2d foot_m = walkers[p].At(f) + Eigen::Vector2d(noise(rng), noise(rng));
      if (hidden(static_cast<int>(p), f)) continue;
      frames[f - 1].push_back(TrackerDetection{foot_m, 0.9, walkers[p].embedding, {},
                                               static_cast<int64_t>(p) * kIndexStride + f, {}, 0});
    }
  return frames;
}

std::vector<std::vector<TrackerDetection>> MakeFrames(const std::vector<Walker>& walkers,
                                                      int num_frames, uint32_t seed) {
  return MakeFrames(walkers, num_frames, seed, [](int, int) { return false; });
}

// person -> frame -> track id, from rows.
std::map<int64_t, std::map<int, int64_t>> IdsByPerson(const std::vector<TrackerRow>& rows) {
  std::map<int64_t, std::map<int, int64_t>> ids;
  for (const TrackerRow& r : rows) ids[PersonOf(r.detection_index)][r.frame] = r.track_id;
  return ids;
}

std::set<int64_t> DistinctIds(const std::map<int, int64_t>& by_frame) {
  std::set<int64_t> ids;
  for (auto [frame, id] : by_frame) ids.insert(id);
  return ids;
}

// Two people crossing in an X: same speed, directions `angle_deg` apart, meeting at
// frame `meet` at (50, 34).
std::vector<Walker> Crossing(double angle_deg, int meet, bool embeddings, bool identical) {
  const double half = DegToRad(angle_deg / 2);
  const Eigen::Vector2d meet_m(50, 34);
  std::vector<Walker> w(2);
  w[0].velocity_mps = kSpeedMps * Eigen::Vector2d(std::cos(half), std::sin(half));
  w[1].velocity_mps = kSpeedMps * Eigen::Vector2d(std::cos(half), -std::sin(half));
  for (Walker& p : w) p.start_m = meet_m - p.velocity_mps * ((meet - 1) * kDt);
  if (embeddings) {
    w[0].embedding = UnitEmbedding(64, 0);
    w[1].embedding = UnitEmbedding(64, identical ? 0 : 1);
  }
  return w;
}

TEST(OnlineTracker, CrossingPeopleKeepTheirIds) {
  constexpr int kFrames = 50, kMeet = 25;
  // Where noise (0.1 m) exceeds their separation, a single frame's assignment is a coin
  // toss; outside these frames around the meeting point every row must be right.
  constexpr int kAmbiguousFrames = 2;
  // Without appearance the filter's velocities decide; below ~30 degrees the noise makes
  // that a coin toss (a few percent of switches at 20 degrees), so only distinct
  // embeddings are asked to carry people through shallow crossings.
  for (double angle : {179.0, 90.0, 45.0, 20.0, 10.0})
    for (int variant = 0; variant < 3; ++variant) {
      const bool embeddings = variant > 0, identical = variant == 1;
      if (angle < 45 && !(embeddings && !identical)) continue;
      SCOPED_TRACE(testing::Message() << "angle " << angle << " variant " << variant);
      for (uint32_t seed = 1; seed <= 5; ++seed) {
        const auto rows = TrackAll(
            {}, kFps, MakeFrames(Crossing(angle, kMeet, embeddings, identical), kFrames, seed));
        auto ids = IdsByPerson(rows);
        ASSERT_EQ(ids.size(), 2u);
        for (int p = 0; p < 2; ++p) {
          EXPECT_EQ(ids[p].size(), static_cast<size_t>(kFrames));  // every detection reported
          const int64_t own = ids[p].at(1);
          EXPECT_EQ(ids[p].at(kFrames), own);
          for (auto [frame, id] : ids[p]) {
            // Distinct embeddings decide every frame; otherwise all but the meeting frames.
            if ((embeddings && !identical) || std::abs(frame - kMeet) > kAmbiguousFrames) {
              EXPECT_EQ(id, own) << "frame " << frame;
            }
          }
        }
        EXPECT_NE(ids[0].at(1), ids[1].at(1));
      }
    }
}

TEST(OnlineTracker, CrossingWithMergedDetectionsKeepsIds) {
  // The detector sees one person where the two are within 0.6 m: the other track is lost
  // for a few frames and must come back with its own id.
  constexpr int kFrames = 50, kMeet = 25;
  constexpr double kMergeDistanceM = 0.6;
  for (double angle : {90.0, 45.0})
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      const auto walkers = Crossing(angle, kMeet, false, false);
      auto frames = MakeFrames(walkers, kFrames, seed, [&](int person, int frame) {
        return person == 1 &&
               (walkers[0].At(frame) - walkers[1].At(frame)).norm() < kMergeDistanceM;
      });
      auto ids = IdsByPerson(TrackAll({}, kFps, frames));
      EXPECT_EQ(ids[0].at(1), ids[0].at(kFrames)) << "angle " << angle << " seed " << seed;
      EXPECT_EQ(ids[1].at(1), ids[1].at(kFrames)) << "angle " << angle << " seed " << seed;
      EXPECT_NE(ids[0].at(kFrames), ids[1].at(kFrames));
    }
}

// Two people at z = 10 m run at each other along x, meet at frame 25 and turn back (50
// frames), with one appearance embedding: motion predicts that each went on into the
// other's detection. `dress(person, detection)` adds what tells them apart.
std::vector<std::vector<TrackerDetection>> MeetAndTurnBack(const std::function<void(int, TrackerDetection&)>& dress) {
  std::vector<std::vector<TrackerDetection>> frames;
  for (int f = 1; f <= 50; ++f) {
    const double step = 0.2 * (f <= 25 ? f - 25 : 25 - f);  // 0 at frame 25, then back
    std::vector<TrackerDetection> detections;
    for (int p = 0; p < 2; ++p) {
      TrackerDetection d;
      d.foot_in_pitch_m = {15 + (p == 0 ? step : -step), 10};
      d.score = 0.9;
      d.embedding = UnitEmbedding(4, 0);  // the same for both
      d.index = p * kIndexStride + f;
      dress(p, d);
      detections.push_back(d);
    }
    frames.push_back(detections);
  }
  return frames;
}

// Tracks that hold more than one person.
int MixedTracks(const std::vector<TrackerRow>& rows) {
  std::map<int64_t, std::set<int64_t>> people_of_track;
  for (const TrackerRow& r : rows) people_of_track[r.track_id].insert(PersonOf(r.detection_index));
  int mixed = 0;
  for (const auto& [id, people] : people_of_track) mixed += people.size() > 1;
  return mixed;
}

// Two opponents run at each other, meet and turn back: motion predicts that each went on
// into the other's detection. Their kits (kit_weight_m) keep them apart; without the kit
// term, with the same appearance embedding, the tracks swap.
TEST(OnlineTracker, KitsKeepOpponentsApartWhereMotionCannot) {
  auto frames_of = [](bool with_kits) {
    return MeetAndTurnBack([&](int p, TrackerDetection& d) {
      if (with_kits) d.kit = UnitEmbedding(3, p);
    });
  };
  OnlineTrackerOptions options;
  options.kit_weight_m = 0;  // off
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(true))), 2);
  EXPECT_EQ(MixedTracks(TrackAll(OnlineTrackerOptions{}, kFps, frames_of(true))), 0);  // default: 1 m
  options.kit_weight_m = 2;
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(true))), 0);
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(false))), 2);  // no kits given: distance decides
  // Kits of different widths, or of zero norm, are refused.
  OnlineTracker tracker(options, kFps);
  std::vector<TrackerDetection> bad = frames_of(true)[0];
  bad[1].kit = UnitEmbedding(4, 0);
  EXPECT_THROW(tracker.Update(1, bad), Error);
  OnlineTracker zero(options, kFps);
  bad = frames_of(true)[0];
  bad[0].kit.assign(3, 0.0f);
  EXPECT_THROW(zero.Update(1, bad), Error);
  options.kit_weight_m = 0;  // off: kits are not read at all
  OnlineTracker off(options, kFps);
  EXPECT_NO_THROW(off.Update(1, bad));
}

// Teammates: one kit, one embedding; only their numbers (7 and 12) tell them apart where
// they meet and turn back.
TEST(OnlineTracker, JerseysKeepTeammatesApartWhereMotionCannot) {
  auto frames_of = [](double legible) {
    return MeetAndTurnBack([&](int p, TrackerDetection& d) {
      d.jersey.assign(100, 0.1f / 99);  // a reader 90 % sure of the number
      d.jersey[p == 0 ? 7 : 12] = 0.9f;
      d.legible = legible;
    });
  };
  OnlineTrackerOptions options;
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(0.8))), 2);  // jersey_weight_m 0: off
  options.jersey_weight_m = 2;
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(0.8))), 0);
  EXPECT_EQ(MixedTracks(TrackAll(options, kFps, frames_of(0.0))), 2);  // never legible (HD crops): distance decides
  // Readings that are not 100 probabilities summing to 1, or P(legible) outside [0, 1], are refused.
  for (int bad_case = 0; bad_case < 4; ++bad_case) {
    std::vector<TrackerDetection> bad = frames_of(0.8)[0];
    if (bad_case == 0) bad[1].jersey.resize(99);
    if (bad_case == 1) bad[1].jersey[3] = 0.5f;
    if (bad_case == 2) bad[1].jersey[3] = -0.01f;
    if (bad_case == 3) bad[1].legible = 1.5;
    OnlineTracker tracker(options, kFps);
    EXPECT_THROW(tracker.Update(1, bad), Error) << bad_case;
    options.jersey_weight_m = 0;  // off: readings are not read at all
    OnlineTracker off(options, kFps);
    EXPECT_NO_THROW(off.Update(1, bad)) << bad_case;
    options.jersey_weight_m = 2;
  }
  options.jersey_half_certainty_crops = 0;
  EXPECT_THROW(options.Check(), Error);
}

TEST(OnlineTracker, MissedPersonKeepsItsId) {
  // Two people running side by side 3 m apart; the first is not detected for a while.
  for (int missed : {10, 25}) {
    std::vector<Walker> w(2);
    w[0].start_m = {20, 30};
    w[1].start_m = {20, 33};
    w[0].velocity_mps = w[1].velocity_mps = {7, 1};
    constexpr int kFrames = 80, kFirstMissed = 30;
    auto frames = MakeFrames(w, kFrames, 3, [&](int person, int frame) {
      return person == 0 && frame >= kFirstMissed && frame < kFirstMissed + missed;
    });
    OnlineTracker tracker({}, kFps);
    std::vector<TrackerRow> rows;
    for (int f = 1; f <= kFrames; ++f) {
      auto result = tracker.Update(f, frames[f - 1]);
      rows.insert(rows.end(), result.rows.begin(), result.rows.end());
    }
    auto ids = IdsByPerson(rows);
    EXPECT_EQ(DistinctIds(ids[0]).size(), 1u) << missed;
    EXPECT_EQ(DistinctIds(ids[1]).size(), 1u) << missed;
    EXPECT_EQ(ids[0].size(), static_cast<size_t>(kFrames - missed));
    EXPECT_EQ(tracker.num_track_ids(), 2);
  }
}

TEST(OnlineTracker, LostTrackIsRemovedAfterTheBuffer) {
  OnlineTrackerOptions options;
  options.lost_seconds = 0.2;  // ceil(0.2 * 25) = 5 frames
  OnlineTracker tracker(options, kFps);
  EXPECT_EQ(tracker.lost_frames(), 5);
  TrackerDetection d;
  d.foot_in_pitch_m = {10, 10};
  tracker.Update(1, {d});
  for (int f = 2; f <= 6; ++f) tracker.Update(f, {});  // missed 5 frames: kept
  EXPECT_EQ(tracker.num_confirmed_tracks(), 1);
  tracker.Update(7, {});  // missed 6: removed
  EXPECT_EQ(tracker.num_confirmed_tracks(), 0);
  EXPECT_EQ(OnlineTracker(options, 30.0).lost_frames(), 6);
  options.lost_seconds = 1.2;  // 1.2 * 25 = 30.000000000000004 in doubles
  EXPECT_EQ(OnlineTracker(options, kFps).lost_frames(), 30);
}

TEST(OnlineTracker, FalsePositiveNeverBecomesATrack) {
  std::vector<Walker> w(1);
  w[0].start_m = {30, 30};
  w[0].velocity_mps = {5, 0};
  constexpr int kFrames = 30;
  auto frames = MakeFrames(w, kFrames, 4);
  // A one-frame false positive, and a two-frame one (confirm_hits is 3).
  auto add_fp = [&](int frame, Eigen::Vector2d at) {
    TrackerDetection fp;
    fp.foot_in_pitch_m = at;
    fp.score = 0.95;
    fp.index = kFalsePositivePerson * kIndexStride + frame;
    frames[frame - 1].push_back(fp);
  };
  add_fp(10, {70, 20});
  add_fp(15, {80, 50});
  add_fp(16, {80.1, 50});
  OnlineTracker tracker({}, kFps);
  for (int f = 1; f <= kFrames; ++f) {
    auto result = tracker.Update(f, frames[f - 1]);
    for (size_t d = 0; d < frames[f - 1].size(); ++d) {
      if (PersonOf(frames[f - 1][d].index) == kFalsePositivePerson) {
        EXPECT_FALSE(result.track_ids[d]);
      }
    }
    for (const TrackerRow& r : result.rows)
      EXPECT_NE(PersonOf(r.detection_index), kFalsePositivePerson);
  }
  EXPECT_EQ(tracker.num_track_ids(), 1);
}

TEST(OnlineTracker, TentativeHitsAreReportedOnConfirmation) {
  // A person appearing in frame 5 (not the first frame) is tentative in frames 5 and 6 and
  // confirmed in frame 7; its rows of frames 5 and 6 come with frame 7's result.
  TrackerDetection anchor;  // present from frame 1, so frame 5 is not the first frame
  anchor.foot_in_pitch_m = {5, 5};
  anchor.index = 1;
  for (bool report : {true, false}) {
    OnlineTrackerOptions options;
    options.report_tentative_hits = report;
    OnlineTracker tracker(options, kFps);
    for (int f = 1; f <= 4; ++f) tracker.Update(f, {anchor});
    TrackerDetection d;
    d.index = 2;
    for (int f = 5; f <= 7; ++f) {
      d.foot_in_pitch_m = {40 + 0.2 * f, 30};
      auto result = tracker.Update(f, {anchor, d});
      ASSERT_TRUE(result.track_ids[0]);
      if (f < 7) {
        EXPECT_FALSE(result.track_ids[1]);
        EXPECT_EQ(result.rows.size(), 1u);
        continue;
      }
      ASSERT_TRUE(result.track_ids[1]);
      const int64_t id = *result.track_ids[1];
      EXPECT_EQ(id, 2);
      ASSERT_EQ(result.rows.size(), report ? 4u : 2u);
      EXPECT_EQ(result.rows[1].frame, 7);  // this frame's rows first, in detection order
      EXPECT_EQ(result.rows[1].track_id, id);
      if (report) {
        EXPECT_EQ(result.rows[2].frame, 5);
        EXPECT_EQ(result.rows[3].frame, 6);
        EXPECT_EQ(result.rows[2].track_id, id);
        EXPECT_DOUBLE_EQ(result.rows[2].position_in_pitch_m.x(), 41.0);
      }
    }
  }
}

TEST(OnlineTracker, EmptyFrames) {
  OnlineTracker tracker({}, kFps);
  auto result = tracker.Update(1, {});
  EXPECT_TRUE(result.track_ids.empty());
  EXPECT_TRUE(result.rows.empty());
  TrackerDetection d;
  d.foot_in_pitch_m = {50, 30};
  d.index = 7;
  // Frame 2 is not the first frame: the track needs confirm_hits frames.
  for (int f = 2; f <= 5; ++f) result = tracker.Update(f, {d});
  ASSERT_TRUE(result.track_ids[0]);
  const int64_t id = *result.track_ids[0];
  result = tracker.Update(6, {});  // a frame without detections in the middle
  EXPECT_TRUE(result.rows.empty());
  result = tracker.Update(7, {d});
  ASSERT_TRUE(result.track_ids[0]);
  EXPECT_EQ(*result.track_ids[0], id);
  EXPECT_TRUE(TrackAll({}, kFps, {}).empty());
  EXPECT_TRUE(TrackAll({}, kFps, {{}, {}, {}}).empty());
}

TEST(OnlineTracker, WeakDetectionsExtendButNeverStartTracks) {
  OnlineTracker tracker({}, kFps);
  TrackerDetection d, weak;
  d.foot_in_pitch_m = {50, 30};
  d.score = 0.9;
  weak.foot_in_pitch_m = {10, 10};
  weak.score = 0.3;  // in [low_score, high_score)
  weak.index = 1;
  tracker.Update(1, {d});
  for (int f = 2; f <= 10; ++f) {
    d.score = 0.3;  // the tracked person's detections turn weak
    auto result = tracker.Update(f, {d, weak});
    ASSERT_TRUE(result.track_ids[0]) << f;
    EXPECT_EQ(*result.track_ids[0], 1);
    EXPECT_FALSE(result.track_ids[1]);
    EXPECT_DOUBLE_EQ(result.rows[0].score, 0.3);
  }
  // Below low_score a detection is ignored.
  d.score = 0.05;
  EXPECT_FALSE(tracker.Update(11, {d}).track_ids[0]);
  EXPECT_EQ(tracker.num_track_ids(), 1);
}

TEST(OnlineTracker, ReportsFilteredPositionsWhenAsked) {
  std::vector<Walker> w(1);
  w[0].start_m = {30, 30};
  w[0].velocity_mps = {5, 0};
  auto frames = MakeFrames(w, 20, 5);
  OnlineTrackerOptions options;
  const auto raw = TrackAll(options, kFps, frames);
  options.report_filtered_position = true;
  const auto filtered = TrackAll(options, kFps, frames);
  ASSERT_EQ(raw.size(), filtered.size());
  double raw_error = 0, filtered_error = 0;
  for (size_t k = 0; k < raw.size(); ++k) {
    EXPECT_EQ(raw[k].position_in_pitch_m, frames[raw[k].frame - 1][0].foot_in_pitch_m);
    raw_error += (raw[k].position_in_pitch_m - w[0].At(raw[k].frame)).norm();
    filtered_error += (filtered[k].position_in_pitch_m - w[0].At(filtered[k].frame)).norm();
  }
  EXPECT_LT(filtered_error, raw_error);
}

TEST(OnlineTracker, DeterministicOnACrowd) {
  // 22 people walking randomly, 10 % missed detections, false positives, weak scores.
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> x(0, 105), z(0, 68), v(-6, 6), unit(0, 1);
  std::normal_distribution<double> noise(0, kNoiseM);
  constexpr int kPeople = 22, kFrames = 120;
  std::vector<Eigen::Vector2d> pos(kPeople), vel(kPeople);
  for (int p = 0; p < kPeople; ++p) {
    pos[p] = {x(rng), z(rng)};
    vel[p] = {v(rng), v(rng)};
  }
  std::vector<std::vector<TrackerDetection>> frames(kFrames);
  for (int f = 1; f <= kFrames; ++f) {
    for (int p = 0; p < kPeople; ++p) {
      vel[p] += Eigen::Vector2d(noise(rng), noise(rng)) * 5;
      pos[p] += vel[p] * kDt;
      if (unit(rng) < 0.1) continue;
      TrackerDetection d;
      d.foot_in_pitch_m = pos[p] + Eigen::Vector2d(noise(rng), noise(rng));
      d.score = unit(rng) < 0.2 ? 0.3 : 0.9;
      d.embedding = UnitEmbedding(8, p % 8);
      d.index = p * kIndexStride + f;
      frames[f - 1].push_back(d);
    }
    if (unit(rng) < 0.3) {
      TrackerDetection fp;
      fp.foot_in_pitch_m = {x(rng), z(rng)};
      fp.score = 0.7;
      fp.index = kFalsePositivePerson * kIndexStride + f;
      frames[f - 1].push_back(fp);
    }
  }
  const auto a = TrackAll({}, kFps, frames);
  const auto b = TrackAll({}, kFps, frames);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), static_cast<size_t>(kPeople * kFrames / 2));
  std::set<std::pair<int, int64_t>> frame_ids;
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].frame, b[k].frame);
    EXPECT_EQ(a[k].track_id, b[k].track_id);
    EXPECT_EQ(a[k].detection_index, b[k].detection_index);
    EXPECT_EQ(a[k].position_in_pitch_m, b[k].position_in_pitch_m);
    EXPECT_TRUE(frame_ids.insert({a[k].frame, a[k].track_id}).second) << "track twice in a frame";
    if (k > 0) {
      EXPECT_LE(std::tie(a[k - 1].frame, a[k - 1].track_id), std::tie(a[k].frame, a[k].track_id));
    }
  }
}

TEST(OnlineTracker, OptionsCheckRejectsBadValues) {
  EXPECT_NO_THROW(OnlineTrackerOptions().Check());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto rejects = [](auto mutate) {
    OnlineTrackerOptions o;
    mutate(o);
    EXPECT_THROW(o.Check(), Error);
    EXPECT_THROW(OnlineTracker(o, kFps), Error);
  };
  rejects([](OnlineTrackerOptions& o) { o.low_score = 0.6; });    // > high_score
  rejects([](OnlineTrackerOptions& o) { o.birth_score = 0.4; });  // < high_score
  rejects([&](OnlineTrackerOptions& o) { o.high_score = nan; });
  rejects([](OnlineTrackerOptions& o) { o.low_score = -0.1; });
  rejects([](OnlineTrackerOptions& o) { o.birth_score = 1.5; });
  rejects([](OnlineTrackerOptions& o) { o.confirm_hits = 0; });
  rejects([](OnlineTrackerOptions& o) { o.lost_seconds = -1; });
  rejects([](OnlineTrackerOptions& o) { o.gate_sigmas = 0; });
  rejects([](OnlineTrackerOptions& o) { o.min_gate_m = 0; });
  rejects([](OnlineTrackerOptions& o) { o.max_gate_m = 0.5; });  // < min_gate_m
  rejects([](OnlineTrackerOptions& o) { o.appearance_weight_m = -1; });
  rejects([](OnlineTrackerOptions& o) { o.max_appearance_distance = 2.5; });
  rejects([](OnlineTrackerOptions& o) { o.embedding_momentum = 1.0; });
  rejects([](OnlineTrackerOptions& o) { o.kit_weight_m = -1; });
  rejects([&](OnlineTrackerOptions& o) { o.kit_weight_m = nan; });
  rejects([](OnlineTrackerOptions& o) { o.kit_momentum = 1.0; });
  rejects([](OnlineTrackerOptions& o) { o.kalman.measurement_sigma_m = 0; });
  EXPECT_THROW(OnlineTracker({}, 0.0), Error);
  EXPECT_THROW(OnlineTracker({}, nan), Error);
}

TEST(OnlineTracker, RejectsBadInput) {
  OnlineTracker tracker({}, kFps);
  TrackerDetection d;
  d.embedding = UnitEmbedding(4, 0);
  tracker.Update(3, {d});
  EXPECT_THROW(tracker.Update(3, {}), Error);  // frames must increase
  EXPECT_THROW(tracker.Update(0, {}), Error);
  auto rejects = [&](int frame, auto mutate) {
    TrackerDetection bad = d;  // a fresh copy each time
    mutate(bad);
    EXPECT_THROW(tracker.Update(frame, {bad}), Error);
  };
  rejects(4,
          [](TrackerDetection& bad) { bad.embedding = UnitEmbedding(5, 0); });  // other dimension
  rejects(5, [](TrackerDetection& bad) { bad.embedding.assign(4, 0.0f); });     // zero norm
  rejects(6, [](TrackerDetection& bad) { bad.score = 1.5; });
  rejects(7, [](TrackerDetection& bad) {
    bad.foot_in_pitch_m.x() = std::numeric_limits<double>::infinity();
  });
}

}  // namespace
}  // namespace ipt::tracking
