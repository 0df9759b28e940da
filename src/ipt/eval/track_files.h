// Tracking files for `ipt eval tracks`.
//
//  image space (MOTChallenge): frame,id,x,y,w,h,conf,...   boxes in pixels
//  pitch space:                frame,id,x,z,...            foot-points in metres
//
// Frames are 1-based. A first line that is not numeric is a header and skipped.
// As in TrackEval's MOTChallenge loader, ground-truth rows whose 7th column
// ("consider" flag) is 0 are ignored in image space.
#pragma once

#include <filesystem>
#include <vector>

#include "ipt/eval/sequence.h"

namespace ipt::eval {

enum class Space { kImage, kPitch };
Space ParseSpace(const std::string& name);  // "image" | "pitch"

// Throws InputError naming file, line and column on malformed rows.
std::vector<TrackRow> ReadTrackFile(const std::filesystem::path& path, Space space, bool is_ground_truth);

}  // namespace ipt::eval
