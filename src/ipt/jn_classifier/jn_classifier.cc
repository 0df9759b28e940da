#include "ipt/jn_classifier/jn_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/io/options_json.h"
#include "ipt/jn_classifier/jn_net.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::jn_classifier {
namespace {

static_assert(crop_encoder::kNumPresence + crop_encoder::kNumDigitLogits + crop_encoder::kNumNumbers == kJnInputWidth);
static_assert(crop_encoder::kNumNumbers == io::kNumJerseys);
constexpr int kDigitGroup = 10;  // one-digit, tens, units: 10 logits each

const auto kVisitVoteOptions = [](auto& v, auto&& visit) {
  visit("", "min_legible_probability", v.min_legible_probability);
  visit("", "min_number_probability", v.min_number_probability);
  visit("", "min_allowed_probability", v.min_allowed_probability);
  visit("", "min_votes", v.min_votes);
  visit("", "min_vote_share", v.min_vote_share);
  visit("", "share_weight", v.share_weight);
};

const auto kVisitNetConfig = [](auto& c, auto&& visit) {
  visit("", "model_dim", c.model_dim);
  visit("", "heads", c.heads);
  visit("", "layers", c.layers);
  visit("", "feedforward_dim", c.feedforward_dim);
  visit("", "dropout", c.dropout);
  visit("", "max_detections", c.max_detections);
  visit("", "spread_selection", c.spread_selection);
  visit("", "spread_min_legible_probability", c.spread_min_legible_probability);
};

// splitmix64's finalizer: a fixed, well-mixed map of a row position to 64 bits.
uint64_t MixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// log-softmax of n logits into out, clipped below at kMinLogProbability.
void LogSoftmax(const float* logits, int n, float* out) {
  const float top = *std::max_element(logits, logits + n);
  double sum = 0;
  for (int k = 0; k < n; ++k) sum += std::exp(static_cast<double>(logits[k] - top));
  const double log_sum = std::log(sum) + top;
  for (int k = 0; k < n; ++k) out[k] = std::max(kMinLogProbability, static_cast<float>(logits[k] - log_sum));
}

}  // namespace

void JnNetConfig::Check() const {
  IPT_CHECK(model_dim >= 1 && model_dim <= 1024, "jn network: model_dim must be in [1, 1024]");
  IPT_CHECK(heads >= 1 && model_dim % heads == 0, "jn network: model_dim must be a multiple of heads (>= 1)");
  IPT_CHECK(layers >= 1 && layers <= 16, "jn network: layers must be in [1, 16]");
  IPT_CHECK(feedforward_dim >= 1 && feedforward_dim <= 8192, "jn network: feedforward_dim must be in [1, 8192]");
  IPT_CHECK(dropout >= 0 && dropout < 1, "jn network: dropout must be in [0, 1)");
  IPT_CHECK(max_detections >= 1 && max_detections <= 4096, "jn network: max_detections must be in [1, 4096]");
  IPT_CHECK(InUnitInterval(spread_min_legible_probability),
            "jn network: spread_min_legible_probability must be in [0, 1], got {}", spread_min_legible_probability);
}

nlohmann::json JnNetConfig::ToJson() const { return io::OptionsToJson(*this, kVisitNetConfig); }

JnNetConfig JnNetConfig::FromJson(const nlohmann::json& json, const std::string& source) {
  JnNetConfig c;
  const std::string prefix = "architecture.network";
  // Packages before session 31 read their most legible detections, and were trained so.
  JnNetConfig before_spread;
  before_spread.spread_selection = false;
  io::OptionsFromJson(io::WithAddedOptions(json, before_spread.ToJson(),
                                           {"spread_selection", "spread_min_legible_probability"}),
                      source, prefix, c, kVisitNetConfig);
  try {
    c.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
  }
  return c;
}

void JnVoteOptions::Check() const {
  // Named by this struct's keys (the vote's own Check names track_attributes.yaml's).
  auto unit = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1; };
  IPT_CHECK(unit(min_legible_probability), "jn vote: min_legible_probability must be in [0, 1], got {}",
            min_legible_probability);
  IPT_CHECK(unit(min_number_probability), "jn vote: min_number_probability must be in [0, 1], got {}",
            min_number_probability);
  IPT_CHECK(unit(min_allowed_probability) && min_allowed_probability > 0,
            "jn vote: min_allowed_probability must be in (0, 1], got {}", min_allowed_probability);
  IPT_CHECK(min_votes >= 1, "jn vote: min_votes must be >= 1, got {}", min_votes);
  IPT_CHECK(std::isfinite(min_vote_share) && min_vote_share > 0 && min_vote_share <= 1,
            "jn vote: min_vote_share must be in (0, 1], got {}", min_vote_share);
  constexpr double kHalf = 0.5;  // above it, a unanimous vote's number beats every other class
  IPT_CHECK(std::isfinite(share_weight) && share_weight > kHalf && share_weight <= 1,
            "jn vote: share_weight must be in (0.5, 1], got {}", share_weight);
  AsAttributeOptions().Check();  // the vote's own limits
}

