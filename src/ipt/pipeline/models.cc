#include "ipt/pipeline/models.h"

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/crop_encoder/crop_encoder_training.h"
#include "ipt/detector/detector.h"
#include "ipt/detector/detector_training.h"
#include "ipt/identity_resolver/identity_resolver.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/model_package.h"
#include "ipt/registry/training.h"
#include "ipt/util/check.h"

namespace ipt::pipeline {

void RegisterModels() {
  auto& trainers = registry::TrainerRegistry::Global();
  detector::RegisterDetectorTrainer(trainers);
  crop_encoder::RegisterCropEncoderTrainer(trainers);
  trainers.Register("tracker", TrainTracker);
  trainers.Register("jn_classifier", TrainJnClassifierFromLayers);
  trainers.Register("identity_resolver", TrainIdentityResolverFromLayers);
  auto& producers = store::ProducerRegistry::Global();
  producers.Register("frame", ProduceFrameLayer);  // detector + crop_encoder
  producers.Register("track", ProduceTrackLayer);  // tracker, from the frame layer
}

void CheckPackageLoads(const std::filesystem::path& package_dir) {
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  constexpr int kThreads = 1;
  if (manifest.name == "detector") {
    detector::Detector loaded(package_dir);
  } else if (manifest.name == "crop_encoder") {
    crop_encoder::CropEncoder loaded(package_dir);
  } else if (manifest.name == "tracker") {
    CheckTrackerPackage(package_dir);
  } else if (manifest.name == "jn_classifier") {
    jn_classifier::JnClassifier loaded(package_dir);
  } else if (manifest.name == "identity_resolver") {
    identity_resolver::IdentityResolver loaded(package_dir, kThreads);
  } else {
    throw InputError((package_dir / registry::kManifestFileName).string(), 0, "name",
                     "no model '" + manifest.name + "' runs in this build");
  }
}

nlohmann::json KnownOptions(const registry::ModelManifest& manifest) {
  if (manifest.name == "identity_resolver") return {{"resolving", identity_resolver::IdentityOptionsToJson({})}};
  if (manifest.name == "jn_classifier") {
    const nlohmann::json network = jn_classifier::JnNetConfig{}.ToJson();
    return {{"network",
             {{"spread_selection", network.at("spread_selection")},
              {"spread_min_legible_probability", network.at("spread_min_legible_probability")}}}};
  }
  return nullptr;
}

}  // namespace ipt::pipeline
