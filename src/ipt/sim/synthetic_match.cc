#include "ipt/sim/synthetic_match.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <algorithm>
#include <cmath>
#include <exception>
#include <set>
#include <thread>

#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/io/video.h"
#include "ipt/sim/jersey_number.h"
#include "ipt/sim/renderer.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::sim {
namespace {
constexpr double kPersonBoxWidthM = 0.6;  // body width used for occlusion boxes
constexpr int kOcclusionSamplesX = 5, kOcclusionSamplesY = 10;

const geometry::Camera& NearestCamera(const geometry::Rig& rig, const Eigen::Vector2d& foot_m) {
  const Eigen::Vector3d foot = geometry::PitchPoint(foot_m);
  const auto& cameras = rig.cameras;
  return (cameras[0].center_in_pitch() - foot).squaredNorm() <= (cameras[1].center_in_pitch() - foot).squaredNorm()
             ? cameras[0]
             : cameras[1];
}
}  // namespace

std::vector<io::Annotation> AnnotateFrame(const FrameState& state, const std::vector<SimPerson>& people,
                                          int frame, const geometry::Rig& rig,
                                          const geometry::Panorama& panorama) {
  struct Box {
    double x0, x1, y0, y1, distance;
  };
  const size_t n = people.size();
  std::vector<Box> boxes(n);
  for (size_t i = 0; i < n; ++i) {
    const Eigen::Vector3d foot = geometry::PitchPoint(state.people[i].pos_m);
    const Eigen::Vector3d head = geometry::PitchPoint(state.people[i].pos_m, people[i].look.height_m);
    auto f = panorama.PixelFromPitch(foot), h = panorama.PixelFromPitch(head);
    // Nobody there (off the pitch), or a point at the rig centre itself: no box, occludes nothing.
    if (!state.people[i].present || !f || !h) {
      boxes[i] = {0, -1, 0, -1, 0};
      continue;
    }
    double half_width = 0.5 * kPersonBoxWidthM / people[i].look.height_m * std::abs(f->y() - h->y());
    boxes[i] = {f->x() - half_width, f->x() + half_width, h->y(), f->y(), (foot - panorama.center_in_pitch()).norm()};
  }
  // Fraction of the samples of the panorama rectangle [x0, x1] x [y0, y1] inside the
  // box of someone nearer than `distance` (person `self` excluded).
  auto hidden_fraction = [&](double x0, double x1, double y0, double y1, double distance, size_t self) {
    int hidden = 0;
    for (int sy = 0; sy < kOcclusionSamplesY; ++sy) {
      for (int sx = 0; sx < kOcclusionSamplesX; ++sx) {
        const double x = x0 + (sx + 0.5) / kOcclusionSamplesX * (x1 - x0);
        const double y = y0 + (sy + 0.5) / kOcclusionSamplesY * (y1 - y0);
        for (size_t k = 0; k < n; ++k) {
          const Box& o = boxes[k];
          if (k != self && o.distance < distance && x >= o.x0 && x <= o.x1 && y >= o.y0 && y <= o.y1) {
            ++hidden;
            break;
          }
        }
      }
    }
    return static_cast<double>(hidden) / (kOcclusionSamplesX * kOcclusionSamplesY);
  };
  // The same for a printed number: its corners' bounding rectangle in the panorama.
  auto number_occluded = [&](const PrintedNumber& number, size_t self) {
    const Eigen::Vector3d hr = number.text_right * (0.5 * number.width_m), hu = number.text_up * (0.5 * number.height_m);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    const Eigen::Vector3d corners[4] = {number.center - hr + hu, number.center + hr + hu, number.center + hr - hu,
                                        number.center - hr - hu};
    for (const Eigen::Vector3d& corner : corners) {
      auto p = panorama.PixelFromPitch(corner);
      if (!p) return 0.0;
      x0 = std::min(x0, p->x()), x1 = std::max(x1, p->x()), y0 = std::min(y0, p->y()), y1 = std::max(y1, p->y());
    }
    return hidden_fraction(x0, x1, y0, y1, boxes[self].distance, self);
  };
  std::vector<io::Annotation> rows;
  for (size_t i = 0; i < n; ++i) {
    if (!state.people[i].present) continue;
    io::Annotation a;
    a.frame = frame;
    a.person_id = people[i].entry.player_id;
    a.x_m = state.people[i].pos_m.x();
    a.z_m = state.people[i].pos_m.y();
    a.category = people[i].entry.category;
    a.jersey = people[i].entry.jersey;
    a.in_view = false;
    for (const auto& camera : rig.cameras) {
      auto f = camera.PixelFromPitch(geometry::PitchPoint(state.people[i].pos_m));
      auto h = camera.PixelFromPitch(geometry::PitchPoint(state.people[i].pos_m, people[i].look.height_m));
      a.in_view = a.in_view || (f && h && camera.InImage(*f) && camera.InImage(*h));
    }
    const Box& b = boxes[i];
    a.occluded = hidden_fraction(b.x0, b.x1, b.y0, b.y1, b.distance, i);
    // Jersey-number labels from the camera the crop is cut from. Without a crop (no
    // camera sees the foot-point) the side is the one facing the nearer camera.
    auto view = geometry::MakeCropView(rig.cameras, state.people[i].pos_m);
    const geometry::Camera& source = view ? rig.cameras[view->camera_index] : NearestCamera(rig, state.people[i].pos_m);
    NumberLabel label = LabelNumber(people[i], state.people[i], source, [&](const PrintedNumber& number) {
      return number_occluded(number, i);
    });
    if (!view) label.number_px = 0, label.legibility = io::Legibility::kNone;
    a.number_side = label.side;
    a.number_px = label.number_px;
    a.legibility = label.legibility;
    rows.push_back(a);
  }
  return rows;
}

