#include "ipt/tracking/kalman.h"

#include <Eigen/LU>
#include <cmath>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// Bounds far outside any person on a pitch; they only refuse nonsense.
constexpr double kMaxAccelerationDensityM2ps3 = 1.0e4;
constexpr double kMaxMeasurementSigmaM = 100.0;
constexpr double kMaxVelocitySigmaMps = 100.0;

using MeasurementMatrix = Eigen::Matrix<double, 2, 4>;

MeasurementMatrix PositionMeasurement() {
  MeasurementMatrix h = MeasurementMatrix::Zero();
  h(0, 0) = 1;
  h(1, 1) = 1;
  return h;
}

}  // namespace

void KalmanOptions::Check() const {
  IPT_CHECK(std::isfinite(acceleration_density_m2ps3) && acceleration_density_m2ps3 > 0 &&
                acceleration_density_m2ps3 <= kMaxAccelerationDensityM2ps3,
            "acceleration_density_m2ps3 must be in (0, {}], got {}", kMaxAccelerationDensityM2ps3,
            acceleration_density_m2ps3);
  IPT_CHECK(std::isfinite(measurement_sigma_m) && measurement_sigma_m > 0 &&
                measurement_sigma_m <= kMaxMeasurementSigmaM,
            "measurement_sigma_m must be in (0, {}], got {}", kMaxMeasurementSigmaM,
            measurement_sigma_m);
  IPT_CHECK(std::isfinite(initial_velocity_sigma_mps) && initial_velocity_sigma_mps > 0 &&
                initial_velocity_sigma_mps <= kMaxVelocitySigmaMps,
            "initial_velocity_sigma_mps must be in (0, {}], got {}", kMaxVelocitySigmaMps,
            initial_velocity_sigma_mps);
}

KalmanTransition ConstantVelocityTransition(double dt_s) {
  IPT_ASSERT(dt_s > 0);
  KalmanTransition f = KalmanTransition::Identity();
  f(0, 2) = dt_s;
  f(1, 3) = dt_s;
  return f;
}

KalmanCovariance WhiteNoiseAccelerationCovariance(double dt_s, double acceleration_density_m2ps3) {
  IPT_ASSERT(dt_s > 0);
  const double q = acceleration_density_m2ps3;
  const double pp = q * dt_s * dt_s * dt_s / 3;  // position-position
  const double pv = q * dt_s * dt_s / 2;         // position-velocity
  const double vv = q * dt_s;                    // velocity-velocity
  KalmanCovariance cov = KalmanCovariance::Zero();
  for (int axis = 0; axis < 2; ++axis) {
    const int p = axis, v = axis + 2;
    cov(p, p) = pp;
    cov(p, v) = cov(v, p) = pv;
    cov(v, v) = vv;
  }
  return cov;
}

KalmanFilter::KalmanFilter(const KalmanOptions& options, const Eigen::Vector2d& position_in_pitch_m)
    : options_(options) {
  options_.Check();
  state_ << position_in_pitch_m, 0, 0;
  const double pos_var = options_.measurement_sigma_m * options_.measurement_sigma_m;
  const double vel_var = options_.initial_velocity_sigma_mps * options_.initial_velocity_sigma_mps;
  covariance_ = KalmanState(pos_var, pos_var, vel_var, vel_var).asDiagonal();
}

void KalmanFilter::Predict(double dt_s) {
  IPT_CHECK(std::isfinite(dt_s) && dt_s > 0, "Kalman prediction step must be > 0 s, got {}", dt_s);
  const KalmanTransition f = ConstantVelocityTransition(dt_s);
  state_ = f * state_;
  covariance_ = f * covariance_ * f.transpose() +
                WhiteNoiseAccelerationCovariance(dt_s, options_.acceleration_density_m2ps3);
}

Eigen::Matrix2d KalmanFilter::InnovationCovariance() const {
  const double meas_var = options_.measurement_sigma_m * options_.measurement_sigma_m;
  return covariance_.topLeftCorner<2, 2>() + meas_var * Eigen::Matrix2d::Identity();
}

void KalmanFilter::Update(const Eigen::Vector2d& measured_in_pitch_m) {
  const MeasurementMatrix h = PositionMeasurement();
  const Eigen::Matrix2d r =
      options_.measurement_sigma_m * options_.measurement_sigma_m * Eigen::Matrix2d::Identity();
  const Eigen::Matrix2d s = h * covariance_ * h.transpose() + r;
  const Eigen::Matrix<double, 4, 2> gain = covariance_ * h.transpose() * s.inverse();
  state_ += gain * (measured_in_pitch_m - h * state_);
  const KalmanCovariance i_kh = KalmanCovariance::Identity() - gain * h;
  covariance_ = i_kh * covariance_ * i_kh.transpose() + gain * r * gain.transpose();
}

}  // namespace ipt::tracking
