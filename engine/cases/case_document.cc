#include "engine/cases/case_document.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/decode_memo.h"
#include "engine/json_writer.h"
#include "engine/reports/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

// The document is written as text (engine/json_writer.h), each object's
// members in sorted key order, as nlohmann's dump() of a tree wrote it
// before: CaseToRow runs on every action, inside the write transaction.
// Times are stored as seconds, not as the API's text.
void WriteRefDoc(JsonWriter& w, const TextRef& r) {
  w.BeginObject();
  w.Key("id").String(r.id);
  w.Key("sha256").String(r.sha256);
  w.EndObject();
}
void WriteOptRefDoc(JsonWriter& w, const std::optional<TextRef>& r) { r ? WriteRefDoc(w, *r) : w.Null(); }
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

void WriteOfferDoc(JsonWriter& w, const Offer& o) {
  w.BeginObject();
  w.Key("amount").Int(o.amount);
  w.Key("at").Int(o.at);
  w.Key("by").String(o.by);
  if (o.form) w.Key("form").String(NameOf(*o.form));  // compensation offers only
  WriteOptRefDoc(w.Key("note"), o.note);
  w.Key("return_required").Bool(o.return_required);
  w.EndObject();
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
void WriteCompensationDoc(JsonWriter& w, const Compensation& c) {
  w.BeginObject();
  w.Key("agreed_by").StringOrNull(c.agreed_by);
  w.Key("amount").Int(c.amount);
  w.Key("expires_at").IntOrNull(c.expires_at);
  w.Key("external_ref").StringOrNull(c.external_ref);
  w.Key("form").String(NameOf(c.form));
  w.Key("issued_at").IntOrNull(c.issued_at);
  w.Key("issued_by").StringOrNull(c.issued_by);
  WriteOptRefDoc(w.Key("voucher_code"), c.voucher_code);
  w.EndObject();
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

void WriteShipmentDoc(JsonWriter& w, const std::optional<Shipment>& s) {
  if (!s) return w.Null();
  w.BeginObject();
  w.Key("carrier").String(s->carrier);
  w.Key("delivered_at").IntOrNull(s->delivered_at);
  w.Key("received_at").IntOrNull(s->received_at);
  w.Key("shipped_at").Int(s->shipped_at);
  w.Key("sku").StringOrNull(s->sku);
  w.Key("tracking_no").String(s->tracking_no);
  w.EndObject();
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

void WriteInspectionDoc(JsonWriter& w, const std::optional<Inspection>& in) {
  if (!in) return w.Null();
  w.BeginObject();
  w.Key("at").Int(in->at);
  w.Key("by").String(in->by);
  w.Key("grade").StringOrNull(in->grade);
  w.Key("lines").BeginArray();
  for (const auto& l : in->lines) {
    w.Item().BeginObject();
    w.Key("damaged").Int(l.damaged);
    w.Key("line_id").String(l.line_id);
    w.Key("received").Int(l.received);
    w.Key("restocked").Int(l.restocked);
    w.EndObject();
  }
  w.EndArray();
  WriteOptRefDoc(w.Key("note"), in->note);
  w.Key("pass").Bool(in->pass);
  w.EndObject();
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
void WriteRepairDoc(JsonWriter& w, const Repair& r) {
  w.BeginObject();
  w.Key("attempt").IntOrNull(r.attempt);
  w.Key("progress").BeginArray();
  for (const auto& p : r.progress) {
    w.Item().BeginObject();
    w.Key("at").Int(p.at);
    w.Key("by").String(p.by);
    WriteRefDoc(w.Key("note"), p.note);
    w.Key("status").String(p.status);
    w.EndObject();
  }
  w.EndArray();
  w.Key("repairing_from").IntOrNull(r.repairing_from);
  w.Key("repairing_until").IntOrNull(r.repairing_until);
  w.Key("warranty_ends_at").Int(r.warranty_ends_at);
  w.EndObject();
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
  JsonWriter w(row.doc);
  w.BeginObject();
  w.Key("agreed_amount").IntOrNull(c.agreed_amount);
  w.Key("close_reason").StringOrNull(c.close_reason);
  if (c.compensation) {  // compensation cases only (SPEC §11.1)
    w.Key("compensated_amount").Int(c.compensated_amount);
    WriteCompensationDoc(w.Key("compensation"), *c.compensation);
  }
  w.Key("currency").String(c.currency);
  WriteOptRefDoc(w.Key("description"), c.description);
  w.Key("evidence").BeginArray();
  for (const auto& e : c.evidence) WriteRefDoc(w.Item(), e);
  w.EndArray();
  w.Key("holds_shipping").Bool(c.holds_shipping);
  WriteInspectionDoc(w.Key("inspection"), c.inspection);
  w.Key("lines").BeginArray();
  for (const auto& l : c.lines) {
    w.Item().BeginObject();
    w.Key("amount").Int(l.amount);
    w.Key("line_id").String(l.line_id);
    w.Key("qty").Int(l.qty);
    w.Key("replacement_sku").StringOrNull(l.replacement_sku);
    w.EndObject();
  }
  w.EndArray();
  w.Key("modifications").Int(c.modifications);
  c.offer ? WriteOfferDoc(w.Key("offer"), *c.offer) : w.Key("offer").Null();
  w.Key("offer_history").BeginArray();
  for (const auto& o : c.offer_history) WriteOfferDoc(w.Item(), o);
  w.EndArray();
  w.Key("reason").String(c.reason);
  w.Key("refunded_amount").Int(c.refunded_amount);
  w.Key("refunds").BeginArray();
  for (const auto& r : c.refunds) {
    w.Item().BeginObject();
    w.Key("amount").Int(r.amount);
    w.Key("created_at").Int(r.created_at);
    WriteOptRefDoc(w.Key("error"), r.error);
    w.Key("external_ref").StringOrNull(r.external_ref);
    w.Key("id").String(r.id);
    w.Key("status").String(NameOf(r.status));
    w.Key("updated_at").Int(r.updated_at);
    w.EndObject();
  }
  w.EndArray();
  w.Key("reject_reason").StringOrNull(c.reject_reason);
  if (c.repair) WriteRepairDoc(w.Key("repair"), *c.repair);  // repair cases only (§12)
  if (c.repaired_shipment) WriteShipmentDoc(w.Key("repaired_shipment"), c.repaired_shipment);
  WriteShipmentDoc(w.Key("replacement_shipment"), c.replacement_shipment);
  w.Key("requested_amount").Int(c.requested_amount);
  w.Key("return_address_due").Bool(c.return_address_due);
  w.Key("return_required").Bool(c.return_required);
  WriteShipmentDoc(w.Key("return_shipment"), c.return_shipment);
  if (c.risk) WriteRiskJson(w.Key("risk"), *c.risk);  // absent on cases from before risk existed
  if (c.compensation) w.Key("system_submitted").Bool(c.system_submitted);
  w.EndObject();
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
