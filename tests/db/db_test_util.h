// Helpers for the storage tests: a SqliteStore on a file in a fresh
// temporary directory, builders for sample rows, field-by-field comparisons
// and small raw-SQL probes for what the Store interface does not expose.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/sqlite_connection.h"
#include "db/sqlite_store.h"
#include "domain/clock.h"
#include "engine/store/store.h"
#include "tests/support/temp_dir.h"

namespace aftersales::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <class T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// REQUIRE that a Status or Result is ok, printing its message if not.
#define REQUIRE_OK(expr)                                                \
  do {                                                                  \
    const ::aftersales::Status require_ok_status_ =                     \
        ::aftersales::testing::StatusOf((expr));                        \
    INFO(require_ok_status_.message());                                 \
    REQUIRE(require_ok_status_.ok());                                   \
  } while (0)

// The value of an ok Result (REQUIREs ok).
template <class T>
T Value(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

constexpr TimePoint kT0 = 1'800'000'000;  // 2027-01-15T08:00:00Z

// A SqliteStore on `db.sqlite` in its own temporary directory.
class StoreFixture {
 public:
  StoreFixture() : path_(dir_.File("db.sqlite")), clock_(kT0) { Reopen(); }

  Store& store() { return *store_; }
  SqliteStore& sqlite() { return *store_; }
  const std::string& path() const { return path_; }
  const TempDir& dir() const { return dir_; }
  ManualClock& clock() { return clock_; }

  // Closes the store (every transaction must be gone) and opens the file again.
  void Reopen() {
    store_.reset();
    SqliteStore::Options options;
    options.clock = &clock_;
    store_ = Value(SqliteStore::Open(path_, options));
  }
  void Close() { store_.reset(); }

  std::unique_ptr<WriteTxn> Write() { return Value(store_->BeginWrite()); }
  std::unique_ptr<ReadTxn> Read() { return Value(store_->BeginRead()); }

 private:
  TempDir dir_;
  std::string path_;
  ManualClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

// A read-only raw connection to the file, for probes the interface lacks.
inline std::unique_ptr<sqlite::SqliteConnection> RawConnection(const std::string& path) {
  return Value(sqlite::SqliteConnection::Open(path, sqlite::OpenMode::kReadOnly));
}

// The first column of every row of `sql` as text.
inline std::vector<std::string> QueryTexts(sqlite::SqliteConnection& conn, const std::string& sql) {
  auto stmt = Value(conn.Prepare(sql));
  std::vector<std::string> out;
  while (Value(stmt->Step())) out.push_back(stmt->ColumnText(0));
  return out;
}

inline std::int64_t QueryInt(sqlite::SqliteConnection& conn, const std::string& sql) {
  auto stmt = Value(conn.Prepare(sql));
  REQUIRE(Value(stmt->Step()));
  return stmt->ColumnInt(0);
}

inline Order MakeOrder(const std::string& id, const std::vector<std::string>& line_ids = {"L1", "L2"}) {
  Order o;
  o.id = id;
  o.buyer_id = "buyer-" + id;
  o.currency = "CNY";
  o.placed_at = kT0 - 10 * kDay;
  o.delivered_at = kT0 - 5 * kDay;
  o.shipping_paid = 800;
  o.created_at = kT0 - 9 * kDay;
  std::int64_t n = 1;
  for (const std::string& line_id : line_ids) {
    OrderLine l;
    l.line_id = line_id;
    l.sku = "SKU-" + line_id;
    l.title = "Item " + line_id + " 商品";
    l.qty = n;
    l.paid = 1000 * n;
    l.no_reason_return = n % 2 == 1;
    o.lines.push_back(l);
    ++n;
  }
  return o;
}

inline CaseRow MakeCase(const std::string& id, const std::string& order_id) {
  CaseRow c;
  c.id = id;
  c.order_id = order_id;
  c.buyer_id = "buyer-" + order_id;
  c.type = CaseType::kReturnRefund;
  c.state = State::kRequested;
  c.version = 1;
  c.assignee = std::nullopt;
  c.policy_version = 1;
  c.created_at = kT0;
  c.updated_at = kT0;
  c.next_due_at = kT0 + 48 * kHour;
  c.breached = false;
  c.doc = R"({"reason":"quality_issue","lines":[{"line_id":"L1","qty":1}]})";
  return c;
}

inline UserRow MakeUser(const std::string& id, const std::string& name, const std::string& role) {
  UserRow u;
  u.id = id;
  u.name = name;
  u.role = ParseRole(role).value_or(Role::kBuyer);
  u.created_at = kT0;
  return u;
}

inline void CheckSame(const Order& a, const Order& b) {
  CHECK(a.id == b.id);
  CHECK(a.buyer_id == b.buyer_id);
  CHECK(a.currency == b.currency);
  CHECK(a.placed_at == b.placed_at);
  CHECK(a.delivered_at == b.delivered_at);
  CHECK(a.shipping_paid == b.shipping_paid);
  CHECK(a.created_at == b.created_at);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].line_id == b.lines[i].line_id);
    CHECK(a.lines[i].sku == b.lines[i].sku);
    CHECK(a.lines[i].title == b.lines[i].title);
    CHECK(a.lines[i].qty == b.lines[i].qty);
    CHECK(a.lines[i].paid == b.lines[i].paid);
    CHECK(a.lines[i].no_reason_return == b.lines[i].no_reason_return);
  }
}

inline void CheckSame(const CaseRow& a, const CaseRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.order_id == b.order_id);
  CHECK(a.buyer_id == b.buyer_id);
  CHECK(a.type == b.type);
  CHECK(a.state == b.state);
  CHECK(a.version == b.version);
  CHECK(a.assignee == b.assignee);
  CHECK(a.policy_version == b.policy_version);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.next_due_at == b.next_due_at);
  CHECK(a.breached == b.breached);
  CHECK(a.doc == b.doc);
}

inline void CheckSame(const DeadlineRow& a, const DeadlineRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.case_id == b.case_id);
  CHECK(a.kind == b.kind);
  CHECK(a.started_at == b.started_at);
  CHECK(a.due_at == b.due_at);
  CHECK(a.status == b.status);
  CHECK(a.closed_at == b.closed_at);
}

inline void CheckSame(const Text& a, const Text& b) {
  CHECK(a.id == b.id);
  CHECK(a.case_id == b.case_id);
  CHECK(a.kind == b.kind);
  CHECK(a.visibility == b.visibility);
  CHECK(a.author_id == b.author_id);
  CHECK(a.body == b.body);
  CHECK(a.sha256 == b.sha256);
  CHECK(a.created_at == b.created_at);
}

inline void CheckSame(const UserRow& a, const UserRow& b) {
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.role == b.role);
  CHECK(a.approval_limit == b.approval_limit);
  CHECK(a.external_id == b.external_id);
  CHECK(a.disabled == b.disabled);
  CHECK(a.password_hash == b.password_hash);
  CHECK(a.created_at == b.created_at);
}

inline void CheckSame(const AuditRow& a, const AuditRow& b) {
  CHECK(a.seq == b.seq);
  CHECK(a.at == b.at);
  CHECK(a.actor_id == b.actor_id);
  CHECK(a.actor_role == b.actor_role);
  CHECK(a.case_id == b.case_id);
  CHECK(a.action == b.action);
  CHECK(a.from_state == b.from_state);
  CHECK(a.to_state == b.to_state);
  CHECK(a.data == b.data);
  CHECK(a.prev_hash == b.prev_hash);
  CHECK(a.hash == b.hash);
}

}  // namespace aftersales::testing
