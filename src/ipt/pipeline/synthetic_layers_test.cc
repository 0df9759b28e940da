#include "ipt/pipeline/synthetic_layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/match_level_test_util.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::pipeline {
namespace {

io::MatchInfo Roster() {
  io::MatchInfo m;
  m.name = "synthetic";
  m.fps = 25;
  int id = 1;
  auto add = [&](io::Category c, int n, bool numbered) {
    for (int k = 0; k < n; ++k) {
      io::RosterEntry e;
      e.player_id = id++;
      e.category = c;
      if (numbered) e.jersey = k + 1;
      m.roster.push_back(e);
    }
  };
  add(io::Category::kTeamA, 14, true);  // 4 the layers leave off the pitch (not marked as the bench)
  add(io::Category::kTeamB, 12, true);
  add(io::Category::kGoalkeeperA, 2, true);
  add(io::Category::kGoalkeeperB, 1, true);
  add(io::Category::kReferee, 3, false);
  return m;
}

// The layers hold what the match level reads, consistently: every field at its width,
// one row per visible person and frame, tracks that are one person's unbroken stretches,
// people moving no faster than the bound (plus the detection noise), unit embeddings,
// and the share of legible crops asked for.
TEST(SyntheticLayers, ShapesTracksMotionAndLegibility) {
  SyntheticLayersOptions o;
  o.minutes = 2;
  o.mean_track_seconds = 10;
  o.mean_gap_seconds = 2;
  o.legible_share = 0.1;
  const SyntheticLayers s = SynthesizeMatchLayers(Roster(), o);
  EXPECT_EQ(s.people, 10 + 10 + 1 + 1 + 3);
  EXPECT_EQ(s.frames.frames, 3000);
  const int64_t rows = s.frames.rows;
  ASSERT_GT(rows, 0);
  EXPECT_LT(rows, 3000 * s.people);  // gaps out of view
  EXPECT_GT(rows, 3000 * s.people * 2 / 3);  // ~10 s seen per ~2 s away
  for (const auto& [field, width] : crop_encoder::CropFieldWidths()) {
    EXPECT_EQ(static_cast<int64_t>(s.frames.crop_fields.at(field).size()), rows * width) << field;
  }
  ASSERT_EQ(static_cast<int64_t>(s.tracks.track_id.size()), rows);
  ASSERT_EQ(static_cast<int64_t>(s.tracks.position_m.size()), 2 * rows);
  // Per track: one row per frame, consecutive frames, bounded steps.
  std::map<int64_t, std::pair<int64_t, int64_t>> last;  // id -> (frame, row)
  const double max_step_m = o.max_speed_mps / 25.0 + 2 * 6 * o.position_noise_m;
  int64_t legible = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t id = s.tracks.track_id[i];
    if (auto it = last.find(id); it != last.end()) {
      EXPECT_EQ(s.frames.frame[i], it->second.first + 1) << "track " << id;
      const int64_t j = it->second.second;
      const double step = std::hypot(s.tracks.position_m[2 * i] - s.tracks.position_m[2 * j],
                                     s.tracks.position_m[2 * i + 1] - s.tracks.position_m[2 * j + 1]);
      EXPECT_LE(step, max_step_m) << "track " << id << " frame " << s.frames.frame[i];
    }
    last[id] = {s.frames.frame[i], i};
    double norm = 0;
    for (int k = 0; k < crop_encoder::kEmbeddingDim; ++k) norm += std::pow(s.frames.Row(crop_encoder::kEmbeddingField, i)[k], 2);
    EXPECT_NEAR(norm, 1.0, 1e-4);
    const float* presence = s.frames.Row(crop_encoder::kPresenceField, i);
    legible += presence[2] > presence[0] && presence[2] > presence[1];
  }
  EXPECT_EQ(static_cast<int64_t>(last.size()), s.tracks_count);
  EXPECT_GT(s.tracks_count, s.people);  // people leave and come back: several tracks each
  // Numbered people (22 of 25) show a legible number in 10 % of crops; the logit margin of 4
  // against unit noise leaves a few percent misread.
  EXPECT_NEAR(static_cast<double>(legible) / rows, 0.1 * 22 / 25, 0.02);
  // Equal options, equal layers; another seed, others.
  EXPECT_EQ(SynthesizeMatchLayers(Roster(), o).tracks.position_m, s.tracks.position_m);
  o.seed = 2;
  EXPECT_NE(SynthesizeMatchLayers(Roster(), o).tracks.position_m, s.tracks.position_m);
  // Only the starters play: with team A's first 4 on the bench its last 10 play; with
  // all of team B there, no one of it.
  io::MatchInfo lineup = Roster();
  for (io::RosterEntry& e : lineup.roster) {
    if (e.category == io::Category::kTeamA && e.player_id <= 4) e.starts = false;
    if (e.category == io::Category::kTeamB) e.starts = false;
  }
  o.minutes = 0.1;
  EXPECT_EQ(SynthesizeMatchLayers(lineup, o).people, 10 + 1 + 1 + 3);
}

TEST(SyntheticLayers, BadOptionsAndAnEmptyRosterAreErrors) {
  SyntheticLayersOptions o;
  o.minutes = 0;
  EXPECT_THROW(SynthesizeMatchLayers(Roster(), o), Error);
  o.minutes = 1;
  o.legible_share = 2;
  EXPECT_THROW(SynthesizeMatchLayers(Roster(), o), Error);
  EXPECT_THROW(SynthesizeMatchLayers(io::MatchInfo{}, SyntheticLayersOptions{}), Error);
}

// A frame layer written as its file (FrameLayerFile) reads back the same whole
// (ReadFrameLayer) and by block (OpenFrameLayer, ForEachRowBlock); the match level on
// the file, block by block, gives the output it gives on the layer in memory, whatever
// the block size.
TEST(FrameLayerFile, ReadWholeOrByBlockAndTheMatchLevelAgrees) {
  SyntheticLayersOptions o;
  o.minutes = 0.2;  // 300 frames, ~7,000 rows
  o.mean_track_seconds = 3;
  o.legible_share = 0.3;  // votes for jerseys
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = SynthesizeMatchLayers(match, o);
  const std::filesystem::path dir = testing::FreshTempDir("frame_layer_file");
  FrameLayer copy = s.frames;
  io::WriteSafetensors(FrameLayerFile(std::move(copy), 3), dir / "frame.safetensors");

  const FrameLayer whole = ReadFrameLayer(io::ReadSafetensors(dir / "frame.safetensors"), "whole");
  EXPECT_EQ(whole.frames, s.frames.frames);
  EXPECT_EQ(whole.frame, s.frames.frame);
  EXPECT_EQ(whole.crop_fields, s.frames.crop_fields);
  const FrameLayer opened = OpenFrameLayer(dir / "frame.safetensors", "opened");
  EXPECT_EQ(opened.rows, s.frames.rows);
  EXPECT_EQ(opened.frame, s.frames.frame);
  EXPECT_EQ(opened.foot_points_m, s.frames.foot_points_m);
  EXPECT_EQ(opened.refined_foot_points_m, s.frames.refined_foot_points_m);
  EXPECT_EQ(opened.score, s.frames.score);
  EXPECT_TRUE(opened.crop_fields.empty());
  EXPECT_THROW(opened.Row(crop_encoder::kKitField, 0), Error);  // its fields are read by block
  EXPECT_THROW(AllRows(opened), Error);

  // Blocks cover every row once, in order, with the values in memory.
  for (const FrameLayer* layer : {&s.frames, &opened}) {
    int64_t next = 0;
    ForEachRowBlock(*layer, {crop_encoder::kKitField, crop_encoder::kNumberField}, 1000, [&](const FrameRowBlock& b) {
      EXPECT_EQ(b.begin(), next);
      EXPECT_LE(b.end() - b.begin(), 1000);
      for (int64_t r = b.begin(); r < b.end(); ++r) {
        for (const char* field : {crop_encoder::kKitField, crop_encoder::kNumberField}) {
          const int width = crop_encoder::CropFieldWidths().at(field);
          ASSERT_TRUE(std::equal(b.Row(field, r), b.Row(field, r) + width, s.frames.Row(field, r))) << field << " row " << r;
        }
      }
      EXPECT_THROW(b.Row(crop_encoder::kEmbeddingField, b.begin()), Error);  // not asked for
      next = b.end();
    });
    EXPECT_EQ(next, s.frames.rows);
  }
  EXPECT_THROW(ForEachRowBlock(opened, {"no.such.field"}, 10, [](const FrameRowBlock&) {}), Error);
  EXPECT_THROW(ForEachRowBlock(opened, {}, 0, [](const FrameRowBlock&) {}), Error);

  auto same = [](const MatchLevelOutput& a, const MatchLevelOutput& b) {
    testing::ExpectSameRows(a, b, "layer read by block");
    EXPECT_EQ(a.tracks, b.tracks);
    EXPECT_EQ(a.dropped, b.dropped);
  };
  const MatchLevelOutput in_memory = RunMatchLevel(s.frames, s.tracks, match, {}, nullptr, nullptr, true, s.frames.rows);
  EXPECT_GT(in_memory.tracks, 10);
  int jerseys = 0;
  for (const auto& r : in_memory.rows) jerseys += r.jersey.has_value();
  EXPECT_GT(jerseys, 0) << "no jersey voted: the comparison would not cover the votes";
  for (int64_t block_rows : {int64_t{1}, int64_t{7}, kRowBlockRows}) {
    same(in_memory, RunMatchLevel(opened, s.tracks, match, {}, nullptr, nullptr, true, block_rows));
  }
  std::filesystem::remove_all(dir);
}

