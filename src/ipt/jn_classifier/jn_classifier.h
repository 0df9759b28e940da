// Model 4 at run time (torch-free header): the JN classifier reads one track's
// per-detection jersey-number features (the crop encoder's jn.* fields, by name) and
// says which number the track wears, 0..99, or "unknown".
//
// Per detection it sees:
//   inputs [kJnInputWidth]: log-softmax of jn.presence.logits (3: none, partial, legible),
//     of each 10-way group of jn.digits.logits (one-digit, tens, units) and of
//     jn.number.logits (100), each clipped below at kMinLogProbability;
//   number evidence [io::kNumJerseys]: log P(n) of the crop's reading
//     (crop_encoder::JerseyNumberProbabilities), clipped likewise.
// A track's detections are cut to max_detections (DetectionSelection: legible ones drawn
// evenly over the track, or the most legible by P(legible) from jn.presence; illegible
// crops carry no number, and a 90-minute track has thousands), then the network (jn_net.h): a transformer encoder over the set (no positions: the
// order of the crops says nothing about the number), per-detection gates g_i in (0, 1)
// and, for the numbers, the gated sum of the crops' evidence relative to each crop's best
// reading:  logit(n) = sum_i g_i (log P_i(n) - max_m log P_i(m)) + b_number;
// for "unknown", an MLP on the mean and attention pools of the encoded set. Numbers are
// thereby scored alike (the classifier learns how far to trust a crop, not which numbers
// exist: every match has its own), and agreement across crops adds up as in a Bayesian
// vote.
//
// A package may add the vote of legible crops (JnVoteOptions): over the same detections,
// where the vote names a winner its votes take share_weight of the mass; else the network
// decides.
//
// The package: model.json kind jn_classifier, architecture = {"type": "jn_classifier",
// "network": JnNetConfig, "inputs": [the crop-encoder fields read], optionally "vote":
// JnVoteOptions}; weights.safetensors holds the network's parameters by name.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ipt/io/annotations.h"
#include "ipt/io/match.h"
#include "ipt/tracking/track_attributes.h"

namespace ipt::jn_classifier {

inline constexpr const char* kJnClassifierType = "jn_classifier";
// presence 3 + digits 30 + number 100: the crop encoder's jn.* fields.
constexpr int kJnInputWidth = 133;
// Classes: numbers 0..99, then "unknown".
constexpr int kUnknownClass = io::kNumJerseys;
constexpr int kNumJnClasses = io::kNumJerseys + 1;
// Log-probabilities are clipped here: a reader's certainty below 1e-6 is noise.
constexpr float kMinLogProbability = -13.8f;

// Which of a track's detections the classifier reads (SelectDetections).
struct DetectionSelection {
  int max_detections = 32;  // >= 1
  // false: the max_detections most legible by P(legible) (ties: the earlier row).
  // true: of the detections at least spread_min_legible_probability likely legible, a
  // uniform sample over the whole track (the max_detections whose SpreadDraw is highest: a
  // top-k of a fixed hash of the row's position in the track, made while the rows stream
  // past; every track of one length draws the same positions, which is uniform all the
  // same), then the most legible of the rest. Why: P(legible) saturates near 1 on a clear
  // view, so "the most legible" read a long track's first legible seconds only, and a
  // track whose first seconds were on someone else took his number (docs/models.md,
  // "Session 31").
  bool spread = false;
  // In [0, 1]; by default what the vote counts as legible (track_attributes.h).
  double spread_min_legible_probability = tracking::TrackAttributesOptions{}.min_legible_probability;
};

// The spread selection's draw for the detection at `position` (0-based, in row order) of a
// track: uniform in [0, 1), a fixed function of the position.
double SpreadDraw(int64_t position);

// The network's sizes, recorded in the package.
struct JnNetConfig {
  int model_dim = 64;        // transformer width
  int heads = 4;             // attention heads (model_dim divisible by them)
  int layers = 2;            // encoder layers
  int feedforward_dim = 128; // encoder MLP width
  double dropout = 0.1;      // in training only
  int max_detections = 32;   // the detections of a track read (DetectionSelection)
  // DetectionSelection's spread and its threshold. A package written before session 31
  // lacks both and reads as spread_selection false (what it was trained and measured with).
  // A recipe without the keys trains with the spread.
  bool spread_selection = true;
  double spread_min_legible_probability = DetectionSelection{}.spread_min_legible_probability;
  DetectionSelection Selection() const { return {max_detections, spread_selection, spread_min_legible_probability}; }
  void Check() const;
  nlohmann::json ToJson() const;
  // Every key required but the two of the spread (absent: spread_selection false), no
  // other; InputError naming `source` and the field.
  static JnNetConfig FromJson(const nlohmann::json& json, const std::string& source);
};

// The vote the classifier defers to (architecture.vote). Over the detections it reads
// (SelectDetections), tracking::JerseyVotes with these thresholds and every number allowed
// (the classifier does not know the track's team). When the votes name a winner
// (tracking::VoteWinner) the probabilities become
//   share_weight * votes(n) / all votes + (1 - share_weight) * the network's(n),
// the mass spread over the numbers by their votes, not given to the winner alone: a reader
// that takes a 26 for a 28 in half the crops still leaves 26 its votes, and the roster,
// applied later (tracking::JerseyFromProbabilities, the identity resolver's naming), picks
// the number the team wears. Why defer: on validation the vote is right more often than the
// network on tracks with many legible crops, the network on short and never-legible ones
// (docs/models.md, "JN classifier and the vote"). The thresholds' defaults are the vote's in
// track_attributes.h.
struct JnVoteOptions {
  double min_legible_probability = tracking::TrackAttributesOptions{}.min_legible_probability;
  double min_number_probability = tracking::TrackAttributesOptions{}.min_number_probability;
  // Every number is allowed: a crop votes when its candidates hold this much together.
  double min_allowed_probability = tracking::TrackAttributesOptions{}.min_allowed_probability;
  int min_votes = tracking::TrackAttributesOptions{}.min_jersey_votes;
  double min_vote_share = tracking::TrackAttributesOptions{}.min_jersey_vote_share;
  // The votes' share of the output, in (0.5, 1] (above one half, a unanimous vote's number
  // beats every other class): with 0.9 a track whose crops all vote for one number gives it
  // at least the identity resolver's jersey_veto_probability (0.9), so such identities with
  // different numbers are kept apart unless the network is sure of another number.
  double share_weight = 0.9;
  void Check() const;
  nlohmann::json ToJson() const;
  // Every key required, no other; InputError naming `source` and architecture.vote.<key>.
  static JnVoteOptions FromJson(const nlohmann::json& json, const std::string& source);
  // The same thresholds as the vote of track_attributes.h reads them.
  tracking::TrackAttributesOptions AsAttributeOptions() const;
};
// Throws ipt::Error when the vote could never name a number (min_votes above the
// detections the network reads).
void CheckVoteCanName(const JnVoteOptions& vote, const JnNetConfig& network);

// One track's detections as the classifier reads them.
struct JnTrack {
  std::vector<float> inputs;           // [n * kJnInputWidth]
  std::vector<float> number_evidence;  // [n * io::kNumJerseys] log P(n)
  std::vector<float> legible;          // [n] P(legible) from jn.presence
  int size() const { return static_cast<int>(legible.size()); }
  // Appends one detection from its jn.* logits (widths 3, 30, 100).
  void Append(const float* presence_logits, const float* digit_logits, const float* number_logits);
  // Appends detection `i` of `other`.
  void AppendFrom(const JnTrack& other, int i);
  // Replaces detection `at` with detection `i` of `other`.
  void SetFrom(int at, const JnTrack& other, int i);
  void Check() const;  // sizes agree, values finite
};

// The rows of `track` the classifier reads (DetectionSelection), in row order. All rows
// when there are no more than max_detections. (DetectionSelector fed every row.)
std::vector<int> SelectDetections(const JnTrack& track, const DetectionSelection& selection);

// The same selection made while a track's detections arrive one at a time, holding at
// most max_detections: the match level's way on a whole match, whose tracks are never
// held whole. SelectDetections is this selector, so the two are one rule.
class DetectionSelector {
 public:
  explicit DetectionSelector(const DetectionSelection& selection);  // max_detections >= 1
  // The next detection (its position: the number offered before it) and its P(legible),
  // finite: the slot in [0, max_detections) it takes, whose previous detection is dropped,
  // or -1 when it is not kept.
  int Offer(float legible);
  // The kept detections' positions in increasing order, each with its slot.
  std::vector<std::pair<int64_t, int>> Kept() const;

