#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "ipt/io/safetensors.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"
#include "ipt/registry/training.h"
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
  EXPECT_TRUE(g.Descendants({"identity_resolver"}).empty());
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
  EXPECT_EQ(store.List().packages.size(), 1u);
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
                                           {{"tracker", ref["tracker"]}, {"detector", ref["detector"]},
                                            {"crop_encoder", ref["crop_encoder"]}});
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
  // A new crop encoder, trained with the same detector: tracker, jn_classifier and
  // identity_resolver break.
  std::string ce2 = MakePackage(f.graph, f.store, f.work, "crop_encoder", 2, {{"detector", f.ref["detector"]}});
  c.refs["crop_encoder"] = ce2;
  auto v = ValidateCollection(c, f.graph, f.store);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].model, "identity_resolver");
  EXPECT_EQ(v[0].message, "tracker@" + ShortRef(f.ref["tracker"]) + " was trained with crop_encoder@" +
                              ShortRef(f.ref["crop_encoder"]) + ", collection has crop_encoder@" + ShortRef(ce2));
  EXPECT_EQ(v[1].model, "jn_classifier");
  // A missing upstream model and a wrong package are reported too.
  c.refs.erase("detector");
  c.refs["tracker"] = f.ref["detector"];
  v = ValidateCollection(c, f.graph, f.store);
  bool missing = false, wrong = false;
  for (const auto& x : v) {
    missing |= x.message == "the collection has no detector, which crop_encoder needs";
    wrong |= x.message.find("is a package of 'detector'") != std::string::npos;
  }
  EXPECT_TRUE(missing);
  EXPECT_TRUE(wrong);
}

// A collection closed upstream validates without the models downstream of it (a
// pipeline built model by model); one that lacks what a named model needs does not.
TEST(Collection, PartialCollectionsMustBeClosedUpstream) {
  CollectionFixture f;
  ModelCollection c;
  c.refs = {{"detector", f.ref["detector"]}, {"crop_encoder", f.ref["crop_encoder"]}, {"tracker", f.ref["tracker"]}};
  EXPECT_TRUE(ValidateCollection(c, f.graph, f.store).empty());
  c.refs.erase("crop_encoder");
  auto v = ValidateCollection(c, f.graph, f.store);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message, "the collection has no crop_encoder, which tracker needs");
  EXPECT_FALSE(ValidateCollection(ModelCollection{}, f.graph, f.store).empty());
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
  // A jersey classifier trained with the current tracker and crop encoder promotes alone:
  // nothing trains on its output.
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


std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return std::string("InputError: ") + e.what();
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no error";
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A package whose ref is right but whose weights are not a valid safetensors file.
fs::path PackageWithWeights(const fs::path& dir, const std::string& weights) {
  ModelManifest m;
  m.name = "detector";
  m.kind = "detector";
  WritePackage(dir, weights, &m);
  return dir;
}

std::string Header(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + json + data;
}

