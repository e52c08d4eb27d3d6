#include "engine/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

namespace aftersales {
namespace {

constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kSaltBytes = 16;
constexpr std::string_view kPasswordScheme = "pbkdf2-sha256";
// Stored strings with more iterations than this are refused rather than
// letting a corrupted row make one login spin for minutes.
constexpr long kMaxPasswordIterations = 100000000;

// OpenSSL fails here only when it cannot allocate or has no entropy source;
// continuing would hand out guessable secrets.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fatal: %s\n", what);
  std::abort();
}

// Lowercase hex of `n` bytes into out[0 .. 2n).
void WriteHex(const unsigned char* bytes, std::size_t n, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
}

std::string ToHex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2, '0');
  WriteHex(bytes, n, out.data());
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not what ToHex writes: refuse it
}

// Lowercase hex to bytes; false when `hex` is not an even run of hex digits.
bool FromHex(std::string_view hex, std::vector<unsigned char>* out) {
  if (hex.size() % 2 != 0) return false;
  out->assign(hex.size() / 2, 0);
  for (std::size_t i = 0; i < out->size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

// PBKDF2-HMAC-SHA256 into `out` (out->size() bytes). False only when
// OpenSSL fails, which it does not for valid arguments.
bool Pbkdf2(std::string_view password, const std::vector<unsigned char>& salt, int iterations,
            std::vector<unsigned char>* out) {
  if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), iterations, Sha256Algorithm(), static_cast<int>(out->size()),
                           out->data()) == 1;
}

// Splits "a$b$c$d" into exactly four parts.
bool SplitStored(std::string_view s, std::array<std::string_view, 4>* parts) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t pos = s.find('$', start);
    if (pos == std::string_view::npos) return false;
    (*parts)[i] = s.substr(start, pos - start);
    start = pos + 1;
  }
  (*parts)[3] = s.substr(start);
  return (*parts)[3].find('$') == std::string_view::npos;
}

}  // namespace

const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure; an empty result then makes
  // every comparison against a stored hash fail, which is the safe outcome.
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, Sha256Algorithm(), nullptr) != 1) return std::string();
  return ToHex(md.data(), len);
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

bool Sha256Hasher::HexDigest(std::string_view data, Hex* hex) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx_, md.data(), &len) != 1 ||
      len != kSha256Bytes) {
    return false;
  }
  WriteHex(md.data(), kSha256Bytes, hex->data());
  return true;
}

std::string Sha256Raw(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // As in Sha256Hex: empty only on allocation failure, and then unequal to any digest.
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, Sha256Algorithm(), nullptr) != 1) return std::string();
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string HexEncode(std::string_view bytes) {
  return ToHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> HexDecode(std::string_view hex) {
  std::vector<unsigned char> bytes;
  if (!FromHex(hex, &bytes)) return std::nullopt;
  return std::string(bytes.begin(), bytes.end());
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return std::string();
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(key.data());
  if (HMAC(Sha256Algorithm(), key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), md.data(), &len) == nullptr) {
    return std::string();
  }
  return ToHex(md.data(), len);
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    // A token or salt must never be guessable and there is no safe
    // fallback; the contract has no error channel, so stop here.
    Die("the system random generator failed");
  }
  return ToHex(buf.data(), buf.size());
}

namespace {

// RandomIdHex's bytes: a block of the CSPRNG's output per thread, handed
// out front to back.
struct IdBytes {
  static constexpr std::size_t kBlock = 4096;
  std::array<unsigned char, kBlock> block{};
  std::size_t used = kBlock;  // empty until first drawn
};

IdBytes& ThreadIdBytes() {
  thread_local IdBytes bytes;
  return bytes;
}

// A child of fork() holds a copy of the parent's buffer: it must draw its
// own (only the forking thread exists in the child).
void EmptyIdBytesInChild() { ThreadIdBytes().used = IdBytes::kBlock; }
const bool kForkHandlerInstalled = pthread_atfork(nullptr, nullptr, EmptyIdBytesInChild) == 0;

}  // namespace

std::string RandomIdHex(std::size_t bytes) {
  IdBytes& ids = ThreadIdBytes();
  if (!kForkHandlerInstalled || bytes > IdBytes::kBlock / 4) return RandomHex(bytes);
  if (IdBytes::kBlock - ids.used < bytes) {
    if (RAND_bytes(ids.block.data(), static_cast<int>(ids.block.size())) != 1) {
      Die("the system random generator failed");
    }
    ids.used = 0;
  }
  std::string hex = ToHex(ids.block.data() + ids.used, bytes);
  ids.used += bytes;
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The length is not secret (hashes and tokens have fixed lengths).
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HashPassword(std::string_view password, int iterations) {
  if (iterations < 1) iterations = 1;
  std::vector<unsigned char> salt;
  FromHex(RandomHex(kSaltBytes), &salt);
  std::vector<unsigned char> derived(kSha256Bytes);
  if (!Pbkdf2(password, salt, iterations, &derived)) {
    Die("PBKDF2 failed");
  }
  return std::string(kPasswordScheme) + "$" + std::to_string(iterations) + "$" + ToHex(salt.data(), salt.size()) + "$" +
         ToHex(derived.data(), derived.size());
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  std::array<std::string_view, 4> parts;
  if (!SplitStored(stored, &parts) || parts[0] != kPasswordScheme) return false;
  const std::string_view iter_text = parts[1];
  long iterations = 0;
  const auto [end, ec] = std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(), iterations);
  if (ec != std::errc() || end != iter_text.data() + iter_text.size() || iter_text.empty() || iter_text[0] == '0' ||
      iterations < 1 || iterations > kMaxPasswordIterations) {
    return false;
  }
  std::vector<unsigned char> salt;
  std::vector<unsigned char> expected;
  if (!FromHex(parts[2], &salt) || salt.empty() || !FromHex(parts[3], &expected) || expected.size() != kSha256Bytes) {
    return false;
  }
  std::vector<unsigned char> derived(expected.size());
  if (!Pbkdf2(password, salt, static_cast<int>(iterations), &derived)) return false;
  return CRYPTO_memcmp(derived.data(), expected.data(), expected.size()) == 0;
}

}  // namespace aftersales
