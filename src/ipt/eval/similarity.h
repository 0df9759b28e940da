// Similarities between ground-truth and predicted detections, in [0, 1].
#pragma once

#include <string>

#include "ipt/eval/sequence.h"

namespace ipt::eval {

// IoU of (x, y, w, h) boxes, exactly as TrackEval's _calculate_box_ious
// (degenerate boxes and non-positive unions give 0).
Eigen::MatrixXd BoxIou(const FrameDetections& gt, const FrameDetections& pred);

enum class PointKernel {
  kLinear,    // max(0, 1 - d / T); T default 2 m
  kGaussian,  // exp(ln(0.05) d^2 / T^2); T default 5 m (SoccerNet GS-HOTA's LocSim)
};
PointKernel ParsePointKernel(const std::string& name);  // "linear" | "gaussian"
double DefaultTolerance(PointKernel kernel);

// Pitch points (x, z) in metres.
Eigen::MatrixXd PointSimilarity(const FrameDetections& gt, const FrameDetections& pred,
                                PointKernel kernel, double tolerance_m);

// Multiplies a similarity by IdSim: 1 when identity keys are equal, else 0.
SimilarityFn WithIdentityKeys(SimilarityFn base);

SimilarityFn MakeBoxIou();
SimilarityFn MakePointSimilarity(PointKernel kernel, double tolerance_m);

}  // namespace ipt::eval
