// SqliteStatement: one prepared SQLite statement with positional binding and
// typed column reads, and StatementHandle, the RAII lease through which a
// SqliteConnection hands a (usually cached) statement to one caller.
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

#include "domain/status.h"

struct sqlite3_stmt;

namespace aftersales::sqlite {

class SqliteConnection;

class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& conn, sqlite3_stmt* stmt, std::string sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binders fill parameters left to right (the first call binds ?1). A bind
  // failure is remembered and reported by the next Step()/Run().
  SqliteStatement& BindInt(std::int64_t value);
  SqliteStatement& BindText(std::string_view value);
  SqliteStatement& BindNull();
  SqliteStatement& BindOptInt(const std::optional<std::int64_t>& value);
  SqliteStatement& BindOptText(const std::optional<std::string>& value);

  // Advances: true when a row is available, false when done. Errors:
  // unavailable, naming the SQLite message; the connection is marked failed
  // unless the error is a constraint violation (which SQLite undoes at the
  // statement level; see UniquenessViolated()).
  Result<bool> Step();
  // Steps once and expects no row (INSERT/UPDATE/DELETE). Errors as Step().
  Status Run();

  // Whether the last Step() failed on a PRIMARY KEY or UNIQUE constraint.
  bool UniquenessViolated() const;

  // Column reads of the current row (0-based). NULL reads as 0 / "".
  bool IsNull(int column) const;
  std::int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  std::optional<std::int64_t> ColumnOptInt(int column) const;
  std::optional<std::string> ColumnOptText(int column) const;
  // The text of `column` without a copy: valid until the next Step(),
  // Reset() or column read of another type. NULL reads as "".
  std::string_view ColumnView(int column) const;

  // Clears bindings and rewinds, ready for the next lease.
  void Reset();

  const std::string& sql() const { return sql_; }
  bool in_use() const { return in_use_; }
  void set_in_use(bool in_use) { in_use_ = in_use; }

 private:
  SqliteConnection& conn_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  int next_param_ = 1;
  int bind_error_ = 0;  // first failed bind's SQLite code, 0 when none
  int last_error_ = 0;  // extended code of the last failed Step, 0 when none
  bool in_use_ = false;
};

// A lease on a statement: resets it (and returns it to its connection's
// cache, or finalizes a one-off statement) when destroyed. Movable only.
class StatementHandle {
 public:
  // A cached statement, marked in use until this handle goes away.
  explicit StatementHandle(SqliteStatement* cached);
  // A one-off statement owned by the handle.
  explicit StatementHandle(std::unique_ptr<SqliteStatement> owned);
  StatementHandle(StatementHandle&& other) noexcept;
  StatementHandle& operator=(StatementHandle&&) = delete;
  StatementHandle(const StatementHandle&) = delete;
  StatementHandle& operator=(const StatementHandle&) = delete;
  ~StatementHandle();

  SqliteStatement& operator*() const { return *stmt_; }
  SqliteStatement* operator->() const { return stmt_; }

 private:
  SqliteStatement* stmt_;
  std::unique_ptr<SqliteStatement> owned_;
};

}  // namespace aftersales::sqlite
