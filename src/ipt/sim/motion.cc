#include "ipt/sim/motion.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ipt/geometry/pitch_layout.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/units.h"

namespace ipt::sim {
namespace {
namespace pitch = geometry::pitch;

constexpr double kGravity = 9.81;
constexpr double kControlRadiusM = 1.0;        // a player this close to a low ball takes it
constexpr double kControlMaxHeightM = 1.6;
constexpr double kBallRollingDecayPerS = 0.35; // exponential speed decay of a rolling ball
constexpr double kBounceRestitution = 0.45;
constexpr double kKickCooldownS = 0.6;         // the kicker cannot touch the ball right after
constexpr double kPersonalSpaceM = 0.7;        // people push apart below this distance
constexpr double kWanderSigmaM = 3.0;          // slow random offset from formation slots
constexpr double kWanderTimeS = 6.0;
constexpr double kArriveRadiusM = 4.0;         // decelerate within this distance of a target
constexpr double kCornerSpotOffsetM = 0.5;     // the ball is placed this far inside both lines
constexpr double kThrowInMinOffM = 0.3, kThrowInMaxOffM = 2.5;  // thrower's distance off the line
constexpr double kOffTheLineM = 1.0;           // where a substituted player leaves / his substitute enters
constexpr double kLeftPitchRadiusM = 0.5;      // this close to that point he has left
// Substitutions are called uniformly in this part of the match (after the warm-up).
constexpr double kFirstCallFraction = 0.1, kLastCallFraction = 0.5;

double Wrap(double a) {
  while (a > kPi) a -= 2 * kPi;
  while (a < -kPi) a += 2 * kPi;
  return a;
}

enum class Phase { kOpenPlay, kSetPiece };
// kLeaving: called off, walking off the pitch (rendered, out of play).
enum class Presence { kPlaying, kLeaving, kWaiting, kGone };

struct ScheduledSubstitution {
  PlannedSubstitution who;
  double call_time_s = 0;          // simulation time, warm-up included
  bool called = false, done = false;
  Eigen::Vector2d exit_m{0, 0};    // set when called
};
enum class SetPiece { kKickoff, kThrowIn, kGoalKick, kCorner };

class Simulator {
 public:
  Simulator(const std::vector<SimPerson>& people, const MotionOptions& o,
            const geometry::PitchDims& pitch, double fps, uint64_t seed,
            std::vector<ScheduledSubstitution> schedule)
      : people_(people), o_(o), pitch_(pitch), dt_(1.0 / fps), rng_(seed), schedule_(std::move(schedule)) {
    const size_t n = people.size();
    state_.resize(n);
    presence_.assign(n, Presence::kPlaying);
    wander_.assign(n, Eigen::Vector2d::Zero());
    cooldown_.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
      state_[i].pos_m = HomePosition(i, Center()) + Eigen::Vector2d(rng_.Normal(0, 2), rng_.Normal(0, 2));
      if (people_[i].team < 0) state_[i].pos_m = RefereeTarget(i);
      state_[i].facing_rad = people_[i].team == 1 ? kPi : 0.0;
      state_[i].gait_phase_rad = rng_.Uniform(0, 2 * kPi);
    }
    for (const ScheduledSubstitution& s : schedule_) {
      IPT_ASSERT(s.who.player_out >= 0 && s.who.player_in >= 0 && static_cast<size_t>(std::max(s.who.player_out, s.who.player_in)) < n);
      presence_[s.who.player_in] = Presence::kWaiting;
      state_[s.who.player_in].pos_m = EntrySpot();
    }
    ball_pos_ = Center();
    StartSetPiece(SetPiece::kKickoff, Center(), rng_.UniformInt(0, 1));
  }

  FrameState Snapshot() const {
    FrameState f;
    f.people = state_;
    for (size_t i = 0; i < state_.size(); ++i) {
      f.people[i].present = presence_[i] == Presence::kPlaying || presence_[i] == Presence::kLeaving;
    }
    f.ball.pos_m = ball_pos_;
    f.ball.height_m = ball_height_;
    return f;
  }

