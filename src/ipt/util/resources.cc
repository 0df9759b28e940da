#include "ipt/util/resources.h"

#include <sys/resource.h>

namespace ipt {
int64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB.
}
}  // namespace ipt
