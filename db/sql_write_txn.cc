#include "db/sql_write_txn.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "db/sql_rows.h"

namespace aftersales::sql {
namespace {

std::optional<std::int64_t> OptInt(const std::optional<int>& v) {
  if (!v) return std::nullopt;
  return std::int64_t{*v};
}

Status AlreadyExists(const std::string& what) { return Status(Code::kAlreadyExists, what + " already exists"); }

}  // namespace

std::unique_ptr<WriteTxn> SqlWriteTxn::Begin(std::unique_ptr<WriteSession> session) {
  return std::unique_ptr<WriteTxn>(new SqlWriteTxn(std::move(session)));
}

SqlWriteTxn::SqlWriteTxn(std::unique_ptr<WriteSession> session)
    : SqlReads<WriteTxn>(session->connection()), session_(std::move(session)) {}

SqlWriteTxn::~SqlWriteTxn() {
  if (!finished_) session_->Abort();
}

Status SqlWriteTxn::CheckOpen() const {
  if (finished_) return Status::Internal("write after Commit: the transaction is over");
  return Status::Ok();
}

template <class Bind>
Status SqlWriteTxn::RunWrite(std::string_view sql, Bind bind, const std::string& what) {
  AS_RETURN_IF_ERROR(CheckOpen());
  Result<StatementHandle> stmt = conn().Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  bind(**stmt);
  Status s = (*stmt)->Run();
  if (!s.ok() && (*stmt)->UniquenessViolated()) return AlreadyExists(what);
  return s;
}

template <class Body>
Status SqlWriteTxn::InSavepoint(Body body) {
  AS_RETURN_IF_ERROR(CheckOpen());
  AS_RETURN_IF_ERROR(conn().Exec("SAVEPOINT store_write"));
  Status s = body();
  if (s.ok()) return conn().Exec("RELEASE SAVEPOINT store_write");
  if (!conn().Exec("ROLLBACK TO SAVEPOINT store_write").ok() || !conn().Exec("RELEASE SAVEPOINT store_write").ok()) {
    conn().MarkFailed();
  }
  return s;
}

template <class Bind>
Result<std::int64_t> SqlWriteTxn::InsertReturningId(std::string_view sql, Bind bind, const std::string& what) {
  AS_RETURN_IF_ERROR(CheckOpen());
  constexpr std::string_view kReturningId = " RETURNING id";
  if (sql.size() < kReturningId.size() || sql.substr(sql.size() - kReturningId.size()) != kReturningId) {
    return Status::Internal("an insert that returns its id ends with RETURNING id: " + std::string(sql));
  }
  // SQLite knows the new rowid without RETURNING, whose result table
  // costs an allocation and a copy per insert: the statement runs without it.
  const bool rowid = conn().dialect() == Dialect::kSqlite;
  Result<StatementHandle> stmt = conn().Prepare(rowid ? sql.substr(0, sql.size() - kReturningId.size()) : sql);
  if (!stmt.ok()) return stmt.status();
  bind(**stmt);
  if (rowid) {
    if (Status s = (*stmt)->Run(); !s.ok()) return (*stmt)->UniquenessViolated() ? AlreadyExists(what) : s;
    if (conn().Changes() != 1) return Status::Unavailable("storage error: no row inserted for " + what);
    return conn().LastInsertRowid();
  }
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return (*stmt)->UniquenessViolated() ? AlreadyExists(what) : row.status();
  if (!*row) return Status::Unavailable("storage error: no id returned for " + what);
  std::int64_t id = (*stmt)->ColumnInt(0);
  // Step to the end so that the statement is complete before the next one.
  Result<bool> done = (*stmt)->Step();
  if (!done.ok()) return done.status();
  return id;
}

Status SqlWriteTxn::Commit() {
  AS_RETURN_IF_ERROR(CheckOpen());
  finished_ = true;
  return session_->Commit();
}

Result<bool> SqlWriteTxn::LockOrder(const std::string& order_id) {
  AS_RETURN_IF_ERROR(CheckOpen());
  return session_->LockKey("order " + order_id);
}

Result<bool> SqlWriteTxn::LockIdempotencyKey(const std::string& scope, const std::string& key) {
  AS_RETURN_IF_ERROR(CheckOpen());
  // A newline cannot occur in a scope: "a b" + "c" and "a" + "b c" differ.
  return session_->LockKey("idempotency " + scope + "\n" + key);
}

Status SqlWriteTxn::InsertOrder(const Order& order) {
  return InSavepoint([&]() -> Status {
    AS_RETURN_IF_ERROR(RunWrite(
        "INSERT INTO orders (id, buyer_id, currency, placed_at, delivered_at, shipping_paid, created_at, paid_at,"
        " ship_by, policy_version, shipment_status, shipped_at, shipments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [&](Statement& s) {
          s.BindText(order.id)
              .BindText(order.buyer_id)
              .BindText(order.currency)
              .BindInt(order.placed_at)
              .BindOptInt(order.delivered_at)
              .BindInt(order.shipping_paid)
              .BindInt(order.created_at)
              .BindInt(order.paid_at)
              .BindOptInt(order.ship_by)
              .BindInt(order.policy_version)
              .BindText(NameOf(order.shipment_status))
              .BindOptInt(order.ShippedAt())
              .BindText(EncodeShipments(order.shipments));
        },
        "order " + order.id));
    for (std::size_t i = 0; i < order.lines.size(); ++i) {
      const OrderLine& line = order.lines[i];
      AS_RETURN_IF_ERROR(RunWrite(
          "INSERT INTO order_lines (order_id, line_id, sku, title, qty, paid, no_reason_return, position)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [&](Statement& s) {
            s.BindText(order.id)
                .BindText(line.line_id)
                .BindText(line.sku)
                .BindText(line.title)
                .BindInt(line.qty)
                .BindInt(line.paid)
                .BindInt(line.no_reason_return ? 1 : 0)
                .BindInt(static_cast<std::int64_t>(i));
          },
          "line " + line.line_id + " of order " + order.id));
    }
    return Status::Ok();
  });
}

