#include "ipt/util/resources.h"

#include <malloc.h>
#include <sys/resource.h>

namespace ipt {

void KeepLargeAllocationsInHeap() {
  constexpr int kMmapThresholdBytes = 32 << 20;  // glibc's maximum (DEFAULT_MMAP_THRESHOLD_MAX)
  constexpr int kTrimThresholdBytes = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

int64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB.
}
}  // namespace ipt
