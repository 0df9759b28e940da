#include "ipt/tracking/online_tracker.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "ipt/tracking/embedding_distance.h"
#include "ipt/tracking/gated_assignment.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {
namespace {

// Bounds that only refuse nonsense.
constexpr double kMaxGateM = 1000.0;
constexpr double kMaxCosineDistance = 2.0;
constexpr int kMaxConfirmHits = 1000;
constexpr double kMaxHalfCertaintyCrops = 1e6;
constexpr size_t kNumJerseyNumbers = 100;  // 0..99

}  // namespace

void OnlineTrackerOptions::Check() const {
  kalman.Check();
  IPT_CHECK(InUnitInterval(low_score), "low_score must be in [0, 1], got {}", low_score);
  IPT_CHECK(InUnitInterval(high_score), "high_score must be in [0, 1], got {}", high_score);
  IPT_CHECK(InUnitInterval(birth_score), "birth_score must be in [0, 1], got {}", birth_score);
  IPT_CHECK(low_score <= high_score, "low_score {} must be <= high_score {}", low_score,
            high_score);
  IPT_CHECK(birth_score >= high_score, "birth_score {} must be >= high_score {}", birth_score,
            high_score);
  IPT_CHECK(confirm_hits >= 1 && confirm_hits <= kMaxConfirmHits,
            "confirm_hits must be in [1, {}], got {}", kMaxConfirmHits, confirm_hits);
  IPT_CHECK(
      std::isfinite(lost_seconds) && lost_seconds >= 0 && lost_seconds <= limits::kMaxMatchSeconds,
      "lost_seconds must be in [0, {}], got {}", limits::kMaxMatchSeconds, lost_seconds);
  IPT_CHECK(std::isfinite(gate_sigmas) && gate_sigmas > 0 && gate_sigmas <= kMaxGateM,
            "gate_sigmas must be in (0, {}], got {}", kMaxGateM, gate_sigmas);
  IPT_CHECK(std::isfinite(min_gate_m) && min_gate_m > 0, "min_gate_m must be > 0, got {}",
            min_gate_m);
  IPT_CHECK(std::isfinite(max_gate_m) && max_gate_m >= min_gate_m && max_gate_m <= kMaxGateM,
            "max_gate_m must be in [min_gate_m = {}, {}], got {}", min_gate_m, kMaxGateM,
            max_gate_m);
  IPT_CHECK(std::isfinite(appearance_weight_m) && appearance_weight_m >= 0 &&
                appearance_weight_m <= kMaxAppearanceWeightM,
            "appearance_weight_m must be in [0, {}], got {}", kMaxAppearanceWeightM,
            appearance_weight_m);
  IPT_CHECK(std::isfinite(max_appearance_distance) && max_appearance_distance >= 0 &&
                max_appearance_distance <= kMaxCosineDistance,
            "max_appearance_distance must be in [0, {}], got {}", kMaxCosineDistance,
            max_appearance_distance);
  IPT_CHECK(std::isfinite(embedding_momentum) && embedding_momentum >= 0 && embedding_momentum < 1,
            "embedding_momentum must be in [0, 1), got {}", embedding_momentum);
  IPT_CHECK(std::isfinite(kit_weight_m) && kit_weight_m >= 0 && kit_weight_m <= kMaxAppearanceWeightM,
            "kit_weight_m must be in [0, {}], got {}", kMaxAppearanceWeightM, kit_weight_m);
  IPT_CHECK(std::isfinite(kit_momentum) && kit_momentum >= 0 && kit_momentum < 1,
            "kit_momentum must be in [0, 1), got {}", kit_momentum);
  IPT_CHECK(std::isfinite(jersey_weight_m) && jersey_weight_m >= 0 && jersey_weight_m <= kMaxAppearanceWeightM,
            "jersey_weight_m must be in [0, {}], got {}", kMaxAppearanceWeightM, jersey_weight_m);
  IPT_CHECK(std::isfinite(jersey_half_certainty_crops) && jersey_half_certainty_crops > 0 &&
                jersey_half_certainty_crops <= kMaxHalfCertaintyCrops,
            "jersey_half_certainty_crops must be in (0, {}], got {}", kMaxHalfCertaintyCrops,
            jersey_half_certainty_crops);
}

enum class TrackStatus { kTentative, kTracked, kLost };

