// RawSqliteBaseline: what the rows of one case action cost when written
// straight through the sqlite3 C API, with none of the engine around them —
// the floor that bench/engine_bench.cc sets the engine against.
//
// Per action, on a schema with the row shapes and indexes of db/schema.cc's
// cases, deadlines, audit and outbox tables: one case row update (state,
// version, next deadline and a JSON document of the engine's size), one
// audit insert (about 300 bytes of data, chained with a SHA-256 over the
// previous hash and the canonical entry, as SPEC §7 and engine/audit_log.cc
// compute it), one deadline change (close the open one, insert the next) and
// one outbox insert. The file runs in WAL mode with synchronous=FULL, as the
// real store does; `actions_per_txn` actions share each transaction (1: one
// commit per action; 100: a batch).
//
// Errors: unavailable, with SQLite's message. Not thread-safe (one
// connection, one thread); the file at `path` is created and must not exist.
#pragma once

#include <cstdint>
#include <string>

#include "domain/status.h"

namespace aftersales::bench {

struct RawBaselineOptions {
  std::string path;           // a new database file
  std::int64_t cases = 1000;  // case rows, each with one open deadline (written untimed)
  int actions_per_case = 5;   // 1 to 5 actions applied to each case, one case after another
  int actions_per_txn = 1;    // actions per transaction
};

struct RawBaselineFigures {
  std::int64_t actions = 0;
  std::int64_t transactions = 0;
  double seconds = 0;  // the timed actions only
};

Result<RawBaselineFigures> RunRawSqliteBaseline(const RawBaselineOptions& options);

}  // namespace aftersales::bench
