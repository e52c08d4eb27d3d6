#include "workflows/policy.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "workflows/policy_json.h"

namespace aftersales {
namespace {

using nlohmann::json;
using policy_json::Bool;
using policy_json::Codes;
using policy_json::Int;
using policy_json::Member;
using policy_json::Object;
using policy_json::OneOf;

constexpr std::int64_t kMaxHours = 24 * 366;  // a year and a day: anything longer is a typo
constexpr int kMaxWindowDays = 366;
constexpr int kMaxGuaranteeDays = 3660;             // ten years: warranties and the eu fault exchange (730)
constexpr Money kMaxMoney = 1'000'000'000'000'000;  // 10^18 minor units
constexpr std::int64_t kMaxPoints = 1000;           // per event
constexpr std::int64_t kMaxTotal = 1'000'000'000;   // band minimums
constexpr std::int64_t kMaxCount = 1'000'000;
constexpr std::size_t kMaxSkuPrefix = 64;

const std::vector<std::string> kTopLevelRequired = {"return_window_days", "reasons",        "reject_reasons",
                                                    "approval_limits",    "return_address", "deadlines"};
// Keys added after v2.1 and the optional v2 sections: absent, the shipped value holds.
const std::vector<std::string> kTopLevelOptional = {"preset",          "scorecard",     "risk",
                                                    "fulfilment",      "compensation",  "compensation_reasons",
                                                    "repair",          "warranty_days", "warranty_days_by_sku_prefix",
                                                    "return_shipping", "calendar",      "webhook_retention_days"};
const std::vector<std::string> kCompensationForms = {"cash", "voucher", "points"};
const std::vector<std::string> kPayers = {"buyer", "shop"};

// The deadline kinds of v2.1, which a document must list; the others may be
// left out.
bool RequiredInDocument(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kMerchantResponse:
    case DeadlineKind::kBuyerResponse:
    case DeadlineKind::kAppealWindow:
    case DeadlineKind::kBuyerShip:
    case DeadlineKind::kMerchantReceipt:
    case DeadlineKind::kRefundIssue:
    case DeadlineKind::kArbitration:
    case DeadlineKind::kReplacementShip:
    case DeadlineKind::kReplacementConfirm:
      return true;
    case DeadlineKind::kOrderShip:
    case DeadlineKind::kCompensationIssue:
    case DeadlineKind::kRepairComplete:
    case DeadlineKind::kRepairedShip:
    case DeadlineKind::kRepairedConfirm:
      return false;
  }
  return false;
}

// floor(amount × percent / 100) for 0 <= percent <= 100, without overflow.
Money PercentOf(Money amount, std::int64_t percent) { return amount / 100 * percent + amount % 100 * percent / 100; }

// Reads policy JSON into the struct, naming the dotted key of the first
// problem it meets. Unknown keys are refused; optional keys left out keep
// the value the struct had (the shipped default's).
class PolicyReader {
 public:
  explicit PolicyReader(Policy& p) : p_(p) {}

