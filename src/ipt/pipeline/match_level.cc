#include "ipt/pipeline/match_level.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "ipt/eval/ptfe.h"
#include "ipt/io/match.h"
#include "ipt/identity_resolver/identity_resolver_training.h"
#include "ipt/jn_classifier/jn_classifier_training.h"
#include "ipt/pipeline/models.h"
#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/tracking/exchanges.h"
#include "ipt/tracking/name_elimination.h"
#include "ipt/tracking/substitution_gaps.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

MatchLayers GetMatchLayers(const fs::path& match_dir, const std::map<std::string, std::string>& refs,
                           const fs::path& model_store, const fs::path& cache) {
  RegisterModels();  // idempotent: the producers of layers not in the store
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  store::ArtifactStore store(cache.empty() ? store::DefaultArtifactStoreRoot() : cache);
  store::PrecomputeOptions precompute;
  precompute.model_store = model_store;
  MatchLayers m;
  const store::LayerResult frame = store::GetOrCompute(store, graph, "frame", match_dir, refs, store::ProducerRegistry::Global(), precompute);
  m.frame_key = frame.key.key;
  m.frame_hit = frame.hit;
  m.frames = ReadFrameLayer(frame.tensors, "frame layer " + frame.key.key);
  const store::LayerResult track = store::GetOrCompute(store, graph, "track", match_dir, refs, store::ProducerRegistry::Global(), precompute);
  m.track_key = track.key.key;
  m.track_hit = track.hit;
  m.tracks = ReadTrackLayer(track.tensors, m.frames.rows, "track layer " + track.key.key);
  return m;
}

std::map<std::string, std::string> TrackLayerRefs(const std::map<std::string, std::string>& upstream_refs,
                                                  const fs::path& model_store) {
  std::map<std::string, std::string> refs;
  for (const char* model : {"tracker", "crop_encoder"}) {
    auto it = upstream_refs.find(model);
    IPT_CHECK(it != upstream_refs.end(), "the track layer needs the collection's {} (--models)", model);
    refs[model] = it->second;
  }
  const registry::ModelStore store(model_store.empty() ? registry::DefaultModelStoreRoot() : model_store);
  const registry::ModelManifest tracker = registry::ReadPackage(store.PackageDir(refs["tracker"]));
  auto it = tracker.trained_with.find("detector");
  if (it == tracker.trained_with.end()) {
    throw InputError((store.PackageDir(refs["tracker"]) / registry::kManifestFileName).string(), 0, "trained_with.detector",
                     "missing: the tracker does not say which detector made its frame layer");
  }
  refs["detector"] = it->second;
  auto crop = tracker.trained_with.find("crop_encoder");
  if (crop == tracker.trained_with.end() || crop->second != refs["crop_encoder"]) {
    throw InputError((store.PackageDir(refs["tracker"]) / registry::kManifestFileName).string(), 0, "trained_with.crop_encoder",
                     "the tracker was not trained with the collection's crop encoder");
  }
  return refs;
}

std::map<int64_t, std::vector<int64_t>> RowsOfTracks(const TrackLayer& tracks) {
  std::map<int64_t, std::vector<int64_t>> rows;
  for (int64_t i = 0; i < static_cast<int64_t>(tracks.track_id.size()); ++i) {
    if (tracks.track_id[i] >= 0) rows[tracks.track_id[i]].push_back(i);
  }
  return rows;
}

int64_t NextTrackId(const TrackLayer& tracks) {
  int64_t next_id = 1;
  for (int64_t id : tracks.track_id) next_id = std::max(next_id, id + 1);
  return next_id;
}

jn_classifier::JnTrack JnTrackOfRows(const FrameLayer& frames, const std::vector<int64_t>& rows) {
  jn_classifier::JnTrack t;
  for (int64_t r : rows) {
    t.Append(frames.Row(crop_encoder::kPresenceField, r), frames.Row(crop_encoder::kDigitsField, r),
             frames.Row(crop_encoder::kNumberField, r));
  }
  return t;
}

tracking::DetectionEvidence DetectionEvidenceOfRow(const FrameLayer& frames, const FrameRowBlock& layer, int64_t row,
                                                   const float* position_m,
                                                   std::array<float, crop_encoder::kNumRoles>* roles) {
  tracking::DetectionEvidence e;
  e.frame = static_cast<int>(frames.frame[row]);
  e.foot_in_pitch_m = {position_m[0], position_m[1]};
  crop_encoder::Softmax(layer.Row(crop_encoder::kRoleField, row), crop_encoder::kNumRoles, roles->data());
  static_assert(tracking::kNumRoles == 3 && crop_encoder::kNumRoles == 4, "roles: player, goalkeeper, referee (+ none)");
  static_assert(static_cast<int>(tracking::Role::kReferee) == static_cast<int>(crop_encoder::Role::kReferee));
  for (int k = 0; k < tracking::kNumRoles; ++k) e.role_probabilities[k] = (*roles)[k];
  const float* kit = layer.Row(crop_encoder::kKitField, row);
  e.kit_embedding.assign(kit, kit + crop_encoder::kKitDim);
  crop_encoder::Softmax(layer.Row(crop_encoder::kPresenceField, row), crop_encoder::kNumPresence,
                        e.jersey_presence.data());
  const std::array<float, crop_encoder::kNumNumbers> numbers =
      crop_encoder::JerseyNumberProbabilities(layer.Row(crop_encoder::kNumberField, row),
                                              layer.Row(crop_encoder::kDigitsField, row));
  static_assert(crop_encoder::kNumNumbers == io::kNumJerseys && io::kMinJersey == 0 &&
                crop_encoder::kNumNumbers >= tracking::kMaxJerseyCandidates);
  std::array<int, crop_encoder::kNumNumbers> order;
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + tracking::kMaxJerseyCandidates, order.end(),
                    [&](int a, int b) { return numbers[a] > numbers[b] || (numbers[a] == numbers[b] && a < b); });
  for (int k = 0; k < tracking::kMaxJerseyCandidates; ++k) {
    e.jersey_candidates.push_back({io::kMinJersey + order[k], numbers[order[k]]});
  }
  return e;
}

RowTruth LabelRows(const FrameLayer& frames, const std::vector<io::Annotation>& annotations) {
  RowTruth t;
  t.person = LabelDetections(frames, annotations, eval::PtfeOptions{}.detection_radius_m, &t.category);
  std::map<std::pair<int, int>, const io::Annotation*> by_frame_person;
  for (const auto& a : annotations) by_frame_person[{a.frame, a.person_id}] = &a;
  t.jersey.assign(frames.rows, -1);
  t.legibility.assign(frames.rows, io::Legibility::kNone);
  for (int64_t r = 0; r < frames.rows; ++r) {
    if (t.person[r] < 0) continue;
    const io::Annotation* a = by_frame_person.at({static_cast<int>(frames.frame[r]), t.person[r]});
    t.jersey[r] = a->jersey.value_or(-1);
    t.legibility[r] = a->legibility;
  }
  return t;
}

namespace {

// The JN classifier's view of one track, kept while its rows stream past: the rows its
// own selection picks (jn_classifier::DetectionSelector, SelectDetections' rule), so the
// result equals selecting from the whole track, which is never held.
class JnSelection {
 public:
  explicit JnSelection(const jn_classifier::DetectionSelection& selection) : selector_(selection) {}

  void Offer(const FrameRowBlock& block, int64_t row) {
    jn_classifier::JnTrack one;
    one.Append(block.Row(crop_encoder::kPresenceField, row), block.Row(crop_encoder::kDigitsField, row),
               block.Row(crop_encoder::kNumberField, row));
    one.Check();  // every row's values, before the selection drops some
    const int slot = selector_.Offer(one.legible[0]);
    if (slot < 0) return;
    if (slot == kept_.size()) {
      kept_.AppendFrom(one, 0);
    } else {
      kept_.SetFrom(slot, one, 0);
    }
  }

  // The kept rows in row order.
  jn_classifier::JnTrack Take() const {
    jn_classifier::JnTrack out;
    for (const auto& [position, slot] : selector_.Kept()) out.AppendFrom(kept_, slot);
    return out;
  }

 private:
  jn_classifier::DetectionSelector selector_;
  jn_classifier::JnTrack kept_;  // by slot
};

// The identity resolver's evidence of a track (IdentityTrackOfRows), summed row by row;
// the pooled reading only with `pool_readings` (100 logs a row: 1.2 s of a 90-minute
// match's pass, spent only for a resolver that weighs it).
class IdentityEvidence {
 public:
  explicit IdentityEvidence(bool pool_readings = true)
      : embedding_(crop_encoder::kEmbeddingDim, 0.0), numbers_(io::kNumJerseys, 0.0), pool_readings_(pool_readings) {}

