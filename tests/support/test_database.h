// TestDatabase: where a test fixture keeps its data, on either backend. A
// SQLite file at the path it is given; or, when the environment variable
// AFTERSALES_TEST_POSTGRES names the file holding the test PostgreSQL
// server's URI (the CTest runs "postgres:...", tests/CMakeLists.txt), a
// PostgreSQL database of its own, empty, with the schema applied, and
// nobody else's while the fixture lives (PgReusedTestDatabase,
// tests/support/pg_test_database.h). OpenStore() opens a store on it, as
// often as wanted: a restart opens the same file or database again.
//
// Also raw SQL on a database outside any store, as someone holding the
// database could run it (tampering, probes of rows the Store interface does
// not show), and a dump of every row to compare states. These take a
// location: a SQLite file's path or a PostgreSQL URI (TestDatabase's
// location()). The SQL must be valid on the backend it runs on; plain
// statements (SELECT, UPDATE, DELETE, INSERT with literals) are on both.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "engine/store/store.h"

namespace aftersales::testing {

class PgReusedTestDatabase;

// The rows of a query, each column as text, NULL as nullopt.
using SqlRows = std::vector<std::vector<std::optional<std::string>>>;

// Whether `location` is a PostgreSQL URI rather than a SQLite file.
bool IsPostgresLocation(const std::string& location);
// Runs `sql` (one or more statements; on PostgreSQL one transaction unless
// they say BEGIN and COMMIT) on a connection of its own. Throws
// std::runtime_error naming the SQL and the database's error.
void ExecSql(const std::string& location, const std::string& sql);
// The rows of the query `sql`. Throws as ExecSql.
SqlRows QuerySql(const std::string& location, const std::string& sql);
// `s` as an SQL string literal ('it''s'), for both backends.
std::string SqlQuote(const std::string& s);
// Every row of every table in a stable order, as text: equal dumps of the
// same backend mean equal contents. On SQLite each table's rows by their
// first column (the file opened read-only); on PostgreSQL see PgDump.
std::string DumpDatabase(const std::string& location);

class TestDatabase {
 public:
  // `sqlite_path`: the file used on SQLite (in the fixture's temporary
  // directory). Throws std::runtime_error when AFTERSALES_TEST_POSTGRES is
  // set but the database cannot be created.
  explicit TestDatabase(std::string sqlite_path);
  // Every store on the database must be closed by then (PostgreSQL: the
  // database goes back to the pool).
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Whether the database is a PostgreSQL one.
  bool postgres() const { return postgres_ != nullptr; }
  // The SQLite file's path, or the PostgreSQL database's URI.
  const std::string& location() const;
  // The SQLite file's path. On PostgreSQL it throws std::runtime_error
  // (there is no file): tag the test [sqlite].
  const std::string& sqlite_path() const;

  // A store on the database: a SqliteStore or a PgStore, with `clock`
  // (the system clock when null) for what the store stamps itself. Throws
  // std::runtime_error with the store's message when it cannot be opened.
  std::unique_ptr<Store> OpenStore(const Clock* clock = nullptr) const;

  // DumpDatabase, ExecSql and QuerySql on this database.
  std::string Dump() const { return DumpDatabase(location()); }
  void Exec(const std::string& sql) const { ExecSql(location(), sql); }
  SqlRows Query(const std::string& sql) const { return QuerySql(location(), sql); }

 private:
  std::string sqlite_path_;
  std::unique_ptr<PgReusedTestDatabase> postgres_;
};

}  // namespace aftersales::testing
