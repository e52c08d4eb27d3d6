#include "api/case_json.h"

#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/reports/risk.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCursorChars = 400;

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json TextOf(const std::optional<TextRef>& ref, const TextsById& texts) {
  if (!ref) return nullptr;
  auto it = texts.find(ref->id);
  return it == texts.end() ? json(nullptr) : json(it->second.body);
}

// Views are built with json::object_t::emplace rather than initializer
// lists, which make a temporary [key, value] array per member: a case is
// rendered for every action and every read.
json ShipmentJson(const std::optional<Shipment>& s) {
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

json OfferJson(const Offer& o, const TextsById& texts) {
  json::object_t view;
  view.emplace("amount", o.amount);
  view.emplace("return_required", o.return_required);
  view.emplace("note", TextOf(o.note, texts));
  view.emplace("by", o.by);
  view.emplace("at", FormatTime(o.at));
  if (o.form) view.emplace("form", NameOf(*o.form));
  return view;
}

// SPEC §11.1's record, as every viewer of the case sees it (the voucher
// code is a buyer-visible text; null once erased).
json CompensationJson(const Compensation& c, const TextsById& texts) {
  json::object_t view;
  view.emplace("form", NameOf(c.form));
  view.emplace("amount", c.amount);
  view.emplace("voucher_code", TextOf(c.voucher_code, texts));
  view.emplace("expires_at", TimeOrNull(c.expires_at));
  view.emplace("external_ref", OrNull(c.external_ref));
  view.emplace("issued_at", TimeOrNull(c.issued_at));
  view.emplace("issued_by", OrNull(c.issued_by));
  return view;
}

json InspectionJson(const std::optional<Inspection>& in, const TextsById& texts) {
  if (!in) return nullptr;
  json::array_t inspected;
  for (const auto& l : in->lines) {
    json::object_t line;
    line.emplace("line_id", l.line_id);
    line.emplace("received", l.received);
    line.emplace("damaged", l.damaged);
    line.emplace("restocked", l.restocked);
    inspected.emplace_back(std::move(line));
  }
  json::object_t view;
  view.emplace("result", in->pass ? "pass" : "fail");
  view.emplace("grade", OrNull(in->grade));
  view.emplace("note", TextOf(in->note, texts));
  view.emplace("lines", std::move(inspected));
  view.emplace("by", in->by);
  view.emplace("at", FormatTime(in->at));
  return view;
}

// §12: what the buyer and staff alike see of a repair; its progress notes
// are always the buyer's to read.
json RepairJson(const std::optional<Repair>& r, const TextsById& texts) {
  if (!r) return nullptr;
  json::array_t progress;
  for (const auto& p : r->progress) {
    json::object_t step;
    step.emplace("status", p.status);
    step.emplace("note", TextOf(p.note, texts));
    step.emplace("at", FormatTime(p.at));
    step.emplace("by", p.by);
    progress.emplace_back(std::move(step));
  }
  json::object_t view;
  view.emplace("attempt", OrNull(r->attempt));
  view.emplace("warranty_ends_at", FormatTime(r->warranty_ends_at));
  view.emplace("progress", std::move(progress));
  return view;
}

json RefundsJson(const std::vector<Refund>& refunds, const TextsById& texts) {
  json::array_t out;
  for (const auto& r : refunds) {
    json::object_t refund;
    refund.emplace("id", r.id);
    refund.emplace("amount", r.amount);
    refund.emplace("status", NameOf(r.status));
    refund.emplace("external_ref", OrNull(r.external_ref));
    refund.emplace("created_at", FormatTime(r.created_at));
    refund.emplace("updated_at", FormatTime(r.updated_at));
    json error = TextOf(r.error, texts);
    if (!error.is_null()) refund.emplace("error", std::move(error));
    out.emplace_back(std::move(refund));
  }
  return out;
}

json LinesJson(const std::vector<CaseLine>& lines) {
  json::array_t out;
  for (const auto& l : lines) {
    json::object_t line;
    line.emplace("line_id", l.line_id);
    line.emplace("qty", l.qty);
    line.emplace("amount", l.amount);
    if (l.replacement_sku) line.emplace("replacement_sku", *l.replacement_sku);
    out.emplace_back(std::move(line));
  }
  return out;
}

json DeadlinesJson(const std::vector<Deadline>& deadlines) {
  json::array_t out;
  for (const auto& d : deadlines) {
    json::object_t deadline;
    deadline.emplace("kind", NameOf(d.kind));
    deadline.emplace("due_at", FormatTime(d.due_at));
    deadline.emplace("breached", d.breached);
    out.emplace_back(std::move(deadline));
  }
  return out;
}

}  // namespace