Status SqlWriteTxn::UpdateOrderFulfilment(const Order& order) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE orders SET delivered_at = ?, ship_by = ?, shipment_status = ?, shipped_at = ?, shipments = ? WHERE id = ?",
      [&](Statement& s) {
        s.BindOptInt(order.delivered_at)
            .BindOptInt(order.ship_by)
            .BindText(NameOf(order.shipment_status))
            .BindOptInt(order.ShippedAt())
            .BindText(EncodeShipments(order.shipments))
            .BindText(order.id);
      },
      "order " + order.id));
  if (conn().Changes() == 0) return Status::NotFound("order " + order.id);
  return Status::Ok();
}

Status SqlWriteTxn::InsertCase(const CaseRow& row) {
  return RunWrite(
      "INSERT INTO cases (id, order_id, buyer_id, type, state, version, assignee, policy_version, created_at,"
      " updated_at, next_due_at, breached, doc, risk_flagged, return_tracking_no, replacement_tracking_no)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(row.id)
            .BindText(row.order_id)
            .BindText(row.buyer_id)
            .BindText(NameOf(row.type))
            .BindText(NameOf(row.state))
            .BindInt(row.version)
            .BindOptText(row.assignee)
            .BindInt(row.policy_version)
            .BindInt(row.created_at)
            .BindInt(row.updated_at)
            .BindOptInt(row.next_due_at)
            .BindInt(row.breached ? 1 : 0)
            .BindText(row.doc)
            .BindInt(row.risk_flagged ? 1 : 0)
            .BindOptText(row.return_tracking_no)
            .BindOptText(row.replacement_tracking_no);
      },
      "case " + row.id);
}

