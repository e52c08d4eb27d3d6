#include "cli/audit_checkpoint_command.h"

#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "cli/cli_common.h"
#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/checkpoint_folder.h"

namespace aftersales {
namespace {

constexpr mode_t kPrivateKeyMode = 0600;
constexpr mode_t kPublicFileMode = 0644;
constexpr mode_t kGroupOrOthers = 0077;
constexpr const char* kPublicKeySuffix = ".pub";

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool IsFolder(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

ScanProgress ProgressLines(std::ostream& err, const std::string& what) {
  ScanProgress progress;
  progress.report = [&err, what](std::int64_t done) { err << "  " << done << " entries " << what << "\n"; };
  return progress;
}

Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path, std::ostream& err) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return pem.status();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & kGroupOrOthers) != 0) {
    err << "warning: the private key '" << path << "' can be read by others than its owner (chmod 600 it)\n";
  }
  Result<Ed25519PrivateKey> key = Ed25519PrivateKey::FromPem(*pem);
  if (!key.ok()) return Status::Invalid("key", "'" + path + "': " + key.status().message());
  return key;
}

int RunAuditKeygen(const std::string& out_path, std::ostream& out, std::ostream& err) {
  constexpr const char* kCommand = "audit keygen";
  const std::string public_path = out_path + kPublicKeySuffix;
  for (const std::string& path : {out_path, public_path}) {
    if (Exists(path)) {
      PrintError(err, kCommand, Status(Code::kAlreadyExists, "'" + path + "' exists; keys are never overwritten"));
      return kExitUnusable;
    }
  }
  Result<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  if (!key.ok()) {
    PrintError(err, kCommand, key.status());
    return kExitUnusable;
  }
  Result<std::string> private_pem = key->ToPem();
  Result<std::string> public_pem = key->public_key().ToPem();
  Status written = !private_pem.ok() ? private_pem.status() : public_pem.status();
  if (written.ok()) written = WriteFileAtomically(out_path, *private_pem, kPrivateKeyMode, ExistingFile::kRefuse);
  if (written.ok()) {
    written = WriteFileAtomically(public_path, *public_pem, kPublicFileMode, ExistingFile::kRefuse);
    // A private key without its public half is no use; the next try makes both.
    if (!written.ok()) std::filesystem::remove(out_path);
  }
  if (!written.ok()) {
    PrintError(err, kCommand, written);
    return kExitUnusable;
  }
  out << "private key: " << out_path << " (mode 0600; keep it off the database host, or readable only by the "
      << "service user)\n"
      << "public key: " << public_path << " (publish it: verifiers need it)\n"
      << "key_id: " << key->public_key().KeyId() << "\n";
  return kExitOk;
}

int RunAuditCheckpoint(const AuditCheckpointOptions& options, const Clock& clock, std::ostream& out,
                       std::ostream& err) {
  constexpr const char* kCommand = "audit checkpoint";
  Result<Ed25519PrivateKey> key = ReadPrivateKeyFile(options.key_path, err);
  if (!key.ok()) {
    PrintError(err, kCommand, key.status());
    return kExitUnusable;
  }
  const bool into_folder = IsFolder(options.out);
  if (!into_folder && Exists(options.out)) {
    PrintError(err, kCommand,
               Status(Code::kAlreadyExists, "'" + options.out + "' exists; give a new file or a folder with --out"));
    return kExitUnusable;
  }
  const CheckpointFolder folder(options.out);
  std::vector<AuditCheckpoint> earlier;
  {
    // The earlier checkpoints beside the new one (in the folder, or beside
    // the new file): the log must still extend each of this key's.
    const std::string parent = std::filesystem::path(options.out).parent_path().string();
    const CheckpointFolder beside(into_folder ? options.out : (parent.empty() ? "." : parent));
    Result<std::vector<StoredCheckpoint>> stored = beside.List();
    if (!stored.ok()) {
      PrintError(err, kCommand, stored.status());
      return kExitUnusable;
    }
    for (const StoredCheckpoint& s : *stored) {
      if (s.checkpoint) {
        earlier.push_back(*s.checkpoint);
      } else {
        err << "warning: " << s.path << ": " << s.problem << " (not a checkpoint; ignored)\n";
      }
    }
  }

  Result<std::unique_ptr<SqliteStore>> store = OpenExistingStore(options.db_path);
  if (!store.ok()) {
    PrintError(err, kCommand, store.status());
    return kExitUnusable;
  }
  Result<CheckpointAttempt> attempt = MakeAuditCheckpoint(**store, *key, clock.Now(), earlier,
                                                          ProgressLines(err, "verified"), ProgressLines(err, "hashed"));
  if (!attempt.ok()) {
    PrintError(err, kCommand, attempt.status());
    return kExitUnusable;
  }
  if (!attempt->checkpoint) {
    err << "aftersales " << kCommand << ": " << attempt->refusal << "\n";
    if (attempt->first_bad_seq) err << "first bad seq: " << *attempt->first_bad_seq << "\n";
    return kExitFailed;
  }
  const AuditCheckpoint& checkpoint = *attempt->checkpoint;
  Result<std::string> path = options.out;
  if (into_folder) {
    path = folder.Write(checkpoint);
  } else {
    Status written = WriteFileAtomically(options.out, CheckpointToJson(checkpoint).dump(2) + "\n", kPublicFileMode,
                                         ExistingFile::kRefuse);
    if (!written.ok()) path = written;
  }
  if (!path.ok()) {
    PrintError(err, kCommand, path.status());
    return kExitUnusable;
  }
  out << "checkpoint written: " << *path << "\n"
      << "seq: " << checkpoint.seq << "\n"
      << "head: " << checkpoint.head << "\n"
      << "root: " << checkpoint.root << "\n"
      << "key_id: " << checkpoint.key_id << "\n";
  return kExitOk;
}

}  // namespace aftersales
