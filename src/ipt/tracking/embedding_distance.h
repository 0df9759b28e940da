// Distances between appearance embeddings (torch-free): the online tracker's association
// and the joining of track fragments compare unit-norm embeddings alike.
#pragma once

#include <vector>

namespace ipt::tracking {

// Bounds an appearance weight (metres of cost per unit of cosine distance): refuses
// only nonsense.
inline constexpr double kMaxAppearanceWeightM = 1000.0;

// 1 - a.b for unit-norm vectors of one size, in [0, 2] (the dot clamped against rounding).
double CosineDistance(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace ipt::tracking
