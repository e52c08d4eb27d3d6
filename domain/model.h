// The records of SPEC §3: orders, cases and the parts of a case. Plain
// values: no behaviour beyond small queries, no I/O. Money is always an
// integer number of minor units (fen, cents) of the order's currency.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/vocabulary.h"

namespace aftersales {

using Money = std::int64_t;

struct OrderLine {
  std::string line_id;
  std::string sku;
  std::string title;
  std::int64_t qty = 0;
  Money paid = 0;  // the line total
  bool no_reason_return = true;
};

// Units of one order line that left in a shipment.
struct ShippedLine {
  std::string line_id;
  std::int64_t qty = 0;
};

// One parcel of an order (SPEC §10.2). Carrier and tracking number are null
// for the shipment a delivery report (or an order created shipped) implies.
struct OrderShipment {
  std::string id;
  std::optional<std::string> carrier;
  std::optional<std::string> tracking_no;
  std::vector<ShippedLine> lines;
  TimePoint shipped_at = 0;
  std::string by;  // user id
};

// SPEC §10.1: unshipped while some unit is still to ship; else shipped when
// one left, else refunded (every unit refunded before shipment).
enum class ShipmentStatus { kUnshipped, kShipped, kRefunded };
const char* NameOf(ShipmentStatus s);
std::optional<ShipmentStatus> ParseShipmentStatus(std::string_view s);

struct Order {
  std::string id;
  std::string buyer_id;
  std::string currency;  // ISO 4217, three upper-case letters
  TimePoint placed_at = 0;
  TimePoint paid_at = 0;  // placed_at unless given
  std::optional<TimePoint> ship_by;  // none: shipping is not supervised
  std::optional<TimePoint> delivered_at;
  Money shipping_paid = 0;
  std::vector<OrderLine> lines;
  std::vector<OrderShipment> shipments;  // oldest first
  // Kept by the engine (engine/cases/order_fulfilment.h) with the shipments
  // and the cases on the order; stored for the warehouse queue's filters.
  ShipmentStatus shipment_status = ShipmentStatus::kUnshipped;
  int policy_version = 0;  // the policy at creation: its ship_within_hours and late compensation
  TimePoint created_at = 0;

  // Units of `line_id` that left in a shipment.
  std::int64_t ShippedQty(const std::string& line_id) const {
    std::int64_t n = 0;
    for (const auto& s : shipments) {
      for (const auto& l : s.lines) {
        if (l.line_id == line_id) n += l.qty;
      }
    }
    return n;
  }
  // The latest shipment's time once shipped (SPEC v3.1), else none.
  std::optional<TimePoint> ShippedAt() const {
    if (shipment_status != ShipmentStatus::kShipped || shipments.empty()) return std::nullopt;
    TimePoint t = shipments.front().shipped_at;
    for (const auto& s : shipments) t = std::max(t, s.shipped_at);
    return t;
  }

