#include "web/metrics.h"

#include <cstdio>
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

Result<std::string> HttpMetrics::Render(Store& store, TimePoint now) {
  std::vector<std::pair<std::string, std::int64_t>> by_state;
  std::int64_t due_soon = 0;
  std::int64_t breached = 0;
  std::int64_t outbox_backlog = 0;
  {
    auto txn = store.BeginRead();
    if (!txn.ok()) return txn.status();
    auto states = (*txn)->CountCasesByState();
    if (!states.ok()) return states.status();
    by_state = std::move(*states);
    auto due = (*txn)->CountOpenDeadlinesDueBefore(now + kHour);
    if (!due.ok()) return due.status();
    due_soon = *due;
    auto late = (*txn)->CountBreachedDeadlines();
    if (!late.ok()) return late.status();
    breached = *late;
    auto backlog = WebhookService::Backlog(**txn);
    if (!backlog.ok()) return backlog.status();
    outbox_backlog = *backlog;
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
      << "aftersales_outbox_backlog " << outbox_backlog << "\n";
  return out.str();
}

}  // namespace aftersales
