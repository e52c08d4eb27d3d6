#include "db/sqlite/backup.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "db/sqlite/sqlite_connection.h"
#include "domain/clock.h"

namespace aftersales {
namespace {

using sqlite::OpenMode;
using sqlite::SqliteConnection;
using sqlite::StatementHandle;

// Pages copied per backup step (4 KiB pages: 1 MiB per step).
constexpr int kPagesPerStep = 256;
// Pause after a step that found the destination busy, and how many such
// pauses a backup tolerates in a row before giving up.
constexpr int kBusyPauseMillis = 20;
constexpr int kMaxBusyPausesInARow = 250;

struct BackupDeleter {
  void operator()(sqlite3_backup* b) const { sqlite3_backup_finish(b); }
};

Status CopyPages(SqliteConnection& source, SqliteConnection& dest) {
  std::unique_ptr<sqlite3_backup, BackupDeleter> backup(sqlite3_backup_init(dest.raw(), "main", source.raw(), "main"));
  if (backup == nullptr) return dest.ErrorStatus(sqlite3_errcode(dest.raw()), "starting the backup");
  int busy_in_a_row = 0;
  while (true) {
    int rc = sqlite3_backup_step(backup.get(), kPagesPerStep);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      busy_in_a_row = 0;
      continue;
    }
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++busy_in_a_row <= kMaxBusyPausesInARow) {
      SleepForMillis(kBusyPauseMillis);
      continue;
    }
    return dest.ErrorStatus(rc, "copying pages");
  }
  int rc = sqlite3_backup_finish(backup.release());
  if (rc != SQLITE_OK) return dest.ErrorStatus(rc, "finishing the backup");
  return Status::Ok();
}

}  // namespace

Status BackupDatabase(const std::string& source_path, const std::string& dest_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dest_path, ec)) return Status(Code::kAlreadyExists, "backup destination " + dest_path + " exists");

  Result<std::unique_ptr<SqliteConnection>> source = SqliteConnection::Open(source_path, OpenMode::kReadOnly);
  if (!source.ok()) return source.status();
  // One read transaction for the whole copy: every step reads the same
  // snapshot, so commits by other connections neither tear the copy nor
  // restart it.
  Status s = (*source)->Exec("BEGIN");
  if (s.ok()) s = (*source)->Exec("SELECT COUNT(*) FROM sqlite_schema");
  if (!s.ok()) return Status::Unavailable("cannot read " + source_path + ": " + s.message());

  const std::string partial = dest_path + ".partial";
  fs::remove(partial, ec);  // left by an interrupted backup
  {
    Result<std::unique_ptr<SqliteConnection>> dest = SqliteConnection::Open(partial, OpenMode::kReadWrite);
    if (!dest.ok()) return dest.status();
    s = CopyPages(**source, **dest);
  }  // the destination is closed (and synced) here
  (*source)->Exec("ROLLBACK");
  if (s.ok()) {
    fs::rename(partial, dest_path, ec);
    if (ec) s = Status::Unavailable("cannot rename " + partial + " to " + dest_path + ": " + ec.message());
  }
  if (!s.ok()) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(partial + suffix, ec);
  }
  return s;
}

Result<std::string> IntegrityCheck(const std::string& path) {
  Result<std::unique_ptr<SqliteConnection>> conn = SqliteConnection::Open(path, OpenMode::kReadOnly);
  if (!conn.ok()) return conn.status();
  Result<StatementHandle> stmt = (*conn)->Prepare("PRAGMA integrity_check");
  if (!stmt.ok()) return stmt.status();
  std::string report;
  while (true) {
    Result<bool> row = (*stmt)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!report.empty()) report += '\n';
    report += (*stmt)->ColumnText(0);
  }
  return report;
}

}  // namespace aftersales
