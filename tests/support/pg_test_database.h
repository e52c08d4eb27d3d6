// A fresh PostgreSQL database per test, on the throwaway server that
// scripts/pg-test-cluster.sh starts (the CTest fixture `postgres`,
// tests/CMakeLists.txt), and raw SQL on it. The storage, engine and HTTP
// tests run on PostgreSQL when the environment variable
// AFTERSALES_TEST_POSTGRES names the file holding that server's URI
// (DIR/uri): see StoreFixture (tests/db/db_test_util.h) and TestDatabase
// (tests/support/test_database.h, for EngineHarness and WebFixture).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aftersales::testing {

// The server's URI (postgresql://...) read from the file that
// AFTERSALES_TEST_POSTGRES names; nullopt when the variable is unset or
// empty (the tests then use SQLite). Throws std::runtime_error when the file
// cannot be read or holds no URI: the fixture did not start the server.
std::optional<std::string> PostgresTestServerUri();

// `uri` with its database name replaced by `database` (a name of letters,
// digits and '_'): postgresql://u@h:1/postgres?x=y -> postgresql://u@h:1/<database>?x=y.
std::string WithDatabase(const std::string& uri, const std::string& database);

// Creates the database t_<pid>_<n> (n counts per process) on the server at
// `server_uri`, from template0, and drops it (WITH (FORCE)) when destroyed:
// every connection to it must be closed by then (the store destroyed).
// Throws std::runtime_error with the server's message when it cannot create
// it; a failed drop is reported on stderr.
class PgTestDatabase {
 public:
  explicit PgTestDatabase(std::string server_uri);
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The URI of the new database, for PgStore::Open.
  const std::string& uri() const { return uri_; }

 private:
  std::string server_uri_;
  std::string name_;
  std::string uri_;
};

// A database of the test server for one fixture, emptied rather than
// created: CREATE DATABASE costs about a second on a server that syncs (it
// writes and syncs a copy of template0) and the engine and HTTP suites open
// a few hundred fixtures, while emptying a database takes milliseconds.
// The databases (pool_<n>) are shared by every test process on the server:
// a fixture claims one with a session advisory lock in the server's
// maintenance database, held by a connection of its own until the fixture
// goes away (or its process dies), then deletes every row of every table
// but schema_migrations (the schema stays migrated; its row of the first
// opening stays) and restarts every sequence, so that ids start at 1 again.
// A database that cannot be emptied is dropped and created afresh; a
// database no fixture claimed yet is created. For fixtures whose tests
// change rows only (not the schema, nor the migrations).
class PgReusedTestDatabase {
 public:
  // Throws std::runtime_error with the server's message when no database
  // can be had.
  explicit PgReusedTestDatabase(const std::string& server_uri);
  // Gives the database back as it is (every store on it closed first).
  ~PgReusedTestDatabase();
  PgReusedTestDatabase(const PgReusedTestDatabase&) = delete;
  PgReusedTestDatabase& operator=(const PgReusedTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The URI of the database, for PgStore::Open.
  const std::string& uri() const { return uri_; }

 private:
  struct Claim;
  std::unique_ptr<Claim> claim_;  // the connection holding the advisory lock
  std::string name_;
  std::string uri_;
};

// Raw SQL on the database at `uri` through a connection of its own, outside
// any store, as someone holding the database could run it. Several
// statements may be given in one string: they run in one transaction unless
// they say BEGIN and COMMIT themselves. Both throw std::runtime_error with
// the SQL and the server's message when it fails.
void PgExec(const std::string& uri, const std::string& sql);
// The rows of one query as text (PostgreSQL's output form), NULL as nullopt.
std::vector<std::vector<std::optional<std::string>>> PgQuery(const std::string& uri, const std::string& sql);

// Every row of every table of the database at `uri` (its current schema),
// tables by name, each row as its text form (`(1,abc,)`), rows sorted
// bytewise: two dumps are equal when the tables hold the same rows,
// whatever the physical order. Sequences are not tables: a failed
// transaction's used identity values do not show.
std::string PgDump(const std::string& uri);

}  // namespace aftersales::testing
