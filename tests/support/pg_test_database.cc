#include "tests/support/pg_test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace aftersales::testing {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;

void IgnoreNotice(void*, const char*) {}

// A connection to the server's maintenance database; throws when it fails.
Conn Connect(const std::string& server_uri) {
  // The URI is expanded; the later keywords add to it.
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {server_uri.c_str(), "10", "aftersales-tests", nullptr};
  Conn conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test PostgreSQL server " + server_uri + ": " +
                             (conn ? PQerrorMessage(conn.get()) : "out of memory") +
                             " (is the CTest fixture postgres_cluster_start done? scripts/pg-test-cluster.sh)");
  }
  // No NOTICE lines in the tests' output (DROP DATABASE IF EXISTS of a
  // database that is not there).
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return conn;
}

// A connection to the database at `uri` for raw SQL; throws when it fails.
Conn ConnectTo(const std::string& uri) {
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {uri.c_str(), "10", "aftersales-tests-raw", nullptr};
  Conn conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + uri + ": " + (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return conn;
}

struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Runs `sql` (one or more statements); the last statement's result.
// Throws with the server's message when a statement fails.
ResultPtr Run(PGconn* conn, const std::string& sql) {
  ResultPtr res(PQexec(conn, sql.c_str()));
  const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql + ": " + (res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn)));
  }
  return res;
}

std::vector<std::vector<std::optional<std::string>>> RowsOf(const PGresult* res) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (int r = 0; r < PQntuples(res); ++r) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < PQnfields(res); ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Runs a command; the server's message when it fails, "" when it worked.
std::string Exec(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  std::string error;
  if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
    error = sql + ": " + (res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  }
  PQclear(res);
  return error;
}

std::atomic<int> next_database{0};

}  // namespace

std::optional<std::string> PostgresTestServerUri() {
  const char* file = std::getenv("AFTERSALES_TEST_POSTGRES");
  if (file == nullptr || *file == '\0') return std::nullopt;
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error(std::string("AFTERSALES_TEST_POSTGRES names ") + file +
                             ", which cannot be read: the test PostgreSQL server is not running"
                             " (the CTest fixture postgres_cluster_start, scripts/pg-test-cluster.sh)");
  }
  std::string uri;
  in >> uri;  // one word: the file holds the URI and a newline
  if (uri.empty()) throw std::runtime_error(std::string("AFTERSALES_TEST_POSTGRES names ") + file + ", which is empty");
  return uri;
}

std::string WithDatabase(const std::string& uri, const std::string& database) {
  const std::size_t scheme = uri.find("://");
  if (scheme == std::string::npos) throw std::runtime_error("not a postgresql:// URI: " + uri);
  // Hosts in a URI never hold a raw '/' (a socket directory is %2F-encoded).
  const std::size_t path = uri.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return uri + "/" + database;
  const std::size_t query = uri.find('?', path);
  return uri.substr(0, path) + "/" + database + (query == std::string::npos ? "" : uri.substr(query));
}

