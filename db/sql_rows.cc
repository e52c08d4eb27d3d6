#include "db/sql_rows.h"

#include <nlohmann/json.hpp>

#include "engine/decode_memo.h"
#include "engine/json_reader.h"
#include "engine/json_writer.h"

namespace aftersales::sql {

const char* VisibilityName(Visibility v) { return v == Visibility::kInternal ? "internal" : "buyer"; }

std::string EncodeEvents(const std::vector<std::string>& events) { return nlohmann::json(events).dump(); }

std::string EncodeTextArray(const std::vector<std::string>& texts) {
  return nlohmann::json(texts).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// An order's shipments from their stored JSON, as EncodeShipments (or
// schema migration 7) wrote it: read member by member (engine/json_reader.h).
// Orders are read on every action of their cases and their shipments seldom
// change: the text decoded last per order is remembered
// (engine/decode_memo.h). Most orders have none, which needs neither.
Result<std::vector<OrderShipment>> ShipmentsOf(const std::string& order_id, std::string_view text) {
  if (text == "[]") return std::vector<OrderShipment>();
  static auto* const memo = new DecodeMemo<std::vector<OrderShipment>>();  // never destroyed: read until exit
  if (auto known = memo->Find(order_id, text)) return *known;
  std::vector<OrderShipment> out;
  try {
    JsonReader r(text);
    r.Array([&] {
      OrderShipment sh;
      r.Object({"by", "id", "lines", "shipped_at"}, [&](std::string_view key) {
        if (key == "by") {
          sh.by = r.String();
        } else if (key == "carrier") {
          sh.carrier = r.OptionalString();
        } else if (key == "id") {
          sh.id = r.String();
        } else if (key == "lines") {
          sh.lines.clear();  // a key given twice: the last value stands
          r.Array([&] {
            ShippedLine line;
            r.Object({"line_id", "qty"}, [&](std::string_view k) {
              if (k == "line_id") {
                line.line_id = r.String();
              } else if (k == "qty") {
                line.qty = r.Int();
              } else {
                return false;
              }
              return true;
            });
            sh.lines.push_back(std::move(line));
          });
        } else if (key == "shipped_at") {
          sh.shipped_at = r.Int();
        } else if (key == "tracking_no") {
          sh.tracking_no = r.OptionalString();
        } else {
          return false;
        }
        return true;
      });
      out.push_back(std::move(sh));
    });
    r.End();
  } catch (const JsonReadError& e) {
    return Status::Internal("order " + order_id + " has unreadable shipments: " + e.what());
  }
  memo->Remember(order_id, text, std::make_shared<const std::vector<OrderShipment>>(out));
  return out;
}

}  // namespace

Result<Order> ReadOrder(Statement& s) {
  Order o;
  o.id = s.ColumnText(0);
  o.buyer_id = s.ColumnText(1);
  o.currency = s.ColumnText(2);
  o.placed_at = s.ColumnInt(3);
  o.delivered_at = s.ColumnOptInt(4);
  o.shipping_paid = s.ColumnInt(5);
  o.created_at = s.ColumnInt(6);
  o.paid_at = s.ColumnInt(7);
  o.ship_by = s.ColumnOptInt(8);
  o.policy_version = static_cast<int>(s.ColumnInt(9));
  const auto status = ParseShipmentStatus(s.ColumnText(10));
  if (!status) return Status::Internal("order " + o.id + " has an unknown shipment status");
  o.shipment_status = *status;
  AS_ASSIGN_OR_RETURN(o.shipments, ShipmentsOf(o.id, s.ColumnView(11)));
  return o;
}

std::string EncodeShipments(const std::vector<OrderShipment>& shipments) {
  // Members in sorted order, as nlohmann's dump() wrote them before.
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& sh : shipments) {
    w.Item().BeginObject();
    w.Key("by").String(sh.by);
    w.Key("carrier").StringOrNull(sh.carrier);
    w.Key("id").String(sh.id);
    w.Key("lines").BeginArray();
    for (const auto& l : sh.lines) {
      w.Item().BeginObject();
      w.Key("line_id").String(l.line_id);
      w.Key("qty").Int(l.qty);
      w.EndObject();
    }
    w.EndArray();
    w.Key("shipped_at").Int(sh.shipped_at);
    w.Key("tracking_no").StringOrNull(sh.tracking_no);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

Result<OrderLine> ReadOrderLine(Statement& s, int first) {
  OrderLine l;
  l.line_id = s.ColumnText(first);
  l.sku = s.ColumnText(first + 1);
  l.title = s.ColumnText(first + 2);
  l.qty = s.ColumnInt(first + 3);
  l.paid = s.ColumnInt(first + 4);
  l.no_reason_return = s.ColumnInt(first + 5) != 0;
  return l;
}

Result<CaseRow> ReadCaseRow(Statement& s) {
  CaseRow c;
  c.id = s.ColumnText(0);
  c.order_id = s.ColumnText(1);
  c.buyer_id = s.ColumnText(2);
  const auto type = ParseCaseType(s.ColumnText(3));
  const auto state = ParseState(s.ColumnText(4));
  if (!type || !state) return Status::Internal("case " + c.id + " has an unknown type or state");
  c.type = *type;
  c.state = *state;
  c.version = s.ColumnInt(5);
  c.assignee = s.ColumnOptText(6);
  c.policy_version = static_cast<int>(s.ColumnInt(7));
  c.created_at = s.ColumnInt(8);
  c.updated_at = s.ColumnInt(9);
  c.next_due_at = s.ColumnOptInt(10);
  c.breached = s.ColumnInt(11) != 0;
  c.doc = s.ColumnText(12);
  c.risk_flagged = s.ColumnInt(13) != 0;
  c.return_tracking_no = s.ColumnOptText(14);
  c.replacement_tracking_no = s.ColumnOptText(15);
  return c;
}

Result<DeadlineRow> ReadDeadline(Statement& s) {
  DeadlineRow d;
  d.id = s.ColumnInt(0);
  d.case_id = s.ColumnOptText(1).value_or("");
  d.order_id = s.ColumnOptText(7).value_or("");
  const auto kind = ParseDeadlineKind(s.ColumnText(2));
  d.started_at = s.ColumnInt(3);
  d.due_at = s.ColumnInt(4);
  const auto status = ParseDeadlineStatus(s.ColumnText(5));
  d.closed_at = s.ColumnOptInt(6);
  if (!kind || !status) return Status::Internal("deadline " + std::to_string(d.id) + " has an unknown kind or status");
  d.kind = *kind;
  d.status = *status;
  return d;
}

Result<Text> ReadText(Statement& s) {
  Text t;
  t.id = s.ColumnText(0);
  t.case_id = s.ColumnText(1);
  t.kind = s.ColumnText(2);
  std::string visibility = s.ColumnText(3);
  if (visibility == "internal") {
    t.visibility = Visibility::kInternal;
  } else if (visibility == "buyer") {
    t.visibility = Visibility::kBuyer;
  } else {
    return Status::Unavailable("text " + t.id + " has an unknown visibility '" + visibility + "'");
  }
  t.author_id = s.ColumnText(4);
  t.body = s.ColumnText(5);
  t.sha256 = s.ColumnText(6);
  t.created_at = s.ColumnInt(7);
  return t;
}

Result<UserRow> ReadUser(Statement& s) {
  UserRow u;
  u.id = s.ColumnText(0);
  u.name = s.ColumnText(1);
  const auto role = ParseRole(s.ColumnText(2));
  if (!role) return Status::Internal("user " + u.id + " has an unknown role");
  u.role = *role;
  u.approval_limit = s.ColumnOptInt(3);
  u.external_id = s.ColumnOptText(4);
  u.disabled = s.ColumnInt(5) != 0;
  u.password_hash = s.ColumnOptText(6);
  u.created_at = s.ColumnInt(7);
  return u;
}

namespace {

// `column` into *out as ColumnOptText reads it, keeping *out's buffer.
void AssignOptText(Statement& s, int column, std::optional<std::string>* out) {
  if (s.IsNull(column)) {
    out->reset();
  } else if (*out) {
    (*out)->assign(s.ColumnView(column));
  } else {
    out->emplace(s.ColumnView(column));
  }
}

}  // namespace

Result<AuditRow> ReadAudit(Statement& s) {
  AuditRow a;
  ReadAuditInto(s, &a);
  return a;
}

void ReadAuditInto(Statement& s, AuditRow* a) {
  a->seq = s.ColumnInt(0);
  a->at.assign(s.ColumnView(1));
  a->actor_id.assign(s.ColumnView(2));
  a->actor_role.assign(s.ColumnView(3));
  AssignOptText(s, 4, &a->case_id);
  a->action.assign(s.ColumnView(5));
  AssignOptText(s, 6, &a->from_state);
  AssignOptText(s, 7, &a->to_state);
  a->data.assign(s.ColumnView(8));
  a->prev_hash.assign(s.ColumnView(9));
  a->hash.assign(s.ColumnView(10));
}

Result<PolicyRow> ReadPolicy(Statement& s) {
  PolicyRow p;
  p.version = static_cast<int>(s.ColumnInt(0));
  p.doc = s.ColumnText(1);
  p.created_at = s.ColumnInt(2);
  return p;
}

Result<IdempotencyRow> ReadIdempotency(Statement& s) {
  IdempotencyRow r;
  r.scope = s.ColumnText(0);
  r.key = s.ColumnText(1);
  r.request_hash = s.ColumnText(2);
  r.status = static_cast<int>(s.ColumnInt(3));
  r.body = s.ColumnText(4);
  r.created_at = s.ColumnInt(5);
  return r;
}

Result<SessionRow> ReadSession(Statement& s) {
  SessionRow r;
  r.id_sha256 = s.ColumnText(0);
  r.user_id = s.ColumnText(1);
  r.csrf_token = s.ColumnText(2);
  r.created_at = s.ColumnInt(3);
  r.expires_at = s.ColumnInt(4);
  return r;
}

Result<OutboxRow> ReadOutbox(Statement& s) {
  OutboxRow r;
  r.id = s.ColumnInt(0);
  r.event_id = s.ColumnText(1);
  r.type = s.ColumnText(2);
  r.case_id = s.ColumnOptText(3);
  r.payload = s.ColumnText(4);
  r.created_at = s.ColumnInt(5);
  return r;
}

Result<WebhookRow> ReadWebhook(Statement& s) {
  WebhookRow w;
  w.id = s.ColumnText(0);
  w.url = s.ColumnText(1);
  const nlohmann::json events = nlohmann::json::parse(s.ColumnText(2), nullptr, false);
  if (!events.is_array()) return Status::Unavailable("webhook " + w.id + " has unreadable events");
  for (const auto& e : events) {
    if (!e.is_string()) return Status::Unavailable("webhook " + w.id + " has unreadable events");
    w.events.push_back(e.get<std::string>());
  }
  w.secret = s.ColumnText(3);
  w.created_at = s.ColumnInt(4);
  w.disabled = s.ColumnInt(5) != 0;
  return w;
}

Result<DeliveryRow> ReadDelivery(Statement& s) {
  DeliveryRow d;
  d.id = s.ColumnInt(0);
  d.webhook_id = s.ColumnText(1);
  d.outbox_id = s.ColumnInt(2);
  d.event_id = s.ColumnText(3);
  d.event_type = s.ColumnText(4);
  const auto status = ParseDeliveryStatus(s.ColumnText(5));
  if (!status) return Status::Internal("delivery " + std::to_string(d.id) + " has an unknown status");
  d.status = *status;
  d.attempts = static_cast<int>(s.ColumnInt(6));
  d.next_attempt_at = s.ColumnInt(7);
  if (const auto status = s.ColumnOptInt(8)) d.last_status = static_cast<int>(*status);
  d.last_error = s.ColumnOptText(9);
  d.started_at = s.ColumnInt(10);
  d.created_at = s.ColumnInt(11);
  d.updated_at = s.ColumnInt(12);
  return d;
}

}  // namespace aftersales::sql
