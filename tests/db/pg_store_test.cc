// What the PostgreSQL store does differently from SQLite under the shared
// store tests: the one-row inserts sent with ON CONFLICT DO NOTHING
// (db/postgres/pg_dialect.h), and the durable barrier after each write's
// COMMIT (db/postgres/pg_store.h). The tests tagged [postgres] run only in
// the suite's PostgreSQL registration (tests/CMakeLists.txt).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "db/postgres/pg_connection.h"
#include "db/postgres/pg_dialect.h"
#include "db/postgres/pg_store.h"
#include "tests/db/db_test_util.h"
#include "tests/support/pg_test_database.h"

namespace aftersales {
namespace {

using postgres::PgConnection;
using postgres::WithConflictAsNoRow;
using testing::PostgresTestServerUri;
using testing::Value;

TEST_CASE("pg dialect: a one-row insert reports a clash as no row and nothing else is rewritten", "[db]") {
  CHECK(WithConflictAsNoRow("INSERT INTO audit (seq, hash) VALUES (?, ?)") ==
        "INSERT INTO audit (seq, hash) VALUES (?, ?) ON CONFLICT DO NOTHING");
  CHECK(WithConflictAsNoRow("INSERT INTO outbox (event_id, payload) VALUES (?, ?) RETURNING id") ==
        "INSERT INTO outbox (event_id, payload) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id");
  // Parentheses and keywords inside quotes do not end the group.
  CHECK(WithConflictAsNoRow("insert into t (a, b) values (?, 'x) RETURNING y')") ==
        "insert into t (a, b) values (?, 'x) RETURNING y') ON CONFLICT DO NOTHING");
  CHECK(WithConflictAsNoRow("INSERT INTO t (a) VALUES (COALESCE(?, 0));") ==
        "INSERT INTO t (a) VALUES (COALESCE(?, 0)) ON CONFLICT DO NOTHING;");
  // An upsert keeps its own ON CONFLICT; several rows could clash in part;
  // INSERT … SELECT may insert no row without any clash; others are no inserts.
  CHECK_FALSE(WithConflictAsNoRow("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                                  "value = excluded.value"));
  CHECK_FALSE(WithConflictAsNoRow("INSERT INTO t (a) VALUES (?), (?)"));
  CHECK_FALSE(WithConflictAsNoRow("INSERT INTO t (a) SELECT a FROM u"));
  CHECK_FALSE(WithConflictAsNoRow("INSERT INTO t VALUES (?)"));
  CHECK_FALSE(WithConflictAsNoRow("UPDATE t SET a = ? WHERE b = ?"));
  CHECK_FALSE(WithConflictAsNoRow("INSERT INTO t (a) VALUES (?"));
}

// The server's URI, which the [postgres] tests need.
std::string ServerUri() {
  std::optional<std::string> uri = PostgresTestServerUri();
  if (!uri) FAIL("AFTERSALES_TEST_POSTGRES is not set: the [postgres] tests run in the PostgreSQL registration");
  return *uri;
}

// `uri` (postgresql://USER@HOST...) with USER replaced.
std::string AsUser(const std::string& uri, const std::string& user) {
  const std::size_t scheme = uri.find("://");
  const std::size_t at = uri.find('@');
  REQUIRE(scheme != std::string::npos);
  REQUIRE(at != std::string::npos);
  return uri.substr(0, scheme + 3) + user + uri.substr(at);
}

std::string OneText(PgConnection& conn, const std::string& sql) {
  auto stmt = Value(conn.Prepare(sql));
  REQUIRE(Value(stmt->Step()));
  return stmt->ColumnText(0);
}

TEST_CASE("pg store: an insert that clashes inside a write leaves it usable and the clash is already_exists",
          "[db][postgres]") {
  testing::PgTestDatabase database(ServerUri());
  auto store = Value(PgStore::Open(database.uri()));
  auto hook = [](const std::string& id, const std::string& url) {
    WebhookRow row;
    row.id = id;
    row.url = url;
    row.events = {"case.created"};
    row.secret = "s";
    row.created_at = testing::kT0;
    return row;
  };
  {
    auto txn = Value(store->BeginWrite());
    REQUIRE_OK(txn->InsertWebhook(hook("wh_a", "https://first.example")));
    REQUIRE_OK(txn->Commit());
  }
  auto txn = Value(store->BeginWrite());
  const Status clash = txn->InsertWebhook(hook("wh_a", "https://second.example"));
  CHECK(clash.code() == Code::kAlreadyExists);
  REQUIRE_OK(txn->InsertWebhook(hook("wh_b", "https://third.example")));
  REQUIRE_OK(txn->Commit());
  auto raw = Value(PgConnection::Open(database.uri()));
  CHECK(OneText(*raw, "SELECT string_agg(id || ' ' || url, ',' ORDER BY id) FROM webhooks") ==
        "wh_a https://first.example,wh_b https://third.example");
}

TEST_CASE("pg connection: the statement cache answers each text with its own statement, past its bound",
          "[db][postgres]") {
  // As on SQLite: 300 texts through the bounded cache twice, one statement
  // leased throughout, and its text asked for again while leased.
  testing::PgTestDatabase database(ServerUri());
  auto conn = Value(PgConnection::Open(database.uri()));
  sql::StatementHandle held = Value(conn->Prepare(std::string("SELECT 7000")));
  for (int round = 0; round < 2; ++round) {
    for (int n = 0; n < 300; ++n) REQUIRE(OneText(*conn, "SELECT " + std::to_string(n)) == std::to_string(n));
  }
  CHECK(OneText(*conn, "SELECT 7000") == "7000");
  REQUIRE(Value(held->Step()));
  CHECK(held->ColumnText(0) == "7000");
}

TEST_CASE("pg store: a write is flushed to the log when Commit returns", "[db][postgres]") {
  testing::PgTestDatabase database(ServerUri());
  auto store = Value(PgStore::Open(database.uri()));
  auto raw = Value(PgConnection::Open(database.uri()));
  // Several times: the log writer flushes by itself every 200 ms, so a
  // commit left unflushed would show in some round.
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    auto txn = Value(store->BeginWrite());
    REQUIRE_OK(txn->PutSetting("flush_probe", std::to_string(round)));
    // The log's end with the write in it, before its COMMIT record.
    const std::string before_commit = OneText(*raw, "SELECT pg_current_wal_insert_lsn()::text");
    REQUIRE_OK(txn->Commit());
    CHECK(OneText(*raw, "SELECT (pg_current_wal_flush_lsn() > '" + before_commit + "'::pg_lsn)::text") == "true");
  }
}

// Waits until `n` advisory locks of raw's database are being waited for
// (pg_locks lists every database's: other tests run beside this one), up to
// 30 s; false when they never were.
bool WaitForWaiters(PgConnection& raw, int n) {
  for (int i = 0; i < 300; ++i) {
    if (OneText(raw,
                "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") ==
        std::to_string(n)) {
      return true;
    }
    SleepForMillis(100);
  }
  return false;
}

// Runs `body` on a thread of its own; done() says whether it returned.
class Background {
 public:
  template <class Body>
  explicit Background(Body body) : thread_([this, body] {
    body();
    done_ = true;
  }) {}
  ~Background() {
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  void Join() { thread_.join(); }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Runs `f` when destroyed: declared after a Background, it ends the
// transaction the thread waits for before the Background joins, also when a
// REQUIRE fails.
template <class F>
struct Finally {
  F f;
  ~Finally() { f(); }
};
template <class F>
Finally(F) -> Finally<F>;

TEST_CASE("pg store: writes of different orders overlap and writes of one order or an exclusive one wait",
          "[db][postgres]") {
  testing::PgTestDatabase database(ServerUri());
  auto store = Value(PgStore::Open(database.uri()));
  auto raw = Value(PgConnection::Open(database.uri()));

  auto first = Value(store->BeginKeyedWrite());
  CHECK(Value(first->LockOrder("o1")));  // rows read before it may be stale
  CHECK_FALSE(Value(first->LockOrder("o1")));  // held already
  CHECK_FALSE(first->LockOrder("o2").ok());   // one order per write

  // Another order: not held up by the open write of o1.
  {
    auto other = Value(store->BeginKeyedWrite());
    REQUIRE(Value(other->LockOrder("o2")));
    REQUIRE_OK(other->PutSetting("other", "committed"));
    REQUIRE_OK(other->Commit());
  }

  // The same order: waits until the first write commits, then sees it.
  std::string seen;
  Status same_status = Status::Internal("not run");
  Background same([&] {
    auto txn = store->BeginKeyedWrite();
    if (!txn.ok()) return void(same_status = txn.status());
    auto stale = (*txn)->LockOrder("o1");
    if (!stale.ok()) return void(same_status = stale.status());
    auto value = (*txn)->GetSetting("first");
    if (!value.ok()) return void(same_status = value.status());
    seen = value->value_or("(none)");
    same_status = (*txn)->Commit();
  });
  Finally end_first{[&] { first.reset(); }};
  REQUIRE(WaitForWaiters(*raw, 1));
  CHECK_FALSE(same.done());
  // An exclusive write waits for the order writes in flight.
  Status exclusive_status = Status::Internal("not run");
  Background exclusive([&] {
    auto txn = store->BeginWrite();
    if (!txn.ok()) return void(exclusive_status = txn.status());
    exclusive_status = (*txn)->Commit();
  });
  Finally end_first_before_exclusive_joins{[&] { first.reset(); }};
  REQUIRE(WaitForWaiters(*raw, 2));
  CHECK_FALSE(exclusive.done());

  REQUIRE_OK(first->PutSetting("first", "written"));
  REQUIRE_OK(first->Commit());
  same.Join();
  exclusive.Join();
  REQUIRE_OK(same_status);
  REQUIRE_OK(exclusive_status);
  CHECK(seen == "written");
}

TEST_CASE("pg store: order writes append to the audit log one at a time in commit order", "[db][postgres]") {
  testing::PgTestDatabase database(ServerUri());
  auto store = Value(PgStore::Open(database.uri()));
  auto raw = Value(PgConnection::Open(database.uri()));

  auto first = Value(store->BeginKeyedWrite());
  REQUIRE(Value(first->LockOrder("o1")));
  REQUIRE_FALSE(Value(first->AuditChainHead()).has_value());  // takes the appenders' lock
  CHECK_FALSE(Value(first->LockOrder("o1")));
  CHECK_FALSE(first->LockOrder("o9").ok());

  std::optional<AuditLink> head_seen;
  Status second_status = Status::Internal("not run");
  Background second([&] {
    auto txn = store->BeginKeyedWrite();
    if (!txn.ok()) return void(second_status = txn.status());
    auto stale = (*txn)->LockOrder("o2");  // another order: at once
    if (!stale.ok()) return void(second_status = stale.status());
    auto head = (*txn)->AuditChainHead();  // waits for the first append
    if (!head.ok()) return void(second_status = head.status());
    head_seen = *head;
    second_status = (*txn)->Commit();
  });
  Finally end_first{[&] { first.reset(); }};
  REQUIRE(WaitForWaiters(*raw, 1));
  CHECK_FALSE(second.done());
  AuditRow row;
  row.seq = 1;
  row.at = "2027-01-15T08:00:00Z";
  row.actor_id = "u1";
  row.actor_role = "agent";
  row.action = "probe";
  row.data = "{}";
  row.prev_hash = std::string(64, '0');
  row.hash = std::string(64, 'a');
  REQUIRE_OK(first->AppendAudit(row));
  REQUIRE_OK(first->Commit());
  second.Join();
  REQUIRE_OK(second_status);
  REQUIRE(head_seen.has_value());
  CHECK(head_seen->seq == 1);
  CHECK(head_seen->hash == std::string(64, 'a'));
}

TEST_CASE("pg connection: a deadlock's victim fails with server_busy so that its command may run again",
          "[db][postgres]") {
  testing::PgTestDatabase database(ServerUri());
  auto a = Value(PgConnection::Open(database.uri()));
  auto b = Value(PgConnection::Open(database.uri()));
  auto raw = Value(PgConnection::Open(database.uri()));
  REQUIRE_OK(a->Exec("BEGIN"));
  REQUIRE_OK(a->Exec("SELECT pg_advisory_xact_lock(1)"));
  REQUIRE_OK(b->Exec("BEGIN"));
  REQUIRE_OK(b->Exec("SELECT pg_advisory_xact_lock(2)"));
  // Each asks for the other's lock; PostgreSQL picks a victim after
  // deadlock_timeout, whose ROLLBACK lets the other through.
  auto cross = [](PgConnection& conn, const char* sql, Status& out) {
    out = conn.Exec(sql);
    (void)conn.Exec("ROLLBACK");
  };
  Status a_status = Status::Internal("not run");
  Status b_status = Status::Internal("not run");
  {
    Background first([&] { cross(*a, "SELECT pg_advisory_xact_lock(2)", a_status); });
    REQUIRE(WaitForWaiters(*raw, 1));
    Background second([&] { cross(*b, "SELECT pg_advisory_xact_lock(1)", b_status); });
  }
  INFO(a_status.message() << " / " << b_status.message());
  CHECK(a_status.ok() != b_status.ok());
  const Status& lost = a_status.ok() ? b_status : a_status;
  CHECK(lost.code() == Code::kServerBusy);
  CHECK_THAT(lost.message(), Catch::Contains("40P01"));
}

TEST_CASE("pg store: a role that may not run the durable barrier is refused at open with what to grant",
          "[db][postgres]") {
  const std::string server = ServerUri();
  const std::string role = "t_nobarrier_" + std::to_string(::getpid());
  auto admin = Value(PgConnection::Open(server));
  REQUIRE_OK(admin->Exec("DROP ROLE IF EXISTS " + role));
  REQUIRE_OK(admin->Exec("CREATE ROLE " + role + " LOGIN"));
  {
    testing::PgTestDatabase database(server);
    {
      auto owner = Value(PgConnection::Open(database.uri()));
      REQUIRE_OK(owner->Exec("ALTER DATABASE " + database.name() + " OWNER TO " + role));
      REQUIRE_OK(owner->Exec("GRANT ALL ON SCHEMA public TO " + role));
      REQUIRE_OK(owner->Exec("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC"));
    }
    auto refused = PgStore::Open(AsUser(database.uri(), role));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kUnavailable);
    CHECK_THAT(refused.status().message(), Catch::Contains("GRANT EXECUTE ON FUNCTION pg_logical_emit_message"));
    {
      auto owner = Value(PgConnection::Open(database.uri()));
      REQUIRE_OK(owner->Exec("GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) TO " + role));
    }
    auto opened = PgStore::Open(AsUser(database.uri(), role));
    INFO(opened.status().message());
    CHECK(opened.ok());
  }
  REQUIRE_OK(admin->Exec("DROP ROLE " + role));
}

}  // namespace
}  // namespace aftersales
