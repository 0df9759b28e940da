#include "ipt/io/detections.h"

#include <fmt/format.h>

#include "ipt/io/csv.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/limits.h"

namespace ipt::io {

void WriteDetectionsCsv(const std::vector<DetectionRow>& rows, const std::filesystem::path& path) {
  std::string out = "frame,x_m,z_m,score\n";
  out.reserve(rows.size() * 32);
  for (const auto& r : rows) out += fmt::format("{},{:.3f},{:.3f},{:.4f}\n", r.frame, r.x_m, r.z_m, r.score);
  WriteFileAtomic(path, out);
}

std::vector<DetectionRow> ReadDetectionsCsv(const std::filesystem::path& path, int frame_count) {
  CsvReader csv(path);
  csv.Header({"frame", "x_m", "z_m", "score"});
  const int frame = csv.Column("frame"), x = csv.Column("x_m"), z = csv.Column("z_m"), score = csv.Column("score");
  std::vector<DetectionRow> rows;
  while (csv.Next()) {
    DetectionRow r;
    r.frame = static_cast<int>(csv.Int(frame, 1, frame_count > 0 ? frame_count : limits::kMaxFrames));
    r.x_m = csv.Number(x, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    r.z_m = csv.Number(z, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    r.score = csv.Number(score, 0, 1);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace ipt::io
