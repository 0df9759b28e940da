#include "ipt/jn_classifier/jn_net.h"

#include "ipt/util/check.h"

namespace ipt::jn_classifier {

JnBatch MakeBatch(const std::vector<const JnTrack*>& tracks, const DetectionSelection& selection) {
  IPT_ASSERT(!tracks.empty() && selection.max_detections >= 1);
  std::vector<std::vector<int>> rows;
  int64_t k = 1;
  for (const JnTrack* t : tracks) {
    rows.push_back(SelectDetections(*t, selection));
    IPT_ASSERT(!rows.back().empty());
    k = std::max<int64_t>(k, static_cast<int64_t>(rows.back().size()));
  }
  const int64_t b = static_cast<int64_t>(tracks.size());
  std::vector<float> inputs(b * k * kJnInputWidth, 0.f), evidence(b * k * io::kNumJerseys, 0.f);
  std::vector<uint8_t> valid(b * k, 0);
  for (int64_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) {
      const int r = rows[i][j];
      const int64_t slot = i * k + static_cast<int64_t>(j);
      std::copy_n(&tracks[i]->inputs[size_t(r) * kJnInputWidth], kJnInputWidth, &inputs[slot * kJnInputWidth]);
      std::copy_n(&tracks[i]->number_evidence[size_t(r) * io::kNumJerseys], io::kNumJerseys,
                  &evidence[slot * io::kNumJerseys]);
      valid[slot] = 1;
    }
  }
  JnBatch batch;
  batch.inputs = torch::from_blob(inputs.data(), {b, k, kJnInputWidth}, torch::kFloat).clone();
  batch.number_evidence = torch::from_blob(evidence.data(), {b, k, io::kNumJerseys}, torch::kFloat).clone();
  batch.valid = torch::from_blob(valid.data(), {b, k}, torch::kUInt8).clone().to(torch::kBool);
  return batch;
}

JnNetImpl::JnNetImpl(const JnNetConfig& c) : config(c) {
  c.Check();
  input_projection = register_module("input_projection", torch::nn::Linear(kJnInputWidth, c.model_dim));
  input_norm = register_module("input_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.model_dim})));
  torch::nn::TransformerEncoderLayer layer(torch::nn::TransformerEncoderLayerOptions(c.model_dim, c.heads)
                                               .dim_feedforward(c.feedforward_dim)
                                               .dropout(c.dropout));
  encoder = register_module("encoder", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, c.layers)));
  gate = register_module("gate", torch::nn::Linear(c.model_dim, 1));
  attention = register_module("attention", torch::nn::Linear(c.model_dim, 1));
  unknown_mlp = register_module("unknown_mlp", torch::nn::Sequential(torch::nn::Linear(2 * c.model_dim + 1, c.model_dim),
                                                                     torch::nn::ReLU(), torch::nn::Linear(c.model_dim, 1)));
  number_bias = register_parameter("number_bias", torch::zeros({1}));
}

torch::Tensor JnNetImpl::forward(const JnBatch& batch) {
  const torch::Tensor valid_f = batch.valid.to(torch::kFloat);                    // [B, K]
  const torch::Tensor x = input_norm(input_projection(batch.inputs));             // [B, K, D]
  // The encoder reads [K, B, D]; the padding mask is true where there is no detection.
  const torch::Tensor h = encoder->forward(x.transpose(0, 1), torch::Tensor(), ~batch.valid).transpose(0, 1);  // [B, K, D]
  const torch::Tensor g = torch::sigmoid(gate(h).squeeze(-1)) * valid_f;          // [B, K]
  const torch::Tensor e = batch.number_evidence;
  const torch::Tensor relative = e - std::get<0>(e.max(-1, /*keepdim=*/true));    // [B, K, 100], <= 0
  torch::Tensor numbers = (g.unsqueeze(-1) * relative).sum(1);                  // [B, 100]
  // The best number at 0: "unknown" competes with it on one scale, whatever the count.
  numbers = numbers - std::get<0>(numbers.max(1, /*keepdim=*/true)).detach() + number_bias;
  const torch::Tensor count = valid_f.sum(1, /*keepdim=*/true);                   // [B, 1]
  const torch::Tensor mean = (h * valid_f.unsqueeze(-1)).sum(1) / count;
  const torch::Tensor a = torch::softmax(attention(h).squeeze(-1).masked_fill(~batch.valid, -1e9), 1);  // [B, K]
  const torch::Tensor pooled = (a.unsqueeze(-1) * h).sum(1);
  const torch::Tensor unknown = unknown_mlp->forward<torch::Tensor>(torch::cat({mean, pooled, torch::log1p(count)}, 1));  // [B, 1]
  return torch::cat({numbers, unknown}, 1);
}

}  // namespace ipt::jn_classifier
