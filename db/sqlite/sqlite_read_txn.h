// SqliteReadTxn: a ReadTxn of the SQLite store, the shared reads
// (db/sql_reads.h) on a pooled read-only connection.
//
// Internal to db/. A transaction object belongs to one thread.
#pragma once

#include <functional>
#include <memory>

#include "db/sql_reads.h"
#include "db/sqlite/sqlite_connection.h"

namespace aftersales::sqlite {

// A read-only snapshot: BEGIN on a pooled connection at construction,
// ROLLBACK and return of the connection to `release` at destruction.
class SqliteReadTxn final : public sql::SqlReads<ReadTxn> {
 public:
  using Release = std::function<void(std::unique_ptr<SqliteConnection>)>;
  // Begins the snapshot on `conn`. Errors: unavailable (the connection is
  // handed back to `release`, which may discard it).
  static Result<std::unique_ptr<ReadTxn>> Begin(std::unique_ptr<SqliteConnection> conn, Release release);
  ~SqliteReadTxn() override;

 private:
  SqliteReadTxn(std::unique_ptr<SqliteConnection> conn, Release release);

  std::unique_ptr<SqliteConnection> owned_;
  Release release_;
};

}  // namespace aftersales::sqlite
