// The `aftersales` program, run as a child process on temporary databases.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "db/sqlite/sqlite_store.h"
#include "domain/clock.h"
#include "engine/audit/audit_log.h"
#include "api/json_api.h"
#include "engine/crypto.h"
#include "engine/policy_registry.h"
#include "support/temp_dir.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

using nlohmann::json;
using testing::CliResult;
using testing::RunCli;
using testing::TempDir;
using testing::WriteFileText;

constexpr const char* kCsvHeader =
    "order_id,buyer_id,currency,placed_at,delivered_at,shipping_paid,line_id,sku,title,qty,paid,no_reason_return\n";

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The value after "key: " on its own line of `text`.
std::string Field(const std::string& text, const std::string& key) {
  for (const std::string& line : Lines(text)) {
    if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
  }
  return "";
}

std::unique_ptr<SqliteStore> OpenStore(const std::string& path) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  REQUIRE(store.ok());
  return std::move(*store);
}

std::vector<AuditRow> AuditRows(const std::string& db) {
  std::unique_ptr<SqliteStore> store = OpenStore(db);
  Result<std::unique_ptr<ReadTxn>> txn = store->BeginRead();
  REQUIRE(txn.ok());
  std::vector<AuditRow> rows;
  REQUIRE((*txn)
              ->ScanAudit([&](const AuditRow& row) {
                rows.push_back(row);
                return true;
              })
              .ok());
  return rows;
}

std::optional<Order> StoredOrder(const std::string& db, const std::string& id) {
  std::unique_ptr<SqliteStore> store = OpenStore(db);
  Result<std::unique_ptr<ReadTxn>> txn = store->BeginRead();
  REQUIRE(txn.ok());
  Result<std::optional<Order>> order = (*txn)->GetOrder(id);
  REQUIRE(order.ok());
  return *order;
}

// Runs one statement with the SQLite C API, outside the program; returns
// the first column of the first row (empty when none).
std::string RawSql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const int prepared = sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr);
  INFO(sql << ": " << sqlite3_errmsg(handle));
  REQUIRE(prepared == SQLITE_OK);
  std::string first;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    first = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  INFO(sqlite3_errmsg(handle));
  CHECK(rc == SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return first;
}

// Removes whatever guards the audit table against edits, as an attacker with
// the file would.
void DropAuditTriggers(const std::string& db) {
  for (;;) {
    const std::string trigger =
        RawSql(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' LIMIT 1");
    if (trigger.empty()) return;
    RawSql(db, "DROP TRIGGER \"" + trigger + "\"");
  }
}

json OrderJson(const std::string& id, const std::string& buyer) {
  return json{{"id", id},
              {"buyer_id", buyer},
              {"currency", "CNY"},
              {"placed_at", "2026-01-10T08:00:00+08:00"},
              {"delivered_at", "2026-01-12T10:00:00Z"},
              {"shipping_paid", 1000},
              {"lines",
               {{{"line_id", "L1"}, {"sku", "SKU-CUP"}, {"title", "保温杯, 500 ml"}, {"qty", 2}, {"paid", 15800}},
                {{"line_id", "L2"},
                 {"sku", "SKU-LID"},
                 {"title", "Lid"},
                 {"qty", 1},
                 {"paid", 900},
                 {"no_reason_return", false}}}}};
}

// A database with three imported orders (three audit entries).
std::string SeededDb(const TempDir& dir) {
  const std::string db = dir.File("seed.db");
  const std::string file = dir.File("seed.json");
  WriteFileText(file, json::array({OrderJson("o-1", "b-1"), OrderJson("o-2", "b-1"), OrderJson("o-3", "b-2")}).dump());
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  return db;
}

TEST_CASE("cli: --help works for the program and every command", "[cli]") {
  const CliResult top = RunCli({"--help"});
  CHECK(top.exit_code == 0);
  for (const char* command : {"serve", "demo", "user", "orders", "audit", "backup", "report"}) {
    CHECK(top.out.find(command) != std::string::npos);
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"serve", "--help"},
                                               {"demo", "--help"},
                                               {"user", "add", "--help"},
                                               {"orders", "import", "--help"},
                                               {"audit", "verify", "--help"},
                                               {"audit", "export", "--help"},
                                               {"backup", "--help"},
                                               {"report", "--help"}}) {
    const CliResult r = RunCli(args);
    INFO(args[0] << " " << args[1] << "\n" << Describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("--db") != std::string::npos);
  }
  const CliResult serve = RunCli({"serve", "--help"});
  for (const char* option : {"--listen", "--policy", "--test-clock", "127.0.0.1:8080", "aftersales.db"}) {
    CHECK(serve.out.find(option) != std::string::npos);
  }
}

