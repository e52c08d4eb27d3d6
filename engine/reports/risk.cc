#include "engine/reports/risk.h"

#include <limits>
#include <utility>

#include "engine/cases/case_document.h"

namespace aftersales {
namespace {

using nlohmann::json;

// Sums that cannot wrap: a figure beyond the largest Money stays there.
Money SaturatingAdd(Money a, Money b) {
  if (b > 0 && a > std::numeric_limits<Money>::max() - b) return std::numeric_limits<Money>::max();
  return a + b;
}

}  // namespace

Risk AssessRisk(const BuyerHistory& h, const RiskPolicy& p) {
  Risk risk;
  RiskSignals& s = risk.signals;
  s.cases = h.cases;
  s.refund_only_cases = h.refund_only_cases;
  s.refunded_amount = h.refunded_amount;
  s.orders = h.orders;
  if (h.orders >= p.min_orders_for_rate && h.orders > 0) s.return_rate_percent = 100 * h.cases / h.orders;

  if (s.cases >= p.cases) risk.reasons.emplace_back("cases");
  if (s.refund_only_cases >= p.refund_only_cases) risk.reasons.emplace_back("refund_only_cases");
  if (s.refunded_amount >= p.refunded_amount) risk.reasons.emplace_back("refunded_amount");
  if (s.return_rate_percent && *s.return_rate_percent >= p.return_rate_percent) {
    risk.reasons.emplace_back("return_rate_percent");
  }
  risk.flagged = !risk.reasons.empty();
  return risk;
}

Result<BuyerHistory> GatherBuyerHistory(ReadTxn& txn, const std::string& buyer_id, CaseType type, TimePoint at,
                                        const RiskPolicy& policy) {
  const TimePoint from = at - static_cast<TimePoint>(policy.window_days) * kDay;
  BuyerHistory h;
  // The case being submitted: not stored yet, refunded nothing.
  h.cases = 1;
  h.refund_only_cases = type == CaseType::kRefundOnly ? 1 : 0;
  auto rows = txn.CasesOfBuyer(buyer_id, from, at);
  if (!rows.ok()) return rows.status();
  for (const CaseRow& row : *rows) {
    // A buyer has few cases in a window; the refunded amount lives in the
    // case document, whose shape only the codec knows.
    auto kase = CaseFromRow(row, {});
    if (!kase.ok()) return kase.status();
    ++h.cases;
    if (kase->type == CaseType::kRefundOnly) ++h.refund_only_cases;
    h.refunded_amount = SaturatingAdd(h.refunded_amount, kase->refunded_amount);
  }
  auto orders = txn.CountOrdersOfBuyer(buyer_id, from, at);
  if (!orders.ok()) return orders.status();
  h.orders = *orders;
  return h;
}

// Built with emplace, not an initializer list: it is part of every case
// document written and rendered.
json RiskToJson(const Risk& risk) {
  const RiskSignals& s = risk.signals;
  json::object_t signals;
  signals.emplace("cases", s.cases);
  signals.emplace("refund_only_cases", s.refund_only_cases);
  signals.emplace("refunded_amount", s.refunded_amount);
  signals.emplace("orders", s.orders);
  signals.emplace("return_rate_percent", s.return_rate_percent ? json(*s.return_rate_percent) : json(nullptr));
  json::object_t out;
  out.emplace("flagged", risk.flagged);
  out.emplace("reasons", risk.reasons);
  out.emplace("signals", std::move(signals));
  return out;
}

Risk RiskFromJson(const json& j) {
  Risk risk;
  risk.flagged = j.at("flagged").get<bool>();
  risk.reasons = j.at("reasons").get<std::vector<std::string>>();
  const json& s = j.at("signals");
  risk.signals.cases = s.at("cases").get<std::int64_t>();
  risk.signals.refund_only_cases = s.at("refund_only_cases").get<std::int64_t>();
  risk.signals.refunded_amount = s.at("refunded_amount").get<Money>();
  risk.signals.orders = s.at("orders").get<std::int64_t>();
  if (!s.at("return_rate_percent").is_null()) {
    risk.signals.return_rate_percent = s.at("return_rate_percent").get<std::int64_t>();
  }
  return risk;
}

}  // namespace aftersales
