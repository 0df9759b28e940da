#include "ipt/cascade/plan.h"

#include <gtest/gtest.h>

#include <fstream>

#include <algorithm>
#include <map>

#include "ipt/cascade/executor.h"
#include "ipt/cascade/script_test_util.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

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
}

// The emitted script, run for real by bash against a fake ipt, passes every value
// through verbatim and runs nothing a path smuggles in.
TEST(Cascade, EmittedScriptPassesHostileNamesVerbatim) {
  namespace fs = std::filesystem;
  const fs::path dir = ipt::testing::FreshTempDir("cascade_script");
  const ScriptOptions o = testing::HostileScriptOptions(dir);
  for (const std::set<std::string>& changed : {std::set<std::string>{"detector"}, std::set<std::string>{"tracker"}}) {
    fs::remove_all(dir / "record");
    fs::create_directories(dir / "record");
    const Plan plan = PlanCascade(registry::ModelGraph::PathA(), changed);
    WriteFileAtomic(dir / "cascade.sh", EmitScript(plan, o));
    EXPECT_EQ(testing::RunBash(dir / "cascade.sh", dir), 0) << ReadFile(dir / "script.out");
    std::vector<std::vector<std::string>> expected;
    for (const auto& s : plan.steps) expected.push_back(StepCommand(plan, s, o));
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(testing::RecordedCalls(dir / "record"), expected);
    for (const auto& s : plan.steps) {
      std::string log = s.id;
      std::replace(log.begin(), log.end(), ':', '_');
      EXPECT_TRUE(fs::is_regular_file(dir / o.logs / (log + ".log"))) << s.id;
    }
    EXPECT_EQ(testing::InjectedFiles(dir), std::vector<std::string>{});
  }
}

// Without evaluation matches of their own the steps evaluate on MATCHES, also when the
// environment overrides it.
TEST(Cascade, EmittedScriptEvaluatesOnOverriddenMatches) {
  namespace fs = std::filesystem;
  const fs::path dir = ipt::testing::FreshTempDir("cascade_script_eval");
  ScriptOptions o;
  o.ipt = testing::WriteFakeIpt(dir, "bin", dir / "record").string();
  const Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"jn_classifier"});
  WriteFileAtomic(dir / "cascade.sh", EmitScript(plan, o));
  ASSERT_EQ(testing::RunBash(dir / "cascade.sh", dir, "MATCHES='other matches'"), 0) << ReadFile(dir / "script.out");
  const auto calls = testing::RecordedCalls(dir / "record");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_NE(std::find(calls[0].begin(), calls[0].end(), "--eval-matches=other matches"), calls[0].end());
  EXPECT_NE(std::find(calls[0].begin(), calls[0].end(), "--matches=other matches"), calls[0].end());
}

// A failing step stops the script with a non-zero status.
TEST(Cascade, EmittedScriptStopsAtAFailure) {
  namespace fs = std::filesystem;
  const fs::path dir = ipt::testing::FreshTempDir("cascade_script_fail");
  ScriptOptions o;
  o.ipt = "false";
  WriteFileAtomic(dir / "cascade.sh", EmitScript(PlanCascade(registry::ModelGraph::PathA(), {"tracker"}), o));
  EXPECT_NE(testing::RunBash(dir / "cascade.sh", dir), 0);
  EXPECT_NE(ReadFile(dir / "script.out").find("FAILED precompute:track"), std::string::npos);
}

