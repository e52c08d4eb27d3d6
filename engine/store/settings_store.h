// Policy versions, settings and idempotency records of the store seam
// (engine/store/store.h).
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

struct PolicyRow {
  int version = 0;
  std::string doc;  // JSON text
  TimePoint created_at = 0;
};

struct IdempotencyRow {
  std::string scope;  // caller, method and path
  std::string key;
  std::string request_hash;
  int status = 0;
  std::string body;
  TimePoint created_at = 0;
};

class SettingsReads {
 public:
  virtual ~SettingsReads() = default;
  virtual Result<std::optional<PolicyRow>> GetPolicy(int version) = 0;
  virtual Result<std::optional<PolicyRow>> LatestPolicy() = 0;
  // The latest version's number alone (nullopt: none stored).
  virtual Result<std::optional<int>> LatestPolicyVersion() = 0;
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Result<std::optional<IdempotencyRow>> GetIdempotency(const std::string& scope, const std::string& key) = 0;
};

class SettingsWrites {
 public:
  virtual ~SettingsWrites() = default;
  virtual Status InsertPolicy(const PolicyRow& row) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
  virtual Status PutIdempotency(const IdempotencyRow& row) = 0;
};

}  // namespace aftersales
