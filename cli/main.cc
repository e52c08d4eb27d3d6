// The `aftersales` program: parses the command line (SPEC §8) and runs one
// command. The only place that picks concrete classes (SQLite store, system
// clock) for the administrative commands; `serve` and `demo` wire their own.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_checkpoint_command.h"
#include "cli/audit_command.h"
#include "cli/backup_command.h"
#include "cli/cli_common.h"
#include "cli/demo_command.h"
#include "cli/migrate_command.h"
#include "cli/orders_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "cli/user_command.h"
#include "cli/version.h"
#include "db/postgres/pg_store.h"
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
  app.set_version_flag("--version", std::string("aftersales ") + Version() + " (commit " + GitCommit() + ")",
                       "Print the version and the git commit of this build and exit");
  // Options may also come from a TOML file, one [section] per command
  // ([serve] listen = "127.0.0.1:8080"); the command line wins. An unknown
  // key is an error, not a silent default.
  app.set_config("--config", "", "Read options from this TOML file ([serve] section for serve); the command line wins")
      ->check(CLI::ExistingFile);
  app.allow_config_extras(CLI::config_extras_mode::error);

  ServeOptions serve;
  std::string serve_policy;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the HTTP API and the web UI");
  serve_cmd->fallthrough();  // `aftersales serve --config FILE`
  serve_cmd->footer("Options may also come from a file: aftersales serve --config FILE (TOML, a [serve] section).");
  CLI::Option* serve_db_opt = AddDbOption(serve_cmd, &serve.db_path, "(created when missing)");
  std::string serve_store;
  CLI::Option* serve_store_opt = serve_cmd->add_option(
      "--store", serve_store, "a PostgreSQL database instead of --db: a libpq URI, postgresql://USER@HOST:PORT/NAME");
  serve_store_opt->excludes(serve_db_opt);
  serve_cmd->add_option("--listen", serve.listen, "address to listen on, HOST:PORT")->capture_default_str();
  CLI::Option* policy_opt = serve_cmd->add_option(
      "--policy", serve_policy, "policy JSON file (default: the shipped policy, or the latest stored one)");
  std::string serve_policy_preset;
  CLI::Option* policy_preset_opt =
      serve_cmd
          ->add_option("--policy-preset", serve_policy_preset,
                       "start from a preset policy: cn (the shipped default) or eu; as --policy with that preset")
          ->excludes(policy_opt);
  serve_cmd->add_flag("--test-clock", serve.test_clock,
                      "use a manual clock moved by POST /api/v1/test/clock (testing only)");
  std::string serve_checkpoint_dir;
  std::string serve_checkpoint_key;
  CLI::Option* checkpoint_dir_opt = serve_cmd->add_option(
      "--checkpoint-dir", serve_checkpoint_dir, "write signed audit checkpoints into this folder (made when missing)");
  CLI::Option* checkpoint_key_opt =
      serve_cmd->add_option("--checkpoint-key", serve_checkpoint_key, "the private key that signs them (audit keygen)");
  serve_cmd
      ->add_option("--checkpoint-every", serve.checkpoint_every_seconds,
                   "seconds between checkpoints; one is written only when the log grew")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{366} * 24 * 3600))
      ->capture_default_str();
  checkpoint_dir_opt->needs(checkpoint_key_opt);
  checkpoint_key_opt->needs(checkpoint_dir_opt);
  serve_cmd->add_option("--trusted-proxy", serve.trusted_proxies,
                        "a reverse proxy (address or CIDR block) whose X-Forwarded-For names the client in the "
                        "access log (repeatable)");

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

  CLI::App* audit_cmd = app.add_subcommand("audit", "Check, export or sign the audit log");
  audit_cmd->require_subcommand(1);
  AuditVerifyOptions verify;
  verify.db_path = kDefaultDb;
  std::string verify_public_key;
  CLI::App* verify_cmd = audit_cmd->add_subcommand(
      "verify", "Recompute the hash chain and check signed checkpoints; exit 1 naming the first bad seq or what broke");
  CLI::Option* verify_db_opt = AddDbOption(verify_cmd, &verify.db_path, "to check (must exist)");
  std::string verify_store;
  verify_cmd
      ->add_option("--store", verify_store,
                   "a PostgreSQL database instead of --db: a libpq URI, postgresql://USER@HOST:PORT/NAME")
      ->excludes(verify_db_opt);
  verify_cmd->add_option("--checkpoint", verify.checkpoint_files,
                         "a signed checkpoint file the log must still extend (repeatable)");
  CLI::Option* public_key_opt = verify_cmd->add_option(
      "--public-key", verify_public_key, "the PEM public key that signed the checkpoints (FILE.pub of audit keygen)");
  std::string export_db = kDefaultDb;
  std::string export_out;
  CLI::App* export_cmd = audit_cmd->add_subcommand("export", "Write every audit entry as JSON lines, oldest first");
  AddDbOption(export_cmd, &export_db, "to read (must exist)");
  CLI::Option* out_opt = export_cmd->add_option("--out", export_out, "output file (default: standard output)");
  std::string keygen_out;
  CLI::App* keygen_cmd = audit_cmd->add_subcommand(
      "keygen", "Make an Ed25519 key for signing checkpoints: FILE (private, mode 0600) and FILE.pub");
  keygen_cmd->add_option("--out", keygen_out, "the private key file to write (never overwritten)")->required();
  AuditCheckpointOptions checkpoint;
  checkpoint.db_path = kDefaultDb;
  CLI::App* checkpoint_cmd = audit_cmd->add_subcommand(
      "checkpoint", "Verify the audit log and write a signed checkpoint of its head (exit 1 if it may not be signed)");
  AddDbOption(checkpoint_cmd, &checkpoint.db_path, "to sign (must exist)");
  checkpoint_cmd->add_option("--key", checkpoint.key_path, "the private key (audit keygen)")->required();
  checkpoint_cmd
      ->add_option("--out", checkpoint.out,
                   "a folder (the file is named checkpoint-<seq>.json) or a new file; default: this folder")
      ->capture_default_str();

  std::string backup_dest;
  std::string backup_db = kDefaultDb;
  CLI::App* backup_cmd = app.add_subcommand("backup", "Copy the live database to a new file and check the copy");
  backup_cmd->add_option("FILE", backup_dest, "the new backup file (never overwritten)")->required();
  AddDbOption(backup_cmd, &backup_db, "to copy (must exist)");

  MigrateOptions migrate;
  CLI::App* migrate_cmd = app.add_subcommand(
      "migrate", "Copy a SQLite database into an empty PostgreSQL database, then check the copy (docs/scale-out.md)");
  migrate_cmd->add_option("--from", migrate.from, "the SQLite database file to copy (must exist)")->required();
  migrate_cmd
      ->add_option("--to", migrate.to,
                   "the empty PostgreSQL database to fill: a libpq URI, postgresql://USER@HOST:PORT/NAME")
      ->required();

  ReportOptions report;
  report.db_path = kDefaultDb;
  std::string report_user;
  CLI::App* report_cmd = app.add_subcommand(
      "report", "Print a report (docs/reports.md) as JSON or CSV; scorecard --recompute checks the staff events");
  report_cmd->add_option("NAME", report.name, "agents, sla, reasons, warehouse, finance, scorecard or compensation")
      ->required()
      ->check(CLI::IsMember({"agents", "sla", "reasons", "warehouse", "finance", "scorecard", "compensation"}));
  AddDbOption(report_cmd, &report.db_path, "to read (must exist)");
  report_cmd->add_option("--from", report.from, "start of the period, RFC 3339 (inclusive)");
  report_cmd->add_option("--to", report.to, "end of the period, RFC 3339 (exclusive)");
  report_cmd->add_option("--period", report.period, "a calendar month in UTC, YYYY-MM (instead of --from/--to)");
  report_cmd->add_option("--currency", report.currency, "currency of the money figures (default: that of most cases)");
  CLI::Option* report_user_opt =
      report_cmd->add_option("--user", report_user, "scorecard: one staff member, with their scored events");
  report_cmd->add_option("--format", report.format, "json or csv")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  report_cmd->add_flag("--recompute", report.recompute,
                       "scorecard: rebuild the staff events from the audit log and compare; exit 1 on a difference");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11 words these for INI files ("INI was not able to parse serve.x").
    std::cerr << "aftersales: the --config file: " << e.what()
              << " (a key no option of that command has, or a value the option refuses)\n";
    return kExitUnusable;
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; usage errors print and exit 2.
    return app.exit(e) == 0 ? kExitOk : kExitUnusable;
  }

  SystemClock clock;
  if (*serve_cmd) {
    if (*serve_store_opt) serve.store_uri = serve_store;
    if (*policy_opt) serve.policy_path = serve_policy;
    if (*policy_preset_opt) serve.policy_preset = serve_policy_preset;
    if (*checkpoint_dir_opt) serve.checkpoint_dir = serve_checkpoint_dir;
    if (*checkpoint_key_opt) serve.checkpoint_key = serve_checkpoint_key;
    return RunServe(serve);
  }
  if (*demo_cmd) return RunDemo(demo_db);
  if (*user_add_cmd) {
    if (*limit_opt) user_add.approval_limit = limit;
    if (*external_opt) user_add.external_id = external_id;
    return RunUserAdd(user_add, clock, std::cin, std::cout, std::cerr);
  }
  if (*import_cmd) return RunOrdersImport(import, clock, std::cout, std::cerr);
  if (*verify_cmd) {
    if (*public_key_opt) verify.public_key_file = verify_public_key;
    if (!verify_store.empty()) {
      if (!PgStore::IsUri(verify_store)) {
        std::cerr << "aftersales audit verify: --store takes a PostgreSQL URI (postgresql://…); a file is --db\n";
        return kExitUnusable;
      }
      verify.db_path = verify_store;  // RunAuditVerify opens a postgresql:// URI as PostgreSQL
    }
    return RunAuditVerify(verify, std::cout, std::cerr);
  }
  if (*keygen_cmd) return RunAuditKeygen(keygen_out, std::cout, std::cerr);
  if (*checkpoint_cmd) return RunAuditCheckpoint(checkpoint, clock, std::cout, std::cerr);
  if (*export_cmd) {
    return RunAuditExport(export_db, *out_opt ? std::optional<std::string>(export_out) : std::nullopt, std::cout,
                          std::cerr);
  }
  if (*backup_cmd) return RunBackup(backup_dest, backup_db, std::cout, std::cerr);
  if (*migrate_cmd) return RunMigrate(migrate, std::cout, std::cerr);
  if (*report_cmd) {
    if (*report_user_opt) report.user_id = report_user;
    return RunReport(report, clock, std::cout, std::cerr);
  }
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
