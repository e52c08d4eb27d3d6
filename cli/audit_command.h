// `aftersales audit verify` and `aftersales audit export`: the audit log of
// SPEC §7 read from a database file, without a running server.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace aftersales {

struct AuditVerifyOptions {
  std::string db_path;
  std::vector<std::string> checkpoint_files;    // signed checkpoints to check the log against
  std::optional<std::string> public_key_file;  // the PEM public key that signed them
};

// Recomputes the whole hash chain, then checks each checkpoint file
// (engine/audit_checkpoint.h): its signature with the public key, that the
// log still holds entry `seq` with exactly `head` as its hash, and that the
// Merkle root over 1..seq is `root`. Writes the number of entries and the
// head (seq and hash), or the first bad seq and the problem, and one line
// per checkpoint ("<file>: ok …" or "<file>: FAILED: <what broke>") to
// `out`; progress of long logs to `err`. Returns kExitOk when the chain and
// every checkpoint hold; kExitFailed when anything broke (a checkpoint file
// that is not a checkpoint included); kExitUnusable when the database is
// missing or unavailable, a checkpoint file or the public key cannot be
// read, or checkpoints come without a public key (reason on `err`).
int RunAuditVerify(const AuditVerifyOptions& options, std::ostream& out, std::ostream& err);

// Writes every entry, oldest first, as JSON lines (one served entry per
// line, SPEC §7 shape) to `out_path`, or to `out` when unset; the count goes
// to `err`. Returns kExitOk, or kExitUnusable (database missing or
// unavailable, output file not writable).
int RunAuditExport(const std::string& db_path, const std::optional<std::string>& out_path, std::ostream& out,
                   std::ostream& err);

}  // namespace aftersales
