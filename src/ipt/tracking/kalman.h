// Constant-velocity Kalman filter on a foot-point in the pitch frame.
//
// State (x, z, vx, vz): position in metres, velocity in m/s (pitch frame, see
// docs/architecture.md "Frames and units"). Measurement: the foot-point (x, z) in metres.
//
// Motion model: white-noise acceleration (Bar-Shalom, "Estimation with Applications to
// Tracking and Navigation", 2001, section 6.2.2). Per axis, over a step of dt seconds
//
//   F = [1 dt]        Q = q [dt^3/3  dt^2/2]     q: acceleration spectral density, m^2/s^3
//       [0  1]            [dt^2/2    dt    ]
//
// interleaved for (x, z, vx, vz); the two axes are independent. Measurement model
// H = [I2 0], R = sigma^2 I2 (sigma in metres). The update uses the Joseph form so that
// the covariance stays symmetric positive definite.
#pragma once

#include <Eigen/Core>

namespace ipt::tracking {

using KalmanState = Eigen::Matrix<double, 4, 1>;       // (x, z, vx, vz): m, m/s
using KalmanCovariance = Eigen::Matrix<double, 4, 4>;  // of KalmanState
using KalmanTransition = Eigen::Matrix<double, 4, 4>;  // state(t + dt) = F state(t)

struct KalmanOptions {
  // Acceleration spectral density q, m^2/s^3: the velocity variance a person adds per
  // second of unobserved motion; 4 lets the velocity wander by 2 m/s in one second. Lower
  // values carry people through shallow crossings, higher ones follow hard turns: among
  // 0.5..16, 4 gave the fewest id changes in simulated crowds (22 people, 0.1 m noise,
  // accelerations of 4 and 8 m/s^2, 25 fps) with few switches on 20-30 degree crossings.
  double acceleration_density_m2ps3 = 4.0;
  // Standard deviation of a measured foot-point per axis, metres (the detector's error).
  double measurement_sigma_m = 0.1;
  // Standard deviation of the velocity of a new track per axis, m/s (it starts at rest):
  // about the typical running speed, so that a sprinting player is caught in one step.
  double initial_velocity_sigma_mps = 5.0;
  // Throws ipt::Error when a value is not finite and positive or absurd.
  void Check() const;
};

// The transition F and the process noise Q over `dt_s` seconds (> 0).
KalmanTransition ConstantVelocityTransition(double dt_s);
KalmanCovariance WhiteNoiseAccelerationCovariance(double dt_s, double acceleration_density_m2ps3);

class KalmanFilter {
 public:
  // Starts at `position_in_pitch_m` at rest: P = diag(sigma_m^2, sigma_m^2, sigma_v^2, sigma_v^2).
  KalmanFilter(const KalmanOptions& options, const Eigen::Vector2d& position_in_pitch_m);

  // Advances the state by dt_s seconds (> 0): x = F x, P = F P F^T + Q.
  void Predict(double dt_s);
  // Fuses a measured foot-point: K = P H^T S^-1, x += K (z - H x), P = (I-KH) P (I-KH)^T + K R K^T.
  void Update(const Eigen::Vector2d& measured_in_pitch_m);

  // Innovation covariance S = H P H^T + R of the next measurement, m^2 (2x2).
  Eigen::Matrix2d InnovationCovariance() const;

  const KalmanState& state() const { return state_; }
  const KalmanCovariance& covariance() const { return covariance_; }
  Eigen::Vector2d position_m() const { return state_.head<2>(); }
  Eigen::Vector2d velocity_mps() const { return state_.tail<2>(); }

 private:
  KalmanOptions options_;
  KalmanState state_;
  KalmanCovariance covariance_;
};

}  // namespace ipt::tracking
