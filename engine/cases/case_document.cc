#include "engine/cases/case_document.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/decode_memo.h"
#include "engine/reports/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

template <class T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// The document is built with json::object_t::emplace rather than
// initializer lists, which make a temporary [key, value] array per member:
// CaseToRow runs on every action, inside the write transaction.
json Ref(const TextRef& r) {
  json::object_t ref;
  ref.emplace("id", r.id);
  ref.emplace("sha256", r.sha256);
  return ref;
}
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

CompensationForm FormFrom(const json& j) {
  const auto form = ParseCompensationForm(j.get<std::string>());
  if (!form) throw std::invalid_argument("unknown compensation form " + j.get<std::string>());
  return *form;
}

json OfferDoc(const Offer& o) {
  json::object_t offer;
  offer.emplace("amount", o.amount);
  offer.emplace("return_required", o.return_required);
  offer.emplace("note", OptRef(o.note));
  offer.emplace("by", o.by);
  offer.emplace("at", o.at);
  if (o.form) offer.emplace("form", NameOf(*o.form));  // compensation offers only
  return offer;
}
Offer OfferFrom(const json& j) {
  Offer o;
  o.amount = j.at("amount").get<Money>();
  o.return_required = j.at("return_required").get<bool>();
  o.note = OptRefFrom(j.at("note"));
  o.by = j.at("by").get<std::string>();
  o.at = j.at("at").get<TimePoint>();
  if (auto form = j.find("form"); form != j.end()) o.form = FormFrom(*form);
  return o;
}

// SPEC §11.1's record; present on compensation cases only.
json CompensationDoc(const Compensation& c) {
  json::object_t doc;
  doc.emplace("form", NameOf(c.form));
  doc.emplace("amount", c.amount);
  doc.emplace("voucher_code", OptRef(c.voucher_code));
  doc.emplace("expires_at", Opt(c.expires_at));
  doc.emplace("external_ref", Opt(c.external_ref));
  doc.emplace("issued_at", Opt(c.issued_at));
  doc.emplace("issued_by", Opt(c.issued_by));
  doc.emplace("agreed_by", Opt(c.agreed_by));
  return doc;
}
Compensation CompensationFrom(const json& j) {
  Compensation c;
  c.form = FormFrom(j.at("form"));
  c.amount = j.at("amount").get<Money>();
  c.voucher_code = OptRefFrom(j.at("voucher_code"));
  c.expires_at = OptFrom<TimePoint>(j.at("expires_at"));
  c.external_ref = OptFrom<std::string>(j.at("external_ref"));
  c.issued_at = OptFrom<TimePoint>(j.at("issued_at"));
  c.issued_by = OptFrom<std::string>(j.at("issued_by"));
  c.agreed_by = OptFrom<std::string>(j.at("agreed_by"));
  return c;
}

json ShipmentDoc(const std::optional<Shipment>& s) {
  if (!s) return nullptr;
  json::object_t shipment;
  shipment.emplace("carrier", s->carrier);
  shipment.emplace("tracking_no", s->tracking_no);
  shipment.emplace("sku", Opt(s->sku));
  shipment.emplace("shipped_at", s->shipped_at);
  shipment.emplace("delivered_at", Opt(s->delivered_at));
  shipment.emplace("received_at", Opt(s->received_at));
  return shipment;
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
  json::array_t lines;
  for (const auto& l : in->lines) {
    json::object_t line;
    line.emplace("line_id", l.line_id);
    line.emplace("received", l.received);
    line.emplace("damaged", l.damaged);
    line.emplace("restocked", l.restocked);
    lines.emplace_back(std::move(line));
  }
  json::object_t inspection;
  inspection.emplace("pass", in->pass);
  inspection.emplace("grade", Opt(in->grade));
  inspection.emplace("note", OptRef(in->note));
  inspection.emplace("lines", std::move(lines));
  inspection.emplace("by", in->by);
  inspection.emplace("at", in->at);
  return inspection;
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

// §12: a repair case's own data; absent on other types' documents.
json RepairDoc(const Repair& r) {
  json::array_t progress;
  for (const auto& p : r.progress) {
    json::object_t step;
    step.emplace("status", p.status);
    step.emplace("note", Ref(p.note));
    step.emplace("at", p.at);
    step.emplace("by", p.by);
    progress.emplace_back(std::move(step));
  }
  json::object_t repair;
  repair.emplace("attempt", Opt(r.attempt));
  repair.emplace("warranty_ends_at", r.warranty_ends_at);
  repair.emplace("progress", std::move(progress));
  repair.emplace("repairing_from", Opt(r.repairing_from));
  repair.emplace("repairing_until", Opt(r.repairing_until));
  return repair;
}
Repair RepairFrom(const json& j) {
  Repair r;
  r.attempt = OptFrom<std::int64_t>(j.at("attempt"));
  r.warranty_ends_at = j.at("warranty_ends_at").get<TimePoint>();
  for (const auto& p : j.at("progress")) {
    r.progress.push_back({p.at("status").get<std::string>(), RefFrom(p.at("note")), p.at("at").get<TimePoint>(),
                          p.at("by").get<std::string>()});
  }
  r.repairing_from = OptFrom<TimePoint>(j.at("repairing_from"));
  r.repairing_until = OptFrom<TimePoint>(j.at("repairing_until"));
  return r;
}

RefundStatus RefundStatusFrom(const std::string& s) {
  if (s == "issued") return RefundStatus::kIssued;
  if (s == "failed") return RefundStatus::kFailed;
  return RefundStatus::kPending;
}

}  // namespace

