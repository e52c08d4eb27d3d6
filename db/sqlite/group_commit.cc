#include "db/sqlite/group_commit.h"

#include <utility>

#include "domain/clock.h"

namespace aftersales::sqlite {

GroupCommit::GroupCommit(SqliteConnection& conn, int max_batch) : conn_(conn), max_batch_(max_batch < 1 ? 1 : max_batch) {}

void GroupCommit::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!busy_ && waiters_.empty()) {
    busy_ = true;
    return;
  }
  Waiter me;
  waiters_.push_back(&me);
  me.cv.wait(lock, [&] { return me.granted; });
}

void GroupCommit::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (waiters_.empty()) {
    busy_ = false;
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;  // busy_ stays set: the turn passes straight on
  next->cv.notify_one();
}

bool GroupCommit::NobodyWaiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.empty();
}

Status GroupCommit::Enter() {
  Acquire();
  turn_started_ = MonotonicSeconds();
  if (batch_ == nullptr && wal_suspect_ && !DiscardUncommittedWal()) {
    Release();
    return Status::Unavailable("storage recovering from a failed commit; writes resume once it is cleared");
  }
  if (batch_ == nullptr) {
    // A transaction left open by a rollback that failed earlier is ended
    // now, so that one bad moment does not block every later writer.
    if (conn_.InTransaction()) conn_.Exec("ROLLBACK");
    conn_.ClearFailed();
    Status begun = conn_.Exec("BEGIN IMMEDIATE");
    if (!begun.ok()) {
      if (conn_.InTransaction()) conn_.Exec("ROLLBACK");
      Release();
      return begun;
    }
    batch_ = std::make_shared<Batch>();
    // The batch's first command is alone in the transaction: undoing it is
    // rolling the transaction back, and it needs no savepoint (whose
    // journal would copy every page it changes).
    in_savepoint_ = false;
    return Status::Ok();
  }
  in_savepoint_ = true;
  if (!conn_.InTransaction()) {
    // The batch's transaction ended under an earlier member (a statement
    // error that SQLite answered with a rollback): a SAVEPOINT now would
    // begin a transaction of its own, outside the batch. The batch failed.
    FinishBatch(Status::Unavailable(
        "a storage error rolled back the transaction this request was committed in; nothing was written"));
    Release();
    return Status::Unavailable("storage error: the write transaction was lost; nothing was written");
  }
  Status opened = conn_.Exec("SAVEPOINT command");
  if (!opened.ok()) {
    if (!conn_.InTransaction()) FinishBatch(opened);
    Leave();
    return opened;
  }
  return Status::Ok();
}

Status GroupCommit::Commit() {
  if (conn_.failed()) {
    Abort();
    return Status::Unavailable("commit refused: an earlier statement of this transaction failed; nothing was written");
  }
  if (conn_.DeferredForeignKeysPending()) {
    Abort();
    return Status::Unavailable("commit refused: FOREIGN KEY constraint failed (a row refers to one that does not exist); nothing was written");
  }
  if (!conn_.InTransaction()) {
    // SQLite ended the transaction under this command (a statement error
    // that rolls back, without marking the connection failed): nothing of
    // it, or of the batch, is there to commit.
    Abort();
    return Status::Unavailable("commit refused: the write transaction was rolled back by a storage error; nothing was written");
  }
  if (in_savepoint_) {
    Status released = conn_.Exec("RELEASE SAVEPOINT command");
    if (!released.ok()) {
      Abort();
      return released;
    }
  }
  std::shared_ptr<Batch> batch = batch_;
  ++batch->members;
  CountTurn();
  if (batch->members >= max_batch_ || NobodyWaiting()) CommitBatch();
  Release();  // a waiter now carries the batch on, or starts the next one

  std::unique_lock<std::mutex> lock(mu_);
  batch_done_.wait(lock, [&] { return batch->done; });
  return batch->outcome;
}

void GroupCommit::Abort() {
  if (!in_savepoint_) {
    // The batch's first command: the transaction holds nothing else. A
    // ROLLBACK that fails leaves it open, and the next Enter ends it.
    if (conn_.InTransaction()) conn_.Exec("ROLLBACK");
    conn_.ClearFailed();
    batch_.reset();
    CountTurn();
    Release();
    return;
  }
  const bool intact = conn_.InTransaction() && conn_.Exec("ROLLBACK TO SAVEPOINT command").ok() &&
                      conn_.Exec("RELEASE SAVEPOINT command").ok();
  CountTurn();
  if (intact) {
    conn_.ClearFailed();  // the batch is as it was before this command
  } else {
    // SQLite gave up the whole transaction (or cannot undo this command
    // alone): every command of the batch is lost with it.
    if (conn_.InTransaction()) conn_.Exec("ROLLBACK");
    FinishBatch(Status::Unavailable(
        "a storage error rolled back the transaction this request was committed in; nothing was written"));
  }
  Leave();
}

namespace {
std::int64_t NanosSince(double started) {
  return static_cast<std::int64_t>((MonotonicSeconds() - started) * 1e9);
}
}  // namespace

void GroupCommit::CountTurn() {
  turns_.fetch_add(1, std::memory_order_relaxed);
  held_nanos_.fetch_add(NanosSince(turn_started_), std::memory_order_relaxed);
}

void GroupCommit::CommitBatch() {
  const double started = MonotonicSeconds();
  Status committed = conn_.Exec("COMMIT");
  commit_nanos_.fetch_add(NanosSince(started), std::memory_order_relaxed);
  if (!committed.ok()) {
    if (conn_.InTransaction()) conn_.Exec("ROLLBACK");
    // A COMMIT whose sync failed may have left its frames, commit frame
    // included, in the WAL file: SQLite has rolled back in memory, but a
    // crash now would recover the batch from the file. It must go first.
    wal_suspect_ = true;
    DiscardUncommittedWal();
    committed = Status::Unavailable("commit failed, nothing was written: " + committed.message());
  }
  FinishBatch(std::move(committed));
}

bool GroupCommit::DiscardUncommittedWal() {
  // A TRUNCATE checkpoint copies the committed frames into the database
  // and empties the WAL file, frames of the failed commit with it. Its row
  // says whether it could finish (busy = 0).
  Result<StatementHandle> stmt = conn_.Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!stmt.ok()) return false;
  Result<bool> row = (*stmt)->Step();
  const bool done = row.ok() && *row && (*stmt)->ColumnInt(0) == 0;
  while (row.ok() && *row) row = (*stmt)->Step();
  if (done) wal_suspect_ = false;
  return done;
}

GroupCommit::Stats GroupCommit::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{commands_,
               batches_,
               static_cast<int>(waiters_.size()),
               turns_.load(std::memory_order_relaxed),
               held_nanos_.load(std::memory_order_relaxed) / 1e9,
               commit_nanos_.load(std::memory_order_relaxed) / 1e9};
}

void GroupCommit::FinishBatch(Status outcome) {
  if (batch_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (outcome.ok()) {
      commands_ += batch_->members;
      ++batches_;
    }
    batch_->done = true;
    batch_->outcome = std::move(outcome);
  }
  batch_.reset();
  batch_done_.notify_all();
}

void GroupCommit::Leave() {
  if (batch_ != nullptr && NobodyWaiting()) {
    if (batch_->members > 0) {
      CommitBatch();
    } else {
      conn_.Exec("ROLLBACK");  // an empty batch: nothing to make durable
      batch_.reset();
    }
  }
  Release();
}

}  // namespace aftersales::sqlite
