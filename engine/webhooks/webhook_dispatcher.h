// WebhookDispatcher: the background side of webhooks (SPEC §6.12). It fans
// the outbox out into deliveries and attempts every due delivery, signed,
// through a WebhookTransport, recording each attempt (WebhookService::
// RecordAttempt applies the retry schedule and the dead-letter rule).
//
// Threads: one scheduler and `workers` posting threads. The scheduler
// wakes every poll interval (or when a worker finishes), fans out new
// outbox rows, asks each enabled webhook for its due deliveries and hands
// them to the workers. Isolation between endpoints (webhooks):
//   - slow start: an endpoint gets one attempt at a time until its last
//     attempt came back 2xx within kFastAttemptSeconds; only then up to
//     `max_in_flight_per_endpoint` at once. An endpoint that hangs, refuses
//     or answers slowly therefore holds one worker (once one of its
//     attempts has shown it, at most its earlier ones are still running);
//   - a spare: an endpoint that already has an attempt in flight never takes
//     the last free worker, which stays for an endpoint with none.
// So a slow or dead endpoint never delays the others, as long as fewer
// than `workers` endpoints hang at once. The engine never waits for any of
// this: it only writes outbox rows.
//
// Each attempt POSTs the outbox row's JSON text as is, with Content-Type:
// application/json, X-Aftersales-Event-Id (the event's id, the same on every
// retry and redelivery), X-Aftersales-Event (its type),
// X-Aftersales-Delivery (the delivery id) and X-Aftersales-Signature:
// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, t being the
// wall time of that attempt. Before posting, a worker claims the attempt
// (WebhookService::ClaimAttempt), so that one dispatcher at a time, of any
// server sharing the database, attempts a delivery. Delivery is at least
// once: an attempt cut short by Stop is given back and made again at once,
// one cut short by a crash when its claim runs out; deliveries of one
// endpoint are not ordered.
//
// Time: business-free. Signatures and the retry schedule read the injected
// wall Clock; attempt durations (slow start) use MonotonicSeconds; threads
// wait on condition variables with bounded waits. Thread-safety: Start and Stop are called from one
// controlling thread; the dispatcher may run alongside any engine call.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/store/store.h"
#include "engine/webhooks/webhook_service.h"
#include "engine/webhooks/webhook_transport.h"

namespace aftersales {

// An attempt answered 2xx within this many seconds marks its endpoint fast.
constexpr double kFastAttemptSeconds = 1.0;

struct DeliveryOptions {
  RetryPolicy retry;
  int workers = 8;                     // threads that post
  int max_in_flight_per_endpoint = 4;  // attempts at once per webhook
  int poll_interval_ms = 500;          // how long the scheduler sleeps when nothing wakes it
  int request_timeout_ms = 5000;       // connect, read and write timeouts of one attempt
  // How long an attempt's claim on its delivery lasts (ClaimAttempt): past
  // it, a dispatcher of any server sharing the database may attempt the
  // delivery again. 0: the request timeout plus 10 s.
  int claim_seconds = 0;
  int fan_out_batch = 500;             // outbox rows per fan-out transaction
  // The outbox's retention (WebhookService::PruneOutbox), asked before each
  // sweep (serve: the current policy's webhook_retention_days); empty or
  // not positive: nothing is deleted.
  std::function<std::int64_t()> retention_seconds;
  int prune_every_seconds = 3600;  // wall time between sweeps; the first comes with the first pass
  int prune_batch = 500;           // rows of each kind per sweep transaction
  // Receives one line per problem the threads cannot report otherwise
  // (storage unavailable); empty: stderr.
  std::function<void(const std::string&)> log;
};

// "t=<t>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(const std::string& secret, TimePoint t, const std::string& body);

// The headers of one attempt of `delivery` at wall time `t`, signed with `secret`.
std::vector<std::pair<std::string, std::string>> DeliveryHeaders(const DeliveryRow& delivery, const std::string& secret,
                                                                 const std::string& body, TimePoint t);

class WebhookDispatcher {
 public:
  // Keeps references to everything; they must outlive the dispatcher. The
  // dispatcher cancels `transport` when it stops, so it must not be shared.
  WebhookDispatcher(WebhookService& service, WebhookTransport& transport, const Clock& wall_clock,
                    DeliveryOptions options = {});
  ~WebhookDispatcher();  // Stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts the threads. Errors: already_exists when started before (a
  // dispatcher runs once).
  Status Start();
  // Wakes every thread, cancels the attempts in flight (an attempt cut
  // short is not recorded and is made again after a restart) and joins the
  // threads. Returns within about one connect timeout at worst. Safe to
  // call more than once, and without Start.
  void Stop();
  // Wakes the scheduler now instead of at the next poll (after a change
  // that made something due).
  void Nudge();

  // Attempts finished (recorded or not) since Start.
  std::int64_t attempts() const;

 private:
  struct Job {
    WebhookRow webhook;
    DeliveryRow delivery;
  };

  void RunScheduler();
  void RunWorker();
  // One scheduling pass: fan out, then hand due deliveries to workers.
  void SchedulePass();
  // The retention sweep, when prune_every_seconds have passed since the last.
  void PruneWhenDue();
  // Makes one attempt; returns whether it was recorded, and sets `fast`
  // when it was answered 2xx within kFastAttemptSeconds.
  bool Attempt(const Job& job, double u, bool* fast);
  void Log(const std::string& line) const;
  // Whether `webhook_id` may take one more worker now (mu_ held).
  bool MayAssign(const std::string& webhook_id) const;

  WebhookService& service_;
  WebhookTransport& transport_;
  const Clock& wall_clock_;
  const DeliveryOptions options_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable scheduler_wake_;
  std::condition_variable worker_wake_;
  bool started_ = false;
  bool stopping_ = false;
  bool nudged_ = false;
  std::deque<Job> queue_;
  int assigned_ = 0;                      // jobs queued or running
  std::map<std::string, int> in_flight_;  // by webhook id: jobs queued or running
  std::set<std::string> fast_;            // webhook ids whose last attempt was answered 2xx quickly (slow start)
  std::set<std::int64_t> in_flight_ids_;  // delivery ids queued or running
  std::int64_t attempts_ = 0;

  std::optional<TimePoint> last_prune_;  // the scheduler thread's own: when the last retention sweep began
  std::size_t rotation_ = 0;          // the scheduler thread's own: first webhook of the next pass, for fairness
  std::vector<std::thread> threads_;  // the controlling thread's own
};

}  // namespace aftersales
