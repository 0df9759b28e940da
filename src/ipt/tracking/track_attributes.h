// Per-track category, jersey number and roster player from per-detection evidence
// (issue 8, section 5): what `ipt run` writes in tracks.csv's category, jersey and
// player_id columns. Plain numbers in, no network: the evidence comes from the crop
// encoder's `team` and `jn` heads.
//
// Category. Crops cannot say "team_a" (kit colours change from match to match), so:
//  1. role per track: argmax of the mean role probabilities [player, goalkeeper, referee];
//  2. referee tracks -> referee;
//  3. player tracks: weighted 2-means (weights: detections per track) on their mean kit
//     embeddings (L2-normalized), run from every pair of the kit_init_max_tracks
//     longest tracks that have at least kit_init_min_detections detections (all tracks
//     if fewer than two have) as the initial centers. The split of lowest weighted
//     squared error wins among those whose smaller cluster holds >= kit_min_cluster_share
//     of the weight (among all if none does; the first pair on a tie). A track whose kit
//     stands apart from both teams' (a goalkeeper taken for a player) would otherwise
//     keep a cluster to itself, with both teams in the other;
//  4. kits of neither team: a player track with >= kit_init_min_detections detections
//     whose mean kit lies farther from both kit centers (the clusters' weighted means)
//     than kit_outlier_factor times the weighted median of the player tracks' distances to
//     their nearest center, and farther than kit_outlier_min_distance, is a goalkeeper or
//     a referee (the laws: only they wear other colours), whichever its role probabilities
//     favour (a tie: goalkeeper);
//  5. the side convention: team A defends x = 0 (its goal is at x = 0, see
//     docs/architecture.md "Frames and units"). Of the player tracks left, the kit cluster
//     whose detections in the first side_window_seconds of the match have the lower mean x
//     is team_a (a team's players stand, on average, in the half they defend); a cluster
//     with no detection in the window uses all its detections. A single cluster is team_a
//     when its mean x is below pitch length / 2;
//  6. goalkeeper tracks (their kit differs from their team's): mean x, over the same
//     window, below pitch length / 2 -> goalkeeper_a, else goalkeeper_b. One per side at a
//     time: of those overlapping in time (goalkeeper_overlap_seconds), the one with the
//     most goalkeeper probability summed over its detections stays; the others are players
//     of the team whose kit center is nearest theirs (by their own side when no player
//     track has a kit), or referees when step 4 found they wear neither team's kit.
// Limits: the convention holds for the half the window lies in; after the half-time side
// switch team A defends x = length, which this does not model (the window keeps the
// decision on the first half, for a video that starts at kick-off). Tracks that are short,
// or that stay in the other half (a forward pressing high for the whole window), are
// decided by their kit cluster, not by their own position. A goalkeeper track far up the
// pitch (rare) would take the other side.
//
// Jersey: majority vote, per track, over its detections whose legible presence
// probability is >= min_legible_probability. A detection votes for its most likely
// number among those allowed when (a) the allowed candidates hold >= min_allowed_probability
// (a crop read confidently as a number the team does not wear does not vote for a
// teammate) and (b) that number's probability given that the number is allowed is
// >= min_number_probability; else it does not vote. Allowed: with roster_numbers_only,
// the numbers of the track's team in the roster (a team sheet is part of every match; a
// reader that confuses 3 with 8 is still right when only 8 plays); any number when the
// option is off, or when the roster lists the team without numbers or with an entry that
// has none (a partial sheet). The probability given "allowed" is bounded below from the
// detection's candidates: p(n) / (mass of the allowed candidates + max(0, 1 - mass of
// all candidates)), exact without a restriction. The winner needs >= min_jersey_votes votes, a share >=
// min_jersey_vote_share of the votes and strictly more votes than any other number;
// else none. Referees get none (the roster gives them no jersey).
//
// Jersey from the JN classifier: a track with jersey_probabilities wears its most likely
// allowed number (the same `allowed` as the vote) when that number is more likely than
// "unknown" and has at least min_jersey_probability; else none (JerseyFromProbabilities).
// The identity resolver reads the probabilities themselves; this decides only the jersey a
// track shows before (or without) a name.
//
// Category from the tracker: with category_from_tracker, a track that carries the
// tracker's category probabilities (TrackEvidence::tracker_category) takes their argmax
// instead of steps 1-6; the jersey vote and player id then follow that category.
//
// Player id: the roster entry of the track's team (team_a and goalkeeper_a are team A,
// io::CategoryTeam) with the track's jersey, when exactly one entry has them; else none.
#pragma once

