// The store (SqliteStore, or PgStore on PostgreSQL) under concurrent use:
// writers from many threads serialize (no lost update, no error), readers
// run beside them, and a second writer waits for the first to finish.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/wait.h"
#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

constexpr int kWriterThreads = 8;
constexpr int kTxnsPerThread = 40;

// One read-modify-write transaction: counter += 1, plus an outbox row, so a
// lost update or an interleaving would show as a wrong count.
Status IncrementCounter(Store& store, int thread, int i) {
  Result<std::unique_ptr<WriteTxn>> w = store.BeginWrite();
  if (!w.ok()) return w.status();
  Result<std::optional<std::string>> current = (*w)->GetSetting("counter");
  if (!current.ok()) return current.status();
  const int value = current->has_value() ? std::stoi(**current) : 0;
  AS_RETURN_IF_ERROR((*w)->PutSetting("counter", std::to_string(value + 1)));
  OutboxRow e;
  e.event_id = "evt-" + std::to_string(thread) + "-" + std::to_string(i);
  e.type = "case.created";
  e.payload = "{}";
  Result<std::int64_t> id = (*w)->InsertOutbox(e);
  if (!id.ok()) return id.status();
  return (*w)->Commit();
}

// 8 threads each commit kTxnsPerThread increments while a reader reads
// beside them; CHECKs that none failed, no update was lost and the reader
// saw the counter only grow. Returns how many increments were committed.
int RunWritersBesideAReader(StoreFixture& f) {
  std::vector<std::string> errors[kWriterThreads];
  std::atomic<bool> writing{true};
  std::vector<std::string> reader_errors;
  std::atomic<int> reader_checks{0};

  // A reader beside the writers: values only grow, reads never fail.
  std::thread reader([&] {
    int last = 0;
    while (writing.load()) {
      auto r = f.store().BeginRead();
      if (!r.ok()) {
        reader_errors.push_back(r.status().message());
        continue;
      }
      auto v = (*r)->GetSetting("counter");
      if (!v.ok()) {
        reader_errors.push_back(v.status().message());
        continue;
      }
      const int now = v->has_value() ? std::stoi(**v) : 0;
      if (now < last) reader_errors.push_back("counter went back");
      last = now;
      ++reader_checks;
    }
  });
  // The reader is reading before the writers start, and reads again after
  // they started (waited for, not timed: on a fast disk the writers can be
  // done before a reader that was merely started has read once).
  CHECK(WaitUntil([&] { return reader_checks.load() > 0; }));
  const int checks_before_writers = reader_checks.load();
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriterThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kTxnsPerThread; ++i) {
        Status s = IncrementCounter(f.store(), t, i);
        if (!s.ok()) errors[t].push_back(s.message());
      }
    });
  }
  for (std::thread& w : writers) w.join();
  CHECK(WaitUntil([&] { return reader_checks.load() > checks_before_writers; }));
  writing = false;
  reader.join();

  for (int t = 0; t < kWriterThreads; ++t) {
    INFO("thread " << t);
    CHECK(errors[t].empty());
  }
  CHECK(reader_errors.empty());
  const int total = kWriterThreads * kTxnsPerThread;
  CHECK(Value(f.Read()->GetSetting("counter")) == std::optional<std::string>(std::to_string(total)));
  return total;
}

TEST_CASE("writers on 8 threads serialize without errors or lost updates", "[db][concurrency]") {
  StoreFixture f;
  const int total = RunWritersBesideAReader(f);
  // Every transaction's outbox row is there, also for a store opened afresh.
  f.Reopen();
  CHECK(Value(f.Read()->CountOutboxAfter(0)) == total);
}

TEST_CASE("writers on 8 threads: every outbox row is in the SQLite file", "[db][concurrency][sqlite]") {
  StoreFixture f;
  const int total = RunWritersBesideAReader(f);
  f.Close();
  auto raw = RawConnection(f.path());
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM outbox") == total);
}

TEST_CASE("a second writer waits until the first transaction is gone", "[db][concurrency]") {
  StoreFixture f;
  auto first = f.Write();
  REQUIRE_OK(first->PutSetting("owner", "first"));

  std::atomic<bool> second_began{false};
  Status second_status;
  std::optional<std::string> second_saw;
  std::thread second([&] {
    auto w = f.store().BeginWrite();
    second_began = true;
    if (!w.ok()) {
      second_status = w.status();
      return;
    }
    auto seen = (*w)->GetSetting("owner");
    if (!seen.ok()) {
      second_status = seen.status();
      return;
    }
    second_saw = *seen;
    second_status = (*w)->PutSetting("owner", "second");
    if (second_status.ok()) second_status = (*w)->Commit();
  });
  // Give the second writer every chance to get in early if it could.
  SleepForMillis(200);
  CHECK_FALSE(second_began.load());
  Status committed = first->Commit();
  first.reset();
  second.join();  // before any REQUIRE: a failing one must not leave the thread running

  REQUIRE_OK(committed);
  REQUIRE_OK(second_status);
  CHECK(second_saw == std::optional<std::string>("first"));  // it began after the first committed
  CHECK(Value(f.Read()->GetSetting("owner")) == std::optional<std::string>("second"));
}

}  // namespace
}  // namespace aftersales::testing