TEST(ModelStore, AddParsesTheWeights) {
  fs::path work = Temp("weights");
  ModelStore store(work / "store");
  const std::pair<std::string, std::string> bad[] = {
      {"junk", "truncated"},
      {Header("{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}", ""),
       "overflow"},
      {Header("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "1234"), "beyond"},
      {Header("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
              "\"v\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [2, 6]}}", "123456"), "overlap"},
  };
  int i = 0;
  for (const auto& [weights, what] : bad) {
    fs::path pkg = PackageWithWeights(work / ("pkg" + std::to_string(i++)), weights);
    const std::string error = ErrorOf([&] { store.Add(pkg); });
    EXPECT_TRUE(Has(error, "InputError: ") && Has(error, "weights.safetensors") && Has(error, what)) << error;
    EXPECT_TRUE(store.List().packages.empty()) << "a package with bad weights entered the store: " << what;
  }
  EXPECT_TRUE(Has(ErrorOf([&] { ReadPackage(work / "pkg1"); }), "overflow"));
}

// A package with nested options, as the identity resolver's.
std::string MakeResolverPackage(ModelStore& store, const fs::path& work) {
  const ModelGraph g = ModelGraph::PathA();
  ModelManifest m;
  m.name = "identity_resolver";
  m.kind = g.Model(m.name).kind;
  m.architecture = {{"type", "identity_resolver"},
                    {"network", {{"hidden", 32}}},
                    {"resolving", {{"max_handover_seconds", 0.5}, {"max_candidates", 32}, {"join_by_name", true}}}};
  m.inputs = g.Model(m.name).inputs;
  m.outputs = g.Model(m.name).outputs;
  m.trained_with = {{"tracker", std::string(64, 'a')}};
  m.training_matches = {"data/train-jn/seed-1040"};
  m.metrics = {{"best_step", 750}};
  m.created = "2026-11-24T00:00:00Z";
  WritePackage(work / "resolver", Weights(3), &m);
  return store.Add(work / "resolver");
}

TEST(DerivePackage, ChangesOnlyTheNamedOptions) {
  const fs::path work = Temp("derive");
  ModelStore store(work / "store");
  const std::string base = MakeResolverPackage(store, work);
  const ModelManifest before = store.Get(base);
  std::vector<fs::path> checked;
  const std::string derived = DerivePackage(store, base.substr(0, 8), {{"resolving.max_handover_seconds", 1.5}},
                                            [&](const fs::path& dir) { checked.push_back(dir); });
  ASSERT_EQ(checked.size(), 1u);  // the check saw the package before the store did
  EXPECT_FALSE(fs::exists(checked[0]));  // and the staging directory is gone
  EXPECT_NE(derived, base);
  const ModelManifest after = store.Get(derived);  // verifies the new ref
  nlohmann::json expected = before.architecture;
  expected["resolving"]["max_handover_seconds"] = 1.5;
  EXPECT_EQ(after.architecture, expected);
  // The ref, recomputed from its parts: the base's weights and the changed architecture.
  EXPECT_EQ(derived, ComputeModelRef("identity_resolver", before.kind, Weights(3), expected));
  EXPECT_EQ(ReadFile(store.PackageDir(derived) / "weights.safetensors"), ReadFile(store.PackageDir(base) / "weights.safetensors"));
  EXPECT_EQ(after.trained_with, before.trained_with);
  EXPECT_EQ(after.training_matches, before.training_matches);
  EXPECT_EQ(after.inputs, before.inputs);
  EXPECT_EQ(after.metrics.at("best_step"), 750);
  EXPECT_EQ(after.metrics.at("derived_from"), base);
  EXPECT_EQ(after.metrics.at("derived_changes"), nlohmann::json({{"resolving.max_handover_seconds", 1.5}}));
  // From a derived package: the changes add up; a number given as an integer stays a float.
  const std::string again = DerivePackage(store, derived, {{"resolving.max_handover_seconds", 2}, {"network.hidden", 16}});
  const ModelManifest twice = store.Get(again);
  EXPECT_TRUE(twice.architecture["resolving"]["max_handover_seconds"].is_number_float());
  EXPECT_EQ(twice.metrics.at("derived_from"), derived);
  EXPECT_EQ(twice.metrics.at("derived_changes"),
            nlohmann::json({{"resolving.max_handover_seconds", 2.0}, {"network.hidden", 16}}));
  EXPECT_EQ(store.List().packages.size(), 3u);
}

TEST(DerivePackage, RefusesWhatItCannotChange) {
  const fs::path work = Temp("derive_bad");
  ModelStore store(work / "store");
  const std::string base = MakeResolverPackage(store, work);
  auto error = [&](const std::map<std::string, nlohmann::json>& changes) {
    return ErrorOf([&] { DerivePackage(store, base, changes); });
  };
  EXPECT_TRUE(Has(error({{"resolving.no_such_option", 1.0}}), "no option 'resolving.no_such_option'"));
  EXPECT_TRUE(Has(error({{"resolving.max_handover_seconds.x", 1.0}}), "no option"));
  EXPECT_TRUE(Has(error({{"resolving", 1.0}}), "not a number, boolean or string"));
  EXPECT_TRUE(Has(error({{"resolving.join_by_name", 1.0}}), "is a boolean, got 1.0"));
  EXPECT_TRUE(Has(error({{"resolving.max_candidates", 2.5}}), "is an integer, got 2.5"));
  EXPECT_TRUE(Has(error({{"resolving.max_handover_seconds", "1.5"}}), "is a number"));
  EXPECT_TRUE(Has(error({{"resolving.max_handover_seconds", 0.5}}), "already have these values"));
  EXPECT_TRUE(Has(error({}), "nothing to change"));
  // A package its model refuses to load is not added.
  const std::string refused = ErrorOf([&] {
    DerivePackage(store, base, {{"resolving.max_handover_seconds", -1.0}},
                  [](const fs::path&) { throw InputError("model.json", 0, "max_handover_seconds", "must be >= 0"); });
  });
  EXPECT_TRUE(Has(refused, "must be >= 0")) << refused;
  EXPECT_EQ(store.List().packages.size(), 1u);
  EXPECT_TRUE(store.List().bad.empty());
  // An option the package predates is added in its section when its model knows it, typed
  // as the model's default; never an unknown one, one outside a section or under a number.
  const auto known = [](const ModelManifest& m) {
    EXPECT_EQ(m.name, "identity_resolver");
    return nlohmann::json{{"resolving", {{"added_flag", false}, {"added_seconds", 0.5}}}, {"top_level", 1.0}};
  };
  const std::string added =
      DerivePackage(store, base, {{"resolving.added_flag", true}, {"resolving.added_seconds", 2}}, nullptr, known);
  EXPECT_EQ(store.Get(added).architecture["resolving"]["added_flag"], true);
  EXPECT_TRUE(store.Get(added).architecture["resolving"]["added_seconds"].is_number_float());  // 2 -> 2.0
  EXPECT_EQ(store.Get(added).metrics["derived_changes"],
            nlohmann::json({{"resolving.added_flag", true}, {"resolving.added_seconds", 2.0}}));
  // At its default value, an added option is still recorded (a change of the package).
  EXPECT_NE(DerivePackage(store, base, {{"resolving.added_flag", false}}, nullptr, known), base);
  EXPECT_TRUE(Has(ErrorOf([&] { DerivePackage(store, base, {{"resolving.unknown", 1.0}}, nullptr, known); }),
                  "no option 'resolving.unknown'"));
  EXPECT_TRUE(Has(ErrorOf([&] { DerivePackage(store, base, {{"top_level", 2.0}}, nullptr, known); }), "no option"));
  EXPECT_TRUE(Has(ErrorOf([&] { DerivePackage(store, base, {{"resolving.added_flag", 1.0}}, nullptr, known); }),
                  "is a boolean, got 1.0"));
  EXPECT_TRUE(Has(ErrorOf([&] { DerivePackage(store, base, {{"resolving.max_handover_seconds.x", 1.0}}, nullptr, known); }),
                  "no option"));
  EXPECT_EQ(store.List().packages.size(), 3u);
}

TEST(ModelStore, ReAddingReplacesACorruptStoredCopy) {
  fs::path work = Temp("readd");
  ModelGraph g = ModelGraph::PathA();
  ModelStore store(work / "store");
  const std::string ref = MakePackage(g, store, work, "detector", 1, {});
  {
    std::ofstream f(store.PackageDir(ref) / "weights.safetensors", std::ios::binary | std::ios::app);
    f << "x";
  }
  EXPECT_TRUE(Has(ErrorOf([&] { store.Get(ref); }), "hash mismatch"));
  EXPECT_EQ(store.Add(work / "detector1"), ref);
  EXPECT_EQ(store.Get(ref).ref, ref);  // the good copy replaced the corrupt one
  // A stored copy with a missing model.json is replaced too.
  fs::remove(store.PackageDir(ref) / "model.json");
  EXPECT_EQ(store.Add(work / "detector1"), ref);
  EXPECT_EQ(store.Get(ref).ref, ref);
}

TEST(ModelStore, StoreEntriesMustStayInsideTheStore) {
  fs::path work = Temp("inside");
  ModelGraph g = ModelGraph::PathA();
  ModelStore store(work / "store");
  const std::string ref = MakePackage(g, store, work, "detector", 1, {});
  // The stored entry is a symlink to a (corrupt) directory outside the store: it
  // is neither read nor replaced nor deleted.
  fs::rename(store.PackageDir(ref), work / "outside");
  {
    std::ofstream f(work / "outside" / "weights.safetensors", std::ios::binary | std::ios::app);
    f << "x";
  }
  fs::create_directory_symlink(work / "outside", store.PackageDir(ref));
  EXPECT_TRUE(Has(ErrorOf([&] { store.Add(work / "detector1"); }), "outside"));
  EXPECT_TRUE(Has(ErrorOf([&] { store.Get(ref); }), "outside"));
  EXPECT_TRUE(fs::is_regular_file(work / "outside" / "model.json"));
  EXPECT_TRUE(fs::is_symlink(store.PackageDir(ref)));
  // A package copied under another ref's directory is not that ref.
  fs::remove(store.PackageDir(ref));
  const std::string other = MakePackage(g, store, work, "detector", 2, {});
  fs::create_directories(store.PackageDir(ref));
  fs::copy(store.PackageDir(other), store.PackageDir(ref));
  EXPECT_TRUE(Has(ErrorOf([&] { store.Get(ref); }), "stored under"));
  // Directories whose names are not refs are never resolved.
  fs::create_directories(store.root() / (other.substr(0, 8) + std::string(56, 'z')));
  std::string upper = other;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  fs::create_directories(store.root() / upper);
  EXPECT_EQ(store.Resolve(other.substr(0, 8)), other);  // not ambiguous
  EXPECT_TRUE(Has(ErrorOf([&] { store.Resolve(upper.substr(0, 8)); }), "not a ref"));
  // Refs in a manifest are 64 lowercase hex characters.
  ModelManifest m = ReadPackage(work / "detector2");
  nlohmann::json j = ToJson(m);
  j["ref"] = "../../../../../../../../../../../../../../../../../../../../etcx";
  ASSERT_EQ(j["ref"].get<std::string>().size(), 64u);
  EXPECT_TRUE(Has(ErrorOf([&] { ManifestFromJson(j, "model.json"); }), "field 'ref'"));
  j = ToJson(m);
  j["trained_with"] = {{"tracker", "abc"}};
  EXPECT_TRUE(Has(ErrorOf([&] { ManifestFromJson(j, "model.json"); }), "field 'trained_with.tracker'"));
}

TEST(ModelStore, ListReportsBadPackagesAndKeepsTheGoodOnes) {
  fs::path work = Temp("list");
  ModelGraph g = ModelGraph::PathA();
  ModelStore store(work / "store");
  const std::string good = MakePackage(g, store, work, "detector", 1, {});
  const std::string corrupt = MakePackage(g, store, work, "tracker", 1, {});
  const std::string unreadable = MakePackage(g, store, work, "crop_encoder", 1, {});
  {
    std::ofstream f(store.PackageDir(corrupt) / "weights.safetensors", std::ios::binary | std::ios::app);
    f << "x";
  }
  WriteFileAtomic(store.PackageDir(unreadable) / "model.json", "{\"format\": ");
  fs::create_directories(store.root() / "not-a-ref");
  fs::create_directories(store.root() / ".staging-tracker-1");  // TrainModel's staging area: not listed
  StoreListing listing;
  ASSERT_EQ(ErrorOf([&] { listing = store.List(); }), "no error");
  ASSERT_EQ(listing.packages.size(), 1u);
  EXPECT_EQ(listing.packages[0].ref, good);
  ASSERT_EQ(listing.bad.size(), 3u);
  std::map<std::string, std::string> reasons;
  for (const auto& b : listing.bad) reasons[b.dir.filename().string()] = b.reason;
  EXPECT_TRUE(Has(reasons[corrupt], "hash mismatch")) << reasons[corrupt];
  EXPECT_TRUE(Has(reasons[unreadable], "model.json")) << reasons[unreadable];
  EXPECT_FALSE(Has(reasons[unreadable], "json.exception")) << reasons[unreadable];
  EXPECT_TRUE(Has(reasons["not-a-ref"], "not a package")) << reasons["not-a-ref"];
}

// Whatever a user can put in model.json gives an InputError naming the file and
// field, never a library exception or its text.
TEST(ModelPackage, ManifestErrorsNameTheField) {
  ModelManifest m;
  m.name = "detector";
  m.kind = "detector";
  m.ref = std::string(64, 'a');
  const nlohmann::json good = ToJson(m);
  const std::pair<std::string, nlohmann::json> cases[] = {
      {"code_version", 3},
      {"created", nlohmann::json::array()},
      {"architecture", "wide"},
      {"metrics", 1.5},
      {"training_data", {{"artifacts", {1, 2}}}},
      {"io_schema", {{"inputs", {1}}}},
      {"io_schema", {{"inputs", {"x: q7[1]"}}}},
      {"trained_with", "tracker"},
      {"format", std::string(5000, 'f')},
  };
  for (const auto& [field, value] : cases) {
    nlohmann::json j = good;
    j[field] = value;
    const std::string error = ErrorOf([&] { ManifestFromJson(j, "pkg/model.json"); });
    EXPECT_TRUE(Has(error, "InputError: pkg/model.json: field '" + field)) << error;
    EXPECT_FALSE(Has(error, "json.exception")) << error;
    EXPECT_FALSE(Has(error, ".cc:")) << error;  // no internal location
    EXPECT_LT(error.size(), 400u) << error;     // echoed values are capped
  }
  fs::path work = Temp("manifest");
  WriteFileAtomic(work / "p" / "model.json", "{\"format\": \"ipt-model/1\"");
  const std::string error = ErrorOf([&] { ReadPackage(work / "p"); });
  EXPECT_TRUE(Has(error, "InputError: ") && Has(error, "model.json")) << error;
  EXPECT_FALSE(Has(error, "json.exception")) << error;
}

TEST(Collection, KeysAndRefsAreChecked) {
  fs::path work = Temp("yaml");
  const std::string ref(64, 'a');
  auto error_of = [&](const std::string& text) {
    WriteFileAtomic(work / "m.yaml", text);
    return ErrorOf([&] { ReadCollection(work / "m.yaml"); });
  };
  EXPECT_EQ(error_of("format: ipt-models/1\nmodels:\n  detector: " + ref + "\n"), "no error");
  EXPECT_EQ(error_of("format: ipt-models/1\nmodels:\n  detector: abcd\n"), "no error");  // a prefix
  std::string e = error_of("format: ipt-models/1\nmodles: {}\nmodels:\n  detector: " + ref + "\n");
  EXPECT_TRUE(Has(e, "m.yaml:2: field 'modles': unknown key")) << e;
  e = error_of("format: ipt-models/1\nmodels:\n  detector: " + ref + "\n  tracker: ../../etc\n");
  EXPECT_TRUE(Has(e, "m.yaml:4: field 'models.tracker'")) << e;
  e = error_of("format: ipt-models/1\nmodels:\n  detector: " + ref + "a\n");
  EXPECT_TRUE(Has(e, "m.yaml:3: field 'models.detector'")) << e;
  e = error_of("format: ipt-models/1\nmodels:\n  detector: ABCDEF12\n");
  EXPECT_TRUE(Has(e, "m.yaml:3: field 'models.detector'")) << e;
  e = error_of("format: ipt-models/1\nmodels:\n  detector: abc\n");
  EXPECT_TRUE(Has(e, "m.yaml:3: field 'models.detector'")) << e;
  e = error_of("format: ipt-models/1\nmodels:\n  ? [a, b]\n  : " + ref + "\n");
  EXPECT_TRUE(Has(e, "InputError: ") && Has(e, "m.yaml:3: field 'models'")) << e;
  e = error_of("format: " + std::string(5000, 'x') + "\nmodels: {}\n");
  EXPECT_TRUE(Has(e, "InputError: ") && e.size() < 400) << e;
  // Duplicate keys (first wins, silently, in yaml-cpp) are errors.
  e = error_of("format: ipt-models/1\nmodels:\n  detector: " + ref + "\n  detector: bbbb\n");
  EXPECT_TRUE(Has(e, "InputError: ") && Has(e, "m.yaml:4")) << e;
}

TEST(Collection, PromoteRefusesToWriteIntoTheStore) {
  CollectionFixture f;
  const std::string inside = (f.store.root() / "models.yaml").string();
  fs::copy_file(f.work / "models.yaml", inside);
  std::string jn2 = MakePackage(f.graph, f.store, f.work, "jn_classifier", 2,
                                {{"crop_encoder", f.ref["crop_encoder"]}, {"tracker", f.ref["tracker"]}});
  const std::string before = ReadFile(inside);
  EXPECT_TRUE(Has(ErrorOf([&] { Promote(inside, {{"jn_classifier", jn2}}, f.graph, f.store); }), "model store"));
  EXPECT_EQ(ReadFile(inside), before);
}

}  // namespace
}  // namespace ipt::registry