// A failing step does not leave the other steps of its wave running behind the
// script's exit: the script waits for the whole wave, then stops.
TEST(Cascade, EmittedScriptWaitsForTheWholeWaveOnFailure) {
  namespace fs = std::filesystem;
  const fs::path dir = ipt::testing::FreshTempDir("cascade_script_wave");
  const fs::path ipt = dir / "fake_ipt";
  std::ofstream(ipt) << "#!/bin/sh\n"
                     << "case \"$*\" in\n"
                     << "  *jn_classifier*) exit 1 ;;\n"
                     << "  *identity_resolver*) sleep 1; touch '" << (dir / "slow_step_finished").string() << "' ;;\n"
                     << "esac\n";
  fs::permissions(ipt, fs::perms::owner_all);
  ScriptOptions o;
  o.ipt = ipt.string();
  WriteFileAtomic(dir / "cascade.sh", EmitScript(PlanCascade(registry::ModelGraph::PathA(), {"tracker"}), o));
  EXPECT_NE(testing::RunBash(dir / "cascade.sh", dir), 0);
  EXPECT_TRUE(fs::exists(dir / "slow_step_finished")) << "the script exited while a step of the wave still ran";
  EXPECT_EQ(ReadFile(dir / "script.out").find("start evaluate:pipeline"), std::string::npos);
}

// Every non-empty subset of the five models, checked against a brute-force reading
// of the graph (edge closure), not against the planner's or ModelGraph's own code.
TEST(Cascade, AllSubsetsOfChangedModels) {
  const auto g = registry::ModelGraph::PathA();
  const Strings models = [&] {
    Strings out;
    for (const auto& m : g.models()) out.push_back(m.name);
    return out;
  }();
  ASSERT_EQ(models.size(), 5u);
  // reach[a][b]: b lies downstream of a (a path of one or more edges).
  std::map<std::string, std::map<std::string, bool>> reach;
  for (const auto& e : g.edges()) reach[e.upstream][e.downstream] = true;
  for (const auto& k : models) {
    for (const auto& a : models) {
      for (const auto& b : models) reach[a][b] = reach[a][b] || (reach[a][k] && reach[k][b]);
    }
  }
  for (unsigned mask = 1; mask < (1u << models.size()); ++mask) {
    std::set<std::string> changed;
    for (size_t i = 0; i < models.size(); ++i) {
      if (mask & (1u << i)) changed.insert(models[i]);
    }
    const std::string label = ::testing::PrintToString(changed);
    const Plan p = PlanCascade(g, changed);
    // Retrain: exactly the unchanged models downstream of a changed one.
    std::set<std::string> retrain;
    for (const auto& m : models) {
      for (const auto& c : changed) {
        if (!changed.count(m) && reach[c][m]) retrain.insert(m);
      }
    }
    EXPECT_EQ(std::set<std::string>(p.retrain.begin(), p.retrain.end()), retrain) << label;
    EXPECT_EQ(p.retrain, g.Descendants(changed)) << label;
    EXPECT_EQ(p.retrain.size(), retrain.size()) << label << ": a model listed twice";
    // Regenerate: a layer whose producer changed or is retrained, or whose input layer is regenerated.
    std::set<std::string> regenerate;
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& l : g.layers()) {
        bool r = l.input && regenerate.count(*l.input);
        for (const auto& m : g.models()) r |= m.produces_layer == l.name && (changed.count(m.name) || retrain.count(m.name));
        if (r && regenerate.insert(l.name).second) grew = true;
      }
    }
    EXPECT_EQ(std::set<std::string>(p.regenerate.begin(), p.regenerate.end()), regenerate) << label;
    // Steps: unique, dependencies first, one per retrained model and regenerated layer.
    std::map<std::string, size_t> index;
    std::set<std::string> trained, precomputed;
    for (size_t i = 0; i < p.steps.size(); ++i) {
      const Step& s = p.steps[i];
      EXPECT_TRUE(index.emplace(s.id, i).second) << label << ": step " << s.id << " twice";
      EXPECT_EQ(s.id, s.kind + ":" + s.target) << label;
      for (const auto& d : s.after) {
        ASSERT_TRUE(index.count(d)) << label << ": " << s.id << " after " << d << ", which is not an earlier step";
      }
      if (s.kind == "train") trained.insert(s.target);
      if (s.kind == "precompute") precomputed.insert(s.target);
    }
    EXPECT_EQ(trained, retrain) << label;
    EXPECT_EQ(precomputed, regenerate) << label;
    EXPECT_EQ(p.steps.back().id, "evaluate:pipeline") << label;
    // before[x][y]: step y must finish before x starts (closure of `after`).
    std::map<std::string, std::set<std::string>> before;
    for (const auto& s : p.steps) {
      for (const auto& d : s.after) {
        before[s.id].insert(d);
        before[s.id].insert(before[d].begin(), before[d].end());
      }
    }
    auto requires_step = [&](const std::string& x, const std::string& y) {
      EXPECT_TRUE(before[x].count(y)) << label << ": " << x << " does not wait for " << y;
    };
    for (const auto& m : retrain) {
      for (const auto& e : g.edges()) {
        if (e.downstream == m && retrain.count(e.upstream)) requires_step("train:" + m, "train:" + e.upstream);
      }
      for (const auto& l : g.Model(m).consumes_layers) {
        if (regenerate.count(l)) requires_step("train:" + m, "precompute:" + l);
      }
    }
    for (const auto& l : g.layers()) {
      if (!regenerate.count(l.name)) continue;
      for (const auto& m : g.models()) {
        if (m.produces_layer == l.name && retrain.count(m.name)) requires_step("precompute:" + l.name, "train:" + m.name);
      }
      if (l.input && regenerate.count(*l.input)) requires_step("precompute:" + l.name, "precompute:" + *l.input);
    }
    for (const auto& s : p.steps) {
      if (s.id != "evaluate:pipeline") requires_step("evaluate:pipeline", s.id);
    }
    // Waves: every step exactly once, its dependencies in earlier waves, and as
    // early as possible (a step in wave w > 0 waits for something in wave w - 1).
    std::map<std::string, int> wave_of;
    const auto waves = p.Waves();
    for (size_t w = 0; w < waves.size(); ++w) {
      for (const auto& id : waves[w]) EXPECT_TRUE(wave_of.emplace(id, static_cast<int>(w)).second) << label << id;
    }
    EXPECT_EQ(wave_of.size(), p.steps.size()) << label;
    for (const auto& s : p.steps) {
      bool waits_on_previous = false;
      for (const auto& d : s.after) {
        EXPECT_LT(wave_of.at(d), wave_of.at(s.id)) << label << ": " << s.id << " in the wave of " << d;
        waits_on_previous |= wave_of.at(d) == wave_of.at(s.id) - 1;
      }
      if (wave_of.at(s.id) > 0) {
        EXPECT_TRUE(waits_on_previous) << label << ": " << s.id << " could start earlier";
      }
    }
  }
}

