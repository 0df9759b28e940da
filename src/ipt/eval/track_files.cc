#include "ipt/eval/track_files.h"

#include <fmt/format.h>

#include <limits>

#include "ipt/io/csv.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace {
// Columns read; MOTChallenge files carry more (ignored). In image space the 7th
// column is the ground truth's "consider" flag (TrackEval's MOTChallenge loader).
const std::vector<std::string> kImageColumns = {"frame", "id", "x", "y", "w", "h", "conf"};
const std::vector<std::string> kPitchColumns = {"frame", "id", "x", "z"};
constexpr int kImageRequired = 6;  // frame,id,x,y,w,h
constexpr int kConsiderColumn = 6;
// Fewest bytes of a row ("1,1,1,1\n" is 8; real rows are ~20): reserving for
// size / this many rows never reallocates.
constexpr size_t kMinBytesPerRow = 16;
// |pixel coordinate or size| accepted in image space: far beyond any image.
constexpr double kMaxAbsPixel = 1.0e7;
}  // namespace

Space ParseSpace(const std::string& name) {
  if (name == "image") return Space::kImage;
  if (name == "pitch") return Space::kPitch;
  IPT_THROW("unknown space '{}' (image or pitch)", Echo(name));
}

std::vector<TrackRow> ReadTrackFile(const std::filesystem::path& path, Space space, bool is_gt) {
  const bool image = space == Space::kImage;
  io::CsvReader csv(path);
  csv.Positional(image ? kImageColumns : kPitchColumns);
  const int required = image ? kImageRequired : static_cast<int>(kPitchColumns.size());
  const double max_abs = image ? kMaxAbsPixel : limits::kMaxAbsCoordinateM;
  std::vector<TrackRow> rows;
  rows.reserve(csv.size_bytes() / kMinBytesPerRow);  // a 90-minute match has millions of rows
  while (csv.Next(required)) {
    TrackRow r;
    r.frame = static_cast<int>(csv.Int(0, 1, limits::kMaxFrames));
    r.id = csv.Int(1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    double v[4];
    for (int c = 0; c < 4 && c + 2 < required; ++c) v[c] = csv.Number(c + 2, -max_abs, max_abs);
    if (image) {
      const bool consider = csv.field_count() <= kConsiderColumn || csv.Number(kConsiderColumn, -max_abs, max_abs) != 0;
      if (is_gt && !consider) continue;  // "do not consider" row
      r.geometry = Eigen::Vector4d(v[0], v[1], v[2], v[3]);
    } else {
      r.geometry = Eigen::Vector4d(v[0], v[1], 0, 0);
    }
    r.line = csv.line();
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace ipt::eval
