// The scheduled checkpoint writer of `serve --checkpoint-dir`, on a manual
// clock: one checkpoint per period in which the head moved, none otherwise.
#include "engine/audit/checkpoint_scheduler.h"

#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/audit_tamper.h"
#include "support/temp_dir.h"
#include "support/test_database.h"
#include "support/wait.h"

namespace aftersales {
namespace {

using testing::TempDir;

constexpr std::int64_t kEvery = 3600;
const TimePoint kStart = *ParseTime("2026-11-27T06:00:00Z");

class SchedulerFixture {
 public:
  SchedulerFixture()
      : database_(dir_.File("audit.db")),
        clock_(kStart),
        key_(std::move(*Ed25519PrivateKey::Generate())),
        folder_(dir_.File("checkpoints")) {
    REQUIRE(folder_.Create().ok());
    Open();
  }

  CheckpointScheduler& scheduler() { return *scheduler_; }
  ManualClock& clock() { return clock_; }
  const CheckpointFolder& folder() const { return folder_; }
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  void Append(int n) {
    for (int i = 0; i < n; ++i) {
      Result<std::unique_ptr<WriteTxn>> txn = store_->BeginWrite();
      REQUIRE(txn.ok());
      AuditRecord r;
      r.at = clock_.Now();
      r.actor_id = "cli";
      r.actor_role = "admin";
      r.action = "order_created";
      r.data = {{"n", ++appended_}};
      REQUIRE(AuditLog::Append(**txn, r).ok());
      REQUIRE((*txn)->Commit().ok());
    }
  }

  // The seqs of the checkpoint files, ascending.
  std::vector<std::int64_t> Files() const {
    Result<std::vector<StoredCheckpoint>> listed = folder_.List();
    REQUIRE(listed.ok());
    std::vector<std::int64_t> seqs;
    for (const StoredCheckpoint& s : *listed) {
      REQUIRE(s.checkpoint.has_value());
      seqs.push_back(s.seq);
    }
    return seqs;
  }

  void Close() {
    scheduler_.reset();
    store_.reset();
  }
  void Open() {
    store_ = database_.OpenStore();
    CheckpointScheduler::Options options;
    options.every_seconds = kEvery;
    options.poll_millis = 5;
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
    scheduler_ = std::make_unique<CheckpointScheduler>(*store_, key_, folder_, clock_, options);
  }
  // The file's path or the database's URI, for raw SQL (AuditTamperer).
  const std::string& location() const { return database_.location(); }

 private:
  TempDir dir_;
  testing::TestDatabase database_;
  ManualClock clock_;
  Ed25519PrivateKey key_;
  CheckpointFolder folder_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<CheckpointScheduler> scheduler_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  int appended_ = 0;
};

CheckpointPass Pass(CheckpointScheduler& scheduler) {
  Result<CheckpointPass> pass = scheduler.RunOnce();
  INFO(pass.status().message());
  REQUIRE(pass.ok());
  return *pass;
}

TEST_CASE("checkpoint scheduler: one checkpoint per period when the head moved, none when it did not",
          "[checkpoint][scheduler]") {
  SchedulerFixture f;
  f.Append(3);

  // The first pass is due at once: it catches up.
  CheckpointPass first = Pass(f.scheduler());
  CHECK(first.due);
  REQUIRE(first.checkpoint.has_value());
  CHECK(first.checkpoint->seq == 3);
  CHECK(f.Files() == std::vector<std::int64_t>{3});

  // Within the period nothing is looked at, even though the head moved.
  f.Append(2);
  f.clock().Advance(kEvery - 1);
  CheckpointPass early = Pass(f.scheduler());
  CHECK_FALSE(early.due);
  CHECK(f.Files() == std::vector<std::int64_t>{3});

  // A period later: one checkpoint of the new head.
  f.clock().Advance(1);
  CheckpointPass moved = Pass(f.scheduler());
  CHECK(moved.due);
  REQUIRE(moved.checkpoint.has_value());
  CHECK(moved.checkpoint->seq == 5);
  CHECK(f.Files() == std::vector<std::int64_t>{3, 5});

  // Another period with no new entry: due, but nothing written.
  f.clock().Advance(kEvery);
  CheckpointPass idle = Pass(f.scheduler());
  CHECK(idle.due);
  CHECK_FALSE(idle.checkpoint.has_value());
  CHECK(idle.refusal.empty());
  CHECK(f.Files() == std::vector<std::int64_t>{3, 5});

  CHECK(f.scheduler().written() == 2);
  CHECK(f.scheduler().refused() == 0);
  CHECK(f.scheduler().errors() == 0);
  const std::vector<std::string> log = f.log();
  REQUIRE(log.size() == 2);
  CHECK(log[1].find("checkpoint-5.json (seq 5") != std::string::npos);
}

TEST_CASE("checkpoint scheduler: a restart finds the newest checkpoint and writes nothing new",
          "[checkpoint][scheduler]") {
  SchedulerFixture f;
  f.Append(4);
  REQUIRE(Pass(f.scheduler()).checkpoint.has_value());
  f.Close();
  f.Open();
  CheckpointPass after_restart = Pass(f.scheduler());
  CHECK(after_restart.due);
  CHECK_FALSE(after_restart.checkpoint.has_value());
  CHECK(f.Files() == std::vector<std::int64_t>{4});
}

TEST_CASE("checkpoint scheduler: an empty log gets no checkpoint", "[checkpoint][scheduler]") {
  SchedulerFixture f;
  CheckpointPass pass = Pass(f.scheduler());
  CHECK(pass.due);
  CHECK_FALSE(pass.checkpoint.has_value());
  CHECK(f.Files().empty());
}

TEST_CASE("checkpoint scheduler: a rewritten log is refused, logged and not written", "[checkpoint][scheduler]") {
  SchedulerFixture f;
  f.Append(6);
  REQUIRE(Pass(f.scheduler()).checkpoint.has_value());
  f.Close();
  {
    testing::AuditTamperer raw(f.location());
    raw.RewriteFrom(5, R"({"n":55})");
  }
  f.Open();
  f.Append(1);  // the head moved
  CheckpointPass pass = Pass(f.scheduler());
  CHECK_FALSE(pass.checkpoint.has_value());
  CHECK(pass.refusal.find("rewritten at or before seq 6") != std::string::npos);
  CHECK(f.scheduler().refused() == 1);
  CHECK(f.Files() == std::vector<std::int64_t>{6});
  const std::vector<std::string> log = f.log();
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().find("REFUSED") != std::string::npos);
}

TEST_CASE("checkpoint scheduler: the thread writes when the clock moves and it is woken", "[checkpoint][scheduler]") {
  SchedulerFixture f;
  f.Append(2);
  f.scheduler().Start();
  testing::WaitUntil([&] { return f.scheduler().written() >= 1; });
  REQUIRE(f.scheduler().written() == 1);

  f.Append(1);
  f.clock().Advance(kEvery);
  f.scheduler().Wake();
  testing::WaitUntil([&] { return f.scheduler().written() >= 2; });
  f.scheduler().Stop();
  CHECK(f.scheduler().written() == 2);
  CHECK(f.scheduler().errors() == 0);
  CHECK(f.Files() == std::vector<std::int64_t>{2, 3});
}

}  // namespace
}  // namespace aftersales
