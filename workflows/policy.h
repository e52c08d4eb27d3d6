// Policy: the typed form of SPEC §5's JSON (windows, reasons, limits, the
// return address and deadline lengths). Parsed and validated once; an
// invalid document is refused with the offending key named. Immutable once
// built; thread-safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

// The reward and penalty scheme (issue "Manager tools"): points per scored
// event and the bands a period's total falls into. Scored events are derived
// from the audit log alone (engine/staff_events.h).
struct ScorecardPolicy {
  struct Band {
    std::string name;
    std::optional<std::int64_t> min_points;  // none: the last band, catches the rest
  };
  // Points per event kind; every kind of kScoredEvents has an entry.
  std::map<std::string, std::int64_t> points;
  std::vector<Band> bands;  // highest minimum first; the last has no minimum

  std::int64_t PointsOf(const std::string& kind) const {
    auto it = points.find(kind);
    return it == points.end() ? 0 : it->second;
  }
  // The band a total falls into: the first whose minimum it reaches.
  const std::string& BandOf(std::int64_t total) const;
};

// Scored event kinds, in the order reports list them.
inline const std::vector<std::string>& ScoredEventKinds() {
  static const std::vector<std::string> kKinds = {"decision_on_time", "decision_late", "sla_breach",
                                                  "overturned_on_appeal", "closed_without_appeal"};
  return kKinds;
}

// Abuse signals: a buyer's history over `window_days` before a submit. A case
// is flagged when any signal reaches its threshold; the return rate counts
// only once the buyer has `min_orders_for_rate` orders in the window.
struct RiskPolicy {
  int window_days = 90;
  std::int64_t cases = 6;               // cases submitted (the new one included)
  std::int64_t refund_only_cases = 4;   // refund_only cases (the new one included)
  Money refunded_amount = 200000;       // minor units refunded, any currency summed
  std::int64_t return_rate_percent = 60;  // 100 × cases ÷ orders placed in the window
  std::int64_t min_orders_for_rate = 3;
  // A flagged case's approval needs a supervisor (or higher) whatever the amount.
  bool require_supervisor = true;
};

struct Policy {
  int version = 0;  // assigned when stored
  int no_reason_window_days = 7;
  int default_window_days = 15;
  std::vector<std::string> reasons;
  std::vector<std::string> reject_reasons;
  Money agent_limit = 20000;
  Money supervisor_limit = 200000;
  nlohmann::json return_address;
  std::array<std::int64_t, kDeadlineKindCount> deadline_hours{};
  std::int64_t receipt_after_delivery_hours = 72;
  ScorecardPolicy scorecard;  // optional in the document: the shipped default's when absent
  RiskPolicy risk;            // optional in the document: the shipped default's when absent
  nlohmann::json document;  // the validated document, as given

  std::int64_t DeadlineSeconds(DeadlineKind k) const { return deadline_hours[static_cast<int>(k)] * 3600; }
  bool IsReason(const std::string& r) const;
  bool IsRejectReason(const std::string& r) const;
  // The return window in days for a submit reason.
  int WindowDays(const std::string& reason) const {
    return reason == "no_reason" ? no_reason_window_days : default_window_days;
  }
};

// Validates `doc` into a Policy. Errors: validation_failed, with the dotted
// key (for example "deadlines.buyer_ship.hours") as the field.
Result<Policy> ParsePolicy(const nlohmann::json& doc);
// Reads and parses a policy file; the message names the file and the key.
Result<Policy> LoadPolicyFile(const std::string& path);
// The shipped default (workflows/policy.default.json, compiled in).
const char* DefaultPolicyJson();
Policy DefaultPolicy();

}  // namespace aftersales
