#include "reliability/db_snapshot.h"

#include <functional>
#include <memory>
#include <stdexcept>

#include "db/postgres/pg_connection.h"
#include "db/sql_connection.h"
#include "db/sqlite/sqlite_connection.h"

namespace aftersales::reliability {
namespace {

using nlohmann::json;

// The store's own SQL seam (db/sql_connection.h): one connection, SQLite
// read-only or PostgreSQL, and the same queries on either.
class Database {
 public:
  explicit Database(const std::string& location) {
    if (IsPostgresUri(location)) {
      auto opened = postgres::PgConnection::Open(location);
      if (!opened.ok()) throw std::runtime_error("cannot open " + location + ": " + opened.status().message());
      conn_ = std::move(*opened);
      // One snapshot for every table: what one instant committed.
      begin_ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    } else {
      auto opened = sqlite::SqliteConnection::Open(location, sqlite::OpenMode::kReadOnly);
      if (!opened.ok()) throw std::runtime_error("cannot open " + location + ": " + opened.status().message());
      conn_ = std::move(*opened);
      begin_ = "BEGIN";
    }
  }

  void Begin() { Exec(begin_.c_str()); }

  void Exec(const char* sql) {
    Status s = conn_->Exec(sql);
    if (!s.ok()) throw std::runtime_error(std::string(sql) + ": " + s.message());
  }

  // Runs `sql` and calls `row` for each result row.
  void Query(const char* sql, const std::function<void(const sql::Statement&)>& row) {
    Result<sql::StatementHandle> stmt = conn_->Prepare(sql);
    if (!stmt.ok()) throw std::runtime_error(std::string(sql) + ": " + stmt.status().message());
    while (true) {
      Result<bool> more = (**stmt).Step();
      if (!more.ok()) throw std::runtime_error(std::string(sql) + ": " + more.status().message());
      if (!*more) break;
      row(**stmt);
    }
  }

 private:
  std::unique_ptr<sql::Connection> conn_;
  std::string begin_;
};

std::string Text(const sql::Statement& r, int column) { return r.ColumnText(column); }

json ParseJson(const sql::Statement& r, int column, const char* what) {
  json j = json::parse(r.ColumnView(column), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(std::string("unparsable JSON in ") + what);
  return j;
}

}  // namespace

bool IsPostgresUri(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

DbSnapshot ReadDbSnapshot(const std::string& location) {
  Database db(location);
  DbSnapshot s;
  db.Begin();
  db.Query("SELECT seq, actor_id, case_id, action, from_state, to_state, data FROM audit ORDER BY seq",
           [&](const sql::Statement& r) {
             s.audit.push_back(AuditRow{r.ColumnInt(0), Text(r, 1), Text(r, 2), Text(r, 3), Text(r, 4), Text(r, 5),
                                        ParseJson(r, 6, "audit.data")});
           });
  db.Query("SELECT id, case_id, kind, body FROM texts", [&](const sql::Statement& r) {
    TextRow t{Text(r, 0), Text(r, 1), Text(r, 2), Text(r, 3)};
    s.texts[t.id] = std::move(t);
  });
  db.Query("SELECT id, order_id, type, state, version, doc FROM cases", [&](const sql::Statement& r) {
    CaseRow c{Text(r, 0), Text(r, 1), Text(r, 2), Text(r, 3), r.ColumnInt(4), ParseJson(r, 5, "cases.doc")};
    s.cases[c.id] = std::move(c);
  });
  db.Query("SELECT id, shipping_paid FROM orders", [&](const sql::Statement& r) {
    OrderRow o;
    o.id = Text(r, 0);
    o.shipping_paid = r.ColumnInt(1);
    s.orders[o.id] = std::move(o);
  });
  db.Query("SELECT order_id, line_id, qty, paid FROM order_lines ORDER BY order_id, position",
           [&](const sql::Statement& r) {
             s.orders[Text(r, 0)].lines.push_back(OrderLineRow{Text(r, 1), r.ColumnInt(2), r.ColumnInt(3)});
           });
  db.Query("SELECT id, case_id, kind, due_at, status, breached_at, order_id FROM deadlines ORDER BY id",
           [&](const sql::Statement& r) {
             DeadlineRow d{r.ColumnInt(0), Text(r, 1),   Text(r, 2), r.ColumnInt(3),
                           Text(r, 4),     std::nullopt, Text(r, 6)};
             if (!r.IsNull(5)) d.breached_at = r.ColumnInt(5);
             s.deadlines.push_back(std::move(d));
           });
  db.Query("SELECT event_id, type, payload FROM outbox ORDER BY id", [&](const sql::Statement& r) {
    s.outbox.push_back(OutboxRow{Text(r, 0), Text(r, 1), ParseJson(r, 2, "outbox.payload")});
  });
  db.Query("SELECT id FROM users", [&](const sql::Statement& r) { s.user_ids.insert(Text(r, 0)); });
  db.Query("SELECT id FROM webhooks", [&](const sql::Statement& r) { s.webhook_ids.insert(Text(r, 0)); });
  db.Query("SELECT value FROM settings WHERE key = 'test_clock.now'",
           [&](const sql::Statement& r) { s.test_clock_now = std::stoll(Text(r, 0)); });
  db.Exec("COMMIT");
  return s;
}

}  // namespace aftersales::reliability
