#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <unistd.h>

#include <fstream>

#include "ipt/io/safetensors.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::registry {
namespace {
namespace fs = std::filesystem;

TEST(ModelGraph, PathAOrderDescendantsAndLayers) {
  ModelGraph g = ModelGraph::PathA();
  EXPECT_EQ(g.TopologicalOrder(),
            (std::vector<std::string>{"detector", "crop_encoder", "tracker", "jn_classifier", "identity_resolver"}));
  EXPECT_EQ(g.Descendants({"crop_encoder"}), (std::vector<std::string>{"tracker", "jn_classifier", "identity_resolver"}));
  EXPECT_TRUE(g.Descendants({"jn_classifier"}).empty());
  EXPECT_EQ(g.Producers("frame"), (std::vector<std::string>{"detector", "crop_encoder"}));
  EXPECT_EQ(g.Producers("track"), (std::vector<std::string>{"tracker"}));
  EXPECT_EQ(g.EdgesInto("identity_resolver").size(), 3u);
  EXPECT_THROW(g.Model("reid"), Error);
}

TEST(ModelGraph, PathBModelIsAddedByDeclaringIt) {
  ModelGraph g = ModelGraph::PathA();
  g.AddModel({"temporal_crop_encoder", "crop_encoder",
              {ParseFieldSpec("crops: u8[-1,256,128,3]"), ParseFieldSpec("embedding: f32[-1,64]")},
              {ParseFieldSpec("embedding: f32[-1,64]")}, "frame", {}});
  g.AddEdge({"crop_encoder", "temporal_crop_encoder", {"embedding"}, false});
  EXPECT_NO_THROW(g.Check());
  auto d = g.Descendants({"crop_encoder"});
  EXPECT_NE(std::find(d.begin(), d.end(), "temporal_crop_encoder"), d.end());
  g.AddEdge({"detector", "tracker", {"no_such_field"}, false});
  EXPECT_THROW(g.Check(), Error);
  ModelGraph cyclic = ModelGraph::PathA();
  cyclic.AddEdge({"jn_classifier", "detector", {}, false});
  EXPECT_THROW(cyclic.Check(), Error);
}

TEST(FieldSpec, ParseAndPrint) {
  FieldSpec f = ParseFieldSpec("jn.number_logits: f32[100]");
  EXPECT_EQ(f.name, "jn.number_logits");
  EXPECT_EQ(f.dtype, io::DType::kF32);
  EXPECT_EQ(f.shape, (std::vector<int64_t>{100}));
  EXPECT_EQ(f.ToString(), "jn.number_logits: f32[100]");
  EXPECT_EQ(ParseFieldSpec("ids: i64[-1, 2]").ToString(), "ids: i64[-1,2]");
  EXPECT_THROW(ParseFieldSpec("x: q7[1]"), Error);
  EXPECT_THROW(ParseFieldSpec("just a name"), Error);
}

fs::path Temp(const std::string& name) { return testing::FreshTempDir("registry_" + name); }

std::string Weights(float value) {
  io::SafetensorsFile f;
  io::TensorData t;
  t.name = "w";
  t.shape = {1};
  t.bytes.assign(reinterpret_cast<const char*>(&value), 4);
  f.tensors.push_back(t);
  return io::SerializeSafetensors(f);
}

// A package of `name` with the graph's schema, trained with the given upstream refs.
std::string MakePackage(const ModelGraph& g, ModelStore& store, const fs::path& work, const std::string& name,
                        float seed, std::map<std::string, std::string> trained_with) {
  ModelManifest m;
  m.name = name;
  m.kind = g.Model(name).kind;
  m.architecture = {{"width", 8}, {"seed", seed}};
  m.inputs = g.Model(name).inputs;
  m.outputs = g.Model(name).outputs;
  m.trained_with = std::move(trained_with);
  m.created = "2026-11-24T00:00:00Z";
  fs::path dir = work / (name + std::to_string(static_cast<int>(seed)));
  WritePackage(dir, Weights(seed), &m);
  return store.Add(dir);
}

TEST(ModelPackage, RoundTripAndCorruption) {
  fs::path work = Temp("pkg");
  ModelGraph g = ModelGraph::PathA();
  ModelStore store(work / "store");
  std::string det = MakePackage(g, store, work, "detector", 1, {});
  ModelManifest m = store.Get(det.substr(0, 8));
  EXPECT_EQ(m.name, "detector");
  EXPECT_EQ(m.ref, det);
  EXPECT_EQ(m.outputs, g.Model("detector").outputs);
  EXPECT_EQ(store.List().size(), 1u);
  EXPECT_EQ(store.Add(work / "detector1"), det);  // content-addressed: adding twice is a no-op
  // Another package with different weights has another ref.
  EXPECT_NE(MakePackage(g, store, work, "detector", 2, {}), det);
  // Corrupt weights: the recomputed hash no longer matches.
  {
    std::ofstream f(work / "detector1" / "weights.safetensors", std::ios::binary | std::ios::app);
    f << "x";
  }
  try {
    ReadPackage(work / "detector1");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hash mismatch"), std::string::npos);
  }
  WriteFileAtomic(work / "detector2" / "model.json", "{\"format\": \"ipt-model/1\"");
  EXPECT_THROW(ReadPackage(work / "detector2"), InputError);
  EXPECT_THROW(store.Resolve("ab"), Error);      // too short
  EXPECT_THROW(store.Resolve("ffffffff"), Error);  // unknown
}

struct CollectionFixture {
  fs::path work = Temp("coll");
  ModelGraph graph = ModelGraph::PathA();
  ModelStore store{work / "store"};
  std::map<std::string, std::string> ref;
  CollectionFixture() {
    ref["detector"] = MakePackage(graph, store, work, "detector", 1, {});
    ref["crop_encoder"] = MakePackage(graph, store, work, "crop_encoder", 1, {{"detector", ref["detector"]}});
    ref["tracker"] = MakePackage(graph, store, work, "tracker", 1,
                                 {{"crop_encoder", ref["crop_encoder"]}, {"detector", ref["detector"]}});
    ref["jn_classifier"] = MakePackage(graph, store, work, "jn_classifier", 1,
                                       {{"crop_encoder", ref["crop_encoder"]}, {"tracker", ref["tracker"]}});
    ref["identity_resolver"] = MakePackage(graph, store, work, "identity_resolver", 1,
                                           {{"tracker", ref["tracker"]}, {"detector", ref["detector"]}});
    ModelCollection c;
    c.refs = ref;
    WriteCollection(c, work / "models.yaml");
  }
};

TEST(Collection, ValidCollectionHasNoViolations) {
  CollectionFixture f;
  ModelCollection c = ReadCollection(f.work / "models.yaml");
  auto v = ValidateCollection(c, f.graph, f.store);
  for (const auto& x : v) ADD_FAILURE() << "violation: " << x.model << " / " << x.upstream << ": " << x.message;
}

TEST(Collection, ViolationsNameTheEdge) {
  CollectionFixture f;
  ModelCollection c = ReadCollection(f.work / "models.yaml");
  // A new crop encoder, trained with the same detector: tracker and jn_classifier break.
  std::string ce2 = MakePackage(f.graph, f.store, f.work, "crop_encoder", 2, {{"detector", f.ref["detector"]}});
  c.refs["crop_encoder"] = ce2;
  auto v = ValidateCollection(c, f.graph, f.store);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].message, "tracker@" + ShortRef(f.ref["tracker"]) + " was trained with crop_encoder@" +
                              ShortRef(f.ref["crop_encoder"]) + ", collection has crop_encoder@" + ShortRef(ce2));
  EXPECT_EQ(v[1].model, "jn_classifier");
  // A missing model and a wrong package are reported too.
  c.refs.erase("identity_resolver");
  c.refs["tracker"] = f.ref["detector"];
  v = ValidateCollection(c, f.graph, f.store);
  bool missing = false, wrong = false;
  for (const auto& x : v) {
    missing |= x.message == "the collection has no identity_resolver";
    wrong |= x.message.find("is a package of 'detector'") != std::string::npos;
  }
  EXPECT_TRUE(missing);
  EXPECT_TRUE(wrong);
}

