#include "cli/audit_command.h"

#include <fstream>
#include <vector>

#include "cli/audit_checkpoint_command.h"
#include "cli/cli_common.h"
#include "db/postgres/pg_store.h"
#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/audit_log.h"
#include "engine/audit/ed25519_key.h"

namespace aftersales {
namespace {

// Opens the database (a SQLite file, or a PostgreSQL database by its
// postgresql:// URI, which `audit verify --store` passes) and begins a read
// snapshot, or reports why not.
std::unique_ptr<ReadTxn> OpenSnapshot(const std::string& db_path, const char* command, std::unique_ptr<Store>* store,
                                      std::ostream& err) {
  if (PgStore::IsUri(db_path)) {
    Result<std::unique_ptr<PgStore>> opened = PgStore::Open(db_path);
    if (!opened.ok()) {
      PrintError(err, command, opened.status());
      return nullptr;
    }
    *store = std::move(*opened);
  } else {
    Result<std::unique_ptr<SqliteStore>> opened = OpenExistingStore(db_path);
    if (!opened.ok()) {
      PrintError(err, command, opened.status());
      return nullptr;
    }
    *store = std::move(*opened);
  }
  Result<std::unique_ptr<ReadTxn>> txn = (*store)->BeginRead();
  if (!txn.ok()) {
    PrintError(err, command, txn.status());
    return nullptr;
  }
  return std::move(*txn);
}

// A checkpoint file as given: what it holds, or why it holds none.
struct CheckpointFile {
  std::string path;
  std::optional<AuditCheckpoint> checkpoint;
  std::string problem;
};

}  // namespace

int RunAuditVerify(const AuditVerifyOptions& options, std::ostream& out, std::ostream& err) {
  constexpr const char* kCommand = "audit verify";
  // Everything the checkpoints need is read before the (long) chain check.
  std::optional<Ed25519PublicKey> public_key;
  std::vector<CheckpointFile> files;
  if (!options.checkpoint_files.empty()) {
    if (!options.public_key_file) {
      PrintError(err, kCommand,
                 Status::Invalid("--public-key",
                                 "checking a checkpoint needs the public key that signed it: give "
                                 "--public-key FILE (the FILE.pub that audit keygen wrote)"));
      return kExitUnusable;
    }
    Result<std::string> pem = ReadWholeFile(*options.public_key_file);
    if (!pem.ok()) {
      PrintError(err, kCommand, pem.status());
      return kExitUnusable;
    }
    Result<Ed25519PublicKey> key = Ed25519PublicKey::FromPem(*pem);
    if (!key.ok()) {
      PrintError(err, kCommand,
                 Status::Invalid("--public-key", "'" + *options.public_key_file + "': " + key.status().message()));
      return kExitUnusable;
    }
    public_key = std::move(*key);
    for (const std::string& path : options.checkpoint_files) {
      Result<std::string> text = ReadWholeFile(path);
      if (!text.ok()) {
        PrintError(err, kCommand, text.status());
        return kExitUnusable;
      }
      CheckpointFile file{path, std::nullopt, ""};
      Result<AuditCheckpoint> parsed = ParseCheckpoint(*text);
      if (parsed.ok()) {
        file.checkpoint = std::move(*parsed);
      } else {
        file.problem = "not a checkpoint: " + parsed.status().message();
      }
      files.push_back(std::move(file));
    }
  }

  std::unique_ptr<Store> store;
  std::unique_ptr<ReadTxn> txn = OpenSnapshot(options.db_path, kCommand, &store, err);
  if (!txn) return kExitUnusable;
  Result<AuditVerification> verified = AuditLog::Verify(*txn, ProgressLines(err, "checked"));
  if (!verified.ok()) {
    PrintError(err, kCommand, verified.status());
    return kExitUnusable;
  }
  bool all_ok = verified->ok;
  if (!verified->ok) {
    out << "audit log BROKEN: first bad seq " << verified->first_bad_seq.value_or(0) << "\n"
        << "problem: " << verified->problem << "\n"
        << "entries intact before it: " << verified->entries << "\n";
  } else {
    out << "audit log ok: " << verified->entries << (verified->entries == 1 ? " entry" : " entries") << "\n";
    if (verified->head) {
      out << "head: seq " << verified->head->seq << " hash " << verified->head->hash << "\n";
    } else {
      out << "head: none (the log is empty)\n";
    }
  }
  if (files.empty()) return all_ok ? kExitOk : kExitFailed;

  // The same snapshot: the chain and the checkpoints are checked on one log.
  std::vector<AuditCheckpoint> checkpoints;
  for (const CheckpointFile& f : files) {
    if (f.checkpoint) checkpoints.push_back(*f.checkpoint);
  }
  Result<std::vector<CheckpointFinding>> findings =
      CheckAuditCheckpoints(*txn, checkpoints, *public_key, ProgressLines(err, "hashed"));
  txn.reset();
  if (!findings.ok()) {
    PrintError(err, kCommand, findings.status());
    return kExitUnusable;
  }
  std::size_t next = 0;
  int failed = 0;
  for (const CheckpointFile& f : files) {
    std::string problem = f.problem;
    if (f.checkpoint) problem = (*findings)[next++].problem;
    if (problem.empty()) {
      out << f.path << ": ok (seq " << f.checkpoint->seq << ", head " << f.checkpoint->head << ", signed "
          << f.checkpoint->time << ")\n";
    } else {
      out << f.path << ": FAILED: " << problem << "\n";
      ++failed;
    }
  }
  out << "checkpoints: " << files.size() - static_cast<std::size_t>(failed) << " of " << files.size() << " ok\n";
  return all_ok && failed == 0 ? kExitOk : kExitFailed;
}

int RunAuditExport(const std::string& db_path, const std::optional<std::string>& out_path, std::ostream& out,
                   std::ostream& err) {
  constexpr const char* kCommand = "audit export";
  std::unique_ptr<Store> store;
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
