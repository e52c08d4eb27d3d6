// HTTP metrics for GET /metrics (Prometheus text exposition format 0.0.4):
// aftersales_http_requests_total{route,method,status} and the latency
// histogram aftersales_http_request_duration_seconds{route,method}. The
// engine's gauges (cases by state, deadlines, webhooks, the audit log and
// its signed checkpoints) and the store's failure counter are read when
// rendering. Routes are the patterns ("/api/v1/cases/{id}"), never raw
// paths, so the label sets stay bounded. deploy/prometheus/ alerts on these
// series. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "domain/clock.h"
#include "domain/status.h"
#include "api/evidence_bundle.h"
#include "engine/store/store.h"

namespace aftersales {

class HttpMetrics {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  // Counts one answered request.
  void Observe(const std::string& route, const std::string& method, int status, double seconds);

  // The whole exposition: the HTTP series plus, read from `store` at `now`
  // (the engine's time), aftersales_cases{state},
  // aftersales_deadlines_due_within_hour, aftersales_deadlines_breached,
  // aftersales_outbox_backlog, aftersales_webhook_deliveries_dead,
  // aftersales_audit_head_seq and the counter
  // aftersales_storage_failures_total (Store::FailureCount). With
  // `checkpoints` (serve --checkpoint-dir), also the newest checkpoint its
  // key signed: aftersales_audit_checkpoint_seq and
  // aftersales_audit_checkpoint_timestamp_seconds (0 while there is none),
  // aftersales_audit_checkpoint_interval_seconds, and
  // aftersales_audit_unsigned_age_seconds: how long ago (`now` minus its
  // `at`) the oldest entry that checkpoint does not cover was written, 0
  // when it covers the head. Errors: unavailable (storage, the checkpoint
  // folder).
  Result<std::string> Render(Store& store, TimePoint now, const CheckpointSource* checkpoints = nullptr);

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