  Status Read(const json& doc) {
    AS_RETURN_IF_ERROR(Object(doc, "", kTopLevelRequired, kTopLevelOptional));
    if (doc.contains("preset")) AS_RETURN_IF_ERROR(ReadPresetName(doc.at("preset"), &p_.preset));
    AS_RETURN_IF_ERROR(ReadWindows(doc.at("return_window_days")));
    AS_RETURN_IF_ERROR(Codes(doc.at("reasons"), "reasons", &p_.reasons));
    if (!p_.IsReason("no_reason")) {
      return Status::Invalid("reasons", "reasons must include no_reason (the 7-day no-reason return)");
    }
    AS_RETURN_IF_ERROR(Codes(doc.at("reject_reasons"), "reject_reasons", &p_.reject_reasons));
    if (doc.contains("compensation_reasons")) {
      AS_RETURN_IF_ERROR(Codes(doc.at("compensation_reasons"), "compensation_reasons", &p_.compensation_reasons));
    }
    const auto& limits = doc.at("approval_limits");
    AS_RETURN_IF_ERROR(Object(limits, "approval_limits", {"agent", "supervisor"}));
    AS_RETURN_IF_ERROR(Int(limits.at("agent"), "approval_limits.agent", 0, kMaxMoney, &p_.agent_limit));
    AS_RETURN_IF_ERROR(Int(limits.at("supervisor"), "approval_limits.supervisor", 0, kMaxMoney, &p_.supervisor_limit));
    AS_RETURN_IF_ERROR(ReadReturnAddress(doc.at("return_address")));
    // The calendar before the deadlines: business_hours needs one.
    if (doc.contains("calendar")) AS_RETURN_IF_ERROR(ReadCalendar(doc.at("calendar")));
    if (doc.contains("fulfilment")) AS_RETURN_IF_ERROR(ReadFulfilment(doc.at("fulfilment")));
    AS_RETURN_IF_ERROR(ReadDeadlines(doc.at("deadlines")));
    if (doc.contains("compensation")) AS_RETURN_IF_ERROR(ReadCompensation(doc.at("compensation")));
    if (doc.contains("repair")) AS_RETURN_IF_ERROR(ReadRepair(doc.at("repair")));
    if (doc.contains("warranty_days")) {
      AS_RETURN_IF_ERROR(Int(doc.at("warranty_days"), "warranty_days", 1, kMaxGuaranteeDays, &p_.warranty_days));
    }
    if (doc.contains("webhook_retention_days")) {
      AS_RETURN_IF_ERROR(Int(doc.at("webhook_retention_days"), "webhook_retention_days", 1, kMaxGuaranteeDays,
                             &p_.webhook_retention_days));
    }
    if (doc.contains("warranty_days_by_sku_prefix")) {
      AS_RETURN_IF_ERROR(ReadWarrantyPrefixes(doc.at("warranty_days_by_sku_prefix")));
    }
    if (doc.contains("return_shipping")) AS_RETURN_IF_ERROR(ReadReturnShipping(doc.at("return_shipping")));
    if (doc.contains("scorecard")) AS_RETURN_IF_ERROR(ReadScorecard(doc.at("scorecard")));
    if (doc.contains("risk")) AS_RETURN_IF_ERROR(ReadRisk(doc.at("risk")));
    return CheckAcrossKeys();
  }

  static Status ReadPresetName(const json& v, std::string* out) {
    std::string name;
    Status s = OneOf(v, "preset", PolicyPresetNames(), &name);
    if (!s.ok()) return Status::Invalid("preset", "unknown preset: " + s.message());
    *out = name;
    return Status::Ok();
  }

 private:
  Status ReadWindows(const json& w) {
    const std::string key = "return_window_days";
    AS_RETURN_IF_ERROR(Object(w, key, {"no_reason", "default"}, {"fault_exchange"}));
    AS_RETURN_IF_ERROR(Int(w.at("no_reason"), key + ".no_reason", 1, kMaxWindowDays, &p_.no_reason_window_days));
    AS_RETURN_IF_ERROR(Int(w.at("default"), key + ".default", 1, kMaxWindowDays, &p_.default_window_days));
    if (w.contains("fault_exchange")) {
      AS_RETURN_IF_ERROR(
          Int(w.at("fault_exchange"), key + ".fault_exchange", 1, kMaxGuaranteeDays, &p_.fault_exchange_window_days));
    }
    return Status::Ok();
  }

