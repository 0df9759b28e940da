#include "ipt/viz/overlay.h"

#include "ipt/geometry/crop.h"
#include "ipt/geometry/pitch_layout.h"
#include "ipt/util/check.h"

#include <opencv2/imgproc.hpp>

namespace ipt::viz {
namespace {
const cv::Scalar kWhite(255, 255, 255), kDark(30, 30, 30);
constexpr double kFontScale = 0.35;

void Label(cv::Mat* img, const std::string& text, cv::Point at, const cv::Scalar& color) {
  int baseline = 0;
  cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, kFontScale, 1, &baseline);
  cv::Rect box(at.x - size.width / 2 - 1, at.y - size.height - 2, size.width + 2, size.height + 3);
  cv::rectangle(*img, box, kDark, cv::FILLED);
  cv::putText(*img, text, cv::Point(box.x + 1, at.y - 1), cv::FONT_HERSHEY_SIMPLEX, kFontScale, color, 1, cv::LINE_AA);
}

std::string RowLabel(const io::Annotation& a) {
  return a.jersey ? std::to_string(a.person_id) + " #" + std::to_string(*a.jersey) : std::to_string(a.person_id);
}
}  // namespace

cv::Scalar CategoryColor(io::Category c) {
  switch (c) {
    case io::Category::kTeamA: return cv::Scalar(60, 60, 235);
    case io::Category::kTeamB: return cv::Scalar(235, 140, 40);
    case io::Category::kGoalkeeperA: return cv::Scalar(40, 200, 255);
    case io::Category::kGoalkeeperB: return cv::Scalar(230, 230, 60);
    case io::Category::kReferee: return cv::Scalar(210, 60, 210);
  }
  return kWhite;
}

void DrawOnPanorama(const std::vector<io::Annotation>& rows, const geometry::Panorama& panorama,
                    cv::Mat* image, double height_m, const std::vector<std::string>& labels) {
  IPT_CHECK(labels.empty() || labels.size() == rows.size(), "DrawOnPanorama: {} labels for {} rows", labels.size(),
            rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const io::Annotation& a = rows[i];
    auto foot = panorama.PixelFromPitch(Eigen::Vector3d(a.x_m, 0, a.z_m));
    auto head = panorama.PixelFromPitch(Eigen::Vector3d(a.x_m, height_m, a.z_m));
    if (!foot || !head || !panorama.InImage(*foot)) continue;
    double h = foot->y() - head->y(), w = 0.35 * h;
    cv::Scalar color = CategoryColor(a.category);
    cv::rectangle(*image, cv::Point2d(foot->x() - w / 2, head->y()), cv::Point2d(foot->x() + w / 2, foot->y()), color, 1, cv::LINE_AA);
    cv::circle(*image, cv::Point2d(foot->x(), foot->y()), 2, color, cv::FILLED, cv::LINE_AA);
    Label(image, labels.empty() ? RowLabel(a) : labels[i], cv::Point(cvRound(foot->x()), cvRound(head->y()) - 1), color);
  }
}

