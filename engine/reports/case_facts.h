// Case facts: one row per case (and one per case line) holding the figures
// that the case reports read (docs/reports.md: reasons, warehouse, finance),
// so that a report is a few aggregates over indexed columns instead of a
// walk over every case document. The engine writes them in the same
// transaction as every change of the case (engine/case_service.cc); an
// upgraded database gets them once from BackfillCaseFacts.
//
// What a facts row says about its case:
//  - approved_at: the first time the case got an agreed amount (approve,
//    accept_offer, a granting arbitrate, an automatic approval). The case
//    document does not keep that time, so the change that fixes the first
//    agreed amount passes it, and the store keeps it once set (see
//    WriteTxn::PutCaseFacts).
//  - refunded_at: when refund_issued happened (the issued refund's time);
//    refunds_failed: failed refund attempts.
//  - return_*: the return shipment's times; received_at is the time of the
//    inspection when the goods came without a recorded shipment.
//  - inspection_result/grade: the case's inspection (an automatic receipt on
//    an expired merchant_receipt is a pass without a grade, as the case
//    itself says).
//  - Lines: none for a compensation (it takes no units back). Otherwise the
//    case's refunded amount spread over its lines in proportion
//    to their amounts (rounded down, the rest to the last line), so that the
//    lines of a case add up to exactly its refunded amount.
//
// Pure functions except the two that take a Store or WriteTxn; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

struct CaseFacts {
  CaseFactsRow row;
  std::vector<CaseFactLineRow> lines;  // in the case's line order
};

// The facts of `kase`, whose order is `order` (for each line's SKU; a line
// the order no longer names gets an empty SKU). `approved_at` goes into the
// row as given.
CaseFacts BuildCaseFacts(const Case& kase, const Order& order, std::optional<TimePoint> approved_at);

// `amount` spread over `weights` in proportion, each share rounded down and
// the rest given to the last; all to the last when the weights add up to 0.
// The shares add up to `amount`. Empty when `weights` is.
std::vector<Money> SpreadByWeight(Money amount, const std::vector<Money>& weights);

// Writes the facts of `after` in `txn` (the change's transaction). `before`
// is the case before the change, or nullptr for a new case; when the change
// gives the case its first agreed amount, `at` (the time of the change's
// audit entry) becomes approved_at. Only what the change moved is written:
// nothing when the facts of `after` equal those of `before`, the row alone
// when the lines are equal (a case's facts follow from the case and its
// order's SKUs, which never change; the stored facts are thus those of
// `before`, as its change or the backfill wrote them). Errors: those of
// WriteTxn::PutCaseFacts and PutCaseFactsRow; on error the caller abandons
// the transaction.
Status PutCaseFactsOf(WriteTxn& txn, const Case* before, const Case& after, const Order& order, TimePoint at);

// Whether the store has cases but no case facts: a database upgraded from
// schema version 2, which BackfillCaseFacts completes. Errors: unavailable.
Result<bool> CaseFactsMissing(Store& store);

// Rebuilds every case's facts from the stored cases and orders in one write
// transaction (existing facts are replaced) and returns how many cases it
// wrote. approved_at comes from the audit log: the time of the case's first
// entry whose `effects` fix an agreed amount, which is exactly what the
// write path records; null when the log has no such entry. Errors:
// unavailable, internal (a stored case that does not decode or lacks its
// order); on error nothing is written.
Result<std::int64_t> BackfillCaseFacts(Store& store);

}  // namespace aftersales
