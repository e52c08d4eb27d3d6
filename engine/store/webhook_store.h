// The outbox and webhooks of the store seam (engine/store/store.h): events
// written with the change they report, the endpoints (SPEC §6.12) and each
// event's delivery to each endpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

struct OutboxRow {
  std::int64_t id = 0;     // assigned by the store, increasing
  std::string event_id;    // stable, globally unique
  std::string type;        // case.created, case.state_changed, refund.requested, sla.breached
  std::optional<std::string> case_id;
  std::string payload;     // JSON text
  TimePoint created_at = 0;
};

// A webhook endpoint (SPEC §6.12). The secret signs every delivery, so it is
// stored as given (retrievable), unlike tokens and passwords; it is never
// served or written to the audit log.
struct WebhookRow {
  std::string id;
  std::string url;                  // http(s), as given
  std::vector<std::string> events;  // event types it subscribes to
  std::string secret;
  TimePoint created_at = 0;  // wall time
  bool disabled = false;     // a disabled endpoint gets no new deliveries and no attempts
};

// pending: waiting for its next attempt, or being attempted; delivered: a
// 2xx answer; dead: given up.
enum class DeliveryStatus { kPending, kDelivered, kDead };

// One outbox event on its way to one webhook. Times are wall time.
struct DeliveryRow {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::string webhook_id;
  std::int64_t outbox_id = 0;
  std::string event_id;    // the outbox event's id: the same on every attempt and redelivery
  std::string event_type;  // the outbox event's type
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;                       // attempts made so far
  TimePoint next_attempt_at = 0;          // meaningful while pending
  std::optional<int> last_status;         // HTTP status of the last attempt, if an answer came
  std::optional<std::string> last_error;  // why no answer came to the last attempt, if none did
  // Start of the current series of attempts (creation, or a redelivery of a
  // dead delivery); the give-up time counts from it.
  TimePoint started_at = 0;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;
};

// What one PruneOutbox deleted.
struct OutboxPruned {
  std::int64_t deliveries = 0;
  std::int64_t events = 0;
};

class WebhookReads {
 public:
  virtual ~WebhookReads() = default;
  // Every webhook, by (created_at, id).
  virtual Result<std::vector<WebhookRow>> ListWebhooks() = 0;
  virtual Result<std::optional<WebhookRow>> GetWebhook(const std::string& id) = 0;
  virtual Result<std::optional<OutboxRow>> GetOutbox(std::int64_t id) = 0;
  // Outbox rows with id > `after_id`, by id, at most `limit`.
  virtual Result<std::vector<OutboxRow>> OutboxAfter(std::int64_t after_id, int limit) = 0;
  // How many outbox rows have id > `after_id`.
  virtual Result<std::int64_t> CountOutboxAfter(std::int64_t after_id) = 0;
  // Pending deliveries of `webhook_id` with next_attempt_at <= now, by
  // (next_attempt_at, id), at most `limit` (an index range scan).
  virtual Result<std::vector<DeliveryRow>> DueDeliveries(const std::string& webhook_id, TimePoint now, int limit) = 0;
  // Deliveries of `webhook_id` with id > `after_id`, by id, at most `limit`.
  virtual Result<std::vector<DeliveryRow>> ListDeliveries(const std::string& webhook_id, int limit,
                                                          std::int64_t after_id) = 0;
  virtual Result<std::optional<DeliveryRow>> GetDelivery(std::int64_t id) = 0;
  // Deliveries with status pending, over all webhooks.
  virtual Result<std::int64_t> CountPendingDeliveries() = 0;
  // Deliveries with status dead (given up, waiting for a redelivery by
  // hand), over all webhooks.
  virtual Result<std::int64_t> CountDeadDeliveries() = 0;
};

class WebhookWrites {
 public:
  virtual ~WebhookWrites() = default;
  // Assigns and returns the row id.
  virtual Result<std::int64_t> InsertOutbox(const OutboxRow& row) = 0;
  // already_exists when the id is taken.
  virtual Status InsertWebhook(const WebhookRow& row) = 0;
  // Sets `disabled` of the webhook whose id matches; not_found when there is none.
  virtual Status SetWebhookDisabled(const std::string& id, bool disabled) = 0;
  // Deletes the webhook and every delivery of it; not_found when there is none.
  virtual Status DeleteWebhook(const std::string& id) = 0;
  // Assigns and returns the row id (row.id is ignored).
  virtual Result<std::int64_t> InsertDelivery(const DeliveryRow& row) = 0;
  // Replaces status, attempts, next_attempt_at, last_status, last_error,
  // started_at and updated_at of the delivery whose id matches; not_found
  // when there is none.
  virtual Status UpdateDelivery(const DeliveryRow& row) = 0;
  // The outbox's retention: deletes at most `limit` deliveries with status
  // delivered last updated before `delivered_before` (wall time), then at
  // most `limit` events created before `created_before` (the engine's time)
  // with an id below `below_id` that no delivery refers to any more. Pending
  // and dead deliveries keep themselves and their events. The caller passes
  // the fan-out cursor as `below_id`: an event not yet fanned out stays, and
  // so does the newest, so that ids are never reused.
  virtual Result<OutboxPruned> PruneOutbox(TimePoint delivered_before, TimePoint created_before,
                                           std::int64_t below_id, int limit) = 0;
};

const char* NameOf(DeliveryStatus status);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

}  // namespace aftersales
