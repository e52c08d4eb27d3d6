// `aftersales report NAME`: the reports of docs/reports.md (agents, sla,
// reasons, warehouse, finance, scorecard) read from a database file without
// a running server, as JSON (the API's document) or CSV (its items, as
// GET /api/v1/reports/NAME?format=csv answers them); and
// `aftersales report scorecard --recompute`, which rebuilds the staff events
// from the audit log alone and compares them with the stored ones.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "domain/clock.h"

namespace aftersales {

struct ReportOptions {
  std::string name;  // agents, sla, reasons, warehouse, finance, scorecard
  std::string db_path;
  std::string from;                    // RFC 3339; empty: open
  std::string to;                      // RFC 3339; empty: open
  std::string currency;                // empty: the currency of most cases
  std::string period;                  // YYYY-MM; empty: none
  std::optional<std::string> user_id;  // scorecard only
  std::string format = "json";         // json or csv
  bool recompute = false;              // scorecard only
};

// Reports `options.name` to `out`. Returns kExitOk; with --recompute,
// kExitOk when the staff events match the audit log ("staff events match the
// audit log (N events from M entries)") and kExitFailed naming the first
// difference otherwise; kExitFailed also when --user names no user.
// kExitUnusable (reason on `err`): a missing or unavailable database, an
// option the report does not take, a bad time, month, currency, format or
// user id. `clock` gives the scorecard's default month.
// Reads only: never creates or changes the database.
int RunReport(const ReportOptions& options, const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace aftersales
