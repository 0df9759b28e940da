// detections.csv: what `ipt detect` writes, one row per detection.
//
//   frame,x_m,z_m,score
//   1,34.120,20.550,0.93
//
//  frame: 1-based; x_m, z_m: foot-point on the pitch (metres, frame of
//  geometry/camera.h); score: detector confidence in [0, 1].
#pragma once

#include <filesystem>
#include <vector>

namespace ipt::io {

struct DetectionRow {
  int frame = 0;
  double x_m = 0, z_m = 0;
  double score = 0;
};

void WriteDetectionsCsv(const std::vector<DetectionRow>& rows, const std::filesystem::path& path);  // atomic
// Throws InputError (file, line, field); frame_count > 0 also bounds the frames.
std::vector<DetectionRow> ReadDetectionsCsv(const std::filesystem::path& path, int frame_count = 0);

}  // namespace ipt::io
