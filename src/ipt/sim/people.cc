#include "ipt/sim/people.h"

#include <algorithm>
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

namespace ipt::sim {
namespace {

// Formation 4-4-2 (goalkeeper first): depth (own goal = 0), width (0..1).
constexpr double kFormation442[11][2] = {
    {0.03, 0.50},                                              // goalkeeper
    {0.20, 0.15}, {0.17, 0.38}, {0.17, 0.62}, {0.20, 0.85},    // defenders
    {0.40, 0.12}, {0.37, 0.38}, {0.37, 0.62}, {0.40, 0.88},    // midfielders
    {0.55, 0.40}, {0.55, 0.60}};                               // forwards

// OpenCV hue units (0..180). Grass is around 35..85: kits avoid it.
constexpr double kGrassHueLo = 35, kGrassHueHi = 85;

cv::Vec3b Hsv(double h, double s, double v) {
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(std::fmod(h + 180.0, 180.0), s, v)), bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  return bgr.at<cv::Vec3b>(0, 0);
}

double HueDistance(double a, double b) {
  double d = std::fabs(a - b);
  return std::min(d, 180 - d);
}

double RandomKitHue(Rng& rng) {
  // Uniform over the hue circle minus the grass band.
  double span = 180 - (kGrassHueHi - kGrassHueLo);
  double h = rng.Uniform(0, span);
  return h < kGrassHueLo ? h : h + (kGrassHueHi - kGrassHueLo);
}

bool IsGrassHue(double h) { return h > kGrassHueLo && h < kGrassHueHi; }

// A hue far from all of `taken` (and from grass).
double DistinctHue(const std::vector<double>& taken, Rng& rng) {
  double best = 0, best_score = -1;
  for (int i = 0; i < 24; ++i) {
    double h = RandomKitHue(rng), score = 180;
    for (double t : taken) score = std::min(score, HueDistance(h, t));
    if (score > best_score) best_score = score, best = h;
  }
  return best;
}

cv::Vec3b Darker(cv::Vec3b c, double f) {
  return cv::Vec3b(cv::saturate_cast<uchar>(c[0] * f), cv::saturate_cast<uchar>(c[1] * f),
                   cv::saturate_cast<uchar>(c[2] * f));
}

cv::Vec3b ContrastingNumber(cv::Vec3b shirt) {
  double luma = 0.114 * shirt[0] + 0.587 * shirt[1] + 0.299 * shirt[2];
  return luma > 140 ? cv::Vec3b(25, 25, 25) : cv::Vec3b(245, 245, 245);
}

struct TeamKit {
  double hue;
  cv::Vec3b shirt, shorts, socks;
};

TeamKit MakeTeamKit(double hue, Rng& rng) {
  TeamKit kit;
  kit.hue = hue;
  kit.shirt = Hsv(hue, rng.Uniform(170, 250), rng.Uniform(150, 235));
  int shorts_style = rng.UniformInt(0, 2);
  kit.shorts = shorts_style == 0 ? cv::Vec3b(235, 235, 235)
               : shorts_style == 1 ? cv::Vec3b(30, 30, 30) : Darker(kit.shirt, 0.6);
  kit.socks = rng.Bernoulli(0.5) ? kit.shirt : kit.shorts;
  return kit;
}

cv::Vec3b RandomSkin(Rng& rng) {
  // Interpolate between light and dark skin tones (BGR).
  double t = rng.Uniform();
  cv::Vec3d light(165, 190, 235), dark(45, 70, 110);
  cv::Vec3d c = light * (1 - t) + dark * t;
  return cv::Vec3b(cv::saturate_cast<uchar>(c[0]), cv::saturate_cast<uchar>(c[1]), cv::saturate_cast<uchar>(c[2]));
}

cv::Vec3b RandomHair(Rng& rng) {
  static const cv::Vec3b kHair[] = {{20, 20, 25}, {30, 45, 70}, {60, 110, 170}, {40, 70, 140}, {150, 150, 150}};
  return kHair[rng.UniformInt(0, 4)];
}

void WearKit(const TeamKit& kit, Appearance* look) {
  look->shirt = kit.shirt;
  look->shorts = kit.shorts;
  look->socks = kit.socks;
  look->number = ContrastingNumber(kit.shirt);
}

Appearance MakeBody(const PeopleOptions& o, Rng& rng) {
  Appearance a;
  a.height_m = rng.Uniform(o.min_height_m, o.max_height_m);
  a.build = rng.Uniform(0.9, 1.12);
  a.skin = RandomSkin(rng);
  a.hair = RandomHair(rng);
  a.long_sleeves = rng.Bernoulli(0.2);
  return a;
}

}  // namespace

