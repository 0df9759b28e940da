// Model benchmarks with 2 LibTorch threads (the target machine's cores):
//  - detector forward + peak decoding on one 512x1024 panorama (ms per panorama)
//  - detector training step on a batch of patches (ms per step)
//  - crop encoder forward on the 25 crops of a frame (ms per frame), and its training step
//  - the online tracker on 25 people with 64-d embeddings (ms per frame)
// Untrained weights: speed does not depend on the values.
#include <benchmark/benchmark.h>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/crop_encoder/crop_encoder_net.h"
#include "ipt/detector/detector_net.h"
#include "ipt/detector/heatmap.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/tracking/online_tracker.h"
#include "ipt/util/random.h"
#include "ipt/util/resources.h"

namespace {
using namespace ipt;  // NOLINT(google-build-using-namespace): benchmark file, not a header

void ReportMemory(benchmark::State& state) {
  state.counters["peak_rss_MiB"] = static_cast<double>(PeakRssBytes()) / (1 << 20);
}

void BM_DetectorPanorama(benchmark::State& state) {
  nn::SetTorchThreads(static_cast<int>(state.range(0)));
  torch::manual_seed(1);
  detector::DetectorNet net{detector::DetectorNetConfig{}};
  net->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::rand({1, 3, 512, 1024});
  detector::HeatmapOptions options;
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  for (auto _ : state) {
    auto out = net->forward(x);
    torch::Tensor heat = torch::sigmoid(out.heat_logits).contiguous();
    torch::Tensor off = out.offset.contiguous();
    auto peaks = detector::FindPeaks(heat[0][0].data_ptr<float>(), off[0][0].data_ptr<float>(),
                                     off[0][1].data_ptr<float>(), 256, 512, options);
    benchmark::DoNotOptimize(peaks);
  }
  state.counters["params"] = static_cast<double>(params);
  state.counters["panoramas_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  ReportMemory(state);
}
BENCHMARK(BM_DetectorPanorama)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DetectorTrainStep(benchmark::State& state) {
  nn::SetTorchThreads(2);
  torch::manual_seed(1);
  detector::DetectorNet net{detector::DetectorNetConfig{}};
  torch::optim::AdamW opt(net->parameters(), 1e-3);
  torch::Tensor x = torch::rand({8, 3, 256, 512});
  torch::Tensor target = torch::rand({8, 1, 128, 256}) * 0.5;
  for (auto _ : state) {
    opt.zero_grad();
    auto loss = detector::FocalLoss(net->forward(x).heat_logits, target);
    loss.backward();
    opt.step();
  }
  state.counters["patches_per_s"] = benchmark::Counter(8.0 * state.iterations(), benchmark::Counter::kIsRate);
  ReportMemory(state);
}
BENCHMARK(BM_DetectorTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// The default recipe's sizes (configs/train/crop_encoder.yaml); range(1) = 1 adds the
// jersey branch (112 x 128 torso window at full resolution), as in the default package.
crop_encoder::CropEncoderNetConfig RecipeConfig(bool jersey_branch) {
  crop_encoder::CropEncoderNetConfig c;
  c.channels = {16, 32, 64, 128};
  if (jersey_branch) c.jersey_branch = {16, 24, 48, 64};
  return c;
}

void BM_CropEncoderFrame(benchmark::State& state) {
  nn::SetTorchThreads(static_cast<int>(state.range(0)));
  torch::manual_seed(1);
  crop_encoder::CropEncoderNet net{RecipeConfig(state.range(1) != 0)};
  net->eval();
  torch::NoGradGuard no_grad;
  constexpr int kCrops = 25;
  torch::Tensor x = torch::rand({kCrops, 3, crop_encoder::kNetworkInputHeight, crop_encoder::kNetworkInputWidth});
  torch::Tensor j = torch::rand({kCrops, 3, crop_encoder::kJerseyInputHeight, crop_encoder::kJerseyInputWidth});
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(x, net->has_jersey_branch() ? j : torch::Tensor()));
  state.counters["params"] = static_cast<double>(params);
  state.counters["crops_per_s"] = benchmark::Counter(kCrops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  ReportMemory(state);
}
BENCHMARK(BM_CropEncoderFrame)->Args({1, 1})->Args({2, 1})->Args({2, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CropEncoderTrainStep(benchmark::State& state) {
  nn::SetTorchThreads(2);
  torch::manual_seed(1);
  crop_encoder::CropEncoderNet net{RecipeConfig(state.range(0) != 0)};
  torch::optim::AdamW opt(net->parameters(), 1e-3);
  constexpr int kCrops = 96;  // the default recipe's batch
  torch::Tensor x = torch::rand({kCrops, 3, crop_encoder::kNetworkInputHeight, crop_encoder::kNetworkInputWidth});
  torch::Tensor j = torch::rand({kCrops, 3, crop_encoder::kJerseyInputHeight, crop_encoder::kJerseyInputWidth});
  torch::Tensor y = torch::randint(0, 100, {kCrops}, torch::kInt64);
  for (auto _ : state) {
    opt.zero_grad();
    auto out = net->forward(x, net->has_jersey_branch() ? j : torch::Tensor());
    auto loss = torch::nn::functional::cross_entropy(out.at(crop_encoder::kNumberField), y) +
                out.at(crop_encoder::kEmbeddingField).sum();
    loss.backward();
    opt.step();
  }
  state.counters["crops_per_s"] = benchmark::Counter(kCrops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  ReportMemory(state);
}
BENCHMARK(BM_CropEncoderTrainStep)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OnlineTracker(benchmark::State& state) {
  constexpr int kPeople = 25, kFrames = 1500;  // one minute at 25 fps
  constexpr double kFps = 25;
  Rng rng(3);
  std::vector<Eigen::Vector2d> position(kPeople), velocity(kPeople);
  std::vector<std::vector<float>> look(kPeople, std::vector<float>(64));
  for (int p = 0; p < kPeople; ++p) {
    position[p] = {rng.Uniform(5, 100), rng.Uniform(5, 63)};
    for (auto& v : look[p]) v = static_cast<float>(rng.Normal());
  }
  std::vector<std::vector<tracking::TrackerDetection>> frames(kFrames);
  for (int f = 0; f < kFrames; ++f) {
    for (int p = 0; p < kPeople; ++p) {
      velocity[p] = 0.95 * velocity[p] + Eigen::Vector2d(rng.Normal(0, 0.5), rng.Normal(0, 0.5));
      position[p] += velocity[p] / kFps;
      if (rng.Bernoulli(0.03)) continue;  // a miss
      tracking::TrackerDetection d;
      d.foot_in_pitch_m = position[p] + Eigen::Vector2d(rng.Normal(0, 0.1), rng.Normal(0, 0.1));
      d.score = rng.Uniform(0.4, 1.0);
      d.embedding = look[p];
      d.index = p;
      frames[f].push_back(d);
    }
  }
  Stopwatch watch;
  for (auto _ : state) {
    tracking::OnlineTracker tracker(tracking::OnlineTrackerOptions{}, kFps);
    for (int f = 0; f < kFrames; ++f) benchmark::DoNotOptimize(tracker.Update(f + 1, frames[f]));
  }
  state.counters["ms_per_frame"] = 1000 * watch.Seconds() / (static_cast<double>(state.iterations()) * kFrames);
  ReportMemory(state);
}
BENCHMARK(BM_OnlineTracker)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  ipt::KeepLargeAllocationsInHeap();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
