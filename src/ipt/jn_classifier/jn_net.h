// The JN classifier's network (LibTorch); what it computes is in jn_classifier.h.
//
//   x_i = LayerNorm(Linear(inputs_i))                 [B, K, model_dim]
//   h   = TransformerEncoder(x, key padding mask)     (no positional encoding: a set)
//   g_i = sigmoid(gate(h_i))                          per-detection trust, [B, K]
//   S(n)       = sum_i g_i (E_i(n) - max_m E_i(m))                      E: number evidence
//   logit(n)   = S(n) - max_m S(m) + number_bias   (the best number at number_bias)
//   logit(unk) = unknown_mlp([mean_i h_i, sum_i a_i h_i, log(1 + K)]), a = softmax(attention(h))
#pragma once

#include <torch/torch.h>

#include "ipt/jn_classifier/jn_classifier.h"

namespace ipt::jn_classifier {

// A padded batch of tracks.
struct JnBatch {
  torch::Tensor inputs;           // f32 [B, K, kJnInputWidth]
  torch::Tensor number_evidence;  // f32 [B, K, 100]
  torch::Tensor valid;            // bool [B, K]; every track has >= 1 valid detection
};

// The selected detections (SelectDetections) of `tracks`, padded to the longest.
JnBatch MakeBatch(const std::vector<const JnTrack*>& tracks, const DetectionSelection& selection);

struct JnNetImpl : torch::nn::Module {
  explicit JnNetImpl(const JnNetConfig& config);
  torch::Tensor forward(const JnBatch& batch);  // logits f32 [B, kNumJnClasses]

  JnNetConfig config;
  torch::nn::Linear input_projection{nullptr};
  torch::nn::LayerNorm input_norm{nullptr};
  torch::nn::TransformerEncoder encoder{nullptr};
  torch::nn::Linear gate{nullptr}, attention{nullptr};
  torch::nn::Sequential unknown_mlp{nullptr};
  torch::Tensor number_bias;  // f32 [1]
};
TORCH_MODULE(JnNet);

}  // namespace ipt::jn_classifier
