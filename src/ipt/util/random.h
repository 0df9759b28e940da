// A seeded random source whose sequences are the same on every platform
// (std::*_distribution are implementation-defined, so they are not used).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace ipt {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi].
  int UniformInt(int lo, int hi) {
    return lo + static_cast<int>(Uniform() * (hi - lo + 1));
  }
  // Standard normal (Box-Muller).
  double Normal(double mean = 0.0, double sigma = 1.0) {
    double u1 = 1.0 - Uniform(), u2 = Uniform();
    return mean + sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  uint64_t Bits() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace ipt
