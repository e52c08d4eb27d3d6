#include "web/metrics.h"

#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "engine/webhooks/webhook_service.h"

namespace aftersales {
namespace {

// Label values escape backslash, double quote and newline (exposition format).
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void HttpMetrics::Observe(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = durations_[{route, method}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

Result<std::string> HttpMetrics::Render(Store& store, TimePoint now, const CheckpointSource* checkpoints) {
  std::vector<std::pair<std::string, std::int64_t>> by_state;
  std::int64_t due_soon = 0;
  std::int64_t breached = 0;
  std::int64_t outbox_backlog = 0;
  std::int64_t dead_deliveries = 0;
  std::int64_t head_seq = 0;
  // The newest signed checkpoint is read before the snapshot, so that the
  // snapshot's log holds everything it covers.
  std::optional<AuditCheckpoint> checkpoint;
  TimePoint checkpoint_time = 0;
  std::int64_t unsigned_age = 0;
  if (checkpoints != nullptr) {
    auto newest = checkpoints->folder.Newest(checkpoints->key);
    if (!newest.ok()) return newest.status();
    checkpoint = std::move(*newest);
    if (checkpoint) checkpoint_time = ParseTime(checkpoint->time).value_or(0);
  }
  {
    auto txn = store.BeginRead();
    if (!txn.ok()) return txn.status();
    auto states = (*txn)->CountCasesByState();
    if (!states.ok()) return states.status();
    for (const auto& [state, count] : *states) by_state.emplace_back(NameOf(state), count);
    auto due = (*txn)->CountOpenDeadlinesDueBefore(now + kHour);
    if (!due.ok()) return due.status();
    due_soon = *due;
    auto late = (*txn)->CountBreachedDeadlines();
    if (!late.ok()) return late.status();
    breached = *late;
    auto backlog = WebhookService::Backlog(**txn);
    if (!backlog.ok()) return backlog.status();
    outbox_backlog = *backlog;
    auto dead = (*txn)->CountDeadDeliveries();
    if (!dead.ok()) return dead.status();
    dead_deliveries = *dead;
    auto head = (*txn)->AuditHead();
    if (!head.ok()) return head.status();
    if (*head) head_seq = (*head)->seq;
    if (checkpoints != nullptr) {
      AuditFilter after_checkpoint;
      after_checkpoint.after_seq = checkpoint ? checkpoint->seq : 0;
      after_checkpoint.limit = 1;
      auto oldest_unsigned = (*txn)->ListAudit(after_checkpoint);
      if (!oldest_unsigned.ok()) return oldest_unsigned.status();
      if (!oldest_unsigned->empty()) {
        const auto at = ParseTime(oldest_unsigned->front().at);
        if (at && now > *at) unsigned_age = now - *at;
      }
    }
  }

  std::ostringstream out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out << "# HELP aftersales_http_requests_total HTTP requests answered, by route pattern, method and status.\n"
        << "# TYPE aftersales_http_requests_total counter\n";
    for (const auto& [k, n] : requests_) {
      out << "aftersales_http_requests_total{route=\"" << Label(std::get<0>(k)) << "\",method=\""
          << Label(std::get<1>(k)) << "\",status=\"" << std::get<2>(k) << "\"} " << n << "\n";
    }
    out << "# HELP aftersales_http_request_duration_seconds Time from the parsed request to the written response.\n"
        << "# TYPE aftersales_http_request_duration_seconds histogram\n";
    for (const auto& [k, h] : durations_) {
      const std::string labels = "route=\"" + Label(k.first) + "\",method=\"" + Label(k.second) + "\"";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.buckets[i];
        out << "aftersales_http_request_duration_seconds_bucket{" << labels << ",le=\"" << Number(kBuckets[i]) << "\"} "
            << cumulative << "\n";
      }
      out << "aftersales_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count << "\n"
          << "aftersales_http_request_duration_seconds_sum{" << labels << "} " << Number(h.sum) << "\n"
          << "aftersales_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
    }
  }

  std::map<std::string, std::int64_t> states;
  for (int i = 0; i < kStateCount; ++i) states[NameOf(static_cast<State>(i))] = 0;
  for (const auto& [state, n] : by_state) states[state] = n;
  out << "# HELP aftersales_cases Cases by state.\n# TYPE aftersales_cases gauge\n";
  for (const auto& [state, n] : states) out << "aftersales_cases{state=\"" << Label(state) << "\"} " << n << "\n";
  out << "# HELP aftersales_deadlines_due_within_hour Open deadlines due within the next hour.\n"
      << "# TYPE aftersales_deadlines_due_within_hour gauge\n"
      << "aftersales_deadlines_due_within_hour " << due_soon << "\n"
      << "# HELP aftersales_deadlines_breached Breached deadlines still listed on their cases.\n"
      << "# TYPE aftersales_deadlines_breached gauge\n"
      << "aftersales_deadlines_breached " << breached << "\n"
      << "# HELP aftersales_outbox_backlog Webhook deliveries pending plus outbox events not yet fanned out.\n"
      << "# TYPE aftersales_outbox_backlog gauge\n"
      << "aftersales_outbox_backlog " << outbox_backlog << "\n"
      << "# HELP aftersales_webhook_deliveries_dead Webhook deliveries given up, waiting for a redelivery by hand.\n"
      << "# TYPE aftersales_webhook_deliveries_dead gauge\n"
      << "aftersales_webhook_deliveries_dead " << dead_deliveries << "\n"
      << "# HELP aftersales_storage_failures_total Storage operations that failed since the server started.\n"
      << "# TYPE aftersales_storage_failures_total counter\n"
      << "aftersales_storage_failures_total " << store.FailureCount() << "\n"
      << "# HELP aftersales_audit_head_seq The seq of the newest audit log entry (0: empty log).\n"
      << "# TYPE aftersales_audit_head_seq gauge\n"
      << "aftersales_audit_head_seq " << head_seq << "\n";
  if (checkpoints != nullptr) {
    out << "# HELP aftersales_audit_checkpoint_seq The seq the newest signed audit checkpoint covers (0: none yet).\n"
        << "# TYPE aftersales_audit_checkpoint_seq gauge\n"
        << "aftersales_audit_checkpoint_seq " << (checkpoint ? checkpoint->seq : 0) << "\n"
        << "# HELP aftersales_audit_checkpoint_timestamp_seconds When the newest signed audit checkpoint was signed "
           "(0: none yet).\n"
        << "# TYPE aftersales_audit_checkpoint_timestamp_seconds gauge\n"
        << "aftersales_audit_checkpoint_timestamp_seconds " << checkpoint_time << "\n"
        << "# HELP aftersales_audit_checkpoint_interval_seconds How often the server signs a checkpoint when the log "
           "grew.\n"
        << "# TYPE aftersales_audit_checkpoint_interval_seconds gauge\n"
        << "aftersales_audit_checkpoint_interval_seconds " << checkpoints->every_seconds << "\n"
        << "# HELP aftersales_audit_unsigned_age_seconds Age of the oldest audit entry no signed checkpoint covers "
           "(0: all covered).\n"
        << "# TYPE aftersales_audit_unsigned_age_seconds gauge\n"
        << "aftersales_audit_unsigned_age_seconds " << unsigned_age << "\n";
  }
  return out.str();
}

}  // namespace aftersales