  Status ReadReturnAddress(const json& address) {
    if (!address.is_object() || address.empty()) {
      return Status::Invalid("return_address", "return_address must be a non-empty object");
    }
    for (const auto& [k, v] : address.items()) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Status::Invalid("return_address." + k, "must be a non-empty string");
      }
    }
    p_.return_address = address;
    return Status::Ok();
  }

  Status ReadCalendar(const json& c) {
    if (c.is_null()) {
      p_.calendar.reset();
      return Status::Ok();
    }
    auto calendar = BusinessCalendar::Parse(c, "calendar");
    if (!calendar.ok()) return calendar.status();
    p_.calendar = std::move(*calendar);
    return Status::Ok();
  }

  Status ReadFulfilment(const json& f) {
    AS_RETURN_IF_ERROR(Object(f, "fulfilment", {}, {"ship_within_hours", "late_compensation"}));
    if (f.contains("ship_within_hours")) {
      const json& v = f.at("ship_within_hours");
      if (v.is_null()) {
        p_.fulfilment.ship_within_hours.reset();
      } else {
        std::int64_t hours = 0;
        AS_RETURN_IF_ERROR(Int(v, "fulfilment.ship_within_hours", 1, kMaxHours, &hours));
        p_.fulfilment.ship_within_hours = hours;
      }
    }
    if (f.contains("late_compensation")) {
      const json& v = f.at("late_compensation");
      if (v.is_null()) {
        p_.fulfilment.late_compensation.reset();
        return Status::Ok();
      }
      const std::string key = "fulfilment.late_compensation";
      AS_RETURN_IF_ERROR(Object(v, key, {"percent", "min", "max", "form"}));
      LateCompensationRule rule;
      AS_RETURN_IF_ERROR(Int(v.at("percent"), key + ".percent", 0, 100, &rule.percent));
      AS_RETURN_IF_ERROR(Int(v.at("min"), key + ".min", 0, kMaxMoney, &rule.min));
      AS_RETURN_IF_ERROR(Int(v.at("max"), key + ".max", 1, kMaxMoney, &rule.max));
      if (rule.max < rule.min) return Status::Invalid(key + ".max", "must not be below min");
      AS_RETURN_IF_ERROR(OneOf(v.at("form"), key + ".form", kCompensationForms, &rule.form));
      p_.fulfilment.late_compensation = rule;
    }
    return Status::Ok();
  }

  Status ReadDeadlines(const json& deadlines) {
    std::vector<std::string> required;
    std::vector<std::string> optional;
    for (int i = 0; i < kDeadlineKindCount; ++i) {
      const auto kind = static_cast<DeadlineKind>(i);
      (RequiredInDocument(kind) ? required : optional).push_back(NameOf(kind));
    }
    AS_RETURN_IF_ERROR(Object(deadlines, "deadlines", required, optional));
    for (int i = 0; i < kDeadlineKindCount; ++i) {
      const auto kind = static_cast<DeadlineKind>(i);
      if (deadlines.contains(NameOf(kind))) AS_RETURN_IF_ERROR(ReadDeadline(kind, deadlines.at(NameOf(kind))));
    }
    // order_ship is due at ship_by: its length is the fulfilment promise.
    p_.deadline_rules[static_cast<int>(DeadlineKind::kOrderShip)].hours = p_.fulfilment.ship_within_hours.value_or(0);
    return Status::Ok();
  }

  // A number of hours, or {"hours", "business_hours"?} plus the fields only
  // some kinds have (merchant_receipt: after_delivery_hours; refund_issue:
  // no_reason_from_submit). order_ship takes only business_hours.
  Status ReadDeadline(DeadlineKind kind, const json& v) {
    const std::string key = std::string("deadlines.") + NameOf(kind);
    DeadlineRule& rule = p_.deadline_rules[static_cast<int>(kind)];
    const Policy fresh;
    if (kind == DeadlineKind::kMerchantReceipt) p_.receipt_after_delivery_hours = fresh.receipt_after_delivery_hours;
    if (kind == DeadlineKind::kRefundIssue) {
      p_.refund_issue_no_reason_from_submit = fresh.refund_issue_no_reason_from_submit;
    }
    rule.business_hours = false;
    if (kind == DeadlineKind::kOrderShip) {
      if (!v.is_object()) {
        return Status::Invalid(key,
                               "order_ship is due at the order's ship_by (by default paid_at + "
                               "fulfilment.ship_within_hours): only {\"business_hours\"} is set here");
      }
      AS_RETURN_IF_ERROR(Object(v, key, {}, {"business_hours"}));
      if (v.contains("business_hours"))
        AS_RETURN_IF_ERROR(Bool(v.at("business_hours"), key + ".business_hours", &rule.business_hours));
      return Status::Ok();
    }
    if (v.is_number()) return Int(v, key, 1, kMaxHours, &rule.hours);
    std::vector<std::string> optional = {"business_hours"};
    if (kind == DeadlineKind::kMerchantReceipt) optional.push_back("after_delivery_hours");
    if (kind == DeadlineKind::kRefundIssue) optional.push_back("no_reason_from_submit");
    AS_RETURN_IF_ERROR(Object(v, key, {"hours"}, optional));
    AS_RETURN_IF_ERROR(Int(v.at("hours"), key + ".hours", 1, kMaxHours, &rule.hours));
    if (v.contains("business_hours")) {
      AS_RETURN_IF_ERROR(Bool(v.at("business_hours"), key + ".business_hours", &rule.business_hours));
    }
    if (v.contains("after_delivery_hours")) {
      AS_RETURN_IF_ERROR(Int(v.at("after_delivery_hours"), key + ".after_delivery_hours", 1, kMaxHours,
                             &p_.receipt_after_delivery_hours));
    }
    if (v.contains("no_reason_from_submit")) {
      AS_RETURN_IF_ERROR(
          Bool(v.at("no_reason_from_submit"), key + ".no_reason_from_submit", &p_.refund_issue_no_reason_from_submit));
    }
    return Status::Ok();
  }

  Status ReadCompensation(const json& c) {
    const std::string key = "compensation";
    AS_RETURN_IF_ERROR(Object(c, key, {}, {"window_days", "max_percent_of_paid", "voucher_valid_days"}));
    if (c.contains("window_days")) {
      AS_RETURN_IF_ERROR(
          Int(c.at("window_days"), key + ".window_days", 1, kMaxWindowDays, &p_.compensation.window_days));
    }
    if (c.contains("max_percent_of_paid")) {
      AS_RETURN_IF_ERROR(
          Int(c.at("max_percent_of_paid"), key + ".max_percent_of_paid", 0, 100, &p_.compensation.max_percent_of_paid));
    }
    if (c.contains("voucher_valid_days")) {
      AS_RETURN_IF_ERROR(Int(c.at("voucher_valid_days"), key + ".voucher_valid_days", 1, kMaxGuaranteeDays,
                             &p_.compensation.voucher_valid_days));
    }
    return Status::Ok();
  }

  Status ReadRepair(const json& r) {
    AS_RETURN_IF_ERROR(Object(r, "repair", {}, {"failures_before_choice"}));
    if (r.contains("failures_before_choice")) {
      AS_RETURN_IF_ERROR(Int(r.at("failures_before_choice"), "repair.failures_before_choice", 1, 100,
                             &p_.repair.failures_before_choice));
    }
    return Status::Ok();
  }

  Status ReadWarrantyPrefixes(const json& m) {
    const std::string key = "warranty_days_by_sku_prefix";
    if (!m.is_object()) return Status::Invalid(key, "must be an object of SKU prefix: days");
    p_.warranty_days_by_sku_prefix.clear();
    for (const auto& [prefix, days] : m.items()) {
      if (prefix.empty() || prefix.size() > kMaxSkuPrefix) {
        return Status::Invalid(key + "." + prefix, "a SKU prefix has 1 to 64 characters");
      }
      int n = 0;
      AS_RETURN_IF_ERROR(Int(days, key + "." + prefix, 1, kMaxGuaranteeDays, &n));
      p_.warranty_days_by_sku_prefix[prefix] = n;
    }
    return Status::Ok();
  }

  Status ReadReturnShipping(const json& r) {
    AS_RETURN_IF_ERROR(Object(r, "return_shipping", {"paid_by"}));
    const std::string key = "return_shipping.paid_by";
    const json& by = r.at("paid_by");
    // Keyed by reason codes, which the policy itself lists: checked once
    // every key is read (CheckAcrossKeys).
    if (!by.is_object()) return Status::Invalid(key, "must be an object of reason: buyer or shop");
    if (!by.contains("default")) return Status::Invalid(key + ".default", "missing policy key");
    p_.return_shipping_paid_by.clear();
    for (const auto& [reason, payer] : by.items()) {
      std::string name;
      AS_RETURN_IF_ERROR(OneOf(payer, key + "." + reason, kPayers, &name));
      p_.return_shipping_paid_by[reason] = name == "buyer" ? ShippingPayer::kBuyer : ShippingPayer::kShop;
    }
    return Status::Ok();
  }

  // Called on the shipped default first, so a document without the optional
  // sections keeps the default's.
  Status ReadScorecard(const json& sc) {
    AS_RETURN_IF_ERROR(Object(sc, "scorecard", {"points", "bands"}));
    const auto& points = sc.at("points");
    AS_RETURN_IF_ERROR(Object(points, "scorecard.points", ScoredEventKinds()));
    p_.scorecard.points.clear();
    for (const auto& kind : ScoredEventKinds()) {
      std::int64_t n = 0;
      AS_RETURN_IF_ERROR(Int(points.at(kind), "scorecard.points." + kind, -kMaxPoints, kMaxPoints, &n));
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
      AS_RETURN_IF_ERROR(Object(b, key, {"name"}, {"min_points"}));
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
        AS_RETURN_IF_ERROR(Int(b.at("min_points"), key + ".min_points", -kMaxTotal, kMaxTotal, &min));
        if (!p_.scorecard.bands.empty() && min >= *p_.scorecard.bands.back().min_points) {
          return Status::Invalid(key + ".min_points", "bands go from the highest minimum down");
        }
        band.min_points = min;
      }
      p_.scorecard.bands.push_back(band);
    }
    return Status::Ok();
  }

  Status ReadRisk(const json& r) {
    AS_RETURN_IF_ERROR(Object(r, "risk", {"window_days", "thresholds", "require_supervisor"}));
    AS_RETURN_IF_ERROR(Int(r.at("window_days"), "risk.window_days", 1, kMaxWindowDays, &p_.risk.window_days));
    const auto& t = r.at("thresholds");
    const std::string key = "risk.thresholds";
    AS_RETURN_IF_ERROR(Object(
        t, key, {"cases", "refund_only_cases", "refunded_amount", "return_rate_percent", "min_orders_for_rate"}));
    AS_RETURN_IF_ERROR(Int(t.at("cases"), key + ".cases", 1, kMaxCount, &p_.risk.cases));
    AS_RETURN_IF_ERROR(
        Int(t.at("refund_only_cases"), key + ".refund_only_cases", 1, kMaxCount, &p_.risk.refund_only_cases));
    AS_RETURN_IF_ERROR(Int(t.at("refunded_amount"), key + ".refunded_amount", 1, kMaxMoney, &p_.risk.refunded_amount));
    AS_RETURN_IF_ERROR(
        Int(t.at("return_rate_percent"), key + ".return_rate_percent", 1, 100000, &p_.risk.return_rate_percent));
    AS_RETURN_IF_ERROR(
        Int(t.at("min_orders_for_rate"), key + ".min_orders_for_rate", 1, kMaxCount, &p_.risk.min_orders_for_rate));
    return Bool(r.at("require_supervisor"), "risk.require_supervisor", &p_.risk.require_supervisor);
  }

  // Rules that tie keys together, checked once every key is read.
  Status CheckAcrossKeys() {
    for (int i = 0; i < kDeadlineKindCount; ++i) {
      if (p_.deadline_rules[i].business_hours && !p_.calendar) {
        return Status::Invalid(std::string("deadlines.") + NameOf(static_cast<DeadlineKind>(i)) + ".business_hours",
                               "business hours need a calendar (the policy's calendar is null)");
      }
    }
    for (const auto& [reason, payer] : p_.return_shipping_paid_by) {
      if (reason != "default" && !p_.IsReason(reason)) {
        return Status::Invalid("return_shipping.paid_by." + reason, "not a reason of the policy's reasons");
      }
    }
    if (p_.fulfilment.late_compensation && !p_.IsCompensationReason("late_shipment")) {
      return Status::Invalid("compensation_reasons",
                             "late compensation is submitted with reason late_shipment: list it, or set "
                             "fulfilment.late_compensation to null");
    }
    return Status::Ok();
  }

  Policy& p_;
};

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The shipped default, read once from a struct whose every value it sets:
// the base that documents leaving keys out fall back on.
const Policy& ShippedDefaults() {
  static const Policy kDefaults = [] {
    Policy p;
    json doc = json::parse(DefaultPolicyJson());
    Status s = PolicyReader(p).Read(doc);
    if (!s.ok()) std::abort();  // the shipped file is checked by a test
    p.document = std::move(doc);
    return p;
  }();
  return kDefaults;
}

}  // namespace

