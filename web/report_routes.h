// The report routes of docs/reports.md (roles manager and admin), thin as
// every handler: read the query, call one report method, answer JSON or CSV.
//   GET /api/v1/reports/agents     ?from=&to=&period=&currency=&format=
//   GET /api/v1/reports/sla        ?from=&to=&period=&format=
//   GET /api/v1/reports/reasons    ?from=&to=&period=&currency=&format=
//   GET /api/v1/reports/warehouse  ?from=&to=&period=&format=
//   GET /api/v1/reports/finance    ?from=&to=&period=&currency=&format=
//   GET /api/v1/reports/scorecard  ?from=&to=&period=&user_id=&format=
// Unknown or repeated query parameters, a bad time, month, currency or
// format answer 400 validation_failed naming the parameter. `format=csv`
// answers `text/csv; charset=utf-8` as an attachment `<report>.csv`: a
// header row and one line per item (scorecard: by_kind flattened into
// count_<kind> and points_<kind> columns). Thread-safe once built.
#pragma once

#include <vector>

#include "web/http_server.h"
#include "web/route.h"

namespace aftersales {

// The routes above over the services' store, policies and (engine) clock,
// which must outlive the server.
std::vector<Route> BuildReportRoutes(const WebServices& services);

}  // namespace aftersales
