#include "workflows/policy_json.h"

#include <algorithm>
#include <set>

namespace aftersales::policy_json {

using nlohmann::json;

std::string Join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

const json& Member(const json& obj, const std::string& key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

Status Object(const json& obj, const std::string& prefix, const std::vector<std::string>& required,
              const std::vector<std::string>& optional) {
  if (!obj.is_object()) return Status::Invalid(prefix.empty() ? "policy" : prefix, "must be an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::find(required.begin(), required.end(), k) == required.end() &&
        std::find(optional.begin(), optional.end(), k) == optional.end()) {
      return Status::Invalid(Join(prefix, k), "unknown policy key");
    }
  }
  for (const auto& k : required) {
    if (!obj.contains(k)) return Status::Invalid(Join(prefix, k), "missing policy key");
  }
  return Status::Ok();
}

Status Int(const json& v, const std::string& name, std::int64_t min, std::int64_t max, std::int64_t* out) {
  if (!v.is_number_integer()) return Status::Invalid(name, "must be an integer");
  const std::int64_t n = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                             ? max + 1
                             : v.get<std::int64_t>();
  if (n < min || n > max) {
    return Status::Invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = n;
  return Status::Ok();
}

Status Bool(const json& v, const std::string& name, bool* out) {
  if (!v.is_boolean()) return Status::Invalid(name, "must be true or false");
  *out = v.get<bool>();
  return Status::Ok();
}

Status Codes(const json& v, const std::string& name, std::vector<std::string>* out) {
  if (!v.is_array() || v.empty()) return Status::Invalid(name, "must be a non-empty array of codes");
  std::set<std::string> seen;
  out->clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string item = name + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) return Status::Invalid(item, "must be a string");
    const auto code = v[i].get<std::string>();
    if (code.empty() || code.size() > 64 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
      return Status::Invalid(item, "codes are lower-case letters and underscores");
    }
    if (!seen.insert(code).second) return Status::Invalid(item, "duplicate code " + code);
    out->push_back(code);
  }
  return Status::Ok();
}

Status OneOf(const json& v, const std::string& name, const std::vector<std::string>& allowed, std::string* out) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!v.is_string()) return Status::Invalid(name, "must be one of " + list);
  const auto s = v.get<std::string>();
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    return Status::Invalid(name, "must be one of " + list + ", not '" + s + "'");
  }
  *out = s;
  return Status::Ok();
}

}  // namespace aftersales::policy_json
