#include "cli/user_command.h"

#include "cli/cli_common.h"
#include "engine/policy_registry.h"
#include "engine/users/user_service.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

constexpr const char* kCommand = "user add";

// The password is the first line of `in`, without its line ending.
std::optional<std::string> ReadPassword(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int RunUserAdd(const UserAddOptions& options, const Clock& clock, std::istream& in, std::ostream& out,
               std::ostream& err) {
  NewUser spec;
  spec.name = options.name;
  const std::optional<Role> role = ParseRole(options.role);
  if (!role || *role == Role::kSystem) {
    PrintError(err, kCommand, Status::Invalid("role", "unknown role '" + options.role + "'"));
    return kExitFailed;
  }
  spec.role = *role;
  spec.approval_limit = options.approval_limit;
  spec.external_id = options.external_id;
  if (options.password_stdin) {
    spec.password = ReadPassword(in);
    if (!spec.password) {
      PrintError(err, kCommand, Status::Invalid("password", "--password-stdin given but nothing on stdin"));
      return kExitUnusable;
    }
  }

  Result<std::unique_ptr<SqliteStore>> store = OpenOrCreateStore(options.db_path, err);
  if (!store.ok()) {
    PrintError(err, kCommand, store.status());
    return kExitUnusable;
  }
  // The latest stored policy stays current; a new database gets the
  // shipped default, which sets the default approval limits.
  PolicyRegistry policies(**store);
  Status initialized = policies.Initialize(DefaultPolicy(), clock.Now());
  if (!initialized.ok()) {
    PrintError(err, kCommand, initialized);
    return kExitUnusable;
  }
  UserService users(**store, clock, policies, clock);
  Result<CreatedUser> created = users.CreateUser(CliActor(), spec);
  if (!created.ok()) {
    PrintError(err, kCommand, created.status());
    return created.status().code() == Code::kUnavailable ? kExitUnusable : kExitFailed;
  }
  out << "id: " << created->user.value("id", "") << "\n"
      << "token: " << created->token << "\n";
  out.flush();
  err << "The token is shown only this once; give it to its owner now.\n";
  return kExitOk;
}

}  // namespace aftersales
