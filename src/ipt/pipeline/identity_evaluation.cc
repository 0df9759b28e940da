#include "ipt/pipeline/identity_evaluation.h"

#include <fmt/format.h>

#include <numeric>
#include <optional>
#include <set>

#include "ipt/identity_resolver/identity_resolver.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/pipeline/run.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

namespace {

// Scores one naming of `pieces` (rows each) against the rows' annotated people.
void Score(const std::vector<std::vector<int64_t>>& pieces, const std::vector<std::optional<int>>& player_id,
           const std::vector<int>& identity, const RowTruth& truth, const FrameLayer& frames, bool returns,
           IdentityScores* s) {
  s->tracks += static_cast<int64_t>(pieces.size());
  std::set<int> identities(identity.begin(), identity.end());
  s->identities += static_cast<int64_t>(identities.size());
  std::vector<int> main_person(pieces.size(), -1);
  for (size_t k = 0; k < pieces.size(); ++k) {
    std::map<int, int> count;
    for (int64_t r : pieces[k]) {
      ++count[truth.person[r]];
      if (truth.person[r] < 0) continue;
      ++s->detections;
      if (player_id[k]) (*player_id[k] == truth.person[r] ? s->named_right : s->named_wrong)++;
    }
    main_person[k] = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  }
  if (!returns) return;
  // A return: a piece whose person has an earlier piece (the latest one ending before it).
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (main_person[k] < 0) continue;
    std::optional<size_t> before;
    for (size_t j = 0; j < pieces.size(); ++j) {
      if (j == k || main_person[j] != main_person[k]) continue;
      if (frames.frame[pieces[j].back()] >= frames.frame[pieces[k].front()]) continue;
      if (!before || frames.frame[pieces[j].back()] > frames.frame[pieces[*before].back()]) before = j;
    }
    if (!before) continue;
    ++s->returns;
    s->returns_linked += identity[k] == identity[*before];
    s->returns_named_right += player_id[k] == main_person[k];
  }
}

}  // namespace

