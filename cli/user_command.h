// `aftersales user add`: creates a user (SPEC §2, §6.2) from the command
// line and prints its id and bearer token, once. Recorded in the audit log
// as `user_created` by {id "cli", role admin}.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "domain/clock.h"

namespace aftersales {

struct UserAddOptions {
  std::string db_path = "aftersales.db";
  std::string name;
  std::string role;
  std::optional<std::int64_t> approval_limit;  // agents and supervisors; default from the policy
  std::optional<std::string> external_id;      // buyers: the buyer_id they own
  bool password_stdin = false;                 // read a password from `in` (one line)
};

// Creates the user (the database file too, when missing) and writes
// "id: <id>" and "token: <token>" to `out`. Returns kExitOk, kExitFailed
// (refused: bad name, role, limit, external id or password, name taken) or
// kExitUnusable (no password on stdin, database unavailable), with the
// reason on `err`. On failure nothing is written to the database.
int RunUserAdd(const UserAddOptions& options, const Clock& clock, std::istream& in, std::ostream& out,
               std::ostream& err);

}  // namespace aftersales