People MakePeople(const PeopleOptions& o, Rng& rng) {
  o.Check();
  People people;
  const char* kNames[] = {"Red", "Blue", "Orange", "Purple", "Navy", "Claret", "Sky", "Gold"};
  people.team_a_name = kNames[rng.UniformInt(0, 7)];
  do {
    people.team_b_name = kNames[rng.UniformInt(0, 7)];
  } while (people.team_b_name == people.team_a_name);

  double hue_a = RandomKitHue(rng);
  // kit_similarity 0 -> opposite hues; 1 -> the same hue (jittered by a few units).
  double hue_b = hue_a + (1.0 - o.kit_similarity) * 90.0 + rng.Uniform(-4, 4);
  hue_b = std::fmod(hue_b + 180.0, 180.0);
  if (IsGrassHue(hue_b)) hue_b = hue_b < 60 ? kGrassHueLo - 2 : kGrassHueHi + 2;
  TeamKit kits[2] = {MakeTeamKit(hue_a, rng), MakeTeamKit(hue_b, rng)};
  if (o.kit_similarity > 0.5) {  // similar kits also share shorts and socks
    kits[1].shorts = kits[0].shorts;
    kits[1].socks = kits[0].socks;
  }
  double gk_hue[2];
  gk_hue[0] = DistinctHue({hue_a, hue_b}, rng);
  gk_hue[1] = DistinctHue({hue_a, hue_b, gk_hue[0]}, rng);
  double ref_hue = DistinctHue({hue_a, hue_b, gk_hue[0], gk_hue[1]}, rng);
  bool ref_black = rng.Bernoulli(0.5);

  int next_id = 1;
  for (int team = 0; team < 2; ++team) {
    int total = o.players_per_team + o.bench_per_team;
    std::vector<int> numbers;
    // Goalkeeper usually wears 1; the rest are distinct numbers 2..99 (mostly low ones).
    int gk_number = rng.Bernoulli(0.8) ? 1 : rng.UniformInt(12, io::kMaxJersey);
    numbers.push_back(gk_number);
    while (static_cast<int>(numbers.size()) < total) {
      int n = rng.Bernoulli(0.6) ? rng.UniformInt(2, 30) : rng.UniformInt(2, io::kMaxJersey);
      if (std::find(numbers.begin(), numbers.end(), n) == numbers.end()) numbers.push_back(n);
    }
    for (int k = 0; k < total; ++k) {
      bool goalkeeper = k == 0;
      io::RosterEntry entry;
      entry.player_id = next_id++;
      entry.category = goalkeeper ? (team == 0 ? io::Category::kGoalkeeperA : io::Category::kGoalkeeperB)
                                  : (team == 0 ? io::Category::kTeamA : io::Category::kTeamB);
      entry.jersey = numbers[k];
      entry.name = fmt::format("{} #{}", team == 0 ? people.team_a_name : people.team_b_name, numbers[k]);
      entry.starts = k < o.players_per_team;
      people.roster.push_back(entry);
      if (k >= o.players_per_team) continue;  // bench

      SimPerson p;
      p.entry = entry;
      p.team = team;
      p.role = goalkeeper ? Role::kGoalkeeper : Role::kOutfield;
      p.look = MakeBody(o, rng);
      if (goalkeeper) {
        p.look.shirt = Hsv(gk_hue[team], rng.Uniform(180, 250), rng.Uniform(170, 240));
        p.look.shorts = Darker(p.look.shirt, 0.5);
        p.look.socks = p.look.shirt;
        p.look.long_sleeves = true;
        p.look.number = ContrastingNumber(p.look.shirt);
      } else {
        WearKit(kits[team], &p.look);
      }
      // 11-a-side slots; fewer players take the first slots.
      int slot = std::min(k, 10);
      p.formation_slot = Eigen::Vector2d(kFormation442[slot][0] + rng.Uniform(-0.02, 0.02),
                                         kFormation442[slot][1] + rng.Uniform(-0.03, 0.03));
      p.speed_factor = rng.Uniform(0.85, 1.0);
      people.on_pitch.push_back(p);
    }
  }
  const Role ref_roles[3] = {Role::kReferee, Role::kAssistantFar, Role::kAssistantNear};
  for (int r = 0; r < o.referees; ++r) {
    SimPerson p;
    p.entry.player_id = next_id++;
    p.entry.category = io::Category::kReferee;
    p.entry.name = r == 0 ? "Referee" : fmt::format("Assistant referee {}", r);
    // The rig stands beyond the touchline z = width (geometry/rig.cc), the one the near
    // assistant runs (motion.cc).
    p.entry.station = ref_roles[r] == Role::kReferee        ? io::RefereeStation::kPitch
                      : ref_roles[r] == Role::kAssistantNear ? io::RefereeStation::kNearTouchline
                                                             : io::RefereeStation::kFarTouchline;
    p.team = -1;
    p.role = ref_roles[r];
    p.look = MakeBody(o, rng);
    p.look.shirt = ref_black ? cv::Vec3b(25, 25, 25) : Hsv(ref_hue, 230, 235);
    p.look.shorts = cv::Vec3b(20, 20, 20);
    p.look.socks = cv::Vec3b(20, 20, 20);
    p.look.number = p.look.shirt;
    p.speed_factor = rng.Uniform(0.8, 0.9);
    people.roster.push_back(p.entry);
    people.on_pitch.push_back(p);
  }
  // Substitutes last, so that a match without them draws exactly what it drew before
  // they existed: the first bench players come on, each for a different outfield starter.
  for (int team = 0; team < 2 && o.substitutions_per_team > 0; ++team) {
    const int first_starter = team * o.players_per_team;
    std::vector<int> outfield;  // indices into on_pitch
    for (int k = 1; k < o.players_per_team; ++k) outfield.push_back(first_starter + k);
    for (int s = 0; s < o.substitutions_per_team; ++s) {
      const int pick = rng.UniformInt(s, static_cast<int>(outfield.size()) - 1);  // partial shuffle
      std::swap(outfield[s], outfield[pick]);
      const SimPerson& off = people.on_pitch[outfield[s]];
      SimPerson p;
      p.entry = people.roster[team * (o.players_per_team + o.bench_per_team) + o.players_per_team + s];
      p.team = team;
      p.role = Role::kOutfield;
      p.look = MakeBody(o, rng);
      WearKit(kits[team], &p.look);
      p.formation_slot = off.formation_slot;  // he takes the position of the man he replaces
      p.speed_factor = rng.Uniform(0.85, 1.0);
      people.substitutions.push_back({outfield[s], static_cast<int>(people.on_pitch.size())});
      people.on_pitch.push_back(p);
    }
  }
  return people;
}

}  // namespace ipt::sim
