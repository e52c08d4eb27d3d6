// WebhookService: webhook endpoints and the delivery side of the
// transactional outbox (SPEC §6.12).
//
// The engine writes one outbox row per event in the transaction of the
// change it reports (the engine's CaseWork), and never waits for delivery.
// FanOut turns outbox rows into deliveries: one per subscribed, enabled
// webhook, written in one transaction together with the advanced fan-out
// cursor (setting `outbox_fanout_cursor`), so a crash or restart neither
// loses an event nor fans it out twice. WebhookDispatcher
// (engine/webhook_dispatcher.h) attempts due deliveries and reports each
// attempt through RecordAttempt, which applies the retry schedule: 2xx →
// delivered; otherwise the next attempt after min(base × 2^(attempts−1),
// max) with ±jitter, until give_up_after from the start of the series, then
// dead. Redeliver starts a new series by hand.
//
// The cursor is sound because outbox ids increase in commit order: the
// store has one writer at a time, and the retention sweep (PruneOutbox)
// never deletes an event the cursor has not passed, nor the newest one, so
// an id is never given out twice.
//
// Webhook secrets sign every delivery, so they are stored as given and
// retrievable (unlike tokens and passwords); they are never served and never
// written to the audit log. Admin changes (`webhook_created`,
// `webhook_disabled`, `webhook_enabled`, `webhook_deleted`,
// `webhook_redelivered`) are audited in the transaction of the change.
//
// Time: audit entries take `clock` (the engine's business time); delivery
// times (created, next attempt, updated) take `wall_clock`, so that moving a
// test clock never fires or delays retries (SPEC §6.9). Thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "engine/engine_types.h"
#include "engine/store/store.h"

namespace aftersales {

// The event types of SPEC §6.12, in the order the docs list them.
constexpr const char* kWebhookEventTypes[] = {"case.created", "case.state_changed", "refund.requested", "sla.breached",
                                              "order.shipment_created", "repair.progress", "compensation.requested"};
// The settings key of the fan-out cursor: the id of the last outbox row fanned out.
constexpr const char* kOutboxFanoutCursorKey = "outbox_fanout_cursor";
constexpr std::size_t kMinWebhookSecretBytes = 16;
constexpr std::size_t kMaxWebhookSecretBytes = 256;

// When failed attempts are retried. Seconds of wall time.
struct RetryPolicy {
  std::int64_t base_seconds = 60;
  std::int64_t max_seconds = 6 * kHour;
  std::int64_t give_up_after_seconds = 3 * kDay;  // from the start of a series of attempts
  double jitter = 0.2;                            // each delay is scaled by a random factor in [1 − j, 1 + j]
};

// The delay after the `attempts`-th failed attempt (attempts >= 1):
// min(base × 2^(attempts−1), max) × (1 + jitter × u), rounded to whole
// seconds and at least 1. `u` is clamped to [−1, 1] (the caller draws it).
std::int64_t RetryDelaySeconds(const RetryPolicy& policy, int attempts, double u);

// A webhook URL taken apart: http or https, a host (an IPv6 literal without
// its brackets), a port (the scheme's default when absent) and the target
// (path and query, at least "/").
struct WebhookUrl {
  std::string scheme;
  std::string host;
  int port = 0;
  std::string target;
};
// nullopt unless `url` is an absolute http(s) URL of at most 2048 bytes with
// a host, an optional numeric port, no credentials (`user@`), no fragment,
// and no spaces or control characters.
std::optional<WebhookUrl> ParseWebhookUrl(const std::string& url);

// What one attempt came to.
struct AttemptOutcome {
  std::optional<int> http_status;  // the answer's status, when one came
  std::string error;               // why no answer came; empty when one did
};

struct FanOutResult {
  int events = 0;      // outbox rows consumed (the cursor moved past them)
  int deliveries = 0;  // delivery rows created
};

// GET /webhooks/{id}/deliveries query parameters, as given.
struct DeliveryQuery {
  std::optional<std::string> limit;   // 1..200, default 50
  std::optional<std::string> cursor;  // the next_cursor of the previous page
};

class WebhookService {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  WebhookService(Store& store, const Clock& clock, const Clock& wall_clock);