const char* NameOf(ShippingPayer payer) {
  switch (payer) {
    case ShippingPayer::kBuyer:
      return "buyer";
    case ShippingPayer::kShop:
      return "shop";
  }
  return "shop";
}

Money LateCompensationRule::AmountFor(Money late_goods_paid) const {
  return std::min(std::max(PercentOf(late_goods_paid, percent), min), max);
}

Money CompensationPolicy::CapOf(Money paid_total) const { return PercentOf(paid_total, max_percent_of_paid); }

bool Policy::IsReason(const std::string& r) const { return Contains(reasons, r); }
bool Policy::IsRejectReason(const std::string& r) const { return Contains(reject_reasons, r); }
bool Policy::IsCompensationReason(const std::string& r) const { return Contains(compensation_reasons, r); }

TimePoint Policy::DueAt(DeadlineKind kind, TimePoint start) const {
  return ExtendDue(kind, start, DeadlineHours(kind));
}

TimePoint Policy::ExtendDue(DeadlineKind kind, TimePoint due, std::int64_t hours) const {
  if (CountsBusinessHours(kind) && calendar) return calendar->AddWorkingHours(due, hours);
  return due + hours * kHour;
}

TimePoint Policy::ReceiptDueAfterDelivery(TimePoint delivered_at) const {
  return ExtendDue(DeadlineKind::kMerchantReceipt, delivered_at, receipt_after_delivery_hours);
}