  void Step() {
    time_ += dt_;
    Substitute();
    for (double& c : cooldown_) c = std::max(0.0, c - dt_);
    UpdateWander();
    std::vector<Eigen::Vector2d> target(people_.size());
    std::vector<double> speed(people_.size());
    ChooseTargets(&target, &speed);
    MovePeople(target, speed);
    UpdateBall();
  }

 private:
  Eigen::Vector2d Center() const { return {pitch_.length_m / 2, pitch_.width_m / 2}; }
  double L() const { return pitch_.length_m; }
  double W() const { return pitch_.width_m; }
  // +1 for team A (attacks +x), -1 for team B.
  static double AttackSign(int team) { return team == 0 ? 1.0 : -1.0; }
  double OwnGoalX(int team) const { return team == 0 ? 0.0 : L(); }
  double MaxSpeed(size_t i) const { return o_.max_speed_mps * people_[i].speed_factor; }
  bool InPlay(size_t i) const { return presence_[i] == Presence::kPlaying; }
  bool Present(size_t i) const { return presence_[i] == Presence::kPlaying || presence_[i] == Presence::kLeaving; }
  // The halfway line just off the near touchline, where the benches are.
  Eigen::Vector2d EntrySpot() const { return {L() / 2, W() + kOffTheLineM}; }
  // Just off the touchline nearest to `from`, level with it.
  Eigen::Vector2d ExitSpot(const Eigen::Vector2d& from) const {
    return {std::clamp(from.x(), 0.0, L()), from.y() < W() / 2 ? -kOffTheLineM : W() + kOffTheLineM};
  }

  void Substitute() {
    for (ScheduledSubstitution& s : schedule_) {
      const int off = s.who.player_out, on = s.who.player_in;
      if (!s.called && time_ >= s.call_time_s && InPlay(off)) {
        s.called = true;
        s.exit_m = ExitSpot(state_[off].pos_m);
        presence_[off] = Presence::kLeaving;
        if (owner_ == off) owner_ = -1;  // the ball runs on, loose
        if (receiver_ == off) receiver_ = -1;
        if (taker_ == off) {
          auto near = Nearest(set_piece_team_, set_piece_spot_, 1);
          taker_ = near.empty() ? -1 : static_cast<int>(near[0]);
        }
      }
      if (s.called && !s.done && (state_[off].pos_m - s.exit_m).norm() < kLeftPitchRadiusM) {
        s.done = true;
        presence_[off] = Presence::kGone;
        presence_[on] = Presence::kPlaying;
        state_[on].pos_m = EntrySpot();
        state_[on].vel_mps.setZero();
        state_[on].facing_rad = -kPi / 2;  // towards the pitch (-z)
      }
    }
  }

  Eigen::Vector2d HomePosition(size_t i, const Eigen::Vector2d& ball) const {
    const SimPerson& p = people_[i];
    if (p.team < 0) return Center();
    double s = AttackSign(p.team);
    double depth = p.formation_slot.x(), width = p.formation_slot.y();
    if (p.role == Role::kGoalkeeper) {
      double from_goal = std::clamp(2.0 + 0.1 * std::abs(ball.x() - OwnGoalX(p.team)), 1.0, 14.0);
      double z = std::clamp(W() / 2 + 0.3 * (ball.y() - W() / 2), W() / 2 - 8, W() / 2 + 8);
      return {OwnGoalX(p.team) + s * from_goal, z};
    }
    double x = L() / 2 + s * (depth - 0.5) * L() * 0.75;
    double z = width * W();
    x += o_.formation_follow * (ball.x() - L() / 2) * 0.9;
    z += o_.formation_follow * 0.6 * (ball.y() - W() / 2);
    if (possession_team_ == p.team) x += s * 6.0; else x -= s * 4.0;
    return {std::clamp(x, 2.0, L() - 2.0), std::clamp(z, 1.0, W() - 1.0)};
  }

