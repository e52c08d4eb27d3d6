#include "db/sqlite/sqlite_read_txn.h"

#include <utility>

namespace aftersales::sqlite {

Result<std::unique_ptr<ReadTxn>> SqliteReadTxn::Begin(std::unique_ptr<SqliteConnection> conn, Release release) {
  conn->ClearFailed();
  Status s = conn->Exec("BEGIN");
  if (!s.ok()) {
    release(std::move(conn));
    return s;
  }
  return std::unique_ptr<ReadTxn>(new SqliteReadTxn(std::move(conn), std::move(release)));
}

SqliteReadTxn::SqliteReadTxn(std::unique_ptr<SqliteConnection> conn, Release release)
    : sql::SqlReads<ReadTxn>(*conn), owned_(std::move(conn)), release_(std::move(release)) {}

SqliteReadTxn::~SqliteReadTxn() {
  // Nothing to keep: ROLLBACK ends the snapshot so that checkpoints can
  // move past it. A connection that cannot end it is not reused.
  if (owned_->InTransaction() && !owned_->Exec("ROLLBACK").ok()) owned_->MarkFailed();
  release_(std::move(owned_));
}

}  // namespace aftersales::sqlite