std::optional<TimePoint> Policy::DefaultShipBy(TimePoint paid_at) const {
  if (!fulfilment.ship_within_hours) return std::nullopt;
  return DueAt(DeadlineKind::kOrderShip, paid_at);
}

bool Policy::RefundIssueFromSubmit(const std::string& reason) const {
  return refund_issue_no_reason_from_submit && reason == "no_reason";
}

TimePoint Policy::WithdrawalRefundDue(TimePoint submitted_at, std::optional<TimePoint> return_shipped_at) const {
  const TimePoint due = DueAt(DeadlineKind::kRefundIssue, submitted_at);
  return return_shipped_at ? std::max(due, *return_shipped_at) : due;
}

int Policy::WindowDays(const std::string& reason, CaseType type) const {
  if (type == CaseType::kCompensation) return compensation.window_days;
  if (reason == "no_reason") return no_reason_window_days;
  switch (type) {
    case CaseType::kExchange:
      return fault_exchange_window_days;
    case CaseType::kRefundOnly:
    case CaseType::kReturnRefund:
    case CaseType::kCompensation:
    case CaseType::kRepair:  // §12: a repair has the warranty instead (WarrantyDaysFor)
      return default_window_days;
  }
  return default_window_days;
}

int Policy::WarrantyDaysFor(const std::string& sku) const {
  int days = warranty_days;
  std::size_t longest = 0;
  for (const auto& [prefix, d] : warranty_days_by_sku_prefix) {
    if (prefix.size() > longest && sku.compare(0, prefix.size(), prefix) == 0) {
      longest = prefix.size();
      days = d;
    }
  }
  return days;
}