// A track needs min_confident_detections detections of score >= confident_score: one with
// exactly that many stays, one with one fewer is left out, whatever else it has.
TEST(MatchLevel, TracksWithTooFewConfidentDetectionsAreLeftOut) {
  SyntheticLayersOptions o;
  o.minutes = 0.1;  // 150 frames
  o.mean_track_seconds = 3;
  const io::MatchInfo match = Roster();
  SyntheticLayers s = SynthesizeMatchLayers(match, o);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  ASSERT_GE(rows.size(), 3u);
  tracking::TrackAttributesOptions options;
  options.min_confident_detections = 3;
  options.confident_score = 0.8;
  options.fragment_links.max_gap_seconds = 0;  // off: the counts below are of the tracker's tracks
  ASSERT_GE(s.frames.score.at(0), options.confident_score);
  // Three tracks of >= 5 rows: all rows under the score but k of them, k = 3, 2, 0.
  std::vector<std::pair<int64_t, int>> changed;  // track id, confident rows left
  for (const auto& [id, track_rows] : rows) {
    if (track_rows.size() < 5 || changed.size() == 3) continue;
    const int keep = std::array<int, 3>{3, 2, 0}[changed.size()];
    for (size_t k = 0; k < track_rows.size(); ++k) {
      // Just under the score (as a float); its first `keep` rows keep theirs.
      if (static_cast<int>(k) >= keep) s.frames.score[track_rows[k]] = std::nextafter(0.8f, 0.0f);
    }
    changed.emplace_back(id, keep);
  }
  ASSERT_EQ(changed.size(), 3u);
  const MatchLevelOutput out = RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true);
  std::set<int64_t> present;
  for (const auto& r : out.rows) present.insert(r.track_id);
  EXPECT_TRUE(present.count(changed[0].first));   // exactly 3
  EXPECT_FALSE(present.count(changed[1].first));  // 2
  EXPECT_FALSE(present.count(changed[2].first));  // none
  // Every track counted by hand: short tracks have too few detections too.
  auto unconfirmed = [&](int min_confident) {
    int64_t n = 0;
    for (const auto& [id, track_rows] : rows) {
      int confident = 0;
      for (int64_t r : track_rows) confident += s.frames.score[r] >= options.confident_score;
      n += confident < min_confident;
    }
    return n;
  };
  EXPECT_EQ(out.dropped, 0);
  EXPECT_EQ(out.dropped_unconfirmed, unconfirmed(3));
  EXPECT_GE(out.dropped_unconfirmed, 2);
  EXPECT_EQ(out.tracks, static_cast<int64_t>(rows.size()) - out.dropped_unconfirmed);

  options.min_confident_detections = 0;  // off: every track
  const MatchLevelOutput all = RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true);
  EXPECT_EQ(all.dropped_unconfirmed, 0);
  EXPECT_EQ(all.tracks, static_cast<int64_t>(rows.size()));
  options.min_confident_detections = 2;
  EXPECT_EQ(RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true).dropped_unconfirmed,
            unconfirmed(2));
  options.confident_score = 1.5;
  EXPECT_THROW(RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true), Error);
}

// The number a track's legible crops read most often (argmax of jn.number).
int MostReadNumber(const FrameLayer& frames, const std::vector<int64_t>& rows) {
  std::map<int, int> reads;
  for (int64_t r : rows) {
    const float* presence = frames.Row(crop_encoder::kPresenceField, r);
    if (std::max_element(presence, presence + crop_encoder::kNumPresence) - presence !=
        static_cast<int>(io::Legibility::kLegible))
      continue;
    const float* number = frames.Row(crop_encoder::kNumberField, r);
    ++reads[static_cast<int>(std::max_element(number, number + crop_encoder::kNumNumbers) - number)];
  }
  if (reads.empty()) return -1;
  return std::max_element(reads.begin(), reads.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
}

// Two minutes in which most people keep one track for the whole match, 10 % of crops legible.
SyntheticLayers TwoMinutesOfLongTracks(const io::MatchInfo& match) {
  SyntheticLayersOptions o;
  o.minutes = 2;
  o.mean_track_seconds = 200;
  o.legible_share = 0.1;
  return SynthesizeMatchLayers(match, o);
}

// The tracks seen from frame 1 to at least frame 2000.
std::vector<int64_t> TracksOverFrames1To2000(const FrameLayer& frames,
                                             const std::map<int64_t, std::vector<int64_t>>& rows) {
  std::vector<int64_t> whole;
  for (const auto& [id, r] : rows)
    if (frames.frame[r.front()] == 1 && frames.frame[r.back()] >= 2000) whole.push_back(id);
  return whole;
}

// `a` and `b` (track ids of `s`) swap tracks from frame `meet` on, where they stand
// together; *person_of_row: each of their rows -> its own track (the person).
TrackLayer SwapFrom(const SyntheticLayers& s, const std::map<int64_t, std::vector<int64_t>>& rows, int64_t a, int64_t b,
                    int meet, std::map<int64_t, int64_t>* person_of_row) {
  TrackLayer swapped = s.tracks;
  for (int64_t id : {a, b}) {
    for (int64_t r : rows.at(id)) {
      (*person_of_row)[r] = id;
      if (s.frames.frame[r] >= meet) swapped.track_id[r] = id == a ? b : a;
      if (s.frames.frame[r] == meet) {
        swapped.position_m[2 * r] = 50;
        swapped.position_m[2 * r + 1] = 30;
      }
    }
  }
  return swapped;
}

// The split of a swap: the two tracks cut exactly at `meet`, four pieces of one person
// each, the pieces after the meeting with fresh ids, nobody else touched.
void ExpectCutAtTheSwap(const SyntheticLayers& s, const TrackLayer& swapped, const SplitTrackLayer& split,
                        const std::map<int64_t, int64_t>& person_of_row, int meet) {
  int64_t max_id = 0;
  for (int64_t id : s.tracks.track_id) max_id = std::max(max_id, id);
  EXPECT_EQ(split.cuts, 2);
  std::map<int64_t, std::set<int64_t>> people_of_piece;
  for (int64_t r = 0; r < s.frames.rows; ++r) {
    if (person_of_row.count(r)) {
      people_of_piece[split.tracks.track_id[r]].insert(person_of_row.at(r));
      if (s.frames.frame[r] < meet) EXPECT_EQ(split.tracks.track_id[r], swapped.track_id[r]);
      else EXPECT_GT(split.tracks.track_id[r], max_id);
    } else {
      EXPECT_EQ(split.tracks.track_id[r], s.tracks.track_id[r]);  // everyone else untouched
    }
  }
  EXPECT_EQ(people_of_piece.size(), 4u);
  for (const auto& [piece, people] : people_of_piece) EXPECT_EQ(people.size(), 1u) << "piece " << piece;
}

// Two whole-match tracks (frames 1-2000) whose most read numbers differ: the first such
// track and the first after it of another number (-1 when there is none).
std::pair<int64_t, int64_t> TwoWholeTracksOfDifferentNumbers(const SyntheticLayers& s,
                                                             const std::map<int64_t, std::vector<int64_t>>& rows) {
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  if (whole.empty()) return {-1, -1};
  const int64_t p = whole[0];
  for (size_t k = 1; k < whole.size(); ++k)
    if (MostReadNumber(s.frames, rows.at(whole[k])) != MostReadNumber(s.frames, rows.at(p))) return {p, whole[k]};
  return {p, -1};
}

// Two people's tracks swapped where they meet (as a tracker swaps people at a crossing):
// both are cut exactly there, every piece is one person's, the new ids are fresh, and the
// people's own tracks are never cut; the same for any block size.
TEST(MatchLevel, TracksAreSplitWhereTheirNumbersChange) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  tracking::NumberChangeOptions on;
  on.min_gain_nats = 10;
  EXPECT_EQ(SplitTracksAtNumberChanges(s.frames, s.tracks, match, on).cuts, 0);

  // Two tracks of people with different numbers, both seen over frames [1, 2000].
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const auto [p, q] = TwoWholeTracksOfDifferentNumbers(s, rows);
  ASSERT_GE(q, 0);
  ASSERT_GE(MostReadNumber(s.frames, rows.at(p)), 0);
  // They meet and swap tracks at the start of a one-second window, then inside one (whose
  // reads are of both people).
  for (const int meet : {1001, 1013}) {
    SCOPED_TRACE(meet);
    std::map<int64_t, int64_t> person_of_row;
    const TrackLayer swapped = SwapFrom(s, rows, p, q, meet, &person_of_row);
    const SplitTrackLayer split = SplitTracksAtNumberChanges(s.frames, swapped, match, on);
    ExpectCutAtTheSwap(s, swapped, split, person_of_row, meet);

    for (int64_t block_rows : {int64_t{1000}, int64_t{7}}) {
      EXPECT_EQ(SplitTracksAtNumberChanges(s.frames, swapped, match, on, block_rows).tracks.track_id,
                split.tracks.track_id);
    }
    tracking::TrackAttributesOptions options;
    options.number_changes = on;
    options.appearance_changes.min_gain_nats = 0;  // which would cut this swap too, with the numbers off
    const MatchLevelOutput out = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(out.number_change_cuts, 2);
    options.number_changes.min_gain_nats = 0;  // off
    const MatchLevelOutput off = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(off.number_change_cuts, 0);
    EXPECT_EQ(out.tracks, off.tracks + 2);
    // No roster numbers: nothing to read against.
    io::MatchInfo unnumbered = match;
    for (io::RosterEntry& e : unnumbered.roster) e.jersey.reset();
    EXPECT_EQ(SplitTracksAtNumberChanges(s.frames, swapped, unnumbered, on).cuts, 0);
  }
  // The default penalty cuts none of the people's own tracks either.
  EXPECT_EQ(SplitTracksAtNumberChanges(s.frames, s.tracks, match, tracking::NumberChangeOptions{}).cuts, 0);
}