  void Add(const FrameRowBlock& block, int64_t row, const float* position_m) {
    if (rows_ == 0) first_row_ = row;
    position_sum_m_ += Eigen::Vector2d(position_m[0], position_m[1]);
    IPT_ASSERT(row > last_row_ || rows_ == 0);
    last_row_ = row;
    ++rows_;
    const float* e = block.Row(crop_encoder::kEmbeddingField, row);
    for (int k = 0; k < crop_encoder::kEmbeddingDim; ++k) embedding_[k] += e[k];
    const float legible = crop_encoder::LegibleProbability(block.Row(crop_encoder::kPresenceField, row));
    const auto p = crop_encoder::JerseyNumberProbabilities(block.Row(crop_encoder::kNumberField, row),
                                                           block.Row(crop_encoder::kDigitsField, row));
    for (int n = 0; n < io::kNumJerseys; ++n) numbers_[n] += double(legible) * p[n];
    legible_sum_ += legible;
    if (pool_readings_) {
      pooled_crops_ += tracking::AddPooledReading(
          crop_encoder::ShownProbability<double>(block.Row(crop_encoder::kPresenceField, row)), p, &pooled_reading_);
    }
  }

  tracking::IdentityTrack Finish(const FrameLayer& frames, const TrackLayer& tracks, int64_t id,
                                 io::Category category, const jn_classifier::JnProbabilities& jersey) const {
    IPT_ASSERT(rows_ > 0);
    tracking::IdentityTrack t;
    t.track_id = id;
    t.first_frame = static_cast<int>(frames.frame[first_row_]);
    t.last_frame = static_cast<int>(frames.frame[last_row_]);
    t.first_position_m = {tracks.position_m[2 * first_row_], tracks.position_m[2 * first_row_ + 1]};
    t.last_position_m = {tracks.position_m[2 * last_row_], tracks.position_m[2 * last_row_ + 1]};
    t.mean_position_m = position_sum_m_ / static_cast<double>(rows_);
    t.detections = static_cast<int>(rows_);
    t.category = category;
    t.jersey = jersey;
    double norm = 0;
    for (double v : embedding_) norm += v * v;
    norm = std::sqrt(norm);
    for (double v : embedding_) t.embedding.push_back(static_cast<float>(norm > 0 ? v / norm : 0.0));
    for (int n = 0; n < io::kNumJerseys; ++n) {
      t.crop_jersey[n] =
          static_cast<float>(legible_sum_ > 0 ? std::clamp(numbers_[n] / legible_sum_, 0.0, 1.0) : 0.0);
    }
    t.legible = static_cast<float>(std::clamp(legible_sum_ / static_cast<double>(rows_), 0.0, 1.0));
    for (int n = 0; n < io::kNumJerseys; ++n) t.pooled_reading[n] = static_cast<float>(pooled_reading_[n]);
    t.pooled_crops = static_cast<float>(pooled_crops_);
    return t;
  }

 private:
  std::vector<double> embedding_, numbers_;
  std::array<double, io::kNumJerseys> pooled_reading_{};
  double pooled_crops_ = 0;
  bool pool_readings_ = true;
  double legible_sum_ = 0;
  Eigen::Vector2d position_sum_m_{0, 0};
  int64_t rows_ = 0, first_row_ = 0, last_row_ = 0;
};

// One pass over the frame layer, block by block: per track, the attributes' summary,
// the JN classifier's selection (with `jn`) and the identity evidence (with `identity`;
// the pooled reading with `pool_readings`).
struct MatchPass {
  MatchTracks tracks;
  std::map<int64_t, IdentityEvidence> identity;  // every track, with `identity`
};

MatchPass PassOverLayer(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                        const tracking::TrackAttributesOptions& options, jn_classifier::JnClassifier* jn,
                        bool identity, bool pool_readings, bool drop_non_person, int64_t block_rows) {
  MatchPass pass;
  MatchTracks& m = pass.tracks;
  m.rows = RowsOfTracks(tracks);
  struct TrackState {
    tracking::TrackEvidenceSummary summary;
    std::array<double, crop_encoder::kNumRoles> role_sums{};
    int64_t confident = 0;  // detections with score >= options.confident_score
    std::optional<JnSelection> jn;
    IdentityEvidence* identity = nullptr;
  };
  std::vector<TrackState> states;
  std::unordered_map<int64_t, size_t> slot;  // track id -> states (looked up per row)
  states.reserve(m.rows.size());
  for (const auto& [id, rows] : m.rows) {
    slot[id] = states.size();
    // With the JN classifier no vote is taken: the vote's detections are not kept.
    states.push_back({tracking::TrackEvidenceSummary(id, match, options, /*keep_voters=*/jn == nullptr), {}, 0, {}, nullptr});
    if (jn) states.back().jn.emplace(jn->config().Selection());
    if (identity) states.back().identity = &pass.identity.emplace(id, IdentityEvidence(pool_readings)).first->second;
  }
  std::vector<std::string> fields = {crop_encoder::kRoleField, crop_encoder::kKitField, crop_encoder::kPresenceField,
                                     crop_encoder::kDigitsField, crop_encoder::kNumberField};
  if (identity) fields.push_back(crop_encoder::kEmbeddingField);
  // Rows of the same track are consecutive only by chance: the slot is looked up per row.
  std::vector<TrackState*> state_of_row;
  ForEachRowBlock(frames, fields, block_rows, [&](const FrameRowBlock& block) {
    state_of_row.assign(static_cast<size_t>(block.end() - block.begin()), nullptr);
    for (int64_t r = block.begin(); r < block.end(); ++r) {
      if (tracks.track_id[r] >= 0) state_of_row[r - block.begin()] = &states[slot.at(tracks.track_id[r])];
    }
    if (jn) {
      Stopwatch watch;
      for (int64_t r = block.begin(); r < block.end(); ++r) {
        if (TrackState* t = state_of_row[r - block.begin()]) t->jn->Offer(block, r);
      }
      m.jn_seconds += watch.Seconds();
    }
    for (int64_t r = block.begin(); r < block.end(); ++r) {
      TrackState* t = state_of_row[r - block.begin()];
      if (!t) continue;
      std::array<float, crop_encoder::kNumRoles> roles;
      t->summary.Add(DetectionEvidenceOfRow(frames, block, r, &tracks.position_m[2 * r], &roles));
      for (int k = 0; k < crop_encoder::kNumRoles; ++k) t->role_sums[k] += roles[k];
      t->confident += frames.score[r] >= options.confident_score;
      if (!tracks.category_probabilities.empty() && !t->summary.tracker_category) {
        std::array<float, io::kNumCategories> c;
        std::copy_n(&tracks.category_probabilities[r * io::kNumCategories], io::kNumCategories, c.begin());
        t->summary.tracker_category = c;
      }
      if (t->identity) t->identity->Add(block, r, &tracks.position_m[2 * r]);
    }
  });
  if (jn) {
    Stopwatch watch;
    std::vector<jn_classifier::JnTrack> jn_tracks;
    for (const TrackState& t : states) jn_tracks.push_back(t.jn->Take());
    const std::vector<jn_classifier::JnProbabilities> p = jn->Classify(jn_tracks);
    for (size_t k = 0; k < states.size(); ++k) m.jersey_probabilities[states[k].summary.track_id] = p[k];
    m.jn_seconds += watch.Seconds();
  }
  std::vector<tracking::TrackEvidenceSummary> evidence;
  for (TrackState& t : states) {
    if (jn) t.summary.jersey_probabilities = m.jersey_probabilities.at(t.summary.track_id);
    const bool person = std::max_element(t.role_sums.begin(), t.role_sums.end()) - t.role_sums.begin() !=
                        static_cast<int>(crop_encoder::Role::kNone);
    if (!person && drop_non_person) {
      ++m.dropped;
    } else if (t.confident < options.min_confident_detections) {
      ++m.dropped_unconfirmed;
    } else {
      evidence.push_back(std::move(t.summary));
    }
  }
  m.attributes = tracking::ResolveSummarizedTrackAttributes(evidence, match, options);
  return pass;
}

}  // namespace

MatchTracks ResolveMatchTracks(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                               const tracking::TrackAttributesOptions& options, jn_classifier::JnClassifier* jn,
                               bool drop_non_person, int64_t block_rows) {
  return PassOverLayer(frames, tracks, match, options, jn, false, false, drop_non_person, block_rows).tracks;
}

