// Helpers for the storage tests: a store of its own for each test (a
// SqliteStore on a file in a fresh temporary directory, or a PgStore on a
// fresh PostgreSQL database when AFTERSALES_TEST_POSTGRES is set), builders
// for sample rows, field-by-field comparisons and small raw-SQL probes of the
// SQLite file for what the Store interface does not expose.
//
// Every test of tests/db runs twice under CTest: on SQLite, and on
// PostgreSQL (the CTest names "postgres:...", tests/CMakeLists.txt) except
// the tests tagged [sqlite], which look at what only SQLite has (the file,
// its pragmas, query plans, group commit, backups, fault injection in the
// file).
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/postgres/pg_store.h"
#include "db/sqlite/sqlite_connection.h"
#include "db/sqlite/sqlite_store.h"
#include "domain/clock.h"
#include "engine/store/store.h"
#include "tests/support/pg_test_database.h"
#include "tests/support/row_checks.h"
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

// A store of the test's own, opened with clock() (at kT0): a SqliteStore on
// `db.sqlite` in its own temporary directory; or, when the environment
// variable AFTERSALES_TEST_POSTGRES names the file holding a PostgreSQL
// server's URI (the CTest fixture `postgres`), a PgStore on a database
// created for this fixture and dropped when it goes away
// (tests/support/pg_test_database.h).
class StoreFixture {
 public:
  StoreFixture() : path_(dir_.File("db.sqlite")), clock_(kT0) {
    if (std::optional<std::string> server = PostgresTestServerUri()) {
      database_ = std::make_unique<PgTestDatabase>(*server);
    }
    Reopen();
  }
  // The store first: the database is dropped once nothing is connected.
  ~StoreFixture() { Close(); }
  StoreFixture(const StoreFixture&) = delete;
  StoreFixture& operator=(const StoreFixture&) = delete;

  Store& store() { return *store_; }
  // Whether the store is a PgStore.
  bool postgres() const { return database_ != nullptr; }
  // The SqliteStore, for the tests tagged [sqlite] only.
  SqliteStore& sqlite() {
    if (sqlite_ == nullptr) FAIL("sqlite() on a PostgreSQL store: tag the test [sqlite]");
    return *sqlite_;
  }
  // The SQLite file (not used on PostgreSQL).
  const std::string& path() const { return path_; }
  const TempDir& dir() const { return dir_; }
  ManualClock& clock() { return clock_; }

  // Closes the store (every transaction must be gone) and opens the file,
  // or the same PostgreSQL database, again.
  void Reopen() {
    Close();
    if (database_ != nullptr) {
      PgStore::Options options;
      options.clock = &clock_;
      store_ = Value(PgStore::Open(database_->uri(), options));
    } else {
      SqliteStore::Options options;
      options.clock = &clock_;
      std::unique_ptr<SqliteStore> sqlite = Value(SqliteStore::Open(path_, options));
      sqlite_ = sqlite.get();
      store_ = std::move(sqlite);
    }
  }
  void Close() {
    sqlite_ = nullptr;
    store_.reset();
  }

  std::unique_ptr<WriteTxn> Write() { return Value(store_->BeginWrite()); }
  std::unique_ptr<ReadTxn> Read() { return Value(store_->BeginRead()); }

 private:
  TempDir dir_;
  std::string path_;
  ManualClock clock_;
  std::unique_ptr<PgTestDatabase> database_;  // PostgreSQL only
  std::unique_ptr<Store> store_;
  SqliteStore* sqlite_ = nullptr;  // store_, when it is a SqliteStore
};

// A read-only raw connection to the SQLite file, for probes the interface
// lacks (tests tagged [sqlite]).
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

}  // namespace aftersales::testing
