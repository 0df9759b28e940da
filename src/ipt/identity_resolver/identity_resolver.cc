#include "ipt/identity_resolver/identity_resolver.h"

#include <set>

#include "ipt/identity_resolver/affinity_net.h"
#include "ipt/io/options_json.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::identity_resolver {
namespace {
const auto kVisitAll = [](auto& options, auto&& visit) { VisitIdentityOptions(options, visit); };
const auto kVisitNet = [](auto& c, auto&& visit) { visit("", "hidden", c.hidden); };
}  // namespace

void AffinityNetConfig::Check() const { IPT_CHECK(hidden >= 1 && hidden <= 4096, "affinity network: hidden must be in [1, 4096]"); }

nlohmann::json AffinityNetConfig::ToJson() const { return io::OptionsToJson(*this, kVisitNet); }

AffinityNetConfig AffinityNetConfig::FromJson(const nlohmann::json& json, const std::string& source) {
  AffinityNetConfig c;
  io::OptionsFromJson(json, source, "architecture.network", c, kVisitNet);
  try {
    c.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, "architecture.network", e.message());
  }
  return c;
}

nlohmann::json IdentityOptionsToJson(const tracking::IdentityOptions& options) { return io::OptionsToJson(options, kVisitAll); }

tracking::IdentityOptions IdentityOptionsFromJson(const nlohmann::json& json, const std::string& source,
                                                  const std::string& prefix) {
  tracking::IdentityOptions o;
  // The referee station options (session 16) may be absent: they act only on rosters
  // with stations, which no match had before. So may join_by_name (session 17) and
  // name_ties_by_detections (session 18), roster_veto_probability and max_handover_seconds
  // (session 24), evict_by_name and evict_reading_tolerance_nats (session 28, "Evicting by
  // name"), pooled_reading_weight and pooled_reading_max_crops (session 36, "The pooled
  // reading"; 0, off): rules
  // after the network, at their defaults for old packages too (their weights do not depend
  // on them; see io::WithAddedOptions and docs/models.md, "Joined by name", "Ties named by
  // detections" and "The roster veto").
  // substitution_likelihood_ratio and substitution_seconds (session 38; 1, off).
  // min_name_probability (session 37) split naming from min_player_probability: a package
  // without it named at its min_player_probability.
  nlohmann::json with_name = json;
  if (with_name.is_object() && !with_name.contains("min_name_probability") && with_name.contains("min_player_probability"))
    with_name["min_name_probability"] = with_name["min_player_probability"];
  io::OptionsFromJson(io::WithAddedOptions(with_name, IdentityOptionsToJson({}),
                                           {"touchline_margin_m", "station_error", "join_by_name", "name_ties_by_detections",
                                            "roster_veto_probability", "max_handover_seconds", "evict_by_name",
                                            "evict_reading_tolerance_nats", "pooled_reading_weight",
                                            "pooled_reading_max_crops", "min_name_probability",
                                            "substitution_likelihood_ratio", "substitution_seconds"}),
                      source, prefix, o, kVisitAll);
  try {
    o.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
  }
  return o;
}

struct IdentityResolver::Net {
  AffinityNet net{nullptr};
};

IdentityResolver::IdentityResolver(const std::filesystem::path& package_dir, int threads) : net_(std::make_unique<Net>()) {
  IPT_CHECK(threads >= 1 && threads <= 256, "identity resolver: threads must be in [1, 256]");
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / registry::kManifestFileName).string();
  if (manifest.kind != "identity_resolver") {
    throw InputError(source, 0, "kind", "'" + Echo(manifest.kind) + "' is not an identity_resolver");
  }
  const nlohmann::json& a = manifest.architecture;
  if (!a.is_object() || !a.contains("type") || a["type"] != kIdentityResolverType) {
    throw InputError(source, 0, "architecture.type", "not an identity_resolver");
  }
  for (const auto& [key, value] : a.items()) {
    static const std::set<std::string> known = {"type", "network", "resolving", "pair_features"};
    if (!known.count(key)) throw InputError(source, 0, "architecture." + Echo(key), "unknown key");
  }
  if (!a.contains("pair_features") || a["pair_features"] != nlohmann::json(tracking::PairFeatureNames())) {
    throw InputError(source, 0, "architecture.pair_features", "not the pair features this build computes");
  }
  if (!a.contains("resolving")) throw InputError(source, 0, "architecture.resolving", "missing");
  options_ = IdentityOptionsFromJson(a["resolving"], source, "architecture.resolving");
  if (!a.contains("network")) throw InputError(source, 0, "architecture.network", "missing");
  net_->net = AffinityNet(AffinityNetConfig::FromJson(a["network"], source));
  weights_ = package_dir / registry::kWeightsFileName;
  nn::LoadModule(*net_->net, weights_);
  net_->net->eval();
  nn::SetTorchThreads(threads);
}

IdentityResolver::~IdentityResolver() = default;
IdentityResolver::IdentityResolver(IdentityResolver&&) noexcept = default;

std::vector<float> IdentityResolver::Affinity(const std::vector<tracking::IdentityTrack>& tracks, double fps,
                                              const std::vector<std::pair<int, int>>& pairs) {
  if (pairs.empty()) return {};
  torch::NoGradGuard no_grad;
  const torch::Tensor p = torch::sigmoid(net_->net->forward(PairFeatureTensor(tracks, fps, pairs))).contiguous();
  if (!torch::isfinite(p).all().item<bool>()) {
    throw InputError(weights_.string(), 0, "", "the identity resolver gives non-finite affinities (corrupt weights?)");
  }
  return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

tracking::IdentityResult IdentityResolver::Resolve(const std::vector<tracking::IdentityTrack>& tracks,
                                                   const io::MatchInfo& match) {
  return tracking::ResolveIdentities(
      tracks, match, [&](const std::vector<std::pair<int, int>>& pairs) { return Affinity(tracks, match.fps, pairs); },
      options_);
}

}  // namespace ipt::identity_resolver