json CaseJson(const CaseView& view) {
  const Case& c = view.kase;
  const TextsById& texts = view.texts;
  json::array_t evidence;
  for (const auto& e : c.evidence) {
    json body = TextOf(e, texts);
    if (!body.is_null()) evidence.push_back(std::move(body));
  }
  json::array_t offers;
  for (const auto& o : c.offer_history) offers.push_back(OfferJson(o, texts));
  json::array_t allowed;
  for (Action a : view.allowed_actions) allowed.emplace_back(NameOf(a));
  json::object_t out;
  out.emplace("id", c.id);
  out.emplace("type", NameOf(c.type));
  out.emplace("state", NameOf(c.state));
  out.emplace("version", c.version);
  out.emplace("order_id", c.order_id);
  out.emplace("buyer_id", c.buyer_id);
  out.emplace("reason", c.reason);
  out.emplace("description", TextOf(c.description, texts));
  out.emplace("evidence", std::move(evidence));
  out.emplace("lines", LinesJson(c.lines));
  out.emplace("currency", c.currency);
  out.emplace("requested_amount", c.requested_amount);
  out.emplace("agreed_amount", OrNull(c.agreed_amount));
  out.emplace("refunded_amount", c.refunded_amount);
  out.emplace("assignee", OrNull(c.assignee));
  out.emplace("offer", c.offer ? OfferJson(*c.offer, texts) : json(nullptr));
  out.emplace("offers", std::move(offers));
  out.emplace("return_address", view.return_address);
  out.emplace("return_shipment", ShipmentJson(c.return_shipment));
  out.emplace("replacement_shipment", ShipmentJson(c.replacement_shipment));
  out.emplace("repaired_shipment", ShipmentJson(c.repaired_shipment));
  out.emplace("repair", RepairJson(c.repair, texts));
  out.emplace("inspection", InspectionJson(c.inspection, texts));
  out.emplace("refunds", RefundsJson(c.refunds, texts));
  out.emplace("deadlines", DeadlinesJson(c.deadlines));
  out.emplace("close_reason", OrNull(c.close_reason));
  out.emplace("reject_reason", OrNull(c.reject_reason));
  out.emplace("modifications", c.modifications);
  out.emplace("policy_version", c.policy_version);
  out.emplace("created_at", FormatTime(c.created_at));
  out.emplace("updated_at", FormatTime(c.updated_at));
  out.emplace("allowed_actions", std::move(allowed));
  if (view.refundable_amount) out.emplace("refundable_amount", *view.refundable_amount);
  if (c.compensation) {  // compensation cases only
    out.emplace("compensation", CompensationJson(*c.compensation, texts));
    out.emplace("compensated_amount", c.compensated_amount);
  }
  // The abuse signals are for the shop's staff: a buyer never learns of them.
  if (view.shows_risk) out.emplace("risk", c.risk ? RiskToJson(*c.risk) : json(nullptr));
  return out;
}

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

json CasePageJson(const CasePage& page) {
  json items = json::array();
  for (const auto& v : page.items) items.push_back(CaseJson(v));
  return json{{"items", std::move(items)}, {"next_cursor", page.next ? json(EncodeCursor(*page.next)) : json(nullptr)}};
}

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
