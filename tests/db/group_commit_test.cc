// Group commit (db/group_commit.h): commands that queue up for the writer
// share one COMMIT, each stays all-or-nothing on its own, each Commit()
// returns only once its batch is on disk, and a lone command commits at once.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "db/sqlite/group_commit.h"
#include "domain/clock.h"
#include "support/wait.h"
#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

// Waits (bounded) until `n` writers are queued behind the current one.
void WaitForWaiting(SqliteStore& store, int n) {
  WaitUntil([&] { return store.write_stats().waiting >= n; });
  REQUIRE(store.write_stats().waiting == n);
}

std::optional<std::string> SettingSeenByReader(StoreFixture& f, const std::string& key) {
  return Value(f.Read()->GetSetting(key));
}

// What one queued command did: its Commit() outcome, and what the stored
// setting read by a fresh reader when Commit() returned.
struct Outcome {
  Status commit = Status::Internal("not run");
  std::optional<std::string> seen_after_commit;
};

// Runs `body` on a new thread inside a write transaction that commits.
std::thread Command(StoreFixture& f, const std::string& key, Outcome& out,
                    std::function<Status(WriteTxn&)> body = nullptr) {
  return std::thread([&f, key, &out, body] {
    Result<std::unique_ptr<WriteTxn>> w = f.store().BeginWrite();
    if (!w.ok()) {
      out.commit = w.status();
      return;
    }
    Status s = (*w)->PutSetting(key, "written");
    if (s.ok() && body) s = body(**w);
    if (!s.ok()) {
      out.commit = s;
      return;
    }
    out.commit = (*w)->Commit();
    Result<std::unique_ptr<ReadTxn>> r = f.store().BeginRead();  // no Catch2 macros off the main thread
    if (!r.ok()) return;
    Result<std::optional<std::string>> seen = (*r)->GetSetting(key);
    if (seen.ok()) out.seen_after_commit = *seen;
  });
}

TEST_CASE("a lone writer commits at once, in a batch of its own", "[db][concurrency][sqlite]") {
  StoreFixture f;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  auto w = f.Write();
  REQUIRE_OK(w->PutSetting("alone", "yes"));
  REQUIRE_OK(w->Commit());
  // Durable and visible to other connections when Commit() returns.
  CHECK(SettingSeenByReader(f, "alone") == std::optional<std::string>("yes"));
  const SqliteStore::WriteStats after = f.sqlite().write_stats();
  CHECK(after.commands == before.commands + 1);
  CHECK(after.batches == before.batches + 1);
}

TEST_CASE("the writer's figures time each turn's own work apart from the COMMITs", "[db][concurrency][sqlite]") {
  StoreFixture f;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  {
    // A turn that holds the writer for 30 ms and is then undone: its time
    // counts as held, and no COMMIT ran.
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("undone", "yes"));
    SleepForMillis(30);
  }
  const SqliteStore::WriteStats undone = f.sqlite().write_stats();
  CHECK(undone.turns == before.turns + 1);
  CHECK(undone.commands == before.commands);
  CHECK(undone.held_seconds - before.held_seconds >= 0.03);
  CHECK(undone.commit_seconds == before.commit_seconds);

  auto w = f.Write();
  REQUIRE_OK(w->PutSetting("kept", "yes"));
  REQUIRE_OK(w->Commit());
  const SqliteStore::WriteStats kept = f.sqlite().write_stats();
  CHECK(kept.turns == undone.turns + 1);
  CHECK(kept.commands == undone.commands + 1);
  CHECK(kept.held_seconds > undone.held_seconds);
  CHECK(kept.commit_seconds > undone.commit_seconds);
}

TEST_CASE("writers queued behind one another share one COMMIT", "[db][concurrency][sqlite]") {
  StoreFixture f;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  auto first = f.Write();
  REQUIRE_OK(first->PutSetting("first", "written"));

  Outcome second, third;
  std::thread t2 = Command(f, "second", second);
  WaitForWaiting(f.sqlite(), 1);
  std::thread t3 = Command(f, "third", third);
  WaitForWaiting(f.sqlite(), 2);

  // The first hands over to the queued writers and returns once the batch
  // of all three is on disk.
  Status first_commit = first->Commit();
  t2.join();
  t3.join();
  first.reset();
  REQUIRE_OK(first_commit);
  CHECK(SettingSeenByReader(f, "first") == std::optional<std::string>("written"));
  REQUIRE_OK(second.commit);
  REQUIRE_OK(third.commit);
  CHECK(second.seen_after_commit == std::optional<std::string>("written"));
  CHECK(third.seen_after_commit == std::optional<std::string>("written"));

  const SqliteStore::WriteStats after = f.sqlite().write_stats();
  CHECK(after.commands == before.commands + 3);
  CHECK(after.batches == before.batches + 1);
}

