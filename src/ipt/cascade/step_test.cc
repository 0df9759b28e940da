#include "ipt/cascade/step.h"

#include <gtest/gtest.h>

#include "ipt/util/check.h"

namespace ipt::cascade {
namespace {

using Models = std::set<std::string>;

registry::ModelCollection Input() {
  registry::ModelCollection c;
  c.refs = {{"detector", "det0"}, {"crop_encoder", "crop1"}, {"tracker", "trk0"}, {"jn_classifier", "jn0"},
            {"identity_resolver", "ir0"}};
  return c;
}

// What each step of a crop-encoder cascade reads and sees: the changed encoder from the
// input everywhere; the new tracker from its training on; models 4 and 5 only in the final
// evaluation, retrained; the tracking evaluation without them.
TEST(CascadeStep, EachStepSeesItsModelsWithTheRetrainedRefsBeforeIt) {
  const auto graph = registry::ModelGraph::PathA();
  const Plan plan = PlanCascade(graph, {"crop_encoder"});
  std::vector<std::string> asked;
  auto retrained = [&](const std::string& model) {
    asked.push_back(model);
    return "new_" + model;
  };
  auto refs = [&](const std::string& id) { return StepCollection(plan, graph, id, Input(), retrained).refs; };
  using Refs = std::map<std::string, std::string>;
  EXPECT_EQ(refs("precompute:frame"), (Refs{{"detector", "det0"}, {"crop_encoder", "crop1"}}));
  EXPECT_EQ(refs("train:tracker"), (Refs{{"detector", "det0"}, {"crop_encoder", "crop1"}}));
  EXPECT_TRUE(asked.empty());
  EXPECT_EQ(refs("precompute:track"), (Refs{{"detector", "det0"}, {"crop_encoder", "crop1"}, {"tracker", "new_tracker"}}));
  EXPECT_EQ(refs("train:jn_classifier"), refs("precompute:track"));
  EXPECT_EQ(refs("evaluate:tracking"), refs("precompute:track"));
  EXPECT_EQ(refs("evaluate:pipeline"),
            (Refs{{"detector", "det0"}, {"crop_encoder", "crop1"}, {"tracker", "new_tracker"},
                  {"jn_classifier", "new_jn_classifier"}, {"identity_resolver", "new_identity_resolver"}}));
}

// A JN-classifier change: the only step (the evaluation) reads the input as it is.
TEST(CascadeStep, AJnChangeEvaluatesTheInputCollection) {
  const auto graph = registry::ModelGraph::PathA();
  const Plan plan = PlanCascade(graph, {"jn_classifier"});
  ASSERT_EQ(plan.steps.size(), 1u);
  auto never = [](const std::string& m) -> std::string { IPT_THROW("no ref should be read, asked for {}", m); };
  EXPECT_EQ(StepCollection(plan, graph, "evaluate:pipeline", Input(), never).refs, Input().refs);
}

// Models the input does not name and the step does not retrain before it are left out.
TEST(CascadeStep, ModelsAbsentFromTheInputStayAbsent) {
  const auto graph = registry::ModelGraph::PathA();
  const Plan plan = PlanCascade(graph, {"tracker"});
  registry::ModelCollection input;
  input.refs = {{"detector", "d"}, {"crop_encoder", "c"}, {"tracker", "t"}};
  auto retrained = [](const std::string& m) { return "new_" + m; };
  EXPECT_EQ(StepCollection(plan, graph, "evaluate:tracking", input, retrained).refs, input.refs);
  EXPECT_EQ(StepCollection(plan, graph, "evaluate:pipeline", input, retrained).refs.at("jn_classifier"),
            "new_jn_classifier");
}

TEST(CascadeStep, StepsBeforeAndUnknownSteps) {
  const auto graph = registry::ModelGraph::PathA();
  const Plan plan = PlanCascade(graph, {"crop_encoder"});
  EXPECT_EQ(StepsBefore(plan, "precompute:track"), (Models{"precompute:frame", "train:tracker"}));
  EXPECT_EQ(StepsBefore(plan, "precompute:frame"), Models{});
  EXPECT_EQ(StepsBefore(plan, "evaluate:pipeline").size(), plan.steps.size() - 1);
  try {
    FindStep(plan, "train:detector");
    ADD_FAILURE() << "no error for a step the plan lacks";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train:tracker"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ModelsOfStep(plan, graph, "train:identity_resolver"), (Models{"detector", "crop_encoder", "tracker"}));
}

}  // namespace
}  // namespace ipt::cascade
