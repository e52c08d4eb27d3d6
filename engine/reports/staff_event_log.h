// The staff_events table kept in step with the audit log: the engine
// records each new entry's events in the entry's own write transaction, and
// the table can be rebuilt from the log alone, to verify it (`aftersales
// report scorecard --recompute`) or to fill it on a database that predates
// it (`serve` at start-up). The rules themselves are engine/staff_events.h.
//
// Stateless functions over the Store interface; thread-safe as the
// transactions they are given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

// Derives the events of `entry`, just appended to the log in `txn` with
// `data` (the record's data, which entry.data is the canonical text of),
// from the case's earlier entries, and inserts them into staff_events.
// Entries that yield none cost no read. Errors: unavailable; internal (an
// earlier entry of the case cannot be read); already_exists (the events of
// `entry` are already there). On error the caller must roll back.
Status RecordStaffEvents(WriteTxn& txn, const AuditRow& entry, const nlohmann::json& data);

// Walks the whole audit log once, in seq order, and calls `fn` with every
// event it yields (seq order; within an entry by user_id, kind). Keeps one
// small state per open case. Stops at the first error of `fn`, which it
// returns. `entries`, when given, receives the number of entries read.
// Errors: unavailable; internal (an entry that cannot be read).
Status ScanDerivedStaffEvents(ReadTxn& txn, const std::function<Status(const StaffEventRow&)>& fn,
                              std::int64_t* entries = nullptr);

struct StaffEventCheck {
  bool ok = true;
  std::int64_t events = 0;   // events the log yields
  std::int64_t entries = 0;  // audit entries read
  // The first difference between the log's events and the table's, in
  // (seq, user_id, kind) order; empty when ok.
  std::string difference;
  std::optional<std::int64_t> first_bad_seq;
};

// Rebuilds every staff event from the audit log alone and compares them
// with the table, field by field. Reads only; a difference is a result
// (ok false), not an error. Errors: unavailable; internal (an audit entry
// that cannot be read).
Result<StaffEventCheck> VerifyStaffEvents(ReadTxn& txn);

struct StaffEventBackfill {
  bool rebuilt = false;      // the table was empty and is now filled
  std::int64_t events = 0;   // rows written
  std::int64_t entries = 0;  // audit entries read
};

// When staff_events is empty, fills it from the audit log in one write
// transaction (a database upgraded from schema version 2). Does nothing when
// the table has rows, or when the log yields no events. Errors: unavailable,
// internal; nothing is written on error.
Result<StaffEventBackfill> BackfillStaffEvents(Store& store);

}  // namespace aftersales
