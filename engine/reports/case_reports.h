// CaseReports: the case reports of docs/reports.md — `sla`, `reasons`,
// `warehouse` and `finance` — as the JSON documents served by
// GET /api/v1/reports/{name} and `aftersales report NAME`. Each is a few
// aggregates over indexed columns (case_facts, case_fact_lines, deadlines,
// orders) read in one snapshot; percentiles use NearestRank and ratios
// Ratio (engine/report_common.h).
//
// Periods (ReportRange): `sla` selects deadlines by the time they started;
// `reasons`, `warehouse` and `finance` select the cases submitted in the
// period (a cohort) with everything that has happened to them since.
// Money: the range's currency, or by default the currency of most cases
// (ReadTxn::MostCommonCaseCurrency, all time; null when there are no cases);
// counts count every case. `finance` has one item per currency instead (only
// the range's currency when one is given).
//
// Each method returns the document or unavailable (storage); it writes
// nothing. Thread-safe: every call runs in its own read transaction.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "engine/reports/report_common.h"
#include "engine/store/store.h"

namespace aftersales {

class CaseReports {
 public:
  explicit CaseReports(Store& store);

  // {"items": [...]}: one item per deadline kind, every kind in SPEC §5's
  // order (zeros too): deadline, count, open, breached, breach_rate,
  // extended (moved by a bulk extension), median_seconds_to_act,
  // p90_seconds_to_act. Breaches are judged by the final due_at.
  Result<nlohmann::json> Sla(const ReportRange& range);
  // {"currency", "items", "by_reason", "by_sku"}; by_reason lists every
  // reason of the latest policy (zeros included), then any other reason
  // that older cases carry.
  Result<nlohmann::json> Reasons(const ReportRange& range);
  // {"receipt": {"count", "median_seconds", "p90_seconds"}, "items": [...]}:
  // one item per inspection grade (`ungraded` last).
  Result<nlohmann::json> Warehouse(const ReportRange& range);
  // {"items": [...]}: one item per currency, by currency code.
  Result<nlohmann::json> Finance(const ReportRange& range);

 private:
  Store& store_;
};

}  // namespace aftersales
