// The rules of users, tokens and sessions shared by the two halves of
// UserService (user_service.cc: users and tokens; user_sessions.cc:
// password logins, throttling and sessions). Internal to those files.
#pragma once

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/users/user_service.h"

namespace aftersales::user_rules {

using nlohmann::json;



constexpr std::size_t kUserIdHexBytes = 8;    // "u_" + 16 hex
constexpr std::size_t kTokenHexBytes = 32;    // 64 hex
constexpr std::size_t kSessionHexBytes = 32;  // 64 hex
constexpr std::size_t kCsrfHexBytes = 32;     // 64 hex
constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxPasswordBytes = 1024;  // PBKDF2 cost grows with it
constexpr std::size_t kMaxTokenBytes = 512;
constexpr Money kMaxApprovalLimit = 1'000'000'000'000'000;
// Names never pile up without bound in the throttle table.
constexpr std::size_t kMaxTrackedNames = 10000;
constexpr const char* kAdminName = "admin";

inline bool IsId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// A login name: 1 to 128 bytes, no control characters, no surrounding spaces.
inline Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Status::Invalid("name", "name must be 1 to 128 bytes");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::Invalid("name", "name must not contain control characters");
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return Status::Invalid("name", "name must not start or end with a space");
  }
  return Status::Ok();
}

inline Status CheckPassword(const std::string& password) {
  if (password.size() < UserService::kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return Status::Invalid("password", "password must be 8 to 1024 bytes");
  }
  return Status::Ok();
}

inline bool HasLimit(Role role) { return role == Role::kAgent || role == Role::kSupervisor; }

// An integer member, refusing floats, booleans and out-of-range values.
inline Status ReadMoney(const json& v, const char* field, Money* out) {
  if (!v.is_number_integer()) return Status::Invalid(field, std::string(field) + " must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxApprovalLimit)) {
    return Status::Invalid(field, std::string(field) + " is too large");
  }
  const auto n = v.get<std::int64_t>();
  if (n < 0 || n > kMaxApprovalLimit) return Status::Invalid(field, std::string(field) + " must be >= 0");
  *out = n;
  return Status::Ok();
}

inline Status ReadString(const json& v, const char* field, std::string* out) {
  if (!v.is_string()) return Status::Invalid(field, std::string(field) + " must be a string");
  *out = v.get<std::string>();
  return Status::Ok();
}

inline Status RefuseUnknown(const json& body, std::initializer_list<const char*> known) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      return Status::Invalid(it.key(), "unknown field");
    }
  }
  return Status::Ok();
}

inline Status RequireObject(const json& body) {
  if (!body.is_object()) return Status(Code::kMalformedJson, "the body must be a JSON object");
  return Status::Ok();
}

inline Status RunHook(const TxnHook& hook, WriteTxn& txn, const json& response) {
  if (!hook) return Status::Ok();
  return hook(txn, response);
}

inline Status Unauthenticated() { return Status(Code::kUnauthenticated, "missing, unknown or disabled credentials"); }


}  // namespace aftersales::user_rules
