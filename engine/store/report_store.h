// The report tables of the store seam (engine/store/store.h): staff events
// and case facts written with every change, and the aggregates the reports
// read from them (docs/reports.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

// One staff event (docs/reports.md "Staff events"): what the audit entry
// `seq` says a staff member did, derived from the log alone
// (engine/staff_events.h). Key: (seq, user_id, kind). `at` is the entry's
// time; `value` is seconds (first_response), minor units (refunded, with
// `currency`) or 0.
struct StaffEventRow {
  std::int64_t seq = 0;
  TimePoint at = 0;
  std::string user_id;
  std::string case_id;
  std::string kind;
  std::int64_t value = 0;
  std::optional<std::string> currency;

  bool operator==(const StaffEventRow& o) const {
    return seq == o.seq && at == o.at && user_id == o.user_id && case_id == o.case_id && kind == o.kind &&
           value == o.value && currency == o.currency;
  }
  bool operator!=(const StaffEventRow& o) const { return !(*this == o); }
};

// Staff events of a period grouped by (user_id, kind): how many, and the sum
// of their values.
struct StaffEventCount {
  std::string user_id;
  std::string kind;
  std::int64_t count = 0;
  std::int64_t sum = 0;
};

// The report figures of one case (table case_facts; docs/reports.md),
// written by the engine with every change of the case (engine/case_facts.h).
// Money in `currency`.
struct CaseFactsRow {
  std::string case_id;
  std::string type;
  std::string reason;
  std::string buyer_id;
  std::string currency;
  std::string state;
  TimePoint created_at = 0;
  Money requested_amount = 0;
  std::optional<Money> agreed_amount;
  std::optional<TimePoint> approved_at;  // the first time the case got an agreed amount
  Money refunded_amount = 0;
  std::optional<TimePoint> refunded_at;  // refund_issued
  std::int64_t refunds_failed = 0;       // failed refund attempts
  std::optional<TimePoint> return_shipped_at;
  std::optional<TimePoint> return_delivered_at;
  std::optional<TimePoint> return_received_at;
  std::optional<std::string> inspection_result;  // pass | fail
  std::optional<std::string> inspection_grade;

  bool operator==(const CaseFactsRow& o) const {
    return case_id == o.case_id && type == o.type && reason == o.reason && buyer_id == o.buyer_id &&
           currency == o.currency && state == o.state && created_at == o.created_at &&
           requested_amount == o.requested_amount && agreed_amount == o.agreed_amount &&
           approved_at == o.approved_at && refunded_amount == o.refunded_amount && refunded_at == o.refunded_at &&
           refunds_failed == o.refunds_failed && return_shipped_at == o.return_shipped_at &&
           return_delivered_at == o.return_delivered_at && return_received_at == o.return_received_at &&
           inspection_result == o.inspection_result && inspection_grade == o.inspection_grade;
  }
  bool operator!=(const CaseFactsRow& o) const { return !(*this == o); }
};

// One line of a case in the reports (table case_fact_lines): its SKU, its
// units and its share of the case's refunded amount; `created_at` is the
// case's.
struct CaseFactLineRow {
  std::string case_id;
  std::string line_id;
  std::string sku;
  std::int64_t qty = 0;
  Money refunded_amount = 0;
  TimePoint created_at = 0;

  bool operator==(const CaseFactLineRow& o) const {
    return case_id == o.case_id && line_id == o.line_id && sku == o.sku && qty == o.qty &&
           refunded_amount == o.refunded_amount && created_at == o.created_at;
  }
  bool operator!=(const CaseFactLineRow& o) const { return !(*this == o); }
};

// Case facts of a period summed per (reason, currency, inspection_grade);
// money in the row's currency.
struct CaseFactTotalsRow {
  std::string reason;
  std::string currency;
  std::optional<std::string> inspection_grade;  // none: not inspected, or inspected without a grade
  std::int64_t cases = 0;
  std::int64_t approved = 0;        // agreed_amount > 0 (a replacement agreed at 0 is no money)
  std::int64_t refunded_cases = 0;  // refunded_at set
  Money refunded_amount = 0;
  std::int64_t refunds_failed = 0;   // failed attempts, summed
  std::int64_t awaiting_refund = 0;  // state refunding
  std::int64_t inspected = 0;        // inspection_result set
  std::int64_t passed = 0;
  std::int64_t failed = 0;
};

// Case fact lines of a period summed per (reason, type, sku).
struct CaseFactLineTotalsRow {
  std::string reason;
  std::string type;
  std::string sku;
  std::int64_t cases = 0;  // distinct cases
  std::int64_t units = 0;
  Money refunded_amount = 0;  // lines of cases in the asked currency only
};

// Time spans read from case facts (CaseFactSeconds).
enum class CaseFactSpan {
  kReceipt,           // return_received_at − (return_delivered_at, else return_shipped_at)
  kApprovalToRefund,  // refunded_at − approved_at
};

// Deadlines of a period (by started_at) summed per kind.
struct DeadlineTotalsRow {
  std::string kind;
  std::int64_t started = 0;
  std::int64_t open = 0;      // status open or breached: not yet done
  std::int64_t breached = 0;  // breached_at set (breached at some time)
  std::int64_t extended = 0;  // moved by a bulk extension at least once
};