TEST_CASE("a command that fails inside a batch undoes only itself", "[db][concurrency][sqlite]") {
  StoreFixture f;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  auto first = f.Write();
  REQUIRE_OK(first->PutSetting("first", "written"));

  // The second writes, then gives up (its transaction is destroyed without
  // Commit); the third refers to a case that does not exist, which SQLite
  // would only notice at COMMIT (a deferred foreign key) and so would fail
  // the whole batch if the command's own Commit() did not catch it.
  Outcome second, third, fourth;
  std::thread t2 = Command(f, "second", second, [](WriteTxn& txn) -> Status {
    OutboxRow e;
    e.event_id = "evt-abandoned";
    e.type = "case.created";
    e.payload = "{}";
    AS_RETURN_IF_ERROR(txn.InsertOutbox(e).status());
    return Status(Code::kVersionConflict, "the command gave up");
  });
  WaitForWaiting(f.sqlite(), 1);
  std::thread t3 = Command(f, "third", third, [](WriteTxn& txn) -> Status {
    DeadlineRow d;
    d.case_id = "no-such-case";
    d.kind = DeadlineKind::kMerchantResponse;
    return txn.InsertDeadline(d).status();
  });
  WaitForWaiting(f.sqlite(), 2);
  std::thread t4 = Command(f, "fourth", fourth);
  WaitForWaiting(f.sqlite(), 3);

  Status first_commit = first->Commit();
  t2.join();
  t3.join();
  t4.join();
  first.reset();

  REQUIRE_OK(first_commit);
  CHECK(second.commit.code() == Code::kVersionConflict);
  CHECK(third.commit.code() == Code::kUnavailable);
  REQUIRE_OK(fourth.commit);
  CHECK(SettingSeenByReader(f, "first") == std::optional<std::string>("written"));
  CHECK(SettingSeenByReader(f, "second") == std::nullopt);
  CHECK(SettingSeenByReader(f, "third") == std::nullopt);
  CHECK(SettingSeenByReader(f, "fourth") == std::optional<std::string>("written"));
  auto raw = RawConnection(f.path());
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM outbox") == 0);
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM deadlines") == 0);

  const SqliteStore::WriteStats after = f.sqlite().write_stats();
  CHECK(after.commands == before.commands + 2);  // first and fourth
  CHECK(after.batches == before.batches + 1);
}

TEST_CASE("the command that began a batch undoes only itself, and the queued ones commit",
          "[db][concurrency][sqlite]") {
  // The batch's first command has no savepoint of its own: undoing it rolls
  // the transaction back. Once by giving up, once refused at its Commit() (a
  // deferred foreign key), each time with writers queued behind it.
  StoreFixture f;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  {
    auto first = f.Write();
    REQUIRE_OK(first->PutSetting("first", "written"));
    OutboxRow e;
    e.event_id = "evt-first";
    e.type = "case.created";
    e.payload = "{}";
    REQUIRE_OK(first->InsertOutbox(e).status());
    Outcome second;
    std::thread t2 = Command(f, "second", second);
    WaitForWaiting(f.sqlite(), 1);
    first.reset();  // gives up with a writer queued
    t2.join();
    REQUIRE_OK(second.commit);
    CHECK(second.seen_after_commit == std::optional<std::string>("written"));
  }
  {
    auto first = f.Write();
    REQUIRE_OK(first->PutSetting("refused", "written"));
    DeadlineRow d;
    d.case_id = "no-such-case";
    d.kind = DeadlineKind::kMerchantResponse;
    REQUIRE_OK(first->InsertDeadline(d).status());
    Outcome third, fourth;
    std::thread t3 = Command(f, "third", third);
    WaitForWaiting(f.sqlite(), 1);
    std::thread t4 = Command(f, "fourth", fourth);
    WaitForWaiting(f.sqlite(), 2);
    const Status refused = first->Commit();
    t3.join();
    t4.join();
    first.reset();
    CHECK(refused.code() == Code::kUnavailable);
    REQUIRE_OK(third.commit);
    REQUIRE_OK(fourth.commit);
  }
  CHECK(SettingSeenByReader(f, "first") == std::nullopt);
  CHECK(SettingSeenByReader(f, "refused") == std::nullopt);
  CHECK(SettingSeenByReader(f, "second") == std::optional<std::string>("written"));
  CHECK(SettingSeenByReader(f, "third") == std::optional<std::string>("written"));
  CHECK(SettingSeenByReader(f, "fourth") == std::optional<std::string>("written"));
  auto raw = RawConnection(f.path());
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM outbox") == 0);
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM deadlines") == 0);
  const SqliteStore::WriteStats after = f.sqlite().write_stats();
  CHECK(after.commands == before.commands + 3);
  CHECK(after.turns == before.turns + 5);
}

