// `aftersales migrate --from FILE --to postgresql://…`: moves a store from
// its SQLite file into an empty PostgreSQL database (docs/scale-out.md),
// then checks the copy.
#pragma once

#include <ostream>
#include <string>

namespace aftersales {

struct MigrateOptions {
  std::string from;  // the SQLite database file
  std::string to;    // a libpq URI, postgresql://USER@HOST:PORT/NAME
};

// Opens the SQLite file as every command does (upgrading an older schema in
// place, said on `err`), opens the PostgreSQL database (creating or
// upgrading its schema), copies every table in one snapshot of the source
// and one transaction on the target (db/copy_database.h), with progress per
// table on `err`; then verifies the audit chain on the target, compares its
// head with the source's and the row counts of every table, and writes the
// counts and "audit chain verified: N entries, head <hash>" to `out`.
// Returns kExitOk; kExitFailed when the target is not empty (nothing
// written), a value of the source cannot be copied as it is (nothing
// written), or the copy does not check out (counts, chain or head differ;
// the copy stays, reason on `err`); kExitUnusable for a missing source, a
// --to that is not a PostgreSQL URI, a file that is not an aftersales
// database, or a database unavailable.
int RunMigrate(const MigrateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace aftersales
