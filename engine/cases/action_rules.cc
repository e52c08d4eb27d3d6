#include "engine/cases/action_rules.h"

#include <algorithm>
#include <type_traits>

#include "engine/body_reader.h"
#include "engine/cases/approval_limit.h"
#include "workflows/repair_rules.h"

namespace aftersales {
namespace {

using nlohmann::json;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

void CheckReceive(const Case& c, const act::Receive& e, BodyReader& r) {
  bool short_or_damaged = false;
  if (e.lines) {
    for (const auto& l : *e.lines) {
      auto it = std::find_if(c.lines.begin(), c.lines.end(), [&](const CaseLine& cl) { return cl.line_id == l.line_id; });
      if (it == c.lines.end()) {
        r.Fail("lines", "line " + l.line_id + " is not part of this case");
      } else if (l.received > it->qty) {
        r.Fail("lines", "more units of " + l.line_id + " received than the case names");
      } else if (l.received < it->qty || l.damaged > 0) {
        short_or_damaged = true;
      }
    }
  }
  if (short_or_damaged && e.pass) {
    r.Fail("result", "must be fail when fewer units arrive than the case names or any is damaged");
  }
}

void CheckCarrierUpdate(const Case& c, const act::CarrierUpdate& e, TimePoint now, BodyReader& r) {
  const act::ShipmentLeg want = c.state == State::kReturnInTransit   ? act::ShipmentLeg::kReturn
                                : c.state == State::kRepairedShipped ? act::ShipmentLeg::kRepaired
                                                                     : act::ShipmentLeg::kReplacement;
  if (e.shipment != want) {
    r.Fail("shipment", std::string("must be ") + act::NameOf(want) + " in state " + NameOf(c.state));
    return;
  }
  const auto& shipment = want == act::ShipmentLeg::kReturn     ? c.return_shipment
                         : want == act::ShipmentLeg::kRepaired ? c.repaired_shipment
                                                               : c.replacement_shipment;
  if (shipment && (e.at < shipment->shipped_at || e.at > now)) {
    r.Fail("at", "must lie between the shipment's shipped_at and now");
  }
}

// SPEC §9.1: an active agent, supervisor or manager, or null.
Status CheckAssignee(ReadTxn& txn, const act::Assign& e, BodyReader& r) {
  if (!e.assignee) return Status::Ok();
  AS_ASSIGN_OR_RETURN(auto user, txn.GetUser(*e.assignee));
  if (!user || user->disabled) {
    r.Fail("assignee", "no active user " + *e.assignee);
    return Status::Ok();
  }
  if (!(roles::kAgentPlus & Bit(user->role))) {
    r.Fail("assignee", "cases are assigned to agents, supervisors and managers");
  }
  return Status::Ok();
}

// §12: a grant before receipt approves the repair (no amount, the goods
// must come); after receipt it is money of at least 1.
void CheckRepairGrant(const Case& c, const act::Arbitrate& e, BodyReader& r) {
  if (e.decision != act::Decision::kGrant) return;
  if (!c.GoodsReceived()) {
    if (e.amount) r.Fail("amount", "a grant before the goods arrived approves the repair: it takes no amount");
    if (!e.return_required.value_or(true)) r.Fail("return_required", "a repair needs the goods back");
  } else if (e.amount && *e.amount == 0) {
    r.Fail("amount", "a grant of money is at least 1");
  }
}
// SPEC §11.3 offer: at most the request, and not the request itself (a
// smaller amount or another form); the form only on a compensation.
void CheckCompensationOffer(const Case& c, const act::MakeOffer& e, BodyReader& r) {
  if (!c.compensation) {
    if (e.form) r.Fail("form", "only a compensation case takes it");
    return;
  }
  if (e.return_required) r.Fail("return_required", "a compensation takes no return_required");
  if (e.amount > c.requested_amount) {
    r.Fail("amount", "an offer is at most the requested " + std::to_string(c.requested_amount));
  } else if (e.amount == c.requested_amount && e.form.value_or(c.compensation->form) == c.compensation->form) {
    r.Fail("amount", "an offer is a smaller amount or another form than the request");
  }
}

// SPEC §11.3 and v3.1: cash and points carry external_ref and no voucher
// fields; a voucher carries voucher_code and an expires_at after now.
void CheckIssueCompensation(const Case& c, const act::IssueCompensation& e, TimePoint now, BodyReader& r) {
  if (!c.compensation) return;
  if (c.compensation->form == CompensationForm::kVoucher) {
    if (!e.voucher_code) r.Fail("voucher_code", "is required for a voucher");
    if (e.external_ref) r.Fail("external_ref", "a voucher is identified by its voucher_code");
    if (e.expires_at && *e.expires_at <= now) r.Fail("expires_at", "must be after now");
    return;
  }
  if (!e.external_ref) r.Fail("external_ref", std::string("is required for ") + NameOf(c.compensation->form));
  if (e.voucher_code) r.Fail("voucher_code", "only a voucher takes it");
  if (e.expires_at) r.Fail("expires_at", "only a voucher takes it");
}

}  // namespace

json RefJson(const TextRef& r) { return {{"id", r.id}, {"sha256", r.sha256}}; }

Status InvalidTransition(const Case& c, Action action, const Actor& actor, const Policy& policy, TimePoint now) {
  json allowed = json::array();
  for (Action a : AllowedActionsFor(c, actor, policy, now)) allowed.push_back(NameOf(a));
  Status s(Code::kInvalidTransition, std::string(NameOf(action)) + " is not possible in state " + NameOf(c.state));
  s.With("state", NameOf(c.state));
  s.With("allowed_actions", allowed);
  return s;
}

Status ReturnWindowCheck(const Order& order, const std::string& reason, CaseType type, const Policy& policy,
                         TimePoint now) {
  if (!order.delivered_at) return Status::Ok();
  const int days = policy.WindowDays(reason, type);
  const TimePoint end = *order.delivered_at + days * kDay;
  if (now > end) {
    return Status(Code::kOutsideReturnWindow, "the " + std::to_string(days) +
                                                  "-day return window ended at " + FormatTime(end));
  }
  return Status::Ok();
}

Result<TimePoint> WarrantyCheck(const Order& order, const std::vector<CaseLine>& lines, const std::vector<Case>& cases,
                                const Policy& policy, TimePoint now) {
  std::optional<TimePoint> earliest;
  for (const CaseLine& l : lines) {
    const OrderLine* line = order.FindLine(l.line_id);
    if (!line) continue;
    const TimePoint end = WarrantyEnd(order, *line, cases, policy, now);
    if (now > end) {
      return Status(Code::kOutsideWarranty, "the warranty of line " + l.line_id + " ended at " + FormatTime(end));
    }
    if (!earliest || end < *earliest) earliest = end;
  }
  return earliest.value_or(now);
}

Status RemedyCheck(const Case& kase, const Policy& policy, TimePoint now) {
  if (RemedyAvailable(kase, policy, now)) return Status::Ok();
  return Status(Code::kRemedyNotAvailable,
                "demand_remedy opens after " + std::to_string(policy.repair.failures_before_choice) +
                    " failed repairs of a line, or once a repair overran its repair_complete deadline");
}

Status CheckActionInContext(ReadTxn& txn, const Workflow& workflow, const Case& c, const CaseAction& action,
                            const Actor& actor, const Policy& policy, TimePoint now) {
  static const json kNoBody = json::object();
  BodyReader r(kNoBody, {});
  const bool returns_goods = workflow.facts().returns_goods;
  Status store = std::visit(
      Overloaded{
          [&](const act::Reject& e) {
            if (!policy.IsRejectReason(e.reason_code)) r.Fail("reason_code", "unknown reject reason " + e.reason_code);
            return Status::Ok();
          },
          [&](const act::MakeOffer& e) {
            if (!returns_goods && !c.compensation && e.return_required.value_or(false)) {
              r.Fail("return_required", "a refund_only case never takes the goods back");
            }
            CheckCompensationOffer(c, e, r);
            return Status::Ok();
          },
          [&](const act::Arbitrate& e) {
            if (!returns_goods && !c.compensation && e.return_required.value_or(false)) {
              r.Fail("return_required", "a refund_only case never takes the goods back");
            }
            if (e.form && !c.compensation) r.Fail("form", "only a compensation case takes it");
            if (e.return_required && c.compensation) r.Fail("return_required", "a compensation takes no return_required");
            if (c.type == CaseType::kRepair) {
              CheckRepairGrant(c, e, r);
            } else if (!workflow.facts().replacement && e.amount && *e.amount == 0) {
              r.Fail("amount", "a grant of money is at least 1 (only an exchange grants a replacement with 0)");
            }
            return Status::Ok();
          },
          [&](const act::Receive& e) {
            CheckReceive(c, e, r);
            if (c.type == CaseType::kRepair && e.restock) r.Fail("restock", "goods in for repair are not restocked");
            return Status::Ok();
          },
          [&](const act::CarrierUpdate& e) {
            CheckCarrierUpdate(c, e, now, r);
            return Status::Ok();
          },
          [&](const act::Assign& e) { return CheckAssignee(txn, e, r); },
          [&](const act::Modify& e) {
            if (workflow.facts().replacement && e.requested_amount.value_or(0) != 0) {
              r.Fail("requested_amount", std::string("a case of type ") + NameOf(c.type) + " requests 0");
            }
            if (c.compensation && e.requested_amount && *e.requested_amount < 1) {
              r.Fail("requested_amount", "a compensation requests at least 1");
            }
            return Status::Ok();
          },
          [&](const act::IssueCompensation& e) {
            CheckIssueCompensation(c, e, now, r);
            return Status::Ok();
          },
          [&](const act::Comment& e) {
            if (!IsStaff(actor.role) && e.visibility.value_or(Visibility::kBuyer) != Visibility::kBuyer) {
              r.Fail("visibility", "a buyer's comment is visible to the buyer");
            }
            return Status::Ok();
          },
          [&](const auto&) { return Status::Ok(); },
      },
      action.body);
  AS_RETURN_IF_ERROR(store);
  return r.Finish();
}

Visibility NoteVisibility(const Workflow& workflow, const Case& kase, Action action, const Actor& actor) {
  if (!IsStaff(actor.role)) return Visibility::kBuyer;
  if (actor.role == Role::kIntegration) {
    const bool buyers_row = std::any_of(workflow.rows().begin(), workflow.rows().end(), [&](const TransitionRow& r) {
      return r.action == action && r.who == roles::kBuyerSide && !r.any_non_terminal && r.from == kase.state;
    });
    if (buyers_row) return Visibility::kBuyer;
  }
  return workflow.NoteToBuyer(kase, action) ? Visibility::kBuyer : Visibility::kInternal;
}

json ActionInput(const CaseAction& action, const ActionTexts& texts, const std::optional<TextRef>& comment) {
  json in = json::object();
  if (action.expected_version) in["expected_version"] = *action.expected_version;
  if (texts.note) in["note"] = RefJson(*texts.note);
  std::visit(Overloaded{
                 [&](const act::Reject& e) { in["reason_code"] = e.reason_code; },
                 [&](const act::MakeOffer& e) {
                   in["amount"] = e.amount;
                   if (e.return_required) in["return_required"] = *e.return_required;
                   if (e.form) in["form"] = NameOf(*e.form);
                 },
                 [&](const act::Arbitrate& e) {
                   in["decision"] = e.decision == act::Decision::kGrant ? "grant" : "uphold";
                   if (e.amount) in["amount"] = *e.amount;
                   if (e.return_required) in["return_required"] = *e.return_required;
                   if (e.form) in["form"] = NameOf(*e.form);
                 },
                 [&](const act::IssueCompensation& e) {
                   if (e.external_ref) in["external_ref"] = *e.external_ref;
                   if (texts.voucher_code) in["voucher_code"] = RefJson(*texts.voucher_code);
                   if (e.expires_at) in["expires_at"] = FormatTime(*e.expires_at);
                 },
                 [&](const act::CompensationFailed&) {
                   if (texts.error) in["error"] = RefJson(*texts.error);
                 },
                 [&](const act::Waive&) {
                   if (texts.reason) in["reason"] = RefJson(*texts.reason);
                 },
                 [&](const act::Receive& e) {
                   in["result"] = e.pass ? "pass" : "fail";
                   if (e.grade) in["grade"] = *e.grade;
                   if (e.restock) in["restock"] = *e.restock;
                   if (e.lines) {
                     json lines = json::array();
                     for (const auto& l : *e.lines) {
                       lines.push_back({{"line_id", l.line_id}, {"received", l.received}, {"damaged", l.damaged}});
                     }
                     in["lines"] = lines;
                   }
                 },
                 [&](const act::ShipReturn& e) {
                   in["carrier"] = e.carrier;
                   in["tracking_no"] = e.tracking_no;
                 },
                 [&](const act::ShipReplacement& e) {
                   in["carrier"] = e.carrier;
                   in["tracking_no"] = e.tracking_no;
                   if (e.sku) in["sku"] = *e.sku;
                 },
                 [&](const act::CarrierUpdate& e) {
                   in["shipment"] = act::NameOf(e.shipment);
                   in["status"] = "delivered";
                   in["at"] = FormatTime(e.at);
                 },
                 [&](const act::RefundIssued& e) { in["external_ref"] = e.external_ref; },
                 [&](const act::RepairUpdate& e) { in["status"] = act::NameOf(e.status); },
                 [&](const act::ShipRepaired& e) {
                   in["carrier"] = e.carrier;
                   in["tracking_no"] = e.tracking_no;
                 },
                 [&](const act::DemandRemedy& e) {
                   in["remedy"] = e.remedy == act::Remedy::kRefund ? "refund" : "replacement";
                 },
                 [&](const act::RefundFailed&) {
                   if (texts.error) in["error"] = RefJson(*texts.error);
                 },
                 [&](const act::Comment& e) {
                   if (comment) in["text"] = RefJson(*comment);
                   if (e.visibility) in["visibility"] = *e.visibility == Visibility::kBuyer ? "buyer" : "internal";
                 },
                 [&](const act::Assign& e) { in["assignee"] = e.assignee ? json(*e.assignee) : json(nullptr); },
                 [&](const act::Modify& e) {
                   if (e.requested_amount) in["requested_amount"] = *e.requested_amount;
                   if (texts.description) in["description"] = RefJson(*texts.description);
                   if (e.evidence) {
                     json ev = json::array();
                     for (const auto& ref : texts.evidence) ev.push_back(RefJson(ref));
                     in["evidence"] = ev;
                   }
                 },
                 [&](const auto&) {},
             },
             action.body);
  return in;
}

}  // namespace aftersales
