#include "engine/case_codec.h"

#include <nlohmann/json.hpp>

#include "engine/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

template <class T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json Ref(const TextRef& r) { return {{"id", r.id}, {"sha256", r.sha256}}; }
json OptRef(const std::optional<TextRef>& r) { return r ? Ref(*r) : json(nullptr); }
TextRef RefFrom(const json& j) { return {j.at("id").get<std::string>(), j.at("sha256").get<std::string>()}; }
std::optional<TextRef> OptRefFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return RefFrom(j);
}
template <class T>
std::optional<T> OptFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<T>();
}

json OfferDoc(const Offer& o) {
  return {{"amount", o.amount}, {"return_required", o.return_required}, {"note", OptRef(o.note)},
          {"by", o.by},         {"at", o.at}};
}
Offer OfferFrom(const json& j) {
  Offer o;
  o.amount = j.at("amount").get<Money>();
  o.return_required = j.at("return_required").get<bool>();
  o.note = OptRefFrom(j.at("note"));
  o.by = j.at("by").get<std::string>();
  o.at = j.at("at").get<TimePoint>();
  return o;
}

json ShipmentDoc(const std::optional<Shipment>& s) {
  if (!s) return nullptr;
  return {{"carrier", s->carrier},         {"tracking_no", s->tracking_no},       {"sku", Opt(s->sku)},
          {"shipped_at", s->shipped_at},   {"delivered_at", Opt(s->delivered_at)}, {"received_at", Opt(s->received_at)}};
}
std::optional<Shipment> ShipmentFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  Shipment s;
  s.carrier = j.at("carrier").get<std::string>();
  s.tracking_no = j.at("tracking_no").get<std::string>();
  s.sku = OptFrom<std::string>(j.at("sku"));
  s.shipped_at = j.at("shipped_at").get<TimePoint>();
  s.delivered_at = OptFrom<TimePoint>(j.at("delivered_at"));
  s.received_at = OptFrom<TimePoint>(j.at("received_at"));
  return s;
}

json InspectionDoc(const std::optional<Inspection>& in) {
  if (!in) return nullptr;
  json lines = json::array();
  for (const auto& l : in->lines) {
    lines.push_back({{"line_id", l.line_id}, {"received", l.received}, {"damaged", l.damaged}, {"restocked", l.restocked}});
  }
  return {{"pass", in->pass}, {"grade", Opt(in->grade)}, {"note", OptRef(in->note)},
          {"lines", lines},   {"by", in->by},            {"at", in->at}};
}
std::optional<Inspection> InspectionFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  Inspection in;
  in.pass = j.at("pass").get<bool>();
  in.grade = OptFrom<std::string>(j.at("grade"));
  in.note = OptRefFrom(j.at("note"));
  for (const auto& l : j.at("lines")) {
    in.lines.push_back({l.at("line_id").get<std::string>(), l.at("received").get<std::int64_t>(),
                        l.at("damaged").get<std::int64_t>(), l.at("restocked").get<std::int64_t>()});
  }
  in.by = j.at("by").get<std::string>();
  in.at = j.at("at").get<TimePoint>();
  return in;
}

RefundStatus RefundStatusFrom(const std::string& s) {
  if (s == "issued") return RefundStatus::kIssued;
  if (s == "failed") return RefundStatus::kFailed;
  return RefundStatus::kPending;
}

}  // namespace

CaseRow CaseToRow(const Case& c) {
  CaseRow row;
  row.id = c.id;
  row.order_id = c.order_id;
  row.buyer_id = c.buyer_id;
  row.type = NameOf(c.type);
  row.state = NameOf(c.state);
  row.version = c.version;
  row.assignee = c.assignee;
  row.policy_version = c.policy_version;
  row.created_at = c.created_at;
  row.updated_at = c.updated_at;
  row.risk_flagged = c.RiskFlagged();
  for (const auto& d : c.deadlines) {
    if (!row.next_due_at || d.due_at < *row.next_due_at) row.next_due_at = d.due_at;
    if (d.breached) row.breached = true;
  }
  json lines = json::array();
  for (const auto& l : c.lines) {
    lines.push_back({{"line_id", l.line_id}, {"qty", l.qty}, {"replacement_sku", Opt(l.replacement_sku)},
                     {"amount", l.amount}});
  }
  json evidence = json::array();
  for (const auto& e : c.evidence) evidence.push_back(Ref(e));
  json history = json::array();
  for (const auto& o : c.offer_history) history.push_back(OfferDoc(o));
  json refunds = json::array();
  for (const auto& r : c.refunds) {
    refunds.push_back({{"id", r.id},
                       {"amount", r.amount},
                       {"status", NameOf(r.status)},
                       {"external_ref", Opt(r.external_ref)},
                       {"error", OptRef(r.error)},
                       {"created_at", r.created_at},
                       {"updated_at", r.updated_at}});
  }
  json doc = {{"reason", c.reason},
              {"description", OptRef(c.description)},
              {"evidence", evidence},
              {"lines", lines},
              {"currency", c.currency},
              {"requested_amount", c.requested_amount},
              {"agreed_amount", Opt(c.agreed_amount)},
              {"refunded_amount", c.refunded_amount},
              {"offer", c.offer ? OfferDoc(*c.offer) : json(nullptr)},
              {"offer_history", history},
              {"return_shipment", ShipmentDoc(c.return_shipment)},
              {"replacement_shipment", ShipmentDoc(c.replacement_shipment)},
              {"inspection", InspectionDoc(c.inspection)},
              {"refunds", refunds},
              {"close_reason", Opt(c.close_reason)},
              {"reject_reason", Opt(c.reject_reason)},
              {"return_address_due", c.return_address_due},
              {"return_required", c.return_required},
              {"holds_shipping", c.holds_shipping},
              {"modifications", c.modifications}};
  if (c.risk) doc["risk"] = RiskToJson(*c.risk);  // absent on cases from before risk existed
  row.doc = doc.dump();
  return row;
}