#include <Eigen/Core>
#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "ipt/io/match.h"
#include "ipt/tracking/name_elimination.h"
#include "ipt/tracking/name_splices.h"
#include "ipt/tracking/fragment_links.h"
#include "ipt/tracking/appearance_changes.h"
#include "ipt/tracking/exchanges.h"
#include "ipt/tracking/kit_changes.h"
#include "ipt/tracking/number_changes.h"
#include "ipt/tracking/substitution_gaps.h"
#include "ipt/tracking/track_smoothing.h"

namespace ipt::tracking {

// What a crop can say about the person's role (the crop encoder's role head order).
enum class Role { kPlayer = 0, kGoalkeeper = 1, kReferee = 2 };
constexpr int kNumRoles = 3;
// Jersey number visibility (the crop encoder's jn.presence order).
enum class JerseyPresence { kNone = 0, kPartial = 1, kLegible = 2 };
constexpr int kNumJerseyPresences = 3;

// One of a detection's most likely jersey numbers.
struct JerseyCandidate {
  int number = 0;           // io::kMinJersey..io::kMaxJersey
  float probability = 0;    // in [0, 1]
};
// Candidates kept per detection: enough for a team's numbers to be among them when the
// reader is unsure, and a compact form (the vote needs no more).
constexpr int kMaxJerseyCandidates = 5;

// The evidence of one detection of a track.
struct DetectionEvidence {
  int frame = 0;                          // 1-based
  Eigen::Vector2d foot_in_pitch_m{0, 0};  // (x, z), metres
  std::array<float, kNumRoles>
      role_probabilities{};  // [player, goalkeeper, referee], each in [0, 1]
  // Kit embedding: K values (K >= 1, the same for every detection), L2-normalized; close for
  // crops of the same kit.
  std::vector<float> kit_embedding;
  std::array<float, kNumJerseyPresences> jersey_presence{};  // [none, partial, legible], in [0, 1]
  // The K most likely whole numbers (of the crop encoder's jn heads), K <=
  // kMaxJerseyCandidates, in order of non-increasing probability, distinct; their
  // probabilities sum to <= 1. Only the top K make the bound above a lower bound.
  std::vector<JerseyCandidate> jersey_candidates;
};

struct TrackEvidence {
  int64_t track_id = 0;  // unique among the tracks given
  std::vector<DetectionEvidence> detections;
  // The tracker's own category probabilities for the track (the GNN tracker's category
  // head, io::Category order, each in [0, 1]); none from a tracker without a head.
  std::optional<std::array<float, io::kNumCategories>> tracker_category;
  // The JN classifier's probabilities for the track (model 4): numbers 0..99, then
  // "unknown", each in [0, 1]; when given, they decide the jersey instead of the vote.
  std::optional<std::array<float, io::kNumJerseys + 1>> jersey_probabilities;
};

struct TrackAttributesOptions {
  // Seconds from the start of the match (frame 1) whose positions decide the sides:
  // 10 minutes average over several attacks of both teams and stay inside the first half.
  double side_window_seconds = 600.0;
  // Tracks with at least this many detections seed the 2-means (every pair of them
  // starts one run): 10 frames (0.4 s at 25 fps) keep one-off fragments with odd crops out of the
  // initialisation, and still leave enough tracks in a short clip. Only tracks this long
  // may be found to wear neither team's kit (kit_outlier_factor): a shorter one's mean kit
  // is too noisy to tell.
  int kit_init_min_detections = 10;
  // ... and at most this many of them, the longest (each pair starts one run: 32 give
  // 496 runs, milliseconds for the thousands of fragments of a 90-minute match).
  int kit_init_max_tracks = 32;
  // A split counts when each kit holds at least this share of the player tracks'
  // detections: a team is about half of them, a goalkeeper taken for a player 1/21.
  double kit_min_cluster_share = 0.2;
  // A detection votes when P(legible) >= this. The presence head calls too many crops
  // legible; 0.7 named the most numbers right net of wrong ones on validation seeds
  // 5002-5005 (docs/models.md, "Jersey per track").
  double min_legible_probability = 0.7;
  // ... and its most likely allowed number has at least this probability given that the
  // number is allowed (more likely than all other allowed numbers together).
  double min_number_probability = 0.5;
  // Only numbers of the track's team in the roster are read (see above).
  bool roster_numbers_only = true;
  // ... when the crop gives them at least this probability together, in (0, 1]: a quarter
  // keeps a reader torn between 3 and 8, and drops one sure of a number the team lacks.
  double min_allowed_probability = 0.25;
  // Votes the winning number needs (>= 1): 3 of the >= 5 legible frames issue 8 asks for.
  int min_jersey_votes = 3;
  // Share of the votes the winning number needs, in (0, 1]: a majority.
  double min_jersey_vote_share = 0.5;
  // The JN classifier's number is shown when it has at least this probability (and beats
  // "unknown"), in [0, 1); 0 = whenever it beats "unknown".
  double min_jersey_probability = 0.0;
  // A track with the tracker's category probabilities (the GNN tracker's head) takes their
  // argmax as its category; false: the rule above decides every track. Off: on validation
  // seeds 5000-5003 the head is right for 0.64 of the tracks, the rule for 0.95 (0.97 since
  // session 15) (docs/models.md, "Tracker").
  bool category_from_tracker = false;
  // One goalkeeper per side at a time (the laws; a roster names one per team on the pitch):
  // of the goalkeeper tracks of one side whose spans overlap by at least this many seconds,
  // the one with the most goalkeeper probability summed over its detections keeps the role
  // and the others become players of the team whose kit center is nearest theirs (since
  // session 15 they no longer join the 2-means; validation figures unchanged), or referees
  // in neither team's kit (category_from_tracker overrides it). Seen on validation seed 5003: a player
  // the role head took for his goalkeeper, in three tracks beside the goalkeeper's own.
  // 1 s lets a goalkeeper's track hand over to its continuation; 0 = off.
  double goalkeeper_overlap_seconds = 1.0;
  // A player track whose kit lies farther than this many median distances from both
  // teams' kits is a goalkeeper or referee (step 4 above); 0 = off. Seen on validation
  // (5000-5003, 5100-5103): the role head called five goalkeepers and a referee players
  // for their whole tracks, their kits 3.5-6.0 medians (0.80-1.38) from the nearest team's,
  // while no player track of >= 10 detections lay beyond 3.0 medians (a fragment of 35;
  // the next 2.3): 3.25 lies between (docs/models.md, "Kits of neither team").
  double kit_outlier_factor = 3.25;
  // ... and farther than this (kit embeddings are unit vectors: distances in [0, 2]; no
  // effect when kit_outlier_factor is 0). The median is no scale when each kit has a
  // track or two (their centers are their kits);
  // on validation, player tracks lay up to 0.61 from their team's kit, the outliers 0.80
  // or more.
  double kit_outlier_min_distance = 0.5;
  // A track is reported only when at least this many of its detections have score >=
  // confident_score; 0 = every track (the pipeline's match level applies it, with the
  // non-person rule, before everything above): the online tracker's birth score (0.6)
  // over 10 detections (0.4 s at 25 fps), for any tracker. The GNN tracker links the
  // detector's false detections into tracks that the online tracker never confirms.
  // Chosen on validation (docs/models.md, "Tracks of false detections"): 25 detections
  // gained a little more but leave a clip shorter than a second without tracks; a score
  // of 0.9 drops most true tracks (this detector's scores for people lie mostly below).
  int min_confident_detections = 10;
  double confident_score = 0.6;  // in [0, 1]
  // Tracks split at gaps a substitution may hide in, first of all, and never joined across
  // them (substitution_gaps.h; key substitution_gap_touchline_m; the pipeline's match level).
  SubstitutionGapOptions substitution_gaps;
  // Tracks split where their jersey reads change from one roster number to another
  // (number_changes.h; keys number_change_*), next (the pipeline's match level).
  NumberChangeOptions number_changes;
  // Tracks split where their kit changes from one team's to the other's (kit_changes.h;
  // keys kit_change_*), after the number changes (the pipeline's match level).
  KitChangeOptions kit_changes;
  // Tracks split where their appearance embedding changes (appearance_changes.h; keys
  // appearance_change_*), after the kit changes (the pipeline's match level).
  AppearanceChangeOptions appearance_changes;
  // Two tracks that exchanged their people where they met, found by their jersey reads
  // (exchanges.h; keys exchange_*; reads as number_changes makes them), after the
  // appearance changes (the pipeline's match level).
  ExchangeOptions exchanges;
  // A player named on two tracks at once spliced where his path continues, after naming
  // (name_splices.h; keys name_splice_*; the pipeline's match level).
  NameSpliceOptions name_splices;
  // An unnamed track named after the one player the roster leaves it, after the splices
  // (name_elimination.h; keys name_elimination_*; the pipeline's match level).
  NameEliminationOptions name_elimination;
  // Track fragments joined where their names agree, after the names by elimination (fragment_links.h;
  // keys fragment_link_*; the pipeline's match level).
  FragmentLinkOptions fragment_links;
  // Positions smoothed and short gaps filled, after everything above (track_smoothing.h;
  // keys smooth_sigma_frames and max_filled_gap_frames).
  TrackSmoothingOptions smoothing;
  // A track's stray end rows dropped, before everything above (track_smoothing.h; keys
  // stray_end_*; the pipeline's match level).
  StrayEndOptions stray_ends;
  // Throws ipt::Error naming the first bad field.
  void Check() const;
};

struct TrackAttributes {
  int64_t track_id = 0;
  std::optional<Role> role;        // none for a track without detections
  std::optional<int> kit_cluster;  // player tracks: 0 = team_a's kit, 1 = team_b's
  std::optional<io::Category> category;
  std::optional<int> jersey;
  std::optional<int> player_id;
};

// A track's evidence reduced, one detection at a time, to what ResolveTrackAttributes
// reads: sums over its detections and the detections that may vote for a jersey
// (P(legible) >= min_legible_probability; VoteJersey skips the rest). A 90-minute
// match's detections need not be held at once. Summaries must be made with the match
// and options later given to ResolveTrackAttributes.
struct TrackEvidenceSummary {
  // keep_voters false: the track will carry jersey_probabilities (the JN classifier's), so
  // the vote's detections are not kept (ResolveSummarizedTrackAttributes refuses the
  // summary otherwise).
  TrackEvidenceSummary(int64_t track_id, const io::MatchInfo& match, const TrackAttributesOptions& options,
                       bool keep_voters = true);
  // Throws ipt::Error on evidence out of range (as ResolveTrackAttributes does).
  void Add(const DetectionEvidence& detection);

