#include "ipt/pipeline/synthetic_layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/util/check.h"

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
  add(io::Category::kTeamA, 14, true);  // 4 on the bench
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

}  // namespace
}  // namespace ipt::pipeline