void CheckVoteCanName(const JnVoteOptions& vote, const JnNetConfig& network) {
  IPT_CHECK(vote.min_votes <= network.max_detections,
            "jn vote: min_votes {} exceeds the {} detections read (max_detections): the vote could never name a number",
            vote.min_votes, network.max_detections);
}

tracking::TrackAttributesOptions JnVoteOptions::AsAttributeOptions() const {
  tracking::TrackAttributesOptions o;
  o.min_legible_probability = min_legible_probability;
  o.min_number_probability = min_number_probability;
  o.min_allowed_probability = min_allowed_probability;
  o.min_jersey_votes = min_votes;
  o.min_jersey_vote_share = min_vote_share;
  return o;
}

nlohmann::json JnVoteOptions::ToJson() const { return io::OptionsToJson(*this, kVisitVoteOptions); }

JnVoteOptions JnVoteOptions::FromJson(const nlohmann::json& json, const std::string& source) {
  JnVoteOptions v;
  const std::string prefix = "architecture.vote";
  io::OptionsFromJson(json, source, prefix, v, kVisitVoteOptions);
  try {
    v.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
  }
  return v;
}

void JnTrack::Append(const float* presence_logits, const float* digit_logits, const float* number_logits) {
  const size_t at = inputs.size();
  inputs.resize(at + kJnInputWidth);
  float* x = &inputs[at];
  LogSoftmax(presence_logits, crop_encoder::kNumPresence, x);
  for (int g = 0; g < crop_encoder::kNumDigitLogits / kDigitGroup; ++g) {
    LogSoftmax(digit_logits + g * kDigitGroup, kDigitGroup, x + crop_encoder::kNumPresence + g * kDigitGroup);
  }
  LogSoftmax(number_logits, crop_encoder::kNumNumbers, x + crop_encoder::kNumPresence + crop_encoder::kNumDigitLogits);
  const std::array<float, crop_encoder::kNumNumbers> p = crop_encoder::JerseyNumberProbabilities(number_logits, digit_logits);
  for (float v : p) number_evidence.push_back(std::max(kMinLogProbability, std::log(std::max(v, 1e-30f))));
  legible.push_back(std::exp(x[static_cast<int>(io::Legibility::kLegible)]));
}

void JnTrack::AppendFrom(const JnTrack& other, int i) {
  IPT_ASSERT(i >= 0 && i < other.size());
  inputs.insert(inputs.end(), other.inputs.begin() + size_t(i) * kJnInputWidth,
                other.inputs.begin() + size_t(i + 1) * kJnInputWidth);
  number_evidence.insert(number_evidence.end(), other.number_evidence.begin() + size_t(i) * io::kNumJerseys,
                         other.number_evidence.begin() + size_t(i + 1) * io::kNumJerseys);
  legible.push_back(other.legible[i]);
}

void JnTrack::SetFrom(int at, const JnTrack& other, int i) {
  IPT_ASSERT(at >= 0 && at < size() && i >= 0 && i < other.size());
  std::copy_n(other.inputs.begin() + size_t(i) * kJnInputWidth, kJnInputWidth, inputs.begin() + size_t(at) * kJnInputWidth);
  std::copy_n(other.number_evidence.begin() + size_t(i) * io::kNumJerseys, io::kNumJerseys,
              number_evidence.begin() + size_t(at) * io::kNumJerseys);
  legible[at] = other.legible[i];
}

void JnTrack::Check() const {
  IPT_CHECK(inputs.size() == legible.size() * kJnInputWidth && number_evidence.size() == legible.size() * io::kNumJerseys,
            "jn track: {} detections but {} inputs and {} evidence values", legible.size(), inputs.size(),
            number_evidence.size());
  for (const auto* v : {&inputs, &number_evidence, &legible}) {
    IPT_CHECK(std::all_of(v->begin(), v->end(), [](float x) { return std::isfinite(x); }), "jn track: non-finite values");
  }
}