  const OrderLine* FindLine(const std::string& line_id) const {
    for (const auto& l : lines) {
      if (l.line_id == line_id) return &l;
    }
    return nullptr;
  }
  Money PaidTotal() const {
    Money t = shipping_paid;
    for (const auto& l : lines) t += l.paid;
    return t;
  }
};

// A reference to a row of the erasable texts table (SPEC §7): the audit log
// and the case keep the id and the SHA-256, never the text itself.
struct TextRef {
  std::string id;
  std::string sha256;
};

enum class Visibility { kInternal, kBuyer };

// A piece of free text waiting to be written with the case (see TextRef).
struct Text {
  std::string id;
  std::string case_id;
  std::string kind;  // description, evidence, note, comment, …
  Visibility visibility = Visibility::kBuyer;
  std::string author_id;
  std::string body;
  std::string sha256;
  TimePoint created_at = 0;
};

struct CaseLine {
  std::string line_id;
  std::int64_t qty = 0;
  std::optional<std::string> replacement_sku;
  Money amount = 0;  // this case's share of the line's `paid` (SPEC §3 ledger)
};

// The form a compensation takes (SPEC §11.1).
enum class CompensationForm { kCash, kVoucher, kPoints };
const char* NameOf(CompensationForm f);
std::optional<CompensationForm> ParseCompensationForm(const std::string& s);

// A compensation case's record (SPEC §11.1): what was agreed, then what was
// issued. The voucher code is an erasable buyer-visible text (SPEC §7).
struct Compensation {
  CompensationForm form = CompensationForm::kVoucher;
  Money amount = 0;  // = agreed_amount once agreed
  std::optional<TextRef> voucher_code;
  std::optional<TimePoint> expires_at;
  std::optional<std::string> external_ref;
  std::optional<TimePoint> issued_at;
  std::optional<std::string> issued_by;  // user id
  // Who fixed the agreed amount (approve, a grant; an accepted offer's
  // maker; "system"), for the compensation report. Not served.
  std::optional<std::string> agreed_by;
};

struct Offer {
  Money amount = 0;
  bool return_required = false;
  std::optional<CompensationForm> form;  // a compensation offer's form
  std::optional<TextRef> note;
  std::string by;  // user id
  TimePoint at = 0;
};

struct Shipment {
  std::string carrier;
  std::string tracking_no;
  std::optional<std::string> sku;
  TimePoint shipped_at = 0;
  std::optional<TimePoint> delivered_at;
  std::optional<TimePoint> received_at;
};

struct InspectedLine {
  std::string line_id;
  std::int64_t received = 0;
  std::int64_t damaged = 0;
  std::int64_t restocked = 0;
};

struct Inspection {
  bool pass = false;
  std::optional<std::string> grade;
  std::optional<TextRef> note;
  std::vector<InspectedLine> lines;
  std::string by;
  TimePoint at = 0;
};

enum class RefundStatus { kPending, kIssued, kFailed };
const char* NameOf(RefundStatus s);

struct Refund {
  std::string id;
  Money amount = 0;
  RefundStatus status = RefundStatus::kPending;
  std::optional<std::string> external_ref;
  std::optional<TextRef> error;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;
};

// §12: one repair_update, appended to the case's repair progress. Its note
// is always the buyer's to read.
struct RepairProgress {
  std::string status;  // diagnosed, waiting_parts, repaired, unrepairable
  TextRef note;
  TimePoint at = 0;
  std::string by;  // user id
};

// §12: a repair case's own data.
struct Repair {
  std::optional<std::int64_t> attempt;  // fixed on entering repairing
  TimePoint warranty_ends_at = 0;       // the earliest of its lines', fixed at submit
  std::vector<RepairProgress> progress;
  std::optional<TimePoint> repairing_from;   // entered repairing
  std::optional<TimePoint> repairing_until;  // left it (none while repairing)
};

// An open (or breached, still listed) deadline of the case's current state.
struct Deadline {
  std::int64_t id = 0;  // 0 until stored
  DeadlineKind kind = DeadlineKind::kMerchantResponse;
  TimePoint started_at = 0;
  TimePoint due_at = 0;
  bool breached = false;
};

// The abuse signals of a case's buyer at submit (docs/reports.md, "Abuse
// signals"): the buyer's figures over the policy's risk window, the new case
// included, and the thresholds they reached (engine/risk.h).
struct RiskSignals {
  std::int64_t cases = 0;
  std::int64_t refund_only_cases = 0;
  Money refunded_amount = 0;  // every currency summed
  std::int64_t orders = 0;    // placed in the window
  std::optional<std::int64_t> return_rate_percent;  // none below min_orders_for_rate
};

struct Risk {
  bool flagged = false;
  std::vector<std::string> reasons;  // the signals that reached their thresholds
  RiskSignals signals;
};

struct Case {
  std::string id;
  CaseType type = CaseType::kRefundOnly;
  State state = State::kRequested;
  std::int64_t version = 1;
  std::string order_id;
  std::string buyer_id;
  std::string reason;
  std::optional<TextRef> description;
  std::vector<TextRef> evidence;
  std::vector<CaseLine> lines;
  std::string currency;
  Money requested_amount = 0;
  std::optional<Money> agreed_amount;
  Money refunded_amount = 0;
  std::optional<std::string> assignee;
  std::optional<Offer> offer;
  std::vector<Offer> offer_history;  // every offer made, newest last
  std::optional<Shipment> return_shipment;
  std::optional<Shipment> replacement_shipment;
  std::optional<Shipment> repaired_shipment;  // §12: the repaired goods going back
  std::optional<Repair> repair;               // §12: repair cases only
  std::optional<Inspection> inspection;
  std::vector<Refund> refunds;
  std::vector<Deadline> deadlines;
  std::optional<std::string> close_reason;
  std::optional<std::string> reject_reason;
  bool return_address_due = false;  // the policy's return address is shown
  bool return_required = false;     // fixed with agreed_amount
  bool holds_shipping = false;      // the case carries the order's shipping
  int modifications = 0;            // successful `modify` actions so far
  int policy_version = 0;
  std::optional<Risk> risk;  // fixed at submit; none on cases stored before risk existed
  // Compensation cases (SPEC §11): the form asked for at submit, the record,
  // what was paid out, and whether the system submitted it (§10.4 late
  // compensation, the only kind a manager may waive).
  std::optional<Compensation> compensation;
  Money compensated_amount = 0;
  bool system_submitted = false;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;

  bool RiskFlagged() const { return risk && risk->flagged; }
  bool GoodsReceived() const { return inspection.has_value(); }
  Money LinesAmount() const {
    Money t = 0;
    for (const auto& l : lines) t += l.amount;
    return t;
  }
  // The money outcome (refund) versus a replacement or a repair (agreed 0).
  bool MoneyOutcome() const {
    return (type != CaseType::kExchange && type != CaseType::kRepair) || agreed_amount.value_or(0) > 0;
  }
  // Pending and issued refunds of this case.
  Money RefundsHeld() const {
    Money t = 0;
    for (const auto& r : refunds) {
      if (r.status != RefundStatus::kFailed) t += r.amount;
    }
    return t;
  }
  // Whether the case still holds its units (SPEC §3): units come back only
  // when cancelled, or closed before receipt and without a refund; received
  // units never do (a cancel after a failed inspection keeps them), except
  // a repaired case's (§12: it leaves the ledger).
  bool HoldsUnits() const {
    if (type == CaseType::kCompensation) return false;  // compensation holds no units (SPEC §3 v3)
    if (state == State::kRepaired) return false;
    if (GoodsReceived()) return true;
    if (state == State::kCancelled) return false;
    if (state == State::kClosed && !GoodsReceived() && RefundsHeld() == 0) return false;
    return true;
  }
};

}  // namespace aftersales
