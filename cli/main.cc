// The `aftersales` program: parses the command line (SPEC §8) and runs one
// command. The only place that picks concrete classes (SQLite store, system
// clock) for the administrative commands; `serve` and `demo` wire their own.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_command.h"
#include "cli/backup_command.h"
#include "cli/cli_common.h"
#include "cli/demo_command.h"
#include "cli/orders_command.h"
#include "cli/serve_command.h"
#include "cli/user_command.h"
#include "domain/clock.h"
#include "domain/vocabulary.h"

namespace aftersales {
namespace {

constexpr const char* kDefaultDb = "aftersales.db";

// Every role a user may have (not `system`, the engine itself).
std::vector<std::string> UserRoles() {
  std::vector<std::string> roles;
  for (int i = 0; i < kRoleCount; ++i) {
    const auto role = static_cast<Role>(i);
    if (role != Role::kSystem) roles.emplace_back(NameOf(role));
  }
  return roles;
}

CLI::Option* AddDbOption(CLI::App* command, std::string* db_path, const char* what) {
  return command->add_option("--db", *db_path, std::string("database file ") + what)->capture_default_str();
}

int Main(int argc, char** argv) {
  CLI::App app{"aftersales: an after-sales returns and refunds workflow engine.", "aftersales"};
  app.require_subcommand(1);

  ServeOptions serve;
  std::string serve_policy;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the HTTP API and the web UI");
  AddDbOption(serve_cmd, &serve.db_path, "(created when missing)");
  serve_cmd->add_option("--listen", serve.listen, "address to listen on, HOST:PORT")->capture_default_str();
  CLI::Option* policy_opt = serve_cmd->add_option(
      "--policy", serve_policy, "policy JSON file (default: the shipped policy, or the latest stored one)");
  serve_cmd->add_flag("--test-clock", serve.test_clock,
                      "use a manual clock moved by POST /api/v1/test/clock (testing only)");

  std::string demo_db = kDefaultDb;
  CLI::App* demo_cmd = app.add_subcommand("demo", "Fill a database with realistic demo data and print the logins");
  AddDbOption(demo_cmd, &demo_db, "to fill");

  CLI::App* user_cmd = app.add_subcommand("user", "Manage users");
  user_cmd->require_subcommand(1);
  UserAddOptions user_add;
  std::int64_t limit = 0;
  std::string external_id;
  CLI::App* user_add_cmd =
      user_cmd->add_subcommand("add", "Create a user; prints its id and its bearer token (shown only once)");
  AddDbOption(user_add_cmd, &user_add.db_path, "(created when missing)");
  user_add_cmd->add_option("--name", user_add.name, "unique login name")->required();
  user_add_cmd->add_option("--role", user_add.role, "the user's role")->required()->check(CLI::IsMember(UserRoles()));
  CLI::Option* limit_opt = user_add_cmd->add_option(
      "--limit", limit, "approval limit in minor units (agents, supervisors; default from the policy)");
  CLI::Option* external_opt =
      user_add_cmd->add_option("--external-id", external_id, "the buyer_id a buyer owns (buyers only, required)");
  user_add_cmd->add_flag("--password-stdin", user_add.password_stdin,
                         "read a password for web login from the first line of stdin");

  CLI::App* orders_cmd = app.add_subcommand("orders", "Manage orders");
  orders_cmd->require_subcommand(1);
  OrdersImportOptions import;
  CLI::App* import_cmd = orders_cmd->add_subcommand(
      "import", "Import orders from a JSON or CSV file: all of them, or none when any row is bad");
  import_cmd
      ->add_option("FILE", import.file, "orders file (.json: array of POST /orders bodies; .csv: one row per line)")
      ->required();
  AddDbOption(import_cmd, &import.db_path, "(created when missing)");

  CLI::App* audit_cmd = app.add_subcommand("audit", "Check or export the audit log");
  audit_cmd->require_subcommand(1);
  std::string verify_db = kDefaultDb;
  CLI::App* verify_cmd =
      audit_cmd->add_subcommand("verify", "Recompute the hash chain; exit 1 naming the first bad seq if broken");
  AddDbOption(verify_cmd, &verify_db, "to check (must exist)");
  std::string export_db = kDefaultDb;
  std::string export_out;
  CLI::App* export_cmd = audit_cmd->add_subcommand("export", "Write every audit entry as JSON lines, oldest first");
  AddDbOption(export_cmd, &export_db, "to read (must exist)");
  CLI::Option* out_opt = export_cmd->add_option("--out", export_out, "output file (default: standard output)");

  std::string backup_dest;
  std::string backup_db = kDefaultDb;
  CLI::App* backup_cmd = app.add_subcommand("backup", "Copy the live database to a new file and check the copy");
  backup_cmd->add_option("FILE", backup_dest, "the new backup file (never overwritten)")->required();
  AddDbOption(backup_cmd, &backup_db, "to copy (must exist)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; usage errors print and exit 2.
    return app.exit(e) == 0 ? kExitOk : kExitUnusable;
  }

  SystemClock clock;
  if (*serve_cmd) {
    if (*policy_opt) serve.policy_path = serve_policy;
    return RunServe(serve);
  }
  if (*demo_cmd) return RunDemo(demo_db);
  if (*user_add_cmd) {
    if (*limit_opt) user_add.approval_limit = limit;
    if (*external_opt) user_add.external_id = external_id;
    return RunUserAdd(user_add, clock, std::cin, std::cout, std::cerr);
  }
  if (*import_cmd) return RunOrdersImport(import, clock, std::cout, std::cerr);
  if (*verify_cmd) return RunAuditVerify(verify_db, std::cout, std::cerr);
  if (*export_cmd) {
    return RunAuditExport(export_db, *out_opt ? std::optional<std::string>(export_out) : std::nullopt, std::cout,
                          std::cerr);
  }
  if (*backup_cmd) return RunBackup(backup_dest, backup_db, std::cout, std::cerr);
  std::cerr << app.help();
  return kExitUnusable;
}

}  // namespace
}  // namespace aftersales

int main(int argc, char** argv) {
  // The edge of the program: nothing below is expected to throw, but a
  // third-party exception must end in a message and an exit code, not abort.
  try {
    return aftersales::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "aftersales: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "aftersales: internal error\n";
  }
  return aftersales::kExitUnusable;
}
