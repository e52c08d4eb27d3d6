#include "reliability/db_snapshot.h"

#include <sqlite3.h>

#include <functional>
#include <stdexcept>

namespace aftersales::reliability {
namespace {

using nlohmann::json;

class Database {
 public:
  explicit Database(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error(std::string(sql) + ": " + message);
    }
  }

  // Runs `sql` and calls `row` for each result row.
  void Query(const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string Text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

json ParseJson(sqlite3_stmt* stmt, int column, const char* what) {
  json j = json::parse(Text(stmt, column), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(std::string("unparsable JSON in ") + what);
  return j;
}

}  // namespace

DbSnapshot ReadDbSnapshot(const std::string& path) {
  Database db(path);
  DbSnapshot s;
  db.Exec("BEGIN");
  db.Query("SELECT seq, actor_id, case_id, action, from_state, to_state, data FROM audit ORDER BY seq",
           [&](sqlite3_stmt* r) {
             s.audit.push_back(AuditRow{sqlite3_column_int64(r, 0), Text(r, 1), Text(r, 2), Text(r, 3), Text(r, 4),
                                        Text(r, 5), ParseJson(r, 6, "audit.data")});
           });
  db.Query("SELECT id, case_id, kind, body FROM texts", [&](sqlite3_stmt* r) {
    TextRow t{Text(r, 0), Text(r, 1), Text(r, 2), Text(r, 3)};
    s.texts[t.id] = std::move(t);
  });
  db.Query("SELECT id, order_id, type, state, version, doc FROM cases", [&](sqlite3_stmt* r) {
    CaseRow c{Text(r, 0), Text(r, 1), Text(r, 2), Text(r, 3), sqlite3_column_int64(r, 4), ParseJson(r, 5, "cases.doc")};
    s.cases[c.id] = std::move(c);
  });
  db.Query("SELECT id, shipping_paid FROM orders", [&](sqlite3_stmt* r) {
    OrderRow o;
    o.id = Text(r, 0);
    o.shipping_paid = sqlite3_column_int64(r, 1);
    s.orders[o.id] = std::move(o);
  });
  db.Query("SELECT order_id, line_id, qty, paid FROM order_lines ORDER BY order_id, position", [&](sqlite3_stmt* r) {
    s.orders[Text(r, 0)].lines.push_back(
        OrderLineRow{Text(r, 1), sqlite3_column_int64(r, 2), sqlite3_column_int64(r, 3)});
  });
  db.Query("SELECT id, case_id, kind, due_at, status, breached_at, order_id FROM deadlines ORDER BY id",
           [&](sqlite3_stmt* r) {
    DeadlineRow d{sqlite3_column_int64(r, 0), Text(r, 1), Text(r, 2),
                  sqlite3_column_int64(r, 3), Text(r, 4), std::nullopt, Text(r, 6)};
    if (sqlite3_column_type(r, 5) != SQLITE_NULL) d.breached_at = sqlite3_column_int64(r, 5);
    s.deadlines.push_back(std::move(d));
  });
  db.Query("SELECT event_id, type, payload FROM outbox ORDER BY id", [&](sqlite3_stmt* r) {
    s.outbox.push_back(OutboxRow{Text(r, 0), Text(r, 1), ParseJson(r, 2, "outbox.payload")});
  });
  db.Query("SELECT id FROM users", [&](sqlite3_stmt* r) { s.user_ids.insert(Text(r, 0)); });
  db.Query("SELECT id FROM webhooks", [&](sqlite3_stmt* r) { s.webhook_ids.insert(Text(r, 0)); });
  db.Query("SELECT value FROM settings WHERE key = 'test_clock.now'",
           [&](sqlite3_stmt* r) { s.test_clock_now = std::stoll(Text(r, 0)); });
  db.Exec("COMMIT");
  return s;
}

}  // namespace aftersales::reliability
