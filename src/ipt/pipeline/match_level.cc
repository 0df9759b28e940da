#include "ipt/pipeline/match_level.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>

#include "ipt/eval/ptfe.h"
#include "ipt/io/match.h"
#include "ipt/jn_classifier/jn_classifier_training.h"
#include "ipt/pipeline/models.h"
#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/util/check.h"

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
    throw InputError((store.PackageDir(refs["tracker"]) / "model.json").string(), 0, "trained_with.detector",
                     "missing: the tracker does not say which detector made its frame layer");
  }
  refs["detector"] = it->second;
  auto crop = tracker.trained_with.find("crop_encoder");
  if (crop == tracker.trained_with.end() || crop->second != refs["crop_encoder"]) {
    throw InputError((store.PackageDir(refs["tracker"]) / "model.json").string(), 0, "trained_with.crop_encoder",
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

jn_classifier::JnTrack JnTrackOfRows(const FrameLayer& frames, const std::vector<int64_t>& rows) {
  jn_classifier::JnTrack t;
  for (int64_t r : rows) {
    t.Append(frames.Row(crop_encoder::kPresenceField, r), frames.Row(crop_encoder::kDigitsField, r),
             frames.Row(crop_encoder::kNumberField, r));
  }
  return t;
}

tracking::DetectionEvidence DetectionEvidenceOfRow(const FrameLayer& layer, int64_t row, const float* position_m,
                                                   std::array<float, crop_encoder::kNumRoles>* roles) {
  tracking::DetectionEvidence e;
  e.frame = static_cast<int>(layer.frame[row]);
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
  t.legible.assign(frames.rows, 0);
  for (int64_t r = 0; r < frames.rows; ++r) {
    if (t.person[r] < 0) continue;
    const io::Annotation* a = by_frame_person.at({static_cast<int>(frames.frame[r]), t.person[r]});
    t.jersey[r] = a->jersey.value_or(-1);
    t.legible[r] = a->legibility == io::Legibility::kLegible;
  }
  return t;
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
    const io::MatchInfo info = io::ReadMatchYaml(dir / "match.yaml");
    const RowTruth truth = LabelRows(layers.frames, io::ReadAnnotationsCsv(dir / "annotations.csv", info.frame_count));
    for (const auto& [id, rows] : RowsOfTracks(layers.tracks)) {
      jn_classifier::LabelledTrack t;
      t.match = dir.string();
      t.track = JnTrackOfRows(layers.frames, rows);
      for (int64_t r : rows) {
        t.person.push_back(truth.person[r]);
        t.jersey.push_back(truth.jersey[r]);
        t.legible.push_back(truth.legible[r]);
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace

registry::TrainedWeights TrainJnClassifierFromLayers(const registry::TrainingContext& ctx) {
  return jn_classifier::TrainJnClassifier(
      ctx, [&](const std::vector<std::string>& matches) { return LabelledTracks(ctx, matches); });
}

}  // namespace ipt::pipeline
