#include "ipt/geometry/crop.h"

#include <limits>
#include <opencv2/imgproc.hpp>

#include "ipt/util/check.h"

namespace ipt::geometry {

void CropOptions::Check() const {
  IPT_CHECK(width_px > 0 && height_px > 0, "crop size must be positive");
  IPT_CHECK(volume_width_m > 0 && volume_height_m > 0, "crop volume must be positive");
  IPT_CHECK(grid_step_px >= 1, "crop grid_step_px must be >= 1");
}

namespace {

// The volume's outline as seen from `center`: bottom/top at the foot-point and
// left/right edges at mid-height, perpendicular to the viewing direction.
std::vector<Eigen::Vector3d> VolumeOutline(const Eigen::Vector3d& center,
                                           const Eigen::Vector2d& foot, const CropOptions& o) {
  Eigen::Vector3d mid = PitchPoint(foot, 0.5 * o.volume_height_m);
  Eigen::Vector3d view = mid - center;
  Eigen::Vector3d side = Eigen::Vector3d(-view.z(), 0, view.x()).normalized() * (0.5 * o.volume_width_m);
  return {PitchPoint(foot, 0), PitchPoint(foot, o.volume_height_m), mid + side, mid - side,
          PitchPoint(foot, 0) + side, PitchPoint(foot, 0) - side,
          PitchPoint(foot, o.volume_height_m) + side, PitchPoint(foot, o.volume_height_m) - side};
}

double BorderMargin(const Camera& camera, const Eigen::Vector2d& p) {
  const auto& in = camera.intrinsics();
  return std::min({p.x() + 0.5, p.y() + 0.5, in.width_px - 0.5 - p.x(), in.height_px - 0.5 - p.y()});
}

}  // namespace

Eigen::Matrix2d CropGroundAxes(const CropView& view) {
  const Eigen::Matrix3d pitch_from_camera = view.virtual_camera.pitch_from_camera().rotation();
  // The virtual camera's +x axis is horizontal (its "up" is pitch +y), so it lies in the ground plane.
  Eigen::Vector2d lateral(pitch_from_camera(0, 0), pitch_from_camera(2, 0));
  lateral.normalize();
  // Depth: perpendicular to lateral, pointing where the optical axis points on the ground.
  Eigen::Vector2d depth(-lateral.y(), lateral.x());
  const Eigen::Vector2d axis(pitch_from_camera(0, 2), pitch_from_camera(2, 2));
  if (depth.dot(axis) < 0) depth = -depth;
  Eigen::Matrix2d axes;
  axes.col(0) = lateral;
  axes.col(1) = depth;
  return axes;
}

std::optional<CropView> MakeCropView(const std::vector<Camera>& cameras,
                                     const Eigen::Vector2d& foot, const CropOptions& o) {
  o.Check();
  CropView best;
  best.margin_px = -std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < cameras.size(); ++c) {
    const Camera& camera = cameras[c];
    auto foot_px = camera.PixelFromPitch(PitchPoint(foot));
    if (!foot_px || !camera.InImage(*foot_px)) continue;
    double margin = std::numeric_limits<double>::infinity();
    for (const auto& point : VolumeOutline(camera.center_in_pitch(), foot, o)) {
      auto px = camera.PixelFromPitch(point);
      margin = std::min(margin, px ? BorderMargin(camera, *px) : -1e9);
    }
    if (margin > best.margin_px) {
      best.margin_px = margin;
      best.camera_index = static_cast<int>(c);
    }
  }
  if (best.camera_index < 0) return std::nullopt;

  const Camera& source = cameras[best.camera_index];
  const Eigen::Vector3d center = source.center_in_pitch();
  const Eigen::Vector3d target = PitchPoint(foot, 0.5 * o.volume_height_m);
  CameraIntrinsics in;
  in.model = LensModel::kPinholeRadTan;
  in.width_px = o.width_px;
  in.height_px = o.height_px;
  in.fx = in.fy = o.height_px * (target - center).norm() / o.volume_height_m;
  in.cx = 0.5 * (o.width_px - 1);
  in.cy = 0.5 * (o.height_px - 1);
  best.virtual_camera = Camera("crop", in, LookAt(center, target));
  return best;
}

void ComputeCropMaps(const Camera& source, const CropView& view, int step, cv::Mat* map_x,
                     cv::Mat* map_y) {
  IPT_ASSERT(step >= 1);
  const Camera& virt = view.virtual_camera;
  const int w = virt.intrinsics().width_px, h = virt.intrinsics().height_px;
  // Rotation from the virtual camera to the source camera (same optical centre).
  const Eigen::Matrix3d source_from_virtual =
      source.camera_from_pitch().linear() * virt.pitch_from_camera().linear();
  const auto& vin = virt.intrinsics();
  auto source_pixel = [&](double u, double v) -> Eigen::Vector2d {
    Eigen::Vector3d ray((u - vin.cx) / vin.fx, (v - vin.cy) / vin.fy, 1.0);
    auto px = source.PixelFromRayInCamera(source_from_virtual * ray);
    return px ? *px : Eigen::Vector2d(-1e5, -1e5);
  };
  map_x->create(h, w, CV_32FC1);
  map_y->create(h, w, CV_32FC1);
  if (step == 1) {
    for (int v = 0; v < h; ++v) {
      for (int u = 0; u < w; ++u) {
        Eigen::Vector2d p = source_pixel(u, v);
        map_x->at<float>(v, u) = static_cast<float>(p.x());
        map_y->at<float>(v, u) = static_cast<float>(p.y());
      }
    }
    return;
  }
  // Exact values on grid nodes (including the last row/column), bilinear between.
  const int gw = (w - 1 + step - 1) / step + 1, gh = (h - 1 + step - 1) / step + 1;
  std::vector<Eigen::Vector2d> grid(static_cast<size_t>(gw) * gh);
  auto node_coord = [step](int g, int size) { return std::min(g * step, size - 1); };
  for (int gy = 0; gy < gh; ++gy) {
    for (int gx = 0; gx < gw; ++gx) {
      grid[gy * gw + gx] = source_pixel(node_coord(gx, w), node_coord(gy, h));
    }
  }
  for (int v = 0; v < h; ++v) {
    int gy = std::min(v / step, gh - 2);
    double y0 = node_coord(gy, h), y1 = node_coord(gy + 1, h);
    double fy = (v - y0) / (y1 - y0);
    float* mx = map_x->ptr<float>(v);
    float* my = map_y->ptr<float>(v);
    for (int u = 0; u < w; ++u) {
      int gx = std::min(u / step, gw - 2);
      double x0 = node_coord(gx, w), x1 = node_coord(gx + 1, w);
      double fx = (u - x0) / (x1 - x0);
      const Eigen::Vector2d& a = grid[gy * gw + gx];
      const Eigen::Vector2d& b = grid[gy * gw + gx + 1];
      const Eigen::Vector2d& c = grid[(gy + 1) * gw + gx];
      const Eigen::Vector2d& d = grid[(gy + 1) * gw + gx + 1];
      Eigen::Vector2d p = (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
      mx[u] = static_cast<float>(p.x());
      my[u] = static_cast<float>(p.y());
    }
  }
}

cv::Mat CutCrop(const cv::Mat& source_bgr, const Camera& source, const CropView& view,
                const CropOptions& options) {
  cv::Mat map_x, map_y, crop;
  ComputeCropMaps(source, view, options.grid_step_px, &map_x, &map_y);
  cv::remap(source_bgr, crop, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  return crop;
}

}  // namespace ipt::geometry
