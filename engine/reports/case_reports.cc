#include "engine/reports/case_reports.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "domain/vocabulary.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kMedian = 50;
constexpr int kP90 = 90;
constexpr const char* kUngraded = "ungraded";

json OptInt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

// The money figures' currency: the asked one, else that of most cases.
Result<std::optional<std::string>> ReportCurrency(ReadTxn& txn, const ReportRange& range) {
  if (range.currency) return range.currency;
  return txn.MostCommonCaseCurrency();
}

// The submit reasons of the latest stored policy (the shipped default's
// when none is stored yet).
Result<std::vector<std::string>> PolicyReasons(ReadTxn& txn) {
  auto row = txn.LatestPolicy();
  if (!row.ok()) return row.status();
  if (!row->has_value()) return DefaultPolicy().reasons;
  const json doc = json::parse((*row)->doc, nullptr, false);
  if (doc.is_discarded())
    return Status::Internal("stored policy version " + std::to_string((*row)->version) + " is not JSON");
  auto policy = ParsePolicy(doc);
  if (!policy.ok()) return policy.status();
  return policy->reasons;
}

}  // namespace

CaseReports::CaseReports(Store& store) : store_(store) {}

Result<json> CaseReports::Sla(const ReportRange& range) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto totals = (*txn)->DeadlineTotals(range.from, range.to);
  if (!totals.ok()) return totals.status();
  std::map<std::string, DeadlineTotalsRow> by_kind;
  for (auto& row : *totals) by_kind.emplace(row.kind, std::move(row));

  json items = json::array();
  for (int k = 0; k < kDeadlineKindCount; ++k) {
    const std::string kind = NameOf(static_cast<DeadlineKind>(k));
    auto it = by_kind.find(kind);
    const DeadlineTotalsRow row = it == by_kind.end() ? DeadlineTotalsRow{kind, 0, 0, 0, 0} : it->second;
    std::vector<std::int64_t> seconds;
    if (row.started > row.open) {  // some are done
      auto done = (*txn)->DeadlineSecondsToAct(kind, range.from, range.to);
      if (!done.ok()) return done.status();
      seconds = std::move(*done);
    }
    items.push_back({{"deadline", kind},
                     {"count", row.started},
                     {"open", row.open},
                     {"breached", row.breached},
                     {"breach_rate", Ratio(row.breached, row.started)},
                     {"extended", row.extended},
                     {"median_seconds_to_act", OptInt(NearestRank(seconds, kMedian))},
                     {"p90_seconds_to_act", OptInt(NearestRank(seconds, kP90))}});
  }
  return json{{"items", items}};
}

Result<json> CaseReports::Reasons(const ReportRange& range) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto currency = ReportCurrency(**txn, range);
  if (!currency.ok()) return currency.status();
  auto reasons = PolicyReasons(**txn);
  if (!reasons.ok()) return reasons.status();
  auto totals = (*txn)->CaseFactTotals(range.from, range.to);
  if (!totals.ok()) return totals.status();
  // No currency (no cases at all) matches no case: money figures are 0.
  auto lines = (*txn)->CaseFactLineTotals(range.from, range.to, currency->value_or(""));
  if (!lines.ok()) return lines.status();
  auto sold = (*txn)->SoldUnitsBySku(range.from, range.to);
  if (!sold.ok()) return sold.status();

  // Reasons in the policy's order, then any other (older policies) by name.
  std::map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < reasons->size(); ++i) rank.emplace((*reasons)[i], i);
  auto key = [&](const std::string& reason) {
    auto it = rank.find(reason);
    return std::make_pair(it == rank.end() ? reasons->size() : it->second, reason);
  };
  using ReasonKey = std::pair<std::size_t, std::string>;

  struct Figures {
    std::int64_t cases = 0;
    std::int64_t units = 0;
    std::int64_t returned_units = 0;
    Money refunded_amount = 0;
  };
  std::map<ReasonKey, Figures> by_reason;
  for (const std::string& reason : *reasons) by_reason[key(reason)];
  for (const CaseFactTotalsRow& row : *totals) {
    Figures& f = by_reason[key(row.reason)];
    f.cases += row.cases;
    if (*currency && row.currency == **currency) f.refunded_amount += row.refunded_amount;
  }
  // A case has one reason and one type, so the distinct cases of each
  // (reason, type, sku) add up to the distinct cases of a reason's SKU and
  // of a SKU.
  std::map<std::pair<ReasonKey, std::string>, Figures> by_reason_sku;
  std::map<std::string, Figures> by_sku;
  for (const CaseFactLineTotalsRow& row : *lines) {
    for (Figures* f : {&by_reason_sku[{key(row.reason), row.sku}], &by_sku[row.sku]}) {
      f->cases += row.cases;
      f->units += row.units;
      if (row.type != NameOf(CaseType::kRefundOnly)) f->returned_units += row.units;
      f->refunded_amount += row.refunded_amount;
    }
  }
  std::map<std::string, std::int64_t> sold_units(sold->begin(), sold->end());

  json items = json::array();
  for (const auto& [k, f] : by_reason_sku) {
    items.push_back({{"reason", k.first.second},
                     {"sku", k.second},
                     {"cases", f.cases},
                     {"units", f.units},
                     {"refunded_amount", f.refunded_amount}});
  }
  json reason_items = json::array();
  for (const auto& [k, f] : by_reason) {
    reason_items.push_back({{"reason", k.second}, {"cases", f.cases}, {"refunded_amount", f.refunded_amount}});
  }
  json sku_items = json::array();
  for (const auto& [sku, f] : by_sku) {
    auto it = sold_units.find(sku);
    const std::int64_t sold_qty = it == sold_units.end() ? 0 : it->second;
    sku_items.push_back({{"sku", sku},
                         {"cases", f.cases},
                         {"units", f.units},
                         {"returned_units", f.returned_units},
                         {"sold_units", sold_qty},
                         {"return_rate", Ratio(f.returned_units, sold_qty)},
                         {"refunded_amount", f.refunded_amount}});
  }
  return json{{"currency", *currency ? json(**currency) : json(nullptr)},
              {"items", items},
              {"by_reason", reason_items},
              {"by_sku", sku_items}};
}