Status SqlWriteTxn::UpdateCase(const CaseRow& row, const CaseRow& stored) {
  // SET names only the columns whose value differs from `stored` (the
  // version always): SQLite rewrites the entry of every index over a column
  // named in SET, changed or not, and each index so touched is one more
  // page in the commit (docs/BENCHMARKS.md, "Pages per action").
  std::string set = "version = ?";
  std::vector<std::function<void(Statement&)>> binds{[&](Statement& s) { s.BindInt(row.version); }};
  const auto column = [&](const char* name, bool changed, std::function<void(Statement&)> bind) {
    if (!changed) return;
    set.append(", ").append(name).append(" = ?");
    binds.push_back(std::move(bind));
  };
  column("order_id", row.order_id != stored.order_id, [&](Statement& s) { s.BindText(row.order_id); });
  column("buyer_id", row.buyer_id != stored.buyer_id, [&](Statement& s) { s.BindText(row.buyer_id); });
  column("type", row.type != stored.type, [&](Statement& s) { s.BindText(NameOf(row.type)); });
  column("state", row.state != stored.state, [&](Statement& s) { s.BindText(NameOf(row.state)); });
  column("assignee", row.assignee != stored.assignee, [&](Statement& s) { s.BindOptText(row.assignee); });
  column("policy_version", row.policy_version != stored.policy_version,
         [&](Statement& s) { s.BindInt(row.policy_version); });
  column("created_at", row.created_at != stored.created_at, [&](Statement& s) { s.BindInt(row.created_at); });
  column("updated_at", row.updated_at != stored.updated_at, [&](Statement& s) { s.BindInt(row.updated_at); });
  column("next_due_at", row.next_due_at != stored.next_due_at, [&](Statement& s) { s.BindOptInt(row.next_due_at); });
  column("breached", row.breached != stored.breached, [&](Statement& s) { s.BindInt(row.breached ? 1 : 0); });
  column("doc", row.doc != stored.doc, [&](Statement& s) { s.BindText(row.doc); });
  column("risk_flagged", row.risk_flagged != stored.risk_flagged,
         [&](Statement& s) { s.BindInt(row.risk_flagged ? 1 : 0); });
  column("return_tracking_no", row.return_tracking_no != stored.return_tracking_no,
         [&](Statement& s) { s.BindOptText(row.return_tracking_no); });
  column("replacement_tracking_no", row.replacement_tracking_no != stored.replacement_tracking_no,
         [&](Statement& s) { s.BindOptText(row.replacement_tracking_no); });
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE cases SET " + set + " WHERE id = ? AND version = ?",
      [&](Statement& s) {
        for (const auto& bind : binds) bind(s);
        s.BindText(row.id).BindInt(stored.version);
      },
      "case " + row.id));
  if (conn().Changes() == 1) return Status::Ok();
  // Nothing changed: tell a missing case from a stale version.
  Result<std::optional<CaseRow>> now = GetCase(row.id);
  if (!now.ok()) return now.status();
  if (!now->has_value()) return Status::NotFound("case " + row.id);
  return Status(Code::kVersionConflict, "case " + row.id + " is at version " + std::to_string((*now)->version) +
                                            ", not " + std::to_string(stored.version));
}

Result<std::int64_t> SqlWriteTxn::InsertDeadline(const DeadlineRow& row) {
  return InsertReturningId(
      "INSERT INTO deadlines (case_id, order_id, kind, started_at, due_at, status, closed_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      [&](Statement& s) {
        auto unless_empty = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional(v); };
        s.BindOptText(unless_empty(row.case_id))
            .BindOptText(unless_empty(row.order_id))
            .BindText(NameOf(row.kind))
            .BindInt(row.started_at)
            .BindInt(row.due_at)
            .BindText(NameOf(row.status))
            .BindOptInt(row.closed_at);
      },
      "deadline");
}