DetectionSelector::DetectionSelector(const DetectionSelection& selection) : selection_(selection) {
  IPT_CHECK(selection.max_detections >= 1, "max_detections must be >= 1");
  IPT_CHECK(InUnitInterval(selection.spread_min_legible_probability),
            "spread_min_legible_probability must be in [0, 1]");
}

double SpreadDraw(int64_t position) {
  constexpr double kTwoToThe53 = 9007199254740992.0;  // a double's mantissa: uniform in [0, 1)
  return static_cast<double>(MixBits(static_cast<uint64_t>(position)) >> 11) / kTwoToThe53;
}

DetectionSelector::Rank DetectionSelector::RankOf(float legible, int64_t position) const {
  if (selection_.spread && legible >= selection_.spread_min_legible_probability) return {true, SpreadDraw(position)};
  return {false, legible};
}

bool DetectionSelector::Below(const Rank& a, int64_t position_a, const Rank& b, int64_t position_b) {
  if (a.sampled != b.sampled) return b.sampled;
  if (a.score != b.score) return a.score < b.score;
  return position_a > position_b;  // of equals, the later ranks below
}

int DetectionSelector::Offer(float legible) {
  IPT_CHECK(std::isfinite(legible), "P(legible) {} is not finite", legible);
  const int64_t position = offered_++;
  const Rank rank = RankOf(legible, position);
  if (static_cast<int>(rank_.size()) < selection_.max_detections) {
    rank_.push_back(rank);
    position_.push_back(position);
    return static_cast<int>(rank_.size()) - 1;
  }
  int worst = 0;
  for (int i = 1; i < selection_.max_detections; ++i) {
    if (Below(rank_[i], position_[i], rank_[worst], position_[worst])) worst = i;
  }
  if (!Below(rank_[worst], position_[worst], rank, position)) return -1;
  rank_[worst] = rank;
  position_[worst] = position;
  return worst;
}

std::vector<std::pair<int64_t, int>> DetectionSelector::Kept() const {
  std::vector<std::pair<int64_t, int>> kept;
  for (int slot = 0; slot < static_cast<int>(position_.size()); ++slot) kept.emplace_back(position_[slot], slot);
  std::sort(kept.begin(), kept.end());
  return kept;
}

std::vector<int> SelectDetections(const JnTrack& track, const DetectionSelection& selection) {
  DetectionSelector selector(selection);
  for (float legible : track.legible) selector.Offer(legible);
  std::vector<int> rows;
  for (const auto& [position, slot] : selector.Kept()) rows.push_back(static_cast<int>(position));
  return rows;
}

JnVote VoteOfTrack(const JnTrack& track, const DetectionSelection& selection, const JnVoteOptions& vote) {
  // Each detection read as the vote of track_attributes.h reads one: P(presence) and the
  // top candidates of the crop's number distribution.
  static_assert(crop_encoder::kNumPresence == tracking::kNumJerseyPresences);
  std::vector<tracking::DetectionEvidence> detections;
  for (int r : SelectDetections(track, selection)) {
    tracking::DetectionEvidence e;
    const float* x = &track.inputs[size_t(r) * kJnInputWidth];
    for (int k = 0; k < crop_encoder::kNumPresence; ++k) e.jersey_presence[k] = std::exp(x[k]);
    const float* log_p = &track.number_evidence[size_t(r) * io::kNumJerseys];
    std::array<int, io::kNumJerseys> order;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + tracking::kMaxJerseyCandidates, order.end(),
                      [&](int a, int b) { return log_p[a] > log_p[b] || (log_p[a] == log_p[b] && a < b); });
    for (int k = 0; k < tracking::kMaxJerseyCandidates; ++k) {
      e.jersey_candidates.push_back({io::kMinJersey + order[k], std::exp(log_p[order[k]])});
    }
    detections.push_back(std::move(e));
  }
  const tracking::TrackAttributesOptions options = vote.AsAttributeOptions();
  JnVote out;
  out.votes = tracking::JerseyVotes(detections, options);
  out.winner = tracking::VoteWinner(out.votes, options);
  return out;
}

JnProbabilities DeferToVote(const JnProbabilities& network, const tracking::JerseyVoteCounts& votes,
                            double share_weight) {
  static_assert(io::kMinJersey == 0 && tracking::JerseyVoteCounts().size() == io::kNumJerseys);
  const int total = std::accumulate(votes.begin(), votes.end(), 0);
  IPT_ASSERT(total > 0 && share_weight >= 0 && share_weight <= 1);
  JnProbabilities out;
  for (int k = 0; k < kNumJnClasses; ++k) out[k] = static_cast<float>((1 - share_weight) * network[k]);
  for (int n = 0; n < io::kNumJerseys; ++n) out[n] += static_cast<float>(share_weight * votes[n] / total);
  return out;
}

