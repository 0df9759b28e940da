// Training model 2 (`ipt train crop_encoder`): crops cut from the source
// cameras at ground-truth foot-points (with jitter), plus crops of what is not
// a person (grass, boards, half-people); P x K identity batches for metric
// learning, legible crops for the jersey head.
#pragma once

#include <string>
#include <vector>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/registry/training.h"
#include "ipt/sim/jersey_scenes.h"
#include "ipt/util/progress.h"

namespace ipt::crop_encoder {

// The recipe's `data:` section (configs/train/crop_encoder.yaml).
struct CropDataOptions {
  int frame_step = 5;             // everyone's crops from every frame_step-th frame, legible ones from all
  int val_frame_step = 10;
  double jitter_m = 0.15;         // foot-point noise (sigma, each axis), like the detector's error
  int background_per_frame = 2;   // crops of no one: grass, boards, and half-people at 0.6-1.2 m
  int identities_per_batch = 16;  // P
  int crops_per_identity = 4;     // K
  // Identities seen over less than this (first to last crop) are not drawn for P x K:
  // their positives are near-copies of each other (short 4K matches for the jersey head),
  // while ReID must match a person across minutes. Their crops still teach the other heads.
  double identity_min_span_s = 0;
  int legible_per_batch = 24;     // extra crops whose number is legible (jersey head)
  // Crops labelled this legible or better teach the number heads, with the whole number as
  // their label: legible, or partial as well (part of the number shown: the reader learns
  // what a part says of the whole, as the JN classifier's label_legibility does for tracks).
  io::Legibility number_label_legibility = io::Legibility::kLegible;
  int background_per_batch = 8;
  double max_brightness = 0.2;    // photometric jitter
  double max_noise_sigma = 4.0;
  // The extra legible crops (legible_per_batch) are what the jersey heads learn from, and
  // they come from few players and kits: their jersey inputs' colours are shuffled (channel
  // order and per-channel gain; the body input keeps its colours), shifted, scaled and
  // blurred (a number drawn from 9 source pixels is soft), so that digits, not kits, are
  // learnt. All of it acts on the jersey input only (networks with a jersey branch).
  double legible_colour_probability = 0.7;  // colours shuffled on this share of them
  double legible_max_shift_px = 8;          // jersey input, each axis
  double legible_max_scale = 0.12;          // zoom in [1 - s, 1 + s]
  double legible_max_blur_sigma = 1.2;      // Gaussian blur sigma in [0.3, this] on half of them
  // Jersey scenes (sim/jersey_scenes.h): stills of people facing the cameras with new
  // kits and numbers 0..99, everyone's crop cut, for the number reader. Stadium seeds
  // (training seeds; validation seeds for the validation scenes), none when empty.
  std::vector<uint64_t> scene_seeds, val_scene_seeds;
  sim::JerseySceneOptions scenes;
  int scene_crops_per_batch = 0;  // drawn from them each step (augmented as the extra legible crops)
  int loader_threads = 2;         // threads cutting crops at start
  // Not a recipe key: whether samples keep the jersey input (43 KB each), set from the
  // network (CropEncoderNetConfig::jersey_branch) or the encoder being scored.
  bool keep_jersey_input = true;
  void Check() const;
};

struct CropSample {
  std::vector<unsigned char> pixels;         // body input, kNetworkInputHeight x kNetworkInputWidth x 3 BGR
  std::vector<unsigned char> jersey_pixels;  // jersey input, kJerseyInputHeight x kJerseyInputWidth x 3 BGR;
                                             // empty unless CropDataOptions::keep_jersey_input
  int match = 0, frame = 0;
  int identity = -1;  // dense over (match, person); -1 for no one
  int kit = -1;       // dense over (match, category); -1 for no one
  Role role = Role::kNone;
  int legibility = 0; // io::Legibility
  int jersey = -1;    // 0..99, -1 none
  float foot_offset_m[2] = {0, 0};  // true foot-point - crop's, in the crop's ground axes (people only)
  float time_s = 0;                 // seconds since the match's first frame
  bool from_scene = false;          // cut from a jersey scene: no identity or kit (identity, kit -1)
};

// The sample's two network inputs as OpenCV headers over its pixels (no copy); the
// jersey input is empty when the sample has none.
EncoderInput SampleInput(const CropSample& sample);

struct CropDataset {
  std::vector<CropSample> samples;
  int identities = 0, kits = 0;
};

// Cuts everyone's crops from every frame_step-th frame of each match, and the
// crops with a legible number from every frame (annotations required).
CropDataset LoadCropSamples(const std::vector<std::string>& matches, int frame_step, const CropDataOptions& options,
                            uint64_t seed, const ProgressFn& progress = nullptr);

// Everyone's crop (jittered like the matches') from the jersey scenes of each stadium
// seed, in parallel over seeds; samples have from_scene set and match = -1 - seed index.
std::vector<CropSample> LoadSceneSamples(const std::vector<uint64_t>& seeds, const CropDataOptions& options,
                                         uint64_t seed, const ProgressFn& progress = nullptr);

// The number a training crop teaches the number heads: its jersey when it is labelled at
// least `min_level` legible (CropDataOptions::number_label_legibility), else -1 (none).
int NumberLabel(const CropSample& sample, io::Legibility min_level);

// The identities P x K batches draw from, ascending: at least 2 crops, seen over at
// least min_span_s seconds (first to last crop).
std::vector<int> MetricLearningIdentities(const std::vector<CropSample>& samples, double min_span_s);

struct CropEncoderScores {
  double reid_rank1 = 0;        // query: first half of each match, gallery: second half (same match)
  double role_accuracy = 0;     // all crops, "none" included
  double jersey_accuracy = 0;   // crops labelled legible: argmax of JerseyNumberProbabilities
  double jersey_accuracy_number_head = 0;  // the same with the argmax of jn.number alone
  // Crops labelled partial (part of the number shown): the same argmax as jersey_accuracy.
  // What the reader makes of them (it learns from them only with number_label_legibility
  // partial).
  double jersey_accuracy_partial = 0;
  double presence_accuracy = 0;
  double foot_error_m = 0;          // median distance of the refined foot-point to the truth
  double foot_error_unrefined_m = 0;  // the same for the crop's own foot-point (the jitter)
  int64_t queries = 0, legible = 0, partial = 0, crops = 0;
};
// Scores embeddings/logits (row-aligned with `samples`) against the labels.
CropEncoderScores ScoreCropFeatures(const std::vector<CropSample>& samples, const CropFeatures& features);

registry::TrainedWeights TrainCropEncoder(const registry::TrainingContext& context);
void RegisterCropEncoderTrainer(registry::TrainerRegistry& registry);

}  // namespace ipt::crop_encoder
