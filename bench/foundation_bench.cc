// Foundation benchmarks, on one core (cv::setNumThreads(1)):
//  - render both cameras at 1280x720 (frames per second; target >= 25)
//  - panorama from two decoded frames (ms per frame; target <= 5 ms), on 1 and 2 threads
//  - perspective crops for 25 people (ms per frame)
//  - match simulation without pixels (ms per frame)
// Each reports peak resident memory of the process so far.
#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>

#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/sim/renderer.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/util/resources.h"

namespace {

using namespace ipt;  // NOLINT(google-build-using-namespace): benchmark file, not a header

// A 4-second default match, simulated once.
const sim::SyntheticMatch& Match() {
  static const sim::SyntheticMatch match = sim::SimulateMatch(sim::SimConfig{}, 7, 4.0);
  return match;
}

void ReportMemory(benchmark::State& state) {
  state.counters["peak_rss_MiB"] = static_cast<double>(PeakRssBytes()) / (1 << 20);
}

void BM_RenderBothCameras(benchmark::State& state) {
  cv::setNumThreads(1);
  const auto& m = Match();
  sim::SimConfig config;
  sim::CameraRenderer left(m.info.cameras[0].camera, config.pitch, config.render, 1);
  sim::CameraRenderer right(m.info.cameras[1].camera, config.pitch, config.render, 2);
  cv::Mat a, b;
  size_t f = 0;
  for (auto _ : state) {
    const auto& frame = m.frames[f % m.frames.size()];
    left.Render(frame, m.people.on_pitch, f / 25.0, &a);
    right.Render(frame, m.people.on_pitch, f / 25.0, &b);
    ++f;
    benchmark::DoNotOptimize(a.data);
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["people"] = static_cast<double>(m.people.on_pitch.size());
  state.SetLabel("2 cameras x 1280x720, 25 people");
  ReportMemory(state);
}
BENCHMARK(BM_RenderBothCameras)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PanoramaStitch(benchmark::State& state) {
  cv::setNumThreads(static_cast<int>(state.range(0)));
  const auto& m = Match();
  sim::SimConfig config;
  geometry::Panorama panorama(m.info.MakeRig(), m.info.panorama);
  sim::CameraRenderer left(m.info.cameras[0].camera, config.pitch, config.render, 1);
  sim::CameraRenderer right(m.info.cameras[1].camera, config.pitch, config.render, 2);
  cv::Mat a, b, pano;
  left.Render(m.frames[0], m.people.on_pitch, 0, &a);
  right.Render(m.frames[0], m.people.on_pitch, 0, &b);
  for (auto _ : state) {
    panorama.Stitch(a, b, &pano);
    benchmark::DoNotOptimize(pano.data);
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("2 x 1280x720 -> 512x1024, threads=" + std::to_string(state.range(0)));
  ReportMemory(state);
  cv::setNumThreads(1);
}
BENCHMARK(BM_PanoramaStitch)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Crops25People(benchmark::State& state) {
  cv::setNumThreads(1);
  const auto& m = Match();
  sim::SimConfig config;
  geometry::Rig rig = m.info.MakeRig();
  sim::CameraRenderer left(rig.cameras[0], config.pitch, config.render, 1);
  sim::CameraRenderer right(rig.cameras[1], config.pitch, config.render, 2);
  cv::Mat frames[2];
  left.Render(m.frames[0], m.people.on_pitch, 0, &frames[0]);
  right.Render(m.frames[0], m.people.on_pitch, 0, &frames[1]);
  geometry::CropOptions options;
  options.grid_step_px = static_cast<int>(state.range(0));
  size_t crops = 0;
  for (auto _ : state) {
    for (const auto& p : m.frames[0].people) {
      auto view = geometry::MakeCropView(rig.cameras, p.pos_m, options);
      if (!view) continue;
      cv::Mat crop = geometry::CutCrop(frames[view->camera_index], rig.cameras[view->camera_index], *view, options);
      benchmark::DoNotOptimize(crop.data);
      ++crops;
    }
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["crops_per_frame"] = static_cast<double>(crops) / state.iterations();
  state.SetLabel("128x256 crops, grid_step_px=" + std::to_string(options.grid_step_px));
  ReportMemory(state);
}
BENCHMARK(BM_Crops25People)->Arg(8)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimulateMatch(benchmark::State& state) {
  for (auto _ : state) {
    auto m = sim::SimulateMatch(sim::SimConfig{}, 3, 10.0);  // 250 frames, ground truth included
    benchmark::DoNotOptimize(m.annotations.data());
  }
  state.counters["frames_per_s"] = benchmark::Counter(250.0 * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel("250 frames, 25 people, motion + annotations");
  ReportMemory(state);
}
BENCHMARK(BM_SimulateMatch)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
