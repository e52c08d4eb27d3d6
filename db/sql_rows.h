// Row codecs of the SQL store (both backends): the column lists each query selects, in
// order, and the functions that turn a current row into a store record.
//
// Internal to db/. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/sql_connection.h"
#include "domain/model.h"
#include "engine/store/store.h"

namespace aftersales::sql {

constexpr const char* kCaseColumns =
    "id, order_id, buyer_id, type, state, version, assignee, policy_version, created_at, updated_at, next_due_at,"
    " breached, doc, risk_flagged, return_tracking_no, replacement_tracking_no";
constexpr const char* kTextColumns = "id, case_id, kind, visibility, author_id, body, sha256, created_at";
constexpr const char* kUserColumns = "id, name, role, approval_limit, external_id, disabled, password_hash, created_at";
constexpr const char* kAuditColumns =
    "seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, prev_hash, hash";
constexpr const char* kOutboxColumns = "id, event_id, type, case_id, payload, created_at";
constexpr const char* kWebhookColumns = "id, url, events, secret, created_at, disabled";
constexpr const char* kDeliveryColumns =
    "id, webhook_id, outbox_id, event_id, event_type, status, attempts, next_attempt_at, last_status, last_error,"
    " started_at, created_at, updated_at";

// "internal" | "buyer", as stored in texts.visibility.
const char* VisibilityName(Visibility v);
// A webhook's event types as stored in webhooks.events (a JSON array).
std::string EncodeEvents(const std::vector<std::string>& events);
// `texts` as one JSON array of strings, for a parameter read with
// json_each(?) (invalid UTF-8 replaced, never thrown).
std::string EncodeTextArray(const std::vector<std::string>& texts);

// The number of columns in a column list: its commas at no parenthesis's
// depth, plus one.
constexpr int CountSqlColumns(const char* columns) {
  int count = 1, depth = 0;
  for (const char* c = columns; *c; ++c) {
    if (*c == '(') ++depth;
    if (*c == ')') --depth;
    if (*c == ',' && depth == 0) ++count;
  }
  return count;
}

// Each reads the current row of a statement that selected the matching
// column list. Errors: unavailable (a stored value this program cannot
// read, such as an unknown visibility).
// The columns ReadOrder reads, in its order.
constexpr const char* kOrderColumns =
    "id, buyer_id, currency, placed_at, delivered_at, shipping_paid, created_at, COALESCE(paid_at, placed_at),"
    " ship_by, policy_version, shipment_status, shipments";
constexpr int kOrderColumnCount = 12;  // the columns of kOrderColumns
static_assert(CountSqlColumns(kOrderColumns) == kOrderColumnCount, "kOrderColumnCount counts kOrderColumns");
Result<Order> ReadOrder(Statement& s);  // without lines
// An order's shipments as stored in orders.shipments (a JSON array).
std::string EncodeShipments(const std::vector<OrderShipment>& shipments);
// The columns ReadDeadline reads, in its order.
constexpr const char* kDeadlineColumns = "id, case_id, kind, started_at, due_at, status, closed_at, order_id";
// An order line from the columns line_id, sku, title, qty, paid,
// no_reason_return, in that order from column `first` on.
Result<OrderLine> ReadOrderLine(Statement& s, int first = 0);
Result<CaseRow> ReadCaseRow(Statement& s);
Result<DeadlineRow> ReadDeadline(Statement& s);
Result<Text> ReadText(Statement& s);
Result<UserRow> ReadUser(Statement& s);
Result<AuditRow> ReadAudit(Statement& s);
// ReadAudit into an existing row, reusing its strings' buffers (a scan of
// the whole log then allocates only when an entry outgrows the last).
void ReadAuditInto(Statement& s, AuditRow* row);
Result<PolicyRow> ReadPolicy(Statement& s);
Result<IdempotencyRow> ReadIdempotency(Statement& s);
Result<SessionRow> ReadSession(Statement& s);
Result<OutboxRow> ReadOutbox(Statement& s);
Result<WebhookRow> ReadWebhook(Statement& s);  // unavailable: events that are not a JSON array of strings
Result<DeliveryRow> ReadDelivery(Statement& s);

}  // namespace aftersales::sql