TEST_CASE("cli: usage errors exit 2", "[cli]") {
  CHECK(RunCli({}).exit_code == 2);
  CHECK(RunCli({"frobnicate"}).exit_code == 2);
  CHECK(RunCli({"report"}).exit_code == 2);
  CHECK(RunCli({"audit"}).exit_code == 2);
  CHECK(RunCli({"user", "add", "--name", "x"}).exit_code == 2);  // no --role
  CHECK(RunCli({"orders", "import"}).exit_code == 2);            // no FILE
}

TEST_CASE("cli: serve takes --policy-preset cn or eu, not both it and --policy", "[cli][preset]") {
  TempDir dir;
  const std::string policy = dir.File("policy.json");
  REQUIRE(WriteFileText(policy, "{}"));
  // Both flags: a usage error before anything starts (no database is made).
  const CliResult both = RunCli({"serve", "--db", dir.File("both.db"), "--policy", policy, "--policy-preset", "eu"});
  CHECK(both.exit_code == 2);
  CHECK(both.err.find("--policy") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir.File("both.db")).good());
  // An unknown preset: exit 2 naming it, nothing made.
  const CliResult unknown = RunCli({"serve", "--db", dir.File("us.db"), "--policy-preset", "us"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("preset") != std::string::npos);
  CHECK_FALSE(std::ifstream(dir.File("us.db")).good());
  // The option is listed.
  CHECK(RunCli({"serve", "--help"}).out.find("--policy-preset") != std::string::npos);
}

TEST_CASE("cli: --version names the version and the git commit of the build", "[cli]") {
  const CliResult r = RunCli({"--version"});
  INFO(Describe(r));
  CHECK(r.exit_code == 0);
  CHECK(std::regex_match(
      r.out, std::regex("aftersales " AFTERSALES_PROJECT_VERSION " \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\n")));
  CHECK(RunCli({"serve", "--version"}).out == r.out);
}