// Two people's tracks swapped where they meet, and swapped back at a later meeting: each
// exchange is undone exactly (every row back on its person's track, no new id), the people's
// own tracks are never exchanged, and the same for any block size.
TEST(MatchLevel, TracksThatExchangedPeopleWhereTheyMetAreGivenBack) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  tracking::TrackAttributesOptions options;
  EXPECT_EQ(ExchangeTracksAtMeetings(s.frames, s.tracks, match, options).cuts, 0);

  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const auto [p, q] = TwoWholeTracksOfDifferentNumbers(s, rows);
  ASSERT_GE(q, 0);
  for (const int meet : {1001, 1013}) {
    SCOPED_TRACE(meet);
    std::map<int64_t, int64_t> person_of_row;
    TrackLayer swapped = SwapFrom(s, rows, p, q, meet, &person_of_row);
    const SplitTrackLayer given_back = ExchangeTracksAtMeetings(s.frames, swapped, match, options);
    EXPECT_EQ(given_back.cuts, 1);
    EXPECT_EQ(given_back.tracks.track_id, s.tracks.track_id);
    EXPECT_EQ(ExchangeTracksAtMeetings(s.frames, swapped, match, options, 7).tracks.track_id, s.tracks.track_id);
    // ... and swapped back at frame 1501, where they meet again: the middle is exchanged.
    for (int64_t id : {p, q})
      for (int64_t r : rows.at(id)) {
        if (s.frames.frame[r] >= 1501) swapped.track_id[r] = id;
        if (s.frames.frame[r] == 1501) swapped.position_m[2 * r] = 60, swapped.position_m[2 * r + 1] = 30;
      }
    const SplitTrackLayer middle = ExchangeTracksAtMeetings(s.frames, swapped, match, options);
    EXPECT_EQ(middle.cuts, 1);
    EXPECT_EQ(middle.tracks.track_id, s.tracks.track_id);
    // Through the match level, off and on (the number and appearance cuts off).
    tracking::TrackAttributesOptions alone = options;
    alone.number_changes.min_gain_nats = 0;
    alone.appearance_changes.min_gain_nats = 0;
    EXPECT_EQ(RunMatchLevel(s.frames, swapped, match, alone, nullptr, nullptr, true).exchanges, 1);
    alone.exchanges.min_gain_nats = 0;
    EXPECT_EQ(RunMatchLevel(s.frames, swapped, match, alone, nullptr, nullptr, true).exchanges, 0);
    EXPECT_EQ(ExchangeTracksAtMeetings(s.frames, swapped, match, alone).tracks.track_id, swapped.track_id);
  }
}

// Each track's mean kit (the frame layer's team.kit over its rows).
Eigen::VectorXd MeanKit(const FrameLayer& frames, const std::vector<int64_t>& rows) {
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(crop_encoder::kKitDim);
  for (int64_t r : rows)
    sum += Eigen::Map<const Eigen::VectorXf>(frames.Row(crop_encoder::kKitField, r), crop_encoder::kKitDim).cast<double>();
  return sum / static_cast<double>(rows.size());
}

// The whole-match tracks of each team, nearest the team's kit center first (the kit split of
// their mean kits).
std::array<std::vector<int64_t>, 2> WholeTracksByTeam(const SyntheticLayers& s,
                                                      const std::map<int64_t, std::vector<int64_t>>& rows,
                                                      const tracking::TrackAttributesOptions& options) {
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  std::vector<Eigen::VectorXd> kits;
  for (int64_t id : whole) kits.push_back(MeanKit(s.frames, rows.at(id)));
  const tracking::KitSplit split_kits = tracking::SplitKits(
      kits, std::vector<double>(kits.size(), 1.0), std::vector<int64_t>(kits.size(), 100), options);
  std::array<std::vector<std::pair<double, int64_t>>, 2> by_distance;  // (distance to center, track)
  for (size_t k = 0; k < whole.size(); ++k) {
    const int c = split_kits.kit[k];
    by_distance[c].push_back({(kits[k] - *split_kits.centers[c]).norm(), whole[k]});
  }
  std::array<std::vector<int64_t>, 2> by_team;
  for (int c = 0; c < 2; ++c) {
    std::sort(by_distance[c].begin(), by_distance[c].end());
    for (const auto& [distance, id] : by_distance[c]) by_team[c].push_back(id);
  }
  return by_team;
}

// Two players of different teams swapped where they meet, and different numbers read: the
// exchange stage does not give the rows back while exchanges keep to one kit (the kit cuts
// are this swap's), and does with the condition off.
TEST(MatchLevel, TracksOfTwoTeamsAreNotExchanged) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  tracking::TrackAttributesOptions options;
  const std::array<std::vector<int64_t>, 2> by_team = WholeTracksByTeam(s, rows, options);
  ASSERT_FALSE(by_team[0].empty());
  const int64_t p = by_team[0][0];
  int64_t q = -1;
  for (int64_t id : by_team[1])
    if (q < 0 && MostReadNumber(s.frames, rows.at(id)) != MostReadNumber(s.frames, rows.at(p))) q = id;
  ASSERT_GE(q, 0);
  std::map<int64_t, int64_t> person_of_row;
  const TrackLayer swapped = SwapFrom(s, rows, p, q, 1001, &person_of_row);
  ASSERT_TRUE(options.exchanges.same_kit_only);
  const SplitTrackLayer kept = ExchangeTracksAtMeetings(s.frames, swapped, match, options);
  EXPECT_EQ(kept.cuts, 0);
  EXPECT_EQ(kept.tracks.track_id, swapped.track_id);
  options.exchanges.same_kit_only = false;
  const SplitTrackLayer given_back = ExchangeTracksAtMeetings(s.frames, swapped, match, options);
  EXPECT_EQ(given_back.cuts, 1);
  EXPECT_EQ(given_back.tracks.track_id, s.tracks.track_id);
}

// Two players of different teams swapped where they meet: both tracks are cut there (the
// kit, read without numbers), every piece is one person's, nobody else is touched; two
// team-mates swapped are not cut (their kits are one), nor are the people's own tracks.
TEST(MatchLevel, TracksAreSplitWhereTheirKitChanges) {
  io::MatchInfo match = Roster();
  for (io::RosterEntry& e : match.roster) e.jersey.reset();  // no numbers: the kit alone
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  tracking::TrackAttributesOptions options;
  options.number_changes.min_gain_nats = 0;
  EXPECT_EQ(SplitTracksAtKitChanges(s.frames, s.tracks, match, options).cuts, 0);

  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::array<std::vector<int64_t>, 2> by_team = WholeTracksByTeam(s, rows, options);
  for (const auto& team : by_team) ASSERT_GE(team.size(), 2u);
  const int64_t p = by_team[0][0], q = by_team[1][0], mate = by_team[0][1];
  ASSERT_GT((MeanKit(s.frames, rows.at(p)) - MeanKit(s.frames, rows.at(q))).norm(), 1.0);

  for (const int meet : {1001, 1013}) {
    SCOPED_TRACE(meet);
    std::map<int64_t, int64_t> person_of_row;
    const TrackLayer swapped = SwapFrom(s, rows, p, q, meet, &person_of_row);
    const SplitTrackLayer split = SplitTracksAtKitChanges(s.frames, swapped, match, options);
    ExpectCutAtTheSwap(s, swapped, split, person_of_row, meet);
    for (int64_t block_rows : {int64_t{1000}, int64_t{7}})
      EXPECT_EQ(SplitTracksAtKitChanges(s.frames, swapped, match, options, block_rows).tracks.track_id,
                split.tracks.track_id);

    const MatchLevelOutput out = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(out.kit_change_cuts, 2);
    tracking::TrackAttributesOptions off = options;
    off.kit_changes.min_gain_nats = 0;
    const MatchLevelOutput without = RunMatchLevel(s.frames, swapped, match, off, nullptr, nullptr, true);
    EXPECT_EQ(without.kit_change_cuts, 0);
    EXPECT_EQ(without.stage_seconds.count(kKitChangeStage), 0u);
    EXPECT_EQ(out.stage_seconds.count(kKitChangeStage), 1u);

    std::map<int64_t, int64_t> mates;
    EXPECT_EQ(SplitTracksAtKitChanges(s.frames, SwapFrom(s, rows, p, mate, meet, &mates), match, options).cuts, 0);
  }
}

