#include "engine/reports/risk.h"

#include <limits>
#include <utility>

#include "engine/cases/case_document.h"
#include "engine/json_reader.h"
#include "engine/json_writer.h"

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

// WriteRiskJson's text parsed: one renderer of the block (a submit's audit
// entry takes the tree; case documents and views take the text).
json RiskToJson(const Risk& risk) {
  std::string text;
  JsonWriter w(text);
  WriteRiskJson(w, risk);
  return json::parse(text);
}

void WriteRiskJson(JsonWriter& w, const Risk& risk) {
  const RiskSignals& s = risk.signals;
  w.BeginObject();
  w.Key("flagged").Bool(risk.flagged);
  w.Key("reasons").BeginArray();
  for (const std::string& reason : risk.reasons) w.Item().String(reason);
  w.EndArray();
  w.Key("signals").BeginObject();
  w.Key("cases").Int(s.cases);
  w.Key("orders").Int(s.orders);
  w.Key("refund_only_cases").Int(s.refund_only_cases);
  w.Key("refunded_amount").Int(s.refunded_amount);
  w.Key("return_rate_percent").IntOrNull(s.return_rate_percent);
  w.EndObject();
  w.EndObject();
}

Risk ReadRiskJson(JsonReader& r) {
  Risk risk;
  RiskSignals& s = risk.signals;
  r.Object({"flagged", "reasons", "signals"}, [&](std::string_view key) {
    if (key == "flagged") {
      risk.flagged = r.Bool();
    } else if (key == "reasons") {
      risk.reasons.clear();
      r.Array([&] { risk.reasons.push_back(r.String()); });
    } else if (key == "signals") {
      r.Object({"cases", "orders", "refund_only_cases", "refunded_amount", "return_rate_percent"},
               [&](std::string_view signal) {
                 if (signal == "cases") {
                   s.cases = r.Int();
                 } else if (signal == "orders") {
                   s.orders = r.Int();
                 } else if (signal == "refund_only_cases") {
                   s.refund_only_cases = r.Int();
                 } else if (signal == "refunded_amount") {
                   s.refunded_amount = r.Int();
                 } else if (signal == "return_rate_percent") {
                   s.return_rate_percent = r.OptionalInt();
                 } else {
                   return false;
                 }
                 return true;
               });
    } else {
      return false;
    }
    return true;
  });
  return risk;
}

}  // namespace aftersales
