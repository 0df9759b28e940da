// The GNN tracker's network (LibTorch): time-aware message passing over one level's
// tracklet graph (tracking/tracklet_graph.h), after Brasó & Leal-Taixé (MPNTrack, CVPR
// 2020) as SUSHI uses it, one set of weights for every level.
//
//   h_v(0) = node_encoder(normalised node features)            [n, node_dim]
//   h_e(0) = edge_encoder(normalised edge features)            [E, edge_dim]
//   for t in 1..steps:
//     h_e = edge_update([h_from, h_to, h_e, h_e(0)])           (edges run from -> to, forward in time)
//     past   message into `to`   = message_past([h_to, h_e]),  summed over its earlier neighbours
//     future message into `from` = message_future([h_from, h_e]), summed over its later ones
//     h_v = node_update([sum past, sum future])
//     logit_e(t) = classifier(h_e)                              [E], trained at every step
// Category head (optional) on the last step's node embeddings of a level (the top level
// at run time), layer-normalised, beside the node's normalised input features (h_v below:
// [norm(h_v), f_v]; the tracklet's mean kit and role reach the head as they are):
// u_v = kit_projection(h_v); per graph the context
//   g = sum_v w_v (x_v) u_v / sum_v w_v   (w_v: detections, x_v: node mean x / length - 0.5)
// says which kit stands on which side; logits_v = category([h_v, g, u_v * g, x_v]) over
// io::Category. With stop_gradient the head reads h_v detached: its loss leaves the
// tracking network as it is.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "ipt/gnn_tracker/gnn_config.h"

namespace ipt::gnn_tracker {

// A batch of level graphs joined into one (disjoint union); indices into the batch.
struct GraphTensors {
  torch::Tensor node_features;  // f32 [n, node_features], raw (the net normalises)
  torch::Tensor edge_features;  // f32 [E, edge_features], raw
  torch::Tensor edge_from, edge_to;  // i64 [E]
  // For the category head: the graph each node belongs to (i64 [n], 0..graphs-1), its
  // detections (f32 [n]) and its x (f32 [n], node mean x / length - 0.5).
  torch::Tensor node_graph, node_weight, node_x;
  int64_t graphs = 1;
};

struct GnnOutput {
  std::vector<torch::Tensor> edge_logits;  // per step, f32 [E]
  torch::Tensor node_embedding;            // last step, f32 [n, node_dim]
};

struct GnnTrackerNetImpl : torch::nn::Module {
  explicit GnnTrackerNetImpl(const GnnNetConfig& config);
  GnnOutput forward(const GraphTensors& graph);
  torch::Tensor CategoryLogits(const torch::Tensor& node_embedding, const GraphTensors& graph);  // [n, 5]
  // Feature normalisation (buffers, saved with the weights; set from training data).
  void SetNormalization(const torch::Tensor& node_mean, const torch::Tensor& node_std, const torch::Tensor& edge_mean,
                        const torch::Tensor& edge_std);

  GnnNetConfig config;
  torch::Tensor node_mean, node_std, edge_mean, edge_std;
  torch::nn::Sequential node_encoder{nullptr}, edge_encoder{nullptr}, edge_update{nullptr};
  torch::nn::Sequential message_past{nullptr}, message_future{nullptr}, node_update{nullptr}, classifier{nullptr};
  torch::nn::LayerNorm category_norm{nullptr};
  torch::nn::Sequential kit_projection{nullptr}, category{nullptr};
};
TORCH_MODULE(GnnTrackerNet);

// Prefixes of the category head's tensors (empty without a head).
std::vector<std::string> CategoryHeadPrefixes(const GnnNetConfig& config);

// Sigmoid focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017),
// mean over elements: -alpha_t (1 - p_t)^gamma log p_t.
torch::Tensor FocalLoss(const torch::Tensor& logits, const torch::Tensor& targets, double gamma, double alpha);

}  // namespace ipt::gnn_tracker
