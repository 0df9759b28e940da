// Process resource measurements for benchmarks and progress reports.
#pragma once

#include <chrono>
#include <cstdint>

namespace ipt {

// Peak resident set size of this process so far, in bytes (getrusage).
int64_t PeakRssBytes();
// Resident set size now, in bytes (/proc/self/statm; 0 where there is none).
int64_t CurrentRssBytes();
// Starts a new peak: the kernel's high-water mark (VmHWM, which PeakRssBytes reads too) is
// set to the current RSS (/proc/self/clear_refs). False where that is not possible.
bool ResetPeakRss();
// The high-water mark since the last ResetPeakRss (VmHWM), else PeakRssBytes().
int64_t PeakRssSinceResetBytes();

// Keeps freed large blocks in the heap instead of returning them to the kernel
// (glibc mallopt: mmap threshold 32 MiB, trim threshold 1 GiB). Networks
// allocate feature maps of several MiB per layer and call; with glibc's
// defaults each one is a fresh mmap whose page faults cost more than the
// convolution (measured: detector forward 260 -> 49 ms on one thread,
// training step 4.7 s -> 0.16 s; docs/models.md). Call once at start.
void KeepLargeAllocationsInHeap();

// Wall-clock stopwatch in seconds.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ipt
