// `aftersales audit keygen` and `aftersales audit checkpoint`: the signing
// key of audit checkpoints and checkpoints made from the command line
// (engine/audit_checkpoint.h, docs/audit-checkpoints.md). `audit verify
// --checkpoint` lives in cli/audit_command.h. Used from the main thread of
// the command-line program only.
#pragma once

#include <ostream>
#include <string>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/audit/audit_log.h"
#include "engine/audit/ed25519_key.h"

namespace aftersales {

// Writes a new Ed25519 private key to `out_path` (PEM, mode 0600) and its
// public key to `out_path`.pub (PEM, mode 0644), each whole or not at all,
// and prints both paths and the key_id to `out`. Returns kExitOk, or
// kExitUnusable when either file exists (keys are never overwritten) or
// cannot be written (reason on `err`; neither file is left behind).
int RunAuditKeygen(const std::string& out_path, std::ostream& out, std::ostream& err);

struct AuditCheckpointOptions {
  std::string db_path;
  std::string key_path;
  std::string out = ".";  // an existing folder, or a new file
};

// Verifies the audit log of an existing database and signs its head with
// the key at `key_path`, at `clock`'s time. Into a folder, the checkpoint
// is written as checkpoint-<seq>.json, and the log must still extend every
// checkpoint in that folder that this key signed; a file is written only
// when it does not exist yet. Prints the file, seq, head, root and key_id to
// `out`; progress of long logs to `err`. Returns kExitOk; kExitFailed when
// the log may not be signed (a broken chain, naming the first bad seq; an
// empty log; a log that no longer extends an earlier checkpoint), with the
// reason on `err`; kExitUnusable when the database, the key or the output
// cannot be used. Writes nothing to the audit log (the database gets its
// audit_origin setting on the first checkpoint).
int RunAuditCheckpoint(const AuditCheckpointOptions& options, const Clock& clock, std::ostream& out, std::ostream& err);

// Progress of a long pass over the audit log: "  <done> entries <what>"
// lines on `err`, every 100,000 entries.
ScanProgress ProgressLines(std::ostream& err, const std::string& what);

// Reads the private key file of `serve --checkpoint-key` and `audit
// checkpoint`, warning on `err` when others than its owner may read it.
// Errors: not_found, unavailable (unreadable), validation_failed (not an
// unencrypted Ed25519 PEM key).
Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path, std::ostream& err);

}  // namespace aftersales
