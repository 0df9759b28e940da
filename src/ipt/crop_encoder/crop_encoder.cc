#include "ipt/crop_encoder/crop_encoder.h"

#include <opencv2/imgproc.hpp>

#include "ipt/crop_encoder/crop_encoder_net.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_graph.h"
#include "ipt/util/check.h"

namespace ipt::crop_encoder {

const std::map<std::string, int>& CropFieldWidths() {
  static const std::map<std::string, int> widths = {
      {kEmbeddingField, kEmbeddingDim}, {kKitField, kKitDim},           {kRoleField, kNumRoles},
      {kPresenceField, kNumPresence},   {kDigitsField, kNumDigitLogits}, {kNumberField, kNumNumbers},
      {kFootOffsetField, kFootOffsetDim}};
  return widths;
}

const float* CropFeatures::Row(const std::string& field, int64_t i) const {
  auto it = fields.find(field);
  IPT_CHECK(it != fields.end(), "crop features hold no field '{}'", field);
  IPT_ASSERT(i >= 0 && i < count);
  return it->second.data() + i * Width(field);
}

int CropFeatures::Width(const std::string& field) const {
  auto it = CropFieldWidths().find(field);
  IPT_CHECK(it != CropFieldWidths().end(), "unknown crop field '{}'", field);
  return it->second;
}

void CropEncoderRunOptions::Check() const {
  IPT_CHECK(device == "cpu" || device == "cuda", "device must be cpu or cuda");
  IPT_CHECK(batch_size >= 1 && batch_size <= 4096, "batch_size must be in [1, 4096]");
}

cv::Mat CropToNetworkInput(const cv::Mat& crop_bgr) {
  IPT_CHECK(crop_bgr.type() == CV_8UC3, "crops must be 8-bit BGR");
  if (crop_bgr.cols == kNetworkInputWidth && crop_bgr.rows == kNetworkInputHeight) return crop_bgr;
  IPT_CHECK(crop_bgr.cols == 2 * kNetworkInputWidth && crop_bgr.rows == 2 * kNetworkInputHeight,
            "crops must be {}x{} (got {}x{})", 2 * kNetworkInputWidth, 2 * kNetworkInputHeight, crop_bgr.cols,
            crop_bgr.rows);
  cv::Mat small;
  cv::resize(crop_bgr, small, cv::Size(kNetworkInputWidth, kNetworkInputHeight), 0, 0, cv::INTER_AREA);
  return small;
}

struct CropEncoder::Net {
  CropEncoderNet net{nullptr};
  torch::Device device{torch::kCPU};
};

CropEncoder::CropEncoder(const std::filesystem::path& package_dir, const CropEncoderRunOptions& options)
    : net_(std::make_unique<Net>()), options_(options) {
  options_.Check();
  manifest_ = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / "model.json").string();
  if (manifest_.kind != "crop_encoder") {
    throw InputError(source, 0, "kind", "'" + manifest_.kind + "' is not a crop_encoder");
  }
  // The package's recorded outputs must be the fields this code reads, by name and shape.
  for (const auto& [name, width] : CropFieldWidths()) {
    const registry::FieldSpec* spec = nullptr;
    for (const auto& f : manifest_.outputs) {
      if (f.name == name) spec = &f;
    }
    if (!spec) throw InputError(source, 0, "outputs", "no field '" + name + "'");
    if (spec->shape.size() != 2 || spec->shape[1] != width) {
      throw InputError(source, 0, "outputs", "field '" + spec->ToString() + "' is not [-1, " + std::to_string(width) + "]");
    }
  }
  net_->net = CropEncoderNet(CropEncoderNetConfig::FromJson(manifest_.architecture, source));
  nn::LoadModule(*net_->net, package_dir / "weights.safetensors");
  net_->device = nn::ParseDevice(options_.device);
  net_->net->to(net_->device);
  net_->net->eval();
}

CropEncoder::~CropEncoder() = default;
CropEncoder::CropEncoder(CropEncoder&&) noexcept = default;

CropFeatures CropEncoder::Encode(const std::vector<cv::Mat>& crops_bgr) {
  CropFeatures out;
  out.count = static_cast<int64_t>(crops_bgr.size());
  for (const auto& [name, width] : CropFieldWidths()) out.fields[name].reserve(crops_bgr.size() * width);
  torch::NoGradGuard no_grad;
  for (size_t begin = 0; begin < crops_bgr.size(); begin += options_.batch_size) {
    const size_t n = std::min(crops_bgr.size() - begin, static_cast<size_t>(options_.batch_size));
    torch::Tensor batch = torch::empty({static_cast<int64_t>(n), kNetworkInputHeight, kNetworkInputWidth, 3}, torch::kUInt8);
    for (size_t i = 0; i < n; ++i) {
      cv::Mat dst(kNetworkInputHeight, kNetworkInputWidth, CV_8UC3, batch[i].data_ptr<uint8_t>());
      CropToNetworkInput(crops_bgr[begin + i]).copyTo(dst);
    }
    auto result = net_->net->forward(nn::ImagesToTensor(batch).to(net_->device));
    for (const auto& [name, width] : CropFieldWidths()) {
      torch::Tensor t = result.at(name).to(torch::kCPU).contiguous();
      IPT_ASSERT(t.size(1) == width);
      auto& v = out.fields[name];
      v.insert(v.end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
  }
  return out;
}

}  // namespace ipt::crop_encoder
