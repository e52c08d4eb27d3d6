// StaffReports: the two reports about people (docs/reports.md "agents" and
// "scorecard"), computed from the staff_events table with a few aggregates
// over its indexes: counts and sums per (user, kind) for the period, and the
// first-response values per user, read in order for medians. Points come
// from the scorecard section of the latest stored policy and are applied
// when a report is read, so every answer names the points it used.
//
// Reads only (one snapshot per report). Thread-safe: holds references to
// the thread-safe Store, PolicyRegistry and Clock, which must outlive it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_common.h"
#include "engine/store/store.h"

namespace aftersales {

class StaffReports {
 public:
  StaffReports(Store& store, PolicyRegistry& policies, const Clock& clock);

  // {"currency", "items"}: one item per member of the team (every agent,
  // supervisor and manager not disabled, plus anyone with events in the
  // period), by score (high first), then user_id. Money counts the
  // `refunded` events in the report currency: `range.currency`, or the
  // currency of most cases (null when there are none). Errors: unavailable.
  Result<nlohmann::json> Agents(const ReportRange& range);

  // {"period", "from", "to", "policy_version", "points", "bands", "items"}:
  // the team ranked by points (high first; ties share a rank, then by
  // user_id). A range without from and to is the current month by the
  // clock. `period` is "YYYY-MM" when the range is exactly one calendar
  // month, else null. With `user_id`, `items` holds that one user (ranked
  // among the team) and the answer adds `event_list`, the user's scored
  // events in seq order. Errors: validation_failed (user_id not an id),
  // not_found (no such user), unavailable.
  Result<nlohmann::json> Scorecard(const ReportRange& range, const std::optional<std::string>& user_id = std::nullopt);

 private:
  Store& store_;
  PolicyRegistry& policies_;
  const Clock& clock_;
};

}  // namespace aftersales