TEST_CASE("cli: serve takes its options from --config, the command line winning", "[cli]") {
  TempDir dir;
  const std::string config = dir.File("aftersales.conf");
  // Each run stops at a check that names the value it got, before serving.
  WriteFileText(config, "# comment\n[serve]\nlisten = \"127.0.0.1:0\"\ndb = \"" +
                            dir.File("no-such-folder/from-file.db") +
                            "\"\ntrusted-proxy = [\"127.0.0.1\", \"10.0.0.0/8\"]\n");
  CliResult r = RunCli({"serve", "--config", config});
  INFO(Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("from-file.db") != std::string::npos);
  r = RunCli({"serve", "--config", config, "--db", dir.File("no-such-folder/from-flag.db")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("from-flag.db") != std::string::npos);
  CHECK(r.err.find("from-file.db") == std::string::npos);
  r = RunCli({"serve", "--config", config, "--trusted-proxy", "proxy.example"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--trusted-proxy 'proxy.example' is not an IP address") != std::string::npos);

  WriteFileText(config, "[serve]\ntrusted-proxy = [\"127.0.0.1\", \"10.0.0.1/8\"]\n");
  r = RunCli({"serve", "--config", config});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--trusted-proxy '10.0.0.1/8' has address bits set past its prefix length") != std::string::npos);
  // A key no option has is an error, not a silent default.
  WriteFileText(config, "[serve]\nlisten = \"127.0.0.1:0\"\ndatabase = \"x.db\"\n");
  r = RunCli({"serve", "--config", config});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("serve.database") != std::string::npos);
  CHECK(RunCli({"serve", "--config", dir.File("missing.conf")}).exit_code == 2);
}

TEST_CASE("cli: user add prints the id and a token whose hash is stored", "[cli]") {
  TempDir dir;
  const std::string db = dir.File("users.db");
  const CliResult r = RunCli({"user", "add", "--db", db, "--name", "Li Na", "--role", "agent"});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string id = Field(r.out, "id");
  const std::string token = Field(r.out, "token");
  CHECK(id.size() == 18);
  CHECK(id.rfind("u_", 0) == 0);
  CHECK(token.size() >= 32);
  CHECK(r.out.find("Li Na") == std::string::npos);

  std::unique_ptr<SqliteStore> store = OpenStore(db);
  Result<std::unique_ptr<ReadTxn>> txn = store->BeginRead();
  REQUIRE(txn.ok());
  Result<std::optional<UserRow>> user = (*txn)->GetUserByTokenHash(Sha256Hex(token));
  REQUIRE(user.ok());
  REQUIRE(user->has_value());
  CHECK((*user)->id == id);
  CHECK((*user)->name == "Li Na");
  CHECK((*user)->role == Role::kAgent);
  CHECK((*user)->approval_limit == 20000);  // the default policy's agent limit
  CHECK_FALSE((*user)->password_hash.has_value());
  txn->reset();
  store.reset();

  // Neither the token nor the name is anywhere in the audit log.
  for (const AuditRow& row : AuditRows(db)) {
    CHECK(row.data.find(token) == std::string::npos);
    CHECK(row.data.find("Li Na") == std::string::npos);
  }
  CHECK(RunCli({"audit", "verify", "--db", db}).exit_code == 0);
}

TEST_CASE("cli: user add takes a limit, an external id and a password from stdin", "[cli]") {
  TempDir dir;
  const std::string db = dir.File("users.db");
  const CliResult sup = RunCli({"user", "add", "--db", db, "--name", "sup", "--role", "supervisor", "--limit", "5000"});
  INFO(Describe(sup));
  REQUIRE(sup.exit_code == 0);
  const CliResult buyer = RunCli(
      {"user", "add", "--db", db, "--name", "wang", "--role", "buyer", "--external-id", "b-1", "--password-stdin"},
      "correct horse battery\n");
  INFO(Describe(buyer));
  REQUIRE(buyer.exit_code == 0);

  std::unique_ptr<SqliteStore> store = OpenStore(db);
  Result<std::unique_ptr<ReadTxn>> txn = store->BeginRead();
  REQUIRE(txn.ok());
  Result<std::optional<UserRow>> s = (*txn)->GetUser(Field(sup.out, "id"));
  REQUIRE(s.ok());
  REQUIRE(s->has_value());
  CHECK((*s)->approval_limit == 5000);
  Result<std::optional<UserRow>> b = (*txn)->GetUser(Field(buyer.out, "id"));
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->external_id == "b-1");
  REQUIRE((*b)->password_hash.has_value());
  CHECK(VerifyPassword("correct horse battery", *(*b)->password_hash));
}

TEST_CASE("cli: user add refuses bad input and writes nothing", "[cli]") {
  TempDir dir;
  const std::string db = dir.File("users.db");
  REQUIRE(RunCli({"user", "add", "--db", db, "--name", "alice", "--role", "agent"}).exit_code == 0);
  const std::size_t entries = AuditRows(db).size();

  CHECK(RunCli({"user", "add", "--db", db, "--name", "x", "--role", "system"}).exit_code == 2);
  CHECK(RunCli({"user", "add", "--db", db, "--name", "x", "--role", "agent", "--limit", "ten"}).exit_code == 2);
  const std::vector<std::vector<std::string>> refused = {
      {"--name", "alice", "--role", "agent"},                            // name taken
      {"--name", "b", "--role", "buyer"},                                // buyer without external id
      {"--name", "b", "--role", "buyer", "--external-id", "no spaces"},  // bad id
      {"--name", "m", "--role", "manager", "--limit", "100"},            // managers have no limit
      {"--name", "a2", "--role", "agent", "--limit", "-1"},              // negative limit
      {"--name", "i", "--role", "integration", "--external-id", "b-1"},  // external id for a non-buyer
  };
  for (std::vector<std::string> args : refused) {
    args.insert(args.begin(), {"user", "add", "--db", db});
    const CliResult r = RunCli(args);
    INFO(Describe(r));
    CHECK(r.exit_code == 1);
    CHECK(Field(r.out, "token").empty());
  }
  const CliResult short_password =
      RunCli({"user", "add", "--db", db, "--name", "p", "--role", "agent", "--password-stdin"}, "short\n");
  CHECK(short_password.exit_code == 1);
  const CliResult no_password =
      RunCli({"user", "add", "--db", db, "--name", "p", "--role", "agent", "--password-stdin"}, "");
  CHECK(no_password.exit_code == 2);
  CHECK(AuditRows(db).size() == entries);
}

TEST_CASE("cli: orders import of a good JSON file", "[cli]") {
  TempDir dir;
  const std::string db = dir.File("orders.db");
  const std::string file = dir.File("orders.json");
  WriteFileText(file, json::array({OrderJson("o-1", "b-1"), OrderJson("o-2", "b-2")}).dump(2));
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("imported 2 orders (4 lines)") != std::string::npos);

  const std::optional<Order> o1 = StoredOrder(db, "o-1");
  REQUIRE(o1.has_value());
  CHECK(o1->buyer_id == "b-1");
  CHECK(o1->placed_at == *ParseTime("2026-01-10T00:00:00Z"));
  CHECK(o1->delivered_at == ParseTime("2026-01-12T10:00:00Z"));
  REQUIRE(o1->lines.size() == 2);
  CHECK(o1->lines[0].title == "保温杯, 500 ml");
  CHECK_FALSE(o1->lines[1].no_reason_return);
  CHECK(StoredOrder(db, "o-2").has_value());

  const std::vector<AuditRow> rows = AuditRows(db);
  REQUIRE(rows.size() == 2);
  for (const AuditRow& row : rows) {
    CHECK(row.action == "order_created");
    CHECK(row.actor_id == "cli");
    CHECK(row.actor_role == "admin");
    CHECK_FALSE(row.case_id.has_value());
    CHECK(row.data.find("保温杯") == std::string::npos);  // no free text in the log
  }
  const json data = json::parse(rows[0].data);
  CHECK(data["order_id"] == "o-1");
  CHECK(data["paid_total"] == 15800 + 900 + 1000);
  CHECK(data["shipping_paid"] == 1000);
  CHECK(data["lines"].size() == 2);
}

