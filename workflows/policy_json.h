// Helpers that read a policy document (SPEC §5) key by key and name the
// dotted key of the first problem ("deadlines.buyer_ship.hours",
// "calendar.working_hours.mon[1]"). Used by the policy and calendar
// readers; stateless and thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/status.h"

namespace aftersales::policy_json {

// `prefix.key`, or `key` at the top level (empty prefix).
std::string Join(const std::string& prefix, const std::string& key);

// The member `key` of `obj`, or a null value when absent.
const nlohmann::json& Member(const nlohmann::json& obj, const std::string& key);

// Refuses a non-object, a key outside `required` and `optional` ("unknown
// policy key": a misspelt key would otherwise silently keep its default),
// and a missing key of `required`.
Status Object(const nlohmann::json& obj, const std::string& prefix, const std::vector<std::string>& required,
              const std::vector<std::string>& optional = {});

// An integer in [min, max] at `name`.
Status Int(const nlohmann::json& v, const std::string& name, std::int64_t min, std::int64_t max, std::int64_t* out);
template <class T>
Status Int(const nlohmann::json& v, const std::string& name, std::int64_t min, std::int64_t max, T* out) {
  std::int64_t n = 0;
  AS_RETURN_IF_ERROR(Int(v, name, min, max, &n));
  *out = static_cast<T>(n);
  return Status::Ok();
}

// true or false at `name`.
Status Bool(const nlohmann::json& v, const std::string& name, bool* out);

// A non-empty array of distinct codes (lower-case letters and underscores,
// at most 64) at `name`.
Status Codes(const nlohmann::json& v, const std::string& name, std::vector<std::string>* out);

// One of `allowed` at `name`.
Status OneOf(const nlohmann::json& v, const std::string& name, const std::vector<std::string>& allowed,
             std::string* out);

}  // namespace aftersales::policy_json