void JnClassifierRunOptions::Check() const {
  IPT_CHECK(threads >= 1 && threads <= 256, "jn classifier: threads must be in [1, 256]");
  IPT_CHECK(batch_tracks >= 1 && batch_tracks <= 65536, "jn classifier: batch_tracks must be in [1, 65536]");
}

const std::vector<std::string>& JnInputFields() {
  static const std::vector<std::string> fields = {crop_encoder::kPresenceField, crop_encoder::kDigitsField,
                                                  crop_encoder::kNumberField};
  return fields;
}

struct JnClassifier::Net {
  JnNet net{nullptr};
};

JnClassifier::JnClassifier(const std::filesystem::path& package_dir, const JnClassifierRunOptions& options)
    : net_(std::make_unique<Net>()), options_(options) {
  options.Check();
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / registry::kManifestFileName).string();
  if (manifest.kind != "jn_classifier") {
    throw InputError(source, 0, "kind", "'" + Echo(manifest.kind) + "' is not a jn_classifier");
  }
  const nlohmann::json& a = manifest.architecture;
  if (!a.is_object() || !a.contains("type") || a["type"] != kJnClassifierType) {
    throw InputError(source, 0, "architecture.type", "not a jn_classifier");
  }
  for (const auto& [key, value] : a.items()) {
    static const std::set<std::string> known = {"type", "network", "inputs", "vote"};
    if (!known.count(key)) throw InputError(source, 0, "architecture." + Echo(key), "unknown key");
  }
  if (!a.contains("inputs") || a["inputs"] != nlohmann::json(JnInputFields())) {
    throw InputError(source, 0, "architecture.inputs", "not the crop-encoder fields this build reads");
  }
  if (!a.contains("network")) throw InputError(source, 0, "architecture.network", "missing");
  net_->net = JnNet(JnNetConfig::FromJson(a["network"], source));
  if (a.contains("vote")) {
    vote_ = JnVoteOptions::FromJson(a["vote"], source);
    try {
      CheckVoteCanName(*vote_, config());
    } catch (const Error& e) {
      throw InputError(source, 0, "architecture.vote.min_votes", e.message());
    }
  }
  weights_ = package_dir / registry::kWeightsFileName;
  nn::LoadModule(*net_->net, weights_);
  net_->net->eval();
  nn::SetTorchThreads(options.threads);
}

JnClassifier::~JnClassifier() = default;
JnClassifier::JnClassifier(JnClassifier&&) noexcept = default;

const JnNetConfig& JnClassifier::config() const { return net_->net->config; }

std::vector<JnProbabilities> JnClassifier::Classify(const std::vector<JnTrack>& tracks) {
  torch::NoGradGuard no_grad;
  std::vector<JnProbabilities> out(tracks.size());
  std::vector<size_t> with_detections;
  for (size_t i = 0; i < tracks.size(); ++i) {
    tracks[i].Check();
    if (tracks[i].size() > 0) {
      with_detections.push_back(i);
    } else {
      out[i].fill(0.f);
      out[i][kUnknownClass] = 1.f;
    }
  }
  for (size_t begin = 0; begin < with_detections.size(); begin += options_.batch_tracks) {
    const size_t end = std::min(with_detections.size(), begin + options_.batch_tracks);
    std::vector<const JnTrack*> batch;
    for (size_t i = begin; i < end; ++i) batch.push_back(&tracks[with_detections[i]]);
    const torch::Tensor p = torch::softmax(net_->net->forward(MakeBatch(batch, config().Selection())), 1).contiguous();
    if (!torch::isfinite(p).all().item<bool>()) {
      throw InputError(weights_.string(), 0, "", "the JN classifier gives non-finite probabilities (corrupt weights?)");
    }
    const float* data = p.data_ptr<float>();
    for (size_t i = begin; i < end; ++i) {
      JnProbabilities& o = out[with_detections[i]];
      std::copy_n(data + (i - begin) * kNumJnClasses, kNumJnClasses, o.begin());
      if (!vote_) continue;
      const JnVote v = VoteOfTrack(*batch[i - begin], config().Selection(), *vote_);
      if (v.winner) o = DeferToVote(o, v.votes, vote_->share_weight);
    }
  }
  return out;
}

}  // namespace ipt::jn_classifier