std::vector<io::Substitution> SubstitutionsMade(const People& people, const std::vector<FrameState>& frames) {
  std::vector<io::Substitution> made;
  for (const PlannedSubstitution& s : people.substitutions) {
    for (size_t f = 0; f < frames.size(); ++f) {
      if (!frames[f].people[s.player_in].present) continue;
      IPT_ASSERT(f > 0 && !frames[f].people[s.player_out].present && frames[f - 1].people[s.player_out].present);
      made.push_back({static_cast<int>(f) + 1, people.on_pitch[s.player_out].entry.player_id,
                      people.on_pitch[s.player_in].entry.player_id});
      break;
    }
  }
  std::stable_sort(made.begin(), made.end(), [](const auto& a, const auto& b) { return a.frame < b.frame; });
  return made;
}

int MatchFrameCount(double seconds, double fps) {
  IPT_CHECK(seconds > 0 && seconds <= limits::kMaxMatchSeconds,
            "the match length must be in (0, {}] seconds (12 hours), got {}", limits::kMaxMatchSeconds, seconds);
  IPT_CHECK(fps > 0 && fps <= limits::kMaxFps, "fps must be in (0, {}], got {}", limits::kMaxFps, fps);
  const double frames = std::max(1.0, std::round(seconds * fps));
  IPT_CHECK(frames <= limits::kMaxFrames, "{} s at {} fps is {} frames, more than the {} ipt handles", seconds, fps,
            frames, limits::kMaxFrames);
  return static_cast<int>(frames);
}

void WriteOptions::Check() const {
  IPT_CHECK(threads >= 1 && threads <= 2, "threads must be 1 or 2 (one per camera), got {}", threads);
}

SyntheticMatch SimulateMatch(const SimConfig& config, uint64_t seed, double seconds) {
  config.Check();
  const int frame_count = MatchFrameCount(seconds, config.fps);
  SyntheticMatch m;
  Rng rng(seed);
  m.people = MakePeople(config.people, rng);
  m.frames = SimulateMotion(m.people.on_pitch, config.motion, config.pitch, config.fps, frame_count, rng.Bits(),
                            m.people.substitutions);

  geometry::Rig rig = geometry::MakeDefaultRig(config.rig, config.pitch);
  io::MatchInfo& info = m.info;
  info.name = fmt::format("synthetic-seed-{}", seed);
  info.pitch = config.pitch;
  info.fps = config.fps;
  info.frame_count = frame_count;
  info.cameras = {{rig.cameras[0], "left.mp4"}, {rig.cameras[1], "right.mp4"}};
  info.panorama = config.panorama;
  info.team_a_name = m.people.team_a_name;
  info.team_b_name = m.people.team_b_name;
  info.roster = m.people.roster;
  info.substitutions = SubstitutionsMade(m.people, m.frames);

  geometry::Panorama panorama(rig, config.panorama);
  for (int f = 0; f < frame_count; ++f) {
    auto rows = AnnotateFrame(m.frames[f], m.people.on_pitch, f + 1, rig, panorama);
    m.annotations.insert(m.annotations.end(), rows.begin(), rows.end());
  }
  return m;
}

