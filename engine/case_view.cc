#include "engine/case_view.h"

#include <utility>

#include "engine/approval_limit.h"
#include "engine/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

json TextOf(const std::optional<TextRef>& ref, const Actor& actor, const TextsById& texts) {
  if (!ref) return nullptr;
  auto it = texts.find(ref->id);
  if (it == texts.end() || !MaySeeText(actor, it->second)) return nullptr;
  return it->second.body;
}

// Views are built with json::object_t::emplace rather than initializer
// lists, which make a temporary [key, value] array per member: a case is
// rendered for every action and every read.
json ShipmentView(const std::optional<Shipment>& s) {
  if (!s) return nullptr;
  json::object_t view;
  view.emplace("carrier", s->carrier);
  view.emplace("tracking_no", s->tracking_no);
  view.emplace("shipped_at", FormatTime(s->shipped_at));
  view.emplace("delivered_at", TimeOrNull(s->delivered_at));
  view.emplace("received_at", TimeOrNull(s->received_at));
  if (s->sku) view.emplace("sku", *s->sku);
  return view;
}

json OfferView(const Offer& o, const Actor& actor, const TextsById& texts) {
  json::object_t view;
  view.emplace("amount", o.amount);
  view.emplace("return_required", o.return_required);
  view.emplace("note", TextOf(o.note, actor, texts));
  view.emplace("by", o.by);
  view.emplace("at", FormatTime(o.at));
  return view;
}

}  // namespace

bool MaySeeText(const Actor& actor, const Text& text) {
  if (IsStaff(actor.role) || actor.role == Role::kSystem) return true;
  return text.visibility == Visibility::kBuyer || text.author_id == actor.id;
}

bool MaySeeRisk(const Actor& actor) { return IsStaff(actor.role) || actor.role == Role::kSystem; }

bool MaySeeBuyer(const Actor& actor, const std::string& buyer_id) {
  if (actor.role == Role::kBuyer) return !actor.external_id.empty() && actor.external_id == buyer_id;
  return true;
}