  int64_t track_id = 0;
  std::optional<std::array<float, io::kNumCategories>> tracker_category;  // as in TrackEvidence
  std::optional<std::array<float, io::kNumJerseys + 1>> jersey_probabilities;
  // Filled by Add:
  bool keep_voters = true;
  int window_last_frame = 0;           // the side window's last frame (match fps, options)
  double min_legible_probability = 0;  // options'
  int64_t detections = 0;
  std::array<double, kNumRoles> role_sum{};
  std::vector<double> kit_sum;         // K values (empty before the first detection)
  double window_x_sum = 0, all_x_sum = 0;
  int64_t window_count = 0;            // detections in the side window
  int first_frame = 0, last_frame = 0;  // the track's span (0 before the first detection)
  std::vector<DetectionEvidence> voters;
};

// One result per track, in the order given. Deterministic, and independent of the order of
// the tracks. Uses match.fps, match.pitch.length_m and match.roster. Throws ipt::Error on
// evidence out of range (non-finite values, probabilities outside [0, 1], numbers outside
// 0..99, frames < 1, kit embeddings of different or zero dimension or zero norm) or a
// repeated track id.
std::vector<TrackAttributes> ResolveTrackAttributes(const std::vector<TrackEvidence>& tracks,
                                                    const io::MatchInfo& match,
                                                    const TrackAttributesOptions& options = {});
// The same on summaries (TrackEvidenceSummary): the same results as on the tracks
// summarized, from the same sums.
std::vector<TrackAttributes> ResolveSummarizedTrackAttributes(const std::vector<TrackEvidenceSummary>& tracks,
                                                    const io::MatchInfo& match,
                                                    const TrackAttributesOptions& options = {});

// Step 3's kit split: tracks' mean kits (`points`, unit vectors; `weights` their detections,
// > 0; `detections` their counts, which choose the seeds: the kit_init_max_tracks heaviest
// with >= kit_init_min_detections, or all when fewer than two) in two clusters by weighted
// 2-means (kit_min_cluster_share). `kit`: each point's cluster, 0 or 1; `centers`: each
// cluster's weighted mean, none when empty. Every point in cluster 0 when there are < 2.
struct KitSplit {
  std::vector<int> kit;
  std::vector<std::optional<Eigen::VectorXd>> centers;
};
KitSplit SplitKits(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& weights,
                   const std::vector<int64_t>& detections, const TrackAttributesOptions& options);

// The numbers a track may wear: bit n set when number n is allowed.
using JerseySet = std::bitset<io::kNumJerseys>;

// The lower weighted median of `values`: the least value v with the weights of the values
// <= v summing to at least half of all weights. Throws ipt::Error on empty or mismatched
// inputs, negative or non-finite weights, or weights summing to 0.
double WeightedMedian(const std::vector<double>& values, const std::vector<double>& weights);

// The numbers of `category`'s team in the roster (team_a and goalkeeper_a are team A) worn
// by players who play throughout `frames` (the line-up and substitutions: a bench player
// never brought on wears none); every number when the team lists none, when one of its
// entries has no number (a partial sheet), and for a category without team.
JerseySet TeamJerseys(const io::MatchInfo& match, io::Category category, const io::FrameSpan& frames);

// The jersey vote of one track (see above) among the `allowed` numbers; none when it fails.
// VoteWinner(JerseyVotes(...)).
std::optional<int> VoteJersey(const std::vector<DetectionEvidence>& detections,
                              const TrackAttributesOptions& options, const JerseySet& allowed = JerseySet().set());
// Its two halves: the votes per number (index number - kMinJersey; a detection votes at most
// once), and the winner they give (min_jersey_votes, min_jersey_vote_share, no tie).
using JerseyVoteCounts = std::array<int, io::kNumJerseys>;
JerseyVoteCounts JerseyVotes(const std::vector<DetectionEvidence>& detections, const TrackAttributesOptions& options,
                             const JerseySet& allowed = JerseySet().set());
std::optional<int> VoteWinner(const JerseyVoteCounts& votes, const TrackAttributesOptions& options);

// The jersey the JN classifier's probabilities give among the `allowed` numbers (see
// above); none when "unknown" is at least as likely as every allowed number, or the best
// allowed number has less than min_probability.
std::optional<int> JerseyFromProbabilities(const std::array<float, io::kNumJerseys + 1>& probabilities,
                                           const JerseySet& allowed = JerseySet().set(), double min_probability = 0.0);

// The player id of the one roster entry of `category`'s team with `jersey` who plays
// throughout `frames` (the line-up); none when no entry or several match, and for referees.
std::optional<int> LookUpPlayerId(const io::MatchInfo& match, io::Category category, int jersey,
                                  const io::FrameSpan& frames);

}  // namespace ipt::tracking
