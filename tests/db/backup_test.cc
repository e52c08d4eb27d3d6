// BackupDatabase and IntegrityCheck: a backup taken while another thread
// keeps writing is a sound, consistent database; refusals and failures
// leave no file behind.
#include "db/sqlite/backup.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

// Each transaction adds one outbox row and sets "rows" to the new row
// count, so a copy that mixed two moments would disagree with itself.
Status AddRow(Store& store, int n) {
  auto w = store.BeginWrite();
  if (!w.ok()) return w.status();
  OutboxRow e;
  e.event_id = "evt-" + std::to_string(n);
  e.type = "case.state_changed";
  e.payload = std::string(400, 'p');
  Result<std::int64_t> id = (*w)->InsertOutbox(e);
  if (!id.ok()) return id.status();
  AS_RETURN_IF_ERROR((*w)->PutSetting("rows", std::to_string(n)));
  return (*w)->Commit();
}

// Many rows per transaction, to grow the file quickly.
void Seed(Store& store, int rows) {
  auto w = Value(store.BeginWrite());
  for (int n = 1; n <= rows; ++n) {
    OutboxRow e;
    e.event_id = "evt-" + std::to_string(n);
    e.type = "case.state_changed";
    e.payload = std::string(400, 'p');
    Value(w->InsertOutbox(e));
  }
  REQUIRE_OK(w->PutSetting("rows", std::to_string(rows)));
  REQUIRE_OK(w->Commit());
}

TEST_CASE("a backup taken during writes is sound and consistent", "[db][backup][sqlite]") {
  StoreFixture f;
  constexpr int kSeedRows = 8000;  // several MiB: many backup steps
  Seed(f.store(), kSeedRows);
  const std::string dest = f.dir().File("backup.sqlite");

  std::atomic<bool> stop{false};
  std::atomic<int> written{kSeedRows};
  Status writer_status;
  std::thread writer([&] {
    for (int n = kSeedRows + 1; !stop.load(); ++n) {
      writer_status = AddRow(f.store(), n);
      if (!writer_status.ok()) return;
      written = n;
    }
  });
  // Make sure the writer is running before the backup starts.
  while (written.load() < kSeedRows + 3) SleepForMillis(1);
  Status backed_up = BackupDatabase(f.path(), dest);
  const int written_after_backup = written.load();
  stop = true;
  writer.join();
  REQUIRE_OK(backed_up);
  REQUIRE_OK(writer_status);

  CHECK(Value(IntegrityCheck(dest)) == "ok");
  CHECK_FALSE(std::filesystem::exists(dest + ".partial"));
  std::int64_t rows = 0;
  {
    auto raw = RawConnection(dest);
    rows = QueryInt(*raw, "SELECT COUNT(*) FROM outbox");
    // One moment: the counter matches the rows, and rows are a gap-free prefix.
    CHECK(QueryTexts(*raw, "SELECT value FROM settings WHERE key = 'rows'") ==
          std::vector<std::string>{std::to_string(rows)});
    CHECK(QueryInt(*raw, "SELECT MAX(id) FROM outbox") == rows);
  }
  CHECK(rows >= kSeedRows + 3);
  CHECK(rows <= written_after_backup + 1);  // + the commit whose count was not yet published
  // The copy opens as a store.
  auto copy = Value(SqliteStore::Open(dest));
  auto r = Value(copy->BeginRead());
  CHECK(Value(r->GetSetting("rows")) == std::optional<std::string>(std::to_string(rows)));
}

TEST_CASE("a backup never overwrites and leaves nothing behind on failure", "[db][backup][sqlite]") {
  StoreFixture f;
  Seed(f.store(), 10);
  const std::string existing = f.dir().File("existing.sqlite");
  std::ofstream(existing) << "keep me";
  Status s = BackupDatabase(f.path(), existing);
  CHECK(s.code() == Code::kAlreadyExists);
  std::ifstream in(existing);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "keep me");
  CHECK(BackupDatabase(f.path(), f.path()).code() == Code::kAlreadyExists);

  const std::string missing_source = f.dir().File("missing.sqlite");
  const std::string dest = f.dir().File("dest.sqlite");
  s = BackupDatabase(missing_source, dest);
  CHECK(s.code() == Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains(missing_source));
  CHECK_FALSE(std::filesystem::exists(dest));
  CHECK_FALSE(std::filesystem::exists(missing_source));  // not created by the attempt

  const std::string unwritable = f.dir().File("no/such/dir/dest.sqlite");
  s = BackupDatabase(f.path(), unwritable);
  CHECK(s.code() == Code::kUnavailable);
  CHECK_FALSE(std::filesystem::exists(unwritable));
}

TEST_CASE("IntegrityCheck reports damage", "[db][backup][sqlite]") {
  StoreFixture f;
  Seed(f.store(), 3000);
  const std::string copy = f.dir().File("copy.sqlite");
  REQUIRE_OK(BackupDatabase(f.path(), copy));
  REQUIRE(Value(IntegrityCheck(copy)) == "ok");

  // Overwrite pages in the middle of the file (table b-tree pages).
  const auto size = std::filesystem::file_size(copy);
  REQUIRE(size > 64 * 4096);
  {
    std::fstream file(copy, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    const std::string junk(16 * 4096, '\x5a');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto report = IntegrityCheck(copy);
  // Either the check's own report, or SQLite refuses to read the pages.
  if (report.ok()) {
    CHECK(*report != "ok");
  } else {
    CHECK(report.status().code() == Code::kUnavailable);
  }

  const std::string garbage = f.dir().File("garbage.sqlite");
  std::ofstream(garbage) << std::string(8192, 'x');
  CHECK(IntegrityCheck(garbage).status().code() == Code::kUnavailable);
  CHECK(IntegrityCheck(f.dir().File("absent.sqlite")).status().code() == Code::kUnavailable);
}

}  // namespace
}  // namespace aftersales::testing
