#include "api/case_json.h"

#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/json_writer.h"
#include "engine/reports/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCursorChars = 400;

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

// The case's JSON is written straight into its text (engine/json_writer.h):
// a case is rendered for every read, every page item and every action.
// Members are written in sorted order by hand; tests/engine/
// case_json_test.cc holds the text to dump() of its own parse.

// The body of the text `ref` names, or null (no text, or not the caller's).
const std::string* TextOf(const std::optional<TextRef>& ref, const TextsById& texts) {
  if (!ref) return nullptr;
  auto it = texts.find(ref->id);
  return it == texts.end() ? nullptr : &it->second.body;
}

void WriteText(JsonWriter& w, const std::optional<TextRef>& ref, const TextsById& texts) {
  const std::string* body = TextOf(ref, texts);
  body ? w.String(*body) : w.Null();
}

void WriteShipment(JsonWriter& w, const std::optional<Shipment>& s) {
  if (!s) return w.Null();
  w.BeginObject();
  w.Key("carrier").String(s->carrier);
  w.Key("delivered_at").TimeOrNull(s->delivered_at);
  w.Key("received_at").TimeOrNull(s->received_at);
  w.Key("shipped_at").Time(s->shipped_at);
  if (s->sku) w.Key("sku").String(*s->sku);
  w.Key("tracking_no").String(s->tracking_no);
  w.EndObject();
}

void WriteOffer(JsonWriter& w, const Offer& o, const TextsById& texts) {
  w.BeginObject();
  w.Key("amount").Int(o.amount);
  w.Key("at").Time(o.at);
  w.Key("by").String(o.by);
  if (o.form) w.Key("form").String(NameOf(*o.form));
  WriteText(w.Key("note"), o.note, texts);
  w.Key("return_required").Bool(o.return_required);
  w.EndObject();
}

// SPEC §11.1's record, as every viewer of the case sees it (the voucher
// code is a buyer-visible text; null once erased).
void WriteCompensation(JsonWriter& w, const Compensation& c, const TextsById& texts) {
  w.BeginObject();
  w.Key("amount").Int(c.amount);
  w.Key("expires_at").TimeOrNull(c.expires_at);
  w.Key("external_ref").StringOrNull(c.external_ref);
  w.Key("form").String(NameOf(c.form));
  w.Key("issued_at").TimeOrNull(c.issued_at);
  w.Key("issued_by").StringOrNull(c.issued_by);
  WriteText(w.Key("voucher_code"), c.voucher_code, texts);
  w.EndObject();
}

void WriteInspection(JsonWriter& w, const std::optional<Inspection>& in, const TextsById& texts) {
  if (!in) return w.Null();
  w.BeginObject();
  w.Key("at").Time(in->at);
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
  WriteText(w.Key("note"), in->note, texts);
  w.Key("result").String(in->pass ? "pass" : "fail");
  w.EndObject();
}

// §12: what the buyer and staff alike see of a repair; its progress notes
// are always the buyer's to read.
void WriteRepair(JsonWriter& w, const std::optional<Repair>& r, const TextsById& texts) {
  if (!r) return w.Null();
  w.BeginObject();
  w.Key("attempt").IntOrNull(r->attempt);
  w.Key("progress").BeginArray();
  for (const auto& p : r->progress) {
    w.Item().BeginObject();
    w.Key("at").Time(p.at);
    w.Key("by").String(p.by);
    WriteText(w.Key("note"), p.note, texts);
    w.Key("status").String(p.status);
    w.EndObject();
  }
  w.EndArray();
  w.Key("warranty_ends_at").Time(r->warranty_ends_at);
  w.EndObject();
}

