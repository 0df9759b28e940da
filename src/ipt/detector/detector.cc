#include "ipt/detector/detector.h"

#include "ipt/detector/detector_net.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"

namespace ipt::detector {

void DetectorRunOptions::Check() const {
  heatmap.Check();
  IPT_CHECK(heatmap.stride == kDetectorStride, "the detector's heatmap stride is {} (got {})", kDetectorStride,
            heatmap.stride);
  IPT_CHECK(device == "cpu" || device == "cuda", "device must be cpu or cuda");
}

struct Detector::Net {
  DetectorNet net{nullptr};
  torch::Device device{torch::kCPU};
};

Detector::Detector(const std::filesystem::path& package_dir, const DetectorRunOptions& options)
    : net_(std::make_unique<Net>()), options_(options) {
  options_.Check();
  manifest_ = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / registry::kManifestFileName).string();
  if (manifest_.kind != "detector") throw InputError(source, 0, "kind", "'" + manifest_.kind + "' is not a detector");
  net_->net = DetectorNet(DetectorNetConfig::FromJson(manifest_.architecture, source));
  nn::LoadModule(*net_->net, package_dir / registry::kWeightsFileName);
  net_->device = nn::ParseDevice(options_.device);
  net_->net->to(net_->device);
  net_->net->eval();
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;

std::vector<std::vector<HeatmapPeak>> Detector::DetectPeaks(const std::vector<cv::Mat>& panoramas_bgr) {
  std::vector<std::vector<HeatmapPeak>> out;
  if (panoramas_bgr.empty()) return out;
  const int h = panoramas_bgr[0].rows, w = panoramas_bgr[0].cols;
  IPT_CHECK(h % 32 == 0 && w % 32 == 0, "panorama {}x{}: the detector needs sides that are multiples of 32", w, h);
  torch::Tensor batch = torch::empty({static_cast<int64_t>(panoramas_bgr.size()), h, w, 3}, torch::kUInt8);
  for (size_t i = 0; i < panoramas_bgr.size(); ++i) {
    const cv::Mat& m = panoramas_bgr[i];
    IPT_CHECK(m.rows == h && m.cols == w && m.type() == CV_8UC3, "panoramas of one batch must be {}x{} BGR", w, h);
    cv::Mat dst(h, w, CV_8UC3, batch[i].data_ptr<uint8_t>());
    m.copyTo(dst);
  }
  torch::NoGradGuard no_grad;
  auto result = net_->net->forward(nn::ImagesToTensor(batch).to(net_->device));
  torch::Tensor heat = torch::sigmoid(result.heat_logits).to(torch::kCPU).contiguous();
  torch::Tensor offset = result.offset.to(torch::kCPU).contiguous();
  const int gh = static_cast<int>(heat.size(2)), gw = static_cast<int>(heat.size(3));
  for (int64_t i = 0; i < heat.size(0); ++i) {
    out.push_back(FindPeaks(heat[i][0].data_ptr<float>(), offset[i][0].data_ptr<float>(),
                            offset[i][1].data_ptr<float>(), gh, gw, options_.heatmap));
  }
  return out;
}

std::vector<Detection> Detector::Detect(const cv::Mat& panorama_bgr, const geometry::Panorama& panorama) {
  return LiftToPitch(DetectPeaks({panorama_bgr}).at(0), panorama);
}

}  // namespace ipt::detector