namespace ipt::registry {
namespace {

TEST(Collection, RefAssignmentsAndResolution) {
  EXPECT_EQ(ParseRefAssignments({"tracker=abcd1234", "detector=ffff"}),
            (std::map<std::string, std::string>{{"tracker", "abcd1234"}, {"detector", "ffff"}}));
  EXPECT_NE(testing::MessageOf<Error>([] { ParseRefAssignments({"tracker"}); }).find("expected MODEL=REF, got 'tracker'"),
            std::string::npos);
  EXPECT_NE(testing::MessageOf<Error>([] { ParseRefAssignments({"=abcd"}); }).find("expected MODEL=REF"),
            std::string::npos);
  EXPECT_NE(testing::MessageOf<Error>([] { ParseRefAssignments({"tracker="}); }).find("expected MODEL=REF"),
            std::string::npos);
  EXPECT_NE(testing::MessageOf<Error>([] { ParseRefAssignments({"tracker=abcd", "tracker=ef01"}); })
                .find("model 'tracker' is assigned twice"),
            std::string::npos);

  const fs::path work = testing::FreshTempDir("registry_resolve");
  ModelStore store(work / "store");
  const ModelGraph g = ModelGraph::PathA();
  const std::string det = MakePackage(g, store, work, "detector", 1, {});
  const std::string absent(64, 'e');  // a full ref is kept even when the store lacks it (cache gc)
  ModelCollection c;
  c.refs = {{"detector", det.substr(0, 8)}, {"tracker", absent}};
  EXPECT_EQ(ResolveRefs(c, store), (std::map<std::string, std::string>{{"detector", det}, {"tracker", absent}}));
  c.refs["crop_encoder"] = "0123abcd";
  EXPECT_THROW(ResolveRefs(c, store), Error);
}

}  // namespace
}  // namespace ipt::registry
