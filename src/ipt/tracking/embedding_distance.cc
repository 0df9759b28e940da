#include "ipt/tracking/embedding_distance.h"

#include <algorithm>

#include "ipt/util/check.h"

namespace ipt::tracking {

double CosineDistance(const std::vector<float>& a, const std::vector<float>& b) {
  IPT_ASSERT(a.size() == b.size());
  double dot = 0;
  for (size_t k = 0; k < a.size(); ++k) dot += double{a[k]} * b[k];
  return 1 - std::clamp(dot, -1.0, 1.0);  // both unit norm
}

}  // namespace ipt::tracking
