#include "engine/reports/case_facts.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/cases/case_document.h"

namespace aftersales {
namespace {

__extension__ using Int128 = __int128;  // GCC and Clang; -Wpedantic knows it is an extension

// Cases read per query while backfilling; audit entries read per query.
constexpr int kBackfillPage = 500;
constexpr int kAuditPage = 256;

// The audit entries whose effects may fix an agreed amount (engine
// workflows' Agree): the other actions never carry one, so their data need
// not be parsed.
bool MayFixAgreedAmount(const std::string& action) {
  return action == "approve" || action == "accept_offer" || action == "arbitrate" || action == "timeout";
}

// The time of the case's first audit entry whose effects fix an agreed
// amount; nullopt when there is none.
Result<std::optional<TimePoint>> FirstApprovalAt(ReadTxn& txn, const std::string& case_id) {
  AuditFilter filter;
  filter.case_id = case_id;
  filter.limit = kAuditPage;
  while (true) {
    auto entries = txn.ListAudit(filter);
    if (!entries.ok()) return entries.status();
    for (const AuditRow& e : *entries) {
      if (!MayFixAgreedAmount(e.action)) continue;
      const nlohmann::json data = nlohmann::json::parse(e.data, nullptr, false);
      if (data.is_discarded() || !data.is_object()) continue;
      auto effects = data.find("effects");
      if (effects == data.end() || !effects->is_object() || !effects->contains("agreed_amount")) continue;
      auto at = ParseTime(e.at);
      if (!at) return Status::Internal("audit entry " + std::to_string(e.seq) + " has a bad time '" + e.at + "'");
      return std::optional<TimePoint>(*at);
    }
    if (entries->size() < static_cast<std::size_t>(kAuditPage)) return std::optional<TimePoint>();
    filter.after_seq = entries->back().seq;
  }
}

}  // namespace

std::vector<Money> SpreadByWeight(Money amount, const std::vector<Money>& weights) {
  std::vector<Money> shares(weights.size(), 0);
  if (weights.empty()) return shares;
  Money total = 0;
  for (Money w : weights) total += std::max<Money>(w, 0);
  Money given = 0;
  if (total > 0) {
    for (std::size_t i = 0; i + 1 < weights.size(); ++i) {
      const Int128 product = static_cast<Int128>(amount) * std::max<Money>(weights[i], 0);
      shares[i] = static_cast<Money>(product / total);
      given += shares[i];
    }
  }
  shares.back() = amount - given;
  return shares;
}

CaseFacts BuildCaseFacts(const Case& kase, const Order& order, std::optional<TimePoint> approved_at) {
  CaseFacts facts;
  CaseFactsRow& r = facts.row;
  r.case_id = kase.id;
  r.type = NameOf(kase.type);
  r.reason = kase.reason;
  r.buyer_id = kase.buyer_id;
  r.currency = kase.currency;
  r.state = NameOf(kase.state);
  r.created_at = kase.created_at;
  r.requested_amount = kase.requested_amount;
  r.agreed_amount = kase.agreed_amount;
  r.approved_at = approved_at;
  r.refunded_amount = kase.refunded_amount;
  for (const Refund& refund : kase.refunds) {
    if (refund.status == RefundStatus::kFailed) ++r.refunds_failed;
    if (refund.status == RefundStatus::kIssued) {
      r.refunded_at = std::max(r.refunded_at.value_or(refund.updated_at), refund.updated_at);
    }
  }
  if (kase.return_shipment) {
    r.return_shipped_at = kase.return_shipment->shipped_at;
    r.return_delivered_at = kase.return_shipment->delivered_at;
    r.return_received_at = kase.return_shipment->received_at;
  }
  if (kase.inspection) {
    r.inspection_result = kase.inspection->pass ? "pass" : "fail";
    r.inspection_grade = kase.inspection->grade;
    // Received without a recorded shipment (receive from awaiting_return).
    if (!r.return_received_at) r.return_received_at = kase.inspection->at;
  }

  // A compensation's lines only say what it is about: it takes no units
  // back (SPEC §11.1), so it has no line facts for the goods reports.
  if (kase.type == CaseType::kCompensation) return facts;
  std::vector<Money> weights;
  for (const CaseLine& line : kase.lines) weights.push_back(line.amount);
  const std::vector<Money> shares = SpreadByWeight(kase.refunded_amount, weights);
  for (std::size_t i = 0; i < kase.lines.size(); ++i) {
    const CaseLine& line = kase.lines[i];
    CaseFactLineRow l;
    l.case_id = kase.id;
    l.line_id = line.line_id;
    const OrderLine* ordered = order.FindLine(line.line_id);
    l.sku = ordered ? ordered->sku : "";
    l.qty = line.qty;
    l.refunded_amount = shares[i];
    l.created_at = kase.created_at;
    facts.lines.push_back(std::move(l));
  }
  return facts;
}

Status PutCaseFactsOf(WriteTxn& txn, const Case* before, const Case& after, const Order& order, TimePoint at) {
  const bool first_agreement = after.agreed_amount && (before == nullptr || !before->agreed_amount);
  const CaseFacts facts = BuildCaseFacts(after, order, first_agreement ? std::optional<TimePoint>(at) : std::nullopt);
  if (before == nullptr) return txn.PutCaseFacts(facts.row, facts.lines);
  // What the stored facts say: those of `before`, written by the change
  // that made it (or the backfill), with approved_at kept by the store.
  const CaseFacts stored = BuildCaseFacts(*before, order, std::nullopt);
  if (facts.lines != stored.lines) return txn.PutCaseFacts(facts.row, facts.lines);
  if (facts.row != stored.row) return txn.PutCaseFactsRow(facts.row);
  return Status::Ok();
}

Result<bool> CaseFactsMissing(Store& store) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  auto facts = (*txn)->CountCaseFacts();
  if (!facts.ok()) return facts.status();
  if (*facts > 0) return false;
  auto by_state = (*txn)->CountCasesByState();
  if (!by_state.ok()) return by_state.status();
  return std::any_of(by_state->begin(), by_state->end(), [](const auto& s) { return s.second > 0; });
}