IdentityEvaluation EvaluateIdentity(const std::vector<fs::path>& matches, const IdentityEvaluationOptions& options) {
  IPT_CHECK(!matches.empty(), "no matches to evaluate");
  options.cut.Check();
  options.attributes.Check();
  const fs::path model_store = options.model_store.empty() ? registry::DefaultModelStoreRoot() : options.model_store;
  const std::map<std::string, std::string> refs = CheckRunCollection(options.models_yaml, model_store);
  IdentityEvaluation result;
  const auto more = CheckRunCollection(options.models_yaml, model_store, {"jn_classifier", "identity_resolver"});
  result.jn_classifier = more.at("jn_classifier");
  result.identity_resolver = more.at("identity_resolver");
  const registry::ModelStore store(model_store);
  jn_classifier::JnClassifier jn(store.PackageDir(result.jn_classifier), jn_classifier::JnClassifierRunOptions{options.threads});
  identity_resolver::IdentityResolver resolver(store.PackageDir(result.identity_resolver), options.threads);
  tracking::IdentityOptions unlinked_options = resolver.options();
  unlinked_options.join_by_name = false;  // each piece on its own evidence
  IdentityScores lookup, whole, unlinked, linked;
  for (size_t m = 0; m < matches.size(); ++m) {
    const fs::path& dir = matches[m];
    if (options.progress) options.progress("identity: " + dir.string());
    const io::MatchInfo info = io::ReadMatchYaml(dir / io::kMatchYamlName);
    const MatchLayers layers = GetMatchLayers(dir, refs, model_store, options.cache);
    const RowTruth truth = LabelRows(layers.frames, io::ReadAnnotationsCsv(dir / io::kAnnotationsCsvName, info.frame_count));
    const MatchTracks tracks = ResolveMatchTracks(layers.frames, layers.tracks, info, options.attributes, &jn, true);
    ++result.matches;
    // Whole tracks.
    std::vector<std::vector<int64_t>> rows;
    std::vector<tracking::IdentityTrack> identity_tracks;
    std::vector<std::optional<int>> looked_up;
    std::vector<io::Category> category;
    for (const tracking::TrackAttributes& a : tracks.attributes) {
      if (!a.category) continue;
      rows.push_back(tracks.rows.at(a.track_id));
      looked_up.push_back(a.player_id);
      category.push_back(*a.category);
      identity_tracks.push_back(IdentityTrackOfRows(layers.frames, layers.tracks, rows.back(), a.track_id, *a.category,
                                                    tracks.jersey_probabilities.at(a.track_id)));
    }
    std::vector<int> own(rows.size());
    std::iota(own.begin(), own.end(), 0);
    Score(rows, looked_up, own, truth, layers.frames, false, &lookup);
    const tracking::IdentityResult r = resolver.Resolve(identity_tracks, info);
    Score(rows, r.player_id, r.identity, truth, layers.frames, false, &whole);
    // Pieces: the JN classifier reads each piece on its own.
    std::mt19937_64 rng(identity_resolver::CutSeed(options.cut, dir.filename().string()));
    std::vector<std::vector<int64_t>> pieces;
    std::vector<io::Category> piece_category;
    std::vector<jn_classifier::JnTrack> jn_pieces;
    for (size_t t = 0; t < rows.size(); ++t) {
      for (auto& p : CutTrack(layers.frames, rows[t], options.cut, rng)) {
        jn_pieces.push_back(JnTrackOfRows(layers.frames, p));
        pieces.push_back(std::move(p));
        piece_category.push_back(category[t]);
      }
    }
    const std::vector<jn_classifier::JnProbabilities> p = jn.Classify(jn_pieces);
    std::vector<tracking::IdentityTrack> piece_tracks;
    for (size_t k = 0; k < pieces.size(); ++k) {
      piece_tracks.push_back(IdentityTrackOfRows(layers.frames, layers.tracks, pieces[k], static_cast<int64_t>(k),
                                                 piece_category[k], p[k]));
    }
    const tracking::IdentityResult alone = tracking::ResolveIdentities(
        piece_tracks, info, [](const auto& pairs) { return std::vector<float>(pairs.size(), 0.f); }, unlinked_options);
    Score(pieces, alone.player_id, alone.identity, truth, layers.frames, true, &unlinked);
    const tracking::IdentityResult joined = resolver.Resolve(piece_tracks, info);
    Score(pieces, joined.player_id, joined.identity, truth, layers.frames, true, &linked);
  }
  result.ways = {{"tracks, roster look-up", lookup},
                 {"tracks, resolver", whole},
                 {"pieces, unlinked", unlinked},
                 {"pieces, resolver", linked}};
  return result;
}

nlohmann::json IdentityEvaluation::ToJson() const {
  nlohmann::json j = {{"identity_resolver", identity_resolver}, {"jn_classifier", jn_classifier}, {"matches", matches}};
  for (const auto& [name, s] : ways) {
    j["ways"].push_back({{"way", name},
                         {"detections", s.detections},
                         {"named_right", s.named_right},
                         {"named_wrong", s.named_wrong},
                         {"identity_accuracy", s.detections ? double(s.named_right) / s.detections : 0.0},
                         {"tracks", s.tracks},
                         {"identities", s.identities},
                         {"returns", s.returns},
                         {"returns_linked", s.returns_linked},
                         {"returns_named_right", s.returns_named_right}});
  }
  return j;
}

std::string IdentityEvaluation::ToText() const {
  std::string out = fmt::format("identity: {} matches; identity resolver {}, JN classifier {}\n", matches,
                                identity_resolver.substr(0, 12), jn_classifier.substr(0, 12));
  out += fmt::format("{:<24} {:>9} {:>8} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8}\n", "way", "detections", "right", "wrong",
                     "tracks", "identities", "returns", "linked", "named");
  for (const auto& [name, s] : ways) {
    auto share = [](int64_t a, int64_t b) { return b ? fmt::format("{:.3f}", double(a) / b) : std::string("-"); };
    out += fmt::format("{:<24} {:>9} {:>8} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8}\n", name, s.detections,
                       share(s.named_right, s.detections), share(s.named_wrong, s.detections), s.tracks, s.identities,
                       s.returns ? std::to_string(s.returns) : "-", share(s.returns_linked, s.returns),
                       share(s.returns_named_right, s.returns));
  }
  return out;
}

}  // namespace ipt::pipeline
