#include "ipt/identity_resolver/affinity_net.h"

#include "ipt/util/check.h"

namespace ipt::identity_resolver {

AffinityNetImpl::AffinityNetImpl(const AffinityNetConfig& c) : config(c) {
  c.Check();
  constexpr int kIn = tracking::kPairFeatureCount;
  feature_mean = register_buffer("feature_mean", torch::zeros({kIn}));
  feature_std = register_buffer("feature_std", torch::ones({kIn}));
  mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(kIn, c.hidden), torch::nn::ReLU(),
                                                     torch::nn::Linear(c.hidden, c.hidden), torch::nn::ReLU(),
                                                     torch::nn::Linear(c.hidden, 1)));
}

torch::Tensor AffinityNetImpl::forward(const torch::Tensor& features) {
  return mlp->forward((features - feature_mean) / feature_std).squeeze(-1);
}

void AffinityNetImpl::SetNormalization(const torch::Tensor& mean, const torch::Tensor& std) {
  torch::NoGradGuard no_grad;
  feature_mean.copy_(mean);
  feature_std.copy_(std.clamp_min(1e-3));
}

torch::Tensor PairFeatureTensor(const std::vector<tracking::IdentityTrack>& tracks, double fps,
                                const std::vector<std::pair<int, int>>& pairs) {
  std::vector<float> values;
  values.reserve(pairs.size() * tracking::kPairFeatureCount);
  for (const auto& [a, b] : pairs) {
    const auto f = tracking::PairFeatures(tracks.at(a), tracks.at(b), fps);
    values.insert(values.end(), f.begin(), f.end());
  }
  return torch::from_blob(values.data(), {static_cast<int64_t>(pairs.size()), tracking::kPairFeatureCount}, torch::kFloat)
      .clone();
}

}  // namespace ipt::identity_resolver
