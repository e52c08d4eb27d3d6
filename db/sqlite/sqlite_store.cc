#include "db/sqlite/sqlite_store.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "db/sql_write_txn.h"
#include "db/sqlite/group_commit.h"
#include "db/sqlite/schema.h"
#include "db/sqlite/sqlite_connection.h"
#include "db/sqlite/sqlite_read_txn.h"

namespace aftersales {

using sqlite::OpenMode;
using sqlite::SqliteConnection;

struct SqliteStore::Impl {
  std::string path;
  std::size_t max_idle_readers = 0;
  std::chrono::milliseconds reader_wait{0};
  std::atomic<std::int64_t> failures{0};  // FailureCount; every connection adds to it

  std::unique_ptr<SqliteConnection> writer;
  std::unique_ptr<sqlite::GroupCommit> group;  // who writes on `writer`, and when it commits

  std::mutex pool_mu;  // guards idle_readers, kept_readers and the counts
  std::condition_variable reader_back;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers;
  std::size_t kept_readers = 0;  // kept connections open, idle or in a transaction
  std::int64_t opened = 0;
  std::int64_t waits = 0;

  // What BeginRead gets: an idle kept connection, or leave to open one
  // (`kept`: whether it joins the pool when its transaction ends).
  struct Taken {
    std::unique_ptr<SqliteConnection> conn;
    bool kept = false;
  };

  Taken TakeReader() {
    std::unique_lock<std::mutex> lock(pool_mu);
    if (idle_readers.empty() && kept_readers >= max_idle_readers && max_idle_readers > 0) {
      ++waits;
      reader_back.wait_for(lock, reader_wait,
                           [&] { return !idle_readers.empty() || kept_readers < max_idle_readers; });
    }
    if (!idle_readers.empty()) {
      Taken taken{std::move(idle_readers.back()), true};
      idle_readers.pop_back();
      return taken;
    }
    ++opened;
    if (kept_readers < max_idle_readers) {
      ++kept_readers;
      return Taken{nullptr, true};
    }
    return Taken{nullptr, false};
  }

  // A kept connection goes back to the pool unless it failed (closed here:
  // its state is unknown, and its place is free for a new one).
  void ReturnReader(std::unique_ptr<SqliteConnection> conn, bool kept) {
    if (!kept) return;
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (conn == nullptr || conn->failed()) {
        --kept_readers;
      } else {
        idle_readers.push_back(std::move(conn));
      }
    }
    reader_back.notify_one();
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) { return Open(path, Options()); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, const Options& options) {
  Result<std::unique_ptr<SqliteConnection>> writer = SqliteConnection::Open(path, OpenMode::kReadWrite);
  if (!writer.ok()) return writer.status();
  static const SystemClock kSystemClock;
  const Clock& clock = options.clock != nullptr ? *options.clock : kSystemClock;
  Status migrated = sqlite::Migrate(**writer, clock.Now());
  if (!migrated.ok()) return Status::Unavailable("cannot open database " + path + ": " + migrated.message());
  if (options.unsafe_bulk_load) {
    Status s = (*writer)->Exec("PRAGMA synchronous=OFF");
    if (!s.ok()) return Status::Unavailable("cannot open database " + path + ": " + s.message());
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->max_idle_readers = options.max_idle_readers > 0 ? static_cast<std::size_t>(options.max_idle_readers) : 0;
  impl->reader_wait = options.reader_wait;
  impl->writer = std::move(*writer);
  impl->writer->CountFailuresIn(&impl->failures);
  impl->group = std::make_unique<sqlite::GroupCommit>(*impl->writer, options.max_batch);
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<std::unique_ptr<WriteTxn>> SqliteStore::BeginWrite() {
  AS_RETURN_IF_ERROR(impl_->group->Enter());
  return sql::SqlWriteTxn::Begin(std::make_unique<sqlite::GroupCommitSession>(*impl_->group));
}

Result<std::unique_ptr<ReadTxn>> SqliteStore::BeginRead() {
  Impl::Taken taken = impl_->TakeReader();
  if (taken.conn == nullptr) {
    Result<std::unique_ptr<SqliteConnection>> opened = SqliteConnection::Open(impl_->path, OpenMode::kReadOnly);
    if (!opened.ok()) {
      impl_->failures.fetch_add(1, std::memory_order_relaxed);
      impl_->ReturnReader(nullptr, taken.kept);
      return opened.status();
    }
    taken.conn = std::move(*opened);
    taken.conn->CountFailuresIn(&impl_->failures);
  }
  Impl* impl = impl_.get();
  const bool kept = taken.kept;
  return sqlite::SqliteReadTxn::Begin(
      std::move(taken.conn), [impl, kept](std::unique_ptr<SqliteConnection> c) { impl->ReturnReader(std::move(c), kept); });
}

SqliteStore::WriteStats SqliteStore::write_stats() const {
  sqlite::GroupCommit::Stats s = impl_->group->stats();
  return WriteStats{s.commands, s.batches, s.waiting, s.turns, s.held_seconds, s.commit_seconds};
}

SqliteStore::ReadStats SqliteStore::read_stats() const {
  std::lock_guard<std::mutex> lock(impl_->pool_mu);
  return ReadStats{impl_->opened, impl_->waits};
}

std::int64_t SqliteStore::FailureCount() const { return impl_->failures.load(std::memory_order_relaxed); }

const std::string& SqliteStore::path() const { return impl_->path; }

}  // namespace aftersales