 private:
  // A detection's rank: the kept ones are the max_detections greatest (ties: the earlier).
  struct Rank {
    bool sampled = false;  // spread: legible enough to be drawn evenly over the track
    double score = 0;      // sampled: a uniform draw from the position; else P(legible)
  };
  Rank RankOf(float legible, int64_t position) const;
  static bool Below(const Rank& a, int64_t position_a, const Rank& b, int64_t position_b);

  DetectionSelection selection_;
  int64_t offered_ = 0;
  std::vector<Rank> rank_;          // per slot
  std::vector<int64_t> position_;  // per slot
};

// A track's class probabilities [kNumJnClasses] (numbers 0..99, then unknown).
using JnProbabilities = std::array<float, kNumJnClasses>;

// The vote of JnVoteOptions over the detections the classifier reads of `track`
// (`selection`): the votes per number and the winner, if any.
struct JnVote {
  tracking::JerseyVoteCounts votes{};
  std::optional<int> winner;
};
JnVote VoteOfTrack(const JnTrack& track, const DetectionSelection& selection, const JnVoteOptions& vote);
// The network's probabilities with `share_weight` of the mass spread by the votes (>= 1 vote).
JnProbabilities DeferToVote(const JnProbabilities& network, const tracking::JerseyVoteCounts& votes,
                            double share_weight);

struct JnClassifierRunOptions {
  int threads = 2;        // LibTorch CPU threads
  int batch_tracks = 256; // tracks per forward pass
  void Check() const;
};

class JnClassifier {
 public:
  // Loads a package of kind jn_classifier; InputError naming model.json and the field
  // otherwise (another type, other inputs, bad sizes, weights that do not fit).
  explicit JnClassifier(const std::filesystem::path& package_dir, const JnClassifierRunOptions& options = {});
  ~JnClassifier();
  JnClassifier(JnClassifier&&) noexcept;
  const JnNetConfig& config() const;
  const std::optional<JnVoteOptions>& vote() const { return vote_; }
  // Probabilities per track, in order (the network's, deferring to the vote when the
  // package has one); a track without detections is "unknown" with probability 1. Throws InputError naming weights.safetensors when the network gives
  // non-finite values (corrupt weights).
  std::vector<JnProbabilities> Classify(const std::vector<JnTrack>& tracks);

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  JnClassifierRunOptions options_;
  std::optional<JnVoteOptions> vote_;
  std::filesystem::path weights_;  // named when the network gives non-finite outputs
};

// The crop-encoder fields the classifier reads (its package records them).
const std::vector<std::string>& JnInputFields();

}  // namespace ipt::jn_classifier
