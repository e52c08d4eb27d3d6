// CaseCommands::Submit: SPEC §4 submit with the §4.1 checks in order (a
// compensation's with §11.1's), and SubmitLateCompensation (§10.4).
#include <algorithm>

#include "engine/body_reader.h"
#include "engine/cases/action_rules.h"
#include "engine/cases/case_commands.h"
#include "engine/cases/case_work.h"
#include "engine/cases/order_fulfilment.h"
#include "engine/cases/compensation_rules.h"
#include "engine/cases/late_compensation.h"
#include "engine/crypto.h"
#include "engine/reports/risk.h"
#include "engine/store/write_retry.h"
#include "workflows/deadline_rules.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kCaseIdBytes = 8;
constexpr std::size_t kRiskSaltBytes = 16;

// §4.1 (2): the body's field errors the edge found, then those that need
// the order or the policy.
Status CheckBody(const SubmitCase& s, const Order& order, const Policy& policy) {
  std::vector<FieldError> errors = s.errors;
  const bool compensation = s.type == CaseType::kCompensation;
  // SPEC §11.1: a compensation's reasons are its own (`other` is in both lists).
  if (s.reason && !(compensation ? policy.IsCompensationReason(*s.reason) : policy.IsReason(*s.reason))) {
    errors.push_back({"reason", std::string("unknown ") + (compensation ? "compensation " : "") + "reason " + *s.reason});
  }
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    if (!order.FindLine(s.lines[i].line_id)) {
      errors.push_back({"lines[" + std::to_string(i) + "].line_id", "no line " + s.lines[i].line_id + " on the order"});
    }
  }
  if (s.buyer_id && *s.buyer_id != order.buyer_id) errors.push_back({"buyer_id", "is not the order's buyer"});
  if (s.reason == std::optional<std::string>("not_shipped") && s.type && *s.type != CaseType::kRefundOnly) {
    errors.push_back({"reason", "not_shipped is a refund_only reason"});
  }
  if (errors.empty() && compensation && (!s.compensation_form || s.requested_amount.value_or(0) < 1)) {
    errors.push_back({"compensation", "a compensation names its form and requests at least 1"});
  }
  if (errors.empty() && (!s.type || !s.reason || (s.lines.empty() && !compensation))) {
    errors.push_back({"body", "type, reason and lines are required"});
  }
  return ValidationErrors(errors);
}

// SPEC §10.3: a refund before shipment takes units that neither left in a
// shipment nor belong to another live or refunded not_shipped case.
Status CheckUnshipped(const SubmitCase& s, const Order& order, const std::vector<Case>& cases) {
  for (const auto& l : s.lines) {
    std::int64_t claimed = 0;
    for (const auto& c : cases) {
      if (!IsRefundBeforeShipment(c) || !c.HoldsUnits()) continue;
      for (const auto& cl : c.lines) {
        if (cl.line_id == l.line_id) claimed += cl.qty;
      }
    }
    const std::int64_t left = order.FindLine(l.line_id)->qty - order.ShippedQty(l.line_id) - claimed;
    if (l.qty > left) {
      return Status(Code::kAlreadyShipped,
                    "line " + l.line_id + ": only " + std::to_string(std::max<std::int64_t>(left, 0)) +
                        " unit(s) have not shipped");
    }
  }
  return Status::Ok();
}

// §11.1: a compensation skips the unit and delivery checks; its window
// counts from delivery, else payment; then the per-order cap (§11.2).
Status CheckCompensation(const SubmitCase& s, const Order& order, const std::vector<Case>& cases,
                         const Policy& policy, TimePoint now) {
  AS_RETURN_IF_ERROR(CompensationWindowCheck(order, policy, now));
  const Money remaining = CompensationRemaining(order, cases, policy);
  if (s.requested_amount.value_or(0) > remaining) return CompensationCapExceeded(*s.requested_amount, remaining);
  return Status::Ok();
}

// §4.1 (3)-(6): quantities, delivery, the return window (a repair's
// warranty, §12: its end is kept in `warranty_ends`), eligibility.
Status CheckLedger(const SubmitCase& s, const Order& order, const Ledger& ledger, const std::vector<Case>& cases,
                   const Policy& policy, TimePoint now, std::optional<TimePoint>* warranty_ends) {
  for (const auto& l : s.lines) {
    const std::int64_t left = ledger.ReturnableQty(l.line_id);
    if (l.qty > left) {
      return Status(Code::kQuantityExceedsReturnable,
                    "line " + l.line_id + ": " + std::to_string(left) + " unit(s) can still be returned");
    }
  }
  // Refund before shipment: delivery, the window and eligibility do not apply.
  if (*s.reason == "not_shipped") return CheckUnshipped(s, order, cases);
  if (Workflow::For(*s.type).facts().returns_goods && !order.delivered_at) {
    return Status(Code::kOrderNotDelivered, "a return needs a delivered order");
  }
  if (*s.type == CaseType::kRepair) {
    std::vector<CaseLine> lines;
    for (const auto& l : s.lines) lines.push_back({l.line_id, l.qty, std::nullopt, 0});
    AS_ASSIGN_OR_RETURN(*warranty_ends, WarrantyCheck(order, lines, cases, policy, now));
  } else {
    AS_RETURN_IF_ERROR(ReturnWindowCheck(order, *s.reason, *s.type, policy, now));
  }
  if (*s.reason == "no_reason") {
    for (const auto& l : s.lines) {
      if (!order.FindLine(l.line_id)->no_reason_return) {
        return Status(Code::kNotEligible, "line " + l.line_id + " is not eligible for a no-reason return");
      }
    }
  }
  return Status::Ok();
}

