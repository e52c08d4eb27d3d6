#include "cli/audit_command.h"

#include <fstream>

#include "cli/cli_common.h"
#include "engine/audit_log.h"

namespace aftersales {
namespace {

// Opens the database and begins a read snapshot, or reports why not.
std::unique_ptr<ReadTxn> OpenSnapshot(const std::string& db_path, const char* command,
                                      std::unique_ptr<SqliteStore>* store, std::ostream& err) {
  Result<std::unique_ptr<SqliteStore>> opened = OpenExistingStore(db_path);
  if (!opened.ok()) {
    PrintError(err, command, opened.status());
    return nullptr;
  }
  *store = std::move(*opened);
  Result<std::unique_ptr<ReadTxn>> txn = (*store)->BeginRead();
  if (!txn.ok()) {
    PrintError(err, command, txn.status());
    return nullptr;
  }
  return std::move(*txn);
}

}  // namespace

int RunAuditVerify(const std::string& db_path, std::ostream& out, std::ostream& err) {
  constexpr const char* kCommand = "audit verify";
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<ReadTxn> txn = OpenSnapshot(db_path, kCommand, &store, err);
  if (!txn) return kExitUnusable;
  Result<AuditVerification> verified = AuditLog::Verify(*txn);
  txn.reset();
  if (!verified.ok()) {
    PrintError(err, kCommand, verified.status());
    return kExitUnusable;
  }
  if (!verified->ok) {
    out << "audit log BROKEN: first bad seq " << verified->first_bad_seq.value_or(0) << "\n"
        << "problem: " << verified->problem << "\n"
        << "entries intact before it: " << verified->entries << "\n";
    return kExitFailed;
  }
  out << "audit log ok: " << verified->entries << (verified->entries == 1 ? " entry" : " entries") << "\n";
  if (verified->head) {
    out << "head: seq " << verified->head->seq << " hash " << verified->head->hash << "\n";
  } else {
    out << "head: none (the log is empty)\n";
  }
  return kExitOk;
}

int RunAuditExport(const std::string& db_path, const std::optional<std::string>& out_path, std::ostream& out,
                   std::ostream& err) {
  constexpr const char* kCommand = "audit export";
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<ReadTxn> txn = OpenSnapshot(db_path, kCommand, &store, err);
  if (!txn) return kExitUnusable;

  std::ofstream file;
  if (out_path) {
    file.open(*out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      PrintError(err, kCommand, Status::Unavailable("cannot write '" + *out_path + "'"));
      return kExitUnusable;
    }
  }
  std::ostream& sink = out_path ? static_cast<std::ostream&>(file) : out;
  std::int64_t count = 0;
  Status scanned = txn->ScanAudit([&](const AuditRow& row) {
    // A tampered row may hold invalid UTF-8: export it replaced, never abort.
    sink << AuditLog::ToJson(row).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    ++count;
    return static_cast<bool>(sink);
  });
  txn.reset();
  if (!scanned.ok()) {
    PrintError(err, kCommand, scanned);
    return kExitUnusable;
  }
  sink.flush();
  if (!sink) {
    PrintError(err, kCommand, Status::Unavailable("writing the export failed"));
    return kExitUnusable;
  }
  err << "exported " << count << (count == 1 ? " entry" : " entries");
  if (out_path) err << " to " << *out_path;
  err << "\n";
  return kExitOk;
}

}  // namespace aftersales
