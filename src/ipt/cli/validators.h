// Option checks for the ipt commands with short, exact messages. CLI11's own
// PositiveNumber prints its range with 309 digits, and an unsigned option wraps
// "-2" around to 2^64 - 2 or saturates 1e30; these refuse such values instead.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "ipt/util/paths.h"

namespace ipt::cli {

namespace internal {
inline bool ParseFiniteNumber(const std::string& text, double* value) {
  const char* begin = text.data();
  if (!text.empty() && text.front() == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), *value);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(*value);
}
}  // namespace internal

// A finite number > 0.
inline CLI::Validator Positive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (!internal::ParseFiniteNumber(text, &v) || v <= 0) return "must be a finite number > 0, got " + Echo(text);
        return "";
      },
      "> 0");
}

// A finite number >= 0.
inline CLI::Validator NonNegative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (!internal::ParseFiniteNumber(text, &v) || v < 0) return "must be a finite number >= 0, got " + Echo(text);
        return "";
      },
      ">= 0");
}

// A finite number in [lo, hi].
inline CLI::Validator Within(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!internal::ParseFiniteNumber(text, &v) || v < lo || v > hi) {
          return fmt::format("must be a number in [{:g}, {:g}], got {}", lo, hi, Echo(text));
        }
        return "";
      },
      fmt::format("in [{:g}, {:g}]", lo, hi));
}

// A finite number in (0, hi].
inline CLI::Validator PositiveUpTo(double hi) {
  return CLI::Validator(
      [hi](std::string& text) -> std::string {
        double v = 0;
        if (!internal::ParseFiniteNumber(text, &v) || v <= 0 || v > hi) {
          return fmt::format("must be a number in (0, {:g}], got {}", hi, Echo(text));
        }
        return "";
      },
      fmt::format("in (0, {:g}]", hi));
}

// A seed: an unsigned 64-bit integer written in decimal digits, nothing else.
inline CLI::Validator Seed() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t v = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
          return "must be an integer in 0..18446744073709551615, got " + Echo(text);
        }
        return "";
      },
      "0..2^64-1");
}

}  // namespace ipt::cli
