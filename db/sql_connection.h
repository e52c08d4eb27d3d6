// The seam between the store's SQL and a database driver. The store's
// queries and writes are written once (db/sql_reads.h, db/sql_write_txn.h)
// against sql::Connection and sql::Statement; db/sqlite/ and db/postgres/
// implement them over SQLite and libpq.
//
// SQL text is written once, in the portable subset of SQLite's dialect that
// PostgreSQL shares, with `?` for parameters, bound left to right. The
// PostgreSQL driver rewrites, when it prepares (db/postgres/pg_dialect.h),
// the three spellings that differ: `?` becomes $1, $2, ...; a batch read's
// id list `SELECT value FROM json_each(?)` becomes
// `SELECT json_array_elements_text(?::json)`; SQLite's `INDEXED BY name`
// hint is dropped.
//
// Internal to db/. Not thread-safe: one thread at a time uses a connection
// and the statements it handed out.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace aftersales::sql {

enum class Dialect { kSqlite, kPostgres };

class Statement {
 public:
  virtual ~Statement() = default;

  // Binders fill parameters left to right (the first call binds the first
  // `?`). A bind failure is remembered and reported by the next Step()/Run().
  virtual Statement& BindInt(std::int64_t value) = 0;
  virtual Statement& BindText(std::string_view value) = 0;
  virtual Statement& BindNull() = 0;
  Statement& BindOptInt(const std::optional<std::int64_t>& value) { return value ? BindInt(*value) : BindNull(); }
  Statement& BindOptText(const std::optional<std::string>& value) { return value ? BindText(*value) : BindNull(); }

  // Advances: true when a row is available, false when done. Errors:
  // unavailable, naming the database's message; the connection is marked
  // failed unless the error is a constraint violation that the database
  // undid at the statement level (see UniquenessViolated()).
  virtual Result<bool> Step() = 0;
  // Steps once and expects no row (INSERT/UPDATE/DELETE). Errors as Step().
  Status Run() {
    Result<bool> row = Step();
    return row.ok() ? Status::Ok() : row.status();
  }

  // Whether the last Step() failed on a PRIMARY KEY or UNIQUE constraint.
  virtual bool UniquenessViolated() const = 0;

  // Column reads of the current row (0-based). NULL reads as 0 / "".
  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t ColumnInt(int column) const = 0;
  // The text of `column` without a copy: valid until the next Step() or
  // the end of the lease. NULL reads as "".
  virtual std::string_view ColumnView(int column) const = 0;
  std::string ColumnText(int column) const { return std::string(ColumnView(column)); }
  std::optional<std::int64_t> ColumnOptInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return ColumnInt(column);
  }
  std::optional<std::string> ColumnOptText(int column) const {
    if (IsNull(column)) return std::nullopt;
    return ColumnText(column);
  }

  // Clears bindings and results, ready for the next lease.
  virtual void Reset() = 0;

  bool in_use() const { return in_use_; }
  void set_in_use(bool in_use) { in_use_ = in_use; }

 private:
  bool in_use_ = false;
};

// A lease on a statement: resets it (and returns it to its connection's
// cache, or destroys a one-off statement) when destroyed. Movable only.
class StatementHandle {
 public:
  // A cached statement, marked in use until this handle goes away.
  explicit StatementHandle(Statement* cached) : stmt_(cached) { stmt_->set_in_use(true); }
  // A one-off statement owned by the handle.
  explicit StatementHandle(std::unique_ptr<Statement> owned) : stmt_(owned.get()), owned_(std::move(owned)) {
    stmt_->set_in_use(true);
  }
  StatementHandle(StatementHandle&& other) noexcept : stmt_(other.stmt_), owned_(std::move(other.owned_)) {
    other.stmt_ = nullptr;
  }
  StatementHandle& operator=(StatementHandle&&) = delete;
  StatementHandle(const StatementHandle&) = delete;
  StatementHandle& operator=(const StatementHandle&) = delete;
  ~StatementHandle() {
    if (stmt_ == nullptr) return;
    stmt_->Reset();
    stmt_->set_in_use(false);
  }

  Statement& operator*() const { return *stmt_; }
  Statement* operator->() const { return stmt_; }

 private:
  Statement* stmt_;
  std::unique_ptr<Statement> owned_;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  // A prepared statement for `sql`, unbound. The cached copy is reused when
  // free; while it is leased (a nested query with the same text), a one-off
  // statement is made instead. Errors: unavailable.
  virtual Result<StatementHandle> Prepare(std::string_view sql) = 0;
  // Runs a statement without parameters to completion, discarding rows
  // (BEGIN, COMMIT, SAVEPOINT, DDL). Errors: unavailable.
  virtual Status Exec(std::string_view sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  virtual std::int64_t Changes() const = 0;
  // The id of the row the last INSERT on this connection made, where the
  // database keeps one (SQLite's rowid); 0 elsewhere, where an INSERT names
  // its new id with RETURNING.
  virtual std::int64_t LastInsertRowid() const { return 0; }

  // Set when a statement failed for any reason other than a constraint:
  // the surrounding transaction may be gone and must not be committed.
  // Each change from not failed to failed adds one to the failure counter,
  // when one is set.
  bool failed() const { return failed_; }
  void MarkFailed() {
    if (!failed_ && failures_ != nullptr) failures_->fetch_add(1, std::memory_order_relaxed);
    failed_ = true;
  }
  void ClearFailed() { failed_ = false; }
  // The store's failure counter (Store::FailureCount); null: none.
  void CountFailuresIn(std::atomic<std::int64_t>* failures) { failures_ = failures; }

 private:
  bool failed_ = false;
  std::atomic<std::int64_t>* failures_ = nullptr;
};

}  // namespace aftersales::sql