void WriteRefunds(JsonWriter& w, const std::vector<Refund>& refunds, const TextsById& texts) {
  w.BeginArray();
  for (const auto& r : refunds) {
    w.Item().BeginObject();
    w.Key("amount").Int(r.amount);
    w.Key("created_at").Time(r.created_at);
    if (const std::string* error = TextOf(r.error, texts)) w.Key("error").String(*error);
    w.Key("external_ref").StringOrNull(r.external_ref);
    w.Key("id").String(r.id);
    w.Key("status").String(NameOf(r.status));
    w.Key("updated_at").Time(r.updated_at);
    w.EndObject();
  }
  w.EndArray();
}

void WriteLines(JsonWriter& w, const std::vector<CaseLine>& lines) {
  w.BeginArray();
  for (const auto& l : lines) {
    w.Item().BeginObject();
    w.Key("amount").Int(l.amount);
    w.Key("line_id").String(l.line_id);
    w.Key("qty").Int(l.qty);
    if (l.replacement_sku) w.Key("replacement_sku").String(*l.replacement_sku);
    w.EndObject();
  }
  w.EndArray();
}

void WriteDeadlines(JsonWriter& w, const std::vector<Deadline>& deadlines) {
  w.BeginArray();
  for (const auto& d : deadlines) {
    w.Item().BeginObject();
    w.Key("breached").Bool(d.breached);
    w.Key("due_at").Time(d.due_at);
    w.Key("kind").String(NameOf(d.kind));
    w.EndObject();
  }
  w.EndArray();
}

// Every member in sorted order (the conditional ones in their place).
void WriteCase(JsonWriter& w, const CaseView& view) {
  const Case& c = view.kase;
  const TextsById& texts = view.texts;
  w.BeginObject();
  w.Key("agreed_amount").IntOrNull(c.agreed_amount);
  w.Key("allowed_actions").BeginArray();
  for (Action a : view.allowed_actions) w.Item().String(NameOf(a));
  w.EndArray();
  w.Key("assignee").StringOrNull(c.assignee);
  w.Key("buyer_id").String(c.buyer_id);
  w.Key("close_reason").StringOrNull(c.close_reason);
  if (c.compensation) {  // compensation cases only
    w.Key("compensated_amount").Int(c.compensated_amount);
    WriteCompensation(w.Key("compensation"), *c.compensation, texts);
  }
  w.Key("created_at").Time(c.created_at);
  w.Key("currency").String(c.currency);
  WriteDeadlines(w.Key("deadlines"), c.deadlines);
  WriteText(w.Key("description"), c.description, texts);
  w.Key("evidence").BeginArray();
  for (const auto& e : c.evidence) {
    if (const std::string* body = TextOf(e, texts)) w.Item().String(*body);
  }
  w.EndArray();
  w.Key("id").String(c.id);
  WriteInspection(w.Key("inspection"), c.inspection, texts);
  WriteLines(w.Key("lines"), c.lines);
  w.Key("modifications").Int(c.modifications);
  if (c.offer) {
    WriteOffer(w.Key("offer"), *c.offer, texts);
  } else {
    w.Key("offer").Null();
  }
  w.Key("offers").BeginArray();
  for (const auto& o : c.offer_history) WriteOffer(w.Item(), o, texts);
  w.EndArray();
  w.Key("order_id").String(c.order_id);
  w.Key("policy_version").Int(c.policy_version);
  w.Key("reason").String(c.reason);
  if (view.refundable_amount) w.Key("refundable_amount").Int(*view.refundable_amount);
  w.Key("refunded_amount").Int(c.refunded_amount);
  WriteRefunds(w.Key("refunds"), c.refunds, texts);
  w.Key("reject_reason").StringOrNull(c.reject_reason);
  WriteRepair(w.Key("repair"), c.repair, texts);
  WriteShipment(w.Key("repaired_shipment"), c.repaired_shipment);
  WriteShipment(w.Key("replacement_shipment"), c.replacement_shipment);
  w.Key("requested_amount").Int(c.requested_amount);
  w.Key("return_address").Value(view.return_address);
  WriteShipment(w.Key("return_shipment"), c.return_shipment);
  // The abuse signals are for the shop's staff: a buyer never learns of them.
  if (view.shows_risk) {
    if (c.risk) {
      WriteRiskJson(w.Key("risk"), *c.risk);
    } else {
      w.Key("risk").Null();
    }
  }
  w.Key("state").String(NameOf(c.state));
  w.Key("type").String(NameOf(c.type));
  w.Key("updated_at").Time(c.updated_at);
  w.Key("version").Int(c.version);
  w.EndObject();
}

}  // namespace