  // POST /webhooks (admin): {url, events, secret}, nothing else. Creates an
  // enabled webhook that receives the events written from now on (and any
  // not yet fanned out). Returns its view (WebhookJson: never the secret).
  // Writes the webhook and its `webhook_created` audit entry ({webhook_id,
  // url, events}) in one transaction; `hook` runs inside it. Errors:
  // forbidden, validation_failed (fields named), unavailable. On error
  // nothing is written.
  Result<nlohmann::json> CreateWebhook(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  // GET /webhooks (admin): {"items": [views]}, oldest first. Errors:
  // forbidden, unavailable.
  Result<nlohmann::json> ListWebhooks(const Actor& actor);
  // GET /webhooks/{id} (admin). Errors: forbidden, not_found, unavailable.
  Result<nlohmann::json> GetWebhook(const Actor& actor, const std::string& webhook_id);
  // PATCH /webhooks/{id} (admin): {"disabled": bool}, nothing else. A
  // disabled webhook gets no deliveries of the events written meanwhile and
  // no attempts; enabled again, its pending deliveries go out. Returns the
  // view. Writes the change and a `webhook_disabled` or `webhook_enabled`
  // audit entry ({webhook_id}) in one transaction (none when nothing
  // changes); `hook` runs inside it. Errors: forbidden, not_found,
  // validation_failed, unavailable. On error nothing is written.
  Result<nlohmann::json> PatchWebhook(const Actor& actor, const std::string& webhook_id, const nlohmann::json& body,
                                      const TxnHook& hook = {});
  // DELETE /webhooks/{id} (admin): deletes the webhook with its deliveries
  // and writes a `webhook_deleted` audit entry ({webhook_id, url}) in one
  // transaction; `hook` runs inside it. Errors: forbidden, not_found,
  // unavailable. On error nothing is written.
  Status DeleteWebhook(const Actor& actor, const std::string& webhook_id, const TxnHook& hook = {});
  // GET /webhooks/{id}/deliveries (admin): {"items": [delivery views],
  // "next_cursor": string|null}, oldest first. Errors: forbidden, not_found
  // (webhook), validation_failed (limit, cursor), unavailable.
  Result<nlohmann::json> ListDeliveries(const Actor& actor, const std::string& webhook_id, const DeliveryQuery& query);
  // POST /webhooks/{id}/deliveries/{delivery_id}/redeliver (admin). A dead
  // delivery becomes pending again with a fresh series (attempts 0, due
  // now, give-up counted from now); a delivered one gets a new pending
  // delivery of the same event (same event id); a pending one is made due
  // now. Returns the view of the delivery that will be attempted. Writes
  // that change and a `webhook_redelivered` audit entry ({webhook_id,
  // delivery_id, redelivery_id, event_id, previous_status}) in one
  // transaction; `hook` runs inside it. Errors: forbidden, not_found (no
  // such delivery of that webhook), unavailable. On error nothing is written.
  Result<nlohmann::json> Redeliver(const Actor& actor, const std::string& webhook_id, const std::string& delivery_id,
                                   const TxnHook& hook = {});

  // --- the dispatcher's side ---------------------------------------------

  // Fans out at most `limit` outbox rows after the cursor: one pending
  // delivery, due now, per enabled webhook subscribed to the row's type;
  // the cursor moves past every row read, subscribed or not, in the same
  // transaction. Returns the counts. Errors: unavailable (nothing written).
  Result<FanOutResult> FanOut(int limit);
  // The retention sweep: deletes deliveries delivered more than
  // `retention_seconds` ago (wall time), then the events older than that
  // (the engine's time) that no delivery refers to any more and that were
  // fanned out; pending and dead deliveries keep their events. Runs
  // transactions of at most `batch` rows of each until nothing is left, so
  // that it never holds the writer long. Returns what it deleted. Errors:
  // unavailable (what earlier batches deleted stays deleted).
  Result<OutboxPruned> PruneOutbox(std::int64_t retention_seconds, int batch);
  // The webhooks deliveries may be attempted for (not disabled), oldest
  // first. Errors: unavailable.
  Result<std::vector<WebhookRow>> EnabledWebhooks();
  // Pending deliveries of `webhook_id` due by wall time now, by
  // (next_attempt_at, id), at most `limit`. Errors: unavailable.
  Result<std::vector<DeliveryRow>> DueDeliveries(const std::string& webhook_id, int limit);
  // Claims an attempt of `seen` (a row DueDeliveries returned) for
  // `lease_seconds` and returns the body to post: the JSON text of its
  // outbox event, as stored. The claim is a write: the delivery's
  // next_attempt_at moves to wall time now + lease_seconds, so that no
  // other dispatcher — of this server or of another sharing the database —
  // sees it due while this attempt runs; if the attempt is never recorded
  // (its server died), the delivery falls due again when the lease ends, so
  // it is still delivered at least once. nullopt when the stored delivery
  // is no longer what was seen (no longer pending, not due by wall time now,
  // or attempted or claimed since). Errors: not_found (the event),
  // unavailable (nothing claimed).
  Result<std::optional<std::string>> ClaimAttempt(const DeliveryRow& seen, std::int64_t lease_seconds);
  // Gives back a claim whose attempt was cut short before it could count
  // (the dispatcher stopping): the delivery is due again at once, unless it
  // changed since `claimed` was read. Errors: unavailable.
  Status ReleaseClaim(const DeliveryRow& claimed);
  // Records one attempt of pending delivery `delivery_id` made at wall
  // time now: attempts + 1, last_status/last_error from `outcome`; a 2xx
  // status → delivered; otherwise, if `policy.give_up_after_seconds` have
  // passed since the series started → dead, else pending with the next
  // attempt after RetryDelaySeconds(policy, attempts, u), never later than
  // the give-up time. A delivery no longer pending is returned unchanged.
  // Returns the stored row. Errors: not_found, unavailable (nothing written).
  Result<DeliveryRow> RecordAttempt(std::int64_t delivery_id, const AttemptOutcome& outcome, const RetryPolicy& policy,
                                    double u);

  // The outbox backlog for /metrics: pending deliveries plus outbox rows not
  // yet fanned out, read in `txn`. Errors: unavailable.
  static Result<std::int64_t> Backlog(ReadTxn& txn);

  // The view served for a webhook: {id, url, events, disabled, created_at}.
  static nlohmann::json WebhookJson(const WebhookRow& row);
  // The view served for a delivery: {id, webhook_id, event_id, event_type,
  // status, attempts, next_attempt_at (null unless pending), last_status,
  // last_error, created_at, updated_at}.
  static nlohmann::json DeliveryJson(const DeliveryRow& row);

  const Clock& wall_clock() const { return wall_clock_; }

 private:
  Store& store_;
  const Clock& clock_;
  const Clock& wall_clock_;
};

}  // namespace aftersales
