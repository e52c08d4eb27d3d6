// A fresh PostgreSQL database per test, on the throwaway server that
// scripts/pg-test-cluster.sh starts (the CTest fixture `postgres`,
// tests/CMakeLists.txt). The storage tests run on PostgreSQL when the
// environment variable AFTERSALES_TEST_POSTGRES names the file holding that
// server's URI (DIR/uri); see StoreFixture in tests/db/db_test_util.h.
#pragma once

#include <optional>
#include <string>

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

}  // namespace aftersales::testing