Status SqlWriteTxn::SetDeadlineStatus(std::int64_t id, DeadlineStatus status, TimePoint at) {
  // closed_at records when a deadline left the listing; open and breached
  // deadlines are still listed. breached_at records the breach and stays
  // when the deadline is done later, so that reports still see it.
  std::optional<TimePoint> closed_at;
  if (status == DeadlineStatus::kDone) closed_at = at;
  std::optional<TimePoint> breached_at;
  if (status == DeadlineStatus::kBreached) breached_at = at;
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE deadlines SET status = ?, closed_at = ?, breached_at = COALESCE(breached_at, ?) WHERE id = ?",
      [&](Statement& s) { s.BindText(NameOf(status)).BindOptInt(closed_at).BindOptInt(breached_at).BindInt(id); },
      "deadline"));
  if (conn().Changes() == 0) return Status::NotFound("deadline " + std::to_string(id));
  return Status::Ok();
}

Status SqlWriteTxn::SetDeadlineDue(std::int64_t id, TimePoint due_at) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE deadlines SET due_at = ? WHERE id = ?", [&](Statement& s) { s.BindInt(due_at).BindInt(id); },
      "deadline"));
  if (conn().Changes() == 0) return Status::NotFound("deadline " + std::to_string(id));
  return Status::Ok();
}

Status SqlWriteTxn::ExtendDeadline(std::int64_t id, TimePoint due_at) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE deadlines SET due_at = ?, extensions = extensions + 1 WHERE id = ? AND status = 'open'",
      [&](Statement& s) { s.BindInt(due_at).BindInt(id); }, "deadline"));
  if (conn().Changes() == 0) return Status::NotFound("open deadline " + std::to_string(id));
  return Status::Ok();
}

Status SqlWriteTxn::InsertText(const Text& text) {
  return RunWrite(
      "INSERT INTO texts (id, case_id, kind, visibility, author_id, body, sha256, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(text.id)
            .BindText(text.case_id)
            .BindText(text.kind)
            .BindText(VisibilityName(text.visibility))
            .BindText(text.author_id)
            .BindText(text.body)
            .BindText(text.sha256)
            .BindInt(text.created_at);
      },
      "text " + text.id);
}

Result<std::optional<AuditLink>> SqlWriteTxn::AuditChainHead() {
  AS_RETURN_IF_ERROR(CheckOpen());
  AS_RETURN_IF_ERROR(session_->BeforeAppend());
  Result<StatementHandle> stmt = conn().Prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  AS_ASSIGN_OR_RETURN(const bool row, (*stmt)->Step());
  if (!row) return std::optional<AuditLink>();
  return std::optional<AuditLink>(AuditLink{(*stmt)->ColumnInt(0), (*stmt)->ColumnText(1)});
}

Status SqlWriteTxn::AppendAudit(const AuditRow& row) {
  AS_RETURN_IF_ERROR(session_->BeforeAppend());
  return RunWrite(
      "INSERT INTO audit (seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, prev_hash, hash)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindInt(row.seq)
            .BindText(row.at)
            .BindText(row.actor_id)
            .BindText(row.actor_role)
            .BindOptText(row.case_id)
            .BindText(row.action)
            .BindOptText(row.from_state)
            .BindOptText(row.to_state)
            .BindText(row.data)
            .BindText(row.prev_hash)
            .BindText(row.hash);
      },
      "audit entry " + std::to_string(row.seq));
}

Result<std::int64_t> SqlWriteTxn::InsertOutbox(const OutboxRow& row) {
  AS_RETURN_IF_ERROR(session_->BeforeAppend());
  return InsertReturningId(
      "INSERT INTO outbox (event_id, type, case_id, payload, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
      [&](Statement& s) {
        s.BindText(row.event_id)
            .BindText(row.type)
            .BindOptText(row.case_id)
            .BindText(row.payload)
            .BindInt(row.created_at);
      },
      "event " + row.event_id);
}

Status SqlWriteTxn::InsertUser(const UserRow& row) {
  return RunWrite(
      "INSERT INTO users (id, name, role, approval_limit, external_id, disabled, password_hash, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(row.id)
            .BindText(row.name)
            .BindText(NameOf(row.role))
            .BindOptInt(row.approval_limit)
            .BindOptText(row.external_id)
            .BindInt(row.disabled ? 1 : 0)
            .BindOptText(row.password_hash)
            .BindInt(row.created_at);
      },
      "user " + row.id + " or name " + row.name);
}

