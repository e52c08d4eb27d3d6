// `aftersales serve`: runs the HTTP API and the web UI (SPEC §6, §9) on one
// SQLite database file, or on a PostgreSQL database that several servers
// may share (docs/scale-out.md), until the process is told to stop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aftersales {

struct ServeOptions {
  std::string db_path = "aftersales.db";
  // A PostgreSQL database (a libpq URI, postgresql://…) instead of db_path.
  std::optional<std::string> store_uri;
  std::string listen = "127.0.0.1:8080";   // HOST:PORT
  std::optional<std::string> policy_path;  // unset: the shipped default policy
  // SPEC §13.1: "cn" or "eu", acting as --policy with that preset; not with policy_path.
  std::optional<std::string> policy_preset;
  bool test_clock = false;                 // SPEC §6.9 manual clock and its route
  // Signed audit checkpoints (docs/audit-checkpoints.md): both set, or neither.
  std::optional<std::string> checkpoint_dir;  // the folder they are written to
  std::optional<std::string> checkpoint_key;  // the private key file that signs them
  std::int64_t checkpoint_every_seconds = 3600;
  // Reverse proxies whose X-Forwarded-For names the client in the access
  // log: addresses or CIDR blocks (web/client_address.h).
  std::vector<std::string> trusted_proxies;
};

// Serves until SIGINT or SIGTERM. With a checkpoint folder and key, a
// background thread writes a signed checkpoint at start and every
// checkpoint_every_seconds of wall time when the log grew. Returns the
// process exit code: 0 after a clean shutdown, 2 when it cannot start (bad
// address, unreadable policy or key, an unknown preset or both a policy
// file and a preset, database unavailable), with the
// reason written to stderr (also for a --trusted-proxy that is not an
// address or a CIDR block).
int RunServe(const ServeOptions& options);

}  // namespace aftersales
