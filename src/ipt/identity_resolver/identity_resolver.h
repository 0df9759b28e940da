// Model 5 at run time (torch-free header): the identity resolver links a whole match's
// tracks into identities and names them from the roster (tracking/identity.h holds the
// constrained part); the learned part is the pair affinity, an MLP on the named pair
// features (tracking::PairFeatureNames: gap, distance, speed needed, appearance distance,
// the crops' jersey agreement, ...), standardised with the training set's statistics.
//
// The package: model.json kind identity_resolver, architecture = {"type":
// "identity_resolver", "network": {"hidden": H}, "resolving": every IdentityOptions field,
// "pair_features": [names]} (a build computing other features refuses it);
// weights.safetensors holds the network's parameters and the feature normalisation.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/io/match.h"
#include "ipt/tracking/identity.h"

namespace ipt::identity_resolver {

inline constexpr const char* kIdentityResolverType = "identity_resolver";

// The affinity network's size: features -> hidden -> hidden -> 1 (ReLU).
struct AffinityNetConfig {
  int hidden = 32;
  void Check() const;
  nlohmann::json ToJson() const;
  static AffinityNetConfig FromJson(const nlohmann::json& json, const std::string& source);
};

// Every IdentityOptions field; the inverse requires every key and no other and checks the
// values (InputError naming `source` and "<prefix>.<key>").
nlohmann::json IdentityOptionsToJson(const tracking::IdentityOptions& options);
tracking::IdentityOptions IdentityOptionsFromJson(const nlohmann::json& json, const std::string& source,
                                                  const std::string& prefix);
// The visitor behind both (and the recipe reader): visit(section, key, value&).
template <typename Options, typename Visit>
void VisitIdentityOptions(Options& o, Visit&& visit) {
  visit("", "max_speed_mps", o.max_speed_mps);
  visit("", "position_slack_m", o.position_slack_m);
  visit("", "max_handover_seconds", o.max_handover_seconds);
  visit("", "min_link_probability", o.min_link_probability);
  visit("", "min_player_probability", o.min_player_probability);
  visit("", "min_name_probability", o.min_name_probability);
  visit("", "jersey_veto_probability", o.jersey_veto_probability);
  visit("", "roster_veto_probability", o.roster_veto_probability);
  visit("", "min_roster_evidence", o.min_roster_evidence);
  visit("", "max_candidates", o.max_candidates);
  visit("", "touchline_margin_m", o.touchline_margin_m);
  visit("", "station_error", o.station_error);
  visit("", "substitution_likelihood_ratio", o.substitution_likelihood_ratio);
  visit("", "substitution_seconds", o.substitution_seconds);
  visit("", "join_by_name", o.join_by_name);
  visit("", "evict_by_name", o.evict_by_name);
  visit("", "evict_reading_tolerance_nats", o.evict_reading_tolerance_nats);
  visit("", "name_ties_by_detections", o.name_ties_by_detections);
  visit("", "pooled_reading_weight", o.pooled_reading_weight);
  visit("", "pooled_reading_max_crops", o.pooled_reading_max_crops);
}

class IdentityResolver {
 public:
  // Loads a package of kind identity_resolver; InputError naming model.json and the field
  // otherwise.
  explicit IdentityResolver(const std::filesystem::path& package_dir, int threads = 2);
  ~IdentityResolver();
  IdentityResolver(IdentityResolver&&) noexcept;
  const tracking::IdentityOptions& options() const { return options_; }
  // P(same person) of each pair (earlier, later track index). Throws InputError naming
  // weights.safetensors when the network gives non-finite values (corrupt weights).
  std::vector<float> Affinity(const std::vector<tracking::IdentityTrack>& tracks, double fps,
                              const std::vector<std::pair<int, int>>& pairs);
  // tracking::ResolveIdentities with this affinity and the package's options.
  tracking::IdentityResult Resolve(const std::vector<tracking::IdentityTrack>& tracks, const io::MatchInfo& match);

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  tracking::IdentityOptions options_;
  std::filesystem::path weights_;  // named when the network gives non-finite outputs
};

}  // namespace ipt::identity_resolver