namespace {

// The embeddings of output rows, read from the frame layer once each (the later passes of
// JoinFragmentRows read the rows near the ends of joined tracks, which the earlier passes
// read as the ends of their parts).
class RowEmbeddings {
 public:
  RowEmbeddings(const FrameLayer& frames, const std::vector<int64_t>& layer_rows, int64_t block_rows)
      : frames_(frames), layer_rows_(layer_rows), block_rows_(block_rows) {}
  // Reads those of `rows` not read yet; only the blocks that hold them.
  void Read(std::vector<size_t> rows) {
    rows.erase(std::remove_if(rows.begin(), rows.end(), [&](size_t i) { return slot_of_.count(i) > 0; }), rows.end());
    std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) { return layer_rows_[a] < layer_rows_[b]; });
    for (size_t next = 0; next < rows.size();) {
      const int64_t begin = layer_rows_[rows[next]] / block_rows_ * block_rows_;
      const FrameRowBlock block =
          ReadRows(frames_, {crop_encoder::kEmbeddingField}, begin, std::min(begin + block_rows_, frames_.rows));
      for (; next < rows.size() && layer_rows_[rows[next]] < block.end(); ++next) {
        const float* e = block.Row(crop_encoder::kEmbeddingField, layer_rows_[rows[next]]);
        slot_of_[rows[next]] = values_.size() / kDim;
        values_.insert(values_.end(), e, e + kDim);
      }
    }
  }
  const float* Of(size_t row) const { return values_.data() + slot_of_.at(row) * kDim; }
  static constexpr int kDim = crop_encoder::kEmbeddingDim;

 private:
  const FrameLayer& frames_;
  const std::vector<int64_t>& layer_rows_;
  int64_t block_rows_;
  std::unordered_map<size_t, size_t> slot_of_;  // output row -> slot in values_
  std::vector<float> values_;
};

// Rows `dropped` (ascending indices) removed from `rows` and from `layer_rows`, in step.
void DropRows(const std::vector<size_t>& dropped, std::vector<eval::PipelineRow>& rows,
              std::vector<int64_t>& layer_rows) {
  size_t kept = 0;
  for (size_t i = 0, next = 0; i < rows.size(); ++i) {
    if (next < dropped.size() && dropped[next] == i) {
      ++next;
      continue;
    }
    rows[kept] = rows[i], layer_rows[kept] = layer_rows[i], ++kept;
  }
  rows.resize(kept), layer_rows.resize(kept);
}

// One pass of the joining, without the links refused in earlier passes (`refused`, by track
// ids; this pass's refusals are added). Returns the links kept.
int64_t JoinFragmentsOnce(std::vector<eval::PipelineRow>& rows, RowEmbeddings& embedding_of,
                          const io::MatchInfo& match, const tracking::FragmentLinkOptions& options,
                          const tracking::SubstitutionGapOptions& substitution_gaps,
                          std::set<std::pair<int64_t, int64_t>>* refused) {
  // Each track's rows near its ends, by frame: all that EndsOfTrack reads.
  std::map<int64_t, std::vector<size_t>> rows_of;
  for (size_t i = 0; i < rows.size(); ++i) rows_of[rows[i].track_id].push_back(i);
  const double end_seconds = std::max(options.embedding_seconds, options.velocity_seconds);
  std::vector<size_t> near_ends;
  for (auto& [id, ix] : rows_of) {
    std::sort(ix.begin(), ix.end(), [&](size_t a, size_t b) { return rows[a].frame < rows[b].frame; });
    const int first = rows[ix.front()].frame, last = rows[ix.back()].frame;
    std::vector<size_t> kept;
    for (size_t i : ix)
      if ((rows[i].frame - first) / match.fps <= end_seconds || (last - rows[i].frame) / match.fps <= end_seconds)
        kept.push_back(i);
    near_ends.insert(near_ends.end(), kept.begin(), kept.end());
    ix = std::move(kept);
  }
  embedding_of.Read(std::move(near_ends));
  std::vector<tracking::TrackEnds> ends;
  std::map<int64_t, size_t> first_row_of;  // the names and numbers NamesAgree reads
  for (const auto& [id, ix] : rows_of) {
    std::vector<int> track_frames;
    std::vector<Eigen::Vector2d> points;
    std::vector<float> embeddings;
    for (size_t i : ix) {
      track_frames.push_back(rows[i].frame);
      points.emplace_back(rows[i].x_m, rows[i].z_m);
      embeddings.insert(embeddings.end(), embedding_of.Of(i), embedding_of.Of(i) + RowEmbeddings::kDim);
    }
    ends.push_back(
        tracking::EndsOfTrack(id, track_frames, points, embeddings, RowEmbeddings::kDim, options, match.fps));
    first_row_of[id] = ix.front();
  }
  const std::vector<tracking::FragmentLink> links =
      tracking::LinkFragments(ends, options, match.fps, [&](int64_t from, int64_t to) {
        if (refused->count({from, to})) return false;
        const eval::PipelineRow& a = rows[rows_of.at(from).back()];
        const eval::PipelineRow& b = rows[first_row_of.at(to)];
        if (!tracking::NamesAgree(a, b)) return false;
        // One player on both (the line-up lets him play throughout: JoinLinkedRows) may
        // cross a substitution; anyone else could be the player going off and the one coming on.
        return (a.player_id && a.player_id == b.player_id) ||
               !tracking::IsSubstitutionGap(match, a.category, a.frame, {a.x_m, a.z_m}, b.frame, {b.x_m, b.z_m},
                                            substitution_gaps);
      });
  for (const tracking::FragmentLink& l : links) {
    spdlog::debug("track {} continues track {} after {} frames (cost {:.2f} m)", l.to_track, l.from_track,
                  rows[first_row_of.at(l.to_track)].frame - rows[rows_of.at(l.from_track).back()].frame, l.cost_m);
  }
  std::vector<tracking::FragmentLink> dropped;
  const int64_t kept = tracking::JoinLinkedRows(rows, links, &match, &dropped);
  for (const tracking::FragmentLink& l : dropped) {
    spdlog::debug("track {} does not continue track {}: the names refuse it", l.to_track, l.from_track);
    refused->insert({l.from_track, l.to_track});
  }
  return kept;
}

}  // namespace

int64_t JoinFragmentRows(const FrameLayer& frames, std::vector<eval::PipelineRow>& rows,
                         const std::vector<int64_t>& layer_rows, const io::MatchInfo& match,
                         const tracking::FragmentLinkOptions& options,
                         const tracking::SubstitutionGapOptions& substitution_gaps, int64_t block_rows) {
  options.Check();
  substitution_gaps.Check();
  IPT_CHECK(match.fps > 0, "fps must be > 0");
  IPT_CHECK(rows.size() == layer_rows.size(), "JoinFragmentRows: {} rows, {} layer rows", rows.size(),
            layer_rows.size());
  for (int64_t r : layer_rows)
    IPT_CHECK(r >= 0 && r < frames.rows, "JoinFragmentRows: layer row {} outside the layer's {}", r, frames.rows);
  IPT_CHECK(block_rows > 0, "block_rows must be > 0");
  if (!options.enabled()) return 0;
  // Again while links are kept or refused: a pass sees each track's own name, so a link its
  // chain's name refuses is only replaced in the next pass, where the chain is one track,
  // and no later pass proposes it again (validation 5211: a track's cut-off tail, the
  // cheapest successor, refused pass after pass while the player's next track waited).
  // Each pass that keeps a link has fewer tracks, and each that refuses one adds a pair of
  // ids to a finite set, so this ends.
  RowEmbeddings embedding_of(frames, layer_rows, block_rows);
  std::set<std::pair<int64_t, int64_t>> refused;
  int64_t links = 0;
  while (true) {
    const size_t refused_before = refused.size();
    const int64_t kept = JoinFragmentsOnce(rows, embedding_of, match, options, substitution_gaps, &refused);
    links += kept;
    if (kept == 0 && refused.size() == refused_before) return links;
  }
}

