#include "engine/webhooks/webhook_dispatcher.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <random>

#include "engine/crypto.h"

namespace aftersales {
namespace {

// Fan-out transactions per pass: a large backlog is worked off over a few
// passes instead of starving the attempts.
constexpr int kMaxFanOutRoundsPerPass = 8;

}  // namespace

std::string WebhookSignature(const std::string& secret, TimePoint t, const std::string& body) {
  const std::string stamp = std::to_string(t);
  return "t=" + stamp + ",v1=" + HmacSha256Hex(secret, stamp + "." + body);
}

std::vector<std::pair<std::string, std::string>> DeliveryHeaders(const DeliveryRow& delivery, const std::string& secret,
                                                                 const std::string& body, TimePoint t) {
  return {{"Content-Type", "application/json"},
          {"X-Aftersales-Event-Id", delivery.event_id},
          {"X-Aftersales-Event", delivery.event_type},
          {"X-Aftersales-Delivery", std::to_string(delivery.id)},
          {"X-Aftersales-Signature", WebhookSignature(secret, t, body)}};
}

WebhookDispatcher::WebhookDispatcher(WebhookService& service, WebhookTransport& transport, const Clock& wall_clock,
                                     DeliveryOptions options)
    : service_(service), transport_(transport), wall_clock_(wall_clock), options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Status WebhookDispatcher::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return Status(Code::kAlreadyExists, "the webhook dispatcher was already started");
    started_ = true;
  }
  try {
    threads_.emplace_back([this] { RunScheduler(); });
    for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { RunWorker(); });
  } catch (const std::exception& e) {
    Stop();
    return Status::Unavailable(std::string("cannot start the webhook dispatcher: ") + e.what());
  }
  return Status::Ok();
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  scheduler_wake_.notify_all();
  worker_wake_.notify_all();
  transport_.Cancel();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void WebhookDispatcher::Nudge() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nudged_ = true;
  }
  scheduler_wake_.notify_one();
}

std::int64_t WebhookDispatcher::attempts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return attempts_;
}

void WebhookDispatcher::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "aftersales webhooks: " << line << "\n";
  }
}

bool WebhookDispatcher::MayAssign(const std::string& webhook_id) const {
  const auto it = in_flight_.find(webhook_id);
  const int here = it == in_flight_.end() ? 0 : it->second;
  const int cap = fast_.count(webhook_id) != 0 ? std::max(1, options_.max_in_flight_per_endpoint) : 1;
  if (here >= cap) return false;
  const int free = std::max(1, options_.workers) - assigned_;
  // The last free worker is kept for an endpoint with nothing in flight.
  return here == 0 ? free >= 1 : free >= 2;
}

void WebhookDispatcher::RunScheduler() {
  const auto poll = std::chrono::milliseconds(std::max(1, options_.poll_interval_ms));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    nudged_ = false;
    lock.unlock();
    SchedulePass();
    lock.lock();
    scheduler_wake_.wait_for(lock, poll, [this] { return stopping_ || nudged_; });
  }
}

void WebhookDispatcher::PruneWhenDue() {
  if (!options_.retention_seconds) return;
  const TimePoint now = wall_clock_.Now();
  if (last_prune_ && now - *last_prune_ < options_.prune_every_seconds) return;
  last_prune_ = now;
  const std::int64_t retention = options_.retention_seconds();
  if (retention <= 0) return;
  auto pruned = service_.PruneOutbox(retention, std::max(1, options_.prune_batch));
  if (!pruned.ok()) Log("outbox retention sweep failed: " + pruned.status().message());
}

