// PgConnection: one libpq connection to a PostgreSQL database, configured as
// the store needs it (client_encoding UTF8, a connect timeout), and
// PgStatement, the statements it hands out through sql::StatementHandle,
// cached by SQL text as SqliteConnection caches its own.
//
// Statements keep the store's `?` placeholders; Prepare rewrites each `?`
// outside string literals, quoted identifiers and comments to $1, $2, ...
// (so PostgreSQL's jsonb operators `?`, `?|`, `?&` cannot be written: use
// jsonb_exists() and friends). A statement runs at its first Step(): the
// values bound are sent as text, typed by their binders (BindInt: int8,
// BindText: text, BindNull: left to the server), over a server-side prepared
// statement made once per connection for each (text, types) pair; the whole
// result is fetched, and Step() walks its rows. Parameters left unbound are
// NULL, as in SQLite. Prepared statements survive ROLLBACK; DEALLOCATE ALL or
// DISCARD ALL on the connection would fail the next statement once (26000),
// after which they are made again.
//
// Statement-level rollback, as SQLite does it: PostgreSQL aborts the whole
// transaction on any error, so inside a transaction an INSERT, UPDATE,
// DELETE or MERGE (or a WITH that may hold one) runs inside
// `SAVEPOINT pg_stmt` … `RELEASE SAVEPOINT pg_stmt`, all sent in one round
// trip (libpq pipeline mode); when it fails the savepoint is rolled back and
// the transaction goes on as before the statement. Reads run bare, and so
// does a one-row INSERT … VALUES: it is sent with ON CONFLICT DO NOTHING
// (pg_dialect.h), and a row not inserted is reported as the uniqueness
// violation it would have been, the transaction left as it was. Since only
// a uniqueness violation leaves a transaction usable (below), that is all
// a savepoint was for: most of a command's writes are such inserts, and each
// savepoint is two more commands for the server to run.
//
// Errors: unavailable, with PostgreSQL's primary message, SQLSTATE and the
// SQL text (not its DETAIL, which would repeat key values; the primary
// message itself may quote a malformed value). Every error marks the
// connection failed (sql::Connection::MarkFailed) except a uniqueness
// violation (SQLSTATE 23505) that left the transaction usable; see
// PgStatement::UniquenessViolated(). A COMMIT that PostgreSQL turned into a
// ROLLBACK (the transaction had failed) is an error too. A serialization
// failure or a deadlock (SQLSTATE 40001, 40P01) is server_busy instead of
// unavailable: the transaction was rolled back for losing a race, and the
// command may be run again whole (engine/store/write_retry.h).
//
// Internal to db/. Not thread-safe: one thread at a time uses a connection
// and the statements it handed out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "db/sql_connection.h"
#include "domain/status.h"

struct pg_conn;    // PGconn
struct pg_result;  // PGresult

namespace aftersales::postgres {

// Seconds to wait for the server when the URI does not say (connect_timeout).
constexpr int kDefaultConnectTimeoutSeconds = 10;

class PgConnection;

// Frees a PGresult (PQclear).
struct PgResultDeleter {
  void operator()(pg_result* result) const;
};
using PgResultPtr = std::unique_ptr<pg_result, PgResultDeleter>;

class PgStatement final : public sql::Statement {
 public:
  // `sql` as the store wrote it (with `?`); the connection's Prepare makes these.
  PgStatement(PgConnection& conn, std::string sql);
  ~PgStatement() override;
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  sql::Statement& BindInt(std::int64_t value) override;
  sql::Statement& BindText(std::string_view value) override;
  sql::Statement& BindNull() override;

  // The first call runs the statement; each call then yields the next row.
  // Errors: unavailable (see the top of this file), also for a bind error:
  // more values than placeholders, or a text with a NUL byte, which
  // PostgreSQL cannot store.
  Result<bool> Step() override;
  // Whether the last Step() failed with SQLSTATE 23505 (unique_violation).
  bool UniquenessViolated() const override;

  // Column reads of the current row. NULL (or no such row or column) reads
  // as 0 / "". ColumnInt parses the text PostgreSQL sends: integers, the
  // integer part of a numeric (SUM of BIGINT is numeric: "123"), booleans
  // as 1 / 0.
  bool IsNull(int column) const override;
  std::int64_t ColumnInt(int column) const override;
  std::string_view ColumnView(int column) const override;

  void Reset() override;

  const std::string& sql() const { return sql_; }
  // The text sent to PostgreSQL ($1, $2, ... for `?`).
  const std::string& pg_sql() const { return pg_sql_; }
  int parameter_count() const { return parameter_count_; }

 private:
  friend class PgConnection;
  void Bind(unsigned int type, std::string_view text, bool is_null);