namespace {

CaseRow EncodeCase(const Case& c) {
  CaseRow row;
  row.id = c.id;
  row.order_id = c.order_id;
  row.buyer_id = c.buyer_id;
  row.type = c.type;
  row.state = c.state;
  row.version = c.version;
  row.assignee = c.assignee;
  row.policy_version = c.policy_version;
  row.created_at = c.created_at;
  row.updated_at = c.updated_at;
  row.risk_flagged = c.RiskFlagged();
  if (c.return_shipment) row.return_tracking_no = c.return_shipment->tracking_no;
  if (c.replacement_shipment) row.replacement_tracking_no = c.replacement_shipment->tracking_no;
  for (const auto& d : c.deadlines) {
    if (!row.next_due_at || d.due_at < *row.next_due_at) row.next_due_at = d.due_at;
    if (d.breached) row.breached = true;
  }
  json::array_t lines;
  for (const auto& l : c.lines) {
    json::object_t line;
    line.emplace("line_id", l.line_id);
    line.emplace("qty", l.qty);
    line.emplace("replacement_sku", Opt(l.replacement_sku));
    line.emplace("amount", l.amount);
    lines.emplace_back(std::move(line));
  }
  json::array_t evidence;
  for (const auto& e : c.evidence) evidence.push_back(Ref(e));
  json::array_t history;
  for (const auto& o : c.offer_history) history.push_back(OfferDoc(o));
  json::array_t refunds;
  for (const auto& r : c.refunds) {
    json::object_t refund;
    refund.emplace("id", r.id);
    refund.emplace("amount", r.amount);
    refund.emplace("status", NameOf(r.status));
    refund.emplace("external_ref", Opt(r.external_ref));
    refund.emplace("error", OptRef(r.error));
    refund.emplace("created_at", r.created_at);
    refund.emplace("updated_at", r.updated_at);
    refunds.emplace_back(std::move(refund));
  }
  json::object_t doc;
  doc.emplace("reason", c.reason);
  doc.emplace("description", OptRef(c.description));
  doc.emplace("evidence", std::move(evidence));
  doc.emplace("lines", std::move(lines));
  doc.emplace("currency", c.currency);
  doc.emplace("requested_amount", c.requested_amount);
  doc.emplace("agreed_amount", Opt(c.agreed_amount));
  doc.emplace("refunded_amount", c.refunded_amount);
  doc.emplace("offer", c.offer ? OfferDoc(*c.offer) : json(nullptr));
  doc.emplace("offer_history", std::move(history));
  doc.emplace("return_shipment", ShipmentDoc(c.return_shipment));
  doc.emplace("replacement_shipment", ShipmentDoc(c.replacement_shipment));
  doc.emplace("inspection", InspectionDoc(c.inspection));
  doc.emplace("refunds", std::move(refunds));
  doc.emplace("close_reason", Opt(c.close_reason));
  doc.emplace("reject_reason", Opt(c.reject_reason));
  doc.emplace("return_address_due", c.return_address_due);
  doc.emplace("return_required", c.return_required);
  doc.emplace("holds_shipping", c.holds_shipping);
  doc.emplace("modifications", c.modifications);
  if (c.risk) doc.emplace("risk", RiskToJson(*c.risk));  // absent on cases from before risk existed
  if (c.repair) doc.emplace("repair", RepairDoc(*c.repair));  // repair cases only (§12)
  if (c.repaired_shipment) doc.emplace("repaired_shipment", ShipmentDoc(c.repaired_shipment));
  if (c.compensation) {  // compensation cases only (SPEC §11.1)
    doc.emplace("compensation", CompensationDoc(*c.compensation));
    doc.emplace("compensated_amount", c.compensated_amount);
    doc.emplace("system_submitted", c.system_submitted);
  }
  row.doc = json(std::move(doc)).dump();
  return row;
}

// The parts of a case its document holds (none of the row's columns).
Result<Case> CaseFromDocument(const CaseRow& row) {
  try {
    Case c;
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
    if (auto repair = doc.find("repair"); repair != doc.end()) c.repair = RepairFrom(*repair);
    if (auto shipped = doc.find("repaired_shipment"); shipped != doc.end()) c.repaired_shipment = ShipmentFrom(*shipped);
    if (auto comp = doc.find("compensation"); comp != doc.end()) {
      c.compensation = CompensationFrom(*comp);
      c.compensated_amount = doc.at("compensated_amount").get<Money>();
      c.system_submitted = doc.at("system_submitted").get<bool>();
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal("case " + row.id + " has a corrupt document: " + e.what());
  } catch (const std::invalid_argument& e) {
    return Status::Internal("case " + row.id + " has a corrupt document: " + e.what());
  }
}

// The documents decoded last, each with the case it decoded to. Parsing the
// document is most of reading a case, and the same documents are read
// again and again (a case's page, its actions, its order's other cases).
DecodeMemo<Case>& Decoded() {
  static auto* const decoded = new DecodeMemo<Case>();  // never destroyed: read until exit
  return *decoded;
}

// The parts of `c` that its document holds, and nothing else: what
// CaseFromDocument decodes from EncodeCase(c)'s document (each part's
// encoding round-trips exactly; tests/engine/case_document_test.cc holds
// the two to the same case).
Case DocumentPart(const Case& c) {
  Case part;
  part.reason = c.reason;
  part.description = c.description;
  part.evidence = c.evidence;
  part.lines = c.lines;
  part.currency = c.currency;
  part.requested_amount = c.requested_amount;
  part.agreed_amount = c.agreed_amount;
  part.refunded_amount = c.refunded_amount;
  part.offer = c.offer;
  part.offer_history = c.offer_history;
  part.return_shipment = c.return_shipment;
  part.replacement_shipment = c.replacement_shipment;
  part.inspection = c.inspection;
  part.refunds = c.refunds;
  part.close_reason = c.close_reason;
  part.reject_reason = c.reject_reason;
  part.return_address_due = c.return_address_due;
  part.return_required = c.return_required;
  part.holds_shipping = c.holds_shipping;
  part.modifications = c.modifications;
  part.risk = c.risk;
  part.repair = c.repair;
  part.repaired_shipment = c.repaired_shipment;
  if (c.compensation) {
    part.compensation = c.compensation;
    part.compensated_amount = c.compensated_amount;
    part.system_submitted = c.system_submitted;
  }
  return part;
}

}  // namespace

CaseRow CaseToRow(const Case& kase) {
  CaseRow row = EncodeCase(kase);
  Decoded().Remember(row.id, row.doc, std::make_shared<const Case>(DocumentPart(kase)));
  return row;
}

Result<Case> CaseFromRow(const CaseRow& row, const std::vector<DeadlineRow>& deadlines) {
  std::shared_ptr<const Case> decoded = Decoded().Find(row.id, row.doc);
  if (!decoded) {
    AS_ASSIGN_OR_RETURN(Case from_document, CaseFromDocument(row));
    decoded = std::make_shared<const Case>(std::move(from_document));
    Decoded().Remember(row.id, row.doc, decoded);
  }
  Case c = *decoded;
  c.id = row.id;
  c.order_id = row.order_id;
  c.buyer_id = row.buyer_id;
  c.type = row.type;
  c.state = row.state;
  c.version = row.version;
  c.assignee = row.assignee;
  c.policy_version = row.policy_version;
  c.created_at = row.created_at;
  c.updated_at = row.updated_at;
  for (const auto& d : deadlines) {
    c.deadlines.push_back({d.id, d.kind, d.started_at, d.due_at, d.status == DeadlineStatus::kBreached});
  }
  return c;
}

}  // namespace aftersales
