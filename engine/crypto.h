// Cryptographic helpers over OpenSSL: hashes, HMAC, random tokens and
// password hashing. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aftersales {

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
std::string RandomHex(std::size_t bytes);
// Equality that takes the same time wherever the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

constexpr int kPasswordIterations = 600000;
// PBKDF2-HMAC-SHA256 with a fresh 16-byte salt:
// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
std::string HashPassword(std::string_view password, int iterations = kPasswordIterations);
// Whether `password` matches a HashPassword() string (constant time).
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace aftersales
