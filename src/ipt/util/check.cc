#include "ipt/util/check.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace ipt {
namespace {
std::string FormatInputError(const std::string& path, int line, const std::string& field,
                             const std::string& what) {
  std::string where = path;
  if (line > 0) where += fmt::format(":{}", line);
  if (!field.empty()) return fmt::format("{}: field '{}': {}", where, field, what);
  return fmt::format("{}: {}", where, what);
}
}  // namespace

InputError::InputError(const std::string& path, int line, const std::string& field,
                       const std::string& what)
    : Error(FormatInputError(path, line, field, what)), path_(path), line_(line), field_(field), detail_(what) {}

namespace internal {
void ThrowError(const char* file, int line, const std::string& message) {
  throw Error(fmt::format("[{}:{}] {}", std::filesystem::path(file).filename().string(), line, message), message);
}
void AssertFail(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "IPT internal error [%s:%d]: assertion failed: %s\n", file, line, expr);
  std::abort();
}
}  // namespace internal
}  // namespace ipt