TEST_CASE("cli: orders import of a good CSV file", "[cli]") {
  TempDir dir;
  const std::string db = dir.File("orders.db");
  const std::string file = dir.File("orders.csv");
  WriteFileText(file, std::string(kCsvHeader) +
                          "c-1,b-1,USD,2026-01-10T08:00:00Z,2026-01-12T10:00:00Z,500,L1,SKU-1,\"Mug, \"\"big\"\"\",1,"
                          "1299,\r\n"
                          "c-1,b-1,USD,2026-01-10T08:00:00Z,2026-01-12T10:00:00Z,500,L2,SKU-2,Spoon,3,300,false\r\n"
                          "c-2,b-9,USD,2026-01-11T08:00:00Z,,0,L1,SKU-1,Mug,2,2598,true\r\n");
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("imported 2 orders (3 lines)") != std::string::npos);
  const std::optional<Order> c1 = StoredOrder(db, "c-1");
  REQUIRE(c1.has_value());
  REQUIRE(c1->lines.size() == 2);
  CHECK(c1->lines[0].title == "Mug, \"big\"");
  CHECK(c1->PaidTotal() == 1299 + 300 + 500);
  const std::optional<Order> c2 = StoredOrder(db, "c-2");
  REQUIRE(c2.has_value());
  CHECK_FALSE(c2->delivered_at.has_value());
  CHECK(AuditRows(db).size() == 2);
}

TEST_CASE("cli: a bad CSV row is reported with its line and nothing is imported", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  const std::size_t entries = AuditRows(db).size();
  const std::string file = dir.File("bad.csv");
  WriteFileText(file, std::string(kCsvHeader) +
                          "n-1,b-1,CNY,2026-01-10T08:00:00Z,,0,L1,SKU-1,Cup,1,100,true\n"
                          "n-2,b-1,CNY,2026-01-10T08:00:00Z,,0,L1,SKU-1,Cup,0,100,true\n"
                          "n-3,b-1,CNY,2026-01-10T08:00:00Z,2999-01-01T00:00:00Z,0,L1,SKU-1,Cup,1,100,true\n");
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(file + ":3: qty:") != std::string::npos);
  CHECK(r.err.find(file + ":4: delivered_at: must not be in the future") != std::string::npos);
  CHECK(r.err.find("nothing imported") != std::string::npos);
  CHECK_FALSE(StoredOrder(db, "n-1").has_value());
  CHECK(AuditRows(db).size() == entries);
}