Result<json> CaseReports::Warehouse(const ReportRange& range) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto receipt = (*txn)->CaseFactSeconds(CaseFactSpan::kReceipt, range.from, range.to, std::nullopt);
  if (!receipt.ok()) return receipt.status();
  auto totals = (*txn)->CaseFactTotals(range.from, range.to);
  if (!totals.ok()) return totals.status();

  struct Inspections {
    std::int64_t inspected = 0;
    std::int64_t passed = 0;
    std::int64_t failed = 0;
  };
  std::map<std::string, Inspections> graded;
  Inspections ungraded;
  for (const CaseFactTotalsRow& row : *totals) {
    if (row.inspected == 0) continue;
    Inspections& i = row.inspection_grade ? graded[*row.inspection_grade] : ungraded;
    i.inspected += row.inspected;
    i.passed += row.passed;
    i.failed += row.failed;
  }
  json items = json::array();
  auto add = [&](const std::string& grade, const Inspections& i) {
    items.push_back({{"grade", grade},
                     {"inspected", i.inspected},
                     {"passed", i.passed},
                     {"failed", i.failed},
                     {"fail_rate", Ratio(i.failed, i.inspected)}});
  };
  for (const auto& [grade, i] : graded) add(grade, i);
  if (ungraded.inspected > 0) add(kUngraded, ungraded);

  // SPEC §10.4: orders paid in the period, paid_at → shipped_at.
  auto orders = (*txn)->OrderShipping(range.from, range.to);
  if (!orders.ok()) return orders.status();
  std::int64_t shipped = 0, late = 0;
  std::vector<std::int64_t> to_ship;
  for (const OrderShippingRow& o : *orders) {
    if (o.late) ++late;
    if (o.shipped_at) {
      ++shipped;
      to_ship.push_back(*o.shipped_at - o.paid_at);
    }
  }
  std::sort(to_ship.begin(), to_ship.end());
  const auto count = static_cast<std::int64_t>(orders->size());
  return json{{"shipping",
               {{"orders", count},
                {"shipped", shipped},
                {"late", late},
                {"late_rate", Ratio(late, count)},
                {"median_seconds_to_ship", OptInt(NearestRank(to_ship, kMedian))},
                {"p90_seconds_to_ship", OptInt(NearestRank(to_ship, kP90))}}},
              {"receipt",
               {{"count", static_cast<std::int64_t>(receipt->size())},
                {"median_seconds", OptInt(NearestRank(*receipt, kMedian))},
                {"p90_seconds", OptInt(NearestRank(*receipt, kP90))}}},
              {"items", items}};
}

Result<json> CaseReports::Finance(const ReportRange& range) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto totals = (*txn)->CaseFactTotals(range.from, range.to);
  if (!totals.ok()) return totals.status();

  struct CurrencyFigures {
    std::int64_t approved = 0;
    std::int64_t refunds_issued = 0;
    Money refunded_amount = 0;
    std::int64_t refunds_failed = 0;
    std::int64_t awaiting_refund = 0;
  };
  std::map<std::string, CurrencyFigures> by_currency;
  if (range.currency) by_currency[*range.currency];
  for (const CaseFactTotalsRow& row : *totals) {
    if (range.currency && row.currency != *range.currency) continue;
    CurrencyFigures& m = by_currency[row.currency];
    m.approved += row.approved;
    m.refunds_issued += row.refunded_cases;
    m.refunded_amount += row.refunded_amount;
    m.refunds_failed += row.refunds_failed;
    m.awaiting_refund += row.awaiting_refund;
  }
  json items = json::array();
  for (const auto& [currency, m] : by_currency) {
    auto spans = (*txn)->CaseFactSeconds(CaseFactSpan::kApprovalToRefund, range.from, range.to, currency);
    if (!spans.ok()) return spans.status();
    items.push_back({{"currency", currency},
                     {"approved", m.approved},
                     {"refunds_issued", m.refunds_issued},
                     {"refunded_amount", m.refunded_amount},
                     {"refunds_failed", m.refunds_failed},
                     {"awaiting_refund", m.awaiting_refund},
                     {"median_approval_to_refund_seconds", OptInt(NearestRank(*spans, kMedian))},
                     {"p90_approval_to_refund_seconds", OptInt(NearestRank(*spans, kP90))}});
  }
  return json{{"items", items}};
}

}  // namespace aftersales