  Eigen::Vector2d RefereeTarget(size_t i) const {
    const SimPerson& p = people_[i];
    if (p.role == Role::kAssistantFar || p.role == Role::kAssistantNear) {
      // Assistants run the touchline (just off the pitch) level with the second-last
      // defender of their half: the far one covers x < L/2, the near one x > L/2.
      bool far = p.role == Role::kAssistantFar;
      int defending = far ? 0 : 1;
      std::vector<double> xs;
      for (size_t k = 0; k < people_.size(); ++k) {
        if (people_[k].team == defending && InPlay(k)) xs.push_back(state_[k].pos_m.x());
      }
      std::sort(xs.begin(), xs.end());
      double line = xs.empty() ? L() / 4 : (far ? xs[std::min<size_t>(1, xs.size() - 1)]
                                                 : xs[xs.size() - std::min<size_t>(2, xs.size())]);
      line = far ? std::clamp(std::min(line, ball_pos_.x()), 0.0, L() / 2)
                 : std::clamp(std::max(line, ball_pos_.x()), L() / 2, L());
      return {line, far ? -1.2 : W() + 1.2};
    }
    // Referee: a diagonal offset from the ball towards the middle of the pitch.
    double sx = ball_pos_.x() > L() / 2 ? -1 : 1, sz = ball_pos_.y() > W() / 2 ? -1 : 1;
    Eigen::Vector2d t = ball_pos_ + Eigen::Vector2d(7.0 * sx, 10.0 * sz);
    return {std::clamp(t.x(), 3.0, L() - 3.0), std::clamp(t.y(), 3.0, W() - 3.0)};
  }

  void UpdateWander() {
    // Ornstein-Uhlenbeck offsets so that players do not move like robots.
    double a = dt_ / kWanderTimeS, noise = kWanderSigmaM * std::sqrt(2 * a);
    for (auto& w : wander_) w += -a * w + Eigen::Vector2d(rng_.Normal(0, noise), rng_.Normal(0, noise));
  }

