// `ipt eval identity`: the identity resolver (model 5) on matches with ground truth.
//
// For each match: the collection's frame and track layers (store), the match level as
// `ipt run` computes it (attributes; the JN classifier's jersey probabilities), then
// four ways of naming the person tracks, scored on the detections of annotated people:
//   tracks, roster look-up   each track's jersey looked up in the roster (no resolver)
//   tracks, resolver         the resolver on the tracks as they are
//   pieces, unlinked         the tracks cut into pieces (identity_resolver::TrackCutOptions: players leaving
//                            the view and coming back), each named on its own evidence (no links, no
//                            joining by name)
//   pieces, resolver         the resolver on those pieces (links and joins by name)
// Per way: detections named right (player_id = the annotated person's) and wrong; for the
// pieces also the returns: a piece whose person was seen in an earlier piece, linked to
// that piece's identity, and named right.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/pipeline/match_level.h"
#include "ipt/tracking/track_attributes.h"

namespace ipt::pipeline {

struct IdentityEvaluationOptions {
  std::filesystem::path models_yaml = "models.yaml";  // detector, crop_encoder, tracker, jn_classifier, identity_resolver
  std::filesystem::path model_store;                  // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;                        // "" = store::DefaultArtifactStoreRoot()
  identity_resolver::TrackCutOptions cut;
  tracking::TrackAttributesOptions attributes;
  int threads = 2;
  std::function<void(const std::string& what)> progress;
};

struct IdentityScores {
  int64_t detections = 0;                     // of annotated people, in person tracks
  int64_t named_right = 0, named_wrong = 0;   // player_id = / != the person's
  int64_t tracks = 0, identities = 0;
  int64_t returns = 0, returns_linked = 0, returns_named_right = 0;  // pieces only
};

struct IdentityEvaluation {
  std::string identity_resolver, jn_classifier;  // full refs
  int64_t matches = 0;
  std::vector<std::pair<std::string, IdentityScores>> ways;  // the four above, in order
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

IdentityEvaluation EvaluateIdentity(const std::vector<std::filesystem::path>& matches,
                                    const IdentityEvaluationOptions& options);

}  // namespace ipt::pipeline