struct OnlineTracker::Track {
  TrackStatus status = TrackStatus::kTentative;
  int64_t id = 0;  // 0 while tentative
  KalmanFilter filter;
  std::vector<float> embedding;  // moving average, unit norm; empty until one is seen
  std::vector<float> kit;        // the same for the kit
  // P(legible)-weighted sum of the confident detections' number distributions, and the
  // summed P(legible); empty until jersey_weight_m > 0 and a reading is seen.
  std::vector<double> jersey_sum;
  double legible_sum = 0;
  int hits = 0;                  // consecutive matched frames
  int last_matched_frame = 0;
  std::vector<TrackerRow> tentative_rows;  // track_id 0; reported on confirmation
  double gate_m = 0;                       // of the current frame's prediction
};

namespace {

// A pair (track, detection) is possible when the cost is finite.
constexpr double kImpossible = std::numeric_limits<double>::infinity();

std::vector<float> Normalized(const std::vector<float>& v) {
  double norm_sq = 0;
  for (float x : v) norm_sq += double{x} * x;
  const double norm = std::sqrt(norm_sq);
  std::vector<float> out(v.size());
  for (size_t k = 0; k < v.size(); ++k) out[k] = static_cast<float>(v[k] / norm);
  return out;
}

double EuclideanDistance(const std::vector<float>& a, const std::vector<float>& b) {
  IPT_ASSERT(a.size() == b.size());
  double sum_sq = 0;
  for (size_t k = 0; k < a.size(); ++k) sum_sq += (double{a[k]} - b[k]) * (double{a[k]} - b[k]);
  return std::sqrt(sum_sq);
}

// A unit vector's moving average with a new unit vector: normalize(m old + (1 - m) new);
// opposite vectors average to zero, then the new one is kept.
void MixInto(std::vector<float>& average, const std::vector<float>& latest, double momentum) {
  if (average.empty()) {
    average = latest;
    return;
  }
  std::vector<float> mixed(average.size());
  for (size_t c = 0; c < mixed.size(); ++c)
    mixed[c] = static_cast<float>(momentum * average[c] + (1 - momentum) * latest[c]);
  double norm_sq = 0;
  for (float v : mixed) norm_sq += double{v} * v;
  average = norm_sq > 0 ? Normalized(mixed) : latest;
}

// `v` normalized, or empty when it is; its dimension must be `dim` (set by the first).
std::vector<float> CheckedUnitVector(const std::vector<float>& v, const char* what, int frame,
                                     size_t detection, int& dim) {
  if (v.empty()) return {};
  if (dim == 0) dim = static_cast<int>(v.size());
  IPT_CHECK(static_cast<int>(v.size()) == dim, "frame {}: detection {} has a {}-d {}, earlier ones {}-d", frame,
            detection, v.size(), what, dim);
  double norm_sq = 0;
  for (float x : v) norm_sq += double{x} * x;
  IPT_CHECK(std::isfinite(norm_sq) && norm_sq > 0, "frame {}: detection {} has a {} of norm {}", frame, detection,
            what, std::sqrt(norm_sq));
  return Normalized(v);
}

// A detection's jersey reading, checked: 100 probabilities in [0, 1] summing to ~1, and
// P(legible) in [0, 1]; empty when none was given.
std::vector<float> CheckedJersey(const TrackerDetection& det, int frame, size_t detection) {
  if (det.jersey.empty()) return {};
  IPT_CHECK(det.jersey.size() == kNumJerseyNumbers, "frame {}: detection {} has {} jersey probabilities, not {}",
            frame, detection, det.jersey.size(), kNumJerseyNumbers);
  double sum = 0;
  for (float p : det.jersey) {
    IPT_CHECK(InUnitInterval(p), "frame {}: detection {} has a jersey probability {} outside [0, 1]", frame,
              detection, p);
    sum += p;
  }
  IPT_CHECK(std::abs(sum - 1) <= 1e-3, "frame {}: detection {} has jersey probabilities summing to {}", frame,
            detection, sum);
  IPT_CHECK(InUnitInterval(det.legible), "frame {}: detection {} has P(legible) {} outside [0, 1]", frame, detection,
            det.legible);
  return det.jersey;
}

// Radius (m) of a disc around the predicted foot-point: gate_sigmas standard deviations
// along the innovation's major axis, clamped to [min_gate_m, max_gate_m].
double GateRadius(const KalmanFilter& filter, const OnlineTrackerOptions& options) {
  const Eigen::Matrix2d s = filter.InnovationCovariance();
  const double largest_variance =
      Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(s, Eigen::EigenvaluesOnly)
          .eigenvalues()
          .maxCoeff();
  return std::clamp(options.gate_sigmas * std::sqrt(largest_variance), options.min_gate_m,
                    options.max_gate_m);
}

}  // namespace