// --emit-script must not replace what the script reads.
TEST(Cascade, ScriptRefusesToOverwriteItsInputs) {
  namespace fs = std::filesystem;
  const fs::path dir = ipt::testing::FreshTempDir("cascade_script_out");
  WriteFileAtomic(dir / "models.yaml", "format: ipt-models/1\n");
  fs::create_directories(dir / "matches" / "m1");
  ScriptOptions o;
  o.models = (dir / "models.yaml").string();
  o.matches = (dir / "matches").string();
  o.outputs = (dir / "outputs").string();
  const Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"tracker"});
  EXPECT_THROW(WriteScript(plan, o, dir / "models.yaml"), Error);
  EXPECT_EQ(ReadFile(dir / "models.yaml"), "format: ipt-models/1\n");
  fs::create_symlink(dir / "models.yaml", dir / "link.sh");  // resolved through symlinks
  EXPECT_THROW(WriteScript(plan, o, dir / "link.sh"), Error);
  EXPECT_THROW(WriteScript(plan, o, dir / "matches"), Error);
  EXPECT_EQ(ReadFile(dir / "models.yaml"), "format: ipt-models/1\n");
  WriteScript(plan, o, dir / "cascade.sh");
  EXPECT_TRUE((fs::status(dir / "cascade.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
}

TEST(Cascade, UnknownModelIsAnError) {
  EXPECT_THROW(PlanCascade(registry::ModelGraph::PathA(), {"reid"}), Error);
  EXPECT_THROW(PlanCascade(registry::ModelGraph::PathA(), {}), Error);
}

}  // namespace
}  // namespace ipt::cascade