std::string CaseJsonText(const CaseView& view) {
  std::string out;
  out.reserve(2048);
  JsonWriter w(out);
  WriteCase(w, view);
  return out;
}

std::string CasePageJsonText(const CasePage& page) {
  std::string out;
  out.reserve(2048 * (page.items.size() + 1));
  JsonWriter w(out);
  w.BeginObject();
  w.Key("items").BeginArray();
  for (const auto& v : page.items) WriteCase(w.Item(), v);
  w.EndArray();
  w.Key("next_cursor");
  page.next ? w.String(EncodeCursor(*page.next)) : w.Null();
  w.EndObject();
  return out;
}

json CaseJson(const CaseView& view) { return json::parse(CaseJsonText(view)); }

json OrderJson(const OrderView& view) {
  const Order& o = view.order;
  auto qty_of = [](const std::map<std::string, std::int64_t>& m, const std::string& id) {
    const auto it = m.find(id);
    return it == m.end() ? std::int64_t{0} : it->second;
  };
  json lines = json::array();
  for (const auto& l : o.lines) {
    lines.push_back({{"line_id", l.line_id},
                     {"sku", l.sku},
                     {"title", l.title},
                     {"qty", l.qty},
                     {"paid", l.paid},
                     {"no_reason_return", l.no_reason_return},
                     {"returnable_qty", qty_of(view.returnable_qty, l.line_id)},
                     {"shipped_qty", o.ShippedQty(l.line_id)},
                     {"to_ship_qty", qty_of(view.to_ship_qty, l.line_id)}});
  }
  json shipments = json::array();
  for (const auto& sh : o.shipments) {
    json sl = json::array();
    for (const auto& l : sh.lines) sl.push_back({{"line_id", l.line_id}, {"qty", l.qty}});
    shipments.push_back({{"id", sh.id},
                         {"carrier", sh.carrier ? json(*sh.carrier) : json(nullptr)},
                         {"tracking_no", sh.tracking_no ? json(*sh.tracking_no) : json(nullptr)},
                         {"lines", std::move(sl)},
                         {"shipped_at", FormatTime(sh.shipped_at)},
                         {"by", sh.by}});
  }
  json deadlines = json::array();
  for (const auto& d : view.deadlines) {
    deadlines.push_back({{"kind", NameOf(d.kind)},
                         {"due_at", FormatTime(d.due_at)},
                         {"breached", d.status == DeadlineStatus::kBreached}});
  }
  return {{"id", o.id},
          {"buyer_id", o.buyer_id},
          {"currency", o.currency},
          {"placed_at", FormatTime(o.placed_at)},
          {"paid_at", FormatTime(o.paid_at)},
          {"ship_by", TimeOrNull(o.ship_by)},
          {"shipped_at", TimeOrNull(o.ShippedAt())},
          {"delivered_at", TimeOrNull(o.delivered_at)},
          {"shipment_status", NameOf(o.shipment_status)},
          {"shipping_paid", o.shipping_paid},
          {"lines", lines},
          {"shipments", std::move(shipments)},
          {"deadlines", std::move(deadlines)},
          {"policy_version", o.policy_version},
          {"paid_total", o.PaidTotal()},
          {"refundable_amount", view.refundable_amount},
          {"compensation_cap", view.compensation_cap},
          {"compensation_remaining", view.compensation_remaining},
          {"case_ids", view.case_ids}};
}

