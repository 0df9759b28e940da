// The identity resolver's pair-affinity network (LibTorch): standardised pair features ->
// MLP -> one logit (same person).
#pragma once

#include <torch/torch.h>

#include "ipt/identity_resolver/identity_resolver.h"

namespace ipt::identity_resolver {

struct AffinityNetImpl : torch::nn::Module {
  explicit AffinityNetImpl(const AffinityNetConfig& config);
  torch::Tensor forward(const torch::Tensor& features);  // f32 [P, kPairFeatureCount] -> logits [P]
  void SetNormalization(const torch::Tensor& mean, const torch::Tensor& std);

  AffinityNetConfig config;
  torch::Tensor feature_mean, feature_std;  // buffers, saved with the weights
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(AffinityNet);

// The features of `pairs` as a tensor [P, kPairFeatureCount].
torch::Tensor PairFeatureTensor(const std::vector<tracking::IdentityTrack>& tracks, double fps,
                                const std::vector<std::pair<int, int>>& pairs);

}  // namespace ipt::identity_resolver
