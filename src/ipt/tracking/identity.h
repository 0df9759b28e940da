// Model 5's constrained part (torch-free): the tracks of a whole match linked into
// identities, and identities named by the roster. The learned part, the probability that
// two tracks are one person, is a function the caller gives (identity_resolver/).
//
// 1. Candidate links: pairs (a, b) of tracks of the same category where a ends before b
//    starts and b is reachable from a (distance from a's last foot-point to b's first <=
//    max_speed_mps x gap + position_slack_m); for each a the max_candidates such b whose
//    mean embedding is closest (after 10 s anyone can reach anywhere: the earliest ones
//    would leave a player returning after a long absence out). The affinity scores them.
// 2. Identities: single-linkage merging in order of decreasing affinity, down to
//    min_link_probability, of two identities only when the merged one stays valid: its
//    tracks, by first frame, never overlap in time but by a hand-over and each is reachable
//    from the one before (Reachable: tracks overlapping in time are different people,
//    unless one hands over to the other; nobody moves faster than max_speed_mps), and unless each is surer than jersey_veto_probability of another
//    number (P(number) over all 100, combined as in 3.), or step 3 would name each after a
//    different roster player at least roster_veto_probability likely, or someone of the category plays
//    throughout each but no one throughout the merged one (a substitution: the goalkeeper
//    going off and the one coming on), or the player one side's numbers name (at least
//    min_player_probability) plays throughout that side but not the merged one (an
//    outfield player going off and his substitute, whose team-mates play throughout both).
// 3. Names: per category, a linear sum assignment of identities to the roster entries of
//    that category (at most one identity per entry, so a player is in one place per
//    frame) who play throughout the identity's frames (the line-up and substitutions of
//    match.yaml: a bench player never brought on is never named), cost
//    -log P(entry | identity); of identities whose costs tie, the one with
//    more detections is named (name_ties_by_detections). P(entry) is the normalised product over the
//    identity's tracks of P(that entry's number) + P(unknown) / 100 (a track that cannot
//    read its number spreads its vote evenly), times exp(pooled_reading_weight x the
//    track's pooled reading of that number, scaled down to pooled_reading_max_crops crops
//    when it pools more), among the playing entries' numbers; an entry
//    without a number reads as 1/100 per track (as a track that reads nothing); times
//    substitution_likelihood_ratio for the player going off when the identity ends by a
//    touchline at his substitution, and for the player coming on when it starts so (the
//    line-up's times; step 2's vetoes leave this out). An identity stays unnamed (its own column of
//    cost -log of the threshold) unless an entry is at least that likely. Two assignments:
//    the first at min_player_probability (or min_name_probability, when higher), whose
//    names steps 4 and 5 join and evict by; then, when min_name_probability is lower, one
//    of the identities still unnamed after them to the entries still free, down to it (a
//    best guess, IdentityResult::guessed_player_ids). At 0.5 the only goalkeeper of a team is
//    named without a number, one of three referees is not (unless the roster gives
//    stations, below); below 1/3 the second assignment guesses one. Nor is
//    an identity whose readings make the roster's numbers far less likely than unread
//    (min_roster_evidence). Referees whose entries give a station are told apart by
//    where their tracks run: a track's station is a touchline when its mean foot-point
//    lies within touchline_margin_m of it or beyond it, else the pitch; P(track | entry) is
//    1 - station_error when the stations agree, station_error / 2 otherwise, and 1/3 for
//    an entry without a station among entries with one (a fourth official); an identity's
//    station is one observation, each track's weighing its share of the detections.
// 4. Joining by name (join_by_name): an identity left unnamed whose likeliest entry passes
//    min_player_probability (evidence, not the naming threshold: a join changes who is one
//    person) but went to another identity joins that one when their tracks
//    still form a valid path (surest first).
// 5. Evicting by name (evict_by_name; the entry must have a number): when that path is not
//    valid, the named identity's tracks that overlap the unnamed one in time (not by a
//    hand-over) leave it (and stay unnamed, one identity, if they form a valid path) if together
//    they read the player's number no surer than the unnamed identity does (by
//    evict_reading_tolerance_nats at most; a reading's sureness is the log of its
//    P(number) + P(unknown)/100 over chance, 1/100, plus its weighed pooled reading as in
//    3., summed over tracks), hold fewer
//    detections, and the rest of the named identity joins the unnamed one validly: an
//    affinity link put another person's track in the player's path, where the player's
//    own track should be. The tracks that leave form one unnamed identity.
// Per track the result holds its identity, the player named (with that player's jersey)
// and the identity's category (the one its tracks share).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ipt/io/match.h"

