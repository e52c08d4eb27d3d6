#include "cli/backup_command.h"

#include <sys/stat.h>

#include "cli/cli_common.h"
#include "db/sqlite/backup.h"
#include "engine/audit/audit_log.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "backup";

}  // namespace

int RunBackup(const std::string& dest_path, const std::string& db_path, std::ostream& out, std::ostream& err) {
  struct stat st {};
  if (::stat(db_path.c_str(), &st) != 0) {
    PrintError(err, kCommand, Status(Code::kNotFound, "no database file '" + db_path + "' (give it with --db)"));
    return kExitUnusable;
  }
  Status copied = BackupDatabase(db_path, dest_path);
  if (!copied.ok()) {
    PrintError(err, kCommand, copied);
    return kExitUnusable;
  }

  Result<std::string> integrity = IntegrityCheck(dest_path);
  if (!integrity.ok() || *integrity != "ok") {
    PrintError(err, kCommand,
               Status::Unavailable("the copy '" + dest_path + "' fails its integrity check: " +
                                   (integrity.ok() ? *integrity : integrity.status().message())));
    return kExitFailed;
  }
  Result<std::unique_ptr<SqliteStore>> copy = OpenExistingStore(dest_path);
  if (!copy.ok()) {
    PrintError(err, kCommand, Status::Unavailable("the copy does not open: " + copy.status().message()));
    return kExitFailed;
  }
  Result<std::unique_ptr<ReadTxn>> txn = (*copy)->BeginRead();
  if (!txn.ok()) {
    PrintError(err, kCommand, txn.status());
    return kExitFailed;
  }
  Result<AuditVerification> verified = AuditLog::Verify(**txn);
  txn->reset();
  if (!verified.ok()) {
    PrintError(err, kCommand, verified.status());
    return kExitFailed;
  }

  const long long bytes = ::stat(dest_path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
  out << "backup written: " << dest_path << " (" << bytes << " bytes)\n";
  out << "integrity check: ok\n";
  if (verified->ok) {
    out << "audit log: " << verified->entries << (verified->entries == 1 ? " entry" : " entries");
    if (verified->head) out << ", head seq " << verified->head->seq << " hash " << verified->head->hash;
    out << "\n";
  } else {
    // A faithful copy of a broken chain is still the right backup; say so.
    err << "warning: the audit chain of the copy (and so of the source) is broken: " << verified->problem << "\n";
  }
  return kExitOk;
}

}  // namespace aftersales
