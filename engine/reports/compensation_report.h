// The compensation report (SPEC §11.3, GET /api/v1/reports/compensation):
// over the compensation cases submitted in the range,
//   by_reason: every compensation reason of the latest policy (zeros too),
//     then any other reason older cases carry: cases, compensated (cases
//     in `compensated`), amount (Σ compensated_amount), and that amount
//     by form (cash, voucher, points);
//   by_agent: who fixed the agreed amount (an accepted offer counts for
//     whoever made it; the engine's own is "system"): approved (cases),
//     amount (Σ compensated_amount), amount descending, then user id.
// Money in the range's currency, else that of most cases; counts count
// every case. It reads the compensation cases themselves (by type, a
// small share of all cases) in one read transaction and writes nothing.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "engine/reports/report_common.h"
#include "engine/store/store.h"

namespace aftersales {

// {"currency", "by_reason": [...], "by_agent": [...]}. Errors: unavailable,
// internal (a stored case that does not decode).
Result<nlohmann::json> CompensationReport(Store& store, const ReportRange& range);

}  // namespace aftersales
