// Online backup and integrity check of a store's SQLite file, for
// `aftersales backup FILE` and operators.
//
// BackupDatabase copies a live database with SQLite's online backup API, a
// chunk of pages at a time, inside one read snapshot of the source: writers
// keep committing meanwhile (WAL), and the copy is the database exactly as
// of the moment the backup began. Thread-safe: each call uses its own
// connections.
#pragma once

#include <string>

#include "domain/status.h"

namespace aftersales {

// Copies the database at `source_path` to a new file `dest_path`. The copy
// is written beside the destination under a temporary name and renamed into
// place once complete, so `dest_path` either does not exist or holds a whole
// database. Errors: already_exists when `dest_path` exists (a backup never
// overwrites, least of all the live file); unavailable when the source
// cannot be read or the destination written (message names the path). On
// error `dest_path` is not created.
Status BackupDatabase(const std::string& source_path, const std::string& dest_path);

// The text of `PRAGMA integrity_check` on the database at `path`, one line
// per problem: exactly "ok" for a sound file. Opens the file read-only.
// Errors: unavailable when it cannot be opened or read (not a database,
// missing).
Result<std::string> IntegrityCheck(const std::string& path);

}  // namespace aftersales
