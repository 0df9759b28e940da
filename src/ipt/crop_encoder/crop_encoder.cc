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

EncoderInput PrepareCrop(const cv::Mat& crop_bgr) {
  IPT_CHECK(crop_bgr.type() == CV_8UC3, "crops must be 8-bit BGR");
  IPT_CHECK(crop_bgr.cols == kCropWidth && crop_bgr.rows == kCropHeight, "crops must be {}x{} (got {}x{})", kCropWidth,
            kCropHeight, crop_bgr.cols, crop_bgr.rows);
  static_assert(2 * kNetworkInputWidth == kCropWidth && 2 * kNetworkInputHeight == kCropHeight);
  static_assert(kJerseyInputTop + kJerseyInputHeight <= kCropHeight && kJerseyInputWidth == kCropWidth);
  EncoderInput in;
  cv::resize(crop_bgr, in.body, cv::Size(kNetworkInputWidth, kNetworkInputHeight), 0, 0, cv::INTER_AREA);
  in.jersey = crop_bgr(cv::Rect(0, kJerseyInputTop, kJerseyInputWidth, kJerseyInputHeight)).clone();
  return in;
}

namespace {
constexpr int kDigitGroup = 10;  // jn.digits: [0,10) one digit, [10,20) tens, [20,30) units
}  // namespace

std::array<float, kNumNumbers> JerseyNumberProbabilities(const float* number_logits, const float* digit_logits) {
  static_assert(kNumNumbers == kDigitGroup * kDigitGroup && kNumDigitLogits == 3 * kDigitGroup);
  double number[kNumNumbers], one[kDigitGroup], tens[kDigitGroup] = {}, units[kDigitGroup];
  Softmax(number_logits, kNumNumbers, number);
  Softmax(digit_logits, kDigitGroup, one);
  Softmax(digit_logits + kDigitGroup + 1, kDigitGroup - 1, tens + 1);  // a tens digit is never 0
  Softmax(digit_logits + 2 * kDigitGroup, kDigitGroup, units);
  double one_digit = 0;
  for (int n = 0; n < kDigitGroup; ++n) one_digit += number[n];
  one_digit = std::min(1.0, one_digit);
  std::array<float, kNumNumbers> p{};
  for (int n = 0; n < kNumNumbers; ++n) {
    p[n] = static_cast<float>(n < kDigitGroup ? one_digit * one[n]
                                              : (1 - one_digit) * tens[n / kDigitGroup] * units[n % kDigitGroup]);
  }
  return p;
}

struct CropEncoder::Net {
  CropEncoderNet net{nullptr};
  torch::Device device{torch::kCPU};
};

CropEncoder::CropEncoder(const std::filesystem::path& package_dir, const CropEncoderRunOptions& options)
    : net_(std::make_unique<Net>()), options_(options) {
  options_.Check();
  manifest_ = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / registry::kManifestFileName).string();
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
  nn::LoadModule(*net_->net, package_dir / registry::kWeightsFileName);
  net_->device = nn::ParseDevice(options_.device);
  net_->net->to(net_->device);
  net_->net->eval();
}

CropEncoder::~CropEncoder() = default;
CropEncoder::CropEncoder(CropEncoder&&) noexcept = default;

CropFeatures CropEncoder::Encode(const std::vector<cv::Mat>& crops_bgr) {
  std::vector<EncoderInput> inputs;
  inputs.reserve(crops_bgr.size());
  for (const auto& crop : crops_bgr) inputs.push_back(PrepareCrop(crop));
  return EncodeInputs(inputs);
}

bool CropEncoder::has_jersey_branch() const { return net_->net->has_jersey_branch(); }

CropFeatures CropEncoder::EncodeInputs(const std::vector<EncoderInput>& inputs) {
  CropFeatures out;
  out.count = static_cast<int64_t>(inputs.size());
  for (const auto& [name, width] : CropFieldWidths()) out.fields[name].reserve(inputs.size() * width);
  torch::NoGradGuard no_grad;
  const bool jersey = has_jersey_branch();
  for (size_t begin = 0; begin < inputs.size(); begin += options_.batch_size) {
    const size_t n = std::min(inputs.size() - begin, static_cast<size_t>(options_.batch_size));
    std::vector<const cv::Mat*> body, jersey_images;
    for (size_t i = begin; i < begin + n; ++i) {
      body.push_back(&inputs[i].body);
      jersey_images.push_back(&inputs[i].jersey);
    }
    torch::Tensor body_batch = nn::ImagesToTensor(StackImages(body, kNetworkInputHeight, kNetworkInputWidth));
    torch::Tensor jersey_batch;
    if (jersey) jersey_batch = nn::ImagesToTensor(StackImages(jersey_images, kJerseyInputHeight, kJerseyInputWidth));
    auto result = net_->net->forward(body_batch.to(net_->device),
                                     jersey ? jersey_batch.to(net_->device) : torch::Tensor());
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
