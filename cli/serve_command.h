// `aftersales serve`: runs the HTTP API and the web UI (SPEC §6, §9) on one
// database file until the process is told to stop.
#pragma once

#include <optional>
#include <string>

namespace aftersales {

struct ServeOptions {
  std::string db_path = "aftersales.db";
  std::string listen = "127.0.0.1:8080";   // HOST:PORT
  std::optional<std::string> policy_path;  // unset: the shipped default policy
  bool test_clock = false;                 // SPEC §6.9 manual clock and its route
};

// Serves until SIGINT or SIGTERM. Returns the process exit code: 0 after a
// clean shutdown, 2 when it cannot start (bad address, unreadable policy,
// database unavailable), with the reason written to stderr.
int RunServe(const ServeOptions& options);

}  // namespace aftersales