  // Indices of the `k` players of `team` nearest to `point` (goalkeepers excluded).
  std::vector<size_t> Nearest(int team, const Eigen::Vector2d& point, int k) const {
    std::vector<size_t> idx;
    for (size_t i = 0; i < people_.size(); ++i) {
      if (people_[i].team == team && people_[i].role == Role::kOutfield && InPlay(i)) idx.push_back(i);
    }
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return (state_[a].pos_m - point).squaredNorm() < (state_[b].pos_m - point).squaredNorm();
    });
    if (static_cast<int>(idx.size()) > k) idx.resize(k);
    return idx;
  }

  // Play decides where everyone goes; who is not in play is then sent off or kept still.
  void ChooseTargets(std::vector<Eigen::Vector2d>* target, std::vector<double>* speed) {
    ChoosePlayTargets(target, speed);
    for (const ScheduledSubstitution& s : schedule_) {
      if (presence_[s.who.player_out] == Presence::kLeaving) {
        (*target)[s.who.player_out] = s.exit_m;
        (*speed)[s.who.player_out] = o_.jog_speed_mps;
      }
    }
    for (size_t i = 0; i < people_.size(); ++i) {
      if (!Present(i)) (*target)[i] = state_[i].pos_m, (*speed)[i] = 0;
    }
  }

  void ChoosePlayTargets(std::vector<Eigen::Vector2d>* target, std::vector<double>* speed) {
    const size_t n = people_.size();
    for (size_t i = 0; i < n; ++i) {
      if (people_[i].team < 0) {
        (*target)[i] = RefereeTarget(i);
        (*speed)[i] = MaxSpeed(i) * 0.8;
        continue;
      }
      (*target)[i] = HomePosition(i, ball_pos_) + (people_[i].role == Role::kOutfield ? wander_[i] : Eigen::Vector2d::Zero());
      double d = ((*target)[i] - state_[i].pos_m).norm();
      (*speed)[i] = d > 15 ? 0.75 * MaxSpeed(i) : o_.jog_speed_mps;
    }
    if (phase_ == Phase::kSetPiece) {
      SetPieceTargets(target, speed);
      return;
    }
    if (owner_ >= 0) {
      // The owner dribbles towards the opponent goal; opponents press (duels).
      int team = people_[owner_].team;
      double s = AttackSign(team);
      Eigen::Vector2d goal(team == 0 ? L() : 0.0, W() / 2);
      Eigen::Vector2d dir = (goal - state_[owner_].pos_m).normalized() + Eigen::Vector2d(0, dribble_bias_);
      (*target)[owner_] = state_[owner_].pos_m + 8.0 * dir.normalized();
      (*speed)[owner_] = 0.65 * MaxSpeed(owner_);
      (void)s;
      for (size_t i : Nearest(1 - team, state_[owner_].pos_m, o_.pressing_players)) {
        (*target)[i] = state_[owner_].pos_m + 0.6 * Eigen::Vector2d(-AttackSign(1 - team), 0);
        (*speed)[i] = 0.95 * MaxSpeed(i);
      }
    } else {
      // Loose ball or pass in flight: the receiver and the nearest players chase it.
      Eigen::Vector2d predicted = ball_pos_ + 0.5 * ball_vel_;
      for (int team = 0; team < 2; ++team) {
        for (size_t i : Nearest(team, predicted, o_.pressing_players)) {
          (*target)[i] = predicted;
          (*speed)[i] = MaxSpeed(i);
        }
        // A goalkeeper claims loose balls in his own box.
        for (size_t i = 0; i < n; ++i) {
          if (people_[i].team == team && people_[i].role == Role::kGoalkeeper && InPlay(i) &&
              std::abs(ball_pos_.x() - OwnGoalX(team)) < pitch::kPenaltyAreaDepthM &&
              std::abs(ball_pos_.y() - W() / 2) < pitch::kPenaltyAreaHalfWidthM) {
            (*target)[i] = predicted;
            (*speed)[i] = MaxSpeed(i);
          }
        }
      }
      if (receiver_ >= 0) {
        (*target)[receiver_] = pass_target_;
        (*speed)[receiver_] = MaxSpeed(receiver_);
      }
    }
  }

  void SetPieceTargets(std::vector<Eigen::Vector2d>* target, std::vector<double>* speed) {
    const size_t n = people_.size();
    if (set_piece_ == SetPiece::kCorner) {
      // Everybody but the taker, the goalkeepers and two defenders of the attacking
      // team gathers in the box: attackers pick spots, defenders mark them goal-side.
      double goal_x = set_piece_team_ == 0 ? L() : 0.0, s = AttackSign(set_piece_team_);
      size_t k = 0;
      std::vector<size_t> attackers;
      for (size_t i = 0; i < n; ++i) {
        if (people_[i].team != set_piece_team_ || people_[i].role != Role::kOutfield || !InPlay(i) ||
            static_cast<int>(i) == taker_) continue;
        if (people_[i].formation_slot.x() < 0.21 && k++ < 2) continue;  // stay back
        (*target)[i] = corner_spots_[i];
        (*speed)[i] = 0.6 * MaxSpeed(i);
        attackers.push_back(i);
      }
      size_t a = 0;
      for (size_t i = 0; i < n; ++i) {
        if (people_[i].team != 1 - set_piece_team_ || people_[i].role != Role::kOutfield || !InPlay(i)) continue;
        if (attackers.empty()) break;
        size_t marked = attackers[a++ % attackers.size()];
        (*target)[i] = corner_spots_[marked] + Eigen::Vector2d(s * 0.8, rng_.Uniform(-0.3, 0.3));
        (*speed)[i] = 0.7 * MaxSpeed(i);
      }
      (void)goal_x;
    } else if (set_piece_ == SetPiece::kKickoff) {
      for (size_t i = 0; i < n; ++i) {
        if (people_[i].team < 0) continue;
        double s = AttackSign(people_[i].team);
        Eigen::Vector2d home = HomePosition(i, Center());
        // Stay in the own half before the kick-off.
        home.x() = s > 0 ? std::min(home.x(), L() / 2 - 1.0) : std::max(home.x(), L() / 2 + 1.0);
        (*target)[i] = home;
      }
    }
    if (taker_ >= 0) {
      (*target)[taker_] = set_piece_spot_;
      (*speed)[taker_] = 0.8 * MaxSpeed(taker_);
    }
  }

  void MovePeople(const std::vector<Eigen::Vector2d>& target, const std::vector<double>& speed) {
    const size_t n = people_.size();
    std::vector<Eigen::Vector2d> desired(n);
    for (size_t i = 0; i < n; ++i) {
      Eigen::Vector2d to = target[i] - state_[i].pos_m;
      double d = to.norm();
      // Arrive: slow down near the target so people stop without oscillating.
      double v = std::min(speed[i], speed[i] * d / kArriveRadiusM);
      desired[i] = d > 1e-9 ? Eigen::Vector2d(to / d * v) : Eigen::Vector2d::Zero();
    }
    for (size_t i = 0; i < n; ++i) {  // personal space
      if (!Present(i)) continue;
      for (size_t j = i + 1; j < n; ++j) {
        if (!Present(j)) continue;
        Eigen::Vector2d d = state_[i].pos_m - state_[j].pos_m;
        double dist = d.norm();
        if (dist < kPersonalSpaceM && dist > 1e-6) {
          Eigen::Vector2d push = d / dist * (kPersonalSpaceM - dist) * 2.0;
          desired[i] += push;
          desired[j] -= push;
        }
      }
    }
    const double max_dv = o_.max_accel_mps2 * dt_;
    const double max_turn = DegToRad(o_.max_turn_rate_deg_s) * dt_;
    for (size_t i = 0; i < n; ++i) {
      if (!Present(i)) continue;
      PersonState& s = state_[i];
      Eigen::Vector2d dv = desired[i] - s.vel_mps;
      if (dv.norm() > max_dv) dv *= max_dv / dv.norm();
      s.vel_mps += dv;
      double v = s.vel_mps.norm();
      if (v > MaxSpeed(i)) s.vel_mps *= MaxSpeed(i) / v;
      s.pos_m += s.vel_mps * dt_;
      v = s.vel_mps.norm();
      // Face where you run; when nearly still, face the ball.
      Eigen::Vector2d look = v > 1.2 ? s.vel_mps : Eigen::Vector2d(ball_pos_ - s.pos_m);
      if (look.norm() > 1e-6) {
        double turn = Wrap(std::atan2(look.y(), look.x()) - s.facing_rad);
        s.facing_rad = Wrap(s.facing_rad + std::clamp(turn, -max_turn, max_turn));
      }
      // Cadence (strides per second) grows with speed; standing still keeps the pose.
      double cadence = v > 0.2 ? 0.8 + 0.17 * v : 0.0;
      s.gait_phase_rad = std::fmod(s.gait_phase_rad + 2 * kPi * cadence * dt_, 2 * kPi);
    }
  }

  void Kick(int kicker, const Eigen::Vector2d& target, double ball_speed, double loft) {
    Eigen::Vector2d d = target - ball_pos_;
    double dist = std::max(0.5, d.norm());
    ball_vel_ = d / dist * ball_speed;
    // Lofted balls fly a parabola that lands near the target.
    double flight_s = dist / ball_speed;
    ball_vz_ = loft > 0 ? 0.5 * kGravity * flight_s * loft : 0.0;
    last_touch_team_ = people_[kicker].team;
    cooldown_[kicker] = kKickCooldownS;
    owner_ = -1;
  }

  void PassFrom(int passer) {
    int team = people_[passer].team;
    double s = AttackSign(team);
    // Weigh teammates by progress towards goal, a comfortable distance, and space.
    double best = -1e9;
    int receiver = -1;
    for (size_t i = 0; i < people_.size(); ++i) {
      if (static_cast<int>(i) == passer || people_[i].team != team || !InPlay(i)) continue;
      Eigen::Vector2d d = state_[i].pos_m - state_[passer].pos_m;
      double dist = d.norm();
      if (dist < 6 || dist > 45) continue;
      double space = 1e9;
      for (size_t k = 0; k < people_.size(); ++k) {
        if (people_[k].team == 1 - team && InPlay(k)) space = std::min(space, (state_[k].pos_m - state_[i].pos_m).norm());
      }
      double score = 0.08 * s * d.x() - 0.03 * std::abs(dist - 18) + 0.15 * std::min(space, 8.0) +
                     rng_.Normal(0, 0.6) - (people_[i].role == Role::kGoalkeeper ? 1.5 : 0.0);
      if (score > best) best = score, receiver = static_cast<int>(i);
    }
    if (receiver < 0) {  // nobody in range: clear it forward
      Eigen::Vector2d t = state_[passer].pos_m + Eigen::Vector2d(s * 30, rng_.Normal(0, 10));
      Kick(passer, Clamp(t), o_.pass_speed_mps * 1.2, 1.0);
      receiver_ = -1;
      return;
    }
    double speed = o_.pass_speed_mps * rng_.Uniform(0.8, 1.2);
    double flight = (state_[receiver].pos_m - ball_pos_).norm() / speed;
    pass_target_ = Clamp(state_[receiver].pos_m + state_[receiver].vel_mps * flight);
    double dist = (pass_target_ - ball_pos_).norm();
    Kick(passer, pass_target_, speed, dist > 30 ? 1.0 : 0.0);
    receiver_ = receiver;
  }

  Eigen::Vector2d Clamp(const Eigen::Vector2d& p) const {
    return {std::clamp(p.x(), 1.0, L() - 1.0), std::clamp(p.y(), 1.0, W() - 1.0)};
  }

  void StartSetPiece(SetPiece kind, const Eigen::Vector2d& spot, int team) {
    phase_ = Phase::kSetPiece;
    set_piece_ = kind;
    set_piece_spot_ = spot;
    set_piece_team_ = team;
    possession_team_ = team;
    owner_ = -1;
    receiver_ = -1;
    ball_pos_ = spot;
    ball_vel_.setZero();
    ball_height_ = 0;
    ball_vz_ = 0;
    double duration = o_.set_piece_duration_s;
    if (kind == SetPiece::kThrowIn) duration *= 0.5;
    if (kind == SetPiece::kGoalKick || kind == SetPiece::kKickoff) duration *= 0.6;
    set_piece_timer_ = duration;
    taker_ = -1;
    if (kind == SetPiece::kGoalKick) {
      for (size_t i = 0; i < people_.size(); ++i) {
        if (people_[i].team == team && people_[i].role == Role::kGoalkeeper && InPlay(i)) taker_ = static_cast<int>(i);
      }
    }
    if (taker_ < 0) {
      auto near = Nearest(team, spot, 1);
      taker_ = near.empty() ? -1 : static_cast<int>(near[0]);
    }
    if (kind == SetPiece::kCorner) {
      // Spots in the box around the penalty spot for the attackers.
      double goal_x = team == 0 ? L() : 0.0, s = AttackSign(team);
      corner_spots_.assign(people_.size(), Eigen::Vector2d::Zero());
      for (size_t i = 0; i < people_.size(); ++i) {
        corner_spots_[i] = {goal_x - s * rng_.Uniform(3.0, pitch::kPenaltySpotDistanceM + 3.0),
                            W() / 2 + rng_.Uniform(-12.0, 12.0)};
      }
    }
  }

  void TakeSetPiece() {
    int taker = taker_;
    phase_ = Phase::kOpenPlay;
    taker_ = -1;
    if (taker < 0) return;
    if (set_piece_ == SetPiece::kCorner) {
      double goal_x = set_piece_team_ == 0 ? L() : 0.0, s = AttackSign(set_piece_team_);
      Eigen::Vector2d t(goal_x - s * rng_.Uniform(5.0, 13.0), W() / 2 + rng_.Normal(0, 5));
      Kick(taker, t, 20.0, 1.0);
      receiver_ = -1;
    } else {
      owner_ = taker;
      PassFrom(taker);
    }
  }

  void UpdateBall() {
    if (phase_ == Phase::kSetPiece) {
      set_piece_timer_ -= dt_;
      bool taker_ready = taker_ < 0 || (state_[taker_].pos_m - set_piece_spot_).norm() < 1.5;
      if (set_piece_timer_ <= 0 && taker_ready) TakeSetPiece();
      return;
    }
    if (owner_ >= 0) {
      const PersonState& s = state_[owner_];
      ball_pos_ = s.pos_m + 0.45 * Eigen::Vector2d(std::cos(s.facing_rad), std::sin(s.facing_rad));
      ball_vel_ = s.vel_mps;
      ball_height_ = 0;
      int team = people_[owner_].team;
      double goal_x = team == 0 ? L() : 0.0;
      double to_goal = (Eigen::Vector2d(goal_x, W() / 2) - s.pos_m).norm();
      decision_timer_ -= dt_;
      if (to_goal < o_.shooting_range_m && rng_.Bernoulli(o_.shot_probability_per_s * dt_)) {
        Eigen::Vector2d aim(goal_x + AttackSign(team) * 2.0, W() / 2 + rng_.Normal(0, 4.5));
        Kick(owner_, aim, 24.0, rng_.Uniform(0.0, 0.25));
        receiver_ = -1;
      } else if (decision_timer_ <= 0) {
        PassFrom(owner_);
      }
      return;
    }
    // Free ball: fly / roll, bounce, decay.
    ball_pos_ += ball_vel_ * dt_;
    if (ball_height_ > 0 || ball_vz_ > 0) {
      ball_vz_ -= kGravity * dt_;
      ball_height_ += ball_vz_ * dt_;
      if (ball_height_ <= 0) {
        ball_height_ = 0;
        ball_vz_ = -ball_vz_ * kBounceRestitution;
        if (ball_vz_ < 1.0) ball_vz_ = 0;
      }
    } else {
      ball_vel_ *= std::exp(-kBallRollingDecayPerS * dt_);
    }
    if (CheckOutOfPlay()) return;
    // Control: the nearest eligible player within reach of a low ball takes it.
    int best = -1;
    double best_d = kControlRadiusM;
    if (ball_height_ < kControlMaxHeightM) {
      for (size_t i = 0; i < people_.size(); ++i) {
        if (people_[i].team < 0 || cooldown_[i] > 0 || !InPlay(i)) continue;
        double d = (state_[i].pos_m - ball_pos_).norm();
        if (d < best_d) best_d = d, best = static_cast<int>(i);
      }
    }
    if (best >= 0) {
      owner_ = best;
      receiver_ = -1;
      possession_team_ = people_[best].team;
      decision_timer_ = rng_.Exponential(o_.pass_interval_s);
      dribble_bias_ = rng_.Normal(0, 0.4);
    }
  }

  // Ball over a line: throw-in, goal kick, corner or (between the posts) a goal.
  bool CheckOutOfPlay() {
    if (ball_pos_.y() < 0 || ball_pos_.y() > W()) {
      // The thrower stands off the pitch, sometimes well back (fetching the ball, a
      // run-up): near the rig that takes them out of the cameras' view.
      double off = rng_.Uniform(kThrowInMinOffM, kThrowInMaxOffM);
      double z = ball_pos_.y() < 0 ? -off : W() + off;
      Eigen::Vector2d spot(std::clamp(ball_pos_.x(), 1.0, L() - 1.0), z);
      StartSetPiece(SetPiece::kThrowIn, spot, last_touch_team_ == 0 ? 1 : 0);
      return true;
    }
    if (ball_pos_.x() < 0 || ball_pos_.x() > L()) {
      bool right = ball_pos_.x() > L();
      int defending = right ? 1 : 0, attacking = 1 - defending;
      if (std::abs(ball_pos_.y() - W() / 2) < pitch::kGoalHalfWidthM && ball_height_ < pitch::kGoalHeightM) {
        StartSetPiece(SetPiece::kKickoff, Center(), defending);  // goal
      } else if (last_touch_team_ == defending || rng_.Bernoulli(o_.corner_probability)) {
        const double off = kCornerSpotOffsetM;
        double z = ball_pos_.y() < W() / 2 ? off : W() - off;
        StartSetPiece(SetPiece::kCorner, Eigen::Vector2d(right ? L() - off : off, z), attacking);
      } else {
        // Goal kick from the front edge of the goal area.
        const double depth = pitch::kGoalAreaDepthM;
        StartSetPiece(SetPiece::kGoalKick, Eigen::Vector2d(right ? L() - depth : depth, W() / 2), defending);
      }
      return true;
    }
    return false;
  }

  const std::vector<SimPerson>& people_;
  MotionOptions o_;
  geometry::PitchDims pitch_;
  double dt_;
  Rng rng_;
  double time_ = 0;
  std::vector<PersonState> state_;
  std::vector<Presence> presence_;
  std::vector<ScheduledSubstitution> schedule_;
  std::vector<Eigen::Vector2d> wander_;
  std::vector<double> cooldown_;
  Eigen::Vector2d ball_pos_{0, 0}, ball_vel_{0, 0};
  double ball_height_ = 0, ball_vz_ = 0;
  int owner_ = -1, receiver_ = -1, taker_ = -1;
  int possession_team_ = 0, last_touch_team_ = 0, set_piece_team_ = 0;
  Eigen::Vector2d pass_target_{0, 0}, set_piece_spot_{0, 0};
  double decision_timer_ = 0, dribble_bias_ = 0, set_piece_timer_ = 0;
  Phase phase_ = Phase::kOpenPlay;
  SetPiece set_piece_ = SetPiece::kKickoff;
  std::vector<Eigen::Vector2d> corner_spots_;
};

}  // namespace