namespace {
// Distance from each tracked row to the nearest other tracked row of its frame (infinity
// for a row alone or untracked): where two people meet, a swap may happen.
std::vector<double> NearestOtherRowM(const FrameLayer& frames, const TrackLayer& tracks) {
  const float* position = tracks.position_m.data();
  std::vector<double> nearest_other_m(frames.rows, std::numeric_limits<double>::infinity());
  for (int64_t begin = 0; begin < frames.rows;) {
    int64_t end = begin;
    while (end < frames.rows && frames.frame[end] == frames.frame[begin]) ++end;
    for (int64_t a = begin; a < end; ++a) {
      if (tracks.track_id[a] < 0) continue;
      for (int64_t b = a + 1; b < end; ++b) {
        if (tracks.track_id[b] < 0) continue;
        const double d = std::hypot(position[2 * a] - position[2 * b], position[2 * a + 1] - position[2 * b + 1]);
        nearest_other_m[a] = std::min(nearest_other_m[a], d);
        nearest_other_m[b] = std::min(nearest_other_m[b], d);
      }
    }
    begin = end;
  }
  return nearest_other_m;
}

// Frames in an observation window of `seconds` (>= 1), and whether two frames share one
// (windows start at frame 1): the number and kit cuts' observations.
int WindowFrames(double seconds, double fps) {
  return static_cast<int>(std::clamp<double>(std::round(seconds * fps), 1, limits::kMaxFrames));
}
bool SameWindow(int frame, int other_frame, int window_frames) {
  return (frame - 1) / window_frames == (other_frame - 1) / window_frames;
}

// The frames at which a track's rows (`rows`, by frame) take new ids for the cuts between
// observations[k - 1] and observations[k] (k in `cuts`, ascending): the frame where the
// track passes nearest to another person (tracking::CutFrame) among those from the first of
// observation k - 1 to the last of k (the swap may lie inside either window: each holds
// both people then), after the previous cut, so that the frames increase.
template <typename Observation>
std::vector<int> CutFramesAt(const std::vector<int64_t>& rows, const FrameLayer& frames,
                             const std::vector<double>& nearest_other_m, const std::vector<Observation>& observations,
                             const std::vector<size_t>& cuts) {
  std::vector<int> track_frames;
  std::vector<double> track_nearest;
  for (int64_t r : rows) {
    track_frames.push_back(static_cast<int>(frames.frame[r]));
    track_nearest.push_back(nearest_other_m[r]);
  }
  std::vector<int> cut_frames;
  for (size_t k : cuts) {
    IPT_ASSERT(k > 0 && k < observations.size());
    int before = observations[k - 1].first_frame - 1;
    if (!cut_frames.empty()) before = std::max(before, cut_frames.back());
    cut_frames.push_back(tracking::CutFrame(track_frames, track_nearest, before, observations[k].last_frame));
  }
  return cut_frames;
}

// Track `id`'s `rows` (in frame order) from each of `cut_frames` (ascending) on take a new
// id from `next_id`; counts the cuts.
void RelabelTrackPieces(int64_t id, const std::vector<int64_t>& rows, const std::vector<int>& cut_frames,
                        const FrameLayer& frames, int64_t* next_id, SplitTrackLayer* out) {
  size_t piece = 0;
  int64_t piece_id = id;
  for (int64_t r : rows) {
    while (piece < cut_frames.size() && frames.frame[r] >= cut_frames[piece]) {
      ++piece;
      out->cut_pieces.push_back({piece_id, *next_id});
      piece_id = (*next_id)++;
      ++out->cuts;
    }
    out->tracks.track_id[r] = piece_id;
  }
}
}  // namespace

namespace {
// The numbers of the roster's players who play, distinct and ascending: the candidates of
// the number observations.
std::vector<int> PlayingNumbers(const io::MatchInfo& match) {
  std::vector<int> candidates;
  for (const io::RosterEntry& e : match.roster)
    if (e.jersey && match.PlayingFrames(e)) candidates.push_back(*e.jersey);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

// Each track's number observations (tracking/number_changes.h: its reads by window of
// frames, their mean log-likelihood under each of `candidates`), in row (= frame) order.
std::map<int64_t, std::vector<tracking::NumberRead>> NumberObservations(const FrameLayer& frames,
                                                                        const TrackLayer& tracks,
                                                                        const std::vector<int>& candidates,
                                                                        const tracking::NumberChangeOptions& options,
                                                                        double fps, int64_t block_rows) {
  const int window_frames = WindowFrames(options.window_seconds, fps);
  std::map<int64_t, std::vector<tracking::NumberRead>> reads;
  std::map<int64_t, std::vector<int>> reads_in_window;
  ForEachRowBlock(frames, {crop_encoder::kPresenceField, crop_encoder::kNumberField, crop_encoder::kDigitsField},
                  block_rows, [&](const FrameRowBlock& block) {
                    for (int64_t r = block.begin(); r < block.end(); ++r) {
                      if (tracks.track_id[r] < 0) continue;
                      const double legible =
                          crop_encoder::LegibleProbability<double>(block.Row(crop_encoder::kPresenceField, r));
                      if (legible < options.min_legible_probability) continue;
                      const std::array<float, crop_encoder::kNumNumbers> numbers =
                          crop_encoder::JerseyNumberProbabilities(block.Row(crop_encoder::kNumberField, r),
                                                                  block.Row(crop_encoder::kDigitsField, r));
                      const int frame = static_cast<int>(frames.frame[r]);
                      std::vector<tracking::NumberRead>& track_reads = reads[tracks.track_id[r]];
                      std::vector<int>& count = reads_in_window[tracks.track_id[r]];
                      if (track_reads.empty() || !SameWindow(frame, track_reads.back().first_frame, window_frames)) {
                        track_reads.push_back({frame, frame, std::vector<double>(candidates.size(), 0.0)});
                        count.push_back(0);
                      }
                      tracking::NumberRead& read = track_reads.back();
                      read.last_frame = frame;
                      ++count.back();
                      for (size_t m = 0; m < candidates.size(); ++m)
                        read.log_likelihood[m] +=
                            legible * std::log(numbers[candidates[m] - io::kMinJersey] + options.probability_floor);
                    }
                  });
  for (auto& [id, track_reads] : reads)  // sums -> means
    for (size_t k = 0; k < track_reads.size(); ++k)
      for (double& v : track_reads[k].log_likelihood) v /= reads_in_window[id][k];
  return reads;
}

// Each observation as " frame:likeliest number(its margin over the next, nats)" (the trace).
std::string ReadsText(const std::vector<tracking::NumberRead>& reads, const std::vector<int>& candidates) {
  std::string text;
  for (const tracking::NumberRead& read : reads) {
    std::vector<size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::partial_sort(order.begin(), order.begin() + std::min<size_t>(2, order.size()), order.end(),
                      [&](size_t a, size_t b) { return read.log_likelihood[a] > read.log_likelihood[b]; });
    const double margin = order.size() > 1 ? read.log_likelihood[order[0]] - read.log_likelihood[order[1]] : 0.0;
    text += fmt::format(" {}:{}({:.1f})", read.first_frame, candidates[order[0]], margin);
  }
  return text;
}

// A track's naming evidence for the trace: its jersey probabilities' two likeliest numbers
// and P(unknown) (the JN classifier's, after the vote it defers to), and the crops' own
// (P(legible)-weighted) likeliest number; the pooled reading's two likeliest numbers
// (before its weight and cap) and the crops it pools.
std::string JerseyEvidenceText(const tracking::IdentityTrack& t) {
  // The two numbers 0..99 with the largest values.
  auto top_two = [](const auto& values) {
    std::array<int, io::kNumJerseys> order;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 2, order.end(), [&](int a, int b) { return values[a] > values[b]; });
    return order;
  };
  const std::array<int, io::kNumJerseys> order = top_two(t.jersey), pooled = top_two(t.pooled_reading);
  const int crops = static_cast<int>(std::max_element(t.crop_jersey.begin(), t.crop_jersey.end()) -
                                     t.crop_jersey.begin());
  return fmt::format(
      "track {} (frames {}-{}): jersey probabilities #{} {:.3f}, #{} {:.3f}, unknown {:.3f}; the crops #{} {:.2f} "
      "at mean P(legible) {:.2f}; pooled reading #{} {:.1f}, #{} {:.1f} over {:.0f} crops",
      t.track_id, t.first_frame, t.last_frame, order[0], t.jersey[order[0]], order[1], t.jersey[order[1]],
      t.jersey[io::kNumJerseys], crops, t.crop_jersey[crops], t.legible, pooled[0], t.pooled_reading[pooled[0]],
      pooled[1], t.pooled_reading[pooled[1]], t.pooled_crops);
}
}  // namespace

SplitTrackLayer SplitTracksAtNumberChanges(const FrameLayer& frames, const TrackLayer& tracks,
                                           const io::MatchInfo& match, const tracking::NumberChangeOptions& options,
                                           int64_t block_rows) {
  options.Check();
  SplitTrackLayer out{tracks, 0, {}};
  const std::vector<int> candidates = PlayingNumbers(match);
  if (!options.enabled() || candidates.empty()) return out;
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  const std::map<int64_t, std::vector<tracking::NumberRead>> reads =
      NumberObservations(frames, tracks, candidates, options, match.fps, block_rows);

  int64_t next_id = NextTrackId(tracks);
  std::vector<double> nearest_other_m;  // computed at the first cut
  for (const auto& [id, rows] : RowsOfTracks(tracks)) {
    auto it = reads.find(id);
    if (it == reads.end()) continue;
    const std::vector<size_t> cut_reads = tracking::NumberChangeReads(it->second, options);
    if (spdlog::should_log(spdlog::level::trace))
      spdlog::trace("track {} number reads (frame:likeliest(margin nats)):{}", id, ReadsText(it->second, candidates));
    if (cut_reads.empty()) continue;
    if (nearest_other_m.empty()) nearest_other_m = NearestOtherRowM(frames, tracks);
    const std::vector<int> cut_frames = CutFramesAt(rows, frames, nearest_other_m, it->second, cut_reads);
    RelabelTrackPieces(id, rows, cut_frames, frames, &next_id, &out);
    spdlog::debug("track {} split at frames {} (number changes)", id, fmt::join(cut_frames, ", "));
  }
  return out;
}

