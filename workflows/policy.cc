#include "workflows/policy.h"

#include <algorithm>
#include <cstdlib>
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
    AS_RETURN_IF_ERROR(OnlyKeys(doc, "",
                                {"return_window_days", "reasons", "reject_reasons", "approval_limits",
                                 "return_address", "deadlines"},
                                {"scorecard", "risk"}));
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
    if (doc.contains("scorecard")) AS_RETURN_IF_ERROR(ReadScorecard(doc.at("scorecard")));
    if (doc.contains("risk")) AS_RETURN_IF_ERROR(ReadRisk(doc.at("risk")));
    p_.document = doc;
    return Status::Ok();
  }

  // Called on the shipped default first, so a document without the optional
  // sections keeps the default's.
  Status ReadScorecard(const nlohmann::json& sc) {
    AS_RETURN_IF_ERROR(Object(sc, "scorecard", {"points", "bands"}));
    const auto& points = sc.at("points");
    AS_RETURN_IF_ERROR(Object(points, "scorecard.points", ScoredEventKinds()));
    p_.scorecard.points.clear();
    for (const auto& kind : ScoredEventKinds()) {
      std::int64_t n = 0;
      AS_RETURN_IF_ERROR(Int(points, "scorecard.points", kind.c_str(), -kMaxPoints, kMaxPoints, &n));
      p_.scorecard.points[kind] = n;
    }
    const auto& bands = sc.at("bands");
    if (!bands.is_array() || bands.empty()) {
      return Status::Invalid("scorecard.bands", "must be a non-empty array of bands");
    }
    p_.scorecard.bands.clear();
    std::set<std::string> names;
    for (std::size_t i = 0; i < bands.size(); ++i) {
      const std::string key = "scorecard.bands[" + std::to_string(i) + "]";
      const bool last = i + 1 == bands.size();
      const auto& b = bands[i];
      if (!b.is_object()) return Status::Invalid(key, "must be an object");
      AS_RETURN_IF_ERROR(OnlyKeys(b, key, {"name"}, {"min_points"}));
      if (!b.at("name").is_string() || b.at("name").get<std::string>().empty()) {
        return Status::Invalid(key + ".name", "must be a non-empty string");
      }
      ScorecardPolicy::Band band;
      band.name = b.at("name").get<std::string>();
      if (!names.insert(band.name).second) return Status::Invalid(key + ".name", "duplicate band " + band.name);
      if (last && b.contains("min_points")) {
        return Status::Invalid(key + ".min_points", "the last band takes every lower total: no min_points");
      }
      if (!last) {
        if (!b.contains("min_points")) return Status::Invalid(key + ".min_points", "missing policy key");
        std::int64_t min = 0;
        AS_RETURN_IF_ERROR(Int(b, key, "min_points", -kMaxTotal, kMaxTotal, &min));
        if (!p_.scorecard.bands.empty() && min >= *p_.scorecard.bands.back().min_points) {
          return Status::Invalid(key + ".min_points", "bands go from the highest minimum down");
        }
        band.min_points = min;
      }
      p_.scorecard.bands.push_back(band);
    }
    return Status::Ok();
  }

  Status ReadRisk(const nlohmann::json& r) {
    AS_RETURN_IF_ERROR(Object(r, "risk", {"window_days", "thresholds", "require_supervisor"}));
    AS_RETURN_IF_ERROR(Int(r, "risk", "window_days", 1, kMaxWindowDays, &p_.risk.window_days));
    const auto& t = r.at("thresholds");
    AS_RETURN_IF_ERROR(Object(t, "risk.thresholds",
                              {"cases", "refund_only_cases", "refunded_amount", "return_rate_percent",
                               "min_orders_for_rate"}));
    AS_RETURN_IF_ERROR(Int(t, "risk.thresholds", "cases", 1, kMaxCount, &p_.risk.cases));
    AS_RETURN_IF_ERROR(Int(t, "risk.thresholds", "refund_only_cases", 1, kMaxCount, &p_.risk.refund_only_cases));
    AS_RETURN_IF_ERROR(Int(t, "risk.thresholds", "refunded_amount", 1, kMaxMoney, &p_.risk.refunded_amount));
    AS_RETURN_IF_ERROR(
        Int(t, "risk.thresholds", "return_rate_percent", 1, 100000, &p_.risk.return_rate_percent));
    AS_RETURN_IF_ERROR(
        Int(t, "risk.thresholds", "min_orders_for_rate", 1, kMaxCount, &p_.risk.min_orders_for_rate));
    if (!r.at("require_supervisor").is_boolean()) {
      return Status::Invalid("risk.require_supervisor", "must be true or false");
    }
    p_.risk.require_supervisor = r.at("require_supervisor").get<bool>();
    return Status::Ok();
  }

 private:
  static constexpr Money kMaxMoney = 1'000'000'000'000'000;  // 10^18 minor units
  static constexpr std::int64_t kMaxPoints = 1000;              // per event
  static constexpr std::int64_t kMaxTotal = 1'000'000'000;      // band minimums
  static constexpr std::int64_t kMaxCount = 1'000'000;

  static const nlohmann::json& Member(const nlohmann::json& obj, const char* key) {
    static const nlohmann::json kNull;
    auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
  }

  // Refuses keys outside `keys` and `optional`, and any missing key of `keys`.
  static Status OnlyKeys(const nlohmann::json& obj, const std::string& prefix, const std::vector<std::string>& keys,
                         const std::vector<std::string>& optional = {}) {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end() &&
          std::find(optional.begin(), optional.end(), k) == optional.end()) {
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

const std::string& ScorecardPolicy::BandOf(std::int64_t total) const {
  for (const auto& b : bands) {
    if (!b.min_points || total >= *b.min_points) return b.name;
  }
  static const std::string kNone;
  return kNone;  // unreachable for a parsed policy: its last band has no minimum
}

namespace {

// The optional sections of the shipped default, read once.
const Policy& ShippedDefaults() {
  static const Policy kDefaults = [] {
    Policy p;
    Status s = PolicyReader(p).Read(nlohmann::json::parse(DefaultPolicyJson()));
    if (!s.ok()) std::abort();  // the shipped file is checked by a test
    return p;
  }();
  return kDefaults;
}

}  // namespace

Result<Policy> ParsePolicy(const nlohmann::json& doc) {
  Policy p;
  p.scorecard = ShippedDefaults().scorecard;
  p.risk = ShippedDefaults().risk;
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