ShippingPayer Policy::ReturnShippingPaidBy(const std::string& reason) const {
  auto it = return_shipping_paid_by.find(reason);
  if (it == return_shipping_paid_by.end()) it = return_shipping_paid_by.find("default");
  return it == return_shipping_paid_by.end() ? ShippingPayer::kShop : it->second;
}

const std::string& ScorecardPolicy::BandOf(std::int64_t total) const {
  for (const auto& b : bands) {
    if (!b.min_points || total >= *b.min_points) return b.name;
  }
  static const std::string kNone;
  return kNone;  // unreachable for a parsed policy: its last band has no minimum
}

const std::vector<std::string>& PolicyPresetNames() {
  static const std::vector<std::string> kNames = {"cn", "eu"};
  return kNames;
}

Result<json> PolicyPresetDocument(const std::string& name) {
  static const json kCn = [] {
    json doc = json::parse(DefaultPolicyJson());
    doc["preset"] = "cn";
    return doc;
  }();
  static const json kEu = [] {
    json doc = MergePolicyDocuments(kCn, json::parse(EuPresetDeltaJson()));
    doc["preset"] = "eu";
    return doc;
  }();
  if (name == "cn") return kCn;
  if (name == "eu") return kEu;
  return Status::Invalid("preset", "unknown preset '" + name + "': cn or eu");
}

json MergePolicyDocuments(const json& base, const json& over) {
  if (!base.is_object() || !over.is_object()) return over;
  json merged = base;
  for (const auto& [key, value] : over.items()) {
    auto it = merged.find(key);
    merged[key] = it == merged.end() ? value : MergePolicyDocuments(*it, value);
  }
  return merged;
}

Result<Policy> ParsePolicy(const json& doc) {
  json merged;
  const json* source = &doc;
  if (doc.is_object() && doc.contains("preset")) {
    std::string name;
    AS_RETURN_IF_ERROR(PolicyReader::ReadPresetName(doc.at("preset"), &name));
    auto preset = PolicyPresetDocument(name);
    if (!preset.ok()) return preset.status();
    merged = MergePolicyDocuments(*preset, doc);
    source = &merged;
  }
  Policy p = ShippedDefaults();
  p.document = nullptr;
  p.preset.clear();
  Status s = PolicyReader(p).Read(*source);
  if (!s.ok()) return s;
  p.document = *source;
  return p;
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("policy", "cannot read policy file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  json doc = json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
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

Policy DefaultPolicy() { return ShippedDefaults(); }

}  // namespace aftersales
