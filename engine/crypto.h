// Cryptographic helpers over OpenSSL: hashes, HMAC, random tokens and
// password hashing. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// OpenSSL's types, kept out of this header.
struct evp_md_st;
struct evp_md_ctx_st;

namespace aftersales {

// OpenSSL's SHA-256, fetched from its provider once per process: named by
// EVP_sha256() instead, OpenSSL 3 looks the algorithm up again on every use
// (an implicit fetch, which costs more than hashing a token). Never freed.
const evp_md_st* Sha256Algorithm();
// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// The 32 raw bytes of SHA-256(`data`).
std::string Sha256Raw(std::string_view data);
// Lowercase hex of raw `bytes`.
std::string HexEncode(std::string_view bytes);
// The raw bytes `hex` spells; nullopt unless it is an even run of lowercase
// hex digits (what HexEncode writes).
std::optional<std::string> HexDecode(std::string_view hex);
// Lowercase hex HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// `bytes` random bytes from the OS CSPRNG, as lowercase hex (2 × bytes chars).
// For secrets: tokens, session ids, salts.
std::string RandomHex(std::size_t bytes);
// The same for identifiers that must be unique and unguessable but are no
// secret (case, text and event ids): the bytes come from the same CSPRNG,
// drawn 4 KiB at a time into a buffer of the calling thread, so that an id
// costs a copy instead of a call into the generator (about 0.9 us each).
// Each byte is handed out once; a forked child starts with an empty buffer.
std::string RandomIdHex(std::size_t bytes);
// Equality that takes the same time wherever the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// SHA-256 of many short texts in a row (the audit chain): one OpenSSL
// context for all of them, where Sha256Hex sets up and tears down one per
// call. Belongs to one thread at a time.
class Sha256Hasher {
 public:
  static constexpr std::size_t kHexSize = 64;
  using Hex = std::array<char, kHexSize>;

  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Writes the lowercase hex SHA-256 of `data` into *hex. False only when
  // OpenSSL fails (allocation); *hex is then unspecified.
  bool HexDigest(std::string_view data, Hex* hex);

 private:
  evp_md_ctx_st* ctx_ = nullptr;
};

constexpr int kPasswordIterations = 600000;
// PBKDF2-HMAC-SHA256 with a fresh 16-byte salt:
// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
std::string HashPassword(std::string_view password, int iterations = kPasswordIterations);
// Whether `password` matches a HashPassword() string (constant time).
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace aftersales