json OrderPageJson(const OrderPage& page) {
  json items = json::array();
  for (const auto& v : page.items) items.push_back(OrderJson(v));
  return json{{"items", std::move(items)}, {"next_cursor", page.next ? json(EncodeCursor(*page.next)) : json(nullptr)}};
}

json CasePageJson(const CasePage& page) { return json::parse(CasePageJsonText(page)); }

json TimelineJson(const Timeline& timeline) {
  json items = json::array();
  for (const auto& t : timeline.items) {
    json item = AuditLog::ToJson(t.entry);
    if (t.hide_risk && item["data"].is_object()) item["data"].erase("risk");
    json visible = json::array();
    for (const auto& text : t.texts) {
      visible.push_back({{"id", text.id},
                         {"kind", text.kind},
                         {"visibility", text.visibility == Visibility::kBuyer ? "buyer" : "internal"},
                         {"body", text.body}});
    }
    item["texts"] = std::move(visible);
    items.push_back(std::move(item));
  }
  return json{{"items", std::move(items)}};
}

json ExtensionPreviewJson(const ExtensionPreview& preview) {
  json first = json::array();
  for (const auto& m : preview.first) {
    first.push_back({{"case_id", m.case_id.empty() ? json(nullptr) : json(m.case_id)},
                     {"order_id", m.order_id.empty() ? json(nullptr) : json(m.order_id)},
                     {"deadline", NameOf(m.kind)},
                     {"from_due_at", FormatTime(m.from_due_at)},
                     {"to_due_at", FormatTime(m.to_due_at)}});
  }
  return {{"kind", NameOf(preview.kind)},
          {"state", preview.state ? json(NameOf(*preview.state)) : json(nullptr)},
          {"due_before", FormatTime(preview.due_before)},
          {"hours", preview.hours},
          {"moving", preview.moving},
          {"due_now", preview.due_now},
          {"first", std::move(first)}};
}

json CommandResultJson(const CommandResult& result) {
  if (const auto* c = std::get_if<CaseView>(&result)) return CaseJson(*c);
  if (const auto* e = std::get_if<ExtensionView>(&result)) {
    return {{"extension_id", e->extension_id}, {"kind", NameOf(e->kind)}, {"moved", e->moved}};
  }
  return OrderJson(std::get<OrderView>(result));
}

std::string CommandResultText(const CommandResult& result) {
  if (const auto* c = std::get_if<CaseView>(&result)) return CaseJsonText(*c);
  return CommandResultJson(result).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodeCursor(const CaseCursor& cursor) {
  const std::string raw = std::string(cursor.by_due ? "d" : "c") + ":" +
                          (cursor.key ? std::to_string(*cursor.key) : "-") + ":" + cursor.id;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : raw) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

std::optional<CaseCursor> DecodeCursor(const std::string& cursor, bool by_due) {
  if (cursor.empty() || cursor.size() % 2 != 0 || cursor.size() > kMaxCursorChars) return std::nullopt;
  std::string raw;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    auto nib = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      return -1;
    };
    const int hi = nib(cursor[i]), lo = nib(cursor[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    raw += static_cast<char>(hi * 16 + lo);
  }
  if (raw.size() < 4 || raw[0] != (by_due ? 'd' : 'c') || raw[1] != ':') return std::nullopt;
  const std::size_t sep = raw.find(':', 2);
  if (sep == std::string::npos) return std::nullopt;
  const std::string key = raw.substr(2, sep - 2);
  CaseCursor out;
  out.by_due = by_due;
  out.id = raw.substr(sep + 1);
  if (!IsValidId(out.id)) return std::nullopt;
  if (key == "-") {
    if (!by_due) return std::nullopt;
    return out;
  }
  out.key = ParseDecimal(key, INT64_MIN, INT64_MAX);
  if (!out.key) return std::nullopt;
  return out;
}

}  // namespace aftersales
