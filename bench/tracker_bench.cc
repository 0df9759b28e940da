// The trackers on a synthetic match of detections (no video): 25 people (configurable)
// walking on a 105 x 68 m pitch at 25 fps, each detection with the crop encoder's fields
// (an appearance per person plus noise, a kit per team, role player, no legible number),
// 3 % missed. The detections are made chunk by chunk as the tracker asks for them, so the
// figures are the tracker's own: ms per frame, frames per second, and peak memory after
// each tenth of the match (it should stay flat: memory is bounded by the chunk, plus the
// output of 8 bytes per detection).
//   build/bench/ipt_bench_tracker GNN_PACKAGE_DIR [minutes=10] [people=25] [threads=2]
#include <fmt/format.h>

#include <Eigen/Core>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/gnn_tracker/gnn_tracker.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/tracking/online_tracker.h"
#include "ipt/util/resources.h"

namespace {
using namespace ipt;  // NOLINT(google-build-using-namespace): benchmark program

constexpr double kFps = 25, kLength = 105, kWidth = 68, kMissRate = 0.03;

struct SyntheticMatch {
  int people = 25, frames = 0;
  std::vector<std::vector<float>> look, kit;
  std::vector<int> frame_of_row;
  std::vector<int> person_of_row;
  std::vector<Eigen::Vector2f> position_of_row;

  SyntheticMatch(int people_, int frames_) : people(people_), frames(frames_) {
    std::mt19937 rng(1);
    std::normal_distribution<float> n(0, 1);
    auto unit = [&](int dim) {
      std::vector<float> v(dim);
      double s = 0;
      for (float& x : v) {
        x = n(rng);
        s += double(x) * x;
      }
      for (float& x : v) x /= static_cast<float>(std::sqrt(s));
      return v;
    };
    for (int p = 0; p < people; ++p) look.push_back(unit(crop_encoder::kEmbeddingDim));
    kit = {unit(crop_encoder::kKitDim), unit(crop_encoder::kKitDim)};
    std::vector<Eigen::Vector2f> pos(people), vel(people, Eigen::Vector2f::Zero());
    std::uniform_real_distribution<float> u(0, 1);
    for (auto& p : pos) p = {static_cast<float>(kLength * u(rng)), static_cast<float>(kWidth * u(rng))};
    // Positions only (8 bytes a row); the features are made per chunk in Load.
    for (int f = 1; f <= frames; ++f) {
      for (int p = 0; p < people; ++p) {
        vel[p] = 0.98f * vel[p] + Eigen::Vector2f(0.3f * n(rng), 0.3f * n(rng));
        pos[p] += vel[p] / static_cast<float>(kFps);
        pos[p] = pos[p].cwiseMax(Eigen::Vector2f(0, 0)).cwiseMin(Eigen::Vector2f(kLength, kWidth));
        if (u(rng) < kMissRate) continue;
        frame_of_row.push_back(f);
        person_of_row.push_back(p);
        position_of_row.push_back(pos[p]);
      }
    }
  }

  tracking::ChunkDetections Load(int64_t begin, int64_t end) const {
    tracking::ChunkDetections d;
    d.embedding_dim = crop_encoder::kEmbeddingDim;
    d.kit_dim = crop_encoder::kKitDim;
    d.role_dim = crop_encoder::kNumRoles;
    std::mt19937 rng(static_cast<uint32_t>(begin));
    std::normal_distribution<float> n(0, 1);
    for (int64_t r = begin; r < end; ++r) {
      const int p = person_of_row[r];
      d.frame.push_back(frame_of_row[r]);
      d.foot_in_pitch_m.push_back(position_of_row[r] + Eigen::Vector2f(0.1f * n(rng), 0.1f * n(rng)));
      d.score.push_back(0.9f);
      std::vector<float> e = look[p];
      double s = 0;
      for (float& x : e) {
        x += 0.1f * n(rng);
        s += double(x) * x;
      }
      for (float& x : e) d.embedding.push_back(x / static_cast<float>(std::sqrt(s)));
      d.kit.insert(d.kit.end(), kit[p % 2].begin(), kit[p % 2].end());
      for (int k = 0; k < crop_encoder::kNumRoles; ++k) d.role.push_back(k == 0 ? 1.f : 0.f);
      d.legible.push_back(0.f);
      d.jersey.insert(d.jersey.end(), io::kNumJerseys, 1.f / io::kNumJerseys);
    }
    return d;
  }
};

}  // namespace

