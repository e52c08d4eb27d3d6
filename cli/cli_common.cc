#include "cli/cli_common.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

}  // namespace aftersales
