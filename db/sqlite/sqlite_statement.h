// SqliteStatement: one prepared SQLite statement, the sql::Statement of the
// SQLite driver (db/sql_connection.h), leased to one caller at a time by a
// SqliteConnection through sql::StatementHandle.
//
// Internal to db/: nothing outside this folder includes it. Values are only
// ever bound as parameters, never spliced into SQL text. Not thread-safe: a
// statement belongs to its connection, which one thread uses at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "db/sql_connection.h"
#include "domain/status.h"

struct sqlite3_stmt;

namespace aftersales::sqlite {

class SqliteConnection;
using sql::StatementHandle;

class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(SqliteConnection& conn, sqlite3_stmt* stmt, std::string sql);
  ~SqliteStatement() override;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // See sql::Statement (db/sql_connection.h).
  SqliteStatement& BindInt(std::int64_t value) override;
  SqliteStatement& BindText(std::string_view value) override;
  SqliteStatement& BindNull() override;
  Result<bool> Step() override;
  bool UniquenessViolated() const override;
  bool IsNull(int column) const override;
  std::int64_t ColumnInt(int column) const override;
  std::string_view ColumnView(int column) const override;
  void Reset() override;

  const std::string& sql() const { return sql_; }

 private:
  SqliteConnection& conn_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  int next_param_ = 1;
  int bind_error_ = 0;  // first failed bind's SQLite code, 0 when none
  int last_error_ = 0;  // extended code of the last failed Step, 0 when none
};

}  // namespace aftersales::sqlite
