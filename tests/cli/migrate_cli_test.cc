// `aftersales migrate`: a SQLite database copied into PostgreSQL, run as the
// real program. The tests tagged [postgres] need the throwaway server of the
// CTest fixture `postgres` (AFTERSALES_TEST_POSTGRES, tests/support/pg_test_database.h)
// and run only in cli_tests' PostgreSQL registration (tests/CMakeLists.txt).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_runner.h"
#include "db/copy_database.h"
#include "db/postgres/pg_connection.h"
#include "db/postgres/pg_store.h"
#include "db/sqlite/sqlite_connection.h"
#include "db/sqlite/sqlite_store.h"
#include "domain/clock.h"
#include "engine/audit/audit_log.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_catalog.h"
#include "support/pg_test_database.h"
#include "support/row_checks.h"
#include "support/temp_dir.h"

namespace aftersales {
namespace {

using testing::CheckSame;
using testing::CliResult;
using testing::RunCli;
using testing::TempDir;

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

template <class T>
T Value(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

void RequireOk(const Status& s) {
  INFO(s.message());
  REQUIRE(s.ok());
}

// The server of the fixture `postgres`; fails the test without it.
std::string ServerUri() {
  std::optional<std::string> uri = testing::PostgresTestServerUri();
  if (!uri) FAIL("AFTERSALES_TEST_POSTGRES is not set: run the [postgres] tests through ctest -L postgres");
  return *uri;
}

// Every table of the store's schema, with its primary key: what a migration
// must carry over (schema_migrations aside, which each database keeps).
const std::vector<std::pair<std::string, std::string>>& SchemaTables() {
  static const std::vector<std::pair<std::string, std::string>> kTables{
      {"orders", "id"},
      {"order_lines", "order_id, line_id"},
      {"cases", "id"},
      {"deadlines", "id"},
      {"texts", "id"},
      {"audit", "seq"},
      {"outbox", "id"},
      {"webhooks", "id"},
      {"deliveries", "id"},
      {"users", "id"},
      {"tokens", "token_sha256"},
      {"sessions", "id_sha256"},
      {"policies", "version"},
      {"settings", "key"},
      {"idempotency", "scope, key"},
      {"staff_events", "seq, user_id, kind"},
      {"case_facts", "case_id"},
      {"case_fact_lines", "case_id, line_id"},
  };
  return kTables;
}

using Row = std::vector<std::optional<std::string>>;

// The columns of `table` as the SQLite file declares them.
std::vector<std::string> Columns(sql::Connection& sqlite_conn, const std::string& table) {
  auto stmt = Value(sqlite_conn.Prepare("SELECT name FROM pragma_table_info(?)"));
  stmt->BindText(table);
  std::vector<std::string> names;
  while (Value(stmt->Step())) names.push_back(stmt->ColumnText(0));
  REQUIRE_FALSE(names.empty());
  return names;
}

// Every row of `table` in primary-key order, each of `columns` as text
// (NULL as nullopt): SQLite's and PostgreSQL's text of an integer are the
// same digits.
std::vector<Row> Dump(sql::Connection& conn, const std::string& table, const std::string& key,
                      const std::vector<std::string>& columns) {
  std::string list;
  for (const std::string& c : columns) list += (list.empty() ? "" : ", ") + c;
  auto stmt = Value(conn.Prepare("SELECT " + list + " FROM " + table + " ORDER BY " + key));
  std::vector<Row> rows;
  while (Value(stmt->Step())) {
    Row row;
    for (std::size_t i = 0; i < columns.size(); ++i) row.push_back(stmt->ColumnOptText(static_cast<int>(i)));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t Count(sql::Connection& conn, const std::string& table) {
  auto stmt = Value(conn.Prepare("SELECT count(*) FROM " + table));
  REQUIRE(Value(stmt->Step()));
  return stmt->ColumnInt(0);
}

std::unique_ptr<sqlite::SqliteConnection> SqliteRaw(const std::string& path) {
  return Value(sqlite::SqliteConnection::Open(path, sqlite::OpenMode::kReadOnly));
}

std::unique_ptr<postgres::PgConnection> PgRaw(const std::string& uri) {
  return Value(postgres::PgConnection::Open(uri));
}

std::vector<AuditRow> AuditRows(Store& store) {
  auto txn = Value(store.BeginRead());
  std::vector<AuditRow> rows;
  RequireOk(txn->ScanAudit([&](const AuditRow& row) {
    rows.push_back(row);
    return true;
  }));
  return rows;
}

// Rows for the tables `demo` leaves empty: webhooks and their deliveries
// (pending, delivered, dead), a session, a setting, an idempotent answer.
void AddWhatTheDemoLacks(const std::string& db) {
  std::unique_ptr<SqliteStore> store = Value(SqliteStore::Open(db));
  auto txn = Value(store->BeginWrite());
  const std::vector<OutboxRow> events = Value(txn->OutboxAfter(0, 3));
  REQUIRE(events.size() == 3);
  const std::vector<UserRow> users = Value(txn->ListUsers());
  REQUIRE_FALSE(users.empty());
  WebhookRow hook;
  hook.id = "wh_migrate1";
  hook.url = "https://hooks.example.test/aftersales";
  hook.events = {"case.created", "case.state_changed"};
  hook.secret = "whsec_0123456789";
  hook.created_at = events[0].created_at;
  RequireOk(txn->InsertWebhook(hook));
  WebhookRow off = hook;
  off.id = "wh_migrate2";
  off.url = "http://127.0.0.1:9/off";
  off.disabled = true;
  RequireOk(txn->InsertWebhook(off));
  for (std::size_t i = 0; i < events.size(); ++i) {
    DeliveryRow d;
    d.webhook_id = i == 2 ? off.id : hook.id;
    d.outbox_id = events[i].id;
    d.event_id = events[i].event_id;
    d.event_type = events[i].type;
    d.status = i == 0 ? DeliveryStatus::kPending : i == 1 ? DeliveryStatus::kDelivered : DeliveryStatus::kDead;
    d.attempts = static_cast<int>(i);
    d.next_attempt_at = events[i].created_at + 60;
    if (i == 1) d.last_status = 200;
    if (i == 2) d.last_error = "connection refused: 拒绝连接";
    d.started_at = events[i].created_at;
    d.created_at = events[i].created_at;
    d.updated_at = events[i].created_at + 5;
    Value(txn->InsertDelivery(d));
  }
  SessionRow session;
  session.id_sha256 = std::string(64, 'a');
  session.user_id = users[0].id;
  session.csrf_token = "csrf-token";
  session.created_at = events[0].created_at;
  session.expires_at = events[0].created_at + 3600;
  RequireOk(txn->InsertSession(session));
  RequireOk(txn->PutSetting("audit_origin", "aftersales/00112233445566778899aabbccddeeff"));
  IdempotencyRow idem;
  idem.scope = "u_int POST /api/v1/orders";
  idem.key = "key-1";
  idem.request_hash = std::string(64, 'b');
  idem.status = 201;
  idem.body = R"({"id":"o-1"})";
  idem.created_at = events[0].created_at;
  RequireOk(txn->PutIdempotency(idem));
  RequireOk(txn->Commit());
}

// The "table source target" lines of migrate's output, by table.
std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> CountLines(const std::string& out) {
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> lines;
  const std::regex line(R"(^([a-z_]+) +(\d+) +(\d+)$)");
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line) && m[1] != "total") lines.push_back({m[1], {std::stoll(m[2]), std::stoll(m[3])}});
  }
  return lines;
}

std::int64_t MaxId(sql::Connection& conn, const std::string& table) {
  auto stmt = Value(conn.Prepare("SELECT MAX(id) FROM " + table));
  REQUIRE(Value(stmt->Step()));
  return stmt->ColumnInt(0);
}

TEST_CASE("cli: migrate copies the demo shop into PostgreSQL, checks it, and refuses a second copy",
          "[cli][migrate][postgres]") {
  TempDir dir;
  const std::string db = dir.File("shop.db");
  const CliResult demo = RunCli({"demo", "--db", db});
  INFO(Describe(demo));
  REQUIRE(demo.exit_code == 0);
  AddWhatTheDemoLacks(db);
  testing::PgTestDatabase target(ServerUri());

  // Every table of the schema is one the migration copies, none left out.
  {
    std::vector<std::string> expected;
    for (const auto& [table, key] : SchemaTables()) expected.push_back(table);
    CHECK(CopiedTables() == expected);
    auto raw = SqliteRaw(db);
    auto names = Value(
        raw->Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> "
                     "'schema_migrations' ORDER BY name"));
    std::vector<std::string> in_file;
    while (Value(names->Step())) in_file.push_back(names->ColumnText(0));
    std::sort(expected.begin(), expected.end());
    CHECK(in_file == expected);
  }