namespace ipt::tracking {

struct IdentityTrack {
  int64_t track_id = 0;
  int first_frame = 0, last_frame = 0;                 // 1-based, first <= last
  Eigen::Vector2d first_position_m{0, 0}, last_position_m{0, 0};  // pitch (x, z), metres
  Eigen::Vector2d mean_position_m{0, 0};  // over its detections; names referees by station
  int detections = 1;                                   // >= 1
  io::Category category = io::Category::kTeamA;         // the track's (track_attributes.h)
  // Naming evidence: P(number 0..99), then P(unknown), summing to 1 (the JN classifier's).
  std::array<float, io::kNumJerseys + 1> jersey{};
  // Linking evidence, from the crops: the P(legible)-weighted mean of their number
  // distributions (all 0 when no crop is legible at all) and their mean P(legible).
  std::array<float, io::kNumJerseys> crop_jersey{};
  float legible = 0;
  // Naming evidence from every crop that shows some of its number (AddPooledReading):
  // per number n, the sum over those crops of P(shown) x log of the crop's P(n) over
  // chance. Weighed by IdentityOptions::pooled_reading_weight and capped by its
  // pooled_reading_max_crops; all 0 when no crop shows.
  std::array<float, io::kNumJerseys> pooled_reading{};
  // Those crops counted by their P(shown) (the sum of AddPooledReading's returns), >= 0.
  float pooled_crops = 0;
  // Mean appearance embedding, L2-normalised (the crop encoder's); the same width for
  // every track, or empty for all.
  std::vector<float> embedding;
};

struct IdentityOptions {
  // Footballers sprint at under 10 m/s; the slack covers foot-point noise at both ends.
  double max_speed_mps = 10.0;
  double position_slack_m = 2.0;
  // A hand-over: a track may start at most this many seconds before the one it continues
  // ends (the detector's second peak on the person starts it; the match level later drops
  // its head, tracking/fragment_links.h HandoverRows, once both carry one name), in
  // [0, 10]; 0: tracks overlapping in time are always different people. Seen on validation
  // 5205: a player's and a referee's tracks overlapping their next ones by 7 and 12 frames,
  // left unnamed for 1,906 and 1,438 rows. The default package and the recipe use 1.5
  // since session 33 (a track drifting onto a neighbour for 0.84 s before its person's next
  // one took over, validation 5219; docs/models.md); 0.5 here for the packages before.
  double max_handover_seconds = 0.5;
  // Links with a lower affinity are not made, in (0, 1).
  double min_link_probability = 0.5;
  // Evidence that acts on who is one person: a merge is refused when the player an
  // identity's numbers name at least this likely does not play throughout the merged
  // frames (2.), and an identity left unnamed joins (4.) or evicts (5.) by name only
  // when its likeliest entry is at least this likely, in (0, 1].
  double min_player_probability = 0.5;
  // 3.: an identity is named after the entry an assignment gives it when
  // P(entry | identity) >= this, in (0, 1]; below min_player_probability only in the
  // second assignment, after steps 4 and 5, so that no join goes by a guess. An unnamed
  // row is no more right than a wrongly named one: with k players of a team left to
  // name and nothing read, a name is right 1/k of the time (eval/identity_ceiling.h).
  // The packages before session 37 named at min_player_probability (0.5).
  double min_name_probability = 0.5;
  // Two identities each surer than this of a different number (their tracks' naming
  // evidence combined, see 3.) are never joined, in (0, 1].
  double jersey_veto_probability = 0.9;
  // Two identities that step 3 would each name after a different roster player, at least
  // this likely among the numbered players of their category who play throughout their
  // frames, are never joined, in (0, 1]; 1 = off. The jersey veto above
  // weighs all 100 numbers, so a reading of 0.3 passes it, while among a team's numbers it
  // names a player. 0.7 chosen on validation (docs/models.md, "The roster veto").
  double roster_veto_probability = 0.7;
  // An identity is named only when its readings leave the category's roster numbers at
  // least this share of their probability before reading (|numbers| / 100), in [0, 1]: a
  // reader sure of a number the team does not wear names no teammate (the vote's
  // min_allowed_probability, as a likelihood ratio; unread identities pass). Off: at 0.25,
  // on validation seeds 5000-5003, pieces were named right 0.078 of the time against 0.090,
  // and wrong as often (0.084; docs/models.md, "Identity resolver").
  double min_roster_evidence = 0.0;
  // Referees with a roster station (io::RefereeStation): a track whose mean foot-point
  // lies within this many metres of a touchline or beyond it
  // (geometry::PitchDims::TouchlineDistanceM) runs that touchline,
  // as an assistant; any other runs the pitch. Assistants follow the line just off the
  // pitch, the referee the play, mostly tens of metres from both lines. Also how near a
  // touchline (or beyond it) an identity's end must lie to count as a substitution's
  // (substitution_likelihood_ratio).
  double touchline_margin_m = 5.0;
  // A player going off leaves by a touchline, and his substitute comes on at one: an
  // identity whose last detection lies within substitution_seconds of a substitution's
  // frame F (widened by the match's substitution_tolerance_seconds, tol) and within
  // touchline_margin_m of a touchline or beyond it (geometry::PitchDims::TouchlineDistanceM)
  // is this many times likelier the player going off than an entry without such evidence;
  // one whose first detection does, the player coming on (each player that substitutions
  // at that time take off or bring on). >= 1; 1 = off, as in the packages before session
  // 38. In frames, with w = (substitution_seconds + tol) x fps: the player going off plays
  // until F - 1 + tol x fps, so his end counts in [F - w, F - 1 + tol x fps]; the one coming
  // on from F - tol x fps, so his start in [F - tol x fps, F + w]. The roster
  // alone cannot tell team-mates who never show their numbers apart; the line-up's times
  // can, at the ends of their tracks (3. in the header; docs/models.md, "Session 38": on
  // validation such an end is 30 times likelier the player's).
  double substitution_likelihood_ratio = 1.0;
  // ... in [0, 600]: how far from the substitution's frame such an end may lie. The player
  // going off walks off before his substitute steps on; a track is confirmed a second or
  // so after its person appears.
  double substitution_seconds = 3.0;
  // The chance that a track's station is not its referee's (a referee near a touchline
  // for a whole short track), in (0, 1): a track whose station differs from an entry's
  // is that entry's with this probability, shared by the other stations.
  double station_error = 0.05;
  // 4. in the header: an unnamed identity whose likeliest roster entry passes
  // min_player_probability joins the identity named after that entry when their paths
  // join validly (numbers are unique in a team; a team's one goalkeeper, a referee's
  // station). Links made by the roster, where appearance and motion could not.
  bool join_by_name = true;
  // 5. in the header (with join_by_name): the named identity's tracks in the way of an
  // identity reading the player's number, reading it no surer, are evicted. Seen on validation 5212: a 57-row
  // track of another player, linked into player 26's identity, kept his own 2,606-row track
  // (which read 26's number 231 times) unnamed.
  bool evict_by_name = true;
  // 5.: the tracks in the way are evicted only when they read the number no surer than the
  // joining identity, by this many nats at most (0.7: a likelihood ratio of 2), >= 0. A
  // single track's JN reading saturates near log 100 = 4.6, so two sure readers differ by
  // hundredths; on HD 5203 an identity reading its number at 2.4 nats would have evicted
  // three tracks reading it at 6.6.
  double evict_reading_tolerance_nats = 0.7;
  // 3. in the header: of identities whose costs for an entry tie, the assignment names the
  // one with more detections, not the solver's first (two tracks on the referee's station at
  // once, a whole-match one and a player taken for a referee for a few seconds: both 0.95).
  // Evidence still decides wherever it differs: weighing the costs by detections instead
  // gained on validation but named a whole-match track that was less sure than a player's
  // four pieces on held-out (docs/models.md, "Ties named by detections").
  bool name_ties_by_detections = true;
  // The weight of a track's pooled reading (IdentityTrack::pooled_reading) in its naming
  // evidence, beside the JN classifier's reading, >= 0; 0 = off. The JN classifier reads
  // only crops sure to be legible; where a number is only ever partly shown (a turned
  // shirt, far from the camera), its whole-match track reads "unknown", while the crops
  // pooled over the team's numbers often point to the right one (docs/models.md, "The
  // pooled reading"). Crops of one track are far from independent, hence a weight.
  // In [0, 100].
  double pooled_reading_weight = 0.0;
  // A track's pooled reading counts as at most this many crops (its sum scaled by
  // max / pooled_crops beyond), in [0, 1e6]; 0 = no cap. Per track: an identity of many
  // pieces pools up to this many per piece. Uncapped, the hundreds of crops of a
  // whole-match track outweighed JN readings that named players right (validation 5300:
  // rows of partial-only players named right 0.337 -> 0.287 at weight 0.1).
  double pooled_reading_max_crops = 0.0;
  // Later tracks scored per track (the most alike reachable ones): bounds the network's
  // work on a 90-minute match with thousands of fragments.
  int max_candidates = 32;
  void Check() const;
};

// A crop's share of IdentityTrack::pooled_reading, added to `sum`; returns the crop's
// weight (its share of IdentityTrack::pooled_crops): 0, and nothing added, unless it shows
// some of its number at least kPooledReadingMinShown likely (P(partial) + P(legible),
// crop_encoder::ShownProbability); else, for each n, shown x log((kPooledReadingFloor +
// P(n)) / (kPooledReadingFloor + 1/100)), with `number` the crop's P(0..99). The floor
// bounds what one misread crop can veto (log 1/11 per crop against log 91 for a sure
// read); floors of 1e-4 and 1e-2 named the same players on validation 5202-5204.
inline constexpr double kPooledReadingMinShown = 0.3;
inline constexpr double kPooledReadingFloor = 1e-3;
double AddPooledReading(double shown, const std::array<float, io::kNumJerseys>& number,
                        std::array<double, io::kNumJerseys>* sum);

// b can be a later part of a's person: a ends before b starts, and b's first foot-point
// is within max_speed_mps x gap + position_slack_m of a's last; or b hands over from a: b
// starts after a starts, at most max_handover_seconds before a ends, ends after a, and its
// first foot-point is within max_speed_mps x the overlap + position_slack_m of a's last.
bool Reachable(const IdentityTrack& a, const IdentityTrack& b, double fps, const IdentityOptions& options);

// Step 1's candidate links: (earlier, later) track indices, by earlier track, then start.
std::vector<std::pair<int, int>> CandidatePairs(const std::vector<IdentityTrack>& tracks, double fps,
                                                const IdentityOptions& options);

// What the learned affinity reads of a candidate pair (a before b), named:
//   gap_s, log_gap_s (log(1 + gap)), distance_m (a's last foot-point to b's first), speed_mps
//   (distance / gap, clipped at kMaxPairSpeedMps), embedding_distance (1 - cosine; 1 without
//   embeddings), jersey_agreement (sum over numbers of crop_jersey_a(n) crop_jersey_b(n), as
//   the GNN tracker's edges), jersey_weight (the smaller mean P(legible)), log_detections_a,
//   log_detections_b. Crop evidence only (models 2-3): the JN classifier's output is naming
//   evidence, so a JN classifier change retrains nothing here.
constexpr int kPairFeatureCount = 9;
constexpr double kMaxPairSpeedMps = 50.0;
const std::vector<std::string>& PairFeatureNames();
std::array<float, kPairFeatureCount> PairFeatures(const IdentityTrack& a, const IdentityTrack& b, double fps);

// P(same person) for each (earlier, later) pair of track indices, in [0, 1].
using PairAffinity = std::function<std::vector<float>(const std::vector<std::pair<int, int>>& pairs)>;

struct IdentityResult {
  int identities = 0;
  std::vector<int> identity;                   // per track: 0..identities-1
  std::vector<std::optional<int>> player_id;   // per track: its identity's roster player
  std::vector<std::optional<int>> jersey;      // per track: that player's number
  int64_t candidate_links = 0;                 // pairs the affinity scored
  int64_t links = 0;                           // links made by the affinity (2.)
  int64_t joined_by_name = 0;                  // identities joined by their name (4., 5.)
  int64_t tracks_evicted_by_name = 0;          // tracks left unnamed by those joins (5.)
  // The players (roster ids, ascending) named (3.) after an entry less likely than
  // min_player_probability: the second assignment's best guesses where the evidence is
  // weak (min_name_probability below it). One identity each; tracks.csv marks their rows.
  std::vector<int> guessed_player_ids;
};

// Deterministic for a deterministic affinity. Throws ipt::Error on bad tracks (frames out
// of order, probabilities outside [0, 1]) or an affinity of the wrong size or range.
IdentityResult ResolveIdentities(const std::vector<IdentityTrack>& tracks, const io::MatchInfo& match,
                                 const PairAffinity& affinity, const IdentityOptions& options = {});

}  // namespace ipt::tracking
