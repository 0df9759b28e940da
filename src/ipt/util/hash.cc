#include "ipt/util/hash.h"

#include <openssl/evp.h>

#include <fstream>
#include <vector>

#include "ipt/util/check.h"
#include "ipt/util/paths.h"

#include <limits>

namespace ipt {

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  IPT_ASSERT(context_ != nullptr);
  IPT_ASSERT(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

Sha256& Sha256::Update(std::string_view bytes) {
  IPT_ASSERT(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), bytes.data(), bytes.size()) == 1);
  return *this;
}

Sha256& Sha256::Field(std::string_view bytes) {
  uint64_t n = bytes.size();
  char prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  Update(std::string_view(prefix, 8));
  return Update(bytes);
}

std::string Sha256::Hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  IPT_ASSERT(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &size) == 1);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) { return Sha256().Update(bytes).Hex(); }

std::string Sha256OfFile(const std::filesystem::path& path) {
  CheckRegularFile(path, std::numeric_limits<int64_t>::max());  // a FIFO or device would never end
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) throw InputError(path.string(), 0, "", "cannot open file");
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  // A failed read is not a different file: no hash (a store would take it for corruption).
  if (in.bad()) throw InputError(path.string(), 0, "", "read error while hashing the file");
  return hash.Hex();
}

}  // namespace ipt