void WebhookDispatcher::SchedulePass() {
  const int batch = std::max(1, options_.fan_out_batch);
  for (int round = 0; round < kMaxFanOutRoundsPerPass; ++round) {
    auto fanned = service_.FanOut(batch);
    if (!fanned.ok()) {
      Log("fan-out failed: " + fanned.status().message());
      break;
    }
    if (fanned->events < batch) break;
  }
  PruneWhenDue();

  auto webhooks = service_.EnabledWebhooks();
  if (!webhooks.ok()) {
    Log("cannot list webhooks: " + webhooks.status().message());
    return;
  }
  const std::size_t n = webhooks->size();
  if (n == 0) return;
  const std::size_t start = rotation_++ % n;
  for (std::size_t i = 0; i < n; ++i) {
    const WebhookRow& webhook = (*webhooks)[(start + i) % n];
    int here = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      if (!MayAssign(webhook.id)) continue;
      const auto it = in_flight_.find(webhook.id);
      here = it == in_flight_.end() ? 0 : it->second;
    }
    // Deliveries in flight are still pending and due: ask for enough rows
    // to see past them.
    auto due = service_.DueDeliveries(webhook.id, options_.max_in_flight_per_endpoint + here);
    if (!due.ok()) {
      Log("cannot read due deliveries of " + webhook.id + ": " + due.status().message());
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const DeliveryRow& delivery : *due) {
      if (stopping_ || !MayAssign(webhook.id)) break;
      if (in_flight_ids_.count(delivery.id) != 0) continue;
      queue_.push_back(Job{webhook, delivery});
      ++assigned_;
      ++in_flight_[webhook.id];
      in_flight_ids_.insert(delivery.id);
      worker_wake_.notify_one();
    }
  }
}

void WebhookDispatcher::RunWorker() {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(-1.0, 1.0);
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      worker_wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued jobs stay pending in the store
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    bool fast = false;
    const bool recorded = Attempt(job, jitter(random), &fast);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --assigned_;
      if (--in_flight_[job.webhook.id] <= 0) in_flight_.erase(job.webhook.id);
      in_flight_ids_.erase(job.delivery.id);
      ++attempts_;
      if (recorded && fast) {
        fast_.insert(job.webhook.id);
      } else if (recorded) {
        fast_.erase(job.webhook.id);
      }
      // A recorded attempt frees a slot: look for more at once. After a
      // storage failure, wait for the next poll instead of spinning.
      if (recorded) nudged_ = true;
    }
    if (recorded) scheduler_wake_.notify_one();
  }
}

bool WebhookDispatcher::Attempt(const Job& job, double u, bool* fast) {
  bool recorded = false;
  const std::int64_t lease =
      options_.claim_seconds > 0 ? options_.claim_seconds : options_.request_timeout_ms / 1000 + 10;
  auto payload = service_.ClaimAttempt(job.delivery, lease);
  if (!payload.ok()) {
    Log("cannot claim delivery " + std::to_string(job.delivery.id) + " of event " + job.delivery.event_id + ": " +
        payload.status().message());
  } else if (payload->has_value()) {  // else attempted or claimed meanwhile (a stale read): nothing to do
    const std::string& body = **payload;
    const TimePoint t = wall_clock_.Now();
    const auto headers = DeliveryHeaders(job.delivery, job.webhook.secret, body, t);
    const double started = MonotonicSeconds();
    Result<int> posted = transport_.Post(job.webhook.url, headers, body, options_.request_timeout_ms);
    const double took = MonotonicSeconds() - started;
    bool cut_short = false;
    AttemptOutcome outcome;
    if (posted.ok()) {
      outcome.http_status = *posted;
    } else {
      outcome.error = posted.status().message();
      std::lock_guard<std::mutex> lock(mu_);
      cut_short = stopping_;  // cancelled by Stop: not counted, and given back below
    }
    if (cut_short) {
      Status released = service_.ReleaseClaim(job.delivery);
      if (!released.ok()) {
        Log("cannot give back the claim on delivery " + std::to_string(job.delivery.id) + " (due again when it runs out): " +
            released.message());
      }
    } else {
      auto stored = service_.RecordAttempt(job.delivery.id, outcome, options_.retry, u);
      if (!stored.ok()) {
        Log("cannot record an attempt of delivery " + std::to_string(job.delivery.id) + ": " +
            stored.status().message());
      }
      recorded = stored.ok();
      if (recorded && stored->status == DeliveryStatus::kDead) {
        Log("gave up delivery " + std::to_string(stored->id) + " of event " + stored->event_id + " to webhook " +
            job.webhook.id + " after " + std::to_string(stored->attempts) + " attempts (a dead letter; redeliver it)");
      }
      const bool answered_2xx = outcome.http_status && *outcome.http_status >= 200 && *outcome.http_status <= 299;
      *fast = recorded && answered_2xx && took < kFastAttemptSeconds;
    }
  }
  return recorded;
}

}  // namespace aftersales