// The new case, its amounts from the ledger; §4.1 (7) the requested amount.
Result<Case> NewCase(const SubmitCase& s, const Order& order, const Ledger& ledger, const Policy& policy,
                     TimePoint now) {
  Case c;
  c.id = NewCaseId();
  c.type = *s.type;
  c.state = State::kRequested;
  c.order_id = order.id;
  c.buyer_id = order.buyer_id;
  c.reason = *s.reason;
  c.currency = order.currency;
  c.policy_version = policy.version;
  c.created_at = now;
  c.updated_at = now;
  if (c.type == CaseType::kCompensation) {
    // No units, no ledger money (SPEC §3 v3): the lines only say what it is about.
    for (const auto& l : s.lines) c.lines.push_back({l.line_id, l.qty, std::nullopt, 0});
    c.requested_amount = *s.requested_amount;
    c.compensation.emplace().form = *s.compensation_form;
    return c;
  }
  for (const auto& l : s.lines) {
    c.lines.push_back({l.line_id, l.qty, l.replacement_sku, ledger.LineAmount(l.line_id, l.qty)});
  }
  c.holds_shipping = ledger.WouldHoldShipping(c.lines);
  const Money refundable = ledger.CaseCap(c);
  if (s.requested_amount && *s.requested_amount > refundable) {
    return Status(Code::kAmountExceedsRefundable, "requested_amount " + std::to_string(*s.requested_amount) +
                                                      " exceeds the refundable " + std::to_string(refundable));
  }
  c.requested_amount = Workflow::For(c.type).facts().replacement ? 0 : s.requested_amount.value_or(refundable);
  return c;
}

// The submit entry's `risk`, with a random salt: a buyer's timeline leaves
// `risk` out, and without the salt the few possible values could be guessed
// back from the entry's hash, which the buyer sees.
json SaltedRisk(const Risk& risk) {
  json out = RiskToJson(risk);
  out["salt"] = RandomHex(kRiskSaltBytes);
  return out;
}

json SubmitData(const Case& c, const json& text_ids) {
  json lines = json::array();
  for (const auto& l : c.lines) {
    json line = {{"line_id", l.line_id}, {"qty", l.qty}, {"amount", l.amount}};
    if (l.replacement_sku) line["replacement_sku"] = *l.replacement_sku;
    lines.push_back(line);
  }
  json evidence = json::array();
  for (const auto& e : c.evidence) evidence.push_back(RefJson(e));
  json data = {{"order_id", c.order_id},
          {"buyer_id", c.buyer_id},
          {"type", NameOf(c.type)},
          {"reason", c.reason},
          {"lines", lines},
          {"currency", c.currency},
          {"requested_amount", c.requested_amount},
          {"holds_shipping", c.holds_shipping},
          {"policy_version", c.policy_version},
          {"description", c.description ? RefJson(*c.description) : json(nullptr)},
          {"evidence", evidence},
          {"texts", text_ids},
          {"version", c.version}};
  if (c.risk) data["risk"] = SaltedRisk(*c.risk);  // none on the system's late compensation
  if (c.compensation) data["compensation"] = {{"form", NameOf(c.compensation->form)}};
  if (c.repair) data["warranty_ends_at"] = FormatTime(c.repair->warranty_ends_at);  // §12
  return data;
}

json CreatedEvent(const Case& c) {
  return {{"case_id", c.id},
          {"order_id", c.order_id},
          {"buyer_id", c.buyer_id},
          {"type", NameOf(c.type)},
          {"state", NameOf(c.state)},
          {"requested_amount", c.requested_amount},
          {"currency", c.currency}};
}

}  // namespace

Result<CaseView> CaseCommands::Submit(const Actor& actor, const SubmitCase& s, const CommitHook& hook) {
  return RetryLostRaces([&] { return SubmitOnce(actor, s, hook); });
}

