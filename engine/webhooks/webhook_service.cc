#include "engine/webhooks/webhook_service.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/crypto.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kWebhookIdHexBytes = 8;  // "wh_" + 16 hex
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxLastErrorBytes = 500;
constexpr int kHttpsPort = 443;
constexpr int kHttpPort = 80;
constexpr int kMaxPort = 65535;
constexpr DeliveryStatus kPending = DeliveryStatus::kPending;
constexpr DeliveryStatus kDelivered = DeliveryStatus::kDelivered;
constexpr DeliveryStatus kDead = DeliveryStatus::kDead;

bool IsEventType(const std::string& type) {
  return std::any_of(std::begin(kWebhookEventTypes), std::end(kWebhookEventTypes),
                     [&](const char* known) { return type == known; });
}

bool IsSubscribed(const WebhookRow& webhook, const std::string& type) {
  return std::find(webhook.events.begin(), webhook.events.end(), type) != webhook.events.end();
}

// A non-negative decimal integer, the whole string.
std::optional<std::int64_t> ParseCount(const std::string& s) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 0) return std::nullopt;
  return n;
}

bool IsHostChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; }

bool IsIpv6Char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }

Result<std::int64_t> ReadCursor(ReadTxn& txn) {
  auto stored = txn.GetSetting(kOutboxFanoutCursorKey);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::int64_t{0};
  auto n = ParseCount(**stored);
  if (!n) return Status::Unavailable(std::string("setting ") + kOutboxFanoutCursorKey + " is unreadable");
  return *n;
}

Status RequireAdmin(const Actor& actor) {
  if (actor.role != Role::kAdmin) return Status(Code::kForbidden, "only an admin may manage webhooks");
  return Status::Ok();
}

// The webhook `id` as `txn` reads it. Errors: not_found, unavailable.
Result<WebhookRow> ExistingWebhook(ReadTxn& txn, const std::string& id) {
  auto found = txn.GetWebhook(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("webhook " + id);
  return **found;
}

Status RunHook(const TxnHook& hook, WriteTxn& txn, const json& response) {
  if (!hook) return Status::Ok();
  return hook(txn, response);
}

bool HasControlChar(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

std::int64_t RetryDelaySeconds(const RetryPolicy& policy, int attempts, double u) {
  const std::int64_t base = std::max<std::int64_t>(1, policy.base_seconds);
  const std::int64_t cap = std::max(base, policy.max_seconds);
  // Doubling stops at the cap, so the shift never overflows.
  std::int64_t delay = base;
  for (int i = 1; i < attempts && delay < cap; ++i) delay = std::min(cap, delay * 2);
  const double factor = 1.0 + policy.jitter * std::clamp(u, -1.0, 1.0);
  const auto jittered = static_cast<std::int64_t>(std::llround(static_cast<double>(delay) * factor));
  return std::max<std::int64_t>(1, jittered);
}

std::optional<WebhookUrl> ParseWebhookUrl(const std::string& url) {
  if (url.size() > kMaxUrlBytes || !IsValidUrl(url)) return std::nullopt;
  WebhookUrl out;
  const std::size_t scheme_end = url.find("://");
  out.scheme = url.substr(0, scheme_end);
  if (out.scheme != "http" && out.scheme != "https") return std::nullopt;
  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_begin), url.size());
  const std::string authority = url.substr(authority_begin, authority_end - authority_begin);
  std::string rest = url.substr(authority_end);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  if (rest.find('#') != std::string::npos) return std::nullopt;

  std::string port;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos || close == 1) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    if (!std::all_of(out.host.begin(), out.host.end(), IsIpv6Char)) return std::nullopt;
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (out.host.empty() || !std::all_of(out.host.begin(), out.host.end(), IsHostChar)) return std::nullopt;
  }
  if (port.empty()) {
    out.port = out.scheme == "https" ? kHttpsPort : kHttpPort;
  } else {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    out.port = std::stoi(port);
    if (out.port < 1 || out.port > kMaxPort) return std::nullopt;
  }
  if (rest.empty() || rest.front() == '?') rest = "/" + rest;
  out.target = rest;
  return out;
}