  PgConnection& conn_;
  std::string sql_;
  std::string pg_sql_;
  int parameter_count_ = 0;
  bool empty_ = false;     // no statement in the text (whitespace, comments)
  bool modifies_ = false;  // INSERT/UPDATE/DELETE/MERGE: savepoint inside a transaction
  bool one_shot_ = false;  // Exec's: runs unnamed, never prepared server-side
  bool conflict_as_no_row_ = false;  // an insert WithConflictAsNoRow rewrote (pg_dialect.h)

  // Bound values, left to right; values_[i] is meaningless when nulls_[i].
  std::vector<std::string> values_;
  std::vector<char> nulls_;
  std::vector<unsigned int> types_;  // OIDs: 20 int8, 25 text, 0 unspecified
  int bound_ = 0;
  std::string bind_error_;  // first bind error, empty when none

  PgResultPtr result_;
  bool executed_ = false;
  int row_ = -1;
  int rows_ = 0;
  int columns_ = 0;
  bool unique_violation_ = false;
};

class PgConnection final : public sql::Connection {
 public:
  // Connects to `uri` (a libpq URI, postgresql://…, or a key=value string),
  // with client_encoding=UTF8 and, unless the URI sets one,
  // connect_timeout=10. Errors: unavailable, naming the database by host,
  // port and name, with libpq's reason (unreachable, authentication
  // refused, no such database, malformed URI, ...); the password never
  // appears in it.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& uri);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }
  // A statement for `sql`, unbound; nothing is sent to the server until its
  // first Step(), so SQL errors surface there. The cached copy is reused
  // when free; while it is leased, a one-off statement is made instead.
  // Errors: internal for an empty text.
  Result<sql::StatementHandle> Prepare(std::string_view sql) override;
  // Runs one statement without parameters (BEGIN, COMMIT, SAVEPOINT, DDL),
  // discarding rows. Errors as a statement's; also unavailable, as in
  // SQLite, where PostgreSQL would only warn or quietly roll back: a COMMIT
  // outside a transaction, a BEGIN inside one, and a COMMIT that PostgreSQL
  // turned into a ROLLBACK because the transaction had failed.
  Status Exec(std::string_view sql) override;
  // Sends `sql` (one statement without parameters, its rows discarded) in
  // the same round trip as the next statement or Exec, just before it; when
  // it fails, that statement fails with its error. A lock whose holder must
  // read after it was granted (READ COMMITTED takes each statement's
  // snapshot when it starts) is taken so in one round trip with the read.
  void SendBeforeNext(std::string sql) { before_next_ = std::move(sql); }
  // Rows affected by the last INSERT/UPDATE/DELETE/MERGE that ran through a
  // statement or Exec on this connection (ON CONFLICT DO UPDATE counts 1).
  std::int64_t Changes() const override { return changes_; }

  // Whether a transaction is open: in progress or failed (PQTRANS_INTRANS
  // or PQTRANS_INERROR).
  bool InTransaction() const;
  // Whether the connection is unusable (PQstatus is not CONNECTION_OK): the
  // server went away or closed it. The store should drop it.
  bool Broken() const;
  // The SQLSTATE of the last error on this connection ("23505", ...); empty
  // when the last statement succeeded or failed without one (connection
  // lost, bind error).
  const std::string& SqlState() const { return sql_state_; }
  // "database \"shop\" on db.example:5432", for messages. Never the password.
  const std::string& description() const { return description_; }
  // The server's version as libpq reports it (150004 for 15.4).
  int server_version() const;
  // A random non-negative number naming this connection among the connections
  // of every process, with near certainty (PgStore keys its commit marks by
  // it).
  std::int64_t id() const { return id_; }

 private:
  friend class PgStatement;
  PgConnection(pg_conn* conn, std::string description);

  // Runs `stmt` with its bound values (see the top of this file) and, on
  // success, stores its result in the statement. Sets sql_state_ and
  // changes_; marks the connection failed as documented.
  Status Execute(PgStatement& stmt);
  // The unavailable status for a failed `result` (may be null: libpq's
  // connection message is used) of `sql`; sets sql_state_.
  Status ErrorStatus(const pg_result* result, std::string_view sql);
  // After a failed statement: marks the connection failed unless the error
  // was 23505 and the transaction (if any) is still usable.
  void AfterError();
  // Rolls back to and releases the statement savepoint; false on failure.
  bool UndoStatementSavepoint();
  void RecordChanges(const pg_result* result);
  void EvictIdleStatements();

  pg_conn* conn_;
  std::string description_;
  std::int64_t id_;
  // Keyed by a view of the statement's own SQL text (stable while cached),
  // so that a look-up copies nothing.
  std::unordered_map<std::string_view, std::unique_ptr<PgStatement>> cache_;
  // Server-side prepared statements: (pg_sql, parameter types) -> name.
  std::unordered_map<std::string, std::string> prepared_;
  std::int64_t next_prepared_ = 1;
  std::string before_next_;  // SendBeforeNext's statement, not sent yet
  std::int64_t changes_ = 0;
  std::string sql_state_;
};

}  // namespace aftersales::postgres
