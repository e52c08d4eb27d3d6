// The routes of SPEC §6 (reports come later): each handler reads
// its request, calls one engine method and maps the result. Thread-safe
// once built: handlers share only the thread-safe services.
#pragma once

#include <vector>

#include "web/http_server.h"
#include "web/metrics.h"
#include "web/route.h"

namespace aftersales {

// The session cookie set by POST /api/v1/session.
constexpr const char* kSessionCookie = "as_session";

// Builds the route table. POST /api/v1/test/clock is included only when
// `services.test_clock` is set. `metrics` serves GET /metrics.
std::vector<Route> BuildApiRoutes(const WebServices& services, HttpMetrics& metrics);

}  // namespace aftersales