PgTestDatabase::PgTestDatabase(std::string server_uri) : server_uri_(std::move(server_uri)) {
  name_ = "t_" + std::to_string(static_cast<long>(getpid())) + "_" + std::to_string(next_database++);
  uri_ = WithDatabase(server_uri_, name_);
  Conn conn = Connect(server_uri_);
  // A database of an earlier process with the same pid that died before
  // its drop: nobody uses it any more.
  std::string error = Exec(conn.get(), "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
  if (error.empty()) error = Exec(conn.get(), "CREATE DATABASE \"" + name_ + "\" TEMPLATE template0");
  if (!error.empty()) throw std::runtime_error("cannot create the test database: " + error);
}

PgTestDatabase::~PgTestDatabase() {
  try {
    Conn conn = Connect(server_uri_);
    const std::string error = Exec(conn.get(), "DROP DATABASE \"" + name_ + "\" WITH (FORCE)");
    if (!error.empty()) std::fprintf(stderr, "cannot drop the test database %s: %s\n", name_.c_str(), error.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot drop the test database %s: %s\n", name_.c_str(), e.what());
  }
}

namespace {

// The advisory lock keys of the pool: (kPoolLockClass, n) claims pool_<n>.
constexpr int kPoolLockClass = 0x7e57;  // "test"
// More than any number of fixtures alive at once across the test processes.
constexpr int kPoolSize = 256;

bool DatabaseExists(PGconn* server, const std::string& name) {
  return PQntuples(Run(server, "SELECT 1 FROM pg_database WHERE datname = '" + name + "'").get()) == 1;
}

// Deletes every row of every table of the database at `uri` but
// schema_migrations, and restarts its sequences; the error, or "" when it
// worked.
std::string Empty(const std::string& uri) {
  try {
    Conn conn = ConnectTo(uri);
    // A connection of a store that is still open would make the fixture
    // wait here for ever; after this the database is dropped instead.
    Run(conn.get(), "SET lock_timeout = '10s'");
    std::string sql = "BEGIN; SET LOCAL session_replication_role = replica;";  // no foreign key checks
    for (const auto& row : RowsOf(Run(conn.get(),
                                      "SELECT table_name FROM information_schema.tables"
                                      " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                                      " AND table_name <> 'schema_migrations'")
                                      .get())) {
      sql += " DELETE FROM \"" + row.at(0).value_or("") + "\";";
    }
    for (const auto& row : RowsOf(Run(conn.get(),
                                      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                      " WHERE c.relkind = 'S' AND n.nspname = current_schema()")
                                      .get())) {
      sql += " ALTER SEQUENCE \"" + row.at(0).value_or("") + "\" RESTART;";
    }
    Run(conn.get(), sql + " COMMIT;");
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

struct PgReusedTestDatabase::Claim {
  Conn server;
};

PgReusedTestDatabase::PgReusedTestDatabase(const std::string& server_uri)
    : claim_(std::make_unique<Claim>(Claim{Connect(server_uri)})) {
  PGconn* server = claim_->server.get();
  int slot = -1;
  for (int n = 0; n < kPoolSize && slot < 0; ++n) {
    const ResultPtr res =
        Run(server, "SELECT pg_try_advisory_lock(" + std::to_string(kPoolLockClass) + ", " + std::to_string(n) + ")");
    if (std::string(PQgetvalue(res.get(), 0, 0)) == "t") slot = n;
  }
  if (slot < 0) throw std::runtime_error("all " + std::to_string(kPoolSize) + " test databases are in use");
  name_ = "pool_" + std::to_string(slot);
  uri_ = WithDatabase(server_uri, name_);
  if (DatabaseExists(server, name_)) {
    const std::string error = Empty(uri_);
    if (error.empty()) return;
    std::fprintf(stderr, "cannot empty the test database %s (%s): creating it afresh\n", name_.c_str(),
                 error.c_str());
    const std::string dropped = Exec(server, "DROP DATABASE \"" + name_ + "\" WITH (FORCE)");
    if (!dropped.empty()) throw std::runtime_error("cannot drop the test database: " + dropped);
  }
  const std::string created = Exec(server, "CREATE DATABASE \"" + name_ + "\" TEMPLATE template0");
  if (!created.empty()) throw std::runtime_error("cannot create the test database: " + created);
}

PgReusedTestDatabase::~PgReusedTestDatabase() = default;

void PgExec(const std::string& uri, const std::string& sql) {
  Conn conn = ConnectTo(uri);
  Run(conn.get(), sql);
}

std::vector<std::vector<std::optional<std::string>>> PgQuery(const std::string& uri, const std::string& sql) {
  Conn conn = ConnectTo(uri);
  return RowsOf(Run(conn.get(), sql).get());
}

std::string PgDump(const std::string& uri) {
  Conn conn = ConnectTo(uri);
  // One snapshot for every table.
  Run(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  std::vector<std::string> tables;
  for (const auto& row : RowsOf(Run(conn.get(),
                                    "SELECT table_name FROM information_schema.tables"
                                    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                                    // The store's bookkeeping of its connections (pg_store.h).
                                    " AND table_name <> 'commit_marks'"
                                    " ORDER BY table_name COLLATE \"C\"")
                                    .get())) {
    tables.push_back(row.at(0).value_or(""));
  }
  std::string out;
  for (const std::string& table : tables) {
    out += "== " + table + "\n";
    const std::string quoted = "\"" + table + "\"";
    const std::string sql = "SELECT r FROM (SELECT t::text AS r FROM " + quoted + " t) s ORDER BY r COLLATE \"C\"";
    for (const auto& row : RowsOf(Run(conn.get(), sql).get())) {
      out += row.at(0).value_or("NULL");
      out += '\n';
    }
  }
  Run(conn.get(), "COMMIT");
  return out;
}

}  // namespace aftersales::testing
