#include "engine/case_view.h"

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

json ShipmentView(const std::optional<Shipment>& s) {
  if (!s) return nullptr;
  json j = {{"carrier", s->carrier},
            {"tracking_no", s->tracking_no},
            {"shipped_at", FormatTime(s->shipped_at)},
            {"delivered_at", TimeOrNull(s->delivered_at)},
            {"received_at", TimeOrNull(s->received_at)}};
  if (s->sku) j["sku"] = *s->sku;
  return j;
}

json OfferView(const Offer& o, const Actor& actor, const TextsById& texts) {
  return {{"amount", o.amount},
          {"return_required", o.return_required},
          {"note", TextOf(o.note, actor, texts)},
          {"by", o.by},
          {"at", FormatTime(o.at)}};
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
  json lines = json::array();
  for (const auto& l : c.lines) {
    json line = {{"line_id", l.line_id}, {"qty", l.qty}, {"amount", l.amount}};
    if (l.replacement_sku) line["replacement_sku"] = *l.replacement_sku;
    lines.push_back(line);
  }
  json evidence = json::array();
  for (const auto& e : c.evidence) {
    json body = TextOf(e, actor, texts);
    if (!body.is_null()) evidence.push_back(body);
  }
  json offers = json::array();
  for (const auto& o : c.offer_history) offers.push_back(OfferView(o, actor, texts));
  json inspection = nullptr;
  if (c.inspection) {
    json il = json::array();
    for (const auto& l : c.inspection->lines) {
      il.push_back({{"line_id", l.line_id}, {"received", l.received}, {"damaged", l.damaged}, {"restocked", l.restocked}});
    }
    inspection = {{"result", c.inspection->pass ? "pass" : "fail"},
                  {"grade", c.inspection->grade ? json(*c.inspection->grade) : json(nullptr)},
                  {"note", TextOf(c.inspection->note, actor, texts)},
                  {"lines", il},
                  {"by", c.inspection->by},
                  {"at", FormatTime(c.inspection->at)}};
  }
  json refunds = json::array();
  for (const auto& r : c.refunds) {
    json refund = {{"id", r.id},
                   {"amount", r.amount},
                   {"status", NameOf(r.status)},
                   {"external_ref", r.external_ref ? json(*r.external_ref) : json(nullptr)},
                   {"created_at", FormatTime(r.created_at)},
                   {"updated_at", FormatTime(r.updated_at)}};
    json error = TextOf(r.error, actor, texts);
    if (!error.is_null()) refund["error"] = error;
    refunds.push_back(refund);
  }
  json deadlines = json::array();
  for (const auto& d : c.deadlines) {
    deadlines.push_back({{"kind", NameOf(d.kind)}, {"due_at", FormatTime(d.due_at)}, {"breached", d.breached}});
  }
  json allowed = json::array();
  for (Action a : AllowedActionsFor(c, actor, policy)) allowed.push_back(NameOf(a));
  json out = {{"id", c.id},
              {"type", NameOf(c.type)},
              {"state", NameOf(c.state)},
              {"version", c.version},
              {"order_id", c.order_id},
              {"buyer_id", c.buyer_id},
              {"reason", c.reason},
              {"description", TextOf(c.description, actor, texts)},
              {"evidence", evidence},
              {"lines", lines},
              {"currency", c.currency},
              {"requested_amount", c.requested_amount},
              {"agreed_amount", c.agreed_amount ? json(*c.agreed_amount) : json(nullptr)},
              {"refunded_amount", c.refunded_amount},
              {"assignee", c.assignee ? json(*c.assignee) : json(nullptr)},
              {"offer", c.offer ? OfferView(*c.offer, actor, texts) : json(nullptr)},
              {"offers", offers},
              {"return_address", c.return_address_due ? policy.return_address : json(nullptr)},
              {"return_shipment", ShipmentView(c.return_shipment)},
              {"replacement_shipment", ShipmentView(c.replacement_shipment)},
              {"inspection", inspection},
              {"refunds", refunds},
              {"deadlines", deadlines},
              {"close_reason", c.close_reason ? json(*c.close_reason) : json(nullptr)},
              {"reject_reason", c.reject_reason ? json(*c.reject_reason) : json(nullptr)},
              {"modifications", c.modifications},
              {"policy_version", c.policy_version},
              {"created_at", FormatTime(c.created_at)},
              {"updated_at", FormatTime(c.updated_at)},
              {"allowed_actions", allowed}};
  // The abuse signals are for the shop's staff: a buyer never learns of them.
  if (MaySeeRisk(actor)) out["risk"] = c.risk ? RiskToJson(*c.risk) : json(nullptr);
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
