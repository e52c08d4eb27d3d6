// HTTP metrics for GET /metrics (Prometheus text exposition format 0.0.4):
// aftersales_http_requests_total{route,method,status} and the latency
// histogram aftersales_http_request_duration_seconds{route,method}. The
// engine's gauges (cases by state, deadlines) are read from the Store when
// rendering. Routes are the patterns ("/api/v1/cases/{id}"), never raw
// paths, so the label sets stay bounded. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/store.h"

namespace aftersales {

class HttpMetrics {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  // Counts one answered request.
  void Observe(const std::string& route, const std::string& method, int status, double seconds);

  // The whole exposition: the HTTP series plus aftersales_cases{state},
  // aftersales_deadlines_due_within_hour, aftersales_deadlines_breached and
  // aftersales_outbox_backlog read from `store` at `now`. Errors: unavailable.
  Result<std::string> Render(Store& store, TimePoint now);

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
};

}  // namespace aftersales
