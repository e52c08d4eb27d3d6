// `aftersales audit verify` and `aftersales audit export`: the audit log of
// SPEC §7 read from a database file, without a running server.
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace aftersales {

// Recomputes the whole hash chain. On success writes the number of entries
// and the head (seq and hash) to `out` and returns kExitOk; on a broken
// chain writes the first bad seq and the problem to `out` and returns
// kExitFailed. kExitUnusable when the database is missing or unavailable
// (reason on `err`).
int RunAuditVerify(const std::string& db_path, std::ostream& out, std::ostream& err);

// Writes every entry, oldest first, as JSON lines (one served entry per
// line, SPEC §7 shape) to `out_path`, or to `out` when unset; the count goes
// to `err`. Returns kExitOk, or kExitUnusable (database missing or
// unavailable, output file not writable).
int RunAuditExport(const std::string& db_path, const std::optional<std::string>& out_path, std::ostream& out,
                   std::ostream& err);

}  // namespace aftersales
