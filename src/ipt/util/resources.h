// Process resource measurements for benchmarks and progress reports.
#pragma once

#include <chrono>
#include <cstdint>

namespace ipt {

// Peak resident set size of this process so far, in bytes (getrusage).
int64_t PeakRssBytes();

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
