// The reports of docs/reports.md (and SPEC §11.3's compensation) by name, for the two front doors that
// serve them (GET /api/v1/reports/NAME and `aftersales report NAME`): which
// parameters each takes, how to compute it (CaseReports for sla, reasons,
// warehouse and finance; StaffReports for agents and scorecard), and its CSV
// form: one line per item of `items` under an explicit header (the
// scorecard's by_kind flattened into count_<kind> and points_<kind>; the
// compensation report's by_reason and by_agent rows under a `section` column).
//
// The catalog is immutable; ReportRunner is as thread-safe as the reports it
// runs (holds references to the Store, PolicyRegistry and Clock, which must
// outlive it).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_common.h"
#include "engine/store/store.h"

namespace aftersales {

struct ReportInfo {
  std::string name;
  bool money = false;     // takes a currency
  bool per_user = false;  // takes a user_id (scorecard)
  std::vector<std::string> csv_columns;
};

// agents, sla, reasons, warehouse, finance, scorecard, compensation, in that order.
const std::vector<ReportInfo>& ReportCatalog();
// The report called `name`, or null.
const ReportInfo* FindReport(const std::string& name);

// Items of `report` (a document `name` returned) as RFC 4180 CSV under the
// report's header row (engine/report_common.h ItemsToCsv).
std::string ReportCsv(const ReportInfo& info, const nlohmann::json& report);

class ReportRunner {
 public:
  ReportRunner(Store& store, PolicyRegistry& policies, const Clock& clock);
  // Computes report `info` for `range` (and `user_id`, scorecard only).
  // Errors: those of CaseReports and StaffReports (validation_failed,
  // not_found, unavailable); it writes nothing.
  Result<nlohmann::json> Run(const ReportInfo& info, const ReportRange& range,
                             const std::optional<std::string>& user_id = std::nullopt);

 private:
  Store& store_;
  PolicyRegistry& policies_;
  const Clock& clock_;
};

}  // namespace aftersales
