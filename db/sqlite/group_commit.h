// GroupCommit: lets the write transactions of many threads share one SQLite
// transaction on the store's single writer connection, so that one fsync
// makes a whole batch of commands durable (SQLite leaves group commit to the
// application).
//
// Protocol. A command Enter()s: it waits its turn for the connection (first
// come, first served) and joins the open batch transaction under a
// savepoint of its own, or begins one (`BEGIN IMMEDIATE`) when none is
// open, needing no savepoint as its first member. It then reads and writes
// on the connection, seeing the commands before it in the batch. It leaves
// with exactly one of:
//  - Abort(): rolls back to its savepoint, or the whole transaction when it
//    began it. The command leaves no trace; the batch carries on with the
//    others (a new one for the next command, in the second case).
//  - Commit(): releases its savepoint into the batch. If nobody is waiting
//    for the connection, or the batch is full, this command commits the
//    batch (`COMMIT`, synchronous=FULL) and reports the outcome to every
//    member; otherwise it hands the connection to the next command and
//    sleeps until the batch has committed. Either way Commit() returns only
//    once the batch is durable, with the batch's outcome: a failed COMMIT
//    fails every member, and nothing of any of them was written.
// A lone command thus commits at once, never waiting for company; under
// load, the commands that queued up during one fsync share the next.
//
// Failures. A storage error that makes SQLite roll back the whole
// transaction (an I/O error or a full disk can) fails every member of the
// batch with unavailable. After a failed COMMIT the WAL file may still hold
// the batch's frames, which a crash would recover: the WAL is emptied by a
// TRUNCATE checkpoint at once, and no write begins until that succeeded. Deferred foreign keys, which SQLite checks only at
// COMMIT, are checked at each command's Commit(): a command that leaves one
// unresolved is refused there (unavailable) instead of failing its batch.
//
// With max_batch = 1 every command commits alone (no group commit).
//
// Figures (stats()): besides the counts, how long commands held the
// connection for their own work (from their turn until their writes are
// released into the batch or rolled back: the single writer's time that no
// batch shares) and how long the COMMITs took (SQLite's write of the
// batch's pages and the sync), for the benchmarks.
//
// Thread-safety: Enter, Commit and Abort may be called from any number of
// threads; between its Enter and its Commit or Abort a thread owns the
// connection and nobody else touches it. Internal to db/.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "db/sql_write_txn.h"
#include "db/sqlite/sqlite_connection.h"
#include "domain/status.h"

namespace aftersales::sqlite {

class GroupCommit {
 public:
  GroupCommit(SqliteConnection& conn, int max_batch);
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Waits for the connection and joins the open batch under a savepoint of
  // this command's, or begins a batch. Errors: unavailable (the connection
  // is free again).
  Status Enter();
  // Makes the command durable together with its batch (see above). Errors:
  // unavailable (nothing of the command was written). Afterwards the
  // connection is no longer this thread's.
  Status Commit();
  // Undoes the command. Afterwards the connection is no longer this thread's.
  void Abort();

  SqliteConnection& connection() { return conn_; }

  struct Stats {
    std::int64_t commands = 0;  // commands made durable
    std::int64_t batches = 0;   // COMMITs that made them durable
    int waiting = 0;            // commands waiting for the connection now
    std::int64_t turns = 0;     // commands that held the connection, committed or undone
    double held_seconds = 0;    // the turns' own work, COMMITs not included
    double commit_seconds = 0;  // the COMMITs, failed ones included
  };
  Stats stats();

 private:
  struct Batch {
    int members = 0;  // commands released into it
    bool done = false;
    Status outcome;
  };
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };

  void Acquire();
  // Gives the connection to the next waiter, or frees it.
  void Release();
  bool NobodyWaiting();
  // COMMITs the open batch and tells its members.
  void CommitBatch();
  // Ends the open batch with `outcome` and wakes its members.
  void FinishBatch(Status outcome);
  // Ends the owner's turn: commits the batch when nobody would carry it on.
  void Leave();
  // Adds the owner's turn, begun at turn_started_, to the figures.
  void CountTurn();
  // Empties the WAL file after a failed COMMIT (see CommitBatch); false
  // while it cannot (a reader holds the WAL), and writes wait for it.
  bool DiscardUncommittedWal();

  SqliteConnection& conn_;
  const int max_batch_;

  std::mutex mu_;
  std::condition_variable batch_done_;
  bool busy_ = false;
  std::deque<Waiter*> waiters_;
  std::int64_t commands_ = 0;
  std::int64_t batches_ = 0;
  // Written by the owner only; atomic so that stats() may read them.
  std::atomic<std::int64_t> turns_{0};
  std::atomic<std::int64_t> held_nanos_{0};
  std::atomic<std::int64_t> commit_nanos_{0};

  // Touched only by the thread that owns the connection.
  std::shared_ptr<Batch> batch_;  // the open batch transaction, if any
  bool wal_suspect_ = false;      // a COMMIT failed and its frames may still be in the WAL file
  double turn_started_ = 0;       // MonotonicSeconds() when the owner's turn began
  bool in_savepoint_ = false;     // the owner joined a batch under a savepoint of its own
};

// One command's turn in a GroupCommit, entered already, as the shared write
// code (db/sql_write_txn.h) sees it.
class GroupCommitSession final : public sql::WriteSession {
 public:
  explicit GroupCommitSession(GroupCommit& group) : group_(group) {}
  sql::Connection& connection() override { return group_.connection(); }
  Status Commit() override { return group_.Commit(); }
  void Abort() override { group_.Abort(); }

 private:
  GroupCommit& group_;
};

}  // namespace aftersales::sqlite