// Two team-mates swapped where they meet, numbers unread: the kit cannot tell them apart,
// their appearance embeddings can. Both tracks are cut there, every piece is one person's,
// nobody else is touched, whatever the block size; the people's own tracks are not cut,
// nor anything with the rule off.
TEST(MatchLevel, TracksAreSplitWhereTheirAppearanceChanges) {
  io::MatchInfo match = Roster();
  for (io::RosterEntry& e : match.roster) e.jersey.reset();  // no numbers
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  tracking::TrackAttributesOptions options;
  tracking::AppearanceChangeOptions on;
  on.min_gain_nats = 40;
  EXPECT_EQ(SplitTracksAtAppearanceChanges(s.frames, s.tracks, match, on).cuts, 0);

  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::array<std::vector<int64_t>, 2> by_team = WholeTracksByTeam(s, rows, options);
  ASSERT_GE(by_team[0].size(), 2u);
  const int64_t p = by_team[0][0], mate = by_team[0][1];
  for (const int meet : {1001, 1013}) {
    SCOPED_TRACE(meet);
    std::map<int64_t, int64_t> person_of_row;
    const TrackLayer swapped = SwapFrom(s, rows, p, mate, meet, &person_of_row);
    EXPECT_EQ(SplitTracksAtKitChanges(s.frames, swapped, match, options).cuts, 0);
    const SplitTrackLayer split = SplitTracksAtAppearanceChanges(s.frames, swapped, match, on);
    ExpectCutAtTheSwap(s, swapped, split, person_of_row, meet);
    for (int64_t block_rows : {int64_t{1000}, int64_t{7}})
      EXPECT_EQ(SplitTracksAtAppearanceChanges(s.frames, swapped, match, on, block_rows).tracks.track_id,
                split.tracks.track_id);

    // Through the match level: with no numbers nobody is named, so with rejoining on both
    // cuts are undone after naming and the tracks are as without cuts; kept when it is off
    // (the default).
    options.appearance_changes = on;
    options.appearance_changes.rejoin_unless_named_apart = true;
    const MatchLevelOutput out = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(out.appearance_change_cuts, 2);
    EXPECT_EQ(out.appearance_cuts_undone, 2);
    EXPECT_EQ(out.stage_seconds.count(kAppearanceChangeStage), 1u);
    options.appearance_changes.rejoin_unless_named_apart = false;
    const MatchLevelOutput kept = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(kept.appearance_cuts_undone, 0);
    options.appearance_changes.min_gain_nats = 0;
    const MatchLevelOutput off = RunMatchLevel(s.frames, swapped, match, options, nullptr, nullptr, true);
    EXPECT_EQ(off.appearance_change_cuts, 0);
    EXPECT_EQ(off.stage_seconds.count(kAppearanceChangeStage), 0u);
    EXPECT_EQ(out.tracks, off.tracks);
    EXPECT_EQ(kept.tracks, off.tracks + 2);
    ASSERT_EQ(out.rows.size(), off.rows.size());
    for (size_t i = 0; i < out.rows.size(); ++i) EXPECT_EQ(out.rows[i].track_id, off.rows[i].track_id) << i;
  }
  // The default cuts none of the people's own tracks either.
  EXPECT_EQ(SplitTracksAtAppearanceChanges(s.frames, s.tracks, match, tracking::AppearanceChangeOptions{}).cuts, 0);
}

// A change all people share at once (the light: every embedding shifted by the same vector
// from minute 1 on) is no swap: with the shared drift removed no track is cut; without, most
// tracks that span the change are cut at it (cuts allowed anywhere, so meetings do not hide it).
TEST(MatchLevel, AnAppearanceChangeSharedByAllIsNoSwap) {
  io::MatchInfo match = Roster();
  for (io::RosterEntry& e : match.roster) e.jersey.reset();
  SyntheticLayers s = TwoMinutesOfLongTracks(match);
  constexpr int kChangeFrame = 1500;
  std::vector<float>& embedding = s.frames.crop_fields.at(crop_encoder::kEmbeddingField);
  const float shift = 1.0f / std::sqrt(static_cast<float>(crop_encoder::kEmbeddingDim));  // |shift vector| = 1
  for (int64_t r = 0; r < s.frames.rows; ++r)
    if (s.frames.frame[r] >= kChangeFrame)
      for (int d = 0; d < crop_encoder::kEmbeddingDim; ++d) embedding[r * crop_encoder::kEmbeddingDim + d] += shift;
  int spanning = 0;  // tracks with 10 s on each side of the change
  for (const auto& [id, rows] : RowsOfTracks(s.tracks))
    if (s.frames.frame[rows.front()] < kChangeFrame - 250 && s.frames.frame[rows.back()] >= kChangeFrame + 250)
      ++spanning;
  ASSERT_GE(spanning, 10);
  tracking::AppearanceChangeOptions options;
  options.meeting_radius_m = 0;
  options.remove_shared_drift = false;
  EXPECT_GE(SplitTracksAtAppearanceChanges(s.frames, s.tracks, match, options).cuts, spanning / 2);
  options.remove_shared_drift = true;
  EXPECT_EQ(SplitTracksAtAppearanceChanges(s.frames, s.tracks, match, options).cuts, 0);
}

// A tracker swaps people only where they meet (another person near, or the track lost for a
// while): the same swap with the two 220 m apart off the pitch, far from everyone all match,
// is not cut; it is when no meeting is needed (somewhere in the two seconds around it, at
// the frame nearest to another person), or when both tracks were lost for 20 frames (0.8 s,
// longer than meeting_gap_seconds) before it: exactly where they resume.
TEST(MatchLevel, AppearanceCutsNeedAMeeting) {
  io::MatchInfo match = Roster();
  for (io::RosterEntry& e : match.roster) e.jersey.reset();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::array<std::vector<int64_t>, 2> by_team = WholeTracksByTeam(s, rows, tracking::TrackAttributesOptions{});
  ASSERT_GE(by_team[0].size(), 2u);
  const int64_t p = by_team[0][0], mate = by_team[0][1];
  const int meet = 1001;
  SyntheticLayers apart = s;
  for (int64_t id : {p, mate}) {
    for (int64_t r : rows.at(id)) {
      apart.tracks.position_m[2 * r] = id == p ? -60.f : 160.f;
      apart.tracks.position_m[2 * r + 1] = -60.f;
    }
  }
  tracking::AppearanceChangeOptions on;
  on.min_gain_nats = 40;
  std::map<int64_t, int64_t> person_of_row;
  TrackLayer swapped = SwapFrom(apart, rows, p, mate, meet, &person_of_row);
  for (int64_t id : {p, mate})  // SwapFrom puts both at one place at `meet`: not here
    for (int64_t r : rows.at(id))
      if (s.frames.frame[r] == meet) {
        swapped.position_m[2 * r] = apart.tracks.position_m[2 * r];
        swapped.position_m[2 * r + 1] = apart.tracks.position_m[2 * r + 1];
      }
  EXPECT_EQ(SplitTracksAtAppearanceChanges(apart.frames, swapped, match, on).cuts, 0);
  tracking::AppearanceChangeOptions anywhere = on;
  anywhere.meeting_radius_m = 0;
  EXPECT_EQ(SplitTracksAtAppearanceChanges(apart.frames, swapped, match, anywhere).cuts, 2);
  // Lost for 20 frames before the swap: cut where the tracks resume.
  for (int64_t id : {p, mate}) {
    for (int64_t r : rows.at(id)) {
      if (s.frames.frame[r] >= meet - 20 && s.frames.frame[r] < meet) {
        apart.tracks.track_id[r] = swapped.track_id[r] = -1;
        person_of_row.erase(r);
      }
    }
  }
  ExpectCutAtTheSwap(apart, swapped, SplitTracksAtAppearanceChanges(apart.frames, swapped, match, on), person_of_row,
                     meet);
}

// A tracker that loses a person for 10 frames and starts a new track when it finds him: the
// match level joins the two pieces after naming (tracking/fragment_links.h), whatever the
// block size; with joining off, or when the second piece starts too far away, they stay two.
TEST(MatchLevel, ATrackLostForAFewFramesIsJoined) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  ASSERT_FALSE(whole.empty());
  const int64_t p = whole[0];
  const int64_t piece = NextTrackId(s.tracks);
  TrackLayer broken = s.tracks;
  for (int64_t r : rows.at(p)) {
    if (s.frames.frame[r] > 1010) broken.track_id[r] = piece;
    else if (s.frames.frame[r] > 1000) broken.track_id[r] = -1;  // lost
  }
  const auto ids = [](const MatchLevelOutput& out) {
    std::set<int64_t> seen;
    for (const eval::PipelineRow& r : out.rows) seen.insert(r.track_id);
    return seen;
  };
  tracking::TrackAttributesOptions options;
  // The people's own tracks: whatever joins them (a person seen again), the broken layer
  // has one link more, and p's id runs on where the piece was.
  const int64_t own_links = RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true).fragment_links;
  const MatchLevelOutput joined = RunMatchLevel(s.frames, broken, match, options, nullptr, nullptr, true);
  EXPECT_EQ(joined.fragment_links, own_links + 1);
  EXPECT_FALSE(ids(joined).count(piece));
  int last_frame_of_p = 0;
  for (const eval::PipelineRow& r : joined.rows)
    if (r.track_id == p) last_frame_of_p = std::max(last_frame_of_p, r.frame);
  EXPECT_GT(last_frame_of_p, 2000);
  for (int64_t block_rows : {int64_t{1000}, int64_t{7}}) {
    testing::ExpectSameRows(RunMatchLevel(s.frames, broken, match, options, nullptr, nullptr, true, block_rows),
                            joined, "block rows " + std::to_string(block_rows));
  }
  // Too far to have walked in 10 frames: the piece after the gap starts 20 m away.
  TrackLayer moved = broken;
  for (int64_t r : rows.at(p))
    if (s.frames.frame[r] > 1010) moved.position_m[2 * r] += 20;
  const MatchLevelOutput far = RunMatchLevel(s.frames, moved, match, options, nullptr, nullptr, true);
  EXPECT_EQ(far.fragment_links, own_links);
  EXPECT_TRUE(ids(far).count(piece));

  options.fragment_links.max_gap_seconds = 0;  // off
  const MatchLevelOutput off = RunMatchLevel(s.frames, broken, match, options, nullptr, nullptr, true);
  EXPECT_EQ(off.fragment_links, 0);
  EXPECT_TRUE(ids(off).count(piece));
  EXPECT_EQ(off.tracks, joined.tracks + own_links + 1);
}