namespace {
// Each track's kit observations (tracking/kit_changes.h: its detections' mean kit per
// window of options.kit_changes.window_seconds) and whether it is a player's (the argmax of
// its mean role probabilities, as the category rule decides), read block by block; and the
// match's kits fitted to them (none when FitTeamKits finds none).
struct TrackKits {
  std::map<int64_t, size_t> index_of;  // track id -> index
  std::vector<std::vector<tracking::KitWindow>> windows;
  std::vector<bool> is_player;
  std::optional<tracking::TeamKits> kits;
};
TrackKits KitsOfTracks(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                       const std::map<int64_t, std::vector<int64_t>>& rows_of_tracks,
                       const tracking::TrackAttributesOptions& options, int64_t block_rows) {
  const int window_frames = WindowFrames(options.kit_changes.window_seconds, match.fps);
  // Each track's observations (by track id): the kit sum and count of its detections per
  // window, then their means.
  TrackKits out;
  for (const auto& [id, rows] : rows_of_tracks) out.index_of.emplace(id, out.index_of.size());
  std::vector<std::vector<tracking::KitWindow>>& windows = out.windows;
  windows.resize(out.index_of.size());
  std::vector<std::array<double, crop_encoder::kNumRoles>> role_sums(out.index_of.size());  // as the category rule's
  ForEachRowBlock(frames, {crop_encoder::kKitField, crop_encoder::kRoleField}, block_rows, [&](const FrameRowBlock& block) {
    for (int64_t r = block.begin(); r < block.end(); ++r) {
      if (tracks.track_id[r] < 0) continue;
      const Eigen::Map<const Eigen::VectorXf> kit(block.Row(crop_encoder::kKitField, r), crop_encoder::kKitDim);
      const int frame = static_cast<int>(frames.frame[r]);
      const size_t t = out.index_of.at(tracks.track_id[r]);
      std::array<float, crop_encoder::kNumRoles> roles;
      crop_encoder::Softmax(block.Row(crop_encoder::kRoleField, r), crop_encoder::kNumRoles, roles.data());
      for (int k = 0; k < crop_encoder::kNumRoles; ++k) role_sums[t][k] += roles[k];
      std::vector<tracking::KitWindow>& track_windows = windows[t];
      if (track_windows.empty() || !SameWindow(frame, track_windows.back().first_frame, window_frames)) {
        track_windows.push_back({frame, frame, Eigen::VectorXd::Zero(crop_encoder::kKitDim), 0});
      }
      track_windows.back().last_frame = frame;
      track_windows.back().mean_kit += kit.cast<double>();
      ++track_windows.back().detections;
    }
  });
  for (std::vector<tracking::KitWindow>& track_windows : windows)  // sums -> means
    for (tracking::KitWindow& w : track_windows) w.mean_kit /= w.detections;
  // A player track: its mean role probabilities highest for a player (role 0).
  out.is_player.resize(windows.size());
  for (size_t t = 0; t < windows.size(); ++t)
    out.is_player[t] = std::max_element(role_sums[t].begin(), role_sums[t].end()) == role_sums[t].begin();
  out.kits = tracking::FitTeamKits(windows, out.is_player, options);
  return out;
}
}  // namespace

SplitTrackLayer ExchangeTracksAtMeetings(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                                         const tracking::TrackAttributesOptions& options, int64_t block_rows) {
  options.number_changes.Check();  // how a read is made
  options.exchanges.Check();
  SplitTrackLayer out{tracks, 0, {}};
  const std::vector<int> candidates = PlayingNumbers(match);
  if (!options.exchanges.enabled() || candidates.empty()) return out;
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  std::map<int64_t, std::vector<tracking::NumberRead>> reads =
      NumberObservations(frames, tracks, candidates, options.number_changes, match.fps, block_rows);
  const std::map<int64_t, std::vector<int64_t>> rows_of_tracks = RowsOfTracks(tracks);
  // The kit each track wears, when exchanges keep to one kit and the match's kits are found.
  std::optional<TrackKits> track_kits;
  if (options.exchanges.same_kit_only) {
    track_kits = KitsOfTracks(frames, tracks, match, rows_of_tracks, options, block_rows);
    if (!track_kits->kits) track_kits.reset();
  }
  std::vector<tracking::ExchangeTrack> exchange_tracks;
  for (const auto& [id, rows] : rows_of_tracks) {
    auto it = reads.find(id);
    // Too few reads to move min_reads and keep one: nothing to exchange by.
    if (it == reads.end() || static_cast<int>(it->second.size()) <= options.exchanges.min_reads) continue;
    tracking::ExchangeTrack t;
    t.id = id;
    for (int64_t r : rows) {
      t.frames.push_back(static_cast<int>(frames.frame[r]));
      t.x_m.push_back(tracks.position_m[2 * r]);
      t.z_m.push_back(tracks.position_m[2 * r + 1]);
      t.row_tags.push_back(r);
    }
    t.reads = std::move(it->second);
    if (track_kits) {
      t.kit = tracking::LikeliestKit(track_kits->windows[track_kits->index_of.at(id)], *track_kits->kits,
                                     options.kit_changes);
    }
    exchange_tracks.push_back(std::move(t));
  }
  for (const tracking::Exchange& e : tracking::FindExchanges(exchange_tracks, options.exchanges)) {
    out.cut_pieces.push_back({e.a, e.b});
    ++out.cuts;
  }
  for (const tracking::ExchangeTrack& t : exchange_tracks)
    for (int64_t r : t.row_tags) out.tracks.track_id[r] = t.id;
  return out;
}

SplitTrackLayer SplitTracksAtKitChanges(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                                        const tracking::TrackAttributesOptions& options, int64_t block_rows) {
  options.Check();  // the kit split's keys too
  SplitTrackLayer out{tracks, 0, {}};
  if (!options.kit_changes.enabled()) return out;
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  const std::map<int64_t, std::vector<int64_t>> rows_of_tracks = RowsOfTracks(tracks);
  const TrackKits track_kits = KitsOfTracks(frames, tracks, match, rows_of_tracks, options, block_rows);
  const std::map<int64_t, size_t>& index_of = track_kits.index_of;
  const std::vector<std::vector<tracking::KitWindow>>& windows = track_kits.windows;
  const std::optional<tracking::TeamKits>& kits = track_kits.kits;
  if (!kits) return out;
  spdlog::debug("kit changes: the team kits {:.3f} apart, {} kits of goalkeepers and referees, observations "
                "spread {:.3f} around the nearest",
                (kits->center[0] - kits->center[1]).norm(), kits->other.size(), kits->spread);
  int64_t next_id = NextTrackId(tracks);
  std::vector<double> nearest_other_m;  // computed at the first cut
  for (const auto& [id, rows] : rows_of_tracks) {
    const std::vector<tracking::KitWindow>& track_windows = windows[index_of.at(id)];
    const std::vector<size_t> cut_windows = tracking::KitChangeWindows(track_windows, *kits, options.kit_changes);
    if (cut_windows.empty()) continue;
    if (nearest_other_m.empty()) nearest_other_m = NearestOtherRowM(frames, tracks);
    const std::vector<int> cut_frames = CutFramesAt(rows, frames, nearest_other_m, track_windows, cut_windows);
    RelabelTrackPieces(id, rows, cut_frames, frames, &next_id, &out);
    spdlog::debug("track {} split at frames {} (kit changes)", id, fmt::join(cut_frames, ", "));
  }
  return out;
}

