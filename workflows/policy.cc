#include "workflows/policy.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace aftersales {
namespace {

constexpr std::int64_t kMaxHours = 24 * 366;  // a year and a day: anything longer is a typo
constexpr int kMaxWindowDays = 366;

// Reads policy JSON into the struct, naming the dotted key of the first
// problem it meets. Unknown keys are refused too: a misspelt key would
// otherwise silently keep its default.
class PolicyReader {
 public:
  explicit PolicyReader(Policy& p) : p_(p) {}

  Status Read(const nlohmann::json& doc) {
    if (!doc.is_object()) return Status::Invalid("policy", "the policy must be a JSON object");
    AS_RETURN_IF_ERROR(OnlyKeys(doc, "", {"return_window_days", "reasons", "reject_reasons", "approval_limits",
                                          "return_address", "deadlines"}));
    const auto& windows = Member(doc, "return_window_days");
    AS_RETURN_IF_ERROR(Object(windows, "return_window_days", {"no_reason", "default"}));
    AS_RETURN_IF_ERROR(Int(windows, "return_window_days", "no_reason", 1, kMaxWindowDays, &p_.no_reason_window_days));
    AS_RETURN_IF_ERROR(Int(windows, "return_window_days", "default", 1, kMaxWindowDays, &p_.default_window_days));
    AS_RETURN_IF_ERROR(Codes(doc, "reasons", &p_.reasons));
    if (std::find(p_.reasons.begin(), p_.reasons.end(), "no_reason") == p_.reasons.end()) {
      return Status::Invalid("reasons", "reasons must include no_reason (the 7-day no-reason return)");
    }
    AS_RETURN_IF_ERROR(Codes(doc, "reject_reasons", &p_.reject_reasons));
    const auto& limits = Member(doc, "approval_limits");
    AS_RETURN_IF_ERROR(Object(limits, "approval_limits", {"agent", "supervisor"}));
    AS_RETURN_IF_ERROR(Int(limits, "approval_limits", "agent", 0, kMaxMoney, &p_.agent_limit));
    AS_RETURN_IF_ERROR(Int(limits, "approval_limits", "supervisor", 0, kMaxMoney, &p_.supervisor_limit));
    const auto& address = Member(doc, "return_address");
    if (!address.is_object() || address.empty()) {
      return Status::Invalid("return_address", "return_address must be a non-empty object");
    }
    for (const auto& [k, v] : address.items()) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Status::Invalid("return_address." + k, "must be a non-empty string");
      }
    }
    p_.return_address = address;
    const auto& deadlines = Member(doc, "deadlines");
    std::vector<std::string> kinds;
    for (int i = 0; i < kDeadlineKindCount; ++i) kinds.push_back(NameOf(static_cast<DeadlineKind>(i)));
    AS_RETURN_IF_ERROR(Object(deadlines, "deadlines", kinds));
    for (int i = 0; i < kDeadlineKindCount; ++i) {
      const std::string key = "deadlines." + kinds[i];
      const auto& d = deadlines.at(kinds[i]);
      const bool receipt = static_cast<DeadlineKind>(i) == DeadlineKind::kMerchantReceipt;
      std::vector<std::string> fields = {"hours"};
      if (receipt) fields.push_back("after_delivery_hours");
      AS_RETURN_IF_ERROR(Object(d, key, fields));
      AS_RETURN_IF_ERROR(Int(d, key, "hours", 1, kMaxHours, &p_.deadline_hours[i]));
      if (receipt) {
        AS_RETURN_IF_ERROR(Int(d, key, "after_delivery_hours", 1, kMaxHours, &p_.receipt_after_delivery_hours));
      }
    }
    p_.document = doc;
    return Status::Ok();
  }

 private:
  static constexpr Money kMaxMoney = 1'000'000'000'000'000;  // 10^18 minor units

  static const nlohmann::json& Member(const nlohmann::json& obj, const char* key) {
    static const nlohmann::json kNull;
    auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
  }

  static Status OnlyKeys(const nlohmann::json& obj, const std::string& prefix, const std::vector<std::string>& keys) {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        return Status::Invalid(prefix.empty() ? k : prefix + "." + k, "unknown policy key");
      }
    }
    for (const auto& k : keys) {
      if (!obj.contains(k)) return Status::Invalid(prefix.empty() ? k : prefix + "." + k, "missing policy key");
    }
    return Status::Ok();
  }

  static Status Object(const nlohmann::json& v, const std::string& key, const std::vector<std::string>& keys) {
    if (!v.is_object()) return Status::Invalid(key, "must be an object");
    return OnlyKeys(v, key, keys);
  }

  template <class T>
  static Status Int(const nlohmann::json& obj, const std::string& prefix, const char* key, std::int64_t min,
                    std::int64_t max, T* out) {
    const auto& v = obj.at(key);
    const std::string name = prefix + "." + key;
    if (!v.is_number_integer()) return Status::Invalid(name, "must be an integer");
    std::int64_t n = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                         ? max + 1
                         : v.get<std::int64_t>();
    if (n < min || n > max) {
      return Status::Invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    *out = static_cast<T>(n);
    return Status::Ok();
  }

  static Status Codes(const nlohmann::json& doc, const char* key, std::vector<std::string>* out) {
    const auto& v = Member(doc, key);
    if (!v.is_array() || v.empty()) return Status::Invalid(key, "must be a non-empty array of codes");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
      if (!v[i].is_string()) return Status::Invalid(name, "must be a string");
      const auto code = v[i].get<std::string>();
      if (code.empty() || code.size() > 64 ||
          !std::all_of(code.begin(), code.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
        return Status::Invalid(name, "codes are lower-case letters and underscores");
      }
      if (!seen.insert(code).second) return Status::Invalid(name, "duplicate code " + code);
      out->push_back(code);
    }
    return Status::Ok();
  }

  Policy& p_;
};

}  // namespace

bool Policy::IsReason(const std::string& r) const {
  return std::find(reasons.begin(), reasons.end(), r) != reasons.end();
}

bool Policy::IsRejectReason(const std::string& r) const {
  return std::find(reject_reasons.begin(), reject_reasons.end(), r) != reject_reasons.end();
}

Result<Policy> ParsePolicy(const nlohmann::json& doc) {
  Policy p;
  Status s = PolicyReader(p).Read(doc);
  if (!s.ok()) return s;
  return p;
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("policy", "cannot read policy file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Invalid("policy", "policy file " + path + " is not valid JSON");
  auto p = ParsePolicy(doc);
  if (!p.ok()) {
    const auto& errors = p.status().errors();
    const std::string key = errors.empty() ? "policy" : errors.front().field;
    Status s(Code::kValidationFailed, "policy file " + path + ": key '" + key + "': " + p.status().message());
    s.AddError(key, p.status().message());
    return s;
  }
  return p;
}

Policy DefaultPolicy() {
  auto p = ParsePolicy(nlohmann::json::parse(DefaultPolicyJson()));
  return p.value();  // the shipped file is checked by a test
}

}  // namespace aftersales
