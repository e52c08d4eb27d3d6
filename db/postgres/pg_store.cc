#include "db/postgres/pg_store.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/postgres/pg_connection.h"
#include "db/postgres/pg_schema.h"
#include "db/sql_write_txn.h"

namespace aftersales {

using postgres::PgConnection;

namespace {

// Taken by every write transaction, of every process sharing the database,
// right after BEGIN; released by its COMMIT or ROLLBACK. The same round trip
// stamps the connection's commit mark and reads the transaction's id, which
// together tell a COMMIT whose answer was lost (see PgWriteSession::Commit)
// whether it happened.
//
// A write transaction commits without waiting for its flush
// (synchronous_commit off for it alone), so the lock is released as soon as
// its changes are visible, not one disk flush later; the session then waits
// for durability outside the lock (kDurableSql) before Commit() returns.
// This is safe for the transactions that follow: PostgreSQL's log is one
// sequence, so a later transaction's flush also flushes every commit it
// could have read.
//
// A keyed write (Store::BeginKeyedWrite: one order, one idempotency record)
// takes the same lock shared: such writes run side by side, and an
// exclusive write waits for them all (and they for it). It then takes its
// key's lock (KeyLockSql) before reading what the key guards, and the
// appenders' lock (AppendLockSql) before its first audit entry or outbox
// event: appends run one at a time and commit in the order of the lock, so
// the chain and the outbox ids grow in commit order, which the audit chain
// and the webhook fan-out's cursor need. Locks are always taken in this
// order (writers, key, appenders), and a keyed write takes one key's lock
// only: no two writes wait for each other in a cycle.
const std::string& WritersLockSql(bool exclusive) {
  static const std::string kExclusive =
      "SELECT pg_advisory_xact_lock(" + std::to_string(postgres::kWritersLockKey) + "), pg_current_xact_id()::text";
  static const std::string kShared = "SELECT pg_advisory_xact_lock_shared(" +
                                     std::to_string(postgres::kWritersLockKey) + "), pg_current_xact_id()::text";
  return exclusive ? kExclusive : kShared;
}
const std::string& KeyLockSql() {
  static const std::string kSql =
      "SELECT pg_advisory_xact_lock(" + std::to_string(postgres::kKeyLockClass) + ", hashtext(?))";
  return kSql;
}
const std::string& AppendLockSql() {
  static const std::string kSql = "SELECT pg_advisory_xact_lock(" + std::to_string(postgres::kAppendLockKey) + ")";
  return kSql;
}

// Stamps the connection's commit mark (pg_schema.cc, version 2) with the
// write's transaction id, inside the write; sent in one round trip with the
// writers' lock, so before that lock: the row is the connection's alone,
// and the only others that lock it (the stale marks' purge, the delete of a
// closed connection's mark) hold no advisory lock, so no wait can close a
// cycle. `conn` is PgConnection::id(), a number this program drew.
std::string CommitMarkSql(std::int64_t conn) {
  return "INSERT INTO commit_marks (conn, xid, written_at) VALUES (" + std::to_string(conn) +
         ", pg_current_xact_id(), extract(epoch FROM now())::bigint)"
         " ON CONFLICT (conn) DO UPDATE SET xid = excluded.xid, written_at = excluded.written_at";
}
// The connection's mark (NULL when it has none) and whether transaction `?`
// has ended as this statement's snapshot sees it (committed or aborted;
// read beside a status of committed, it says the commit is visible).
constexpr const char* kCommitMarkReadSql =
    "SELECT (SELECT xid::text FROM commit_marks WHERE conn = ?),"
    " pg_visible_in_snapshot(?::xid8, pg_current_snapshot())";
constexpr const char* kCommitMarkDeleteSql = "DELETE FROM commit_marks WHERE conn = ?";
// The marks of connections that wrote nothing for a day: their processes
// died or closed them, or they will stamp a new one at their next write. A
// lost COMMIT reads its mark within kOutcomeWaitSeconds. A mark locked by a
// write in progress is skipped, never waited for.
constexpr const char* kStaleCommitMarksSql =
    "DELETE FROM commit_marks WHERE conn IN (SELECT conn FROM commit_marks"
    " WHERE written_at < extract(epoch FROM now())::bigint - 86400 FOR UPDATE SKIP LOCKED)";

// A durable barrier: one statement in its own transaction that writes a log
// record, so its commit, synchronous under the session's own
// synchronous_commit, flushes the log up to and past every commit made
// before it (also to a synchronous standby when the operator set one). It
// changes no table and takes no lock.
constexpr const char* kDurableSql = "SELECT pg_logical_emit_message(true, 'aftersales', 'durable')";

// How long a write whose COMMIT lost its connection waits for the database
// to tell whether the commit happened, before answering that nobody knows.
constexpr int kOutcomeWaitSeconds = 30;

// The store's connections: idle ones kept for reuse, more opened on demand.
class ConnectionPool {
 public:
  std::string uri;
  std::size_t max_idle = 0;
  std::function<void()> after_commit;  // PgStore::Options::after_commit
  std::atomic<std::int64_t> failures{0};  // FailureCount; every connection adds to it