// A hand-over: a second detection of person p starts a track 6 frames before p's track ends
// (the rows of another person q there, moved 1 m beside p), and the person goes on in it.
// The match level drops its 6 rows and joins the two, whatever the block size; with
// hand-overs off they overlap and stay apart. A duplicate: the same over 40 frames (1.6 s)
// at 0.2 m, dropped and joined by the duplicate tier alone, not with it off.
TEST(MatchLevel, AHandOverAndADuplicateAreJoined) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  ASSERT_GE(whole.size(), 2u);
  const int64_t p = whole[0], q = whole[1];
  const int64_t piece = NextTrackId(s.tracks);
  // p's track from frame 1001 becomes `piece`, which starts `overlap` frames earlier on
  // q's rows moved `offset_m` beside p.
  const auto handed_over = [&](int overlap, float offset_m) {
    TrackLayer handed = s.tracks;
    std::map<int, int64_t> p_row_at;
    for (int64_t r : rows.at(p)) {
      p_row_at[s.frames.frame[r]] = r;
      if (s.frames.frame[r] > 1000) handed.track_id[r] = piece;
    }
    int moved = 0;
    for (int64_t r : rows.at(q)) {
      const int f = s.frames.frame[r];
      if (f <= 1000 - overlap || f > 1000 || !p_row_at.count(f)) continue;
      handed.track_id[r] = piece;
      handed.position_m[2 * r] = s.tracks.position_m[2 * p_row_at.at(f)] + offset_m;
      handed.position_m[2 * r + 1] = s.tracks.position_m[2 * p_row_at.at(f) + 1];
      ++moved;
    }
    EXPECT_EQ(moved, overlap);
    return handed;
  };
  const auto expect_joined = [&](const MatchLevelOutput& own, const MatchLevelOutput& joined, int dropped,
                                 const std::string& what) {
    EXPECT_EQ(joined.handover_rows_dropped, own.handover_rows_dropped + dropped) << what;
    EXPECT_EQ(joined.fragment_links, own.fragment_links + 1) << what;
    int last_frame_of_p = 0;
    bool piece_left = false;
    for (const eval::PipelineRow& r : joined.rows) {
      if (r.track_id == p) last_frame_of_p = std::max(last_frame_of_p, r.frame);
      piece_left = piece_left || r.track_id == piece;
    }
    EXPECT_GT(last_frame_of_p, 2000) << what;
    EXPECT_FALSE(piece_left) << what;
  };
  const auto expect_apart = [&](const MatchLevelOutput& own, const MatchLevelOutput& apart, const std::string& what) {
    EXPECT_EQ(apart.handover_rows_dropped, own.handover_rows_dropped) << what;
    EXPECT_EQ(apart.fragment_links, own.fragment_links) << what;
  };
  const tracking::TrackAttributesOptions defaults;
  const MatchLevelOutput own = RunMatchLevel(s.frames, s.tracks, match, defaults, nullptr, nullptr, true);

  const TrackLayer handover = handed_over(6, 1.0f);  // beyond a duplicate's 0.5 m
  const MatchLevelOutput joined = RunMatchLevel(s.frames, handover, match, defaults, nullptr, nullptr, true);
  expect_joined(own, joined, 6, "hand-over");
  for (int64_t block_rows : {int64_t{1000}, int64_t{7}}) {
    testing::ExpectSameRows(RunMatchLevel(s.frames, handover, match, defaults, nullptr, nullptr, true, block_rows),
                            joined, "block rows " + std::to_string(block_rows));
  }
  tracking::TrackAttributesOptions no_handovers = defaults;
  no_handovers.fragment_links.max_handover_seconds = 0;
  expect_apart(own, RunMatchLevel(s.frames, handover, match, no_handovers, nullptr, nullptr, true), "hand-overs off");

  const TrackLayer duplicate = handed_over(40, 0.2f);
  expect_joined(own, RunMatchLevel(s.frames, duplicate, match, no_handovers, nullptr, nullptr, true), 40,
                "duplicate, hand-overs off");
  tracking::TrackAttributesOptions no_duplicates = defaults;
  no_duplicates.fragment_links.max_duplicate_seconds = 0;
  expect_apart(own, RunMatchLevel(s.frames, duplicate, match, no_duplicates, nullptr, nullptr, true),
               "duplicates off");
}

// A stray end: person p's track stops at frame 1000 and p goes on in a new track; p's
// first track takes one more row, at frame 1020, another person's (q's) detection. The
// match level drops that row and joins p's two tracks; with the rule off the two overlap
// in time and stay apart, and q's row stays on p's first track.
TEST(MatchLevel, AStrayEndIsDroppedAndTheTrackJoined) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  ASSERT_GE(whole.size(), 2u);
  const int64_t p = whole[0], q = whole[1];
  const int64_t piece = NextTrackId(s.tracks);
  TrackLayer stray = s.tracks;
  for (int64_t r : rows.at(p))
    if (s.frames.frame[r] > 1000) stray.track_id[r] = piece;
  int64_t q_row = -1;
  for (int64_t r : rows.at(q))
    if (s.frames.frame[r] == 1020) q_row = r;
  ASSERT_GE(q_row, 0);
  stray.track_id[q_row] = p;
  tracking::TrackAttributesOptions options;
  ASSERT_EQ(options.stray_ends.max_rows, 1);
  const MatchLevelOutput own = RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true);
  const MatchLevelOutput dropped = RunMatchLevel(s.frames, stray, match, options, nullptr, nullptr, true);
  EXPECT_EQ(dropped.stray_end_rows_dropped, own.stray_end_rows_dropped + 1);
  EXPECT_EQ(dropped.fragment_links, own.fragment_links + 1);
  auto frames_of = [](const MatchLevelOutput& out, int64_t id) {
    std::set<int> frames;
    for (const eval::PipelineRow& r : out.rows)
      if (r.track_id == id) frames.insert(r.frame);
    return frames;
  };
  ASSERT_FALSE(frames_of(dropped, p).empty());
  EXPECT_GT(*frames_of(dropped, p).rbegin(), 2000);  // p's track goes on past the cut
  EXPECT_TRUE(frames_of(dropped, piece).empty());
  for (int64_t block_rows : {int64_t{1000}, int64_t{7}}) {
    testing::ExpectSameRows(RunMatchLevel(s.frames, stray, match, options, nullptr, nullptr, true, block_rows), dropped,
                            "block rows " + std::to_string(block_rows));
  }
  options.stray_ends.max_rows = 0;  // off
  const MatchLevelOutput off = RunMatchLevel(s.frames, stray, match, options, nullptr, nullptr, true);
  EXPECT_EQ(off.stray_end_rows_dropped, 0);
  EXPECT_EQ(off.fragment_links, own.fragment_links);
  EXPECT_TRUE(frames_of(off, p).count(1020));
  EXPECT_FALSE(frames_of(off, piece).empty());
}

// A whole-match track whose number is never read (its crops made illegible) is named
// after the one player of its team the roster leaves it, every teammate being named on his
// own track; with the stage off it stays unnamed. The roster marks the entries the layers
// leave off the pitch as the bench (else each of them is a candidate too).
TEST(MatchLevel, ATrackNeverReadIsNamedByElimination) {
  io::MatchInfo match = Roster();
  const SyntheticLayersOptions layer_options;
  std::map<io::Category, int> listed;
  for (io::RosterEntry& e : match.roster) {
    const bool team = io::CategoryTeam(e.category) >= 0;
    const bool goalkeeper = e.category == io::Category::kGoalkeeperA || e.category == io::Category::kGoalkeeperB;
    const int on_pitch = goalkeeper ? layer_options.goalkeepers_per_team
                         : team     ? layer_options.outfield_players_per_team
                                    : static_cast<int>(match.roster.size());
    e.starts = listed[e.category]++ < on_pitch;
  }
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  tracking::TrackAttributesOptions options;
  ASSERT_TRUE(options.name_elimination.enabled());
  auto name_of = [](const MatchLevelOutput& out, int64_t id) {
    std::set<std::optional<int>> names;
    for (const eval::PipelineRow& r : out.rows)
      if (r.track_id == id) names.insert(r.player_id);
    return names;
  };
  const MatchLevelOutput read = RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true);
  int64_t p = -1;
  for (int64_t id : TracksOverFrames1To2000(s.frames, rows)) {
    const std::set<std::optional<int>> names = name_of(read, id);
    if (names.size() == 1 && *names.begin() &&
        io::CategoryTeam(match.FindPerson(**names.begin())->category) >= 0) {
      p = id;
      break;
    }
  }
  ASSERT_GE(p, 0);
  const int player = **name_of(read, p).begin();
  FrameLayer unread = s.frames;
  std::vector<float>& presence = unread.crop_fields.at(crop_encoder::kPresenceField);
  for (int64_t r : rows.at(p))
    for (int k = 0; k < crop_encoder::kNumPresence; ++k)
      presence[r * crop_encoder::kNumPresence + k] = k == static_cast<int>(io::Legibility::kNone) ? 10.f : -10.f;
  const MatchLevelOutput on = RunMatchLevel(unread, s.tracks, match, options, nullptr, nullptr, true);
  EXPECT_GE(on.tracks_named_by_elimination, 1);
  EXPECT_EQ(name_of(on, p), std::set<std::optional<int>>{player});
  options.name_elimination.min_seconds = 0;  // off
  const MatchLevelOutput off = RunMatchLevel(unread, s.tracks, match, options, nullptr, nullptr, true);
  EXPECT_EQ(off.tracks_named_by_elimination, 0);
  EXPECT_EQ(name_of(off, p), std::set<std::optional<int>>{std::nullopt});
}