Result<Case> CaseFromRow(const CaseRow& row, const std::vector<DeadlineRow>& deadlines) {
  try {
    Case c;
    c.id = row.id;
    c.order_id = row.order_id;
    c.buyer_id = row.buyer_id;
    auto type = ParseCaseType(row.type);
    auto state = ParseState(row.state);
    if (!type || !state) return Status::Internal("case " + row.id + " has an unknown type or state");
    c.type = *type;
    c.state = *state;
    c.version = row.version;
    c.assignee = row.assignee;
    c.policy_version = row.policy_version;
    c.created_at = row.created_at;
    c.updated_at = row.updated_at;
    const json doc = json::parse(row.doc);
    c.reason = doc.at("reason").get<std::string>();
    c.description = OptRefFrom(doc.at("description"));
    for (const auto& e : doc.at("evidence")) c.evidence.push_back(RefFrom(e));
    for (const auto& l : doc.at("lines")) {
      c.lines.push_back({l.at("line_id").get<std::string>(), l.at("qty").get<std::int64_t>(),
                         OptFrom<std::string>(l.at("replacement_sku")), l.at("amount").get<Money>()});
    }
    c.currency = doc.at("currency").get<std::string>();
    c.requested_amount = doc.at("requested_amount").get<Money>();
    c.agreed_amount = OptFrom<Money>(doc.at("agreed_amount"));
    c.refunded_amount = doc.at("refunded_amount").get<Money>();
    if (!doc.at("offer").is_null()) c.offer = OfferFrom(doc.at("offer"));
    for (const auto& o : doc.at("offer_history")) c.offer_history.push_back(OfferFrom(o));
    c.return_shipment = ShipmentFrom(doc.at("return_shipment"));
    c.replacement_shipment = ShipmentFrom(doc.at("replacement_shipment"));
    c.inspection = InspectionFrom(doc.at("inspection"));
    for (const auto& r : doc.at("refunds")) {
      Refund refund;
      refund.id = r.at("id").get<std::string>();
      refund.amount = r.at("amount").get<Money>();
      refund.status = RefundStatusFrom(r.at("status").get<std::string>());
      refund.external_ref = OptFrom<std::string>(r.at("external_ref"));
      refund.error = OptRefFrom(r.at("error"));
      refund.created_at = r.at("created_at").get<TimePoint>();
      refund.updated_at = r.at("updated_at").get<TimePoint>();
      c.refunds.push_back(refund);
    }
    c.close_reason = OptFrom<std::string>(doc.at("close_reason"));
    c.reject_reason = OptFrom<std::string>(doc.at("reject_reason"));
    c.return_address_due = doc.at("return_address_due").get<bool>();
    c.return_required = doc.at("return_required").get<bool>();
    c.holds_shipping = doc.at("holds_shipping").get<bool>();
    c.modifications = doc.at("modifications").get<int>();
    if (auto risk = doc.find("risk"); risk != doc.end() && !risk->is_null()) c.risk = RiskFromJson(*risk);
    for (const auto& d : deadlines) {
      auto kind = ParseDeadlineKind(d.kind);
      if (!kind) return Status::Internal("case " + row.id + " has a deadline of unknown kind " + d.kind);
      c.deadlines.push_back({d.id, *kind, d.started_at, d.due_at, d.status == "breached"});
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal("case " + row.id + " has a corrupt document: " + e.what());
  }
}

}  // namespace aftersales