WebhookService::WebhookService(Store& store, const Clock& clock, const Clock& wall_clock)
    : store_(store), clock_(clock), wall_clock_(wall_clock) {}

json WebhookService::WebhookJson(const WebhookRow& row) {
  return json{{"id", row.id},
              {"url", row.url},
              {"events", row.events},
              {"disabled", row.disabled},
              {"created_at", FormatTime(row.created_at)}};
}

json WebhookService::DeliveryJson(const DeliveryRow& row) {
  const bool pending = row.status == kPending;
  return json{{"id", row.id},
              {"webhook_id", row.webhook_id},
              {"event_id", row.event_id},
              {"event_type", row.event_type},
              {"status", NameOf(row.status)},
              {"attempts", row.attempts},
              {"next_attempt_at", pending ? json(FormatTime(row.next_attempt_at)) : json(nullptr)},
              {"last_status", row.last_status ? json(*row.last_status) : json(nullptr)},
              {"last_error", row.last_error ? json(*row.last_error) : json(nullptr)},
              {"created_at", FormatTime(row.created_at)},
              {"updated_at", FormatTime(row.updated_at)}};
}

Result<json> WebhookService::CreateWebhook(const Actor& actor, const json& body, const TxnHook& hook) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  BodyReader reader(body, {"url", "events", "secret"});
  WebhookRow row;
  if (auto url = reader.String("url", true, kMaxUrlBytes)) {
    if (!ParseWebhookUrl(*url)) {
      reader.Fail("url", "must be an absolute http or https URL with a host, without credentials or a fragment");
    }
    row.url = *url;
  }
  if (const json* events = reader.Array("events", true, std::size(kWebhookEventTypes))) {
    if (events->empty()) reader.Fail("events", "must name at least one event type");
    for (std::size_t i = 0; i < events->size(); ++i) {
      const json& e = (*events)[i];
      const std::string field = "events[" + std::to_string(i) + "]";
      if (!e.is_string() || !IsEventType(e.get<std::string>())) {
        std::string known;
        for (const char* t : kWebhookEventTypes) known += std::string(known.empty() ? "" : ", ") + t;
        reader.Fail(field, "must be one of: " + known);
      } else if (IsSubscribed(row, e.get<std::string>())) {
        reader.Fail(field, "is listed twice");
      } else {
        row.events.push_back(e.get<std::string>());
      }
    }
  }
  if (auto secret = reader.String("secret", true, kMaxWebhookSecretBytes)) {
    if (secret->size() < kMinWebhookSecretBytes) {
      reader.Fail("secret", "must be at least " + std::to_string(kMinWebhookSecretBytes) + " bytes");
    } else if (HasControlChar(*secret)) {
      reader.Fail("secret", "must not contain control characters");
    }
    row.secret = *secret;
  }
  AS_RETURN_IF_ERROR(reader.Finish());

  row.id = "wh_" + RandomIdHex(kWebhookIdHexBytes);
  row.created_at = wall_clock_.Now();
  row.disabled = false;

  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  AS_RETURN_IF_ERROR(w.InsertWebhook(row));
  // Never the secret (SPEC §7).
  json data = {{"webhook_id", row.id}, {"url", row.url}, {"events", row.events}};
  auto appended = AuditLog::Append(w, AuditRecordOf(actor, clock_.Now(), "webhook_created", std::move(data)));
  if (!appended.ok()) return appended.status();
  json response = WebhookJson(row);
  AS_RETURN_IF_ERROR(RunHook(hook, w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

Result<json> WebhookService::ListWebhooks(const Actor& actor) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->ListWebhooks();
  if (!rows.ok()) return rows.status();
  json items = json::array();
  for (const auto& row : *rows) items.push_back(WebhookJson(row));
  return json{{"items", std::move(items)}};
}

Result<json> WebhookService::GetWebhook(const Actor& actor, const std::string& webhook_id) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto row = (*txn)->GetWebhook(webhook_id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("webhook " + webhook_id);
  return WebhookJson(**row);
}

Result<json> WebhookService::ListDeliveries(const Actor& actor, const std::string& webhook_id,
                                            const DeliveryQuery& query) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  int limit = kDefaultPageSize;
  if (query.limit) {
    auto n = ParseCount(*query.limit);
    if (!n || *n < 1 || *n > kMaxPageSize) return Status::Invalid("limit", "limit must be an integer from 1 to 200");
    limit = static_cast<int>(*n);
  }
  std::int64_t after = 0;
  if (query.cursor) {
    auto n = ParseCount(*query.cursor);
    if (!n) return Status::Invalid("cursor", "cursor must be a next_cursor from a previous page");
    after = *n;
  }
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto webhook = (*txn)->GetWebhook(webhook_id);
  if (!webhook.ok()) return webhook.status();
  if (!webhook->has_value()) return Status::NotFound("webhook " + webhook_id);
  auto rows = (*txn)->ListDeliveries(webhook_id, limit + 1, after);  // one more tells whether a next page exists
  if (!rows.ok()) return rows.status();
  json items = json::array();
  json next = nullptr;
  for (std::size_t i = 0; i < rows->size() && i < static_cast<std::size_t>(limit); ++i) {
    items.push_back(DeliveryJson((*rows)[i]));
  }
  if (rows->size() > static_cast<std::size_t>(limit)) next = std::to_string((*rows)[limit - 1].id);
  return json{{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

Result<json> WebhookService::PatchWebhook(const Actor& actor, const std::string& webhook_id, const json& body,
                                          const TxnHook& hook) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  BodyReader reader(body, {"disabled"});
  const std::optional<bool> disabled = reader.Bool("disabled", true);
  AS_RETURN_IF_ERROR(reader.Finish());

  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  WriteTxn& w = *txn;
  AS_ASSIGN_OR_RETURN(WebhookRow row, ExistingWebhook(w, webhook_id));
  if (row.disabled != *disabled) {
    row.disabled = *disabled;
    AS_RETURN_IF_ERROR(w.SetWebhookDisabled(webhook_id, row.disabled));
    const char* action = row.disabled ? "webhook_disabled" : "webhook_enabled";
    auto appended = AuditLog::Append(w, AuditRecordOf(actor, clock_.Now(), action, json{{"webhook_id", webhook_id}}));
    if (!appended.ok()) return appended.status();
  }
  json response = WebhookJson(row);
  AS_RETURN_IF_ERROR(RunHook(hook, w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

Status WebhookService::DeleteWebhook(const Actor& actor, const std::string& webhook_id, const TxnHook& hook) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  WriteTxn& w = *txn;
  AS_ASSIGN_OR_RETURN(WebhookRow row, ExistingWebhook(w, webhook_id));
  AS_RETURN_IF_ERROR(w.DeleteWebhook(webhook_id));
  json data = {{"webhook_id", webhook_id}, {"url", row.url}};
  auto appended = AuditLog::Append(w, AuditRecordOf(actor, clock_.Now(), "webhook_deleted", std::move(data)));
  if (!appended.ok()) return appended.status();
  AS_RETURN_IF_ERROR(RunHook(hook, w, json(nullptr)));
  return w.Commit();
}

Result<json> WebhookService::Redeliver(const Actor& actor, const std::string& webhook_id,
                                       const std::string& delivery_id, const TxnHook& hook) {
  AS_RETURN_IF_ERROR(RequireAdmin(actor));
  const auto id = ParseCount(delivery_id);
  if (!id) return Status::NotFound("delivery " + delivery_id);
  const TimePoint now = wall_clock_.Now();

  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto found = w.GetDelivery(*id);
  if (!found.ok()) return found.status();
  if (!found->has_value() || (*found)->webhook_id != webhook_id) {
    return Status::NotFound("delivery " + delivery_id + " of webhook " + webhook_id);
  }
  const DeliveryRow before = **found;
  DeliveryRow next = before;
  if (before.status == kDelivered) {
    // The old delivery keeps its record; the event goes out again under its own id.
    next.status = kPending;
    next.attempts = 0;
    next.next_attempt_at = now;
    next.last_status.reset();
    next.last_error.reset();
    next.started_at = now;
    next.created_at = now;
    next.updated_at = now;
    auto inserted = w.InsertDelivery(next);
    if (!inserted.ok()) return inserted.status();
    next.id = *inserted;
  } else {
    if (before.status == kDead) {
      next.attempts = 0;
      next.started_at = now;
    }
    next.status = kPending;
    next.next_attempt_at = now;
    next.updated_at = now;
    AS_RETURN_IF_ERROR(w.UpdateDelivery(next));
  }
  json data = {{"webhook_id", webhook_id},
               {"delivery_id", before.id},
               {"redelivery_id", next.id},
               {"event_id", before.event_id},
               {"previous_status", NameOf(before.status)}};
  auto appended = AuditLog::Append(w, AuditRecordOf(actor, clock_.Now(), "webhook_redelivered", std::move(data)));
  if (!appended.ok()) return appended.status();
  json response = DeliveryJson(next);
  AS_RETURN_IF_ERROR(RunHook(hook, w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

Result<FanOutResult> WebhookService::FanOut(int limit) {
  FanOutResult result;
  if (limit <= 0) return result;
  // A cheap look first: most polls find nothing and need no write lock.
  {
    auto read = store_.BeginRead();
    if (!read.ok()) return read.status();
    auto cursor = ReadCursor(**read);
    if (!cursor.ok()) return cursor.status();
    auto next = (*read)->OutboxAfter(*cursor, 1);
    if (!next.ok()) return next.status();
    if (next->empty()) return result;
  }
  const TimePoint now = wall_clock_.Now();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto cursor = ReadCursor(w);
  if (!cursor.ok()) return cursor.status();
  auto rows = w.OutboxAfter(*cursor, limit);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return result;
  auto webhooks = w.ListWebhooks();
  if (!webhooks.ok()) return webhooks.status();
  for (const OutboxRow& event : *rows) {
    for (const WebhookRow& webhook : *webhooks) {
      if (webhook.disabled || !IsSubscribed(webhook, event.type)) continue;
      DeliveryRow d;
      d.webhook_id = webhook.id;
      d.outbox_id = event.id;
      d.event_id = event.event_id;
      d.event_type = event.type;
      d.status = kPending;
      d.next_attempt_at = now;
      d.started_at = now;
      d.created_at = now;
      d.updated_at = now;
      auto inserted = w.InsertDelivery(d);
      if (!inserted.ok()) return inserted.status();
      ++result.deliveries;
    }
  }
  AS_RETURN_IF_ERROR(w.PutSetting(kOutboxFanoutCursorKey, std::to_string(rows->back().id)));
  AS_RETURN_IF_ERROR(w.Commit());
  result.events = static_cast<int>(rows->size());
  return result;
}

Result<OutboxPruned> WebhookService::PruneOutbox(std::int64_t retention_seconds, int batch) {
  OutboxPruned total;
  if (retention_seconds <= 0 || batch <= 0) return total;
  for (;;) {
    const TimePoint delivered_before = wall_clock_.Now() - retention_seconds;
    const TimePoint created_before = clock_.Now() - retention_seconds;
    auto txn = store_.BeginWrite();
    if (!txn.ok()) return txn.status();
    WriteTxn& w = **txn;
    auto cursor = ReadCursor(w);
    if (!cursor.ok()) return cursor.status();
    auto pruned = w.PruneOutbox(delivered_before, created_before, *cursor, batch);
    if (!pruned.ok()) return pruned.status();
    if (pruned->deliveries == 0 && pruned->events == 0) return total;
    AS_RETURN_IF_ERROR(w.Commit());
    total.deliveries += pruned->deliveries;
    total.events += pruned->events;
    if (pruned->deliveries < batch && pruned->events < batch) return total;
  }
}

Result<std::vector<WebhookRow>> WebhookService::EnabledWebhooks() {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->ListWebhooks();
  if (!rows.ok()) return rows.status();
  std::vector<WebhookRow> enabled;
  for (auto& row : *rows) {
    if (!row.disabled) enabled.push_back(std::move(row));
  }
  return enabled;
}

Result<std::vector<DeliveryRow>> WebhookService::DueDeliveries(const std::string& webhook_id, int limit) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  return (*txn)->DueDeliveries(webhook_id, wall_clock_.Now(), limit);
}

Result<std::optional<std::string>> WebhookService::ClaimAttempt(const DeliveryRow& seen, std::int64_t lease_seconds) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  WriteTxn& w = *txn;
  AS_ASSIGN_OR_RETURN(std::optional<DeliveryRow> stored, w.GetDelivery(seen.id));
  const TimePoint now = wall_clock_.Now();
  const bool unchanged = stored.has_value() && stored->status == kPending && stored->attempts == seen.attempts &&
                         stored->next_attempt_at == seen.next_attempt_at && stored->next_attempt_at <= now;
  if (!unchanged) return std::optional<std::string>();
  AS_ASSIGN_OR_RETURN(std::optional<OutboxRow> event, w.GetOutbox(seen.outbox_id));
  if (!event.has_value()) return Status::NotFound("outbox event " + std::to_string(seen.outbox_id));
  stored->next_attempt_at = now + std::max<std::int64_t>(lease_seconds, 1);
  AS_RETURN_IF_ERROR(w.UpdateDelivery(*stored));
  AS_RETURN_IF_ERROR(w.Commit());
  return std::optional<std::string>(std::move(event->payload));
}

Status WebhookService::ReleaseClaim(const DeliveryRow& claimed) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  WriteTxn& w = *txn;
  AS_ASSIGN_OR_RETURN(std::optional<DeliveryRow> stored, w.GetDelivery(claimed.id));
  if (!stored.has_value() || stored->status != kPending || stored->attempts != claimed.attempts) return Status::Ok();
  stored->next_attempt_at = std::min(stored->next_attempt_at, wall_clock_.Now());
  AS_RETURN_IF_ERROR(w.UpdateDelivery(*stored));
  return w.Commit();
}

Result<DeliveryRow> WebhookService::RecordAttempt(std::int64_t delivery_id, const AttemptOutcome& outcome,
                                                  const RetryPolicy& policy, double u) {
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto found = w.GetDelivery(delivery_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("delivery " + std::to_string(delivery_id));
  DeliveryRow d = **found;
  if (d.status != kPending) return d;

  const TimePoint now = wall_clock_.Now();
  d.attempts += 1;
  d.updated_at = now;
  d.last_status = outcome.http_status;
  d.last_error.reset();
  if (!outcome.error.empty()) d.last_error = outcome.error.substr(0, kMaxLastErrorBytes);
  const bool success = outcome.http_status && *outcome.http_status >= 200 && *outcome.http_status <= 299;
  if (success) {
    d.status = kDelivered;
  } else {
    const TimePoint give_up_at = d.started_at + policy.give_up_after_seconds;
    if (now >= give_up_at) {
      d.status = kDead;
    } else {
      // The last try falls on the give-up time itself.
      d.next_attempt_at = std::min(now + RetryDelaySeconds(policy, d.attempts, u), give_up_at);
    }
  }
  AS_RETURN_IF_ERROR(w.UpdateDelivery(d));
  AS_RETURN_IF_ERROR(w.Commit());
  return d;
}

Result<std::int64_t> WebhookService::Backlog(ReadTxn& txn) {
  auto pending = txn.CountPendingDeliveries();
  if (!pending.ok()) return pending.status();
  auto cursor = ReadCursor(txn);
  if (!cursor.ok()) return cursor.status();
  auto unfanned = txn.CountOutboxAfter(*cursor);
  if (!unfanned.ok()) return unfanned.status();
  return *pending + *unfanned;
}

}  // namespace aftersales