// A track lost on the player going off and found again (on his substitute, for all the
// match level knows): cut at its gap and never joined across it. Without the substitution,
// or with the rule off, it stays one track (the joining closes the gap).
TEST(MatchLevel, ATrackIsCutWhereASubstitutionMayLieInItsGap) {
  const SyntheticLayers s = TwoMinutesOfLongTracks(Roster());
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  ASSERT_FALSE(whole.empty());
  tracking::TrackAttributesOptions options;
  options.substitution_gaps.touchline_distance_m = 40;  // anywhere on the pitch (SubstitutionGaps tests the distance)
  // Track `p` lost over frames 990-1010.
  const auto gap_in = [&](int64_t p) {
    TrackLayer gapped = s.tracks;
    for (int64_t r : rows.at(p))
      if (s.frames.frame[r] >= 990 && s.frames.frame[r] <= 1010) gapped.track_id[r] = -1;
    return gapped;
  };
  // The id most of p's rows carry before the gap, and after it (a row is p's when it lies
  // within 0.5 m of p's layer row of its frame; others pass that close now and then).
  const auto ids_around_gap = [&](const MatchLevelOutput& out, int64_t p) {
    std::map<int, Eigen::Vector2d> p_at;
    for (int64_t k : rows.at(p)) p_at[s.frames.frame[k]] = {s.tracks.position_m[2 * k], s.tracks.position_m[2 * k + 1]};
    std::map<int64_t, int> before, after;
    for (const eval::PipelineRow& r : out.rows) {
      auto it = p_at.find(r.frame);
      if (it != p_at.end() && (it->second - Eigen::Vector2d(r.x_m, r.z_m)).norm() < 0.5)
        ++(r.frame < 990 ? before : after)[r.track_id];
    }
    const auto mode = [](const std::map<int64_t, int>& count) {
      return std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    };
    EXPECT_FALSE(before.empty() || after.empty());
    return before.empty() || after.empty() ? std::make_pair(int64_t{-1}, int64_t{-2})
                                           : std::make_pair(mode(before), mode(after));
  };
  // A substitution at frame 1000 of two roster entries of `category` other than `except`.
  const auto substitution_of = [](io::MatchInfo m, io::Category category, std::optional<int> except) {
    std::vector<io::RosterEntry*> team;
    for (io::RosterEntry& e : m.roster)
      if (e.category == category && e.player_id != except) team.push_back(&e);
    EXPECT_GE(team.size(), 2u);
    team.back()->starts = false;
    m.substitutions = {{1000, team.front()->player_id, team.back()->player_id}};
    return m;
  };

  // Unnamed (no numbers in the roster): the line-up alone decides.
  io::MatchInfo unnumbered = Roster();
  for (io::RosterEntry& e : unnumbered.roster) e.jersey.reset();
  const int64_t p = whole[0];
  const TrackLayer gapped = gap_in(p);
  const MatchLevelOutput unchanged = RunMatchLevel(s.frames, gapped, unnumbered, options, nullptr, nullptr, true);
  EXPECT_EQ(unchanged.substitution_cuts, 0);
  const auto [before, after] = ids_around_gap(unchanged, p);
  EXPECT_EQ(after, before);
  std::optional<io::Category> category;
  for (const eval::PipelineRow& r : unchanged.rows) category = r.track_id == before ? r.category : category;
  ASSERT_TRUE(category.has_value());
  const io::MatchInfo changed = substitution_of(unnumbered, *category, std::nullopt);
  const MatchLevelOutput cut = RunMatchLevel(s.frames, gapped, changed, options, nullptr, nullptr, true);
  EXPECT_EQ(cut.substitution_cuts, 1);
  const auto [cut_before, cut_after] = ids_around_gap(cut, p);
  EXPECT_NE(cut_after, cut_before);
  tracking::TrackAttributesOptions off = options;
  off.substitution_gaps.touchline_distance_m = 0;
  const MatchLevelOutput uncut = RunMatchLevel(s.frames, gapped, changed, off, nullptr, nullptr, true);
  EXPECT_EQ(uncut.substitution_cuts, 0);
  EXPECT_EQ(ids_around_gap(uncut, p).second, ids_around_gap(uncut, p).first);

  // Named: both pieces carry the name of a player who plays throughout (the substitution
  // is two team-mates'), so the joining crosses the gap after the cut.
  const io::MatchInfo numbered = Roster();
  const MatchLevelOutput named = RunMatchLevel(s.frames, s.tracks, numbered, options, nullptr, nullptr, true);
  std::map<int64_t, const eval::PipelineRow*> row_of_track;
  for (const eval::PipelineRow& r : named.rows) row_of_track[r.track_id] = &r;
  int64_t q = -1;
  for (int64_t w : whole)
    if (q < 0 && row_of_track.count(w) && row_of_track.at(w)->player_id) q = w;
  ASSERT_GE(q, 0) << "the synthetic match names none of its whole tracks";
  const eval::PipelineRow& q_row = *row_of_track.at(q);
  const io::MatchInfo team_mates = substitution_of(numbered, *q_row.category, q_row.player_id);
  const MatchLevelOutput joined = RunMatchLevel(s.frames, gap_in(q), team_mates, options, nullptr, nullptr, true);
  EXPECT_EQ(joined.substitution_cuts, 1);
  EXPECT_EQ(ids_around_gap(joined, q).second, ids_around_gap(joined, q).first);
}

// Two people lost where they meet, found again side by side: only their embeddings tell
// who continues whom, read from the frame layer at each row's layer row, whatever the
// block size.
TEST(MatchLevel, JoiningReadsEachRowsOwnEmbedding) {
  io::MatchInfo match = Roster();
  FrameLayer layer;
  std::vector<float>& embedding = layer.crop_fields[crop_encoder::kEmbeddingField];
  std::vector<eval::PipelineRow> rows;
  std::vector<int64_t> layer_rows;
  // Track 1 (red) and 2 (blue) stand 0.4 m apart over frames 1-50; 3 (blue) and 4 (red)
  // stand where both were, over frames 56-90.
  const auto unit = [](int axis) {
    std::vector<float> e(crop_encoder::kEmbeddingDim, 0.f);
    e[axis] = 1.f;
    return e;
  };
  const std::map<int64_t, std::pair<int, int>> frames_of = {{1, {1, 50}}, {2, {1, 50}}, {3, {56, 90}}, {4, {56, 90}}};
  const std::map<int64_t, int> colour_of = {{1, 0}, {2, 1}, {3, 1}, {4, 0}};
  for (int f = 1; f <= 90; ++f) {
    // The layer holds the rows of frames 1-50 in the reverse of the rows' order, the
    // later ones in the same order (a reader that took row i for layer row i would give
    // tracks 1 and 2 each other's embeddings, and 3 and 4 their own).
    std::vector<int64_t> ids;
    for (const auto& [id, span] : frames_of)
      if (f >= span.first && f <= span.second) ids.push_back(id);
    const bool reversed = f <= 50;
    for (size_t k = 0; k < ids.size(); ++k) {
      const int64_t id = reversed ? ids[ids.size() - 1 - k] : ids[k];
      layer.frame.push_back(f);
      const std::vector<float> e = unit(colour_of.at(id));
      embedding.insert(embedding.end(), e.begin(), e.end());
    }
    for (size_t k = 0; k < ids.size(); ++k) {
      eval::PipelineRow r;
      r.frame = f;
      r.track_id = ids[k];
      r.x_m = 20;
      r.z_m = ids[k] == 1 ? 30.0 : ids[k] == 2 ? 30.4 : 30.2;
      r.category = io::Category::kTeamA;
      rows.push_back(r);
      const int64_t first_of_frame = static_cast<int64_t>(layer.frame.size() - ids.size());
      layer_rows.push_back(first_of_frame + static_cast<int64_t>(reversed ? ids.size() - 1 - k : k));
    }
  }
  layer.rows = static_cast<int64_t>(layer.frame.size());
  layer.frames = 90;
  for (const auto& [field, width] : crop_encoder::CropFieldWidths())  // the rest, unread
    if (field != crop_encoder::kEmbeddingField) layer.crop_fields[field].assign(layer.rows * width, 0.f);
  for (const int64_t block_rows : {kRowBlockRows, int64_t{7}}) {
    std::vector<eval::PipelineRow> joined = rows;
    EXPECT_EQ(JoinFragmentRows(layer, joined, layer_rows, match, tracking::FragmentLinkOptions{}, {}, block_rows), 2);
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t expected = rows[i].track_id == 4 ? 1 : rows[i].track_id == 3 ? 2 : rows[i].track_id;
      ASSERT_EQ(joined[i].track_id, expected) << "row " << i << ", block rows " << block_rows;
    }
  }
  std::vector<eval::PipelineRow> bad = rows;
  EXPECT_THROW(JoinFragmentRows(layer, bad, {0}, match, tracking::FragmentLinkOptions{}, {}), Error);
  match.fps = 0;
  EXPECT_THROW(JoinFragmentRows(layer, bad, layer_rows, match, tracking::FragmentLinkOptions{}, {}), Error);
}

// Straight tracks at z = 30 (x fixed per track), one layer row per row in the order written,
// every embedding 0.125 (alike): what JoinFragmentRows reads.
struct StillTrack {
  int64_t id;
  int first, last;
  double x_m;
  std::optional<int> player;
};
struct StillTracks {
  FrameLayer layer;
  std::vector<eval::PipelineRow> rows;
  std::vector<int64_t> layer_rows;
};
StillTracks MakeStillTracks(const std::vector<StillTrack>& tracks, int frames) {
  StillTracks out;
  for (int f = 1; f <= frames; ++f) {
    for (const StillTrack& t : tracks) {
      if (f < t.first || f > t.last) continue;
      eval::PipelineRow r;
      r.frame = f;
      r.track_id = t.id;
      r.x_m = t.x_m;
      r.z_m = 30;
      r.category = io::Category::kTeamA;
      r.player_id = t.player;
      r.jersey = t.player;
      out.rows.push_back(r);
      out.layer_rows.push_back(out.layer.rows++);
      out.layer.frame.push_back(f);
    }
  }
  out.layer.frames = frames;
  for (const auto& [field, width] : crop_encoder::CropFieldWidths())
    out.layer.crop_fields[field].assign(out.layer.rows * width, field == crop_encoder::kEmbeddingField ? 0.125f : 0.f);
  return out;
}

