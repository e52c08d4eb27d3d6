// Policy: the typed form of SPEC §5's JSON with the keys of §10–§13
// (windows, reasons, limits, the return address, deadline lengths and how
// they count, fulfilment, compensation, repair and warranty, who pays the
// return shipping, the business calendar, the scorecard and abuse signals).
// Parsed and validated once; an invalid document is refused with the
// offending key named. A document naming a `preset` (§13.1) takes each key
// it lacks from that preset. Immutable once built; thread-safe to share.
//
// Every deadline's due time comes from DueAt (and ExtendDue,
// ReceiptDueAfterDelivery, WithdrawalRefundDue): they are where wall hours
// and working hours (§13.2) are told apart.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"
#include "workflows/business_calendar.h"

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
// only once the buyer has `min_orders_for_rate` orders in the window. The
// shipped thresholds flag a shop's outliers, not its ordinary shoppers
// (docs/reports.md, "Abuse signals", has the measurements behind them).
struct RiskPolicy {
  int window_days = 90;
  std::int64_t cases = 8;                 // cases submitted (the new one included)
  std::int64_t refund_only_cases = 6;     // refund_only cases (the new one included)
  Money refunded_amount = 300000;         // minor units refunded, any currency summed
  std::int64_t return_rate_percent = 80;  // 100 × cases ÷ orders placed in the window
  std::int64_t min_orders_for_rate = 8;
  // A flagged case's approval needs a supervisor (or higher) whatever the amount.
  bool require_supervisor = true;
};

// How one deadline kind counts (SPEC §5 and the v3.1 reading: a number of
// hours, or {"hours", "business_hours"?, "after_delivery_hours"?}).
struct DeadlineRule {
  // The length. order_ship has none of its own: it is due at the order's
  // ship_by, by default paid_at + fulfilment.ship_within_hours (0 when that
  // is null: no supervision).
  std::int64_t hours = 0;
  bool business_hours = false;  // count working hours of the policy's calendar
};

// Who pays for sending the goods back (§13.1 return_shipping.paid_by).
enum class ShippingPayer { kBuyer, kShop };
const char* NameOf(ShippingPayer payer);

// §10.4 late compensation: a penalty on the goods still unshipped at ship_by.
struct LateCompensationRule {
  std::int64_t percent = 5;
  Money min = 500;
  Money max = 3000;
  std::string form = "voucher";  // cash | voucher | points
  // min(max(floor(late_goods_paid × percent / 100), min), max): never below
  // `min`, whatever the goods' value (the platforms' rule).
  Money AmountFor(Money late_goods_paid) const;
};

struct FulfilmentPolicy {
  std::optional<std::int64_t> ship_within_hours = 48;  // none: orders are unsupervised without a ship_by
  std::optional<LateCompensationRule> late_compensation = LateCompensationRule{};  // none: no late compensation
};

struct CompensationPolicy {
  int window_days = 30;          // from delivered_at, else paid_at
  int max_percent_of_paid = 30;  // the per-order cap (§11.2)
  int voucher_valid_days = 90;   // a voucher's default expires_at
  // floor(paid_total × max_percent_of_paid / 100).
  Money CapOf(Money paid_total) const;
};

struct RepairPolicy {
  int failures_before_choice = 2;  // §12 demand_remedy: the attempt from which the buyer chooses
};

struct Policy {
  int version = 0;     // assigned when stored
  std::string preset;  // the §13.1 preset the document named; empty: none
  int no_reason_window_days = 7;
  int default_window_days = 15;
  int fault_exchange_window_days = 15;  // an exchange for any reason but no_reason
  std::vector<std::string> reasons;
  std::vector<std::string> reject_reasons;
  std::vector<std::string> compensation_reasons;
  Money agent_limit = 20000;
  Money supervisor_limit = 200000;
  nlohmann::json return_address;
  std::array<DeadlineRule, kDeadlineKindCount> deadline_rules{};
  std::int64_t receipt_after_delivery_hours = 72;
  // eu (§13.1, choice 17): a no_reason return's refund_issue is due
  // refund_issue.hours after submit, or at the return's shipped_at if later.
  bool refund_issue_no_reason_from_submit = false;
  FulfilmentPolicy fulfilment;
  CompensationPolicy compensation;
  RepairPolicy repair;
  int warranty_days = 365;
  // How long a delivered webhook event, and an event no webhook took, is
  // kept (engine/webhooks/webhook_service.h, PruneOutbox); dead letters stay.
  int webhook_retention_days = 30;
  std::map<std::string, int> warranty_days_by_sku_prefix;
  std::map<std::string, ShippingPayer> return_shipping_paid_by;  // by reason; "default" for the rest
  std::optional<BusinessCalendar> calendar;                      // none: deadlines count wall hours only
  ScorecardPolicy scorecard;  // optional in the document: the shipped default's when absent
  RiskPolicy risk;            // optional in the document: the shipped default's when absent
  // The validated document: as given, or for a document naming a preset the
  // merge of it over the preset (what GET /policy serves and what is stored).
  nlohmann::json document;

