// A multi-threaded prefetching loader: worker threads build the batches of the
// next steps while the model trains on the current one. Batch k is a pure
// function of k (make(k) seeds its randomness with k), so the sequence is the
// same for any number of workers and a resumed run continues it exactly.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "ipt/util/check.h"

namespace ipt::nn {

template <typename Batch>
class PrefetchLoader {
 public:
  // Batches first_step, first_step + 1, ... built by `workers` threads, at most
  // `depth` ahead of the consumer. An exception in make() is rethrown by Next().
  PrefetchLoader(std::function<Batch(int64_t step)> make, int64_t first_step, int workers, int depth)
      : make_(std::move(make)), next_to_make_(first_step), next_to_take_(first_step), depth_(depth) {
    IPT_CHECK(workers >= 1 && depth >= 1, "loader needs >= 1 worker and depth >= 1 (got {}, {})", workers, depth);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~PrefetchLoader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  PrefetchLoader(const PrefetchLoader&) = delete;
  PrefetchLoader& operator=(const PrefetchLoader&) = delete;

  // The batch of `step`, which must be the next one: the loader and the training
  // loop agree on the position (a resumed run starts both at the checkpoint's step).
  Batch Next(int64_t step) {
    std::unique_lock<std::mutex> lock(mu_);
    IPT_CHECK(step == next_to_take_, "loader is at step {}, the training loop at {}", next_to_take_, step);
    cv_.wait(lock, [&] { return ready_.count(step) > 0 || errors_.count(step) > 0; });
    if (errors_.count(step)) std::rethrow_exception(errors_.at(step));
    Batch batch = std::move(ready_.at(step));
    ready_.erase(step);
    ++next_to_take_;
    cv_.notify_all();
    return batch;
  }

 private:
  void Work() {
    for (;;) {
      int64_t step;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || next_to_make_ < next_to_take_ + depth_; });
        if (stop_) return;
        step = next_to_make_++;
      }
      try {
        Batch batch = make_(step);
        std::lock_guard<std::mutex> lock(mu_);
        ready_.emplace(step, std::move(batch));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        errors_.emplace(step, std::current_exception());
      }
      cv_.notify_all();
    }
  }

  std::function<Batch(int64_t)> make_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t next_to_make_, next_to_take_;
  const int64_t depth_;
  bool stop_ = false;
  std::map<int64_t, Batch> ready_;
  std::map<int64_t, std::exception_ptr> errors_;
  std::vector<std::thread> threads_;
};

}  // namespace ipt::nn