TEST_CASE("cli: importing an order already stored imports nothing", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  const std::string file = dir.File("again.json");
  WriteFileText(file, "[\n" + OrderJson("o-9", "b-1").dump() + ",\n" + OrderJson("o-2", "b-1").dump() + "\n]\n");
  const CliResult r = RunCli({"orders", "import", file, "--db", db});
  INFO(Describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(file + ":3: order 'o-2' already exists") != std::string::npos);
  CHECK_FALSE(StoredOrder(db, "o-9").has_value());
  CHECK(AuditRows(db).size() == 3);
}

TEST_CASE("cli: orders import of a missing file exits 2", "[cli]") {
  TempDir dir;
  const CliResult r = RunCli({"orders", "import", dir.File("nope.csv"), "--db", dir.File("x.db")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("nope.csv") != std::string::npos);
}

TEST_CASE("cli: audit verify passes, then names the seq of an edited entry", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  const CliResult good = RunCli({"audit", "verify", "--db", db});
  INFO(Describe(good));
  REQUIRE(good.exit_code == 0);
  CHECK(good.out.find("3 entries") != std::string::npos);
  const std::vector<AuditRow> rows = AuditRows(db);
  CHECK(good.out.find("head: seq 3 hash " + rows.back().hash) != std::string::npos);

  DropAuditTriggers(db);
  RawSql(db, "UPDATE audit SET data = replace(data, '\"paid_total\":17700', '\"paid_total\":1') WHERE seq = 2");
  REQUIRE(AuditRows(db)[1].data.find("\"paid_total\":1,") != std::string::npos);
  const CliResult bad = RunCli({"audit", "verify", "--db", db});
  INFO(Describe(bad));
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("first bad seq 2") != std::string::npos);
  CHECK(bad.out.find("seq 2: hash mismatch") != std::string::npos);
}

TEST_CASE("cli: audit verify names the seq of a deleted entry", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  DropAuditTriggers(db);
  RawSql(db, "DELETE FROM audit WHERE seq = 1");
  const CliResult bad = RunCli({"audit", "verify", "--db", db});
  INFO(Describe(bad));
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("first bad seq 1") != std::string::npos);
}

TEST_CASE("cli: read commands refuse a missing database with exit 2", "[cli]") {
  TempDir dir;
  const std::string missing = dir.File("missing.db");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"audit", "verify", "--db", missing},
                                               {"audit", "export", "--db", missing},
                                               {"backup", dir.File("copy.db"), "--db", missing}}) {
    const CliResult r = RunCli(args);
    INFO(Describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("missing.db") != std::string::npos);
  }
  // Nothing was created on the way.
  CHECK(testing::ReadFileText(missing).empty());
  CHECK_FALSE(std::ifstream(missing).good());
}

TEST_CASE("cli: audit export writes one served entry per line", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  const std::vector<AuditRow> rows = AuditRows(db);

  const auto check_export = [&](const std::string& text) {
    const std::vector<std::string> lines = Lines(text);
    REQUIRE(lines.size() == rows.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const json entry = json::parse(lines[i]);
      CHECK(entry == AuditLog::ToJson(rows[i]));
      CHECK(entry["seq"] == static_cast<std::int64_t>(i + 1));
      CHECK(entry.size() == 10);
    }
  };
  const CliResult to_stdout = RunCli({"audit", "export", "--db", db});
  INFO(Describe(to_stdout));
  REQUIRE(to_stdout.exit_code == 0);
  check_export(to_stdout.out);

  const std::string out = dir.File("audit.jsonl");
  const CliResult to_file = RunCli({"audit", "export", "--db", db, "--out", out});
  INFO(Describe(to_file));
  REQUIRE(to_file.exit_code == 0);
  CHECK(to_file.out.empty());
  check_export(testing::ReadFileText(out));

  CHECK(RunCli({"audit", "export", "--db", db, "--out", dir.File("no/such/dir/x.jsonl")}).exit_code == 2);
}

TEST_CASE("cli: backup writes a sound copy and never overwrites", "[cli]") {
  TempDir dir;
  const std::string db = SeededDb(dir);
  const std::string copy = dir.File("backup.db");
  const CliResult r = RunCli({"backup", copy, "--db", db});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("bytes") != std::string::npos);
  CHECK(RawSql(copy, "PRAGMA integrity_check") == "ok");
  CHECK(RawSql(copy, "SELECT count(*) FROM orders") == "3");
  CHECK(RunCli({"audit", "verify", "--db", copy}).exit_code == 0);
  CHECK(AuditRows(copy).back().hash == AuditRows(db).back().hash);

  const CliResult again = RunCli({"backup", copy, "--db", db});
  CHECK(again.exit_code == 2);
  CHECK(RunCli({"backup", db, "--db", db}).exit_code == 2);  // least of all onto the live file
  CHECK(RunCli({"audit", "verify", "--db", db}).exit_code == 0);
}

