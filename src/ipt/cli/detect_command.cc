#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/crop_encoder/crop_encoder_training.h"
#include "ipt/io/match_dir.h"
#include "ipt/nn/threads.h"
#include "ipt/pipeline/detect.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {

// A package given as a directory, or as a ref (or unique prefix) in the model store.
std::filesystem::path PackageDirOf(const std::string& model, const std::string& store_root) {
  if (std::filesystem::is_directory(model)) return model;
  registry::ModelStore store(store_root);
  return store.PackageDir(store.Resolve(model));
}

void AddDetectCommand(CLI::App& app) {
  struct Args {
    std::string match, model, out, store = registry::DefaultModelStoreRoot().string();
    int frames = 0, threads = 2;
    double threshold = detector::HeatmapOptions{}.peak_threshold;
    bool score = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("detect", "Run the detector (model 1) on a match: foot-points on the pitch per frame\n"
                                               "written to detections.csv (frame,x_m,z_m,score).");
  cmd->add_option("MATCH", args->match, "match directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--model", args->model, "detector package directory, or a ref in the model store")->required();
  cmd->add_option("--out", args->out, "output CSV")->required();
  cmd->add_option("--frames", args->frames, "only the first N frames (0 = all)")->check(CLI::Range(0, limits::kMaxFrames));
  cmd->add_option("--threshold", args->threshold, "heatmap peak threshold")->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_flag("--score", args->score, "also score against annotations.csv (precision/recall at 1 m)");
  cmd->callback([args]() {
    io::MatchDir match = io::OpenMatchDir(args->match);
    CheckOutputNotInput(args->out, match.InputFiles(), "--out");
    IPT_CHECK(!args->score || match.annotations.has_value(), "--score: {} has no annotations.csv", args->match);
    nn::SetTorchThreads(args->threads);
    detector::DetectorRunOptions options;
    options.heatmap.peak_threshold = args->threshold;
    detector::Detector detector(PackageDirOf(args->model, args->store), options);
    ProgressBar bar("detect", "frames");
    pipeline::DetectTimings timings;
    auto rows = pipeline::DetectMatch(match, detector, args->frames, &timings, bar.Callback());
    bar.Finish();
    io::WriteDetectionsCsv(rows, args->out);
    spdlog::info("wrote {}: {} detections in {} frames; detector {:.1f} ms/frame, decode+stitch {:.1f} ms/frame "
                 "(overlapped), {:.1f} frames/s, peak memory {:.0f} MiB",
                 args->out, rows.size(), timings.frames, 1000 * timings.detector_s / std::max(1, timings.frames),
                 1000 * timings.decode_stitch_s / std::max(1, timings.frames), timings.frames / timings.total_s,
                 PeakRssBytes() / 1048576.0);
    if (args->score) {
      auto s = pipeline::ScoreDetections(match, rows, timings.frames);
      fmt::print("precision {:.4f}  recall {:.4f}  F1 {:.4f}  recall (crowded or occluded) {:.4f} of {}  "
                 "median error {:.3f} m\n",
                 s.precision, s.recall, s.f1, s.recall_hard, s.hard_total, s.median_error_m);
    }
  });
}

}  // namespace ipt::cli

namespace ipt::cli {

void AddEvalCropsCommand(CLI::App& app) {
  struct Args {
    std::vector<std::string> matches;
    std::string model, store = registry::DefaultModelStoreRoot().string();
    int frame_step = 10, threads = 2;
    uint64_t seed = 1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* eval = app.get_subcommand("eval");
  CLI::App* cmd = eval->add_subcommand(
      "crops", "Score a crop encoder (model 2) on annotated matches: crops cut at the ground-truth foot-points\n"
               "(with the training jitter); ReID rank-1 (query: first half of each match, gallery: second half),\n"
               "role accuracy, jersey accuracy on legible crops, foot-point error before/after refinement.");
  cmd->add_option("MATCH", args->matches, "match directories (or directories of matches)")->required();
  cmd->add_option("--model", args->model, "crop_encoder package directory, or a ref in the model store")->required();
  cmd->add_option("--frame-step", args->frame_step, "everyone's crops from every N-th frame (legible ones from all)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_option("--seed", args->seed, "seed of the foot-point jitter")->check(Seed());
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->callback([args]() {
    nn::SetTorchThreads(args->threads);
    crop_encoder::CropEncoder encoder(PackageDirOf(args->model, args->store));
    std::vector<std::string> dirs;
    for (const auto& m : args->matches) {
      if (std::filesystem::exists(std::filesystem::path(m) / io::kMatchYamlName)) {
        dirs.push_back(m);
      } else {
        for (const auto& d : io::FindMatchDirs(m)) dirs.push_back(d.string());
      }
    }
    crop_encoder::CropDataOptions data;
    data.keep_jersey_input = encoder.has_jersey_branch();
    ProgressBar bar("cutting crops", "matches");
    auto dataset = crop_encoder::LoadCropSamples(dirs, args->frame_step, data, args->seed, bar.Callback());
    bar.Finish();
    std::vector<crop_encoder::EncoderInput> inputs;
    inputs.reserve(dataset.samples.size());
    for (const auto& s : dataset.samples) inputs.push_back(crop_encoder::SampleInput(s));
    Stopwatch watch;
    auto features = encoder.EncodeInputs(inputs);
    const double ms_per_crop = 1000 * watch.Seconds() / std::max<size_t>(1, inputs.size());
    auto s = crop_encoder::ScoreCropFeatures(dataset.samples, features);
    fmt::print("{} crops from {} matches ({:.2f} ms per crop)\n", s.crops, dirs.size(), ms_per_crop);
    fmt::print("ReID rank-1        {:.4f}  ({} queries; gallery: the second half of the same match)\n", s.reid_rank1, s.queries);
    fmt::print("role accuracy      {:.4f}\n", s.role_accuracy);
    fmt::print("jersey accuracy    {:.4f}  ({} legible crops; digits with the number head's length)\n",
               s.jersey_accuracy, s.legible);
    fmt::print("  number head only {:.4f}\n", s.jersey_accuracy_number_head);
    fmt::print("  partial crops    {:.4f}  ({} crops showing part of the number)\n", s.jersey_accuracy_partial, s.partial);
    fmt::print("presence accuracy  {:.4f}\n", s.presence_accuracy);
    fmt::print("foot error         {:.3f} m median after refinement, {:.3f} m before (jitter {:.2f} m per axis)\n",
               s.foot_error_m, s.foot_error_unrefined_m, data.jitter_m);
  });
}

}  // namespace ipt::cli