Result<std::int64_t> BackfillCaseFacts(Store& store) {
  auto txn = store.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  AS_RETURN_IF_ERROR(w.ClearCaseFacts());
  CaseFilter filter;
  filter.sort_by_due = false;  // by (created_at, id), keyset pages
  filter.limit = kBackfillPage;
  std::int64_t written = 0;
  while (true) {
    auto rows = w.ListCases(filter);
    if (!rows.ok()) return rows.status();
    std::map<std::string, Order> orders;  // the page's orders, each read once
    for (const CaseRow& row : *rows) {
      auto kase = CaseFromRow(row, {});
      if (!kase.ok()) return kase.status();
      auto it = orders.find(row.order_id);
      if (it == orders.end()) {
        auto order = w.GetOrder(row.order_id);
        if (!order.ok()) return order.status();
        if (!order->has_value()) return Status::Internal("case " + row.id + " has no order " + row.order_id);
        it = orders.emplace(row.order_id, std::move(**order)).first;
      }
      auto approved_at = FirstApprovalAt(w, row.id);
      if (!approved_at.ok()) return approved_at.status();
      const CaseFacts facts = BuildCaseFacts(*kase, it->second, *approved_at);
      AS_RETURN_IF_ERROR(w.PutCaseFacts(facts.row, facts.lines));
      ++written;
    }
    if (rows->size() < static_cast<std::size_t>(kBackfillPage)) break;
    filter.has_cursor = true;
    filter.cursor_key = rows->back().created_at;
    filter.cursor_id = rows->back().id;
  }
  AS_RETURN_IF_ERROR(w.Commit());
  return written;
}

}  // namespace aftersales
