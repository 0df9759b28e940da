#include "ipt/cascade/plan.h"

#include <gtest/gtest.h>

#include <map>

#include "ipt/util/check.h"

namespace ipt::cascade {
namespace {

using Strings = std::vector<std::string>;

const Step& StepById(const Plan& p, const std::string& id) {
  for (const auto& s : p.steps) {
    if (s.id == id) return s;
  }
  throw std::runtime_error("no step " + id);
}

// The design document's table for the proposed (Path A) architecture, row by row.
TEST(Cascade, ReproducesTheDesignDocumentTable) {
  const auto g = registry::ModelGraph::PathA();
  Plan detector = PlanCascade(g, {"detector"});
  EXPECT_EQ(detector.regenerate, (Strings{"frame", "track"}));
  EXPECT_EQ(detector.retrain, (Strings{"crop_encoder", "tracker", "jn_classifier", "identity_resolver"}));
  Plan crop = PlanCascade(g, {"crop_encoder"});
  EXPECT_EQ(crop.regenerate, (Strings{"frame", "track"}));
  EXPECT_EQ(crop.retrain, (Strings{"tracker", "jn_classifier", "identity_resolver"}));
  Plan tracker = PlanCascade(g, {"tracker"});
  EXPECT_EQ(tracker.regenerate, (Strings{"track"}));
  EXPECT_EQ(tracker.retrain, (Strings{"jn_classifier", "identity_resolver"}));
  Plan jn = PlanCascade(g, {"jn_classifier"});
  EXPECT_TRUE(jn.regenerate.empty());
  EXPECT_TRUE(jn.retrain.empty());
  EXPECT_EQ(jn.steps.size(), 1u);  // just the evaluation
}

TEST(Cascade, StepOrderAndParallelism) {
  Plan p = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  EXPECT_EQ(StepById(p, "precompute:frame").after, Strings{});
  EXPECT_EQ(StepById(p, "train:tracker").after, Strings{"precompute:frame"});
  EXPECT_EQ(StepById(p, "precompute:track").after, Strings{"train:tracker"});
  EXPECT_EQ(StepById(p, "train:jn_classifier").after, Strings{"precompute:track"});  // frame implied
  EXPECT_EQ(StepById(p, "evaluate:tracking").after, Strings{"precompute:track"});
  // The JN classifier trains beside the tracking evaluation: same wave.
  auto waves = p.Waves();
  int jn_wave = -1, eval_wave = -1;
  for (size_t w = 0; w < waves.size(); ++w) {
    for (const auto& id : waves[w]) {
      if (id == "train:jn_classifier") jn_wave = static_cast<int>(w);
      if (id == "evaluate:tracking") eval_wave = static_cast<int>(w);
    }
  }
  EXPECT_EQ(jn_wave, eval_wave);
  EXPECT_EQ(waves.back(), Strings{"evaluate:pipeline"});
  // Every dependency comes earlier in the list.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < p.steps.size(); ++i) index[p.steps[i].id] = i;
  for (const auto& s : p.steps) {
    for (const auto& d : s.after) EXPECT_LT(index.at(d), index.at(s.id)) << s.id << " after " << d;
  }
}

TEST(Cascade, DetectorChangeTrainsCropEncoderBeforeFramePrecompute) {
  Plan p = PlanCascade(registry::ModelGraph::PathA(), {"detector"});
  EXPECT_EQ(p.steps.front().id, "train:crop_encoder");
  EXPECT_EQ(StepById(p, "precompute:frame").after, Strings{"train:crop_encoder"});
  nlohmann::json j = ToJson(p);
  EXPECT_EQ(j["changed"], nlohmann::json({"detector"}));
  EXPECT_EQ(j["steps"][0]["kind"], "train");
  std::string script = EmitScript(p, {});
  EXPECT_NE(script.find("run train:crop_encoder"), std::string::npos);
  EXPECT_NE(script.find("\"$IPT\" precompute --models \"$MODELS\" --level frame"), std::string::npos);
}

TEST(Cascade, UnknownModelIsAnError) {
  EXPECT_THROW(PlanCascade(registry::ModelGraph::PathA(), {"reid"}), Error);
  EXPECT_THROW(PlanCascade(registry::ModelGraph::PathA(), {}), Error);
}

}  // namespace
}  // namespace ipt::cascade