// A database with one refund_only case approved by an agent an hour after
// its submit and refunded an hour later (2026-11-01), made in-process with
// the engine: 5 audit entries (policy, order, submit, approve, refund) and
// 5 staff events (approve, first_response, decision_on_time; refunded,
// closed_without_appeal).
std::string RefundedCaseDb(const TempDir& dir) {
  const std::string db = dir.File("reports.db");
  std::unique_ptr<SqliteStore> store = OpenStore(db);
  ManualClock clock(1793491200);  // 2026-11-01T00:00:00Z
  PolicyRegistry policies(*store);
  REQUIRE(policies.Initialize(DefaultPolicy(), clock.Now()).ok());
  CaseEngine cases_engine(*store, clock, policies);
  JsonApi cases(cases_engine);
  auto actor = [](const std::string& id, Role role) {
    Actor a;
    a.id = id;
    a.role = role;
    a.limit = 20000;
    return a;
  };
  {
    UserRow agent;
    agent.id = "u_agent";
    agent.name = "Li Na";
    agent.role = Role::kAgent;
    auto txn = store->BeginWrite();
    REQUIRE(txn.ok());
    const Status inserted = (*txn)->InsertUser(agent);
    INFO(inserted.message());
    REQUIRE(inserted.ok());
    REQUIRE((*txn)->Commit().ok());
  }
  json order = OrderJson("o-1", "b-1");
  order["placed_at"] = "2026-10-20T08:00:00Z";
  order["delivered_at"] = "2026-10-28T08:00:00Z";
  REQUIRE(cases.CreateOrder(actor("u_int", Role::kIntegration), order).ok());
  auto submitted = cases.Submit(actor("u_int", Role::kIntegration), json{{"order_id", "o-1"},
                                                                         {"type", "refund_only"},
                                                                         {"reason", "quality_issue"},
                                                                         {"lines", {{{"line_id", "L1"}, {"qty", 1}}}}});
  INFO(submitted.status().message());
  REQUIRE(submitted.ok());
  const std::string id = (*submitted)["id"];
  clock.Advance(3600);
  REQUIRE(cases.Apply(actor("u_agent", Role::kAgent), id, "approve", json::object()).ok());
  clock.Advance(3600);
  REQUIRE(cases.Apply(actor("u_fin", Role::kFinance), id, "refund_issued", json{{"external_ref", "P1"}}).ok());
  return db;
}

TEST_CASE("cli: report prints every report as JSON or CSV", "[cli][reports]") {
  TempDir dir;
  const std::string db = RefundedCaseDb(dir);

  const CliResult agents = RunCli({"report", "agents", "--db", db, "--format", "csv"});
  INFO(Describe(agents));
  REQUIRE(agents.exit_code == 0);
  CHECK(agents.out ==
        "user_id,name,role,decisions,approvals,rejections,offers,median_first_response_seconds,sla_breaches,"
        "overturned,refunded_amount,score\r\n"
        "u_agent,Li Na,agent,1,1,0,0,3600,0,0,7900,2\r\n");

  const CliResult card = RunCli({"report", "scorecard", "--db", db, "--period", "2026-11", "--user", "u_agent"});
  INFO(Describe(card));
  REQUIRE(card.exit_code == 0);
  const json doc = json::parse(card.out);
  CHECK(doc["period"] == "2026-11");
  CHECK(doc["items"][0]["points"] == 2);
  CHECK(doc["items"][0]["rank"] == 1);
  REQUIRE(doc["event_list"].size() == 2);
  CHECK(doc["event_list"][0] == json{{"seq", 4},
                                     {"at", "2026-11-01T01:00:00Z"},
                                     {"case_id", doc["event_list"][0]["case_id"]},
                                     {"kind", "decision_on_time"},
                                     {"points", 1}});
  CHECK(doc["event_list"][1]["seq"] == 5);

  for (const char* name : {"agents", "sla", "reasons", "warehouse", "finance", "scorecard"}) {
    const CliResult json_out = RunCli({"report", name, "--db", db});
    INFO(name << "\n" << Describe(json_out));
    CHECK(json_out.exit_code == 0);
    CHECK(json::parse(json_out.out, nullptr, false)["items"].is_array());
    const CliResult csv = RunCli({"report", name, "--db", db, "--format", "csv", "--from", "2026-11-01T00:00:00Z"});
    CHECK(csv.exit_code == 0);
    CHECK(csv.out.find("\r\n") != std::string::npos);
  }
  // compensation (SPEC §11.3) is two lists, not items; its CSV is both under a `section` column.
  const CliResult compensation = RunCli({"report", "compensation", "--db", db});
  INFO(Describe(compensation));
  CHECK(compensation.exit_code == 0);
  const json comp = json::parse(compensation.out, nullptr, false);
  CHECK(comp["by_reason"].size() == 5);
  CHECK(comp["by_agent"].is_array());
  const CliResult comp_csv = RunCli({"report", "compensation", "--db", db, "--format", "csv"});
  CHECK(comp_csv.exit_code == 0);
  CHECK(comp_csv.out.rfind("section,reason,", 0) == 0);
  CHECK(comp_csv.out.find("by_reason,late_shipment,") != std::string::npos);
}