TEST(Collection, SchemaMismatchOnAnEdge) {
  CollectionFixture f;
  ModelManifest m;
  m.name = "crop_encoder";
  m.kind = "crop_encoder";
  m.inputs = f.graph.Model("crop_encoder").inputs;
  m.outputs = {ParseFieldSpec("embedding: f32[-1,128]"), ParseFieldSpec("jn.features: f32[-1,133]")};
  m.trained_with = {{"detector", f.ref["detector"]}};
  WritePackage(f.work / "ce128", Weights(9), &m);
  ModelCollection c = ReadCollection(f.work / "models.yaml");
  c.refs["crop_encoder"] = f.store.Add(f.work / "ce128");
  bool schema = false;
  for (const auto& x : ValidateCollection(c, f.graph, f.store)) {
    schema |= x.message == "edge crop_encoder -> tracker: crop_encoder outputs 'embedding: f32[-1,128]', tracker expects 'embedding: f32[-1,64]'";
  }
  EXPECT_TRUE(schema);
}

TEST(Collection, PromotionRefusesWithWhatMustBeRetrained) {
  CollectionFixture f;
  const std::string before = ReadFile(f.work / "models.yaml");
  std::string ce2 = MakePackage(f.graph, f.store, f.work, "crop_encoder", 2, {{"detector", f.ref["detector"]}});
  PromotionResult r = Promote(f.work / "models.yaml", {{"crop_encoder", ce2.substr(0, 10)}}, f.graph, f.store);
  EXPECT_FALSE(r.promoted);
  EXPECT_EQ(r.must_retrain, (std::vector<std::string>{"tracker", "jn_classifier", "identity_resolver"}));
  EXPECT_EQ(ReadFile(f.work / "models.yaml"), before);  // untouched
  // A jersey classifier trained with the current tracker and crop encoder promotes.
  std::string jn2 = MakePackage(f.graph, f.store, f.work, "jn_classifier", 2,
                                {{"crop_encoder", f.ref["crop_encoder"]}, {"tracker", f.ref["tracker"]}});
  r = Promote(f.work / "models.yaml", {{"jn_classifier", jn2}}, f.graph, f.store);
  EXPECT_TRUE(r.promoted);
  EXPECT_EQ(ReadCollection(f.work / "models.yaml").refs["jn_classifier"], jn2);
}

TEST(Collection, BadYaml) {
  fs::path work = Temp("bad");
  WriteFileAtomic(work / "m.yaml", "format: ipt-models/1\nmodels: [a, b]\n");
  EXPECT_THROW(ReadCollection(work / "m.yaml"), InputError);
  WriteFileAtomic(work / "m.yaml", "format: other\nmodels: {}\n");
  EXPECT_THROW(ReadCollection(work / "m.yaml"), InputError);
}

}  // namespace
}  // namespace ipt::registry