OnlineTracker::OnlineTracker(const OnlineTrackerOptions& options, double fps)
    : options_(options), fps_(fps) {
  options_.Check();
  IPT_CHECK(std::isfinite(fps) && fps > 0 && fps <= limits::kMaxFps,
            "fps must be in (0, {}], got {}", limits::kMaxFps, fps);
  const double lost_frames = std::ceil(options_.lost_seconds * fps - limits::kFrameRoundingTolerance);
  IPT_CHECK(lost_frames <= limits::kMaxFrames, "lost_seconds * fps = {} frames exceeds {}",
            lost_frames, limits::kMaxFrames);
  lost_frames_ = std::max(0, static_cast<int>(lost_frames));
}

OnlineTracker::~OnlineTracker() = default;
OnlineTracker::OnlineTracker(OnlineTracker&&) noexcept = default;
OnlineTracker& OnlineTracker::operator=(OnlineTracker&&) noexcept = default;

int OnlineTracker::num_confirmed_tracks() const {
  return static_cast<int>(std::count_if(tracks_.begin(), tracks_.end(), [](const Track& t) {
    return t.status != TrackStatus::kTentative;
  }));
}

int OnlineTracker::num_tentative_tracks() const {
  return static_cast<int>(tracks_.size()) - num_confirmed_tracks();
}

int64_t OnlineTracker::num_track_ids() const { return next_track_id_ - 1; }
int OnlineTracker::lost_frames() const { return lost_frames_; }

