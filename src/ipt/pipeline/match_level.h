// The match level: what reads the frame and track layers of a whole match. Models 4
// (JN classifier) and 5 (identity resolver) read only these two layers, so changing
// either regenerates no precompute; their outputs are cheap and not cached.
//
// Here: a match's two layers from the store, the rows of each track, the JN classifier's
// view of a track (its jn.* fields by name), the per-detection evidence the track
// attributes read, the ground truth of each row (for trainers and evaluation), and the
// trainer registered for "jn_classifier".
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/eval/pipeline_output.h"
#include "ipt/identity_resolver/identity_resolver.h"
#include "ipt/identity_resolver/identity_resolver_training.h"
#include "ipt/io/annotations.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/training.h"
#include "ipt/tracking/identity.h"
#include "ipt/tracking/track_attributes.h"

namespace ipt::pipeline {

// A match's frame and track layers (from the store, computed and stored where missing).
struct MatchLayers {
  std::string frame_key, track_key;
  bool frame_hit = false, track_hit = false;
  FrameLayer frames;
  TrackLayer tracks;
};
// `refs` names the detector, crop_encoder and tracker (full refs).
MatchLayers GetMatchLayers(const std::filesystem::path& match_dir, const std::map<std::string, std::string>& refs,
                           const std::filesystem::path& model_store, const std::filesystem::path& cache);

// The refs the layers of a model reading the track layer need: the tracker and crop
// encoder given (a model's upstream refs), and the detector the tracker was trained with.
std::map<std::string, std::string> TrackLayerRefs(const std::map<std::string, std::string>& upstream_refs,
                                                  const std::filesystem::path& model_store);

// Track id -> its frame-layer rows, in row order; untracked rows (id -1) are left out.
std::map<int64_t, std::vector<int64_t>> RowsOfTracks(const TrackLayer& tracks);
// The first id above every id of `tracks` (>= 1): a new track's.
int64_t NextTrackId(const TrackLayer& tracks);

// The JN classifier's view of `rows` of a frame layer (jn.presence, jn.digits, jn.number).
jn_classifier::JnTrack JnTrackOfRows(const FrameLayer& frames, const std::vector<int64_t>& rows);

// The evidence of one row for tracking::ResolveTrackAttributes, read by field name:
// role probabilities (softmax of team.role.logits; all four, with "none", into *roles),
// kit, jersey presence and the 5 most likely numbers (crop_encoder::JerseyNumberProbabilities);
// `position_m` is the (x, z) the tracker reports.
// `row` is a row of `frames` that `block` holds.
tracking::DetectionEvidence DetectionEvidenceOfRow(const FrameLayer& frames, const FrameRowBlock& block, int64_t row,
                                                   const float* position_m,
                                                   std::array<float, crop_encoder::kNumRoles>* roles);

// Ground truth per frame-layer row, from annotations.csv.
struct RowTruth {
  std::vector<int> person;        // the person detected (LabelDetections), -1 = no one
  std::vector<int> category;      // that person's io::Category, -1 = no one
  std::vector<int> jersey;        // that person's number, -1 = none
  std::vector<io::Legibility> legibility;  // of that person's number in the crop
};
RowTruth LabelRows(const FrameLayer& frames, const std::vector<io::Annotation>& annotations);

// A match's tracks at the match level: their rows, the JN classifier's probabilities (when
// one is given) and their attributes (tracking::ResolveTrackAttributes on the evidence of
// every row, DetectionEvidenceOfRow at the tracker's positions). With drop_non_person, a
// track whose mean role probability is highest for "none" (grass, boards) gets no
// attributes and counts in `dropped`. A track with fewer than
// options.min_confident_detections detections of score >= options.confident_score gets
// none either and counts in `dropped_unconfirmed` (whatever drop_non_person says).
//
// The tracks are the tracker's: options.number_changes is not applied here (the trainers
// and `ipt eval identity` read uncut tracks; RunMatchLevel cuts them first).
// The frame layer is read in one pass, `block_rows` rows at a time (ForEachRowBlock),
// each track reduced as its rows go by (tracking::TrackEvidenceSummary, the JN
// classifier's own selection of rows, the identity evidence): a layer opened with
// OpenFrameLayer is never held whole. The results do not depend on block_rows.
struct MatchTracks {
  std::map<int64_t, std::vector<int64_t>> rows;                         // every track
  std::map<int64_t, jn_classifier::JnProbabilities> jersey_probabilities;  // every track, with a classifier
  std::vector<tracking::TrackAttributes> attributes;                    // person tracks, by id
  int64_t dropped = 0;
  int64_t dropped_unconfirmed = 0;
  double jn_seconds = 0;  // the classifier's time
};
MatchTracks ResolveMatchTracks(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                               const tracking::TrackAttributesOptions& options, jn_classifier::JnClassifier* jn,
                               bool drop_non_person, int64_t block_rows = kRowBlockRows);

// Track fragments joined among a match's named output rows (tracking/fragment_links.h
// with `options`: LinkFragments with NamesAgree, then JoinLinkedRows), `layer_rows` the
// frame-layer row of each row (the embeddings of rows near the tracks' ends are read, and
// only the blocks of `block_rows` rows that hold them); positions are the rows'. Passes
// repeat while links are kept (a link a chain's name refuses is replaced in the next pass,
// where the chain is one track with that name). Never across a substitution gap of the
// two tracks' category (tracking/substitution_gaps.h with `substitution_gaps`) unless
// both are named after the same player. Returns the links kept.
int64_t JoinFragmentRows(const FrameLayer& frames, std::vector<eval::PipelineRow>& rows,
                         const std::vector<int64_t>& layer_rows, const io::MatchInfo& match,
                         const tracking::FragmentLinkOptions& options,
                         const tracking::SubstitutionGapOptions& substitution_gaps, int64_t block_rows = kRowBlockRows);

// Tracks split where their jersey reads change from one roster number to another
// (tracking/number_changes.h with `options`): the rows from each cut on take a new id,
// above every id of `tracks`, in order of track and cut. Reads come from the frame
// layer's jn.presence / jn.number / jn.digits fields (block by block); the distances to
// the nearest other person that place the cuts from the tracks' own positions. The
// candidates are the numbers of the roster's players who play at all (the line-up; none:
// nothing is split).
struct SplitTrackLayer {
  TrackLayer tracks;
  int64_t cuts = 0;
  // Per cut, the ids of the pieces before and after it, in the order made.
  std::vector<std::pair<int64_t, int64_t>> cut_pieces;
};
SplitTrackLayer SplitTracksAtNumberChanges(const FrameLayer& frames, const TrackLayer& tracks,
                                           const io::MatchInfo& match, const tracking::NumberChangeOptions& options,
                                           int64_t block_rows = kRowBlockRows);
// Tracks split where their kit changes from one team's to the other's
// (tracking/kit_changes.h with options.kit_changes; the team kits from the kit_* keys):
// new ids as above. Kits come from the frame layer's team.kit field (block by block).
SplitTrackLayer SplitTracksAtKitChanges(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                                        const tracking::TrackAttributesOptions& options,
                                        int64_t block_rows = kRowBlockRows);
// Tracks split where their appearance embedding changes (tracking/appearance_changes.h
// with options.appearance_changes; the spread from every track's observations): new ids as
// above. Embeddings come from the frame layer's embedding field (block by block).
SplitTrackLayer SplitTracksAtAppearanceChanges(const FrameLayer& frames, const TrackLayer& tracks,
                                               const io::MatchInfo& match,
                                               const tracking::AppearanceChangeOptions& options,
                                               int64_t block_rows = kRowBlockRows);
// Two tracks that exchanged their people where they met (tracking/exchanges.h with
// options.exchanges; reads as options.number_changes makes them) take back each other's
// rows; `cuts` counts the exchanges and `cut_pieces` holds their pairs of ids (no id is
// new).
SplitTrackLayer ExchangeTracksAtMeetings(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                                         const tracking::TrackAttributesOptions& options,
                                         int64_t block_rows = kRowBlockRows);
// Tracks split at their substitution gaps (tracking/substitution_gaps.h, the tracks' own
// positions): new ids as above.
SplitTrackLayer SplitTracksAtSubstitutions(const FrameLayer& frames, const TrackLayer& tracks,
                                           const io::MatchInfo& match,
                                           const tracking::SubstitutionGapOptions& options);

// The match level of a run over a match's two layers: each track's stray end rows dropped
// (options.stray_ends, tracking::StrayEndRows), tracks split at substitution gaps
// (options.substitution_gaps), where their numbers change (options.number_changes) and where
// their kit changes (options.kit_changes) and where their appearance changes
// (options.appearance_changes), tracks that exchanged people at a meeting given back their
// rows (options.exchanges), the attributes of every track (the
// JN classifier's jersey when `jn` is given, else the vote), identities (`resolver` when
// given, else the roster look-up), a player named on two tracks at once spliced
// (options.name_splices), a track named after the one player the roster leaves it
// (options.name_elimination), track fragments joined where the names agree, the duplicate
// heads of hand-overs and duplicate tracks dropped first (options.fragment_links), and the output rows of person tracks, their positions
// smoothed and short gaps filled (options.smoothing, tracking/track_smoothing.h).
inline constexpr const char* kStrayEndStage = "stray_ends";
inline constexpr const char* kSubstitutionCutStage = "substitution_cuts";
inline constexpr const char* kNumberChangeStage = "number_changes";
inline constexpr const char* kKitChangeStage = "kit_changes";
inline constexpr const char* kAppearanceChangeStage = "appearance_changes";
inline constexpr const char* kExchangeStage = "exchanges";
inline constexpr const char* kJnClassifierStage = "jn_classifier";
inline constexpr const char* kAttributesStage = "attributes";
inline constexpr const char* kIdentityStage = "identity_resolver";
inline constexpr const char* kNameSpliceStage = "name_splices";
inline constexpr const char* kNameEliminationStage = "name_elimination";
inline constexpr const char* kFragmentLinkStage = "fragment_links";
inline constexpr const char* kSmoothStage = "smooth_tracks";  // tracking::SmoothTracks, last
struct MatchLevelOutput {
  std::vector<eval::PipelineRow> rows;  // by (frame, track id), smoothed and filled
  int64_t filled_rows = 0;              // of rows, those added in gaps (options.smoothing)
  int64_t tracks = 0;                   // person tracks
  int64_t dropped = 0;                  // tracks left out as not persons
  int64_t dropped_unconfirmed = 0;      // ... as too few confident detections
  int64_t substitution_cuts = 0;        // tracks split at substitution gaps
  int64_t number_change_cuts = 0;       // tracks split where their numbers change
  int64_t kit_change_cuts = 0;          // ... where their kit changes
  int64_t appearance_change_cuts = 0;   // ... where their appearance changes
  int64_t appearance_cuts_undone = 0;   // of those, undone after naming (not named apart)
  int64_t exchanges = 0;                // tracks that exchanged people at a meeting, undone
  int64_t name_splices = 0;             // players named on two tracks at once, spliced
  int64_t name_splice_clashes_unnamed = 0;  // short tracks in a splice's way that lost the name
  int64_t tracks_named_by_elimination = 0;  // unnamed tracks the roster left one player
  int64_t fragment_links = 0;           // track fragments joined (after naming)
  int64_t handover_rows_dropped = 0;    // rows of hand-overs and duplicates dropped before (tracking::HandoverRows)
  int64_t stray_end_rows_dropped = 0;   // tracks' stray end rows dropped first (tracking::StrayEndRows)
  int identities = 0;                   // identities the resolver made
  // Of those, the players named at P(entry) < min_player_probability, ascending
  // (tracking::IdentityResult::guessed_player_ids): their rows are marked player_guessed.
  std::vector<int> guessed_player_ids;
  std::map<std::string, double> stage_seconds;  // the stages above (those that ran)
};
MatchLevelOutput RunMatchLevel(const FrameLayer& frames, const TrackLayer& tracks, const io::MatchInfo& match,
                               const tracking::TrackAttributesOptions& options, jn_classifier::JnClassifier* jn,
                               identity_resolver::IdentityResolver* resolver, bool drop_non_person,
                               int64_t block_rows = kRowBlockRows);

// The identity resolver's view of `rows` (one track or a piece of one, in row order): its
// span and end positions (the tracker's), detections, mean embedding (L2-normalised),
// the crops' legible-weighted number distribution and mean P(legible) (linking evidence),
// `category`, `jersey` (naming evidence: the JN classifier's P(0..99, unknown)) and the
// pooled reading of its crops (naming evidence, tracking::AddPooledReading).
// `frames` in memory (ReadFrameLayer); RunMatchLevel sums the same by block (the pooled
// reading only for a resolver that weighs it).
tracking::IdentityTrack IdentityTrackOfRows(const FrameLayer& frames, const TrackLayer& tracks,
                                            const std::vector<int64_t>& rows, int64_t id, io::Category category,
                                            const jn_classifier::JnProbabilities& jersey);

// Pieces (frame-layer rows, each non-empty) of one track's rows as identity_resolver::
// TrackCutOptions says (players leaving the view and coming back), drawn with `rng`.
std::vector<std::vector<int64_t>> CutTrack(const FrameLayer& frames, const std::vector<int64_t>& rows,
                                           const identity_resolver::TrackCutOptions& options, std::mt19937_64& rng);

// The trainer registered for "identity_resolver": the recipe's matches' layers for the
// collection's detector, crop encoder and tracker; person tracks (attributes with the
// default options) cut into pieces (the recipe's data.cut, seeded per match), each
// labelled with its main annotated person.
registry::TrainedWeights TrainIdentityResolverFromLayers(const registry::TrainingContext& context);

// The trainer registered for "jn_classifier": the recipe's matches' layers for the
// collection's detector (through the tracker), crop encoder and tracker, each track
// labelled by LabelRows (jn_classifier/jn_classifier_training.h).
registry::TrainedWeights TrainJnClassifierFromLayers(const registry::TrainingContext& context);

}  // namespace ipt::pipeline