  const CliResult r = RunCli({"migrate", "--from", db, "--to", target.uri()});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("  audit: ") != std::string::npos);
  CHECK(r.err.find("  committing") != std::string::npos);

  // Counts: the report's, the source's and the target's agree, table by table.
  auto src = SqliteRaw(db);
  auto dst = PgRaw(target.uri());
  const auto lines = CountLines(r.out);
  REQUIRE(lines.size() == SchemaTables().size());
  std::int64_t total = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& table = SchemaTables()[i].first;
    INFO(table);
    CHECK(lines[i].first == table);
    const std::int64_t rows = Count(*src, table);
    CHECK(rows > 0);  // every table has something to copy
    CHECK(lines[i].second.first == rows);
    CHECK(lines[i].second.second == rows);
    CHECK(Count(*dst, table) == rows);
    total += rows;
  }
  CHECK(
      std::regex_search(r.out, std::regex("\ntotal +" + std::to_string(total) + " +" + std::to_string(total) + "\n")));

  // Every row, every column, the same on both sides.
  for (const auto& [table, key] : SchemaTables()) {
    INFO(table);
    const std::vector<std::string> columns = Columns(*src, table);
    const std::vector<Row> a = Dump(*src, table, key, columns);
    const std::vector<Row> b = Dump(*dst, table, key, columns);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO("row " << i);
      REQUIRE(a[i] == b[i]);
    }
  }

  std::unique_ptr<SqliteStore> before = Value(SqliteStore::Open(db));
  std::unique_ptr<PgStore> after = Value(PgStore::Open(target.uri()));

  // The audit log: every entry with its hashes, the chain verified there.
  const std::vector<AuditRow> source_audit = AuditRows(*before);
  const std::vector<AuditRow> target_audit = AuditRows(*after);
  REQUIRE(source_audit.size() == target_audit.size());
  REQUIRE_FALSE(source_audit.empty());
  for (std::size_t i = 0; i < source_audit.size(); ++i) CheckSame(source_audit[i], target_audit[i]);
  {
    auto txn = Value(after->BeginRead());
    const AuditVerification verified = Value(AuditLog::Verify(*txn));
    CHECK(verified.ok);
    CHECK(verified.entries == static_cast<std::int64_t>(source_audit.size()));
    REQUIRE(verified.head.has_value());
    CHECK(verified.head->hash == source_audit.back().hash);
  }
  CHECK(r.out.find("audit chain verified: " + std::to_string(source_audit.size()) + " entries, head " +
                   source_audit.back().hash + "\n") != std::string::npos);

  // Cases (a page of the queue, in the same order on both sides), their
  // orders with their lines and their deadlines, the deliveries, through
  // each store's own reads.
  std::string some_case;
  {
    auto s = Value(before->BeginRead());
    auto t = Value(after->BeginRead());
    CaseFilter page;
    page.limit = 10;
    const std::vector<CaseRow> cases = Value(s->ListCases(page));
    const std::vector<CaseRow> copied_cases = Value(t->ListCases(page));
    REQUIRE(cases.size() == 10);
    REQUIRE(copied_cases.size() == cases.size());
    some_case = cases[0].id;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const CaseRow& c = cases[i];
      CheckSame(c, copied_cases[i]);
      const std::optional<CaseRow> copied = Value(t->GetCase(c.id));
      REQUIRE(copied.has_value());
      CheckSame(c, *copied);
      const std::optional<Order> order = Value(s->GetOrder(c.order_id));
      const std::optional<Order> copied_order = Value(t->GetOrder(c.order_id));
      REQUIRE(order.has_value());
      REQUIRE(copied_order.has_value());
      CHECK_FALSE(order->lines.empty());
      CheckSame(*order, *copied_order);
      const std::vector<DeadlineRow> deadlines = Value(s->ListedDeadlines(c.id));
      const std::vector<DeadlineRow> copied_deadlines = Value(t->ListedDeadlines(c.id));
      REQUIRE(deadlines.size() == copied_deadlines.size());
      for (std::size_t j = 0; j < deadlines.size(); ++j) {
        CHECK(deadlines[j].id == copied_deadlines[j].id);
        CHECK(deadlines[j].kind == copied_deadlines[j].kind);
        CHECK(deadlines[j].due_at == copied_deadlines[j].due_at);
        CHECK(deadlines[j].status == copied_deadlines[j].status);
      }
    }
    for (std::int64_t id : {1, 2, 3}) {
      const std::optional<DeliveryRow> d = Value(s->GetDelivery(id));
      const std::optional<DeliveryRow> copied = Value(t->GetDelivery(id));
      REQUIRE(d.has_value());
      REQUIRE(copied.has_value());
      CheckSame(*d, *copied);
    }
    CHECK(Value(t->GetSetting("audit_origin")) == Value(s->GetSetting("audit_origin")));
  }

  // The reports: the same figures computed by the engine over each store.
  {
    ManualClock clock(SystemClock().Now());
    PolicyRegistry source_policies(*before);
    PolicyRegistry target_policies(*after);
    ReportRunner source_reports(*before, source_policies, clock);
    ReportRunner target_reports(*after, target_policies, clock);
    for (const ReportInfo& info : ReportCatalog()) {
      INFO(info.name);
      const nlohmann::json a = Value(source_reports.Run(info, ReportRange{}));
      const nlohmann::json b = Value(target_reports.Run(info, ReportRange{}));
      CHECK(a == b);
    }
    const nlohmann::json agents = Value(target_reports.Run(*FindReport("agents"), ReportRange{}));
    CHECK_FALSE(agents["items"].empty());
  }

  // The store goes on assigning ids after the copied ones.
  {
    const std::int64_t max_deadline = MaxId(*dst, "deadlines");
    const std::int64_t max_outbox = MaxId(*dst, "outbox");
    const std::int64_t max_delivery = MaxId(*dst, "deliveries");
    auto txn = Value(after->BeginWrite());
    const std::vector<OutboxRow> events = Value(txn->OutboxAfter(0, 1));
    REQUIRE(events.size() == 1);
    DeadlineRow deadline;
    deadline.case_id = some_case;
    deadline.kind = DeadlineKind::kMerchantResponse;
    deadline.started_at = events[0].created_at;
    deadline.due_at = events[0].created_at + 3600;
    const std::int64_t deadline_id = Value(txn->InsertDeadline(deadline));
    OutboxRow event;
    event.event_id = "evt_after_migrate";
    event.type = "case.created";
    event.payload = "{}";
    event.created_at = events[0].created_at;
    const std::int64_t outbox_id = Value(txn->InsertOutbox(event));
    DeliveryRow delivery;
    delivery.webhook_id = "wh_migrate1";
    delivery.outbox_id = outbox_id;
    delivery.event_id = event.event_id;
    delivery.event_type = event.type;
    delivery.next_attempt_at = event.created_at;
    delivery.started_at = event.created_at;
    delivery.created_at = event.created_at;
    delivery.updated_at = event.created_at;
    const std::int64_t delivery_id = Value(txn->InsertDelivery(delivery));
    RequireOk(txn->Commit());
    CHECK(deadline_id > max_deadline);
    CHECK(outbox_id > max_outbox);
    CHECK(delivery_id > max_delivery);
  }
  after.reset();
  before.reset();

  // A second migration into the now non-empty target is refused and changes nothing.
  std::vector<std::int64_t> counts;
  for (const auto& [table, key] : SchemaTables()) counts.push_back(Count(*dst, table));
  const CliResult again = RunCli({"migrate", "--from", db, "--to", target.uri()});
  INFO(Describe(again));
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("is not empty") != std::string::npos);
  CHECK(again.err.find("nothing was written") != std::string::npos);
  CHECK(again.out.empty());
  for (std::size_t i = 0; i < SchemaTables().size(); ++i) {
    INFO(SchemaTables()[i].first);
    CHECK(Count(*dst, SchemaTables()[i].first) == counts[i]);
  }
}