SplitTrackLayer SplitTracksAtAppearanceChanges(const FrameLayer& frames, const TrackLayer& tracks,
                                               const io::MatchInfo& match,
                                               const tracking::AppearanceChangeOptions& options,
                                               int64_t block_rows) {
  options.Check();
  SplitTrackLayer out{tracks, 0, {}};
  if (!options.enabled()) return out;
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  const int window_frames = WindowFrames(options.window_seconds, match.fps);
  // Each track's observations: the embedding sum and count of its detections per window,
  // then their means.
  const std::map<int64_t, std::vector<int64_t>> rows_of_tracks = RowsOfTracks(tracks);
  std::map<int64_t, size_t> index_of;
  for (const auto& [id, rows] : rows_of_tracks) index_of.emplace(id, index_of.size());
  std::vector<std::vector<tracking::AppearanceWindow>> windows(index_of.size());
  ForEachRowBlock(frames, {crop_encoder::kEmbeddingField}, block_rows, [&](const FrameRowBlock& block) {
    for (int64_t r = block.begin(); r < block.end(); ++r) {
      if (tracks.track_id[r] < 0) continue;
      const Eigen::Map<const Eigen::VectorXf> embedding(block.Row(crop_encoder::kEmbeddingField, r),
                                                         crop_encoder::kEmbeddingDim);
      const int frame = static_cast<int>(frames.frame[r]);
      std::vector<tracking::AppearanceWindow>& track_windows = windows[index_of.at(tracks.track_id[r])];
      if (track_windows.empty() || !SameWindow(frame, track_windows.back().first_frame, window_frames))
        track_windows.push_back({frame, frame, Eigen::VectorXd::Zero(crop_encoder::kEmbeddingDim), 0});
      track_windows.back().last_frame = frame;
      track_windows.back().mean_embedding += embedding.cast<double>();
      ++track_windows.back().detections;
    }
  });
  for (std::vector<tracking::AppearanceWindow>& track_windows : windows)  // sums -> means
    for (tracking::AppearanceWindow& w : track_windows) w.mean_embedding /= w.detections;
  if (options.remove_shared_drift) tracking::RemoveSharedDrift(window_frames, options.shared_drift_min_tracks, &windows);
  const std::optional<double> spread_sq = tracking::AppearanceSpread(windows);
  if (!spread_sq) {
    spdlog::debug("appearance changes: no track with two observations that differ; nothing cut");
    return out;
  }
  spdlog::debug("appearance changes: observations spread {:.4f} (squared) around their person's mean", *spread_sq);
  int64_t next_id = NextTrackId(tracks);
  const int max_unseen_frames = static_cast<int>(
      std::clamp<double>(std::round(options.meeting_gap_seconds * match.fps), 0, limits::kMaxFrames));
  // Per layer row: how near it comes to a meeting (computed at the first cut; a track's
  // resumptions after a gap set to 0 before it is cut).
  std::vector<double> meeting_m;
  for (const auto& [id, rows] : rows_of_tracks) {
    const std::vector<tracking::AppearanceWindow>& track_windows = windows[index_of.at(id)];
    if (spdlog::should_log(spdlog::level::trace))  // what a penalty must exceed to leave the track whole
      spdlog::trace("track {}: {} appearance observations, the largest single cut gains {:.1f} nats", id,
                    track_windows.size(), tracking::LargestSingleAppearanceCutGain(track_windows, *spread_sq, options.min_windows));
    // Cut anywhere first: a track that gains nothing from a cut gains nothing from one at a
    // meeting either, and most are left whole without finding their meetings.
    std::vector<size_t> cut_windows = tracking::AppearanceChangeWindows(track_windows, *spread_sq, options);
    if (cut_windows.empty()) continue;
    if (meeting_m.empty()) meeting_m = NearestOtherRowM(frames, tracks);
    if (options.meeting_radius_m > 0) {
      std::vector<int> track_frames;
      std::vector<double> track_nearest_m;
      for (int64_t r : rows) {
        track_frames.push_back(static_cast<int>(frames.frame[r]));
        track_nearest_m.push_back(meeting_m[r]);
      }
      const std::vector<double> track_meeting_m =
          tracking::MeetingDistancesM(track_frames, track_nearest_m, max_unseen_frames);
      for (size_t i = 0; i < rows.size(); ++i) meeting_m[rows[i]] = track_meeting_m[i];
      const std::vector<bool> may_cut =
          tracking::BoundariesAtMeetings(track_windows, track_frames, track_meeting_m, options.meeting_radius_m);
      const size_t anywhere = cut_windows.size();
      cut_windows = tracking::AppearanceChangeWindows(track_windows, *spread_sq, options, may_cut);
      if (anywhere > cut_windows.size())
        spdlog::debug("track {}: {} appearance cuts without a meeting not made", id, anywhere - cut_windows.size());
      if (cut_windows.empty()) continue;
    }
    const std::vector<int> cut_frames = CutFramesAt(rows, frames, meeting_m, track_windows, cut_windows);
    const size_t first_piece = out.cut_pieces.size();
    RelabelTrackPieces(id, rows, cut_frames, frames, &next_id, &out);
    if (spdlog::should_log(spdlog::level::debug)) {
      for (size_t k = 0; k < cut_frames.size(); ++k) {
        // The row the new piece starts at, and the one before it.
        auto at = std::lower_bound(rows.begin(), rows.end(), cut_frames[k],
                                   [&](int64_t r, int frame) { return frames.frame[r] < frame; });
        const int64_t step = at == rows.begin() ? 0 : frames.frame[*at] - frames.frame[*(at - 1)];
        spdlog::debug("track {} split at frame {} (appearance changes): pieces {} -> {}, {:.2f} m from a meeting, "
                      "{} frames after the track's previous row",
                      id, cut_frames[k], out.cut_pieces[first_piece + k].first, out.cut_pieces[first_piece + k].second,
                      meeting_m[*at], step);
      }
    }
  }
  return out;
}

namespace {
// The frame-layer rows of every track's stray ends (tracking::StrayEndRows).
std::vector<int64_t> StrayEndRowsOfLayer(const FrameLayer& frames, const TrackLayer& tracks, double fps,
                                         const tracking::StrayEndOptions& options) {
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  std::vector<int64_t> stray;
  for (const auto& [id, rows] : RowsOfTracks(tracks)) {
    std::vector<int> track_frames;
    for (int64_t r : rows) track_frames.push_back(static_cast<int>(frames.frame[r]));
    for (size_t k : tracking::StrayEndRows(track_frames, fps, options)) {
      stray.push_back(rows[k]);
      spdlog::debug("track {}: row at frame {} dropped (a stray end)", id, track_frames[k]);
    }
  }
  return stray;
}
}  // namespace

SplitTrackLayer SplitTracksAtSubstitutions(const FrameLayer& frames, const TrackLayer& tracks,
                                           const io::MatchInfo& match,
                                           const tracking::SubstitutionGapOptions& options) {
  options.Check();
  SplitTrackLayer out{tracks, 0, {}};
  if (!options.enabled() || match.substitutions.empty()) return out;
  IPT_ASSERT(static_cast<int64_t>(tracks.track_id.size()) == frames.rows);
  int64_t next_id = NextTrackId(tracks);
  for (const auto& [id, rows] : RowsOfTracks(tracks)) {
    std::vector<int> track_frames;
    std::vector<Eigen::Vector2d> foot_m;
    for (int64_t r : rows) {
      track_frames.push_back(static_cast<int>(frames.frame[r]));
      foot_m.emplace_back(tracks.position_m[2 * r], tracks.position_m[2 * r + 1]);
    }
    const std::vector<int> cut_frames = tracking::SubstitutionCutFrames(track_frames, foot_m, match, options);
    if (cut_frames.empty()) continue;
    RelabelTrackPieces(id, rows, cut_frames, frames, &next_id, &out);
    spdlog::debug("track {} split at frames {} (substitutions)", id, fmt::join(cut_frames, ", "));
  }
  return out;
}

