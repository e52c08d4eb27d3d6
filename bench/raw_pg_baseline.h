// RawPgBaseline: what the rows of one case action cost on PostgreSQL when a
// hand-written program writes them straight through libpq, with none of the
// engine around them — the floor that bench/pg_scaleout_bench.cc sets the
// servers against. The PostgreSQL counterpart of bench/raw_sqlite_baseline.h.
//
// The database gets the store's own schema (PgStore::Open applies its
// migrations: the same tables, indexes and deferred foreign keys the servers
// write), then, untimed, one order, one case in `new` and its open deadline
// per lifecycle. Per action, in one transaction (synchronous_commit as the
// server has it, on: durable when COMMIT returns), on the action's case:
//   - the case row updated (state, version, next deadline and a JSON
//     document of the engine's size: raw_sqlite_baseline's, with the
//     description as a text reference, as the engine now stores it),
//     checked to hit exactly one row at the expected version;
//   - its open deadline closed and the next one inserted;
//   - one outbox event inserted;
//   - one audit entry appended to the single chain: seq = head + 1,
//     prev_hash = the head's hash, hash = SHA-256 over prev_hash and the
//     canonical entry, as raw_sqlite_baseline (and the engine) compute it.
// The chain is the only thing all writers share, and it is serialized the
// cheapest correct way: the case, deadline and outbox rows are written
// first, without any shared lock (each connection works on its own cases),
// then a transaction-scoped advisory lock (`lock_key`) is taken, the head
// is read (a statement of its own, so its snapshot is taken after the lock
// is granted and sees the previous holder's commit), the entry is hashed
// here and inserted, and COMMIT releases the lock. Each action is two round
// trips in libpq pipeline mode: [BEGIN, case, deadline close, deadline
// insert, outbox, lock, head] then [audit insert, COMMIT]. The lock is held
// from its grant to the end of the COMMIT, which includes the WAL flush:
// PostgreSQL releases a transaction's locks only after its commit record is
// durable, so no chained design with one transaction per action can put two
// actions in one flush.
//
// `connections` connections, each on a thread of its own, take lifecycles
// (5 actions on one case, one after another) from a shared counter, as the
// HTTP clients of the benchmark do. Each connection first runs one
// lifecycle untimed (warm-up); `on_start` is called just before the timed
// lifecycles begin and `on_end` just after the last one finished.
//
// Errors: unavailable, with PostgreSQL's message. The database at `uri`
// must be empty.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/status.h"

namespace aftersales::bench {

// The advisory lock key of the baseline's audit chain ("RawAudit").
constexpr std::int64_t kRawAuditLockKey = 0x5261774175646974;

struct RawPgBaselineOptions {
  std::string uri;                // a libpq URI of an empty database
  std::int64_t lifecycles = 600;  // timed lifecycles, 5 actions each
  int connections = 12;
  std::int64_t lock_key = kRawAuditLockKey;
  std::function<void()> on_start;
  std::function<void()> on_end;
};

struct RawPgBaselineFigures {
  std::int64_t lifecycles = 0;                        // timed
  std::int64_t actions = 0;                           // timed
  double seconds = 0;                                 // the timed lifecycles only
  std::vector<double> action_ms;                      // each timed action's latency (both round trips)
  std::int64_t doc_bytes_min = 0, doc_bytes_max = 0;  // the case documents written
};

Result<RawPgBaselineFigures> RunRawPgBaseline(const RawPgBaselineOptions& options);

}  // namespace aftersales::bench