  std::mutex pool_mu;  // guards idle
  std::vector<std::unique_ptr<PgConnection>> idle;

  // An idle connection, or a new one.
  Result<std::unique_ptr<PgConnection>> Take(bool fresh) {
    if (!fresh) {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!idle.empty()) {
        std::unique_ptr<PgConnection> conn = std::move(idle.back());
        idle.pop_back();
        return conn;
      }
    }
    Result<std::unique_ptr<PgConnection>> opened = PgConnection::Open(uri);
    if (!opened.ok()) {
      failures.fetch_add(1, std::memory_order_relaxed);
      return opened.status();
    }
    (*opened)->CountFailuresIn(&failures);
    return opened;
  }

  // Keeps `conn` for reuse unless its state is in doubt.
  void Return(std::unique_ptr<PgConnection> conn) {
    if (conn->failed() || conn->Broken() || conn->InTransaction()) return;  // closed here
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (idle.size() < max_idle) {
        idle.push_back(std::move(conn));
        return;
      }
    }
    DeleteCommitMark(*conn);  // closed here, healthy
  }

  // Best effort: a mark left behind (also by a connection closed with its
  // store or its process) goes with the stale ones (Open).
  static void DeleteCommitMark(PgConnection& conn) {
    if (auto stmt = conn.Prepare(kCommitMarkDeleteSql); stmt.ok()) (void)(*stmt)->BindInt(conn.id()).Run();
  }

  // A connection in a new transaction: a write transaction holding the
  // writers' lock, or a read-only snapshot. A pooled connection may have
  // died with its server since it was last used: then one new connection is
  // tried before giving up.
  Result<std::unique_ptr<PgConnection>> Begin(bool write) {
    for (bool fresh : {false, true}) {
      Result<std::unique_ptr<PgConnection>> conn = Take(fresh);
      if (!conn.ok()) return conn.status();
      (*conn)->ClearFailed();
      Status s = (*conn)->Exec(write ? "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off"
                                     : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      if (s.ok()) return conn;
      if (fresh || !(*conn)->Broken()) return s;
    }
    return Status::Internal("unreachable");
  }
};

// A read-only snapshot on a pooled connection; ROLLBACK and return of the
// connection at destruction.
class PgReadTxn final : public sql::SqlReads<ReadTxn> {
 public:
  PgReadTxn(std::unique_ptr<PgConnection> conn, ConnectionPool* store)
      : sql::SqlReads<ReadTxn>(*conn), conn_(std::move(conn)), store_(store) {}
  ~PgReadTxn() override {
    if (conn_->InTransaction() && !conn_->Exec("ROLLBACK").ok()) conn_->MarkFailed();
    store_->Return(std::move(conn_));
  }

 private:
  std::unique_ptr<PgConnection> conn_;
  ConnectionPool* store_;
};

// One command's transaction, holding the writers' lock (WritersLockSql()):
// exclusively, or shared by a keyed write.
class PgWriteSession final : public sql::WriteSession {
 public:
  PgWriteSession(std::unique_ptr<PgConnection> conn, ConnectionPool* store, std::string xid, bool exclusive)
      : conn_(std::move(conn)), store_(store), xid_(std::move(xid)), exclusive_(exclusive) {}
  ~PgWriteSession() override { store_->Return(std::move(conn_)); }