TEST_CASE("cli: report scorecard --recompute checks the staff events against the audit log", "[cli][reports]") {
  TempDir dir;
  const std::string db = RefundedCaseDb(dir);
  const CliResult ok = RunCli({"report", "scorecard", "--db", db, "--recompute"});
  INFO(Describe(ok));
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "staff events match the audit log (5 events from 5 entries)\n");

  RawSql(db, "DELETE FROM staff_events WHERE seq = 5 AND kind = 'refunded'");
  const CliResult tampered = RunCli({"report", "scorecard", "--db", db, "--recompute"});
  INFO(Describe(tampered));
  CHECK(tampered.exit_code == 1);
  CHECK(tampered.out.find("seq 5") != std::string::npos);
  CHECK(tampered.out.find("refunded of u_agent") != std::string::npos);
  CHECK(tampered.out.find("missing from the table") != std::string::npos);
}

TEST_CASE("cli: report completes the report tables of an upgraded database first", "[cli][reports]") {
  TempDir dir;
  const std::string db = RefundedCaseDb(dir);
  const CliResult before = RunCli({"report", "agents", "--db", db, "--format", "csv"});
  REQUIRE(before.exit_code == 0);
  // As a database from before schema version 3 would be after its upgrade.
  RawSql(db, "DELETE FROM staff_events");
  RawSql(db, "DELETE FROM case_facts");
  RawSql(db, "DELETE FROM case_fact_lines");
  const CliResult after = RunCli({"report", "agents", "--db", db, "--format", "csv"});
  INFO(Describe(after));
  REQUIRE(after.exit_code == 0);
  CHECK(after.out == before.out);
  CHECK(after.err.find("report facts built for 1 cases") != std::string::npos);
  CHECK(after.err.find("staff events rebuilt from the audit log") != std::string::npos);
  CHECK(RunCli({"report", "scorecard", "--db", db, "--recompute"}).exit_code == 0);
}

TEST_CASE("cli: report refuses what it cannot run with exit 2", "[cli][reports]") {
  TempDir dir;
  const std::string db = RefundedCaseDb(dir);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"report", "nonsense", "--db", db},
           {"report", "agents", "--db", dir.File("missing.db")},
           {"report", "agents", "--db", db, "--recompute"},
           {"report", "agents", "--db", db, "--user", "u_agent"},
           {"report", "sla", "--db", db, "--currency", "CNY"},
           {"report", "agents", "--db", db, "--from", "yesterday"},
           {"report", "agents", "--db", db, "--period", "2026-11", "--to", "2026-12-01T00:00:00Z"},
           {"report", "agents", "--db", db, "--format", "xml"},
           {"report", "scorecard", "--db", db, "--user", "not an id"}}) {
    const CliResult r = RunCli(args);
    INFO(args[1] << " " << args.back() << "\n" << Describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("missing.db")));
  // A well-formed id of no user is a finding, not a usage error.
  CHECK(RunCli({"report", "scorecard", "--db", db, "--user", "u_nobody"}).exit_code == 1);
}

}  // namespace
}  // namespace aftersales
