// Model 1 at run time (torch-free header): a detector package turns panoramas
// into foot-points on the pitch with scores.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "ipt/detector/heatmap.h"
#include "ipt/registry/model_package.h"

namespace ipt::detector {

struct DetectorRunOptions {
  HeatmapOptions heatmap;    // stride must match the package's
  std::string device = "cpu";
  void Check() const;
};

class Detector {
 public:
  // Loads model.json + weights.safetensors of a detector package; InputError
  // names the file and field when the package is not a detector or its weights
  // do not match its architecture.
  Detector(const std::filesystem::path& package_dir, const DetectorRunOptions& options = {});
  ~Detector();
  Detector(Detector&&) noexcept;

  const registry::ModelManifest& manifest() const { return manifest_; }

  // Foot-points of one BGR panorama (the panorama's size, multiples of 32).
  std::vector<Detection> Detect(const cv::Mat& panorama_bgr, const geometry::Panorama& panorama);
  // Heatmap peaks of a batch of panoramas, in panorama pixels.
  std::vector<std::vector<HeatmapPeak>> DetectPeaks(const std::vector<cv::Mat>& panoramas_bgr);

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  registry::ModelManifest manifest_;
  DetectorRunOptions options_;
};

// Architecture keys of a detector package beyond the network's: {"stride": 2}.
constexpr int kDetectorStride = 2;

}  // namespace ipt::detector