  sql::Connection& connection() override { return *conn_; }

  Result<bool> LockKey(const std::string& key) override {
    if (exclusive_ || (key_locked_ && locked_key_ == key)) return false;
    if (key_locked_) return Status::Internal("a write confined to " + locked_key_ + " asked for " + key);
    if (appending_) return Status::Internal("a key locked after an append: the locks would be taken out of order");
    AS_RETURN_IF_ERROR(RunLock(KeyLockSql(), key));
    locked_key_ = key;
    key_locked_ = true;
    // Another write of the key may have committed since anything was read.
    return true;
  }

  Status BeforeAppend() override {
    if (exclusive_ || appending_) return Status::Ok();
    // Taken in the round trip of the statement that follows (the head's
    // read, or the append itself), which then reads after the grant.
    conn_->SendBeforeNext(AppendLockSql());
    appending_ = true;
    return Status::Ok();
  }

  Status Commit() override {
    if (conn_->failed()) {
      Abort();
      return Status::Unavailable("storage error: the transaction failed earlier and was rolled back");
    }
    // A COMMIT of a transaction PostgreSQL has aborted answers ROLLBACK,
    // without an error; the driver reports that as unavailable.
    Status s = conn_->Exec("COMMIT");
    if (s.ok() && store_->after_commit) store_->after_commit();
    if (s.ok()) {
      // Committed and visible, the writers' lock released: now durable.
      if (conn_->Exec(kDurableSql).ok()) return s;
      conn_->MarkFailed();
      return OutcomeOfLostCommit(Status::Unavailable("storage error: the commit could not be made durable"));
    }
    conn_->MarkFailed();
    // The connection went away during COMMIT: the commit may or may not
    // have happened, and "nothing was written" would be a guess. Ask the
    // database (once it answers again) what became of the transaction.
    if (conn_->Broken()) return OutcomeOfLostCommit(s);
    return s;
  }

  void Abort() override {
    if (conn_->InTransaction() && !conn_->Exec("ROLLBACK").ok()) conn_->MarkFailed();
  }

 private:
  // Ok when this transaction committed (made durable here), `lost`
  // (unavailable: nothing was written) when it did not, internal when the
  // database cannot tell within kOutcomeWaitSeconds, with a message that
  // says so. The status of the transaction's id says whether a transaction
  // of that id committed; the connection's commit mark whether it was this
  // one, for a commit that a crash lost leaves its id to be handed out
  // again.
  Status OutcomeOfLostCommit(const Status& lost) {
    const double give_up = MonotonicSeconds() + kOutcomeWaitSeconds;
    while (MonotonicSeconds() < give_up) {
      auto conn = store_->Take(true);
      if (conn.ok()) {
        std::string status;
        if (auto stmt = (*conn)->Prepare("SELECT pg_xact_status(?::xid8)"); stmt.ok()) {
          (*stmt)->BindText(xid_);
          auto row = (*stmt)->Step();
          if (row.ok() && *row) status = (*stmt)->ColumnText(0);
          // "transaction ID … is in the future": lost in a crash, its id
          // not handed out again yet.
          if (!row.ok() && (*conn)->SqlState() == "22023") return lost;
        }
        if (status == "aborted") return lost;
        if (status == "committed") {
          std::optional<Mark> mark = MarkOf(**conn);
          if (mark && mark->xid != xid_ && mark->visible) return lost;  // another transaction of the same id
          // Committed, perhaps not yet flushed: the barrier makes it durable.
          if (mark && mark->xid == xid_ && (*conn)->Exec(kDurableSql).ok()) return Status::Ok();
        }
        // Otherwise asked again: "in progress" (the old session still
        // finishes its COMMIT, or the id is handed out again and its new
        // transaction still runs), committed but not yet ended in this
        // snapshot (the status read before the commit became visible), or
        // no answer (the database still down, the barrier failed).
      }
      SleepForMillis(200);
    }
    return Status::Internal("the database connection was lost during COMMIT and the database did not say within " +
                            std::to_string(kOutcomeWaitSeconds) +
                            " s whether the change was committed: check before sending it again (" + lost.message() +
                            ")");
  }