  bool IsReason(const std::string& r) const;
  bool IsRejectReason(const std::string& r) const;
  bool IsCompensationReason(const std::string& r) const;

  // ---- Deadlines --------------------------------------------------------
  // The configured length of `kind` in hours (order_ship: ship_within_hours,
  // 0 when null).
  std::int64_t DeadlineHours(DeadlineKind kind) const { return deadline_rules[static_cast<int>(kind)].hours; }
  bool CountsBusinessHours(DeadlineKind kind) const { return deadline_rules[static_cast<int>(kind)].business_hours; }
  // When a deadline of `kind` started at `start` is due: start + hours, or,
  // for a business_hours kind, `hours` working hours on the calendar
  // (§13.2). The one function every deadline start goes through. For
  // order_ship, prefer DefaultShipBy: with ship_within_hours null its length
  // is 0 and DueAt answers `start`.
  TimePoint DueAt(DeadlineKind kind, TimePoint start) const;
  // §13.3 bulk extension: `due` moved by `hours`, working hours past `due`
  // for a business_hours kind, else wall hours.
  TimePoint ExtendDue(DeadlineKind kind, TimePoint due, std::int64_t hours) const;
  // merchant_receipt once the return is delivered: delivered_at +
  // after_delivery_hours (working hours when merchant_receipt counts them).
  // The caller keeps the earlier of this and the running due time.
  TimePoint ReceiptDueAfterDelivery(TimePoint delivered_at) const;
  // §10.1: an order's default ship_by, DueAt(order_ship, paid_at); none when
  // fulfilment.ship_within_hours is null (the order is not supervised).
  std::optional<TimePoint> DefaultShipBy(TimePoint paid_at) const;
  // eu's withdrawal rule (§13.1, choice 17): whether the refund_issue of a
  // case with `reason` is due from its submit rather than from entering
  // refunding (and is then not restarted by refund_failed).
  bool RefundIssueFromSubmit(const std::string& reason) const;
  // That due time: max(DueAt(refund_issue, submitted_at), return_shipped_at).
  // Breached at once when already past on entering refunding.
  TimePoint WithdrawalRefundDue(TimePoint submitted_at, std::optional<TimePoint> return_shipped_at) const;

  // ---- Windows and warranty ---------------------------------------------
  // The return window in days of a case of `type` with `reason` (§4.1,
  // §13.1): a compensation's (§11.1 compensation.window_days), no_reason's,
  // an exchange's for any other reason (fault_exchange), else the default.
  int WindowDays(const std::string& reason, CaseType type) const;
  // §12: the warranty of a line by its SKU: the longest matching prefix of
  // warranty_days_by_sku_prefix, else warranty_days.
  int WarrantyDaysFor(const std::string& sku) const;
  // §13.1: who pays the return shipping of a case with `reason`.
  ShippingPayer ReturnShippingPaidBy(const std::string& reason) const;
  // §10.4: the late compensation rule; none when switched off.
  const std::optional<LateCompensationRule>& LateCompensation() const { return fulfilment.late_compensation; }
};

// Validates `doc` into a Policy. A document with "preset": "cn" or "eu" is
// first merged over that preset (MergePolicyDocuments). Keys added in v3 may
// be left out (the shipped values apply), as may scorecard and risk.
// Errors: validation_failed, with the dotted key (for example
// "deadlines.buyer_ship.hours") as the field; an unknown preset names
// "preset".
Result<Policy> ParsePolicy(const nlohmann::json& doc);
// Reads and parses a policy file; the message names the file and the key.
Result<Policy> LoadPolicyFile(const std::string& path);
// The shipped default (workflows/policy.default.json, compiled in): the cn preset.
const char* DefaultPolicyJson();
Policy DefaultPolicy();
// What the eu preset changes in cn (workflows/policy.eu.json, compiled in).
const char* EuPresetDeltaJson();

// §13.1 presets, by name: "cn" (the shipped default) and "eu".
const std::vector<std::string>& PolicyPresetNames();
// A preset's whole document (with "preset" naming it). Errors:
// validation_failed on "preset" for an unknown name.
Result<nlohmann::json> PolicyPresetDocument(const std::string& name);
// `over` laid over `base`: objects merged key by key (recursively), arrays,
// scalars and null replaced.
nlohmann::json MergePolicyDocuments(const nlohmann::json& base, const nlohmann::json& over);

}  // namespace aftersales
