#include "ipt/eval/similarity.h"

#include <cfloat>
#include <cmath>

#include "ipt/util/check.h"

namespace ipt::eval {

Eigen::MatrixXd BoxIou(const FrameDetections& gt, const FrameDetections& pred) {
  const int n = static_cast<int>(gt.size()), m = static_cast<int>(pred.size());
  Eigen::MatrixXd iou(n, m);
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector4d& a = gt.geometry[i];
    const double ax1 = a[0] + a[2], ay1 = a[1] + a[3];
    const double area1 = (ax1 - a[0]) * (ay1 - a[1]);
    for (int j = 0; j < m; ++j) {
      const Eigen::Vector4d& b = pred.geometry[j];
      const double bx1 = b[0] + b[2], by1 = b[1] + b[3];
      const double area2 = (bx1 - b[0]) * (by1 - b[1]);
      double intersection = std::max(std::min(ax1, bx1) - std::max(a[0], b[0]), 0.0) *
                            std::max(std::min(ay1, by1) - std::max(a[1], b[1]), 0.0);
      double uni = area1 + area2 - intersection;
      if (area1 <= DBL_EPSILON || area2 <= DBL_EPSILON || uni <= DBL_EPSILON) intersection = 0;
      if (uni <= DBL_EPSILON) uni = 1;
      iou(i, j) = intersection / uni;
    }
  }
  return iou;
}

PointKernel ParsePointKernel(const std::string& name) {
  if (name == "linear") return PointKernel::kLinear;
  if (name == "gaussian") return PointKernel::kGaussian;
  IPT_THROW("unknown similarity '{}' for pitch points (linear or gaussian)", name);
}

double DefaultTolerance(PointKernel kernel) { return kernel == PointKernel::kLinear ? 2.0 : 5.0; }

Eigen::MatrixXd PointSimilarity(const FrameDetections& gt, const FrameDetections& pred, PointKernel kernel,
                                double tolerance) {
  const int n = static_cast<int>(gt.size()), m = static_cast<int>(pred.size());
  Eigen::MatrixXd s(n, m);
  const double log005 = std::log(0.05), t2 = tolerance * tolerance;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) {
      double dx = gt.geometry[i][0] - pred.geometry[j][0], dz = gt.geometry[i][1] - pred.geometry[j][1];
      double d2 = dx * dx + dz * dz;
      s(i, j) = kernel == PointKernel::kLinear ? std::max(0.0, 1.0 - std::sqrt(d2) / tolerance)
                                               : std::exp(log005 * d2 / t2);
    }
  }
  return s;
}

SimilarityFn WithIdentityKeys(SimilarityFn base) {
  return [base = std::move(base)](const FrameDetections& gt, const FrameDetections& pred) {
    Eigen::MatrixXd s = base(gt, pred);
    for (int i = 0; i < s.rows(); ++i) {
      for (int j = 0; j < s.cols(); ++j) {
        if (gt.keys[i] != pred.keys[j]) s(i, j) = 0;
      }
    }
    return s;
  };
}

SimilarityFn MakeBoxIou() { return BoxIou; }

SimilarityFn MakePointSimilarity(PointKernel kernel, double tolerance_m) {
  IPT_CHECK(tolerance_m > 0, "similarity tolerance must be > 0, got {}", tolerance_m);
  return [kernel, tolerance_m](const FrameDetections& gt, const FrameDetections& pred) {
    return PointSimilarity(gt, pred, kernel, tolerance_m);
  };
}

}  // namespace ipt::eval
