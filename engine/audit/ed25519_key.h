// Ed25519 keys (RFC 8032) over OpenSSL's EVP_PKEY_ED25519: generation, the
// PEM text of key files, signing, verification and the key id that audit
// checkpoints name (lowercase hex SHA-256 of the raw 32-byte public key).
//
// PEM forms: private keys as unencrypted PKCS#8 ("BEGIN PRIVATE KEY"),
// public keys as SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), which
// `openssl pkey` reads and writes too. Signatures are the 64 raw bytes
// RFC 8032 defines (pure Ed25519: EVP_DigestSign with no digest).
//
// Thread-safety: both classes are immutable once made. An Ed25519PublicKey
// holds only bytes; an Ed25519PrivateKey's OpenSSL key is only read, and
// every Sign uses its own context, which OpenSSL allows from several
// threads at once (openssl-threads(7)). Movable, not copyable.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "domain/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace aftersales {

constexpr std::size_t kEd25519PublicKeyBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;

class Ed25519PublicKey {
 public:
  // From PEM text. Errors: validation_failed (not a PEM public key, or not
  // an Ed25519 one).
  static Result<Ed25519PublicKey> FromPem(std::string_view pem);
  // From the 32 raw bytes. Errors: validation_failed (wrong length).
  static Result<Ed25519PublicKey> FromRaw(std::string_view raw);

  // The 32 raw bytes.
  const std::string& raw() const { return raw_; }
  // Lowercase hex SHA-256 of raw().
  std::string KeyId() const;
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----…"), ending in a
  // newline. Errors: internal (OpenSSL failed).
  Result<std::string> ToPem() const;
  // Whether `signature` (64 raw bytes) is this key's Ed25519 signature of
  // `message`. False for any malformed input.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  friend class Ed25519PrivateKey;  // makes its public half from raw bytes it has checked
  explicit Ed25519PublicKey(std::string raw) : raw_(std::move(raw)) {}
  std::string raw_;
};

class Ed25519PrivateKey {
 public:
  // A fresh key from the OS CSPRNG. Errors: internal (OpenSSL failed).
  static Result<Ed25519PrivateKey> Generate();
  // From PEM text. Errors: validation_failed (not a PEM private key, an
  // encrypted one, or not Ed25519).
  static Result<Ed25519PrivateKey> FromPem(std::string_view pem);

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept;
  ~Ed25519PrivateKey();

  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----…"). Keep it
  // secret. Errors: internal (OpenSSL failed).
  Result<std::string> ToPem() const;
  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 64-byte Ed25519 signature of `message`. Errors: internal (OpenSSL failed).
  Result<std::string> Sign(std::string_view message) const;

 private:
  struct FreeKey {
    void operator()(EVP_PKEY* key) const;
  };
  Ed25519PrivateKey(std::unique_ptr<EVP_PKEY, FreeKey> key, Ed25519PublicKey public_key);

  std::unique_ptr<EVP_PKEY, FreeKey> key_;
  Ed25519PublicKey public_key_;
};

}  // namespace aftersales