TrackerFrameResult OnlineTracker::Update(int frame,
                                         const std::vector<TrackerDetection>& detections) {
  IPT_CHECK(frame > last_frame_ && frame <= limits::kMaxFrames,
            "tracker frames must increase and be in [1, {}]: got {} after {}", limits::kMaxFrames,
            frame, last_frame_);
  const bool first_frame = last_frame_ == 0;
  // Detections: finite, bounded, embeddings and kits of one dimension each (normalized here
  // again so that distances stay in [0, 2] whatever the caller's rounding).
  std::vector<std::vector<float>> embeddings(detections.size()), kits(detections.size()),
      jerseys(detections.size());
  for (size_t d = 0; d < detections.size(); ++d) {
    const TrackerDetection& det = detections[d];
    IPT_CHECK(det.foot_in_pitch_m.allFinite() &&
                  det.foot_in_pitch_m.cwiseAbs().maxCoeff() <= limits::kMaxAbsCoordinateM,
              "frame {}: detection {} has foot-point ({}, {}) outside [-{}, {}] m", frame, d,
              det.foot_in_pitch_m.x(), det.foot_in_pitch_m.y(), limits::kMaxAbsCoordinateM,
              limits::kMaxAbsCoordinateM);
    IPT_CHECK(InUnitInterval(det.score), "frame {}: detection {} has score {} outside [0, 1]",
              frame, d, det.score);
    embeddings[d] = CheckedUnitVector(det.embedding, "embedding", frame, d, embedding_dim_);
    if (options_.kit_weight_m > 0) kits[d] = CheckedUnitVector(det.kit, "kit", frame, d, kit_dim_);  // else unread
    if (options_.jersey_weight_m > 0) jerseys[d] = CheckedJersey(det, frame, d);                        // else unread
  }

  // Predict every track to this frame.
  if (!first_frame) {
    const double dt_s = (frame - last_frame_) / fps_;
    for (Track& t : tracks_) t.filter.Predict(dt_s);
  }
  last_frame_ = frame;
  for (Track& t : tracks_) t.gate_m = GateRadius(t.filter, options_);

  std::vector<int> high, low;  // detection indices by score band
  for (int d = 0; d < static_cast<int>(detections.size()); ++d) {
    const double score = detections[d].score;
    if (score >= options_.high_score)
      high.push_back(d);
    else if (score >= options_.low_score)
      low.push_back(d);
  }

  // A confident detection's reading added to a track's number evidence.
  auto add_reading = [](Track& t, const std::vector<float>& jersey, double legible) {
    if (t.jersey_sum.empty()) t.jersey_sum.assign(jersey.size(), 0.0);
    for (size_t n = 0; n < jersey.size(); ++n) t.jersey_sum[n] += legible * jersey[n];
    t.legible_sum += legible;
  };

  // Cost of every (track, detection) pair of a stage; infinite outside the gates.
  auto pair_cost = [&](const Track& t, int d, bool confident_stage) {
    const double distance_m = (detections[d].foot_in_pitch_m - t.filter.position_m()).norm();
    if (distance_m > t.gate_m) return kImpossible;
    double cost = distance_m;
    if ((confident_stage || options_.kit_in_weak_stage) && !t.kit.empty() && !kits[d].empty())
      cost += options_.kit_weight_m * EuclideanDistance(t.kit, kits[d]);
    if (confident_stage && t.legible_sum > 0 && !jerseys[d].empty()) {
      double agreement = 0;  // sum_n P_track(n) P_detection(n)
      for (size_t n = 0; n < kNumJerseyNumbers; ++n) agreement += t.jersey_sum[n] * jerseys[d][n];
      agreement /= t.legible_sum;
      const double certainty = t.legible_sum / (t.legible_sum + options_.jersey_half_certainty_crops);
      cost += options_.jersey_weight_m * detections[d].legible * certainty * std::max(0.0, 1 - agreement);
    }
    if (!confident_stage || t.embedding.empty() || embeddings[d].empty()) return cost;
    const double appearance = CosineDistance(t.embedding, embeddings[d]);
    if (appearance > options_.max_appearance_distance) return kImpossible;
    return cost + options_.appearance_weight_m * appearance;
  };
  std::vector<int> matched_detection(tracks_.size(), -1);  // per track
  std::vector<char> detection_used(detections.size(), 0);
  // Matches tracks[track_ids] to the unused detections among `candidates`.
  auto run_stage = [&](const std::vector<int>& track_ids, const std::vector<int>& candidates,
                       bool confident_stage) {
    std::vector<int> free_detections;
    for (int d : candidates)
      if (!detection_used[d]) free_detections.push_back(d);
    Eigen::MatrixXd cost(track_ids.size(), free_detections.size());
    for (size_t i = 0; i < track_ids.size(); ++i)
      for (size_t j = 0; j < free_detections.size(); ++j)
        cost(i, j) = pair_cost(tracks_[track_ids[i]], free_detections[j], confident_stage);
    for (auto [i, j] : AssignInsideGates(cost)) {
      matched_detection[track_ids[i]] = free_detections[j];
      detection_used[free_detections[j]] = 1;
    }
  };

  // Stage 1: confirmed tracks (tracked or lost) x confident detections, distance + appearance.
  std::vector<int> confirmed;
  for (int k = 0; k < static_cast<int>(tracks_.size()); ++k)
    if (tracks_[k].status != TrackStatus::kTentative) confirmed.push_back(k);
  run_stage(confirmed, high, /*confident_stage=*/true);
  // Stage 2: tracks tracked in the previous frame and still unmatched x weak detections.
  std::vector<int> tracked_left;
  for (int k : confirmed)
    if (matched_detection[k] < 0 && tracks_[k].status == TrackStatus::kTracked)
      tracked_left.push_back(k);
  run_stage(tracked_left, low, /*confident_stage=*/false);
  // Stage 3: tentative tracks x confident detections left over.
  std::vector<int> tentative;
  for (int k = 0; k < static_cast<int>(tracks_.size()); ++k)
    if (tracks_[k].status == TrackStatus::kTentative) tentative.push_back(k);
  run_stage(tentative, high, /*confident_stage=*/true);

  TrackerFrameResult result;
  result.track_ids.assign(detections.size(), std::nullopt);
  std::vector<std::optional<TrackerRow>> row_of_detection(detections.size());
  std::vector<TrackerRow> earlier_rows;
  std::vector<Track> kept;
  kept.reserve(tracks_.size());
  for (size_t k = 0; k < tracks_.size(); ++k) {
    Track& t = tracks_[k];
    const int d = matched_detection[k];
    if (d < 0) {
      if (t.status == TrackStatus::kTentative) continue;  // dropped
      t.status = TrackStatus::kLost;
      if (frame - t.last_matched_frame > lost_frames_) continue;  // removed
      kept.push_back(std::move(t));
      continue;
    }
    const TrackerDetection& det = detections[d];
    t.filter.Update(det.foot_in_pitch_m);
    t.last_matched_frame = frame;
    ++t.hits;
    if (det.score >= options_.high_score) {
      if (!embeddings[d].empty()) MixInto(t.embedding, embeddings[d], options_.embedding_momentum);
      if (!kits[d].empty()) MixInto(t.kit, kits[d], options_.kit_momentum);
      if (!jerseys[d].empty()) add_reading(t, jerseys[d], det.legible);
    }
    TrackerRow row;
    row.frame = frame;
    row.detection_index = det.index;
    row.position_in_pitch_m =
        options_.report_filtered_position ? t.filter.position_m() : det.foot_in_pitch_m;
    row.score = det.score;
    if (t.status == TrackStatus::kTentative) {
      if (t.hits < options_.confirm_hits) {
        t.tentative_rows.push_back(row);
        kept.push_back(std::move(t));
        continue;
      }
      t.id = next_track_id_++;
      if (options_.report_tentative_hits)
        for (TrackerRow& early : t.tentative_rows) {
          early.track_id = t.id;
          earlier_rows.push_back(early);
        }
      t.tentative_rows.clear();
    }
    t.status = TrackStatus::kTracked;
    row.track_id = t.id;
    result.track_ids[d] = t.id;
    row_of_detection[d] = row;
    kept.push_back(std::move(t));
  }

  // Births from the confident detections nobody took.
  for (int d : high) {
    if (detection_used[d] || detections[d].score < options_.birth_score) continue;
    Track t{TrackStatus::kTentative,
            0,
            KalmanFilter(options_.kalman, detections[d].foot_in_pitch_m),
            embeddings[d],
            kits[d],
            {},
            0,
            1,
            frame,
            {},
            0};
    if (!jerseys[d].empty()) add_reading(t, jerseys[d], detections[d].legible);
    TrackerRow row;
    row.frame = frame;
    row.detection_index = detections[d].index;
    row.position_in_pitch_m = detections[d].foot_in_pitch_m;  // the filter starts there
    row.score = detections[d].score;
    if (first_frame || options_.confirm_hits <= 1) {
      t.status = TrackStatus::kTracked;
      t.id = next_track_id_++;
      row.track_id = t.id;
      result.track_ids[d] = t.id;
      row_of_detection[d] = row;
    } else {
      t.tentative_rows.push_back(row);
    }
    kept.push_back(std::move(t));
  }
  tracks_ = std::move(kept);

  // Rows of this frame in detection order, then the earlier ones by (frame, track id).
  std::sort(earlier_rows.begin(), earlier_rows.end(), [](const TrackerRow& a, const TrackerRow& b) {
    return std::tie(a.frame, a.track_id) < std::tie(b.frame, b.track_id);
  });
  for (const std::optional<TrackerRow>& row : row_of_detection)
    if (row) result.rows.push_back(*row);
  result.rows.insert(result.rows.end(), earlier_rows.begin(), earlier_rows.end());
  return result;
}

std::vector<TrackerRow> TrackAll(const OnlineTrackerOptions& options, double fps,
                                 const std::vector<std::vector<TrackerDetection>>& frames) {
  IPT_CHECK(frames.size() <= static_cast<size_t>(limits::kMaxFrames), "{} frames exceed {}",
            frames.size(), limits::kMaxFrames);
  OnlineTracker tracker(options, fps);
  std::vector<TrackerRow> rows;
  for (size_t f = 0; f < frames.size(); ++f) {
    TrackerFrameResult result = tracker.Update(static_cast<int>(f) + 1, frames[f]);
    rows.insert(rows.end(), result.rows.begin(), result.rows.end());
  }
  std::stable_sort(rows.begin(), rows.end(), [](const TrackerRow& a, const TrackerRow& b) {
    return std::tie(a.frame, a.track_id) < std::tie(b.frame, b.track_id);
  });
  return rows;
}

}  // namespace ipt::tracking