TEST_CASE("cli: migrate refuses a value that does not fit its column and writes nothing", "[cli][migrate][postgres]") {
  TempDir dir;
  const std::string db = dir.File("small.db");
  const CliResult added = RunCli({"user", "add", "--db", db, "--name", "ann", "--role", "admin"});
  INFO(Describe(added));
  REQUIRE(added.exit_code == 0);
  {
    auto raw = Value(sqlite::SqliteConnection::Open(db, sqlite::OpenMode::kReadWrite));
    RequireOk(raw->Exec("UPDATE users SET created_at = 'yesterday'"));
  }
  testing::PgTestDatabase target(ServerUri());
  const CliResult r = RunCli({"migrate", "--from", db, "--to", target.uri()});
  INFO(Describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(": created_at holds text") != std::string::npos);
  CHECK(r.err.find("users row id=") != std::string::npos);
  CHECK(r.out.empty());
  auto dst = PgRaw(target.uri());
  for (const auto& [table, key] : SchemaTables()) {
    INFO(table);
    CHECK(Count(*dst, table) == 0);
  }
}

TEST_CASE("cli: migrate refuses a missing source and a target that is not PostgreSQL", "[cli][migrate]") {
  TempDir dir;
  // Nothing listens on port 1: the source is checked before any connection.
  const CliResult missing = RunCli({"migrate", "--from", dir.File("nope.db"), "--to", "postgresql://u@127.0.0.1:1/x"});
  INFO(Describe(missing));
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("no database file '" + dir.File("nope.db") + "'") != std::string::npos);
  CHECK(missing.out.empty());
  CHECK_FALSE(std::filesystem::exists(dir.File("nope.db")));

  const std::string db = dir.File("small.db");
  REQUIRE(RunCli({"user", "add", "--db", db, "--name", "ann", "--role", "admin"}).exit_code == 0);
  const CliResult not_pg = RunCli({"migrate", "--from", db, "--to", dir.File("other.db")});
  CHECK(not_pg.exit_code == 2);
  CHECK(not_pg.err.find("--to must name a PostgreSQL database") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.File("other.db")));

  // A SQLite file that is not a store is not given the store's tables.
  const std::string other = dir.File("other.sqlite");
  {
    auto raw = Value(sqlite::SqliteConnection::Open(other, sqlite::OpenMode::kReadWrite));
    RequireOk(raw->Exec("CREATE TABLE t (x INTEGER)"));
  }
  const CliResult foreign = RunCli({"migrate", "--from", other, "--to", "postgresql://u@127.0.0.1:1/x"});
  CHECK(foreign.exit_code == 2);
  CHECK(foreign.err.find("is not an aftersales database") != std::string::npos);
  CHECK(RunCli({"migrate", "--from", db}).exit_code == 2);  // --to is required

  CHECK(RunCli({"--help"}).out.find("migrate") != std::string::npos);
  const CliResult help = RunCli({"migrate", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--from") != std::string::npos);
  CHECK(help.out.find("--to") != std::string::npos);
}

}  // namespace
}  // namespace aftersales