json RenderCase(const Case& c, const Actor& actor, const TextsById& texts, const Policy& policy) {
  json::array_t lines;
  for (const auto& l : c.lines) {
    json::object_t line;
    line.emplace("line_id", l.line_id);
    line.emplace("qty", l.qty);
    line.emplace("amount", l.amount);
    if (l.replacement_sku) line.emplace("replacement_sku", *l.replacement_sku);
    lines.emplace_back(std::move(line));
  }
  json::array_t evidence;
  for (const auto& e : c.evidence) {
    json body = TextOf(e, actor, texts);
    if (!body.is_null()) evidence.push_back(std::move(body));
  }
  json::array_t offers;
  for (const auto& o : c.offer_history) offers.push_back(OfferView(o, actor, texts));
  json inspection = nullptr;
  if (c.inspection) {
    json::array_t inspected;
    for (const auto& l : c.inspection->lines) {
      json::object_t line;
      line.emplace("line_id", l.line_id);
      line.emplace("received", l.received);
      line.emplace("damaged", l.damaged);
      line.emplace("restocked", l.restocked);
      inspected.emplace_back(std::move(line));
    }
    json::object_t view;
    view.emplace("result", c.inspection->pass ? "pass" : "fail");
    view.emplace("grade", c.inspection->grade ? json(*c.inspection->grade) : json(nullptr));
    view.emplace("note", TextOf(c.inspection->note, actor, texts));
    view.emplace("lines", std::move(inspected));
    view.emplace("by", c.inspection->by);
    view.emplace("at", FormatTime(c.inspection->at));
    inspection = std::move(view);
  }
  json::array_t refunds;
  for (const auto& r : c.refunds) {
    json::object_t refund;
    refund.emplace("id", r.id);
    refund.emplace("amount", r.amount);
    refund.emplace("status", NameOf(r.status));
    refund.emplace("external_ref", r.external_ref ? json(*r.external_ref) : json(nullptr));
    refund.emplace("created_at", FormatTime(r.created_at));
    refund.emplace("updated_at", FormatTime(r.updated_at));
    json error = TextOf(r.error, actor, texts);
    if (!error.is_null()) refund.emplace("error", std::move(error));
    refunds.emplace_back(std::move(refund));
  }
  json::array_t deadlines;
  for (const auto& d : c.deadlines) {
    json::object_t deadline;
    deadline.emplace("kind", NameOf(d.kind));
    deadline.emplace("due_at", FormatTime(d.due_at));
    deadline.emplace("breached", d.breached);
    deadlines.emplace_back(std::move(deadline));
  }
  json::array_t allowed;
  for (Action a : AllowedActionsFor(c, actor, policy)) allowed.emplace_back(NameOf(a));
  json::object_t out;
  out.emplace("id", c.id);
  out.emplace("type", NameOf(c.type));
  out.emplace("state", NameOf(c.state));
  out.emplace("version", c.version);
  out.emplace("order_id", c.order_id);
  out.emplace("buyer_id", c.buyer_id);
  out.emplace("reason", c.reason);
  out.emplace("description", TextOf(c.description, actor, texts));
  out.emplace("evidence", std::move(evidence));
  out.emplace("lines", std::move(lines));
  out.emplace("currency", c.currency);
  out.emplace("requested_amount", c.requested_amount);
  out.emplace("agreed_amount", c.agreed_amount ? json(*c.agreed_amount) : json(nullptr));
  out.emplace("refunded_amount", c.refunded_amount);
  out.emplace("assignee", c.assignee ? json(*c.assignee) : json(nullptr));
  out.emplace("offer", c.offer ? OfferView(*c.offer, actor, texts) : json(nullptr));
  out.emplace("offers", std::move(offers));
  out.emplace("return_address", c.return_address_due ? policy.return_address : json(nullptr));
  out.emplace("return_shipment", ShipmentView(c.return_shipment));
  out.emplace("replacement_shipment", ShipmentView(c.replacement_shipment));
  out.emplace("inspection", std::move(inspection));
  out.emplace("refunds", std::move(refunds));
  out.emplace("deadlines", std::move(deadlines));
  out.emplace("close_reason", c.close_reason ? json(*c.close_reason) : json(nullptr));
  out.emplace("reject_reason", c.reject_reason ? json(*c.reject_reason) : json(nullptr));
  out.emplace("modifications", c.modifications);
  out.emplace("policy_version", c.policy_version);
  out.emplace("created_at", FormatTime(c.created_at));
  out.emplace("updated_at", FormatTime(c.updated_at));
  out.emplace("allowed_actions", std::move(allowed));
  // The abuse signals are for the shop's staff: a buyer never learns of them.
  if (MaySeeRisk(actor)) out.emplace("risk", c.risk ? RiskToJson(*c.risk) : json(nullptr));
  return out;
}

json RenderOrder(const Order& o, const Ledger& ledger, const std::vector<std::string>& case_ids) {
  json lines = json::array();
  for (const auto& l : o.lines) {
    lines.push_back({{"line_id", l.line_id},
                     {"sku", l.sku},
                     {"title", l.title},
                     {"qty", l.qty},
                     {"paid", l.paid},
                     {"no_reason_return", l.no_reason_return},
                     {"returnable_qty", ledger.ReturnableQty(l.line_id)}});
  }
  return {{"id", o.id},
          {"buyer_id", o.buyer_id},
          {"currency", o.currency},
          {"placed_at", FormatTime(o.placed_at)},
          {"delivered_at", TimeOrNull(o.delivered_at)},
          {"shipping_paid", o.shipping_paid},
          {"lines", lines},
          {"paid_total", o.PaidTotal()},
          {"refundable_amount", ledger.OrderRefundable()},
          {"case_ids", case_ids}};
}

}  // namespace aftersales