std::vector<FrameState> SimulateMotion(const std::vector<SimPerson>& people,
                                       const MotionOptions& options,
                                       const geometry::PitchDims& pitch, double fps,
                                       int frame_count, uint64_t seed,
                                       const std::vector<PlannedSubstitution>& substitutions) {
  options.Check();
  IPT_CHECK(fps > 0 && frame_count >= 0, "fps must be > 0 and frame_count >= 0");
  // Warm up so that frame 1 already shows play, not the initial placement.
  const int warm_up_steps = static_cast<int>(3 * fps);
  // Call times from a stream of their own, drawn only when there are substitutions: a match
  // without them draws what it drew before they existed.
  std::vector<ScheduledSubstitution> schedule;
  Rng schedule_rng(seed ^ 0x5ab5717u);
  for (const PlannedSubstitution& who : substitutions) {
    ScheduledSubstitution s;
    s.who = who;
    s.call_time_s = (warm_up_steps + schedule_rng.Uniform(kFirstCallFraction, kLastCallFraction) * frame_count) / fps;
    schedule.push_back(s);
  }
  Simulator sim(people, options, pitch, fps, seed, std::move(schedule));
  std::vector<FrameState> frames;
  frames.reserve(frame_count);
  for (int i = 0; i < warm_up_steps; ++i) sim.Step();
  for (int f = 0; f < frame_count; ++f) {
    frames.push_back(sim.Snapshot());
    sim.Step();
  }
  return frames;
}

}  // namespace ipt::sim
