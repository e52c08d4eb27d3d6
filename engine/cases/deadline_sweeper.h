// DeadlineSweeper: fires due deadlines (SPEC §5). A deadline fires when
// due_at <= now, as if the engine had been running at due_at: a breach is
// marked and audited, then the deadline's effect runs through the case's
// transition table (an Expired<kind> row) as the `system` actor, through
// CaseWork like any action. A sweep fires a batch of due deadlines in one
// write transaction (one turn of the single writer, one commit); when a
// firing of the batch fails, the batch is rolled back and fired again one
// transaction per deadline, so that one bad case does not stop the others.
//
// Thread-safe: any number of threads may sweep; a deadline fires once
// (its row is re-read inside the firing's transaction, and a firing that
// finds it gone or breached does nothing). Reads time only from the Clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

// A deadline that a sweep fired.
struct FiredDeadline {
  std::string case_id;   // empty for an order's deadline
  std::string order_id;  // the case's order, or the order whose deadline fired
  std::string kind;
};

class DeadlineSweeper {
 public:
  DeadlineSweeper(Store& store, const Clock& clock, PolicyRegistry& policies);

  // Fires every open deadline due at or before Now(), in due_at order,
  // including those that earlier firings start, at most `max` per call.
  // A firing that fails is skipped for the rest of the sweep (tried again
  // by the next); unavailable stops the sweep. Returns what fired.
  Result<std::vector<FiredDeadline>> FireDue(int max = 1000);
  // Fires the due deadlines of one case, in due_at order, in one write
  // transaction (an action calls it when the case it loaded has one
  // overdue). It reads them on the writer, so it sees what that action saw,
  // also the uncommitted work of the batch it shares (db/group_commit.h).
  // Returns whether anything was written.
  Result<bool> FireDueOf(const std::string& case_id);
  // Fires inside `txn` every open deadline due at or before `now`, those
  // the firings start included, in due_at order, at most `max`. Any error
  // leaves `txn` to be rolled back by the caller: the test clock's move and
  // its firings are one transaction (engine/test_clock.h).
  Result<std::vector<FiredDeadline>> FireDueIn(WriteTxn& txn, TimePoint now, int max);

  // Firings per write transaction in FireDue (default 64); 1 fires each in
  // a transaction of its own, as before batching (bench/engine_bench
  // compares the two). Set before sweeping starts.
  void set_batch_limit(int n) { batch_limit_ = n < 1 ? 1 : n; }

 private:
  struct Firing {
    bool fired = false;
    bool wrote = false;  // something to commit (also an orphan row closed)
    std::string kind;
    std::string order_id;
    std::optional<TimePoint> earliest_new_due;  // of a deadline the firing started
  };
  // One firing in its own transaction.
  Result<Firing> FireOne(const DeadlineRow& row, TimePoint now);
  // One firing inside `txn`.
  Result<Firing> FireOneIn(WriteTxn& txn, const DeadlineRow& row, TimePoint now);
  // An order's deadline (order_ship, SPEC §10.4).
  Result<Firing> FireOrderOneIn(WriteTxn& txn, const DeadlineRow& row, TimePoint now);
  // `due` (read before) in one transaction; stops early, committing what
  // fired, when a firing starts a deadline due before the next row. Returns
  // whether it wrote anything. Errors: the batch rolled back.
  Result<bool> FireBatch(const std::vector<DeadlineRow>& due, TimePoint now, int room,
                                std::vector<FiredDeadline>& fired);

  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
  int batch_limit_ = 64;
};

}  // namespace aftersales
