// Bounds on everything the tool allocates from a number it was given (a frame
// number in a file, a duration, a thread count, an image size, a file's size).
// Values past these are refused with a clear message before any work starts,
// instead of wrapping, allocating until killed, or crashing.
#pragma once

#include <cstdint>

namespace ipt::limits {

// ceil(seconds * fps) ignores this much excess from floating point (1.2 * 25 is
// 30.000000000000004): a duration in frames.
constexpr double kFrameRoundingTolerance = 1e-9;

// Frames of one match: 12 hours at 25 fps (a 90-minute match is 135,000).
constexpr int kMaxFrames = 1'080'000;
// Seconds of one rendered or evaluated match (kMaxFrames at 25 fps).
constexpr double kMaxMatchSeconds = 12 * 3600.0;
// Frames per second of a match video.
constexpr double kMaxFps = 1000.0;
// Threads any option may ask for.
constexpr int kMaxThreads = 256;
// Width or height of any image IPT allocates (camera frames, the panorama, crops).
constexpr int kMaxImageSidePx = 16384;
// Pixels of one image (8K UHD is 33 Mpx).
constexpr int64_t kMaxImagePixels = int64_t{64} * 1024 * 1024;
// Bytes of one text/JSON/YAML/CSV file read whole (a 90-minute tracks file is ~150 MB).
constexpr int64_t kMaxTextFileBytes = int64_t{4} * 1024 * 1024 * 1024;
// Bytes of one configuration or manifest file (YAML, JSON): far above any real one.
constexpr int64_t kMaxConfigFileBytes = int64_t{64} * 1024 * 1024;
// Bytes of one weights or tensor file.
constexpr int64_t kMaxTensorFileBytes = int64_t{16} * 1024 * 1024 * 1024;
// |coordinate| of a foot-point in metres: far beyond any pitch, far below where
// doubles lose sub-millimetre precision.
constexpr double kMaxAbsCoordinateM = 1.0e4;
// Characters of a user-given value echoed back in an error message.
constexpr int kMaxEchoedChars = 64;

}  // namespace ipt::limits
