// Training model 1 (`ipt train detector`): panoramas of synthetic matches,
// random patches with photometric jitter, CenterNet targets on the stride-2 grid.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ipt/detector/detection_eval.h"
#include "ipt/detector/heatmap.h"
#include "ipt/registry/training.h"
#include "ipt/util/progress.h"

namespace ipt::detector {

// The recipe's `data:` section (configs/train/detector.yaml).
struct DetectorDataOptions {
  int frame_step = 3;          // every frame_step-th frame of a training match becomes a sample
  int val_frame_step = 25;     // validation: one frame a second
  int patch_height = 256;      // training patches (multiples of 32): context enough, 1/4 of the cost
  int patch_width = 512;
  int batch_size = 8;
  double person_centred = 0.8; // fraction of patches placed around a random person
  double max_brightness = 0.25;  // photometric jitter: gain 1 +- this per image, +-1/3 of it per channel
  double max_noise_sigma = 4.0;  // added Gaussian noise, grey levels, uniform in [0, max]
  int jpeg_quality = 92;       // training panoramas are held in memory as JPEG
  int loader_threads = 2;      // threads decoding matches at start
  void Check() const;
};

struct PanoramaSample {
  std::vector<unsigned char> jpeg;       // BGR panorama
  std::vector<Eigen::Vector2d> feet_px;  // ground-truth foot-points, panorama pixels
  std::vector<GroundTruthFoot> truth;    // the same people on the pitch
};

// Decodes and stitches every frame_step-th frame of each match (annotations
// required). Matches are read in parallel; progress counts matches.
std::vector<PanoramaSample> LoadPanoramaSamples(const std::vector<std::string>& matches, int frame_step,
                                                const DetectorDataOptions& options,
                                                const ProgressFn& progress = nullptr);

registry::TrainedWeights TrainDetector(const registry::TrainingContext& context);

void RegisterDetectorTrainer(registry::TrainerRegistry& registry);

}  // namespace ipt::detector
