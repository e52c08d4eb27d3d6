#include "engine/cases/case_document.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "engine/decode_memo.h"
#include "engine/json_reader.h"
#include "engine/json_writer.h"
#include "engine/reports/risk.h"

namespace aftersales {
namespace {

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
// The document is read back member by member (engine/json_reader.h), by
// name, so that a member's place does not matter and a member this program
// does not know is skipped; a member it needs that is missing, or of
// another kind, fails the read.
TextRef ReadRef(JsonReader& r) {
  TextRef ref;
  r.Object({"id", "sha256"}, [&](std::string_view key) {
    if (key == "id") {
      ref.id = r.String();
    } else if (key == "sha256") {
      ref.sha256 = r.String();
    } else {
      return false;
    }
    return true;
  });
  return ref;
}
std::optional<TextRef> ReadOptRef(JsonReader& r) {
  if (r.Null()) return std::nullopt;
  return ReadRef(r);
}
CompensationForm ReadForm(JsonReader& r) {
  const std::string name = r.String();
  const auto form = ParseCompensationForm(name);
  if (!form) throw JsonReadError("unknown compensation form " + name);
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
Offer ReadOffer(JsonReader& r) {
  Offer o;
  r.Object({"amount", "at", "by", "note", "return_required"}, [&](std::string_view key) {
    if (key == "amount") {
      o.amount = r.Int();
    } else if (key == "at") {
      o.at = r.Int();
    } else if (key == "by") {
      o.by = r.String();
    } else if (key == "form") {
      o.form = ReadForm(r);
    } else if (key == "note") {
      o.note = ReadOptRef(r);
    } else if (key == "return_required") {
      o.return_required = r.Bool();
    } else {
      return false;
    }
    return true;
  });
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
Compensation ReadCompensation(JsonReader& r) {
  Compensation c;
  r.Object({"agreed_by", "amount", "expires_at", "external_ref", "form", "issued_at", "issued_by", "voucher_code"},
           [&](std::string_view key) {
             if (key == "agreed_by") {
               c.agreed_by = r.OptionalString();
             } else if (key == "amount") {
               c.amount = r.Int();
             } else if (key == "expires_at") {
               c.expires_at = r.OptionalInt();
             } else if (key == "external_ref") {
               c.external_ref = r.OptionalString();
             } else if (key == "form") {
               c.form = ReadForm(r);
             } else if (key == "issued_at") {
               c.issued_at = r.OptionalInt();
             } else if (key == "issued_by") {
               c.issued_by = r.OptionalString();
             } else if (key == "voucher_code") {
               c.voucher_code = ReadOptRef(r);
             } else {
               return false;
             }
             return true;
           });
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
std::optional<Shipment> ReadShipment(JsonReader& r) {
  if (r.Null()) return std::nullopt;
  Shipment s;
  r.Object({"carrier", "delivered_at", "received_at", "shipped_at", "sku", "tracking_no"}, [&](std::string_view key) {
    if (key == "carrier") {
      s.carrier = r.String();
    } else if (key == "delivered_at") {
      s.delivered_at = r.OptionalInt();
    } else if (key == "received_at") {
      s.received_at = r.OptionalInt();
    } else if (key == "shipped_at") {
      s.shipped_at = r.Int();
    } else if (key == "sku") {
      s.sku = r.OptionalString();
    } else if (key == "tracking_no") {
      s.tracking_no = r.String();
    } else {
      return false;
    }
    return true;
  });
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
std::optional<Inspection> ReadInspection(JsonReader& r) {
  if (r.Null()) return std::nullopt;
  Inspection in;
  r.Object({"at", "by", "grade", "lines", "note", "pass"}, [&](std::string_view key) {
    if (key == "at") {
      in.at = r.Int();
    } else if (key == "by") {
      in.by = r.String();
    } else if (key == "grade") {
      in.grade = r.OptionalString();
    } else if (key == "lines") {
      in.lines.clear();
      r.Array([&] {
        InspectedLine& l = in.lines.emplace_back();
        r.Object({"damaged", "line_id", "received", "restocked"}, [&](std::string_view line_key) {
          if (line_key == "damaged") {
            l.damaged = r.Int();
          } else if (line_key == "line_id") {
            l.line_id = r.String();
          } else if (line_key == "received") {
            l.received = r.Int();
          } else if (line_key == "restocked") {
            l.restocked = r.Int();
          } else {
            return false;
          }
          return true;
        });
      });
    } else if (key == "note") {
      in.note = ReadOptRef(r);
    } else if (key == "pass") {
      in.pass = r.Bool();
    } else {
      return false;
    }
    return true;
  });
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
Repair ReadRepair(JsonReader& r) {
  Repair repair;
  r.Object({"attempt", "progress", "repairing_from", "repairing_until", "warranty_ends_at"}, [&](std::string_view key) {
    if (key == "attempt") {
      repair.attempt = r.OptionalInt();
    } else if (key == "progress") {
      repair.progress.clear();
      r.Array([&] {
        RepairProgress& p = repair.progress.emplace_back();
        r.Object({"at", "by", "note", "status"}, [&](std::string_view progress_key) {
          if (progress_key == "at") {
            p.at = r.Int();
          } else if (progress_key == "by") {
            p.by = r.String();
          } else if (progress_key == "note") {
            p.note = ReadRef(r);
          } else if (progress_key == "status") {
            p.status = r.String();
          } else {
            return false;
          }
          return true;
        });
      });
    } else if (key == "repairing_from") {
      repair.repairing_from = r.OptionalInt();
    } else if (key == "repairing_until") {
      repair.repairing_until = r.OptionalInt();
    } else if (key == "warranty_ends_at") {
      repair.warranty_ends_at = r.Int();
    } else {
      return false;
    }
    return true;
  });
  return repair;
}

RefundStatus RefundStatusFrom(const std::string& s) {
  if (s == "issued") return RefundStatus::kIssued;
  if (s == "failed") return RefundStatus::kFailed;
  return RefundStatus::kPending;
}

CaseLine ReadLine(JsonReader& r) {
  CaseLine l;
  r.Object({"amount", "line_id", "qty", "replacement_sku"}, [&](std::string_view key) {
    if (key == "amount") {
      l.amount = r.Int();
    } else if (key == "line_id") {
      l.line_id = r.String();
    } else if (key == "qty") {
      l.qty = r.Int();
    } else if (key == "replacement_sku") {
      l.replacement_sku = r.OptionalString();
    } else {
      return false;
    }
    return true;
  });
  return l;
}

Refund ReadRefund(JsonReader& r) {
  Refund refund;
  r.Object({"amount", "created_at", "error", "external_ref", "id", "status", "updated_at"}, [&](std::string_view key) {
    if (key == "amount") {
      refund.amount = r.Int();
    } else if (key == "created_at") {
      refund.created_at = r.Int();
    } else if (key == "error") {
      refund.error = ReadOptRef(r);
    } else if (key == "external_ref") {
      refund.external_ref = r.OptionalString();
    } else if (key == "id") {
      refund.id = r.String();
    } else if (key == "status") {
      refund.status = RefundStatusFrom(r.String());
    } else if (key == "updated_at") {
      refund.updated_at = r.Int();
    } else {
      return false;
    }
    return true;
  });
  return refund;
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
    // A compensation case's own figures: taken only with its compensation.
    std::optional<Money> compensated_amount;
    std::optional<bool> system_submitted;
    JsonReader r(row.doc);
    r.Object({"agreed_amount", "close_reason", "currency", "description", "evidence", "holds_shipping", "inspection",
              "lines", "modifications", "offer", "offer_history", "reason", "refunded_amount", "refunds",
              "reject_reason", "replacement_shipment", "requested_amount", "return_address_due", "return_required",
              "return_shipment"},
             [&](std::string_view key) {
               if (key == "agreed_amount") {
                 c.agreed_amount = r.OptionalInt();
               } else if (key == "close_reason") {
                 c.close_reason = r.OptionalString();
               } else if (key == "compensated_amount") {
                 compensated_amount = r.Int();
               } else if (key == "compensation") {
                 c.compensation = ReadCompensation(r);
               } else if (key == "currency") {
                 c.currency = r.String();
               } else if (key == "description") {
                 c.description = ReadOptRef(r);
               } else if (key == "evidence") {
                 c.evidence.clear();
                 r.Array([&] { c.evidence.push_back(ReadRef(r)); });
               } else if (key == "holds_shipping") {
                 c.holds_shipping = r.Bool();
               } else if (key == "inspection") {
                 c.inspection = ReadInspection(r);
               } else if (key == "lines") {
                 c.lines.clear();
                 r.Array([&] { c.lines.push_back(ReadLine(r)); });
               } else if (key == "modifications") {
                 c.modifications = static_cast<int>(r.Int());
               } else if (key == "offer") {
                 c.offer = r.Null() ? std::nullopt : std::optional<Offer>(ReadOffer(r));
               } else if (key == "offer_history") {
                 c.offer_history.clear();
                 r.Array([&] { c.offer_history.push_back(ReadOffer(r)); });
               } else if (key == "reason") {
                 c.reason = r.String();
               } else if (key == "refunded_amount") {
                 c.refunded_amount = r.Int();
               } else if (key == "refunds") {
                 c.refunds.clear();
                 r.Array([&] { c.refunds.push_back(ReadRefund(r)); });
               } else if (key == "reject_reason") {
                 c.reject_reason = r.OptionalString();
               } else if (key == "repair") {
                 c.repair = ReadRepair(r);
               } else if (key == "repaired_shipment") {
                 c.repaired_shipment = ReadShipment(r);
               } else if (key == "replacement_shipment") {
                 c.replacement_shipment = ReadShipment(r);
               } else if (key == "requested_amount") {
                 c.requested_amount = r.Int();
               } else if (key == "return_address_due") {
                 c.return_address_due = r.Bool();
               } else if (key == "return_required") {
                 c.return_required = r.Bool();
               } else if (key == "return_shipment") {
                 c.return_shipment = ReadShipment(r);
               } else if (key == "risk") {
                 c.risk = r.Null() ? std::nullopt : std::optional<Risk>(ReadRiskJson(r));
               } else if (key == "system_submitted") {
                 system_submitted = r.Bool();
               } else {
                 return false;
               }
               return true;
             });
    r.End();
    if (c.compensation) {
      if (!compensated_amount) throw JsonReadError("missing member \"compensated_amount\"");
      if (!system_submitted) throw JsonReadError("missing member \"system_submitted\"");
      c.compensated_amount = *compensated_amount;
      c.system_submitted = *system_submitted;
    }
    return c;
  } catch (const JsonReadError& e) {
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
