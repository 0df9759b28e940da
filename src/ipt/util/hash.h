// Content hashes (SHA-256, OpenSSL) for model refs and cache keys.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ipt {

// Incremental SHA-256; Hex() gives the 64-character lowercase digest.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& Update(std::string_view bytes);
  // Adds a length-prefixed field, so that ("ab", "c") and ("a", "bc") differ.
  Sha256& Field(std::string_view bytes);
  std::string Hex();

 private:
  void* context_;
};

std::string Sha256Hex(std::string_view bytes);
// Hashes a file in chunks; throws InputError naming it when unreadable.
std::string Sha256OfFile(const std::filesystem::path& path);

}  // namespace ipt
