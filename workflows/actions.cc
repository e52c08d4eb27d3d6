// The actions of the transition tables (see machine_parts.h). Each writes
// only the case value, the amount it fixes and `effects`; the engine
// persists them.
#include <algorithm>

#include "workflows/machine_parts.h"

namespace aftersales::workflow {
namespace {

// Fixes the agreed amount. A person's amount above the cap is refused by
// the engine after the machine ran (422, from amount_fixed); the system's
// is reduced to the cap here and the reduction recorded (SPEC §3).
void Agree(TransitionContext& t, Money amount, bool return_required) {
  t.amount_fixed = amount;
  if (amount > t.cap) {
    t.effects["reduced_from"] = amount;
    amount = std::max<Money>(t.cap, 0);
  }
  t.kase.agreed_amount = amount;
  t.kase.return_required = return_required;
  t.effects["agreed_amount"] = amount;
  t.effects["return_required"] = return_required;
}

// A compensation's accepted offer or grant may change the form (SPEC §11.3).
void AgreeForm(TransitionContext& t, const std::optional<CompensationForm>& form) {
  if (!t.kase.compensation || !form) return;
  t.kase.compensation->form = *form;
  t.effects["form"] = NameOf(*form);
}

Refund* PendingRefund(Case& c) {
  for (auto& r : c.refunds) {
    if (r.status == RefundStatus::kPending) return &r;
  }
  return nullptr;
}

void AddPendingRefund(TransitionContext& t, Money amount) {
  Refund r;
  r.id = t.kase.id + "-rf" + std::to_string(t.kase.refunds.size() + 1);
  r.amount = amount;
  r.created_at = t.now;
  r.updated_at = t.now;
  t.kase.refunds.push_back(r);
  t.effects["refund"] = {{"id", r.id}, {"amount", r.amount}};
}

// A confirmed delivery that no carrier reported is dated at the confirmation.
void DeliveredByNow(std::optional<Shipment>& s, TimePoint now) {
  if (s && !s->delivered_at) s->delivered_at = now;
}

Repair& RepairOf(Case& c) {
  if (!c.repair) c.repair.emplace();
  return *c.repair;
}

Shipment NewShipment(const TransitionContext& t, const std::string& carrier, const std::string& tracking_no) {
  Shipment s;
  s.carrier = carrier;
  s.tracking_no = tracking_no;
  s.shipped_at = t.now;
  return s;
}

}  // namespace

void Do(FixAgreedAmount, TransitionContext& t) {
  Agree(t, t.facts->replacement ? 0 : t.kase.requested_amount, t.facts->returns_goods);
}

void Do(AcceptOfferTerms, TransitionContext& t) {
  const Offer offer = *t.kase.offer;
  t.kase.offer.reset();
  Agree(t, offer.amount, offer.return_required);
  AgreeForm(t, offer.form);
}

void Do(GrantArbitration, TransitionContext& t, const act::Arbitrate& e) {
  Agree(t, e.amount.value_or(t.kase.requested_amount), e.return_required.value_or(t.facts->returns_goods));
  AgreeForm(t, e.form);
}

void Do(RecordRejection, TransitionContext& t, const act::Reject& e) { t.kase.reject_reason = e.reason_code; }

void Do(RecordOffer, TransitionContext& t, const act::MakeOffer& e) {
  Offer offer;
  offer.amount = e.amount;
  offer.return_required = e.return_required.value_or(t.facts->returns_goods);
  if (t.kase.compensation) offer.form = e.form.value_or(t.kase.compensation->form);
  offer.note = t.texts.note;
  offer.by = t.actor.id;
  offer.at = t.now;
  t.amount_fixed = e.amount;
  t.kase.offer = offer;
  t.kase.offer_history.push_back(offer);
}

void Do(WithdrawOffer, TransitionContext& t) {
  if (t.kase.offer) t.effects["offer_withdrawn"] = t.kase.offer->amount;
  t.kase.offer.reset();
}

void Do(ApplyModification, TransitionContext& t, const act::Modify& e) {
  Case& c = t.kase;
  if (e.requested_amount) {
    c.requested_amount = *e.requested_amount;
    t.amount_fixed = *e.requested_amount;
  }
  if (t.texts.description) c.description = t.texts.description;
  if (e.evidence) c.evidence = t.texts.evidence;
  c.reject_reason.reset();
  ++c.modifications;
  t.effects["modifications"] = c.modifications;
}

void Do(CloseOfferExpired, TransitionContext& t) {
  t.kase.offer.reset();
  t.kase.close_reason = "offer_expired";
}
void Do(CloseRejectionFinal, TransitionContext& t) { t.kase.close_reason = "rejection_final"; }
void Do(CloseReturnNotShipped, TransitionContext& t) { t.kase.close_reason = "return_not_shipped"; }
void Do(CloseRejectionUpheld, TransitionContext& t) { t.kase.close_reason = "rejection_upheld"; }

void Do(CreatePendingRefund, TransitionContext& t) {
  Money amount = t.kase.agreed_amount.value_or(0);
  if (amount > t.cap) {
    t.effects["refund_reduced_from"] = amount;
    amount = std::max<Money>(t.cap, 0);
  }
  AddPendingRefund(t, amount);
}

void Do(MarkReturnDue, TransitionContext& t) { t.kase.return_address_due = true; }

void Do(RecordReturnShipment, TransitionContext& t, const act::ShipReturn& e) {
  t.kase.return_shipment = NewShipment(t, e.carrier, e.tracking_no);
}

void Do(RecordDelivery, TransitionContext& t, const act::CarrierUpdate& e) {
  auto& shipment = e.shipment == act::ShipmentLeg::kReplacement ? t.kase.replacement_shipment
                   : e.shipment == act::ShipmentLeg::kRepaired  ? t.kase.repaired_shipment
                                                                : t.kase.return_shipment;
  if (shipment) shipment->delivered_at = e.at;
}

void Do(RecordReturnDelivery, TransitionContext& t, const act::CarrierUpdate& e) {
  Do(RecordDelivery{}, t, e);
  if (e.shipment == act::ShipmentLeg::kReturn) t.deadlines.return_delivered_at = e.at;
}

void Do(RecordInspection, TransitionContext& t, const act::Receive& e) {
  Inspection in;
  in.pass = e.pass;
  in.grade = e.grade;
  in.note = t.texts.note;
  in.by = t.actor.id;
  in.at = t.now;
  // SPEC: restock defaults to true on a pass; failed goods are not restocked
  // unless said; goods in for repair are never restocked (§12).
  const bool restock = t.kase.type != CaseType::kRepair && e.restock.value_or(in.pass);
  for (const auto& line : t.kase.lines) {
    InspectedLine il;
    il.line_id = line.line_id;
    il.received = line.qty;
    if (e.lines) {
      auto it = std::find_if(e.lines->begin(), e.lines->end(),
                             [&](const act::ReceivedLine& r) { return r.line_id == line.line_id; });
      if (it != e.lines->end()) {
        il.received = it->received;
        il.damaged = it->damaged;
      }
    }
    il.restocked = restock ? std::max<std::int64_t>(il.received - il.damaged, 0) : 0;
    in.lines.push_back(il);
  }
  t.kase.inspection = in;
  if (t.kase.return_shipment) t.kase.return_shipment->received_at = t.now;
}

void Do(AutoReceive, TransitionContext& t) {
  Inspection in;
  in.pass = true;
  in.by = "system";
  in.at = t.now;
  for (const auto& line : t.kase.lines) in.lines.push_back({line.line_id, line.qty, 0, 0});
  t.kase.inspection = in;
  if (t.kase.return_shipment) t.kase.return_shipment->received_at = t.now;
  t.effects["auto_received"] = true;
}

void Do(IssueRefund, TransitionContext& t, const act::RefundIssued& e) {
  Refund* r = PendingRefund(t.kase);
  if (!r) return;
  r->status = RefundStatus::kIssued;
  r->external_ref = e.external_ref;
  r->updated_at = t.now;
  t.kase.refunded_amount += r->amount;
  t.effects["refund"] = {{"id", r->id}, {"amount", r->amount}, {"status", "issued"}};
}

void Do(FailRefund, TransitionContext& t) {
  Refund* r = PendingRefund(t.kase);
  if (!r) return;
  r->status = RefundStatus::kFailed;
  r->error = t.texts.error;
  r->updated_at = t.now;
  const Money amount = r->amount;
  t.effects["failed_refund"] = r->id;
  AddPendingRefund(t, amount);
}

void Do(RecordReplacementShipment, TransitionContext& t, const act::ShipReplacement& e) {
  Shipment s = NewShipment(t, e.carrier, e.tracking_no);
  s.sku = e.sku;
  if (!s.sku) {
    for (const auto& line : t.kase.lines) {
      if (line.replacement_sku) {
        s.sku = line.replacement_sku;
        break;
      }
    }
  }
  t.kase.replacement_shipment = s;
}

void Do(ConfirmReplacementDelivery, TransitionContext& t) { DeliveredByNow(t.kase.replacement_shipment, t.now); }

void Do(RecordComment, TransitionContext&) {}

void Do(GrantRefundAfterReceipt, TransitionContext& t, const act::Arbitrate& e) {
  Agree(t, e.amount.value_or(t.cap), false);
}

void Do(EnterRepairing, TransitionContext& t) {
  Repair& r = RepairOf(t.kase);
  r.attempt = t.repair_attempt;
  r.repairing_from = t.now;
  r.repairing_until.reset();
  t.effects["attempt"] = t.repair_attempt;
}

void Do(LeaveRepairing, TransitionContext& t) {
  Repair& r = RepairOf(t.kase);
  if (r.repairing_from && !r.repairing_until) r.repairing_until = t.now;
}

void Do(RecordRepairProgress, TransitionContext& t, const act::RepairUpdate& e) {
  RepairProgress p;
  p.status = act::NameOf(e.status);
  if (t.texts.note) p.note = *t.texts.note;
  p.at = t.now;
  p.by = t.actor.id;
  RepairOf(t.kase).progress.push_back(p);
}

void Do(RecordRepairedShipment, TransitionContext& t, const act::ShipRepaired& e) {
  t.kase.repaired_shipment = NewShipment(t, e.carrier, e.tracking_no);
}

void Do(ConfirmRepairedDelivery, TransitionContext& t) { DeliveredByNow(t.kase.repaired_shipment, t.now); }

void Do(RemedyRefund, TransitionContext& t) {
  Agree(t, t.cap, false);
  t.effects["remedy"] = "refund";
}

void Do(RemedyReplacement, TransitionContext& t) {
  Agree(t, 0, false);
  t.effects["remedy"] = "replacement";
}

void Do(AssignCase, TransitionContext& t, const act::Assign& e) {
  t.kase.assignee = e.assignee;
  t.effects["assignee"] = e.assignee ? nlohmann::json(*e.assignee) : nlohmann::json(nullptr);
}

void Do(ReferToSupervisor, TransitionContext&) {}

void Do(StartCompensation, TransitionContext& t) {
  Compensation& c = t.kase.compensation ? *t.kase.compensation : t.kase.compensation.emplace();
  c.amount = t.kase.agreed_amount.value_or(0);
  // An accepted offer counts for whoever made it (SPEC v3.1).
  const bool accepted = (roles::kBuyerSide & Bit(t.actor.role)) != 0;
  c.agreed_by = accepted && !t.kase.offer_history.empty() ? t.kase.offer_history.back().by : t.actor.id;
  t.effects["compensation"] = {{"form", NameOf(c.form)}, {"amount", c.amount}};
}

void Do(IssueCompensationRecord, TransitionContext& t, const act::IssueCompensation& e) {
  Compensation& c = *t.kase.compensation;
  c.external_ref = e.external_ref;
  c.voucher_code = t.texts.voucher_code;
  c.expires_at = c.form == CompensationForm::kVoucher
                     ? std::optional<TimePoint>(e.expires_at.value_or(t.now + t.policy.compensation.voucher_valid_days * kDay))
                     : std::nullopt;
  c.issued_at = t.now;
  c.issued_by = t.actor.id;
  t.kase.compensated_amount = c.amount;
  nlohmann::json& d = t.effects;
  d["form"] = NameOf(c.form);
  d["amount"] = c.amount;
  d["external_ref"] = c.external_ref ? nlohmann::json(*c.external_ref) : nlohmann::json(nullptr);
  d["voucher_code"] = c.voucher_code ? nlohmann::json{{"id", c.voucher_code->id}, {"sha256", c.voucher_code->sha256}}
                                     : nlohmann::json(nullptr);
  d["expires_at"] = c.expires_at ? nlohmann::json(FormatTime(*c.expires_at)) : nlohmann::json(nullptr);
}

void Do(FailCompensation, TransitionContext& t) {
  if (t.texts.error) t.effects["error"] = {{"id", t.texts.error->id}, {"sha256", t.texts.error->sha256}};
}

void Do(WaiveCompensation, TransitionContext& t) { t.kase.close_reason = "waived"; }

}  // namespace aftersales::workflow