Status SqlWriteTxn::UpdateUser(const UserRow& row) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE users SET name = ?, role = ?, approval_limit = ?, external_id = ?, disabled = ?, password_hash = ?"
      " WHERE id = ?",
      [&](Statement& s) {
        s.BindText(row.name)
            .BindText(NameOf(row.role))
            .BindOptInt(row.approval_limit)
            .BindOptText(row.external_id)
            .BindInt(row.disabled ? 1 : 0)
            .BindOptText(row.password_hash)
            .BindText(row.id);
      },
      "user name " + row.name));
  if (conn().Changes() == 0) return Status::NotFound("user " + row.id);
  return Status::Ok();
}

Status SqlWriteTxn::InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) {
  return RunWrite(
      "INSERT INTO tokens (token_sha256, user_id, created_at) VALUES (?, ?, ?)",
      [&](Statement& s) { s.BindText(token_sha256).BindText(user_id).BindInt(at); }, "token");
}

Status SqlWriteTxn::InsertPolicy(const PolicyRow& row) {
  return RunWrite(
      "INSERT INTO policies (version, doc, created_at) VALUES (?, ?, ?)",
      [&](Statement& s) { s.BindInt(row.version).BindText(row.doc).BindInt(row.created_at); },
      "policy version " + std::to_string(row.version));
}

Status SqlWriteTxn::PutSetting(const std::string& key, const std::string& value) {
  return RunWrite(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [&](Statement& s) { s.BindText(key).BindText(value); }, "setting " + key);
}

Status SqlWriteTxn::PutIdempotency(const IdempotencyRow& row) {
  return RunWrite(
      "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,"
      " body = excluded.body, created_at = excluded.created_at",
      [&](Statement& s) {
        s.BindText(row.scope)
            .BindText(row.key)
            .BindText(row.request_hash)
            .BindInt(row.status)
            .BindText(row.body)
            .BindInt(row.created_at);
      },
      "idempotency key");
}

Status SqlWriteTxn::InsertSession(const SessionRow& row) {
  return RunWrite(
      "INSERT INTO sessions (id_sha256, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(row.id_sha256)
            .BindText(row.user_id)
            .BindText(row.csrf_token)
            .BindInt(row.created_at)
            .BindInt(row.expires_at);
      },
      "session");
}

Status SqlWriteTxn::DeleteSession(const std::string& id_sha256) {
  return RunWrite(
      "DELETE FROM sessions WHERE id_sha256 = ?", [&](Statement& s) { s.BindText(id_sha256); }, "session");
}

Status SqlWriteTxn::InsertWebhook(const WebhookRow& row) {
  return RunWrite(
      "INSERT INTO webhooks (id, url, events, secret, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(row.id)
            .BindText(row.url)
            .BindText(EncodeEvents(row.events))
            .BindText(row.secret)
            .BindInt(row.created_at)
            .BindInt(row.disabled ? 1 : 0);
      },
      "webhook " + row.id);
}

Status SqlWriteTxn::SetWebhookDisabled(const std::string& id, bool disabled) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE webhooks SET disabled = ? WHERE id = ?",
      [&](Statement& s) { s.BindInt(disabled ? 1 : 0).BindText(id); }, "webhook " + id));
  if (conn().Changes() == 0) return Status::NotFound("webhook " + id);
  return Status::Ok();
}

Status SqlWriteTxn::DeleteWebhook(const std::string& id) {
  AS_RETURN_IF_ERROR(RunWrite(
      "DELETE FROM deliveries WHERE webhook_id = ?", [&](Statement& s) { s.BindText(id); }, "webhook " + id));
  AS_RETURN_IF_ERROR(RunWrite(
      "DELETE FROM webhooks WHERE id = ?", [&](Statement& s) { s.BindText(id); }, "webhook " + id));
  if (conn().Changes() == 0) return Status::NotFound("webhook " + id);
  return Status::Ok();
}

