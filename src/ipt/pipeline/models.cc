#include "ipt/pipeline/models.h"

#include "ipt/crop_encoder/crop_encoder_training.h"
#include "ipt/detector/detector_training.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/training.h"

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

}  // namespace ipt::pipeline
