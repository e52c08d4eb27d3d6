// PgStore: the Store of engine/store/store.h on a PostgreSQL database
// (libpq), shared by any number of aftersales processes.
//
// Isolation: a ReadTxn is one `REPEATABLE READ READ ONLY` transaction, a
// snapshot that never blocks writers. A WriteTxn is a `READ COMMITTED`
// transaction that first takes one transaction-scoped advisory lock, so that
// write transactions of every process sharing the database run one at a
// time, as the store seam promises (each sees everything committed before
// it); the lock goes with the transaction's COMMIT or ROLLBACK, also when
// its process dies. A keyed write (BeginKeyedWrite: one order, one
// idempotency record) takes that lock shared, then its key's lock
// (WriteTxn::LockOrder, LockIdempotencyKey), then at its first audit entry
// or outbox event the appenders' lock: such writes of different keys
// overlap up to their appends, which run one at a time in commit order
// (pg_store.cc says why no two of them wait in a cycle). The COMMIT itself does not wait for the disk
// (synchronous_commit off for that transaction), so the lock is held for the
// command's statements only, never through a flush; Commit() then waits
// outside the lock for a durable barrier, a one-statement transaction under
// the session's own synchronous_commit that flushes the log past the commit.
// So with the default synchronous_commit=on a commit is flushed when Commit()
// returns, and the flushes of concurrent writers are shared. Until then
// other transactions may read the change (a crash in that window loses it,
// unacknowledged, and anything that read it is lost with it: the log is one
// sequence). Open() refuses a role that may not run the barrier.
//
// A COMMIT whose answer was lost (the connection or the database went away
// during the COMMIT or the barrier) is not guessed at: Commit() asks the
// database, once it answers again, whether the transaction is in it, and
// returns ok (made durable then) or unavailable (nothing written) by what
// it finds; internal ("check before sending it again") when the database
// cannot tell within 30 s. The transaction's id alone cannot say: a commit
// a crash lost leaves its id to be handed out again after the restart, and
// another transaction may commit under it. So every write also stamps its
// connection's row of commit_marks with its id, inside the transaction: the
// id found there is the one of the last write of that connection that is
// in the database.
//
// Connections: a pool per store, opened on demand and kept while idle (up
// to Options::max_idle); a connection that broke is dropped and the next
// transaction opens a new one, so the store recovers by itself when the
// server comes back.
//
// Errors: every storage failure is unavailable, with PostgreSQL's message;
// the documented exceptions are SqliteStore's (db/sqlite/sqlite_store.h):
// already_exists on a PRIMARY KEY or UNIQUE clash, version_conflict on a
// stale UpdateCase, not_found on updates of missing rows. Foreign keys are
// deferred to Commit, which then fails with unavailable and writes nothing.
//
// Thread-safety: a PgStore is shared by all threads; each transaction
// belongs to the thread that began it, and every transaction must be
// destroyed before the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

class PgStore final : public Store {
 public:
  struct Options {
    // Stamps schema_migrations.applied_at; the system clock when null.
    const Clock* clock = nullptr;
    // Connections kept open while idle; more are opened on demand.
    int max_idle = 16;
    // For tests: runs in Commit() after the COMMIT answered and before the
    // durable barrier, where a test cuts the connection or crashes the
    // database.
    std::function<void()> after_commit;
  };

  // Connects to `uri` (a libpq connection URI, postgresql://…) and applies
  // any pending schema migrations (one transaction, under an advisory lock
  // so that servers starting together migrate once). Errors: unavailable,
  // naming the database (unreachable, authentication refused, a schema
  // newer than this program, ...). The URI's password is never repeated in
  // a message.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& uri);
  static Result<std::unique_ptr<PgStore>> Open(const std::string& uri, const Options& options);
  ~PgStore() override;

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;
  // Writes of different keys run side by side (see the top of this file).
  Result<std::unique_ptr<WriteTxn>> BeginKeyedWrite() override;
  Result<std::unique_ptr<ReadTxn>> BeginRead() override;
  std::int64_t FailureCount() const override;
  // True: any number of servers may share the database.
  bool Shared() const override { return true; }

  // Whether `location` names a PostgreSQL database (a postgresql:// or
  // postgres:// URI) rather than a SQLite file.
  static bool IsUri(const std::string& location);

 private:
  struct Impl;
  explicit PgStore(std::unique_ptr<Impl> impl);
  // A write transaction holding the writers' lock exclusively, or shared.
  Result<std::unique_ptr<WriteTxn>> BeginWriteLocked(bool exclusive);

  std::unique_ptr<Impl> impl_;
};

}  // namespace aftersales
