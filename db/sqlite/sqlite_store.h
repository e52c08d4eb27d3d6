// SqliteStore: the Store of engine/store.h on one SQLite database file.
//
// Durability and isolation: the file runs in WAL mode with synchronous=FULL
// (a commit is on disk when Commit() returns), foreign_keys=ON and a 5 s
// busy timeout. Writes go through one writer connection that a WriteTxn owns
// for its whole life, one writer at a time, first come first served, so
// writers of this process serialize and never fail on each other. Commands
// that queue up for the writer share one `BEGIN IMMEDIATE` … `COMMIT`, each
// that joins the batch in its own savepoint (group commit,
// db/sqlite/group_commit.h): each one is
// all-or-nothing on its own, and its Commit() returns once the shared COMMIT
// is on disk; a lone writer commits at once. Reads use a small pool of
// read-only connections (Options::max_idle_readers), each ReadTxn one
// `BEGIN` … snapshot that never blocks the writer; keep read transactions short so that WAL checkpoints
// can proceed.
//
// Errors: every storage failure is unavailable, with SQLite's message. The
// documented exceptions: a PRIMARY KEY or UNIQUE clash on any Insert* (and on
// UpdateUser's name) is already_exists; UpdateCase with a stale version is
// version_conflict; UpdateOrderFulfilment, UpdateCase, SetDeadlineStatus,
// UpdateUser and UpdateDelivery on a missing row are not_found; an unknown
// deadline or delivery status is internal. Foreign keys (order lines, cases
// → orders, deadlines → cases, tokens and sessions → users, deliveries →
// webhooks and outbox) are checked at Commit, which then fails with
// unavailable and writes nothing. A method that refuses leaves the
// transaction as it was before the call; after an unavailable error (which
// may come part-way) Commit refuses.
//
// Other behaviour the interface leaves open: UpdateCase replaces every
// column but id; UpdateUser every column but id and created_at;
// SetDeadlineStatus sets closed_at = `at` for "done" and clears it
// otherwise; PutSetting and PutIdempotency insert or replace; DeleteSession
// of a missing session is ok; the id fields of DeadlineRow, OutboxRow and
// DeliveryRow are ignored on insert (the store assigns them, increasing).
// Lists are ordered: CasesOfOrder and ListUsers by (created_at, id),
// TextsOfCase by (created_at, id), CountCasesByState by state, ListWebhooks
// by (created_at, id).
//
// Thread-safety: a SqliteStore is shared by all threads. A transaction
// belongs to the thread that began it, and every transaction must be
// destroyed before the store. A thread holding a WriteTxn must not call
// BeginWrite again (it would wait for itself).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

class SqliteStore final : public Store {
 public:
  struct Options {
    // Stamps schema_migrations.applied_at; the system clock when null.
    const Clock* clock = nullptr;
    // Read-only connections kept open for reuse. When all of them are in
    // use, BeginRead waits up to `reader_wait` for one to come back before
    // it opens one more, which is closed when its transaction ends: opening
    // a connection (its file, its pragmas, the schema parsed, a cold page
    // cache) costs more than most reads, and a burst of more readers than
    // cores gains nothing by running at once. The wait bounds the delay of
    // a thread that holds read transactions and begins another.
    int max_idle_readers = 16;
    std::chrono::milliseconds reader_wait{20};
    // Group commit (db/group_commit.h): the most commands one COMMIT makes
    // durable together. 1 commits every command on its own.
    int max_batch = 256;
    // Loading a benchmark database only: commits skip fsync
    // (synchronous=OFF), so a crash may lose or corrupt recent commits.
    // Never for a database that serves anyone.
    bool unsafe_bulk_load = false;
  };

  // Opens (creating if missing) the database file at `path` and applies any
  // pending schema migrations in one transaction. Errors: unavailable, whose
  // message names `path` (missing directory, not a database, a schema newer
  // than this program, ...). On error nothing is written.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, const Options& options);
  ~SqliteStore() override;

  // Waits for the writer mutex (other writers of this process), then for
  // SQLite's write lock (other processes, up to the busy timeout). Errors:
  // unavailable.
  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;
  // A snapshot on a pooled read-only connection. Errors: unavailable.
  Result<std::unique_ptr<ReadTxn>> BeginRead() override;
  // Failed statements and commits (each failed transaction once) and
  // read connections that did not open, since Open.
  std::int64_t FailureCount() const override;

  // Group commit figures since Open (db/sqlite/group_commit.h): commands
  // made durable, the COMMITs that did it, writers waiting right now, and
  // how long write turns held the single writer for their own work and how
  // long the COMMITs took.
  struct WriteStats {
    std::int64_t commands = 0;
    std::int64_t batches = 0;
    int waiting = 0;
    std::int64_t turns = 0;
    double held_seconds = 0;
    double commit_seconds = 0;
  };
  WriteStats write_stats() const;

  // Read connections since Open: opened (kept or not; one that failed to
  // open counts too), and the BeginRead calls that waited for a kept one
  // to come back.
  struct ReadStats {
    std::int64_t opened = 0;
    std::int64_t waits = 0;
  };
  ReadStats read_stats() const;

  // The path the store was opened with.
  const std::string& path() const;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace aftersales
