// Error handling for IPT (see docs/architecture.md, "Errors").
//
// Two tiers, as in COLMAP and faiss:
//  - IPT_CHECK / IPT_THROW: bad input or configuration. Throws ipt::Error whose
//    message starts with "[file.cc:123]" so a user's report points at the check.
//  - IPT_ASSERT: a broken internal invariant (a bug). Aborts, also in Release.
// InputError names the user's file, line and field: "match.yaml:12: field 'fps': ...".
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace ipt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : Error(message, message) {}
  // `what` may carry a "[file.cc:123] " prefix; `message` is the text without it,
  // for re-wrapping into a user-facing error without leaking internal locations.
  Error(const std::string& what, std::string message) : std::runtime_error(what), message_(std::move(message)) {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// An error in a file the user gave us. line <= 0 means "whole file".
class InputError : public Error {
 public:
  InputError(const std::string& path, int line, const std::string& field, const std::string& what);
  const std::string& path() const { return path_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& detail() const { return detail_; }  // the `what` part, without file and field

 private:
  std::string path_;
  int line_;
  std::string field_;
  std::string detail_;
};

// For options' Check(): v is finite and in [lo, hi]; in [0, 1].
inline bool InRange(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }
inline bool InUnitInterval(double v) { return InRange(v, 0, 1); }

namespace internal {
[[noreturn]] void ThrowError(const char* file, int line, const std::string& message);
[[noreturn]] void AssertFail(const char* file, int line, const char* expr);
}  // namespace internal

}  // namespace ipt

#define IPT_THROW(...) ::ipt::internal::ThrowError(__FILE__, __LINE__, fmt::format(__VA_ARGS__))

#define IPT_CHECK(cond, ...)                                                               \
  do {                                                                                     \
    if (!(cond)) ::ipt::internal::ThrowError(__FILE__, __LINE__, fmt::format(__VA_ARGS__)); \
  } while (0)

#define IPT_ASSERT(cond)                                                   \
  do {                                                                     \
    if (!(cond)) ::ipt::internal::AssertFail(__FILE__, __LINE__, #cond);   \
  } while (0)