TEST_CASE("a transaction that SQLite rolled back under the batch's first command fails it alone",
          "[db][concurrency][sqlite]") {
  // INSERT OR ROLLBACK ends the transaction on a clash without marking the
  // connection failed (a constraint). The first command, which has no
  // savepoint, must be refused, and the writer queued behind it must get a
  // batch of its own: not a SAVEPOINT that silently begins (and its RELEASE
  // commits) a transaction outside any batch, reported as failed.
  TempDir dir;
  auto conn = Value(sqlite::SqliteConnection::Open(dir.File("g.db"), sqlite::OpenMode::kReadWrite));
  REQUIRE_OK(conn->Exec("CREATE TABLE t (x INTEGER PRIMARY KEY)"));
  sqlite::GroupCommit group(*conn, 256);
  REQUIRE_OK(group.Enter());
  REQUIRE_OK(conn->Exec("INSERT INTO t VALUES (1)"));
  CHECK_FALSE(conn->Exec("INSERT OR ROLLBACK INTO t VALUES (1)").ok());
  REQUIRE_FALSE(conn->InTransaction());

  Status queued_enter = Status::Internal("not run"), queued_commit = Status::Internal("not run");
  std::thread queued([&] {
    queued_enter = group.Enter();
    if (!queued_enter.ok()) return;
    Status inserted = conn->Exec("INSERT INTO t VALUES (2)");
    queued_commit = inserted.ok() ? group.Commit() : inserted;
  });
  WaitUntil([&] { return group.stats().waiting >= 1; });
  REQUIRE(group.stats().waiting == 1);
  const Status first_commit = group.Commit();
  queued.join();
  CHECK(first_commit.code() == Code::kUnavailable);
  REQUIRE_OK(queued_enter);
  REQUIRE_OK(queued_commit);
  auto raw = RawConnection(dir.File("g.db"));
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM t WHERE x = 1") == 0);
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM t WHERE x = 2") == 1);
}

TEST_CASE("32 writers hammering the store: every commit durable, fewer COMMITs than commands",
          "[db][concurrency][sqlite]") {
  StoreFixture f;
  constexpr int kThreads = 32;
  constexpr int kEach = 25;
  std::vector<std::string> errors[kThreads];
  std::vector<std::thread> threads;
  const SqliteStore::WriteStats before = f.sqlite().write_stats();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Result<std::unique_ptr<WriteTxn>> w = f.store().BeginWrite();
        if (!w.ok()) {
          errors[t].push_back(w.status().message());
          continue;
        }
        Result<std::optional<std::string>> current = (*w)->GetSetting("counter");
        const int value = current.ok() && current->has_value() ? std::stoi(**current) : 0;
        Status s = (*w)->PutSetting("counter", std::to_string(value + 1));
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (s.ok()) s = (*w)->PutSetting(key, "done");
        if (s.ok()) s = (*w)->Commit();
        if (!s.ok()) {
          errors[t].push_back(s.message());
          continue;
        }
        // Acknowledged means durable: another connection sees it now.
        Result<std::unique_ptr<ReadTxn>> r = f.store().BeginRead();
        bool visible = false;
        if (r.ok()) {
          Result<std::optional<std::string>> seen = (*r)->GetSetting(key);
          visible = seen.ok() && seen->has_value();
        }
        if (!visible) errors[t].push_back("not visible after Commit: " + key);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(errors[t].empty());
  }
  CHECK(SettingSeenByReader(f, "counter") == std::optional<std::string>(std::to_string(kThreads * kEach)));
  const SqliteStore::WriteStats after = f.sqlite().write_stats();
  CHECK(after.commands - before.commands == kThreads * kEach);
  // 32 threads waiting on fsyncs always queue up behind each other.
  CHECK(after.batches - before.batches < kThreads * kEach);
}

TEST_CASE("with max_batch 1 every command commits on its own", "[db][concurrency][sqlite]") {
  TempDir dir;
  SqliteStore::Options options;
  options.max_batch = 1;
  auto store = Value(SqliteStore::Open(dir.File("db.sqlite"), options));
  auto first = Value(store->BeginWrite());
  REQUIRE_OK(first->PutSetting("first", "written"));
  Status second_commit;
  std::thread t2([&] {
    Result<std::unique_ptr<WriteTxn>> w = store->BeginWrite();
    second_commit = w.status();
    if (second_commit.ok()) second_commit = (*w)->PutSetting("second", "written");
    if (second_commit.ok()) second_commit = (*w)->Commit();
  });
  WaitForWaiting(*store, 1);
  REQUIRE_OK(first->Commit());
  // Durable before the queued writer even began.
  CHECK(Value(Value(store->BeginRead())->GetSetting("first")) == std::optional<std::string>("written"));
  t2.join();
  first.reset();
  REQUIRE_OK(second_commit);
  CHECK(store->write_stats().batches == store->write_stats().commands);
}

}  // namespace
}  // namespace aftersales::testing
