// The people of a synthetic match: two teams with rosters, kits and bodies,
// and the referees.
#pragma once

#include <Eigen/Core>
#include <opencv2/core.hpp>
#include <vector>

#include "ipt/io/match.h"
#include "ipt/sim/config.h"
#include "ipt/util/random.h"

namespace ipt::sim {

enum class Role { kOutfield, kGoalkeeper, kReferee, kAssistantFar, kAssistantNear };

struct Appearance {
  cv::Vec3b shirt, shorts, socks, number, skin, hair;  // BGR
  double height_m = 1.8;
  double build = 1.0;  // shoulder/hip width factor
  bool long_sleeves = false;
};

struct SimPerson {
  io::RosterEntry entry;  // player_id, category, jersey, name
  int team = -1;          // 0 = team A (attacks +x), 1 = team B (attacks -x), -1 referee
  Role role = Role::kOutfield;
  Appearance look;
  // Formation slot in team-relative units: depth 0 = own goal line .. 1 = opponent's,
  // width 0 = z = 0 touchline .. 1 = far touchline.
  Eigen::Vector2d formation_slot{0.5, 0.5};
  double speed_factor = 1.0;  // fraction of MotionOptions::max_speed_mps this person reaches
};

// A bench player who comes on for a starter (motion.h decides when: the starter
// leaves by the nearest touchline, the substitute then enters at the halfway line).
struct PlannedSubstitution {
  int player_out = -1, player_in = -1;  // indices into People::on_pitch
};

struct People {
  // Everyone who may be rendered: the starters in roster order, the referees, then
  // the substitutes (absent until they come on).
  std::vector<SimPerson> on_pitch;
  std::vector<io::RosterEntry> roster;   // starters, bench (substitutes included), referees
  std::vector<PlannedSubstitution> substitutions;
  std::string team_a_name, team_b_name;
};

People MakePeople(const PeopleOptions& options, Rng& rng);

}  // namespace ipt::sim
