// The actions of the transition tables (see machine_parts.h). Each writes
// only the case value and `effects`; the engine persists both.
#include <algorithm>

#include "workflows/machine_parts.h"

namespace aftersales::workflow {
namespace {

// Fixes the agreed amount. A person's amount above the cap was refused by
// the engine before the machine ran (422); the system's is reduced to the
// cap and the reduction is recorded (SPEC §3).
void Agree(TransitionContext& t, Money amount, bool return_required) {
  if (amount > t.cap) {
    t.effects["reduced_from"] = amount;
    amount = std::max<Money>(t.cap, 0);
  }
  t.kase.agreed_amount = amount;
  t.kase.return_required = return_required;
  t.effects["agreed_amount"] = amount;
  t.effects["return_required"] = return_required;
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

}  // namespace

void Do(FixAgreedAmount, TransitionContext& t) {
  const bool exchange = t.kase.type == CaseType::kExchange;
  Agree(t, exchange ? 0 : t.kase.requested_amount, t.kase.type != CaseType::kRefundOnly);
}

void Do(AcceptOfferTerms, TransitionContext& t) {
  const Offer offer = *t.kase.offer;
  t.kase.offer.reset();
  Agree(t, offer.amount, offer.return_required);
}

void Do(GrantArbitration, TransitionContext& t) {
  Agree(t, t.cmd.amount.value_or(t.kase.requested_amount),
        t.cmd.return_required.value_or(t.kase.type != CaseType::kRefundOnly));
}

void Do(RecordRejection, TransitionContext& t) { t.kase.reject_reason = t.cmd.reason_code; }

void Do(RecordOffer, TransitionContext& t) {
  Offer offer;
  offer.amount = t.cmd.amount.value_or(0);
  offer.return_required = t.cmd.return_required.value_or(t.kase.type != CaseType::kRefundOnly);
  offer.note = t.texts.note;
  offer.by = t.actor.id;
  offer.at = t.now;
  t.kase.offer = offer;
  t.kase.offer_history.push_back(offer);
}

void Do(WithdrawOffer, TransitionContext& t) {
  if (t.kase.offer) t.effects["offer_withdrawn"] = t.kase.offer->amount;
  t.kase.offer.reset();
}

void Do(ApplyModification, TransitionContext& t) {
  Case& c = t.kase;
  if (t.cmd.requested_amount) c.requested_amount = *t.cmd.requested_amount;
  if (t.texts.description) c.description = t.texts.description;
  if (t.cmd.evidence) c.evidence = t.texts.evidence;
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

void Do(RecordReturnShipment, TransitionContext& t) {
  Shipment s;
  s.carrier = t.cmd.carrier.value_or("");
  s.tracking_no = t.cmd.tracking_no.value_or("");
  s.shipped_at = t.now;
  t.kase.return_shipment = s;
}

void Do(RecordDelivery, TransitionContext& t) {
  auto& shipment = t.cmd.shipment.value_or("") == "replacement" ? t.kase.replacement_shipment : t.kase.return_shipment;
  if (shipment) shipment->delivered_at = t.cmd.at.value_or(t.now);
}

void Do(RecordInspection, TransitionContext& t) {
  Inspection in;
  in.pass = t.cmd.result.value_or("") == "pass";
  in.grade = t.cmd.grade;
  in.note = t.texts.note;
  in.by = t.actor.id;
  in.at = t.now;
  // SPEC: restock defaults to true on a pass; failed goods are not restocked unless said.
  const bool restock = t.cmd.restock.value_or(in.pass);
  for (const auto& line : t.kase.lines) {
    InspectedLine il;
    il.line_id = line.line_id;
    il.received = line.qty;
    if (t.cmd.lines) {
      auto it = std::find_if(t.cmd.lines->begin(), t.cmd.lines->end(),
                             [&](const ReceivedLine& r) { return r.line_id == line.line_id; });
      if (it != t.cmd.lines->end()) {
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

void Do(IssueRefund, TransitionContext& t) {
  Refund* r = PendingRefund(t.kase);
  if (!r) return;
  r->status = RefundStatus::kIssued;
  r->external_ref = t.cmd.external_ref;
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

void Do(RecordReplacementShipment, TransitionContext& t) {
  Shipment s;
  s.carrier = t.cmd.carrier.value_or("");
  s.tracking_no = t.cmd.tracking_no.value_or("");
  s.sku = t.cmd.sku;
  if (!s.sku) {
    for (const auto& line : t.kase.lines) {
      if (line.replacement_sku) {
        s.sku = line.replacement_sku;
        break;
      }
    }
  }
  s.shipped_at = t.now;
  t.kase.replacement_shipment = s;
}

void Do(ConfirmReplacementDelivery, TransitionContext& t) {
  auto& s = t.kase.replacement_shipment;
  if (s && !s->delivered_at) s->delivered_at = t.now;
}

void Do(RecordComment, TransitionContext&) {}

void Do(AssignCase, TransitionContext& t) {
  t.kase.assignee = t.cmd.assignee;
  t.effects["assignee"] = t.cmd.assignee ? nlohmann::json(*t.cmd.assignee) : nlohmann::json(nullptr);
}

}  // namespace aftersales::workflow