Result<std::int64_t> SqlWriteTxn::InsertDelivery(const DeliveryRow& row) {
  return InsertReturningId(
      "INSERT INTO deliveries (webhook_id, outbox_id, event_id, event_type, status, attempts, next_attempt_at,"
      " last_status, last_error, started_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " RETURNING id",
      [&](Statement& s) {
        s.BindText(row.webhook_id)
            .BindInt(row.outbox_id)
            .BindText(row.event_id)
            .BindText(row.event_type)
            .BindText(NameOf(row.status))
            .BindInt(row.attempts)
            .BindInt(row.next_attempt_at)
            .BindOptInt(OptInt(row.last_status))
            .BindOptText(row.last_error)
            .BindInt(row.started_at)
            .BindInt(row.created_at)
            .BindInt(row.updated_at);
      },
      "delivery");
}

Status SqlWriteTxn::UpdateDelivery(const DeliveryRow& row) {
  AS_RETURN_IF_ERROR(RunWrite(
      "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?,"
      " started_at = ?, updated_at = ? WHERE id = ?",
      [&](Statement& s) {
        s.BindText(NameOf(row.status))
            .BindInt(row.attempts)
            .BindInt(row.next_attempt_at)
            .BindOptInt(OptInt(row.last_status))
            .BindOptText(row.last_error)
            .BindInt(row.started_at)
            .BindInt(row.updated_at)
            .BindInt(row.id);
      },
      "delivery " + std::to_string(row.id)));
  if (conn().Changes() == 0) return Status::NotFound("delivery " + std::to_string(row.id));
  return Status::Ok();
}

Result<OutboxPruned> SqlWriteTxn::PruneOutbox(TimePoint delivered_before, TimePoint created_before,
                                                 std::int64_t below_id, int limit) {
  OutboxPruned pruned;
  AS_RETURN_IF_ERROR(RunWrite(
      // The newest delivery stays whatever its age: SQLite gives a new row
      // the highest id plus one, and a delivery's id is sent to receivers
      // (X-Aftersales-Delivery), so an id is never given out twice.
      "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE status = 'delivered' AND updated_at < ?"
      " AND id < (SELECT MAX(id) FROM deliveries) ORDER BY updated_at LIMIT ?)",
      [&](Statement& s) { s.BindInt(delivered_before).BindInt(limit); }, "deliveries"));
  pruned.deliveries = conn().Changes();
  AS_RETURN_IF_ERROR(RunWrite(
      "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.created_at < ? AND o.id < ?"
      " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.outbox_id = o.id) ORDER BY o.created_at LIMIT ?)",
      [&](Statement& s) { s.BindInt(created_before).BindInt(below_id).BindInt(limit); }, "outbox"));
  pruned.events = conn().Changes();
  return pruned;
}

Status SqlWriteTxn::InsertStaffEvent(const StaffEventRow& row) {
  return RunWrite(
      "INSERT INTO staff_events (seq, at, user_id, case_id, kind, value, currency) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindInt(row.seq)
            .BindInt(row.at)
            .BindText(row.user_id)
            .BindText(row.case_id)
            .BindText(row.kind)
            .BindInt(row.value)
            .BindOptText(row.currency);
      },
      "staff event " + row.kind + " of " + row.user_id + " at seq " + std::to_string(row.seq));
}

