#include "ipt/gnn_tracker/gnn_net.h"

#include <set>

#include "ipt/io/match.h"
#include "ipt/util/check.h"

namespace ipt::gnn_tracker {
namespace {

torch::nn::Sequential Mlp(int in, int hidden, int out, bool final_relu = true) {
  torch::nn::Sequential s(torch::nn::Linear(in, hidden), torch::nn::ReLU(), torch::nn::Linear(hidden, out));
  if (final_relu) s->push_back(torch::nn::ReLU());
  return s;
}

}  // namespace

void GnnNetConfig::Check() const {
  IPT_CHECK(node_features > 0 && node_features <= 4096 && edge_features > 0 && edge_features <= 4096,
            "gnn network: feature widths must be in [1, 4096]");
  IPT_CHECK(node_dim >= 1 && node_dim <= 1024 && edge_dim >= 1 && edge_dim <= 1024 && hidden >= 1 && hidden <= 4096,
            "gnn network: node_dim, edge_dim, hidden out of range");
  IPT_CHECK(steps >= 1 && steps <= 64, "gnn network: steps must be in [1, 64]");
}

nlohmann::json GnnNetConfig::ToJson() const {
  return {{"node_features", node_features}, {"edge_features", edge_features}, {"node_dim", node_dim},
          {"edge_dim", edge_dim},           {"hidden", hidden},               {"steps", steps},
          {"category_head", category_head}, {"stop_gradient", stop_gradient}};
}

GnnNetConfig GnnNetConfig::FromJson(const nlohmann::json& j, const std::string& source) {
  GnnNetConfig c;
  const std::string prefix = "architecture.network";
  if (!j.is_object()) throw InputError(source, 0, prefix, "expected an object");
  auto get_int = [&](const char* key, int* value) {
    if (!j.contains(key) || !j[key].is_number_integer()) throw InputError(source, 0, prefix + "." + key, "missing or not an integer");
    const int64_t v = j[key].get<int64_t>();
    if (v < -(1 << 30) || v > (1 << 30)) throw InputError(source, 0, prefix + "." + key, "out of range");
    *value = static_cast<int>(v);
  };
  auto get_bool = [&](const char* key, bool* value) {
    if (!j.contains(key) || !j[key].is_boolean()) throw InputError(source, 0, prefix + "." + key, "missing or not true/false");
    *value = j[key].get<bool>();
  };
  for (const auto& [key, value] : j.items()) {
    static const std::set<std::string> known = {"node_features", "edge_features", "node_dim", "edge_dim",
                                                "hidden",        "steps",         "category_head", "stop_gradient"};
    if (!known.count(key)) throw InputError(source, 0, prefix + "." + key.substr(0, 40), "unknown key");
  }
  get_int("node_features", &c.node_features);
  get_int("edge_features", &c.edge_features);
  get_int("node_dim", &c.node_dim);
  get_int("edge_dim", &c.edge_dim);
  get_int("hidden", &c.hidden);
  get_int("steps", &c.steps);
  get_bool("category_head", &c.category_head);
  get_bool("stop_gradient", &c.stop_gradient);
  try {
    c.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
  }
  return c;
}

GnnTrackerNetImpl::GnnTrackerNetImpl(const GnnNetConfig& c) : config(c) {
  c.Check();
  node_mean = register_buffer("node_mean", torch::zeros({c.node_features}));
  node_std = register_buffer("node_std", torch::ones({c.node_features}));
  edge_mean = register_buffer("edge_mean", torch::zeros({c.edge_features}));
  edge_std = register_buffer("edge_std", torch::ones({c.edge_features}));
  node_encoder = register_module("node_encoder", Mlp(c.node_features, c.hidden, c.node_dim));
  edge_encoder = register_module("edge_encoder", Mlp(c.edge_features, c.hidden, c.edge_dim));
  edge_update = register_module("edge_update", Mlp(2 * c.node_dim + 2 * c.edge_dim, c.hidden, c.edge_dim));
  message_past = register_module("message_past", Mlp(c.node_dim + c.edge_dim, c.hidden, c.node_dim));
  message_future = register_module("message_future", Mlp(c.node_dim + c.edge_dim, c.hidden, c.node_dim));
  node_update = register_module("node_update", Mlp(2 * c.node_dim, c.hidden, c.node_dim));
  classifier = register_module("classifier", Mlp(c.edge_dim, c.hidden, 1, /*final_relu=*/false));
  if (c.category_head) {
    category_norm = register_module("category_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.node_dim})));
    const int head_in = c.node_dim + c.node_features;  // [h_v, normalised node features]
    kit_projection = register_module("category_kit", Mlp(head_in, c.hidden, c.node_dim, /*final_relu=*/false));
    category = register_module("category_head",
                               Mlp(head_in + 2 * c.node_dim + 1, c.hidden, io::kNumCategories, /*final_relu=*/false));
  }
}

std::vector<std::string> CategoryHeadPrefixes(const GnnNetConfig& config) {
  if (!config.category_head) return {};
  return {"category_norm.", "category_kit.", "category_head."};
}

void GnnTrackerNetImpl::SetNormalization(const torch::Tensor& nm, const torch::Tensor& ns, const torch::Tensor& em,
                                         const torch::Tensor& es) {
  torch::NoGradGuard no_grad;
  node_mean.copy_(nm);
  node_std.copy_(ns.clamp_min(1e-3));
  edge_mean.copy_(em);
  edge_std.copy_(es.clamp_min(1e-3));
}

GnnOutput GnnTrackerNetImpl::forward(const GraphTensors& g) {
  GnnOutput out;
  torch::Tensor h_v = node_encoder->forward((g.node_features - node_mean) / node_std);
  const int64_t n = h_v.size(0);
  const int64_t edges = g.edge_features.size(0);
  if (edges == 0) {
    out.node_embedding = h_v;
    return out;
  }
  const torch::Tensor h_e0 = edge_encoder->forward((g.edge_features - edge_mean) / edge_std);
  torch::Tensor h_e = h_e0;
  for (int t = 0; t < config.steps; ++t) {
    const torch::Tensor h_from = h_v.index_select(0, g.edge_from), h_to = h_v.index_select(0, g.edge_to);
    h_e = edge_update->forward(torch::cat({h_from, h_to, h_e, h_e0}, 1));
    const torch::Tensor past = message_past->forward(torch::cat({h_to, h_e}, 1));
    const torch::Tensor future = message_future->forward(torch::cat({h_from, h_e}, 1));
    const torch::Tensor past_sum = torch::zeros({n, config.node_dim}, h_v.options()).index_add(0, g.edge_to, past);
    const torch::Tensor future_sum = torch::zeros({n, config.node_dim}, h_v.options()).index_add(0, g.edge_from, future);
    h_v = node_update->forward(torch::cat({past_sum, future_sum}, 1));
    out.edge_logits.push_back(classifier->forward(h_e).squeeze(1));
  }
  out.node_embedding = h_v;
  return out;
}

torch::Tensor GnnTrackerNetImpl::CategoryLogits(const torch::Tensor& node_embedding, const GraphTensors& g) {
  IPT_CHECK(config.category_head, "this tracker network has no category head");
  // Normalised: the embeddings' scale grows with a node's degree (sums of messages).
  const torch::Tensor h = torch::cat({category_norm->forward(config.stop_gradient ? node_embedding.detach() : node_embedding),
                                      (g.node_features - node_mean) / node_std},
                                     1);
  const torch::Tensor u = kit_projection->forward(h);
  const torch::Tensor x = g.node_x.unsqueeze(1), w = g.node_weight.unsqueeze(1);
  const torch::Tensor weighted = torch::zeros({g.graphs, u.size(1)}, u.options()).index_add(0, g.node_graph, w * x * u);
  const torch::Tensor total = torch::zeros({g.graphs, 1}, u.options()).index_add(0, g.node_graph, w).clamp_min(1e-6);
  const torch::Tensor context = (weighted / total).index_select(0, g.node_graph);
  return category->forward(torch::cat({h, context, u * context, x}, 1));
}

torch::Tensor FocalLoss(const torch::Tensor& logits, const torch::Tensor& targets, double gamma, double alpha) {
  const torch::Tensor p = torch::sigmoid(logits);
  const torch::Tensor ce = torch::binary_cross_entropy_with_logits(logits, targets, {}, {}, at::Reduction::None);
  const torch::Tensor p_t = p * targets + (1 - p) * (1 - targets);
  const torch::Tensor alpha_t = alpha * targets + (1 - alpha) * (1 - targets);
  return (alpha_t * (1 - p_t).pow(gamma) * ce).mean();
}

}  // namespace ipt::gnn_tracker