// A link the chain's name refuses is replaced in the next pass: A (player 5) -> B
// (unnamed) -> C (player 6) is the cheapest chain, but B takes 5 from A and then cannot
// continue into C; D, 0.5 m off, ending with B, continues C instead.
TEST(MatchLevel, ARefusedLinkIsReplacedInTheNextPass) {
  const io::MatchInfo match = Roster();
  const auto [layer, rows, layer_rows] = MakeStillTracks(
      {{1, 1, 20, 10, 5}, {2, 22, 40, 10, std::nullopt}, {3, 42, 60, 10, 6}, {4, 1, 40, 10.5, std::nullopt}}, 60);
  std::vector<eval::PipelineRow> joined = rows;
  EXPECT_EQ(JoinFragmentRows(layer, joined, layer_rows, match, tracking::FragmentLinkOptions{}, {}), 2);
  std::map<int64_t, std::set<std::tuple<int64_t, std::optional<int>>>> became;  // track -> (id, name)
  for (size_t i = 0; i < rows.size(); ++i) became[rows[i].track_id].insert({joined[i].track_id, joined[i].player_id});
  EXPECT_EQ(became.at(2), (std::set<std::tuple<int64_t, std::optional<int>>>{{1, 5}}));
  EXPECT_EQ(became.at(3), (std::set<std::tuple<int64_t, std::optional<int>>>{{4, 6}}));
  EXPECT_EQ(became.at(4), (std::set<std::tuple<int64_t, std::optional<int>>>{{4, 6}}));
}

// A link refused once is not proposed again: A (player 5) ends where a short unnamed piece T
// starts, the cheapest successor, but T overlaps B (player 5, 0.8 m off), so carrying 5 over
// to T is refused; in the next pass A's successor is B (seen on validation 5211: a track's
// cut-off tail, refused pass after pass, kept the player's two tracks apart).
TEST(MatchLevel, ALinkRefusedIsNotProposedAgain) {
  const io::MatchInfo match = Roster();
  const auto [layer, rows, layer_rows] =
      MakeStillTracks({{1, 1, 20, 10, 5}, {2, 21, 25, 10, std::nullopt}, {3, 21, 60, 10.8, 5}}, 60);
  std::vector<eval::PipelineRow> joined = rows;
  EXPECT_EQ(JoinFragmentRows(layer, joined, layer_rows, match, tracking::FragmentLinkOptions{}, {}), 1);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t expected = rows[i].track_id == 3 ? 1 : rows[i].track_id;
    EXPECT_EQ(joined[i].track_id, expected) << "row " << i;
    EXPECT_EQ(joined[i].player_id, rows[i].player_id) << "row " << i;  // T stays unnamed
  }
}

// A tracker that drifts from a person onto someone else while a new track picks the person
// up: both tracks read his number, and the roster names both; the match level splices them
// (name_splices.h), so no player is in two places at once.
TEST(MatchLevel, APlayerNamedOnTwoTracksAtOnceIsSpliced) {
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = TwoMinutesOfLongTracks(match);
  const std::map<int64_t, std::vector<int64_t>> rows = RowsOfTracks(s.tracks);
  const std::vector<int64_t> whole = TracksOverFrames1To2000(s.frames, rows);
  // p: a whole track the roster names (by the number it reads); q: another.
  tracking::TrackAttributesOptions options;
  std::set<int64_t> named;
  for (const eval::PipelineRow& r : RunMatchLevel(s.frames, s.tracks, match, options, nullptr, nullptr, true).rows)
    if (r.player_id) named.insert(r.track_id);
  int64_t p = -1, q = -1;
  for (int64_t id : whole) {
    if (p < 0 && named.count(id)) p = id;
    else if (q < 0) q = id;
  }
  ASSERT_GE(p, 0);
  ASSERT_GE(q, 0);
  ASSERT_NE(p, q);
  int64_t next_id = 0;
  for (int64_t id : s.tracks.track_id) next_id = std::max(next_id, id + 1);
  // From frame 1000 p's person is on a new track; p follows q's person until frame 1100.
  TrackLayer drifted = s.tracks;
  for (int64_t r : rows.at(p))
    if (s.frames.frame[r] >= 1000) drifted.track_id[r] = next_id;
  for (int64_t r : rows.at(q))
    if (s.frames.frame[r] >= 1000 && s.frames.frame[r] <= 1100) drifted.track_id[r] = p;

  auto doubled_frames = [](const MatchLevelOutput& out) {
    std::map<std::pair<int, int>, int> count;  // (frame, player) -> rows
    for (const eval::PipelineRow& r : out.rows)
      if (r.player_id) ++count[{r.frame, *r.player_id}];
    int doubled = 0;
    for (const auto& [key, c] : count) doubled += c > 1;
    return doubled;
  };
  options.number_changes.min_gain_nats = 0;  // the drift reads q's number: splices alone here
  options.fragment_links.max_gap_seconds = 0;  // (joining would then continue p with the new track)
  options.name_splices.max_overlap_seconds = 0;  // off
  const MatchLevelOutput off = RunMatchLevel(s.frames, drifted, match, options, nullptr, nullptr, true);
  EXPECT_EQ(off.name_splices, 0);
  EXPECT_GE(doubled_frames(off), 90);  // the roster names both tracks over the drift
  options.name_splices = tracking::NameSpliceOptions{};
  const MatchLevelOutput on = RunMatchLevel(s.frames, drifted, match, options, nullptr, nullptr, true);
  EXPECT_EQ(on.name_splices, 1);
  EXPECT_EQ(doubled_frames(on), 0);
  EXPECT_EQ(on.tracks, off.tracks + 1);
  EXPECT_EQ(on.rows.size(), off.rows.size());
  // The drifted tail (q's person, frames 1000-1100) is the piece cut off: the one new id,
  // unnamed; every other row keeps its track.
  std::set<int64_t> ids_off;
  for (const eval::PipelineRow& r : off.rows) ids_off.insert(r.track_id);
  std::map<int64_t, std::pair<int, int>> new_pieces;  // id -> frames
  for (const eval::PipelineRow& r : on.rows) {
    if (r.track_id == p) {
      EXPECT_LT(r.frame, 1000);
    }
    if (ids_off.count(r.track_id)) continue;
    auto [it, added] = new_pieces.insert({r.track_id, {r.frame, r.frame}});
    it->second.first = std::min(it->second.first, r.frame);
    it->second.second = std::max(it->second.second, r.frame);
    EXPECT_FALSE(r.player_id);
  }
  ASSERT_EQ(new_pieces.size(), 1u);
  EXPECT_EQ(new_pieces.begin()->second.first, 1000);
  EXPECT_EQ(new_pieces.begin()->second.second, 1100);
}

// The track level reads a layer in a file chunk by chunk (SequentialRows, ReadRows): the
// online tracker's layer is the same as from the layer in memory, across block edges.
TEST(FrameLayerFile, SequentialRowsAndTheTrackLevelAgreeWithTheLayerInMemory) {
  SyntheticLayersOptions o;
  o.minutes = 0.8;  // 1,200 frames: ~28,000 rows, more than one block
  const io::MatchInfo match = Roster();
  const SyntheticLayers s = SynthesizeMatchLayers(match, o);
  ASSERT_GT(s.frames.rows, kRowBlockRows);
  const std::filesystem::path dir = testing::FreshTempDir("frame_layer_rows");
  FrameLayer copy = s.frames;
  io::WriteSafetensors(FrameLayerFile(std::move(copy)), dir / "frame.safetensors");
  const FrameLayer opened = OpenFrameLayer(dir / "frame.safetensors", "opened");

  SequentialRows rows(opened, {crop_encoder::kEmbeddingField}, 7);
  for (int64_t r = 0; r < s.frames.rows; r += 3) {
    const float* e = rows.Row(crop_encoder::kEmbeddingField, r);
    ASSERT_TRUE(std::equal(e, e + crop_encoder::kEmbeddingDim, s.frames.Row(crop_encoder::kEmbeddingField, r))) << r;
  }
  EXPECT_THROW(rows.Row(crop_encoder::kEmbeddingField, 0), Error);  // backwards, before the block
  const FrameRowBlock some = ReadRows(opened, {crop_encoder::kRoleField}, 100, 105);
  EXPECT_TRUE(std::equal(some.Row(crop_encoder::kRoleField, 104), some.Row(crop_encoder::kRoleField, 104) + crop_encoder::kNumRoles,
                         s.frames.Row(crop_encoder::kRoleField, 104)));
  EXPECT_THROW(ReadRows(opened, {crop_encoder::kRoleField}, 5, s.frames.rows + 1), Error);

  const tracking::OnlineTrackerOptions tracker;
  EXPECT_EQ(io::SerializeSafetensors(ComputeTrackLayer(opened, match.fps, tracker)),
            io::SerializeSafetensors(ComputeTrackLayer(s.frames, match.fps, tracker)));
  std::filesystem::remove_all(dir);
}

// Metres between two rows' refined foot-points (the positions the track level reads).
double RowDistanceM(const FrameLayer& layer, int64_t a, int64_t b) {
  return std::hypot(layer.refined_foot_points_m[2 * a] - layer.refined_foot_points_m[2 * b],
                    layer.refined_foot_points_m[2 * a + 1] - layer.refined_foot_points_m[2 * b + 1]);
}

