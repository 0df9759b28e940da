// Running fn(i) for i in [0, count) on a few threads, as the trainers do when they
// decode their matches: the first exception (from fn or progress) is rethrown in the
// caller after every thread has joined.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ipt/util/progress.h"

namespace ipt::nn {

inline void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& fn,
                        const ProgressFn& progress = nullptr) {
  std::atomic<size_t> next{0}, done{0};
  std::mutex error_mu;
  std::exception_ptr error;
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) {
      try {
        fn(i);
        if (progress) progress(static_cast<int64_t>(++done), static_cast<int64_t>(count));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace ipt::nn