// argv[index] as a number in [min, max], or `fallback` when not given.
double NumberArg(int argc, char** argv, int index, const char* name, double fallback, double min,
                 double max) {
  if (index >= argc) return fallback;
  char* end = nullptr;
  const double value = std::strtod(argv[index], &end);
  if (end == argv[index] || *end != '\0' || !(value >= min && value <= max)) {
    throw std::invalid_argument(fmt::format("{} must be a number in [{}, {}], got '{}'", name, min, max, argv[index]));
  }
  return value;
}

int Run(int argc, char** argv) {
  const double minutes = NumberArg(argc, argv, 2, "minutes", 10, 0.01, 24 * 60);
  const int people = static_cast<int>(NumberArg(argc, argv, 3, "people", 25, 1, 200));
  const int threads = static_cast<int>(NumberArg(argc, argv, 4, "threads", 2, 1, 256));
  const int frames = static_cast<int>(minutes * 60 * kFps);
  nn::SetTorchThreads(threads);
  const int64_t rss_start = PeakRssBytes();
  const SyntheticMatch match(people, frames);
  fmt::print("synthetic match: {} frames ({:.1f} min at 25 fps), {} people, {} detections; peak memory {:.0f} MiB "
             "after making the positions\n",
             frames, minutes, people, match.frame_of_row.size(), PeakRssBytes() / 1048576.0);

  // Online tracker on the same detections (features made per frame).
  {
    tracking::OnlineTracker online(tracking::OnlineTrackerOptions{}, kFps);
    Stopwatch watch;
    int64_t r = 0;
    const int online_frames = std::min(frames, 15000);
    for (int f = 1; f <= online_frames; ++f) {
      const int64_t begin = r;
      while (r < static_cast<int64_t>(match.frame_of_row.size()) && match.frame_of_row[r] == f) ++r;
      const tracking::ChunkDetections d = match.Load(begin, r);
      std::vector<tracking::TrackerDetection> dets(d.size());
      for (int i = 0; i < d.size(); ++i) {
        dets[i].foot_in_pitch_m = d.foot_in_pitch_m[i].cast<double>();
        dets[i].score = d.score[i];
        dets[i].embedding.assign(d.embedding.begin() + i * d.embedding_dim, d.embedding.begin() + (i + 1) * d.embedding_dim);
        dets[i].index = begin + i;
      }
      online.Update(f, dets);
    }
    const double s = watch.Seconds();
    fmt::print("online tracker: {} frames in {:.2f} s: {:.3f} ms/frame, {:.0f} frames/s (features made inside the loop)\n",
               online_frames, s, 1000 * s / online_frames, online_frames / s);
  }

  gnn_tracker::GnnTracker tracker(argv[1], {threads});
  const tracking::MatchScale scale{kFps, kLength, kWidth};
  Stopwatch watch;
  int next_report = 1;
  const tracking::MatchTracks tracks = tracker.Track(
      match.frame_of_row, frames, [&](int64_t b, int64_t e) { return match.Load(b, e); }, scale,
      [&](int64_t done, int64_t total) {
        if (done * 10 >= static_cast<int64_t>(next_report) * total) {
          fmt::print("  {:>3}% of the match ({:.1f} min): {:.2f} ms/frame so far, peak memory {:.0f} MiB\n", next_report * 10,
                     done / kFps / 60, 1000 * watch.Seconds() / done, PeakRssBytes() / 1048576.0);
          ++next_report;
        }
      });
  const double s = watch.Seconds();
  fmt::print("gnn tracker: {} frames in {:.1f} s: {:.2f} ms/frame, {:.0f} frames/s; {} chunks, largest {} detections; "
             "{} tracks; peak memory {:.0f} MiB (start {:.0f} MiB)\n",
             frames, s, 1000 * s / frames, frames / s, tracks.chunks, tracks.max_chunk_detections, tracks.num_tracks,
             PeakRssBytes() / 1048576.0, rss_start / 1048576.0);
  return 0;
}

int main(int argc, char** argv) {
  const std::string_view first = argc > 1 ? argv[1] : "";
  const bool misused = argc < 2 || argc > 5;
  if (misused || first == "-h" || first == "--help") {
    fmt::print(misused ? stderr : stdout,
               "usage: {} GNN_PACKAGE_DIR [minutes=10] [people=25] [threads=2]\n"
               "Times the online and the GNN tracker on a synthetic match of `people` walking for `minutes`\n"
               "(detections with the crop encoder's fields made chunk by chunk): ms per frame, frames per\n"
               "second and peak memory. GNN_PACKAGE_DIR: a tracker package, e.g. assets/models/<ref>.\n",
               argv[0]);
    return misused ? 2 : 0;
  }
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