  struct Mark {
    std::string xid;       // the transaction id in this connection's mark; "" when it has none
    bool visible = false;  // whether this write's transaction id has ended in the reader's snapshot
  };
  // Nullopt when it could not be read.
  std::optional<Mark> MarkOf(PgConnection& reader) {
    auto stmt = reader.Prepare(kCommitMarkReadSql);
    if (!stmt.ok()) return std::nullopt;
    (*stmt)->BindInt(conn_->id()).BindText(xid_);
    auto row = (*stmt)->Step();
    if (!row.ok() || !*row) return std::nullopt;
    return Mark{(*stmt)->ColumnText(0), (*stmt)->ColumnInt(1) != 0};
  }

  // Runs a lock statement with its one parameter.
  Status RunLock(const std::string& sql, const std::string& text) {
    Result<sql::StatementHandle> stmt = conn_->Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindText(text);
    return (*stmt)->Run();
  }

  std::unique_ptr<PgConnection> conn_;
  ConnectionPool* store_;
  const std::string xid_;  // the transaction's id, as text
  const bool exclusive_;      // holds the writers' lock exclusively
  bool key_locked_ = false;
  std::string locked_key_;  // the key whose lock it holds, when key_locked_
  bool appending_ = false;    // holds the appenders' lock
};

}  // namespace

struct PgStore::Impl {
  ConnectionPool pool;
};

PgStore::PgStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PgStore::~PgStore() = default;

bool PgStore::IsUri(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& uri) { return Open(uri, Options()); }

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& uri, const Options& options) {
  auto impl = std::make_unique<Impl>();
  ConnectionPool& pool = impl->pool;
  pool.uri = uri;
  pool.max_idle = options.max_idle > 0 ? static_cast<std::size_t>(options.max_idle) : 0;
  pool.after_commit = options.after_commit;
  Result<std::unique_ptr<PgConnection>> conn = pool.Take(true);
  if (!conn.ok()) return conn.status();
  static const SystemClock kSystemClock;
  const Clock& clock = options.clock != nullptr ? *options.clock : kSystemClock;
  Status migrated = postgres::Migrate(**conn, clock.Now());
  if (!migrated.ok()) {
    return Status::Unavailable("cannot open database " + (*conn)->description() + ": " + migrated.message());
  }
  // Every write ends with the durable barrier: a role that may not run it
  // could write nothing durably, so it is refused here, at start.
  Status barrier = (*conn)->Exec(kDurableSql);
  if (!barrier.ok()) {
    return Status::Unavailable("cannot open database " + (*conn)->description() +
                               ": this role may not call pg_logical_emit_message, which every write uses to wait "
                               "for its flush (GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, "
                               "text) TO the role): " +
                               barrier.message());
  }
  (void)(*conn)->Exec(kStaleCommitMarksSql);  // best effort: the next start tries again
  pool.Return(std::move(*conn));
  return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
}

Result<std::unique_ptr<WriteTxn>> PgStore::BeginWrite() { return BeginWriteLocked(true); }

Result<std::unique_ptr<WriteTxn>> PgStore::BeginKeyedWrite() { return BeginWriteLocked(false); }

Result<std::unique_ptr<WriteTxn>> PgStore::BeginWriteLocked(bool exclusive) {
  Result<std::unique_ptr<PgConnection>> conn = impl_->pool.Begin(true);
  if (!conn.ok()) return conn.status();
  std::string xid;
  {
    (*conn)->SendBeforeNext(CommitMarkSql((*conn)->id()));
    auto locked = (*conn)->Prepare(WritersLockSql(exclusive));
    if (!locked.ok()) return locked.status();
    Result<bool> row = (*locked)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Unavailable("storage error: the writers' lock answered no row");
    xid = (*locked)->ColumnText(1);
  }
  return sql::SqlWriteTxn::Begin(std::make_unique<PgWriteSession>(std::move(*conn), &impl_->pool, std::move(xid), exclusive));
}

Result<std::unique_ptr<ReadTxn>> PgStore::BeginRead() {
  Result<std::unique_ptr<PgConnection>> conn = impl_->pool.Begin(false);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<ReadTxn>(new PgReadTxn(std::move(*conn), &impl_->pool));
}

std::int64_t PgStore::FailureCount() const { return impl_->pool.failures.load(std::memory_order_relaxed); }

}  // namespace aftersales
