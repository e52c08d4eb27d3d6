#include "cli/cli_common.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/reports/case_facts.h"
#include "engine/reports/staff_event_log.h"

namespace aftersales {
namespace {

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

Actor CliActor() {
  Actor actor;
  actor.id = "cli";
  actor.role = Role::kAdmin;
  return actor;
}

Result<std::unique_ptr<SqliteStore>> OpenExistingStore(const std::string& path) {
  if (!FileExists(path)) {
    return Status(Code::kNotFound, "no database file '" + path + "' (give an existing file with --db)");
  }
  return SqliteStore::Open(path);
}

Result<std::unique_ptr<SqliteStore>> OpenOrCreateStore(const std::string& path, std::ostream& err) {
  const bool existed = FileExists(path);
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  if (store.ok() && !existed) err << "created a new database file '" << path << "'\n";
  return store;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Status::Unavailable("'" + path + "' is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (!FileExists(path)) return Status(Code::kNotFound, "no such file '" + path + "'");
    return Status::Unavailable("cannot read '" + path + "': " + std::strerror(error));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::Unavailable("cannot read '" + path + "'");
  return content.str();
}

void PrintError(std::ostream& err, const std::string& command, const Status& status) {
  err << "aftersales " << command << ": " << status.message() << "\n";
  for (const FieldError& e : status.errors()) {
    if (e.message != status.message()) err << "  " << e.field << ": " << e.message << "\n";
  }
}

Status CompleteReportTables(Store& store, std::ostream& err, const std::string& command) {
  auto facts_missing = CaseFactsMissing(store);
  if (!facts_missing.ok()) return facts_missing.status();
  if (*facts_missing) {
    err << "aftersales " << command << ": building the report facts of the existing cases (upgraded database)\n";
    auto built = BackfillCaseFacts(store);
    if (!built.ok()) return built.status();
    err << "aftersales " << command << ": report facts built for " << *built << " cases\n";
  }
  // Likewise the staff events (docs/reports.md): rebuilt from the audit log
  // alone when the table is empty but the log has some.
  auto staff_events = BackfillStaffEvents(store);
  if (!staff_events.ok()) return staff_events.status();
  if (staff_events->rebuilt) {
    err << "aftersales " << command << ": staff events rebuilt from the audit log (" << staff_events->events
        << " events from " << staff_events->entries << " entries; upgraded database)\n";
  }
  return Status::Ok();
}

}  // namespace aftersales