Result<CaseView> CaseCommands::SubmitOnce(const Actor& actor, const SubmitCase& s, const CommitHook& hook) {
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginKeyedWrite());
  AS_RETURN_IF_ERROR(txn->LockOrder(s.order_id).status());
  // §4.1 (1): the order exists and the caller may see it.
  AS_ASSIGN_OR_RETURN(auto found, txn->GetOrder(s.order_id));
  if (!found || !MaySeeBuyer(actor, found->buyer_id)) return Status::NotFound("order " + s.order_id);
  const Order& order = *found;
  if (!(roles::kSubmitters & Bit(actor.role))) return Status(Code::kForbidden, "this role does not submit cases");
  auto policy = policies_.Current();
  if (!policy) return Status::Unavailable("no policy loaded");
  AS_RETURN_IF_ERROR(CheckBody(s, order, *policy));
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(*txn, order.id));
  const Ledger ledger(order, cases);
  std::optional<TimePoint> warranty_ends;
  if (s.type == CaseType::kCompensation) {
    AS_RETURN_IF_ERROR(CheckCompensation(s, order, cases, *policy, now));
  } else {
    AS_RETURN_IF_ERROR(CheckLedger(s, order, ledger, cases, *policy, now, &warranty_ends));
  }
  AS_ASSIGN_OR_RETURN(Case kase, NewCase(s, order, ledger, *policy, now));
  if (warranty_ends) kase.repair = Repair{std::nullopt, *warranty_ends, {}, std::nullopt, std::nullopt};
  // The buyer's abuse signals, under the policy the case is submitted under.
  AS_ASSIGN_OR_RETURN(auto history, GatherBuyerHistory(*txn, kase.buyer_id, kase.type, now, policy->risk));
  kase.risk = AssessRisk(history, policy->risk);
  StartInitialDeadlines(kase, *policy, now);
  CaseWork work = CaseWork::Create(*txn, std::move(kase), order);
  Case& c = work.kase();
  if (s.description) c.description = work.AddText("description", Visibility::kBuyer, actor.id, *s.description, now);
  for (const auto& url : s.evidence) c.evidence.push_back(work.AddText("evidence", Visibility::kBuyer, actor.id, url, now));
  work.Audit(actor, "submit", std::nullopt, c.state, SubmitData(c, work.NewTextIds()), now);
  work.Emit("case.created", CreatedEvent(c), now);
  AS_RETURN_IF_ERROR(work.WriteCase(now));
  AS_ASSIGN_OR_RETURN(CaseView view, work.View(actor, *policy, now));
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(work.WriteRecord(now));
  AS_RETURN_IF_ERROR(txn->Commit());
  FireStartedDue(c);
  return view;
}

}  // namespace aftersales

namespace aftersales {

std::string NewCaseId() { return "cs_" + RandomIdHex(kCaseIdBytes); }

bool LateCompensationDue(const Policy& policy, Money late_goods_paid) {
  const auto& rule = policy.LateCompensation();
  return rule && late_goods_paid > 0 && rule->AmountFor(late_goods_paid) > 0;
}

Result<std::optional<std::string>> SubmitLateCompensation(WriteTxn& txn, const Order& order, const Policy& policy,
                                                          Money late_goods_paid, TimePoint at,
                                                          const std::string& case_id) {
  if (!LateCompensationDue(policy, late_goods_paid)) return std::optional<std::string>();
  const auto& rule = policy.LateCompensation();
  const Money amount = rule->AmountFor(late_goods_paid);
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(txn, order.id));
  const Money cap_remaining = CompensationRemaining(order, cases, policy);
  Case c;
  c.id = case_id;
  c.type = CaseType::kCompensation;
  c.state = State::kCompensating;
  c.order_id = order.id;
  c.buyer_id = order.buyer_id;
  c.reason = "late_shipment";
  c.currency = order.currency;
  c.policy_version = policy.version;
  c.requested_amount = amount;
  c.agreed_amount = amount;
  c.system_submitted = true;
  Compensation& record = c.compensation.emplace();
  record.form = ParseCompensationForm(rule->form).value_or(CompensationForm::kVoucher);
  record.amount = amount;
  record.agreed_by = "system";
  c.created_at = at;
  c.updated_at = at;
  StartInitialDeadlines(c, policy, at);
  CaseWork work = CaseWork::Create(txn, std::move(c), order);
  const Case& kase = work.kase();
  json data = SubmitData(kase, work.NewTextIds());
  data["agreed_amount"] = amount;
  data["paid_total"] = order.PaidTotal();
  data["late_goods_paid"] = late_goods_paid;
  data["percent"] = rule->percent;
  data["min"] = rule->min;
  data["max"] = rule->max;
  data["cap_remaining"] = cap_remaining;
  work.Audit(Actor::System(), "submit", std::nullopt, kase.state, std::move(data), at);
  work.Emit("case.created", CreatedEvent(kase), at);
  work.EmitCompensationRequested(at);
  const std::string id = kase.id;
  AS_RETURN_IF_ERROR(work.Write(at));
  return std::optional<std::string>(id);
}

}  // namespace aftersales