// One order of the shipping figures: when it was paid and shipped, and
// whether its order_ship deadline was breached.
struct OrderShippingRow {
  TimePoint paid_at = 0;
  std::optional<TimePoint> shipped_at;  // once shipped
  bool late = false;
};

class ReportReads {
 public:
  virtual ~ReportReads() = default;
  // Staff events (docs/reports.md). Periods are [from, to) over `at`; an
  // absent bound is open on that side.
  // Events with after_seq < seq <= up_to_seq, by (seq, user_id, kind).
  virtual Result<std::vector<StaffEventRow>> ListStaffEvents(std::int64_t after_seq, std::int64_t up_to_seq) = 0;
  // The highest seq that has events; nullopt when the table is empty.
  virtual Result<std::optional<std::int64_t>> LastStaffEventSeq() = 0;
  // Events of the period grouped by (user_id, kind), in that order; with
  // `currency`, only events in that currency.
  virtual Result<std::vector<StaffEventCount>> CountStaffEvents(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to,
                                                                const std::optional<std::string>& currency) = 0;
  // (user_id, value) of the period's events of `kind`, by (user_id, value).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> StaffEventValues(const std::string& kind,
                                                                                     std::optional<TimePoint> from,
                                                                                     std::optional<TimePoint> to) = 0;
  // The period's events of one user, by (seq, kind).
  virtual Result<std::vector<StaffEventRow>> StaffEventsOfUser(const std::string& user_id,
                                                               std::optional<TimePoint> from,
                                                               std::optional<TimePoint> to) = 0;
  // The currency of most cases (ties: the first in code order); nullopt
  // when there are no cases.
  virtual Result<std::optional<std::string>> MostCommonCaseCurrency() = 0;

  // Case facts and the case reports (docs/reports.md). A period is
  // [from, to) over the cases' created_at (deadlines: started_at; orders:
  // placed_at); an absent bound is open on that side.
  // The facts of one case; its lines by line_id.
  virtual Result<std::optional<CaseFactsRow>> GetCaseFacts(const std::string& case_id) = 0;
  virtual Result<std::vector<CaseFactLineRow>> CaseFactLines(const std::string& case_id) = 0;
  // How many cases have facts.
  virtual Result<std::int64_t> CountCaseFacts() = 0;
  // The period's case facts summed per (reason, currency, inspection_grade),
  // ordered by those keys (where a missing grade sorts is the backend's).
  virtual Result<std::vector<CaseFactTotalsRow>> CaseFactTotals(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to) = 0;
  // The period's case fact lines summed per (reason, type, sku), in that
  // order; refunded_amount counts only the lines of cases in `currency`.
  virtual Result<std::vector<CaseFactLineTotalsRow>> CaseFactLineTotals(std::optional<TimePoint> from,
                                                                        std::optional<TimePoint> to,
                                                                        const std::string& currency) = 0;
  // The span `span` in seconds of every case of the period that has both
  // ends (and, with `currency`, is in it), ascending.
  virtual Result<std::vector<std::int64_t>> CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from,
                                                            std::optional<TimePoint> to,
                                                            const std::optional<std::string>& currency) = 0;
  // The period's deadlines summed per kind, by kind.
  virtual Result<std::vector<DeadlineTotalsRow>> DeadlineTotals(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to) = 0;
  // closed_at − started_at of the period's done deadlines of `kind`, ascending.
  virtual Result<std::vector<std::int64_t>> DeadlineSecondsToAct(const std::string& kind,
                                                                 std::optional<TimePoint> from,
                                                                 std::optional<TimePoint> to) = 0;
  // Units sold per SKU on the orders placed in the period, by SKU.
  // Orders paid in [from, to) (SPEC §10.4's warehouse `shipping` figures).
  virtual Result<std::vector<OrderShippingRow>> OrderShipping(std::optional<TimePoint> from,
                                                              std::optional<TimePoint> to) = 0;
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> SoldUnitsBySku(std::optional<TimePoint> from,
                                                                                   std::optional<TimePoint> to) = 0;
};

class ReportWrites {
 public:
  virtual ~ReportWrites() = default;
  // Appends one staff event; already_exists when its (seq, user_id, kind)
  // is taken.
  virtual Status InsertStaffEvent(const StaffEventRow& row) = 0;
  // Inserts or replaces the facts of one case and replaces its lines with
  // `lines`. approved_at, once stored, is kept: a later put never changes or
  // clears it (it is the first approval's time; engine/reports/case_facts.h).
  // So are the case's identity columns (type, reason, buyer_id, currency,
  // created_at), which a case never changes. A put that changes nothing
  // writes no line. already_exists, with nothing written, when `lines`
  // names a line twice.
  virtual Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) = 0;
  // PutCaseFacts of the row alone: the case's lines stay as they are.
  virtual Status PutCaseFactsRow(const CaseFactsRow& row) = 0;
  // Deletes every case facts row and line (a rebuild starts from nothing).
  virtual Status ClearCaseFacts() = 0;
};

}  // namespace aftersales
