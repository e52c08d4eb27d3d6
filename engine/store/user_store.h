// Users and web-UI sessions of the store seam (engine/store/store.h):
// tokens and session ids are stored as their SHA-256 only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

struct UserRow {
  std::string id;
  std::string name;
  Role role = Role::kBuyer;
  std::optional<Money> approval_limit;
  std::optional<std::string> external_id;
  bool disabled = false;
  std::optional<std::string> password_hash;  // "pbkdf2-sha256$iter$salt_hex$hash_hex"
  TimePoint created_at = 0;
};

// A web UI login session; the cookie holds the id, the store its SHA-256.
struct SessionRow {
  std::string id_sha256;
  std::string user_id;
  std::string csrf_token;
  TimePoint created_at = 0;
  TimePoint expires_at = 0;
};

class UserReads {
 public:
  virtual ~UserReads() = default;
  virtual Result<std::optional<UserRow>> GetUser(const std::string& id) = 0;
  virtual Result<std::optional<UserRow>> GetUserByName(const std::string& name) = 0;
  virtual Result<std::optional<UserRow>> GetUserByTokenHash(const std::string& token_sha256) = 0;
  virtual Result<std::vector<UserRow>> ListUsers() = 0;
  virtual Result<std::optional<SessionRow>> GetSession(const std::string& id_sha256) = 0;
};

class UserWrites {
 public:
  virtual ~UserWrites() = default;
  // already_exists when the id or name is taken.
  virtual Status InsertUser(const UserRow& row) = 0;
  virtual Status UpdateUser(const UserRow& row) = 0;
  virtual Status InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) = 0;
  virtual Status InsertSession(const SessionRow& row) = 0;
  virtual Status DeleteSession(const std::string& id_sha256) = 0;
};

}  // namespace aftersales
