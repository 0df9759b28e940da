// `ipt eval tracks` at full-match scale: a synthetic 90-minute match (135,000 frames
// at 25 fps, 25 people a frame) and a perturbed prediction, written as pitch-space
// tracking files; then all metrics (HOTA, CLEAR, Identity) on one core, timed, with
// peak memory.
//   build/bench/ipt_bench_eval [--frames N] [--out DIR]
// The files stay in DIR so that the CLI (and other evaluators) can be timed on them:
//   /usr/bin/time -v build/src/ipt/cli/ipt eval tracks --space pitch --gt DIR/gt.txt --pred DIR/pred.txt
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>

#include "ipt/eval/perturb.h"
#include "ipt/eval/similarity.h"
#include "ipt/eval/track_files.h"
#include "ipt/eval/tracking_metrics.h"
#include "ipt/sim/motion.h"
#include "ipt/sim/people.h"
#include "ipt/util/resources.h"

int main(int argc, char** argv) {
  using namespace ipt;  // NOLINT(google-build-using-namespace): benchmark program
  int frames = 135000;
  std::filesystem::path out = std::filesystem::temp_directory_path() / "ipt_bench_eval";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--frames")) frames = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
  }
  cv::setNumThreads(1);
  std::filesystem::create_directories(out);
  Stopwatch gen;
  Rng rng(90);
  sim::People people = sim::MakePeople(sim::PeopleOptions{}, rng);
  auto states = sim::SimulateMotion(people.on_pitch, sim::MotionOptions{}, geometry::PitchDims{}, 25.0, frames, 91);
  std::vector<io::Annotation> gt;
  gt.reserve(static_cast<size_t>(frames) * people.on_pitch.size());
  for (int f = 0; f < frames; ++f) {
    for (size_t i = 0; i < people.on_pitch.size(); ++i) {
      io::Annotation a;
      a.frame = f + 1;
      a.person_id = people.on_pitch[i].entry.player_id;
      a.x_m = states[f].people[i].pos_m.x();
      a.z_m = states[f].people[i].pos_m.y();
      a.category = people.on_pitch[i].entry.category;
      a.jersey = people.on_pitch[i].entry.jersey;
      gt.push_back(a);
    }
  }
  states.clear();
  eval::PerturbOptions perturb;  // 0.3 m noise, 5 % misses, 2 % false positives, 1 switch/min/person
  auto pred = eval::PerturbGroundTruth(gt, perturb, 92);
  {
    std::ofstream g(out / "gt.txt"), p(out / "pred.txt");
    for (const auto& a : gt) g << fmt::format("{},{},{:.3f},{:.3f}\n", a.frame, a.person_id, a.x_m, a.z_m);
    for (const auto& r : pred) p << fmt::format("{},{},{:.3f},{:.3f}\n", r.frame, r.track_id, r.x_m, r.z_m);
  }
  fmt::print("generated {} frames: {} gt rows, {} predicted rows in {:.1f} s -> {}\n", frames, gt.size(), pred.size(),
             gen.Seconds(), out.string());
  gt.clear();
  pred.clear();

  const int64_t rss_before = PeakRssBytes();
  Stopwatch read;
  auto gt_rows = eval::ReadTrackFile(out / "gt.txt", eval::Space::kPitch, true);
  auto pred_rows = eval::ReadTrackFile(out / "pred.txt", eval::Space::kPitch, false);
  eval::Sequence seq = eval::BuildSequence("bench", gt_rows, pred_rows, "gt.txt", "pred.txt");
  const double read_s = read.Seconds();
  Stopwatch metrics;
  auto result = eval::EvaluateSequence(seq, eval::MakePointSimilarity(eval::PointKernel::kLinear, 2.0));
  const double metrics_s = metrics.Seconds();
  fmt::print("read + index: {:.2f} s; HOTA + CLEAR + Identity: {:.2f} s ({:.0f} frames/s, {:.3f} ms/frame); "
             "{} gt ids, {} predicted ids\n", read_s, metrics_s, frames / metrics_s, 1000 * metrics_s / frames,
             seq.num_gt_ids, seq.num_pred_ids);
  fmt::print("HOTA {:.4f}  MOTA {:.4f}  IDF1 {:.4f}; peak memory {:.0f} MiB (generator alone: {:.0f} MiB)\n",
             eval::HotaResult::Mean(result.hota.hota), result.clear.mota, result.identity.idf1,
             PeakRssBytes() / 1048576.0, rss_before / 1048576.0);
  return 0;
}
