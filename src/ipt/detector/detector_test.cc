// Detector: heatmap targets and peak decoding (exact round trip to the pitch),
// the focal loss against its formula, network shapes, save -> load, and a few
// training steps that lower the loss.
#include <gtest/gtest.h>

#include <cmath>

#include "ipt/detector/detection_eval.h"
#include "ipt/detector/detector_net.h"
#include "ipt/detector/heatmap.h"
#include "ipt/geometry/rig.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::detector {
namespace {

TEST(Heatmap, PeaksDecodeToThePitchPointsExactly) {
  geometry::RigOptions rig_options;
  geometry::PitchDims pitch;
  geometry::Panorama panorama(geometry::MakeDefaultRig(rig_options, pitch));
  const std::vector<Eigen::Vector2d> feet_m = {{10.0, 20.0}, {52.5, 34.0}, {53.3, 34.2}, {90.7, 60.1}};
  std::vector<Eigen::Vector2d> pixels;
  for (const auto& f : feet_m) pixels.push_back(*panorama.PixelFromPitch(Eigen::Vector3d(f.x(), 0, f.y())));
  HeatmapOptions options;
  const int gh = 512 / options.stride, gw = 1024 / options.stride;
  HeatmapTargets t = MakeHeatmapTargets(pixels, gh, gw, options);
  ASSERT_EQ(t.cells.size(), feet_m.size());
  // A perfect network: the target heatmap, and the target offsets at the points' cells.
  std::vector<float> ox(t.heat.size(), 0.0f), oy(t.heat.size(), 0.0f);
  for (size_t i = 0; i < t.cells.size(); ++i) {
    EXPECT_EQ(t.heat[t.cells[i]], 1.0f);
    ox[t.cells[i]] = t.offsets[2 * i];
    oy[t.cells[i]] = t.offsets[2 * i + 1];
  }
  auto peaks = FindPeaks(t.heat.data(), ox.data(), oy.data(), gh, gw, options);
  auto detections = LiftToPitch(peaks, panorama);
  ASSERT_EQ(detections.size(), feet_m.size());
  for (const auto& f : feet_m) {
    double best = 1e9;
    for (const auto& d : detections) best = std::min(best, (d.foot_in_pitch_m - f).norm());
    EXPECT_LT(best, 1e-4) << f.transpose();  // float offsets: ~1e-7 px
  }
}

// The convention written out by hand: panorama pixel u = 5 (pixel centres at
// integers) at stride 2 lies in cell floor((5 + 0.5) / 2) = 2 with offset 0.75.
TEST(Heatmap, CellAndOffsetConventionByHand) {
  HeatmapOptions options;
  HeatmapTargets t = MakeHeatmapTargets({Eigen::Vector2d(5.0, 1.0)}, 4, 8, options);
  ASSERT_EQ(t.cells.size(), 1u);
  EXPECT_EQ(t.cells[0], 0 * 8 + 2);  // row floor(1.5 / 2) = 0, column 2
  EXPECT_FLOAT_EQ(t.offsets[0], 0.75f);
  EXPECT_FLOAT_EQ(t.offsets[1], 0.75f);
  std::vector<float> ox(32, 0.75f), oy(32, 0.75f);
  auto peaks = FindPeaks(t.heat.data(), ox.data(), oy.data(), 4, 8, options);
  ASSERT_EQ(peaks.size(), 1u);
  EXPECT_DOUBLE_EQ(peaks[0].pixel.x(), 5.0);
  EXPECT_DOUBLE_EQ(peaks[0].pixel.y(), 1.0);
  // A NaN cell (a diverged network) is no peak.
  t.heat[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(FindPeaks(t.heat.data(), ox.data(), oy.data(), 4, 8, options).size(), 1u);
}

TEST(Heatmap, PlateauGivesOnePeakAndThresholdHolds) {
  HeatmapOptions options;
  std::vector<float> heat(8 * 8, 0.0f), zero(8 * 8, 0.5f);
  heat[3 * 8 + 3] = heat[3 * 8 + 4] = 0.9f;  // two equal neighbours
  heat[6 * 8 + 1] = 0.2f;                    // below threshold
  auto peaks = FindPeaks(heat.data(), zero.data(), zero.data(), 8, 8, options);
  ASSERT_EQ(peaks.size(), 1u);
  EXPECT_DOUBLE_EQ(peaks[0].pixel.x(), 3.5 * options.stride - 0.5);
}

TEST(Net, FocalLossMatchesTheFormula) {
  torch::Tensor logits = torch::tensor({0.3f, -1.2f, 2.0f, -0.4f}).view({1, 1, 2, 2});
  torch::Tensor target = torch::tensor({1.0f, 0.5f, 0.0f, 1.0f}).view({1, 1, 2, 2});
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    double p = 1 / (1 + std::exp(-logits.view(-1)[i].item<double>())), y = target.view(-1)[i].item<double>();
    p = std::clamp(p, 1e-4, 1 - 1e-4);
    expected += y == 1 ? std::pow(1 - p, 2) * std::log(p) : std::pow(1 - y, 4) * p * p * std::log(1 - p);
  }
  expected = -expected / 2;  // two positives
  EXPECT_NEAR(FocalLoss(logits, target).item<double>(), expected, 1e-6);
}

DetectorNetConfig Tiny() {
  DetectorNetConfig c;
  c.encoder_channels = {4, 6, 8, 8, 8};
  c.decoder_channels = {4, 6, 8, 8};
  return c;
}

TEST(Net, ShapesAndSaveLoad) {
  torch::manual_seed(3);
  DetectorNet net(Tiny());
  net->eval();
  torch::Tensor x = torch::rand({2, 3, 64, 128});
  auto out = net->forward(x);
  EXPECT_EQ(out.heat_logits.sizes(), (std::vector<int64_t>{2, 1, 32, 64}));
  EXPECT_EQ(out.offset.sizes(), (std::vector<int64_t>{2, 2, 32, 64}));
  const auto path = testing::FreshTempDir("detector_net") / "w.safetensors";
  nn::SaveModule(*net, path);
  torch::manual_seed(99);
  DetectorNet other(Tiny());
  nn::LoadModule(*other, path);
  other->eval();
  auto again = other->forward(x);
  EXPECT_TRUE(torch::equal(out.heat_logits, again.heat_logits));
  EXPECT_TRUE(torch::equal(out.offset, again.offset));
  // The config round-trips through the package's architecture JSON; a wrong one is refused.
  EXPECT_EQ(DetectorNetConfig::FromJson(Tiny().ToJson(), "m.json").ToJson(), Tiny().ToJson());
  EXPECT_THROW(DetectorNetConfig::FromJson({{"type", "other"}}, "m.json"), InputError);
}

TEST(Net, AFewStepsLowerTheLoss) {
  torch::manual_seed(5);
  DetectorNet net(Tiny());
  HeatmapOptions options;
  // Bright 3x6 px "people" on a dark image; the targets at their feet.
  torch::Tensor image = torch::zeros({1, 3, 64, 128});
  std::vector<Eigen::Vector2d> feet = {{20, 30}, {70, 40}, {100, 12}};
  for (const auto& f : feet) image.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(f.y() - 6, f.y()),
                                               torch::indexing::Slice(f.x() - 1, f.x() + 2)}, 1.0);
  HeatmapTargets t = MakeHeatmapTargets(feet, 32, 64, options);
  torch::Tensor target = torch::from_blob(t.heat.data(), {1, 1, 32, 64}).clone();
  torch::optim::Adam opt(net->parameters(), 1e-2);
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    opt.zero_grad();
    auto loss = FocalLoss(net->forward(image).heat_logits, target);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.5 * first);
}

TEST(Eval, CountsAgainstBruteForce) {
  DetectionEvalOptions options;
  std::vector<GroundTruthFoot> truth = {{{0, 0}, false}, {{0.8, 0}, true}, {{10, 10}, false}};
  std::vector<Eigen::Vector2d> dets = {{0.1, 0}, {0.7, 0.1}, {30, 30}};
  DetectionScores s;
  s.Add(truth, dets, options);
  s.Finalize();
  EXPECT_EQ(s.tp, 2);
  EXPECT_EQ(s.fp, 1);
  EXPECT_EQ(s.fn, 1);
  EXPECT_EQ(s.hard_found, 1);
  EXPECT_NEAR(s.median_error_m, (0.1 + std::hypot(0.1, 0.1)) / 2, 1e-12);
}

}  // namespace
}  // namespace ipt::detector
