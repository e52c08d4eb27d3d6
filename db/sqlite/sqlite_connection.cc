#include "db/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

namespace aftersales::sqlite {
namespace {

// Statements with generated text (list filters) could grow the cache without
// bound; past this size the idle ones are dropped and prepared again later.
constexpr std::size_t kMaxCachedStatements = 128;

// SQLite keeps memory statistics by default (SQLITE_CONFIG_MEMSTATUS),
// which makes every allocation and free of every connection take one global
// mutex: 6 % of the server's instructions on a sequential lifecycle run,
// more under contention. Nothing here reads those statistics
// (sqlite3_memory_used, a soft heap limit). sqlite3_config works only
// before SQLite initializes and with no other thread using it, so this
// runs while the process starts, before main(); were SQLite initialized
// already, it would refuse, changing nothing.
const bool kMemoryStatisticsOff = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;

Status OpenError(const std::string& path, const std::string& why) {
  return Status::Unavailable("cannot open database " + path + ": " + why);
}

}  // namespace

SqliteConnection::SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // statements are finalized before their connection closes
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path, OpenMode mode) {
  // NOMUTEX: SQLite's per-connection lock is redundant, the store
  // serializes each connection's use itself.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= mode == OpenMode::kReadWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return OpenError(path, why);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);

  if (mode == OpenMode::kReadWrite) {
    // Also the first read of the file: "not a database" surfaces here.
    Result<StatementHandle> wal = conn->Prepare("PRAGMA journal_mode=WAL");
    if (!wal.ok()) return OpenError(path, wal.status().message());
    Result<bool> row = (*wal)->Step();
    if (!row.ok()) return OpenError(path, row.status().message());
    std::string journal_mode = *row ? (*wal)->ColumnText(0) : std::string();
    if (journal_mode != "wal") return OpenError(path, "journal_mode=WAL refused (got '" + journal_mode + "')");
    // The savepoint journal of a command that joins a batch (group commit)
    // outgrows SQLite's in-memory spill limit and would otherwise become a
    // temporary file, created and deleted once per command.
    Status s = conn->Exec("PRAGMA temp_store=MEMORY");
    if (!s.ok()) return OpenError(path, s.message());
  }
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status s = conn->Exec(pragma);
    if (!s.ok()) return OpenError(path, s.message());
  }
  if (mode == OpenMode::kReadOnly) {
    // Read the header now so that a missing or foreign file fails the open.
    Status s = conn->Exec("PRAGMA schema_version");
    if (!s.ok()) return OpenError(path, s.message());
  }
  conn->ClearFailed();
  return Result<std::unique_ptr<SqliteConnection>>(std::move(conn));
}

Result<StatementHandle> SqliteConnection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use()) return StatementHandle(it->second.get());

  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    MarkFailed();
    return ErrorStatus(rc, "preparing: " + std::string(sql));
  }
  if (raw == nullptr) return Status::Internal("empty SQL statement");
  auto stmt = std::make_unique<SqliteStatement>(*this, raw, std::string(sql));
  if (it != cache_.end()) return StatementHandle(std::move(stmt));  // the cached one is busy
  if (cache_.size() >= kMaxCachedStatements) EvictIdleStatements();
  SqliteStatement* cached = stmt.get();
  const std::string_view key = cached->sql();  // the statement's own copy, which lives as long as the entry
  cache_.emplace(key, std::move(stmt));
  return StatementHandle(cached);
}

Status SqliteConnection::Exec(std::string_view sql) {
  Result<StatementHandle> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  while (true) {
    Result<bool> row = (*stmt)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

std::int64_t SqliteConnection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

bool SqliteConnection::DeferredForeignKeysPending() const {
  int current = 0;
  int highwater = 0;
  // On failure (never for a valid handle) report a violation: refusing is safe.
  if (sqlite3_db_status(db_, SQLITE_DBSTATUS_DEFERRED_FKS, &current, &highwater, 0) != SQLITE_OK) return true;
  return current != 0;
}

Status SqliteConnection::ErrorStatus(int rc, std::string_view context) const {
  std::string message = "storage error: ";
  message += sqlite3_errmsg(db_);
  message += " (";
  message += sqlite3_errstr(rc);
  message += ") in: ";
  message += context;
  return Status::Unavailable(std::move(message));
}

void SqliteConnection::EvictIdleStatements() {
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->second->in_use() ? std::next(it) : cache_.erase(it);
  }
}

}  // namespace aftersales::sqlite