cv::Mat DrawMinimap(const std::vector<io::Annotation>& rows, const geometry::PitchDims& pitch,
                    const geometry::Rig* rig, const MinimapOptions& o, const std::vector<MinimapTrail>& trails) {
  const double extent_z = pitch.width_m + 2 * o.margin_m;
  const double scale = o.height_px / extent_z;  // px per metre
  const int width = cvRound((pitch.length_m + 2 * o.margin_m) * scale);
  cv::Mat img(o.height_px, width, CV_8UC3, cv::Scalar(50, 110, 50));
  auto px = [&](double x, double z) { return cv::Point2d((x + o.margin_m) * scale, (z + o.margin_m) * scale); };
  const double L = pitch.length_m, W = pitch.width_m;
  const cv::Scalar line(230, 230, 230);
  cv::rectangle(img, px(0, 0), px(L, W), line, 1, cv::LINE_AA);
  cv::line(img, px(L / 2, 0), px(L / 2, W), line, 1, cv::LINE_AA);
  cv::circle(img, px(L / 2, W / 2), cvRound(geometry::pitch::kCentreCircleRadiusM * scale), line, 1, cv::LINE_AA);
  for (double x0 : {0.0, L}) {
    double s = x0 == 0 ? 1 : -1;
    namespace pitch = geometry::pitch;
    cv::rectangle(img, px(x0, W / 2 - pitch::kPenaltyAreaHalfWidthM),
                  px(x0 + s * pitch::kPenaltyAreaDepthM, W / 2 + pitch::kPenaltyAreaHalfWidthM), line, 1, cv::LINE_AA);
    cv::rectangle(img, px(x0, W / 2 - pitch::kGoalAreaHalfWidthM),
                  px(x0 + s * pitch::kGoalAreaDepthM, W / 2 + pitch::kGoalAreaHalfWidthM), line, 1, cv::LINE_AA);
  }
  if (rig) {  // the rig, as a camera glyph below the near touchline
    for (const auto& camera : rig->cameras) {
      Eigen::Vector3d c = camera.center_in_pitch();
      Eigen::Vector3d axis = camera.pitch_from_camera().linear() * Eigen::Vector3d::UnitZ();
      cv::Point2d dir(axis.x(), axis.z());
      dir *= 14.0 / std::max(1e-9, cv::norm(dir));
      cv::arrowedLine(img, px(c.x(), c.z()), px(c.x(), c.z()) + dir, cv::Scalar(20, 20, 20), 2, cv::LINE_AA, 0, 0.3);
    }
  }
  for (const MinimapTrail& t : trails) {
    for (size_t k = 1; k < t.points.size(); ++k) {
      cv::line(img, px(t.points[k - 1].x(), t.points[k - 1].y()), px(t.points[k].x(), t.points[k].y()),
               CategoryColor(t.category), 1, cv::LINE_AA);
    }
  }
  for (const auto& a : rows) {
    cv::Point2d p = px(a.x_m, a.z_m);
    cv::circle(img, p, 5, CategoryColor(a.category), cv::FILLED, cv::LINE_AA);
    cv::circle(img, p, 5, a.in_view ? kDark : kWhite, 1, cv::LINE_AA);
    if (a.jersey) {
      cv::putText(img, std::to_string(*a.jersey), p + cv::Point2d(6, 4), cv::FONT_HERSHEY_SIMPLEX, kFontScale, kWhite, 1, cv::LINE_AA);
    }
  }
  return img;
}

cv::Mat ContactSheet(const std::vector<cv::Mat>& tiles, const std::vector<std::string>& captions, int columns) {
  if (tiles.empty()) return cv::Mat(64, 256, CV_8UC3, cv::Scalar(40, 40, 40));
  const int tw = tiles[0].cols, th = tiles[0].rows, caption_h = 16;
  const int rows = (static_cast<int>(tiles.size()) + columns - 1) / columns;
  cv::Mat sheet(rows * (th + caption_h), columns * tw, CV_8UC3, cv::Scalar(40, 40, 40));
  for (size_t i = 0; i < tiles.size(); ++i) {
    int r = static_cast<int>(i) / columns, c = static_cast<int>(i) % columns;
    cv::Rect cell(c * tw, r * (th + caption_h), tw, th);
    tiles[i].copyTo(sheet(cell));
    if (i < captions.size()) {
      cv::putText(sheet, captions[i], cv::Point(cell.x + 3, cell.y + th + 12), cv::FONT_HERSHEY_SIMPLEX, 0.38, kWhite, 1, cv::LINE_AA);
    }
  }
  return sheet;
}

cv::Mat CropSheetOfFrame(const std::vector<io::Annotation>& rows, const geometry::Rig& rig,
                         const std::vector<cv::Mat>& camera_images, int columns, int* crops) {
  IPT_CHECK(camera_images.size() == rig.cameras.size(), "{} images for {} cameras", camera_images.size(),
            rig.cameras.size());
  std::vector<cv::Mat> tiles;
  std::vector<std::string> captions;
  for (const auto& a : rows) {
    auto view = geometry::MakeCropView(rig.cameras, {a.x_m, a.z_m});
    if (!view) continue;
    const int c = view->camera_index;
    tiles.push_back(geometry::CutCrop(camera_images[c], rig.cameras[c], *view));
    const bool legible = a.jersey && a.legibility == io::Legibility::kLegible;
    captions.push_back(std::to_string(a.person_id) + (a.jersey ? " #" + std::to_string(*a.jersey) : "") +
                       (legible ? "*" : "") + " " + (c == 0 ? "L" : "R"));
  }
  if (crops) *crops = static_cast<int>(tiles.size());
  return ContactSheet(tiles, captions, columns);
}

cv::Mat SideBySide(const std::vector<cv::Mat>& images, int gap) {
  int width = 0, height = 0;
  for (const auto& im : images) {
    width += im.cols + gap;
    height = std::max(height, im.rows);
  }
  cv::Mat out(height, std::max(1, width - gap), CV_8UC3, cv::Scalar(25, 25, 25));
  int x = 0;
  for (const auto& im : images) {
    im.copyTo(out(cv::Rect(x, 0, im.cols, im.rows)));
    x += im.cols + gap;
  }
  return out;
}

}  // namespace ipt::viz
