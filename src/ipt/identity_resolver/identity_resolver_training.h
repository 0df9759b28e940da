// Training model 5 (`ipt train identity_resolver`, recipe configs/train/identity_resolver.yaml):
// the pair affinity, from the tracks of training matches cut into pieces with gaps (the
// pipeline reads the layers, cuts the tracks and runs the collection's JN classifier on
// the pieces; this module sees plain numbers).
//
// Samples are the candidate pairs of tracking::CandidatePairs (the pairs the resolver
// scores at run time) of each match, labelled "same person" when both pieces mostly
// belong to one annotated person. Binary cross-entropy; each step draws batch_pairs
// pairs, positive_share of them positive. Validation (every epoch) on the validation
// matches' pairs: link precision, recall and F1 at P >= 0.5 (the kept score is F1). How
// well the whole resolver names players is `ipt eval identity`'s (it needs the
// collection's JN classifier, which this model does not train on).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ipt/identity_resolver/identity_resolver.h"
#include "ipt/registry/training.h"

namespace ipt::identity_resolver {

// One match's pieces of tracks with their ground truth.
struct LabelledIdentityMatch {
  std::string name;
  io::MatchInfo match;                          // fps and roster
  std::vector<tracking::IdentityTrack> tracks;  // pieces
  std::vector<int> person;                      // per piece: the annotated person most of its detections are, -1 = no one
  void Check() const;
};

// Tracks cut into pieces as if their players left the view and came back: from a track's
// first frame, a piece of [min_piece_frames, max_piece_frames] frames is kept, then a gap
// of [min_gap_frames, max_gap_frames] frames dropped, and so on (uniform draws). The
// resolver learns, and `ipt eval identity` measures it, on such pieces: the synthetic
// matches' people never leave the view.
struct TrackCutOptions {
  int min_piece_frames = 50, max_piece_frames = 375;  // 2-15 s at 25 fps
  int min_gap_frames = 25, max_gap_frames = 250;      // 1-10 s
  uint64_t seed = 1;  // with the match directory's name: the same pieces whatever the order of the matches
  void Check() const;
};

// The generator of a match's cuts: from options.seed and the match directory's name
// (FNV-1a), not its position in a list.
uint64_t CutSeed(const TrackCutOptions& options, const std::string& match_name);

struct IdentityDataOptions {
  int batch_pairs = 256;        // pairs per optimizer step
  double positive_share = 0.5;  // share of positive pairs drawn per step (true links are rare)
  TrackCutOptions cut;          // the recipe's data.cut
  void Check() const;
};

// The labelled pieces of match directories, cut with data.cut.
using LabelledIdentityLoader =
    std::function<std::vector<LabelledIdentityMatch>(const std::vector<std::string>& matches, const IdentityDataOptions& data)>;

// Reads context.recipe (nn/recipe.h keys; data: IdentityDataOptions with `cut:`; network:
// hidden and `resolving:` (any IdentityOptions field)), loads with `load`, trains
// (resumable), packages.
registry::TrainedWeights TrainIdentityResolver(const registry::TrainingContext& context, const LabelledIdentityLoader& load);

}  // namespace ipt::identity_resolver