MatchLevelOutput RunMatchLevel(const FrameLayer& frames, const TrackLayer& tracker_tracks, const io::MatchInfo& match,
                               const tracking::TrackAttributesOptions& options, jn_classifier::JnClassifier* jn,
                               identity_resolver::IdentityResolver* resolver, bool drop_non_person,
                               int64_t block_rows) {
  MatchLevelOutput out;
  // First: the tracks' stray ends dropped, then tracks split at substitution gaps, where
  // their numbers change, ... (a copy of the layer only for a stage that changes it, each
  // freed when the next is made: at most two at a time).
  const TrackLayer* split_tracks = &tracker_tracks;
  TrackLayer without_stray_ends;
  if (options.stray_ends.enabled()) {
    Stopwatch stray_watch;
    const std::vector<int64_t> stray = StrayEndRowsOfLayer(frames, tracker_tracks, match.fps, options.stray_ends);
    out.stray_end_rows_dropped = static_cast<int64_t>(stray.size());
    if (!stray.empty()) {
      without_stray_ends = tracker_tracks;
      for (int64_t r : stray) without_stray_ends.track_id[r] = -1;
      split_tracks = &without_stray_ends;
    }
    out.stage_seconds[kStrayEndStage] = stray_watch.Seconds();
  }
  SplitTrackLayer at_substitutions, at_number_changes;
  if (options.substitution_gaps.enabled() && !match.substitutions.empty()) {
    Stopwatch split_watch;
    at_substitutions = SplitTracksAtSubstitutions(frames, *split_tracks, match, options.substitution_gaps);
    out.substitution_cuts = at_substitutions.cuts;
    if (at_substitutions.cuts > 0) {
      split_tracks = &at_substitutions.tracks;
      without_stray_ends = {};
    } else {
      at_substitutions = {};  // the copy is its input's: freed
    }
    out.stage_seconds[kSubstitutionCutStage] = split_watch.Seconds();
  }
  if (options.number_changes.enabled()) {
    Stopwatch split_watch;
    at_number_changes = SplitTracksAtNumberChanges(frames, *split_tracks, match, options.number_changes, block_rows);
    split_tracks = &at_number_changes.tracks;
    at_substitutions = {};  // at most two copies of the track layer at a time
    without_stray_ends = {};
    out.number_change_cuts = at_number_changes.cuts;
    out.stage_seconds[kNumberChangeStage] = split_watch.Seconds();
  }
  SplitTrackLayer at_kit_changes;
  if (options.kit_changes.enabled()) {
    Stopwatch split_watch;
    at_kit_changes = SplitTracksAtKitChanges(frames, *split_tracks, match, options, block_rows);
    split_tracks = &at_kit_changes.tracks;
    at_number_changes = {};
    at_substitutions = {};
    without_stray_ends = {};
    out.kit_change_cuts = at_kit_changes.cuts;
    out.stage_seconds[kKitChangeStage] = split_watch.Seconds();
  }
  SplitTrackLayer at_appearance_changes;
  if (options.appearance_changes.enabled()) {
    Stopwatch split_watch;
    at_appearance_changes =
        SplitTracksAtAppearanceChanges(frames, *split_tracks, match, options.appearance_changes, block_rows);
    split_tracks = &at_appearance_changes.tracks;
    at_kit_changes = {};
    at_number_changes = {};
    at_substitutions = {};
    without_stray_ends = {};
    out.appearance_change_cuts = at_appearance_changes.cuts;
    out.stage_seconds[kAppearanceChangeStage] = split_watch.Seconds();
  }
  SplitTrackLayer at_exchanges;
  if (options.exchanges.enabled()) {
    Stopwatch exchange_watch;
    at_exchanges = ExchangeTracksAtMeetings(frames, *split_tracks, match, options, block_rows);
    split_tracks = &at_exchanges.tracks;
    at_kit_changes = {};
    at_number_changes = {};
    at_substitutions = {};
    without_stray_ends = {};
    out.exchanges = at_exchanges.cuts;
    // An appearance cut of a track exchanged since is not undone later: its pieces' rows are
    // no longer those it cut (a rejoin could put two rows of one track in a frame).
    std::set<int64_t> exchanged;
    for (const auto& [a, b] : at_exchanges.cut_pieces) exchanged.insert({a, b});
    auto& pieces = at_appearance_changes.cut_pieces;
    pieces.erase(std::remove_if(pieces.begin(), pieces.end(),
                                [&](const std::pair<int64_t, int64_t>& p) {
                                  return exchanged.count(p.first) || exchanged.count(p.second);
                                }),
                 pieces.end());
    at_appearance_changes.tracks = {};  // its cut pieces are kept; at most two copies of the layer
    out.stage_seconds[kExchangeStage] = exchange_watch.Seconds();
  }
  const TrackLayer& tracks = *split_tracks;
  // Per track: evidence from the crop encoder's named fields (the JN classifier's jersey
  // probabilities when it runs), then the attributes; one pass over the frame layer.
  Stopwatch watch;
  MatchPass pass = PassOverLayer(frames, tracks, match, options, jn, resolver != nullptr,
                                 resolver != nullptr && resolver->options().pooled_reading_weight > 0, drop_non_person,
                                 block_rows);
  MatchTracks& match_tracks = pass.tracks;
  if (jn) out.stage_seconds[kJnClassifierStage] = match_tracks.jn_seconds;
  out.dropped = match_tracks.dropped;
  out.dropped_unconfirmed = match_tracks.dropped_unconfirmed;
  std::vector<tracking::TrackAttributes>& attributes = match_tracks.attributes;
  out.stage_seconds[kAttributesStage] = watch.Seconds() - match_tracks.jn_seconds;
  if (resolver) {
    // Model 5: person tracks linked into identities and named from the roster.
    Stopwatch identity_watch;
    jn_classifier::JnProbabilities unknown{};
    unknown[jn_classifier::kUnknownClass] = 1.f;
    std::vector<tracking::IdentityTrack> identity_tracks;
    std::vector<tracking::TrackAttributes*> named;
    for (tracking::TrackAttributes& a : attributes) {
      if (!a.category) continue;
      auto p = match_tracks.jersey_probabilities.find(a.track_id);
      identity_tracks.push_back(pass.identity.at(a.track_id).Finish(
          frames, tracks, a.track_id, *a.category, p != match_tracks.jersey_probabilities.end() ? p->second : unknown));
      named.push_back(&a);
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("{}", JerseyEvidenceText(identity_tracks.back()));
    }
    const tracking::IdentityResult identities = resolver->Resolve(identity_tracks, match);
    for (size_t k = 0; k < named.size(); ++k) {
      named[k]->player_id = identities.player_id[k];
      if (identities.jersey[k]) named[k]->jersey = identities.jersey[k];
    }
    out.identities = identities.identities;
    out.guessed_player_ids = identities.guessed_player_ids;
    out.stage_seconds[kIdentityStage] = identity_watch.Seconds();
  }
  std::map<int64_t, const tracking::TrackAttributes*> attributes_of;
  for (const auto& a : attributes) attributes_of[a.track_id] = &a;
  std::vector<eval::PipelineRow> rows;
  std::vector<int64_t> layer_rows;  // the frame-layer row of each
  for (int64_t i = 0; i < frames.rows; ++i) {
    auto it = attributes_of.find(tracks.track_id[i]);
    if (it == attributes_of.end()) continue;  // untracked, or not a person
    layer_rows.push_back(i);
    eval::PipelineRow r;
    r.frame = static_cast<int>(frames.frame[i]);
    r.track_id = tracks.track_id[i];
    r.x_m = tracks.position_m[2 * i];
    r.z_m = tracks.position_m[2 * i + 1];
    r.score = frames.score[i];
    r.category = it->second->category;
    r.jersey = it->second->jersey;
    r.player_id = it->second->player_id;
    rows.push_back(r);
  }
  // Appearance cuts that did not name two players apart are undone: the pieces rejoined,
  // named as the named one (if any) was.
  if (options.appearance_changes.rejoin_unless_named_apart && !at_appearance_changes.cut_pieces.empty()) {
    std::map<int64_t, int64_t> root_of;  // piece -> the first piece of its group
    std::map<int64_t, const tracking::TrackAttributes*> group_attributes;  // root -> whose the rows take
    auto root = [&](int64_t id) {
      auto it = root_of.find(id);
      return it == root_of.end() ? id : it->second;
    };
    auto attributes_at = [](const std::map<int64_t, const tracking::TrackAttributes*>& m, int64_t id) {
      auto it = m.find(id);
      return it == m.end() ? nullptr : it->second;
    };
    for (const auto& [before, after] : at_appearance_changes.cut_pieces) {
      const int64_t r = root(before);
      const tracking::TrackAttributes* a = attributes_at(group_attributes, r);
      if (!a) a = attributes_at(attributes_of, r);
      const tracking::TrackAttributes* b = attributes_at(attributes_of, after);
      if (!a || !b) continue;  // a piece left out
      if (a->player_id && b->player_id && *a->player_id != *b->player_id) continue;  // named apart: kept
      root_of[after] = r;
      group_attributes[r] = a->player_id ? a : b;
      ++out.appearance_cuts_undone;
    }
    for (eval::PipelineRow& row : rows) {
      const int64_t r = root(row.track_id);
      if (r == row.track_id && !group_attributes.count(r)) continue;
      const tracking::TrackAttributes* a = group_attributes.at(r);
      row.track_id = r;
      row.category = a->category;
      row.jersey = a->jersey;
      row.player_id = a->player_id;
    }
  }
  // A player named on two tracks at once: spliced where his path continues.
  if (options.name_splices.enabled()) {
    Stopwatch splice_watch;
    int64_t next_id = 1;
    for (const eval::PipelineRow& r : rows) next_id = std::max(next_id, r.track_id + 1);
    const tracking::NameSpliceResult spliced = tracking::SpliceNames(rows, match, options.name_splices, &next_id);
    out.name_splices = spliced.splices;
    out.name_splice_clashes_unnamed = spliced.clashes_unnamed;
    out.stage_seconds[kNameSpliceStage] = splice_watch.Seconds();
  }
  // Then an unnamed track named after the one player the roster leaves it.
  if (options.name_elimination.enabled()) {
    Stopwatch elimination_watch;
    out.tracks_named_by_elimination = tracking::NameByElimination(rows, match, options.name_elimination).tracks_named;
    out.stage_seconds[kNameEliminationStage] = elimination_watch.Seconds();
  }
  // Then track fragments joined where the names agree.
  if (options.fragment_links.enabled()) {
    Stopwatch link_watch;
    const std::vector<size_t> handover = tracking::HandoverRows(rows, options.fragment_links, match.fps);
    if (!handover.empty()) {
      DropRows(handover, rows, layer_rows);
      out.handover_rows_dropped = static_cast<int64_t>(handover.size());
      // Each row still beside its own layer row (the joining reads its embedding there).
      for (size_t i = 0; i < rows.size(); ++i) {
        const int64_t r = layer_rows[i];
        IPT_ASSERT(rows[i].frame == frames.frame[r] && rows[i].x_m == tracks.position_m[2 * r] &&
                   rows[i].z_m == tracks.position_m[2 * r + 1]);
      }
    }
    out.fragment_links =
        JoinFragmentRows(frames, rows, layer_rows, match, options.fragment_links, options.substitution_gaps, block_rows);
    out.stage_seconds[kFragmentLinkStage] = link_watch.Seconds();
  }
  // Last: positions smoothed and short gaps filled (any tracker; sorted by frame, track).
  Stopwatch smooth_watch;
  tracking::SmoothedTracks smoothed = tracking::SmoothTracks(std::move(rows), options.smoothing);
  out.rows = std::move(smoothed.rows);
  out.filled_rows = smoothed.filled_rows;
  // A row named after a player the resolver only guessed is a guess, whichever step after
  // naming gave it the name (tracks.csv player_guess).
  for (eval::PipelineRow& row : out.rows) {
    row.player_guessed.reset();
    if (row.player_id)
      row.player_guessed =
          std::binary_search(out.guessed_player_ids.begin(), out.guessed_player_ids.end(), *row.player_id);
  }
  out.stage_seconds[kSmoothStage] = smooth_watch.Seconds();
  out.tracks =
      static_cast<int64_t>(attributes.size()) - out.appearance_cuts_undone + out.name_splices - out.fragment_links;
  return out;
}