Status SqlWriteTxn::PutCaseFactsRow(const CaseFactsRow& row) {
  // approved_at keeps the stored value once set: the first approval's time.
  return RunWrite(
      "INSERT INTO case_facts (case_id, type, reason, buyer_id, currency, state, created_at, requested_amount,"
      " agreed_amount, approved_at, refunded_amount, refunded_at, refunds_failed, return_shipped_at,"
      " return_delivered_at, return_received_at, inspection_result, inspection_grade)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      // The case's identity (type, reason, buyer, currency, created_at) is
      // written once: naming it in SET would rewrite its three indexes.
      " ON CONFLICT (case_id) DO UPDATE SET state = excluded.state,"
      " requested_amount = excluded.requested_amount, agreed_amount = excluded.agreed_amount,"
      " approved_at = COALESCE(case_facts.approved_at, excluded.approved_at),"
      " refunded_amount = excluded.refunded_amount, refunded_at = excluded.refunded_at,"
      " refunds_failed = excluded.refunds_failed, return_shipped_at = excluded.return_shipped_at,"
      " return_delivered_at = excluded.return_delivered_at, return_received_at = excluded.return_received_at,"
      " inspection_result = excluded.inspection_result, inspection_grade = excluded.inspection_grade",
      [&](Statement& s) {
        s.BindText(row.case_id)
            .BindText(row.type)
            .BindText(row.reason)
            .BindText(row.buyer_id)
            .BindText(row.currency)
            .BindText(row.state)
            .BindInt(row.created_at)
            .BindInt(row.requested_amount)
            .BindOptInt(row.agreed_amount)
            .BindOptInt(row.approved_at)
            .BindInt(row.refunded_amount)
            .BindOptInt(row.refunded_at)
            .BindInt(row.refunds_failed)
            .BindOptInt(row.return_shipped_at)
            .BindOptInt(row.return_delivered_at)
            .BindOptInt(row.return_received_at)
            .BindOptText(row.inspection_result)
            .BindOptText(row.inspection_grade);
      },
      "facts of case " + row.case_id);
}

Status SqlWriteTxn::PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) {
  // Refused before anything is written, so that no savepoint is needed for
  // a refused put to write nothing: a line named twice is the one refusal
  // (the upserts meet no other constraint; a storage error ends the whole
  // transaction).
  std::vector<std::string> line_ids;
  for (const CaseFactLineRow& line : lines) {
    if (std::find(line_ids.begin(), line_ids.end(), line.line_id) != line_ids.end()) {
      return AlreadyExists("fact line " + line.line_id + " of case " + line.case_id);
    }
    line_ids.push_back(line.line_id);
  }
  AS_RETURN_IF_ERROR(PutCaseFactsRow(row));
  // A line is written only when it differs from the stored one (the
  // upsert's WHERE), and only lines no longer listed are deleted: a command
  // that changes no line writes no page of case_fact_lines.
  for (const CaseFactLineRow& line : lines) {
    AS_RETURN_IF_ERROR(RunWrite(
        "INSERT INTO case_fact_lines"
        " (case_id, line_id, sku, qty, refunded_amount, created_at, reason, type, currency)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (case_id, line_id) DO UPDATE SET sku = excluded.sku, qty = excluded.qty,"
        " refunded_amount = excluded.refunded_amount, created_at = excluded.created_at"
        " WHERE case_fact_lines.sku IS DISTINCT FROM excluded.sku"
        " OR case_fact_lines.qty IS DISTINCT FROM excluded.qty"
        " OR case_fact_lines.refunded_amount IS DISTINCT FROM excluded.refunded_amount"
        " OR case_fact_lines.created_at IS DISTINCT FROM excluded.created_at",
        [&](Statement& s) {
          s.BindText(line.case_id)
              .BindText(line.line_id)
              .BindText(line.sku)
              .BindInt(line.qty)
              .BindInt(line.refunded_amount)
              .BindInt(line.created_at)
              .BindText(row.reason)
              .BindText(row.type)
              .BindText(row.currency);
        },
        "fact line " + line.line_id + " of case " + line.case_id));
  }
  return RunWrite(
      "DELETE FROM case_fact_lines WHERE case_id = ? AND line_id NOT IN (SELECT value FROM json_each(?))",
      [&](Statement& s) { s.BindText(row.case_id).BindText(EncodeTextArray(line_ids)); },
      "fact lines of case " + row.case_id);
}

Status SqlWriteTxn::ClearCaseFacts() {
  return InSavepoint([&]() -> Status {
    AS_RETURN_IF_ERROR(RunWrite("DELETE FROM case_fact_lines", [](Statement&) {}, "case fact lines"));
    return RunWrite("DELETE FROM case_facts", [](Statement&) {}, "case facts");
  });
}

}  // namespace aftersales::sql
