#include "cli/migrate_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <iomanip>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/audit_checkpoint_command.h"
#include "cli/cli_common.h"
#include "db/copy_database.h"
#include "db/postgres/pg_store.h"
#include "db/sqlite/sqlite_store.h"
#include "domain/clock.h"
#include "engine/audit/audit_log.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "migrate";

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Refusals of what is in the databases (a target with rows, a value that
// cannot be copied as it is) are findings; anything else means the command
// could not run.
int ExitFor(const Status& status) {
  return status.code() == Code::kAlreadyExists || status.code() == Code::kValidationFailed ? kExitFailed
                                                                                           : kExitUnusable;
}

std::string Seconds(double seconds) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << seconds;
  return s.str();
}

}  // namespace

int RunMigrate(const MigrateOptions& options, std::ostream& out, std::ostream& err) {
  if (!PgStore::IsUri(options.to)) {
    PrintError(err, kCommand,
               Status::Invalid("--to", "--to must name a PostgreSQL database: postgresql://USER@HOST:PORT/NAME"));
    return kExitUnusable;
  }
  if (!IsRegularFile(options.from)) {
    PrintError(
        err, kCommand,
        Status(Code::kNotFound, "no database file '" + options.from + "' (give an existing SQLite file with --from)"));
    return kExitUnusable;
  }

  // The source: this program's schema, as every command that opens the file
  // would make it. A SQLite file that is not a store is refused, not
  // given the store's tables.
  Result<int> version = SqliteSchemaVersion(options.from);
  if (!version.ok()) {
    PrintError(err, kCommand, version.status());
    return kExitUnusable;
  }
  if (*version == 0) {
    PrintError(err, kCommand,
               Status::Unavailable("'" + options.from + "' is not an aftersales database (it has no schema version)"));
    return kExitUnusable;
  }
  {
    Result<std::unique_ptr<SqliteStore>> source = SqliteStore::Open(options.from);
    if (!source.ok()) {
      PrintError(err, kCommand, source.status());
      return kExitUnusable;
    }
  }
  Result<int> upgraded = SqliteSchemaVersion(options.from);
  if (upgraded.ok() && *upgraded != *version) {
    err << "aftersales " << kCommand << ": upgraded '" << options.from << "' from schema version " << *version << " to "
        << *upgraded << " first, in place\n";
  }

  // The target: its schema made or brought up to date.
  Result<std::unique_ptr<PgStore>> target = PgStore::Open(options.to);
  if (!target.ok()) {
    PrintError(err, kCommand, target.status());
    return kExitUnusable;
  }

  err << "aftersales " << kCommand << ": copying '" << options.from
      << "' (one snapshot) into PostgreSQL (one transaction)\n";
  const double started = MonotonicSeconds();
  CopyProgress progress;
  progress.every = 10000;
  auto table_started = started;
  progress.report = [&err, &table_started](const std::string& table, std::int64_t done, std::int64_t total) {
    if (table.empty()) {
      err << "  committing\n";
    } else if (done < total) {
      err << "  " << table << ": " << done << " of " << total << " rows\n";
    } else {
      const double now = MonotonicSeconds();
      err << "  " << table << ": " << total << (total == 1 ? " row" : " rows") << " (" << Seconds(now - table_started)
          << " s)\n";
      table_started = now;
    }
  };
  Result<DatabaseCopy> copied = CopySqliteToPostgres(options.from, options.to, progress);
  if (!copied.ok()) {
    PrintError(err, kCommand, copied.status());
    err << "aftersales " << kCommand << ": nothing was written to the target\n";
    return ExitFor(copied.status());
  }
  const double seconds = MonotonicSeconds() - started;
  std::int64_t source_total = 0;
  for (const TableRows& t : copied->tables) source_total += t.rows;
  err << "aftersales " << kCommand << ": copied " << source_total << " rows in " << Seconds(seconds) << " s";
  if (seconds > 0) err << " (" << static_cast<std::int64_t>(static_cast<double>(source_total) / seconds) << " rows/s)";
  err << "\n";

  // The checks, on the committed copy.
  bool all_ok = true;
  Result<std::vector<TableRows>> counted = CountPostgresRows(options.to);
  if (!counted.ok()) {
    PrintError(err, kCommand, counted.status());
    return kExitUnusable;
  }
  out << "migrated '" << options.from << "' into " << copied->target << "\n";
  out << std::left << std::setw(18) << "table" << std::right << std::setw(12) << "source" << std::setw(12) << "target"
      << "\n";
  std::int64_t target_total = 0;
  for (std::size_t i = 0; i < copied->tables.size(); ++i) {
    const TableRows& source = copied->tables[i];
    const std::int64_t rows = i < counted->size() ? (*counted)[i].rows : -1;
    target_total += rows;
    out << std::left << std::setw(18) << source.table << std::right << std::setw(12) << source.rows << std::setw(12)
        << rows << (rows == source.rows ? "" : "  DIFFERS") << "\n";
    if (rows != source.rows) {
      all_ok = false;
      err << "aftersales " << kCommand << ": table " << source.table << " has " << rows << " rows in the target, "
          << source.rows << " in the source\n";
    }
  }
  out << std::left << std::setw(18) << "total" << std::right << std::setw(12) << source_total << std::setw(12)
      << target_total << "\n";

  Result<std::unique_ptr<ReadTxn>> txn = (*target)->BeginRead();
  if (!txn.ok()) {
    PrintError(err, kCommand, txn.status());
    return kExitUnusable;
  }
  Result<AuditVerification> verified = AuditLog::Verify(**txn, ProgressLines(err, "verified"));
  txn->reset();
  if (!verified.ok()) {
    PrintError(err, kCommand, verified.status());
    return kExitUnusable;
  }
  if (!verified->ok) {
    out << "audit chain BROKEN in the target: first bad seq " << verified->first_bad_seq.value_or(0) << ": "
        << verified->problem << "\n";
    err << "aftersales " << kCommand << ": the copied audit chain does not verify; `aftersales audit verify --db "
        << options.from << "` tells whether the source's is broken the same way\n";
    return kExitFailed;
  }
  const std::optional<std::string> head =
      verified->head ? std::optional<std::string>(verified->head->hash) : std::nullopt;
  if (head != copied->audit_head_hash) {
    out << "audit chain head DIFFERS: target " << head.value_or("none") << ", source "
        << copied->audit_head_hash.value_or("none") << "\n";
    return kExitFailed;
  }
  if (head) {
    out << "audit chain verified: " << verified->entries << (verified->entries == 1 ? " entry" : " entries")
        << ", head " << *head << "\n";
  } else {
    out << "audit chain verified: 0 entries (the log is empty)\n";
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace aftersales
