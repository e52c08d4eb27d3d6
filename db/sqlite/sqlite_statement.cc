#include "db/sqlite/sqlite_statement.h"

#include <sqlite3.h>

#include <utility>

#include "db/sqlite/sqlite_connection.h"

namespace aftersales::sqlite {

SqliteStatement::SqliteStatement(SqliteConnection& conn, sqlite3_stmt* stmt, std::string sql)
    : conn_(conn), stmt_(stmt), sql_(std::move(sql)) {}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::BindInt(std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_param_++, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::BindText(std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so temporaries are safe.
  int rc = sqlite3_bind_text64(stmt_, next_param_++, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::BindNull() {
  int rc = sqlite3_bind_null(stmt_, next_param_++);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> SqliteStatement::Step() {
  last_error_ = 0;
  if (bind_error_ != 0) {
    conn_.MarkFailed();
    return conn_.ErrorStatus(bind_error_, "binding parameters of: " + sql_);
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_error_ = sqlite3_extended_errcode(sqlite3_db_handle(stmt_));
  if ((rc & 0xff) != SQLITE_CONSTRAINT) conn_.MarkFailed();
  return conn_.ErrorStatus(rc, sql_);
}

bool SqliteStatement::UniquenessViolated() const {
  return last_error_ == SQLITE_CONSTRAINT_PRIMARYKEY || last_error_ == SQLITE_CONSTRAINT_UNIQUE;
}

bool SqliteStatement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view SqliteStatement::ColumnView(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string_view();
  // Length after the text conversion above, as the SQLite docs require.
  int size = sqlite3_column_bytes(stmt_, column);
  return std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

void SqliteStatement::Reset() {
  // sqlite3_reset repeats the last step's error code; it was reported already.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  next_param_ = 1;
  bind_error_ = 0;
  last_error_ = 0;
}

}  // namespace aftersales::sqlite
