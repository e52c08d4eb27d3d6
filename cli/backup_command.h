// `aftersales backup FILE`: an online copy of the database (db/backup.h),
// checked before it is reported as done.
#pragma once

#include <ostream>
#include <string>

namespace aftersales {

// Copies `db_path` to the new file `dest_path` (never overwriting), then
// checks the copy: SQLite's integrity check, and that it opens as a store
// whose audit chain verifies as the source's did. Writes the size and the
// audit head of the copy to `out`. Returns kExitOk; kExitFailed when the
// copy fails its checks; kExitUnusable when the source is missing or
// unavailable or the destination exists or cannot be written (reason on
// `err`).
int RunBackup(const std::string& dest_path, const std::string& db_path, std::ostream& out, std::ostream& err);

}  // namespace aftersales
