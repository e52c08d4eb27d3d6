// SqliteConnection: one SQLite database handle, configured as the store
// needs it (WAL, synchronous=FULL, foreign keys, busy timeout, extended
// result codes), with a cache of prepared statements keyed by SQL text.
//
// Internal to db/. Not thread-safe: the store's writer mutex or its reader
// pool guarantees that one thread at a time uses a connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "db/sqlite/sqlite_statement.h"
#include "domain/status.h"

struct sqlite3;

namespace aftersales::sqlite {

enum class OpenMode {
  kReadWrite,  // creates the file if missing; switches it to WAL
  kReadOnly,   // never creates or writes the file
};

// Milliseconds a statement waits for a lock held by another connection.
constexpr int kBusyTimeoutMillis = 5000;

class SqliteConnection final : public sql::Connection {
 public:
  // Opens `path` and applies the pragmas: busy_timeout=5000,
  // foreign_keys=ON, synchronous=FULL and, for kReadWrite, journal_mode=WAL
  // and temp_store=MEMORY.
  // Errors: unavailable, naming the path (missing directory, not a
  // database, read-only file system, WAL refused, ...).
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, OpenMode mode);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A prepared statement for `sql`, unbound and rewound. The cached copy is
  // reused when free; while it is leased (a nested query with the same
  // text), a one-off statement is prepared instead. Errors: unavailable.
  Result<sql::StatementHandle> Prepare(std::string_view sql) override;
  // Runs a statement without parameters to completion, discarding rows
  // (BEGIN, COMMIT, SAVEPOINT, DDL). Errors: unavailable.
  Status Exec(std::string_view sql) override;
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t Changes() const override;
  std::int64_t LastInsertRowid() const override;
  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  // Whether a transaction is open (SQLite is not in autocommit mode).
  bool InTransaction() const;
  // Whether the open transaction has deferred foreign key violations that
  // COMMIT would refuse.
  bool DeferredForeignKeysPending() const;

  // Unavailable status for SQLite code `rc`, with the connection's message.
  Status ErrorStatus(int rc, std::string_view context) const;
  const std::string& path() const { return path_; }
  // The raw handle, for the backup API only.
  sqlite3* raw() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::string path);
  void EvictIdleStatements();

  sqlite3* db_;
  std::string path_;
  // Keyed by a view of the statement's own SQL text (stable while cached),
  // so that a look-up copies nothing.
  std::unordered_map<std::string_view, std::unique_ptr<SqliteStatement>> cache_;
};

}  // namespace aftersales::sqlite