// One of the online tracker's appearance terms read from a frame layer: rows r1 and r2 of
// one frame have had that term's evidence swapped, and `heavy` puts both in both tracks'
// gates with a heavy term (`off`: the same with the term off). The tracker is run here on
// detections built from the layer, `dress(row, detection)` adding the term's fields.
// Without the term position decides; with it the two rows take each other's track; and the
// track level, from the layer in memory and from its file (by block), gives those tracks.
void ExpectSwappedRowsTakeEachOthersTrack(FrameLayer layer, double fps, int64_t r1, int64_t r2,
                                          const tracking::OnlineTrackerOptions& heavy,
                                          const tracking::OnlineTrackerOptions& off,
                                          const std::function<void(int64_t, tracking::TrackerDetection&)>& dress,
                                          const std::string& dir_name) {
  std::vector<std::vector<tracking::TrackerDetection>> frames(layer.frames);
  for (int64_t r = 0; r < layer.rows; ++r) {
    tracking::TrackerDetection d;
    d.foot_in_pitch_m = {layer.refined_foot_points_m[2 * r], layer.refined_foot_points_m[2 * r + 1]};
    d.score = layer.score[r];
    const float* e = layer.Row(crop_encoder::kEmbeddingField, r);
    d.embedding.assign(e, e + crop_encoder::kEmbeddingDim);
    dress(r, d);
    d.index = r;
    frames[layer.frame[r] - 1].push_back(std::move(d));
  }
  auto ids_by_row = [&](const tracking::OnlineTrackerOptions& options) {
    std::vector<int64_t> ids(layer.rows, -1);
    for (const tracking::TrackerRow& row : tracking::TrackAll(options, fps, frames)) {
      ids[row.detection_index] = row.track_id;
    }
    return ids;
  };
  const std::vector<int64_t> expected = ids_by_row(heavy);
  const std::vector<int64_t> without = ids_by_row(off);
  // The rows of the frame before nearest to r1 and r2: where their tracks come from.
  auto nearest_before = [&](int64_t r) {
    int64_t best = -1;
    for (int64_t q = 0; q < layer.rows; ++q) {
      if (layer.frame[q] == layer.frame[r] - 1 &&
          (best < 0 || RowDistanceM(layer, q, r) < RowDistanceM(layer, best, r))) {
        best = q;
      }
    }
    return best;
  };
  const int64_t p1 = nearest_before(r1), p2 = nearest_before(r2);
  ASSERT_NE(p1, p2);
  EXPECT_EQ(without[r1], without[p1]);
  EXPECT_EQ(without[r2], without[p2]);
  EXPECT_NE(expected[p1], expected[p2]);
  EXPECT_EQ(expected[r1], expected[p2]);
  EXPECT_EQ(expected[r2], expected[p1]);

  const std::filesystem::path dir = testing::FreshTempDir(dir_name);
  const int64_t rows = layer.rows;
  FrameLayer copy = layer;
  io::WriteSafetensors(FrameLayerFile(std::move(copy)), dir / "frame.safetensors");
  const FrameLayer opened = OpenFrameLayer(dir / "frame.safetensors", "opened");
  for (const FrameLayer* l : {static_cast<const FrameLayer*>(&layer), &opened}) {
    EXPECT_EQ(ReadTrackLayer(ComputeTrackLayer(*l, fps, heavy), rows, "track").track_id, expected);
  }
  std::filesystem::remove_all(dir);
}

// Swaps the `width` values of `field` between rows a and b.
void SwapRows(FrameLayer& layer, const std::string& field, int64_t a, int64_t b) {
  std::vector<float>& v = layer.crop_fields.at(field);
  const int64_t width = static_cast<int64_t>(v.size()) / layer.rows;
  std::swap_ranges(v.begin() + a * width, v.begin() + (a + 1) * width, v.begin() + b * width);
}

// The online tracker's jersey term reads each row's jn outputs as the identity resolver
// does: P(legible) from the presence logits, P(number) from the number and digit logits.
// Two nearby legible players' readings are swapped in one frame
// (ExpectSwappedRowsTakeEachOthersTrack).
TEST(FrameLayerFile, TheJerseyTermReadsTheCropEncodersNumbers) {
  SyntheticLayersOptions o;
  o.minutes = 0.8;  // more than one block
  const io::MatchInfo match = Roster();
  FrameLayer layer = SynthesizeMatchLayers(match, o).frames;
  auto legible_of = [&](int64_t r) {
    std::array<double, crop_encoder::kNumPresence> presence;
    crop_encoder::Softmax(layer.Row(crop_encoder::kPresenceField, r), crop_encoder::kNumPresence, presence.data());
    return presence[static_cast<int>(io::Legibility::kLegible)];
  };
  auto number_of = [&](int64_t r) {
    const auto p = crop_encoder::JerseyNumberProbabilities(layer.Row(crop_encoder::kNumberField, r),
                                                           layer.Row(crop_encoder::kDigitsField, r));
    return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
  };
  auto distance_m = [&](int64_t a, int64_t b) { return RowDistanceM(layer, a, b); };
  // The last frame with two legible rows within kNearM reading different numbers that no
  // other row within 2 kNearM reads (numbers repeat across teams): swap their readings.
  constexpr double kNearM = 8;
  auto alone_with_its_number = [&](int64_t r, int64_t other) {
    for (int64_t q = r; q >= 0 && layer.frame[q] == layer.frame[r]; --q) {
      if (q != r && q != other && distance_m(q, r) < 2 * kNearM && number_of(q) == number_of(r)) return false;
    }
    for (int64_t q = r + 1; q < layer.rows && layer.frame[q] == layer.frame[r]; ++q) {
      if (q != other && distance_m(q, r) < 2 * kNearM && number_of(q) == number_of(r)) return false;
    }
    return true;
  };
  int64_t r1 = -1, r2 = -1;
  for (int64_t r = layer.rows - 1; r >= 0 && r2 < 0; --r) {
    if (legible_of(r) < 0.5) continue;
    for (int64_t q = r - 1; q >= 0 && layer.frame[q] == layer.frame[r]; --q) {
      if (legible_of(q) >= 0.5 && number_of(q) != number_of(r) && distance_m(q, r) < kNearM &&
          alone_with_its_number(q, r) && alone_with_its_number(r, q)) {
        r1 = q, r2 = r;
        break;
      }
    }
  }
  ASSERT_GE(r1, 0);
  ASSERT_GT(layer.frame[r1], layer.frames / 2);  // both tracks have read numbers before
  for (const std::string field : {crop_encoder::kPresenceField, crop_encoder::kNumberField, crop_encoder::kDigitsField}) {
    SwapRows(layer, field, r1, r2);
  }

  tracking::OnlineTrackerOptions tracker;
  tracker.min_gate_m = tracker.max_gate_m = kNearM + 1;  // both rows in both tracks' gates
  tracker.jersey_weight_m = 1000;
  tracker.kit_weight_m = 0;  // the jersey term alone (the kit's reading: the next test)
  tracking::OnlineTrackerOptions off = tracker;
  off.jersey_weight_m = 0;
  ExpectSwappedRowsTakeEachOthersTrack(
      layer, match.fps, r1, r2, tracker, off,
      [&](int64_t r, tracking::TrackerDetection& d) {
        d.legible = legible_of(r);
        const auto p = crop_encoder::JerseyNumberProbabilities(layer.Row(crop_encoder::kNumberField, r),
                                                               layer.Row(crop_encoder::kDigitsField, r));
        d.jersey.assign(p.begin(), p.end());
      },
      "frame_layer_jersey");
}

// The online tracker's kit term (on by default) reads each row's team.kit. Two nearby
// players of different kits have their kits swapped in one frame
// (ExpectSwappedRowsTakeEachOthersTrack).
TEST(FrameLayerFile, TheKitTermReadsTheCropEncodersKits) {
  SyntheticLayersOptions o;
  o.minutes = 0.8;  // more than one block
  const io::MatchInfo match = Roster();
  FrameLayer layer = SynthesizeMatchLayers(match, o).frames;
  auto kit_distance = [&](int64_t a, int64_t b) {
    const float *ka = layer.Row(crop_encoder::kKitField, a), *kb = layer.Row(crop_encoder::kKitField, b);
    double sum = 0;
    for (int k = 0; k < crop_encoder::kKitDim; ++k) sum += (ka[k] - kb[k]) * (ka[k] - kb[k]);
    return std::sqrt(sum);
  };
  auto distance_m = [&](int64_t a, int64_t b) { return RowDistanceM(layer, a, b); };
  // The last frame with two confident rows within kNearM of different kits (distance > 1)
  // that no other row within 2 kNearM wears: swap their kits.
  constexpr double kNearM = 8, kOtherKit = 1.0;
  tracking::OnlineTrackerOptions tracker;
  auto alone_in_its_kit = [&](int64_t r, int64_t other) {
    for (int64_t q = 0; q < layer.rows; ++q) {
      if (layer.frame[q] == layer.frame[r] && q != r && q != other && distance_m(q, r) < 2 * kNearM &&
          kit_distance(q, r) < kOtherKit) {
        return false;
      }
    }
    return true;
  };
  int64_t r1 = -1, r2 = -1;
  for (int64_t r = layer.rows - 1; r >= 0 && r2 < 0; --r) {
    if (layer.score[r] < tracker.high_score) continue;
    for (int64_t q = r - 1; q >= 0 && layer.frame[q] == layer.frame[r]; --q) {
      if (layer.score[q] >= tracker.high_score && kit_distance(q, r) > kOtherKit && distance_m(q, r) < kNearM &&
          alone_in_its_kit(q, r) && alone_in_its_kit(r, q)) {
        r1 = q, r2 = r;
        break;
      }
    }
  }
  ASSERT_GE(r1, 0);
  ASSERT_GT(layer.frame[r1], layer.frames / 2);  // both tracks have kits before
  SwapRows(layer, crop_encoder::kKitField, r1, r2);

  ASSERT_GT(tracker.kit_weight_m, 0);  // on by default
  tracker.min_gate_m = tracker.max_gate_m = kNearM + 1;  // both rows in both tracks' gates
  tracker.kit_weight_m = 1000;
  tracking::OnlineTrackerOptions off = tracker;
  off.kit_weight_m = 0;
  ExpectSwappedRowsTakeEachOthersTrack(
      layer, match.fps, r1, r2, tracker, off,
      [&](int64_t r, tracking::TrackerDetection& d) {
        const float* k = layer.Row(crop_encoder::kKitField, r);
        d.kit.assign(k, k + crop_encoder::kKitDim);
      },
      "frame_layer_kit");
}

}  // namespace
}  // namespace ipt::pipeline
