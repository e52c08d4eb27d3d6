#include "engine/audit/ed25519_key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <limits>

#include "engine/crypto.h"

namespace aftersales {
namespace {

struct FreeBio {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct FreeMdCtx {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct FreePkey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, FreeBio>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeMdCtx>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, FreePkey>;

// Never prompts: an encrypted PEM key fails to load instead of asking a
// terminal for a passphrase.
int NoPassphrase(char*, int, int, void*) { return -1; }

BioPtr ReadBio(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Everything written into a memory BIO, as a string.
std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// The raw public key of an Ed25519 key; empty when it has none.
std::string RawPublicKey(EVP_PKEY* key) {
  std::string raw(kEd25519PublicKeyBytes, '\0');
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kEd25519PublicKeyBytes) {
    return std::string();
  }
  return raw;
}

PkeyPtr PkeyOfRaw(const std::string& raw) {
  return PkeyPtr(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                             reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

}  // namespace

// ---- Ed25519PublicKey ---------------------------------------------------

Result<Ed25519PublicKey> Ed25519PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Status::Invalid("public_key", "the public key is too large");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();  // leave no stale error for the thread's next OpenSSL call
    return Status::Invalid("public_key", "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::Invalid("public_key", "not an Ed25519 public key");
  }
  std::string raw = RawPublicKey(key.get());
  if (raw.empty()) return Status::Invalid("public_key", "the public key cannot be read");
  return Ed25519PublicKey(std::move(raw));
}

Result<Ed25519PublicKey> Ed25519PublicKey::FromRaw(std::string_view raw) {
  if (raw.size() != kEd25519PublicKeyBytes) {
    return Status::Invalid("public_key", "an Ed25519 public key has 32 bytes");
  }
  return Ed25519PublicKey(std::string(raw));
}

std::string Ed25519PublicKey::KeyId() const { return Sha256Hex(raw_); }

Result<std::string> Ed25519PublicKey::ToPem() const {
  PkeyPtr key = PkeyOfRaw(raw_);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!key || !bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return Status::Internal("OpenSSL could not write the public key as PEM");
  }
  return BioText(bio.get());
}

bool Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes) return false;
  PkeyPtr key = PkeyOfRaw(raw_);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  const bool valid =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

// ---- Ed25519PrivateKey --------------------------------------------------

void Ed25519PrivateKey::FreeKey::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Ed25519PrivateKey::Ed25519PrivateKey(std::unique_ptr<EVP_PKEY, FreeKey> key, Ed25519PublicKey public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}
Ed25519PrivateKey::Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
Ed25519PrivateKey& Ed25519PrivateKey::operator=(Ed25519PrivateKey&&) noexcept = default;
Ed25519PrivateKey::~Ed25519PrivateKey() = default;

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  std::unique_ptr<EVP_PKEY, FreeKey> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Status::Internal("OpenSSL could not generate an Ed25519 key");
  std::string raw = RawPublicKey(key.get());
  if (raw.empty()) return Status::Internal("OpenSSL could not read the new key's public half");
  return Ed25519PrivateKey(std::move(key), Ed25519PublicKey(std::move(raw)));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Status::Invalid("private_key", "the private key is too large");
  std::unique_ptr<EVP_PKEY, FreeKey> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    return Status::Invalid("private_key",
                           "not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----, as audit keygen writes)");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::Invalid("private_key", "not an Ed25519 private key");
  }
  std::string raw = RawPublicKey(key.get());
  if (raw.empty()) return Status::Invalid("private_key", "the key's public half cannot be read");
  return Ed25519PrivateKey(std::move(key), Ed25519PublicKey(std::move(raw)));
}

Result<std::string> Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("OpenSSL could not write the private key as PEM");
  }
  return BioText(bio.get());
}

Result<std::string> Ed25519PrivateKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return Status::Internal("OpenSSL could not start an Ed25519 signature");
  }
  std::string signature(kEd25519SignatureBytes, '\0');
  std::size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kEd25519SignatureBytes) {
    return Status::Internal("OpenSSL could not make an Ed25519 signature");
  }
  return signature;
}

}  // namespace aftersales
