#include "ipt/pipeline/synthetic_layers.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/util/check.h"

namespace ipt::pipeline {

void SyntheticLayersOptions::Check() const {
  IPT_CHECK(minutes > 0 && minutes <= 240, "minutes must be in (0, 240], got {}", minutes);
  IPT_CHECK(mean_track_seconds > 0 && mean_gap_seconds > 0, "mean track and gap seconds must be > 0");
  IPT_CHECK(legible_share >= 0 && legible_share <= 1, "legible_share must be in [0, 1], got {}", legible_share);
  IPT_CHECK(position_noise_m >= 0 && appearance_noise >= 0 && acceleration_sigma_mps2 >= 0 && max_speed_mps > 0,
            "noises >= 0 and a speed > 0");
  IPT_CHECK(outfield_players_per_team >= 0 && goalkeepers_per_team >= 0, "players per team must be >= 0");
  IPT_CHECK(detection_score > 0 && detection_score <= 1, "detection_score must be in (0, 1]");
}

namespace {

namespace ce = crop_encoder;

struct Person {
  io::RosterEntry entry;
  std::array<float, ce::kEmbeddingDim> embedding{};
  ce::Role role = ce::Role::kPlayer;
  double x = 0, z = 0, vx = 0, vz = 0;
  bool visible = true;
  int64_t frames_left = 0;  // of the current track or gap
  int64_t track_id = -1;
};

template <size_t N>
void RandomUnit(std::mt19937_64& rng, std::array<float, N>* v) {
  std::normal_distribution<float> g;
  double norm = 0;
  for (auto& x : *v) {
    x = g(rng);
    norm += x * x;
  }
  for (auto& x : *v) x /= static_cast<float>(std::sqrt(norm));
}

// `base` + noise, L2-normalised, appended to `out`.
template <typename It>
void AppendNoisyUnit(It base_begin, It base_end, float noise, std::mt19937_64& rng, std::vector<float>* out) {
  std::normal_distribution<float> g(0.f, noise);
  const size_t start = out->size();
  double norm = 0;
  for (It it = base_begin; it != base_end; ++it) {
    out->push_back(*it + g(rng));
    norm += out->back() * out->back();
  }
  for (size_t i = start; i < out->size(); ++i) (*out)[i] /= static_cast<float>(std::sqrt(norm));
}

}  // namespace

SyntheticLayers SynthesizeMatchLayers(const io::MatchInfo& match, const SyntheticLayersOptions& o) {
  o.Check();
  IPT_CHECK(match.fps > 0, "{}: fps must be > 0", match.name);
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> gauss;
  // Who is on the pitch.
  std::vector<Person> people;
  std::array<int, io::kNumCategories> taken{};
  const int everyone = static_cast<int>(match.roster.size());
  const std::array<int, io::kNumCategories> wanted = {o.outfield_players_per_team, o.outfield_players_per_team,
                                                      o.goalkeepers_per_team, o.goalkeepers_per_team, everyone};
  for (const auto& e : match.roster) {
    const int c = static_cast<int>(e.category);
    if (!e.starts || taken[c]++ >= wanted[c]) continue;  // the starters play throughout
    Person p;
    p.entry = e;
    RandomUnit(rng, &p.embedding);
    p.role = e.category == io::Category::kReferee                                         ? ce::Role::kReferee
             : (e.category == io::Category::kGoalkeeperA || e.category == io::Category::kGoalkeeperB) ? ce::Role::kGoalkeeper
                                                                                             : ce::Role::kPlayer;
    p.x = unit(rng) * match.pitch.length_m;  // pitch frame: origin at a corner
    p.z = unit(rng) * match.pitch.width_m;
    people.push_back(p);
  }
  IPT_CHECK(!people.empty(), "{}: the roster names no one", match.name);
  std::array<std::array<float, ce::kKitDim>, io::kNumCategories> kits;
  for (auto& k : kits) RandomUnit(rng, &k);

  const int64_t frames = std::llround(o.minutes * 60 * match.fps);
  const double dt = 1.0 / match.fps;
  auto exponential_frames = [&](double mean_s) {
    return std::max<int64_t>(1, std::llround(-std::log(1 - unit(rng)) * mean_s * match.fps));
  };
  int64_t next_track = 0;
  for (auto& p : people) {
    p.visible = true;
    p.track_id = next_track++;
    p.frames_left = exponential_frames(o.mean_track_seconds);
  }
  SyntheticLayers out;
  out.people = static_cast<int>(people.size());
  FrameLayer& f = out.frames;
  f.frames = static_cast<int>(frames);
  const auto& widths = ce::CropFieldWidths();
  const int64_t expected_rows = frames * static_cast<int64_t>(people.size());
  for (const auto& [field, width] : widths) f.crop_fields[field].reserve(expected_rows * width);
  f.frame.reserve(expected_rows);
  f.foot_points_m.reserve(2 * expected_rows);
  f.refined_foot_points_m.reserve(2 * expected_rows);
  f.score.reserve(expected_rows);
  out.tracks.track_id.reserve(expected_rows);
  out.tracks.position_m.reserve(2 * expected_rows);
  std::normal_distribution<float> logit_noise(0.f, 1.f);
  for (int64_t frame = 1; frame <= frames; ++frame) {
    for (auto& p : people) {
      // Motion: a velocity that wanders, bounded, reflected at the touchlines.
      p.vx += gauss(rng) * o.acceleration_sigma_mps2 * dt;
      p.vz += gauss(rng) * o.acceleration_sigma_mps2 * dt;
      const double speed = std::hypot(p.vx, p.vz);
      if (speed > o.max_speed_mps) p.vx *= o.max_speed_mps / speed, p.vz *= o.max_speed_mps / speed;
      p.x += p.vx * dt;
      p.z += p.vz * dt;
      if (p.x < 0 || p.x > match.pitch.length_m) p.vx = -p.vx, p.x = std::clamp(p.x, 0.0, match.pitch.length_m);
      if (p.z < 0 || p.z > match.pitch.width_m) p.vz = -p.vz, p.z = std::clamp(p.z, 0.0, match.pitch.width_m);
      if (p.frames_left <= 0) {  // a track or gap ends: the other begins
        p.visible = !p.visible;
        if (p.visible) p.track_id = next_track++;
        p.frames_left = exponential_frames(p.visible ? o.mean_track_seconds : o.mean_gap_seconds);
      }
      --p.frames_left;
      if (!p.visible) continue;
      ++f.rows;
      f.frame.push_back(frame);
      const float x = static_cast<float>(p.x + gauss(rng) * o.position_noise_m);
      const float z = static_cast<float>(p.z + gauss(rng) * o.position_noise_m);
      for (auto* v : {&f.foot_points_m, &f.refined_foot_points_m, &out.tracks.position_m}) {
        v->push_back(x);
        v->push_back(z);
      }
      f.score.push_back(o.detection_score);
      out.tracks.track_id.push_back(p.track_id);
      const auto& kit = kits[static_cast<int>(p.entry.category)];
      AppendNoisyUnit(p.embedding.begin(), p.embedding.end(), static_cast<float>(o.appearance_noise), rng,
                      &f.crop_fields[ce::kEmbeddingField]);
      AppendNoisyUnit(kit.begin(), kit.end(), static_cast<float>(o.appearance_noise), rng, &f.crop_fields[ce::kKitField]);
      auto& role = f.crop_fields[ce::kRoleField];
      for (int r = 0; r < ce::kNumRoles; ++r) role.push_back((r == static_cast<int>(p.role) ? o.logit_margin : 0.f) + logit_noise(rng));
      const bool legible = p.entry.jersey && unit(rng) < o.legible_share;
      auto& presence = f.crop_fields[ce::kPresenceField];
      for (int k = 0; k < ce::kNumPresence; ++k) {
        presence.push_back((k == (legible ? ce::kNumPresence - 1 : 0) ? o.logit_margin : 0.f) + logit_noise(rng));
      }
      // The digits read the number too (crop_encoder.h's layout: [0, 10) a one-digit
      // number, [10, 20) tens, [20, 30) units), as JerseyNumberProbabilities reads them.
      std::array<int, 2> true_digits = {-1, -1};
      if (legible) {
        const int n = *p.entry.jersey;
        true_digits = n < 10 ? std::array<int, 2>{n, -1} : std::array<int, 2>{10 + n / 10, 20 + n % 10};
      }
      auto& digits = f.crop_fields[ce::kDigitsField];
      for (int k = 0; k < ce::kNumDigitLogits; ++k) {
        const bool read = k == true_digits[0] || k == true_digits[1];
        digits.push_back((read ? o.number_logit_margin : 0.f) + logit_noise(rng));
      }
      auto& number = f.crop_fields[ce::kNumberField];
      for (int k = 0; k < ce::kNumNumbers; ++k) {
        number.push_back((legible && k == *p.entry.jersey ? o.number_logit_margin : 0.f) + logit_noise(rng));
      }
      auto& offset = f.crop_fields[ce::kFootOffsetField];
      offset.push_back(0.f);
      offset.push_back(0.f);
    }
  }
  out.tracks_count = next_track;
  return out;
}

}  // namespace ipt::pipeline
