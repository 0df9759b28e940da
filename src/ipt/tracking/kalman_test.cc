#include "ipt/tracking/kalman.h"

#include <gtest/gtest.h>

#include <limits>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr double kTol = 1e-12;

void ExpectMatrixNear(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected) {
  ASSERT_EQ(actual.rows(), expected.rows());
  ASSERT_EQ(actual.cols(), expected.cols());
  EXPECT_LT((actual - expected).cwiseAbs().maxCoeff(), kTol) << "actual\n"
                                                             << actual << "\nexpected\n"
                                                             << expected;
}

KalmanOptions HandOptions() {
  KalmanOptions o;
  o.acceleration_density_m2ps3 = 2.0;  // q
  o.measurement_sigma_m = 0.5;         // R = 0.25 I
  o.initial_velocity_sigma_mps = 3.0;  // P0 velocity variance 9
  return o;
}

TEST(Kalman, TransitionAndProcessNoiseWrittenOut) {
  // dt = 0.5 s, q = 2: q dt^3/3 = 1/12, q dt^2/2 = 1/4, q dt = 1.
  KalmanTransition f;
  f << 1, 0, 0.5, 0,  //
      0, 1, 0, 0.5,   //
      0, 0, 1, 0,     //
      0, 0, 0, 1;
  KalmanCovariance q;
  q << 1.0 / 12, 0, 0.25, 0,  //
      0, 1.0 / 12, 0, 0.25,   //
      0.25, 0, 1, 0,          //
      0, 0.25, 0, 1;
  ExpectMatrixNear(ConstantVelocityTransition(0.5), f);
  ExpectMatrixNear(WhiteNoiseAccelerationCovariance(0.5, 2.0), q);
}

TEST(Kalman, OnePredictAndUpdateByHand) {
  KalmanFilter filter(HandOptions(), Eigen::Vector2d(10, 20));
  KalmanState x0;
  x0 << 10, 20, 0, 0;
  ExpectMatrixNear(filter.state(), x0);
  ExpectMatrixNear(filter.covariance(), KalmanState(0.25, 0.25, 9, 9).asDiagonal().toDenseMatrix());

  // Predict 0.5 s. Per axis, F P0 F^T = [0.25 + 0.25 * 9, 0.5 * 9; 4.5, 9] = [2.5 4.5; 4.5 9],
  // plus Q = [1/12 1/4; 1/4 1] gives [31/12 19/4; 19/4 10].
  filter.Predict(0.5);
  KalmanCovariance p_pred;
  p_pred << 31.0 / 12, 0, 19.0 / 4, 0,  //
      0, 31.0 / 12, 0, 19.0 / 4,        //
      19.0 / 4, 0, 10, 0,               //
      0, 19.0 / 4, 0, 10;
  ExpectMatrixNear(filter.state(), x0);  // at rest: the prediction does not move
  ExpectMatrixNear(filter.covariance(), p_pred);
  // S = 31/12 + 1/4 = 17/6 per axis.
  ExpectMatrixNear(filter.InnovationCovariance(), (17.0 / 6) * Eigen::Matrix2d::Identity());

  // Update with z = (11, 19): innovation (1, -1). Per axis K = [31/12, 19/4] / (17/6) = [31/34,
  // 57/34].
  filter.Update(Eigen::Vector2d(11, 19));
  KalmanState x1;
  x1 << 10 + 31.0 / 34, 20 - 31.0 / 34, 57.0 / 34, -57.0 / 34;
  ExpectMatrixNear(filter.state(), x1);
  // P = (I - K H) P_pred: pp = (3/34)(31/12) = 93/408, pv = (3/34)(19/4) = 57/136,
  // vv = 10 - (57/34)(19/4) = 277/136.
  KalmanCovariance p1;
  p1 << 93.0 / 408, 0, 57.0 / 136, 0,  //
      0, 93.0 / 408, 0, 57.0 / 136,    //
      57.0 / 136, 0, 277.0 / 136, 0,   //
      0, 57.0 / 136, 0, 277.0 / 136;
  ExpectMatrixNear(filter.covariance(), p1);
  EXPECT_DOUBLE_EQ(filter.position_m().x(), x1[0]);
  EXPECT_DOUBLE_EQ(filter.velocity_mps().y(), x1[3]);
}

TEST(Kalman, FollowsConstantVelocity) {
  KalmanOptions options;
  KalmanFilter filter(options, Eigen::Vector2d(0, 0));
  const double dt = 0.04;
  const Eigen::Vector2d velocity(7, -3);
  for (int k = 1; k <= 100; ++k) {
    filter.Predict(dt);
    filter.Update(velocity * k * dt);
  }
  EXPECT_LT((filter.velocity_mps() - velocity).norm(), 1e-3);
  EXPECT_LT((filter.position_m() - velocity * 100 * dt).norm(), 1e-3);
  // The covariance stays symmetric.
  EXPECT_LT((filter.covariance() - filter.covariance().transpose()).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Kalman, OptionsCheck) {
  EXPECT_NO_THROW(KalmanOptions().Check());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double bad : {0.0, -1.0, nan, 1e9}) {
    KalmanOptions o;
    o.acceleration_density_m2ps3 = bad;
    EXPECT_THROW(o.Check(), Error);
    o = KalmanOptions();
    o.measurement_sigma_m = bad;
    EXPECT_THROW(o.Check(), Error);
    o = KalmanOptions();
    o.initial_velocity_sigma_mps = bad;
    EXPECT_THROW(o.Check(), Error);
  }
  KalmanFilter filter(KalmanOptions(), Eigen::Vector2d(1, 1));
  EXPECT_THROW(filter.Predict(0), Error);
  EXPECT_THROW(filter.Predict(nan), Error);
}

}  // namespace
}  // namespace ipt::tracking
