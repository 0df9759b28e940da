// Training model 3 (`ipt train tracker` with a recipe of type gnn_tracker): the GNN
// tracker and its category head, from the frame layer of training matches (the pipeline
// reads the layers and labels their detections; this module sees plain numbers).
//
// Samples are chunks of chunk_frames frames starting every data.chunk_stride frames.
// Each chunk's hierarchy is built once with the labels as the scorer (teacher forcing: a
// true link is taken, except a random data.drop_true_link share of them, so that higher
// levels also see people broken into several tracklets, as at run time); every level's
// graph of the chunk is one sample. With data.own_hierarchy, a share of the chunks of each
// step is built anew by the network being trained (GnnDataOptions). Edge labels are MPNTrack's flow labels: both ends
// mostly one person, and temporal neighbours among that person's nodes. Loss per step: focal loss over the edges at every
// message-passing step and level (mean over steps), plus category_weight x the
// cross-entropy of the category head on the top level's nodes (their majority category;
// nodes that are mostly no one are left out).
#pragma once

#include <string>
#include <vector>

#include <functional>

#include "ipt/gnn_tracker/gnn_tracker.h"
#include "ipt/registry/training.h"

namespace ipt::gnn_tracker {

// One match's detections (frame layer) with their ground truth.
struct LabelledMatch {
  std::string name;
  tracking::ChunkDetections detections;
  std::vector<int> person;    // per row: the person matched to the detection, -1 = no one
  std::vector<int> category;  // per row: io::Category of that person, -1 = no one
  int num_frames = 0;
  tracking::MatchScale scale;
};

// The recipe's `data:` section.
struct GnnDataOptions {
  int chunk_stride = 32;          // a training chunk starts every this many frames
  double drop_true_link = 0.1;    // teacher forcing: share of true links left untaken
  double focal_gamma = 1.0;       // focal loss gamma (SUSHI's default)
  double focal_alpha = 0.5;       // weight of the positive class (0.5: none)
  double category_weight = 1.0;   // the category head's loss weight
  int chunks_per_step = 2;        // chunks per optimizer step
  // Share of the training chunks, from step own_hierarchy_from_step on, whose hierarchy is
  // built by the network being trained (its own links, rounded as at run time) instead of
  // teacher forcing: run-time tracklets are sometimes impure or broken in ways the labels
  // never make, and the classifier must score those too (DAgger, Ross et al. 2011). The
  // labels stay the flow labels of each level's nodes.
  double own_hierarchy = 0.0;
  int own_hierarchy_from_step = 200;  // before it, the untrained network's links are noise
  void Check() const;
};

// The recipe (configs/train/tracker.yaml): nn/recipe.h's keys with `type: gnn_tracker`;
// `data:` holds GnnDataOptions, `network:` GnnNetConfig's sizes and switches (gnn_config.h)
// and `tracking:` (any ChunkedTrackingOptions field, `graph:` nested; the rest default).
// Validation metrics per epoch (teacher-forced graphs of the validation matches):
// edge_precision, edge_recall, edge_f1 (last step, logit > 0) and category_accuracy (top
// level, detection-weighted; 0 without a head); with own_hierarchy > 0 also own_edge_f1
// and own_category_accuracy on the hierarchies the network builds itself, as at run time
// (then the score kept best is own_edge_f1, else edge_f1: each checkpoint is scored on the
// hierarchies it builds, so the edge sets differ between checkpoints, as they do between
// trackers at run time). Training curves hold own_share, the share of own-hierarchy chunks.

// The labelled detections of match directories (the pipeline reads their frame layers).
using LabelledMatchLoader = std::function<std::vector<LabelledMatch>(const std::vector<std::string>& matches)>;

// Reads context.recipe, loads the recipe's training and validation matches with `load`,
// trains (resumable) and packages.
registry::TrainedWeights TrainGnnTracker(const registry::TrainingContext& context, const LabelledMatchLoader& load);

}  // namespace ipt::gnn_tracker
