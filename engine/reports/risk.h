// Abuse signals (docs/reports.md, "Abuse signals"): at submit, a buyer's
// history over the policy's risk window decides whether the new case is
// flagged. AssessRisk is a pure function of the figures and the policy;
// GatherBuyerHistory reads the figures in the submit's own transaction.
// Both are thread-safe (no state; the transaction belongs to the caller).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/store.h"
#include "workflows/policy.h"

namespace aftersales {

class JsonReader;
class JsonWriter;

// A buyer's figures over [at - window_days x 24 h, at], both ends included,
// the case being submitted included.
struct BuyerHistory {
  std::int64_t cases = 0;              // cases submitted in the window
  std::int64_t refund_only_cases = 0;  // of which refund_only
  Money refunded_amount = 0;           // refunded on those cases, every currency summed
  std::int64_t orders = 0;             // orders placed in the window
};

// The signals of `history` and the thresholds they reach under `policy`.
// return_rate_percent = floor(100 x cases / orders), present only from
// policy.min_orders_for_rate orders on. A signal flags the case when it is
// at or above its threshold; `reasons` names those signals in the order
// cases, refund_only_cases, refunded_amount, return_rate_percent.
Risk AssessRisk(const BuyerHistory& history, const RiskPolicy& policy);

// Reads the figures of `buyer_id` for a case of `type` submitted at `at`
// (not yet stored; counted here): the buyer's stored cases created in the
// window (with their refunded amounts) and the orders placed in it. Errors:
// unavailable (storage), internal (a stored case that does not decode).
Result<BuyerHistory> GatherBuyerHistory(ReadTxn& txn, const std::string& buyer_id, CaseType type, TimePoint at,
                                        const RiskPolicy& policy);

// The `risk` object served to staff, stored in the case document and written
// to the submit's audit entry:
// {"flagged", "reasons": [...], "signals": {"cases", "refund_only_cases",
//  "refunded_amount", "orders", "return_rate_percent" (null below the minimum)}}.
nlohmann::json RiskToJson(const Risk& risk);
// The same object written as text (members in sorted key order, as dump()
// writes them): a staff view of every case and every case document hold it.
void WriteRiskJson(JsonWriter& w, const Risk& risk);
// The inverse of WriteRiskJson: the object read from `r`. Throws
// JsonReadError on a malformed object (the case codec turns it into
// internal).
Risk ReadRiskJson(JsonReader& r);

}  // namespace aftersales