SyntheticMatch WriteSyntheticMatch(const SimConfig& config, uint64_t seed, double seconds,
                                   const std::filesystem::path& out, const WriteOptions& options,
                                   const ProgressFn& progress) {
  namespace fs = std::filesystem;
  // Everything that can be refused is refused before any work starts.
  options.Check();
  config.Check();
  MatchFrameCount(seconds, config.fps);
  CheckReplaceableOutputDir(out, options.overwrite, "output directory");
  SyntheticMatch m = SimulateMatch(config, seed, seconds);
  spdlog::info("simulated {} frames of {} people ({:.1f} s at {} fps)", m.info.frame_count,
               m.people.on_pitch.size(), seconds, config.fps);

  AtomicPath dir(out);
  fs::create_directories(dir.temp());
  WriteOutputMarker(dir.temp());  // marks it as ours: only such a directory may be replaced
  io::WriteMatchYaml(m.info, dir.temp() / io::kMatchYamlName);
  io::WriteAnnotationsCsv(m.annotations, dir.temp() / io::kAnnotationsCsvName);

  const int frames = m.info.frame_count;
  const int64_t total = 2LL * frames;
  std::atomic<int64_t> done{0};
  std::exception_ptr errors[2];
  auto render_camera = [&](int c) {
    try {
      const auto& entry = m.info.cameras[c];
      const auto& in = entry.camera.intrinsics();
      CameraRenderer renderer(entry.camera, config.pitch, config.render, seed * 2 + c + 1);
      io::VideoWriter writer(dir.temp() / entry.video, config.fps, cv::Size(in.width_px, in.height_px),
                             config.render.codec);
      cv::Mat image;
      for (int f = 0; f < frames; ++f) {
        renderer.Render(m.frames[f], m.people.on_pitch, f / config.fps, &image);
        writer.Write(image);
        int64_t d = ++done;
        if (progress) progress(d, total);
      }
      writer.Close();
    } catch (...) {
      errors[c] = std::current_exception();
    }
  };
  if (options.threads >= 2) {
    std::thread other(render_camera, 1);
    render_camera(0);
    other.join();
  } else {
    render_camera(0);
    render_camera(1);
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  dir.Commit(/*replace_existing=*/true);  // CheckReplaceableOutputDir allowed it before any work
  return m;
}

SeedSplit SplitOfSeed(uint64_t seed) {
  if (seed >= kFirstTrainSeed && seed <= kLastTrainSeed) return SeedSplit::kTrain;
  if (seed >= kFirstValidationSeed && seed <= kLastValidationSeed) return SeedSplit::kValidate;
  return SeedSplit::kHeldOut;
}

const char* SeedSplitName(SeedSplit split) {
  switch (split) {
    case SeedSplit::kTrain: return "train";
    case SeedSplit::kValidate: return "validate";
    case SeedSplit::kHeldOut: return "held-out";
  }
  return "";
}

namespace {
uint64_t ParseSeed(std::string_view text, const std::string& list) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  IPT_CHECK(!text.empty() && ec == std::errc() && ptr == text.data() + text.size(),
            "seeds '{}': '{}' is not an integer in 0..18446744073709551615 (write A-B or A,B,C)", Echo(list),
            Echo(text));
  return value;
}
}  // namespace

std::vector<uint64_t> ParseSeedList(const std::string& text) {
  std::vector<uint64_t> seeds;
  const size_t dash = text.find('-');
  if (dash != std::string::npos) {
    const uint64_t first = ParseSeed(std::string_view(text).substr(0, dash), text);
    const uint64_t last = ParseSeed(std::string_view(text).substr(dash + 1), text);
    IPT_CHECK(first <= last, "seeds '{}': the range is empty ({} > {})", Echo(text), first, last);
    IPT_CHECK(last - first < kMaxDatasetSeeds, "seeds '{}': more than {} seeds in one command", Echo(text),
              kMaxDatasetSeeds);
    for (uint64_t s = first;; ++s) {
      seeds.push_back(s);
      if (s == last) break;
    }
    return seeds;
  }
  std::set<uint64_t> seen;
  size_t begin = 0;
  for (;;) {
    const size_t comma = text.find(',', begin);
    const uint64_t seed = ParseSeed(std::string_view(text).substr(begin, comma - begin), text);
    IPT_CHECK(seen.insert(seed).second, "seeds '{}': seed {} is listed twice", Echo(text), seed);
    seeds.push_back(seed);
    IPT_CHECK(seeds.size() <= kMaxDatasetSeeds, "seeds '{}': more than {} seeds in one command", Echo(text),
              kMaxDatasetSeeds);
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return seeds;
}

std::filesystem::path DatasetMatchDir(const std::filesystem::path& dir, uint64_t seed) {
  return dir / fmt::format("seed-{}", seed);
}

}  // namespace ipt::sim