tracking::IdentityTrack IdentityTrackOfRows(const FrameLayer& frames, const TrackLayer& tracks,
                                            const std::vector<int64_t>& rows, int64_t id, io::Category category,
                                            const jn_classifier::JnProbabilities& jersey) {
  IPT_ASSERT(!rows.empty());
  const FrameRowBlock all = AllRows(frames);
  IdentityEvidence evidence;
  for (int64_t r : rows) evidence.Add(all, r, &tracks.position_m[2 * r]);
  return evidence.Finish(frames, tracks, id, category, jersey);
}

std::vector<std::vector<int64_t>> CutTrack(const FrameLayer& frames, const std::vector<int64_t>& rows,
                                           const identity_resolver::TrackCutOptions& options, std::mt19937_64& rng) {
  options.Check();
  std::vector<std::vector<int64_t>> pieces;
  if (rows.empty()) return pieces;
  std::uniform_int_distribution<int> piece(options.min_piece_frames, options.max_piece_frames),
      gap(options.min_gap_frames, options.max_gap_frames);
  int64_t start = frames.frame[rows.front()];
  size_t i = 0;
  while (i < rows.size()) {
    const int64_t end = start + piece(rng);  // kept: [start, end)
    std::vector<int64_t> kept;
    for (; i < rows.size() && frames.frame[rows[i]] < end; ++i) {
      if (frames.frame[rows[i]] >= start) kept.push_back(rows[i]);
    }
    if (!kept.empty()) pieces.push_back(std::move(kept));
    start = end + gap(rng);  // dropped: [end, start)
    while (i < rows.size() && frames.frame[rows[i]] < start) ++i;
  }
  return pieces;
}

namespace {

// Every track of every match, labelled.
std::vector<jn_classifier::LabelledTrack> LabelledTracks(const registry::TrainingContext& ctx,
                                                          const std::vector<std::string>& matches) {
  const fs::path model_store = ctx.model_store.empty() ? registry::DefaultModelStoreRoot() : ctx.model_store;
  const std::map<std::string, std::string> refs = TrackLayerRefs(ctx.upstream_refs, model_store);
  std::vector<jn_classifier::LabelledTrack> out;
  for (size_t i = 0; i < matches.size(); ++i) {
    const fs::path dir = matches[i];
    const MatchLayers layers = GetMatchLayers(dir, refs, model_store, ctx.cache);
    spdlog::info("jn classifier: layers of {} ({}/{}): frame {}, track {}", dir.string(), i + 1, matches.size(),
                 layers.frame_hit ? "cache hit" : "computed", layers.track_hit ? "cache hit" : "computed");
    const io::MatchInfo info = io::ReadMatchYaml(dir / io::kMatchYamlName);
    const RowTruth truth = LabelRows(layers.frames, io::ReadAnnotationsCsv(dir / io::kAnnotationsCsvName, info.frame_count));
    for (const auto& [id, rows] : RowsOfTracks(layers.tracks)) {
      jn_classifier::LabelledTrack t;
      t.match = dir.string();
      t.track = JnTrackOfRows(layers.frames, rows);
      for (int64_t r : rows) {
        t.person.push_back(truth.person[r]);
        t.jersey.push_back(truth.jersey[r]);
        t.legibility.push_back(truth.legibility[r]);
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Person tracks of every match cut into pieces, each labelled with its main person.
std::vector<identity_resolver::LabelledIdentityMatch> LabelledPieces(const registry::TrainingContext& ctx,
                                                                     const std::vector<std::string>& matches,
                                                                     const identity_resolver::IdentityDataOptions& data) {
  const fs::path model_store = ctx.model_store.empty() ? registry::DefaultModelStoreRoot() : ctx.model_store;
  const std::map<std::string, std::string> refs = TrackLayerRefs(ctx.upstream_refs, model_store);
  const identity_resolver::TrackCutOptions& cut = data.cut;
  jn_classifier::JnProbabilities unknown{};
  unknown[jn_classifier::kUnknownClass] = 1.f;  // naming evidence is not trained on
  std::vector<identity_resolver::LabelledIdentityMatch> out;
  for (size_t i = 0; i < matches.size(); ++i) {
    const fs::path dir = matches[i];
    const MatchLayers layers = GetMatchLayers(dir, refs, model_store, ctx.cache);
    spdlog::info("identity resolver: layers of {} ({}/{}): frame {}, track {}", dir.string(), i + 1, matches.size(),
                 layers.frame_hit ? "cache hit" : "computed", layers.track_hit ? "cache hit" : "computed");
    identity_resolver::LabelledIdentityMatch m;
    m.name = dir.string();
    m.match = io::ReadMatchYaml(dir / io::kMatchYamlName);
    const RowTruth truth = LabelRows(layers.frames, io::ReadAnnotationsCsv(dir / io::kAnnotationsCsvName, m.match.frame_count));
    const MatchTracks tracks = ResolveMatchTracks(layers.frames, layers.tracks, m.match, {}, nullptr, true);
    std::mt19937_64 rng(identity_resolver::CutSeed(cut, dir.filename().string()));
    for (const tracking::TrackAttributes& a : tracks.attributes) {
      if (!a.category) continue;
      for (const auto& piece : CutTrack(layers.frames, tracks.rows.at(a.track_id), cut, rng)) {
        m.tracks.push_back(IdentityTrackOfRows(layers.frames, layers.tracks, piece,
                                               static_cast<int64_t>(m.tracks.size()), *a.category, unknown));
        std::map<int, int> count;
        for (int64_t r : piece) ++count[truth.person[r]];
        m.person.push_back(std::max_element(count.begin(), count.end(), [](auto& x, auto& y) { return x.second < y.second; })->first);
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

registry::TrainedWeights TrainIdentityResolverFromLayers(const registry::TrainingContext& ctx) {
  return identity_resolver::TrainIdentityResolver(
      ctx, [&](const std::vector<std::string>& matches, const identity_resolver::IdentityDataOptions& data) {
        return LabelledPieces(ctx, matches, data);
      });
}

registry::TrainedWeights TrainJnClassifierFromLayers(const registry::TrainingContext& ctx) {
  return jn_classifier::TrainJnClassifier(
      ctx, [&](const std::vector<std::string>& matches) { return LabelledTracks(ctx, matches); });
}

}  // namespace ipt::pipeline
