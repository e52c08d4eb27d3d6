// DeadlineSweeper: fires due deadlines (SPEC §5). A deadline fires when
// due_at <= now, as if the engine had been running at due_at: a breach is
// marked and audited, then the deadline's effect runs through the case's
// transition table (an Expired<kind> row) as the `system` actor. Each firing
// is one write transaction through CaseWork, like any action.
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
  // Fires the due deadlines of one case, in due_at order (an action calls it
  // when the case it loaded has one overdue).
  Status FireDueOf(const std::string& case_id);

 private:
  struct Firing {
    bool fired = false;
    std::string kind;
    std::string order_id;
    std::optional<TimePoint> earliest_new_due;  // of a deadline the firing started
  };
  Result<Firing> FireOne(const DeadlineRow& row, TimePoint now);
  // An order's deadline (order_ship, SPEC §10.4).
  Result<Firing> FireOrderOne(const DeadlineRow& row, TimePoint now);

  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
};

}  // namespace aftersales
