// Store: the engine's only door to durable state. The SQLite backend lives in
// db/; a PostgreSQL backend can implement the same interface later. No
// backend type (sqlite3*, SQL text) ever crosses this header.
//
// Model: a ReadTxn sees one consistent snapshot; a WriteTxn is exclusive
// (one writer at a time, `BEGIN IMMEDIATE` on SQLite) and becomes durable
// only when Commit() returns ok (synchronous=FULL). Destroying an
// uncommitted WriteTxn rolls it back: nothing it wrote remains. Every method
// returns Unavailable when storage fails; after such an error the
// transaction must be abandoned (destroyed) by the caller.
//
// Thread-safety: a Store is shared by all threads; each transaction object
// belongs to the one thread that began it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

// A case as stored: the indexed columns plus `doc`, the rest of the case as
// JSON text (its shape is the engine's business, see engine/case_codec.h).
struct CaseRow {
  std::string id;
  std::string order_id;
  std::string buyer_id;
  std::string type;
  std::string state;
  std::int64_t version = 1;
  std::optional<std::string> assignee;
  int policy_version = 0;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;
  std::optional<TimePoint> next_due_at;  // earliest open (unbreached or breached) deadline
  bool breached = false;                 // some listed deadline is breached
  std::string doc;
};

// A deadline row. status: open (waiting), breached (passed, breach recorded,
// listed until its state is left), done (fired, or cancelled by leaving the
// state).
struct DeadlineRow {
  std::int64_t id = 0;
  std::string case_id;
  std::string kind;
  TimePoint started_at = 0;
  TimePoint due_at = 0;
  std::string status = "open";
  std::optional<TimePoint> closed_at;
};

// One audit entry exactly as SPEC §7 stores it.
struct AuditRow {
  std::int64_t seq = 0;
  std::string at;  // RFC 3339, as served
  std::string actor_id;
  std::string actor_role;
  std::optional<std::string> case_id;
  std::string action;
  std::optional<std::string> from_state;
  std::optional<std::string> to_state;
  std::string data;  // canonical JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditFilter {
  std::optional<std::string> case_id;
  std::optional<std::string> actor_id;
  std::optional<std::string> action;
  std::optional<std::string> from;  // RFC 3339 UTC as stored; inclusive
  std::optional<std::string> to;    // inclusive
  std::int64_t after_seq = 0;
  int limit = 100;
};

struct OutboxRow {
  std::int64_t id = 0;     // assigned by the store, increasing
  std::string event_id;    // stable, globally unique
  std::string type;        // case.created, case.state_changed, refund.requested, sla.breached
  std::optional<std::string> case_id;
  std::string payload;     // JSON text
  TimePoint created_at = 0;
};

struct UserRow {
  std::string id;
  std::string name;
  std::string role;
  std::optional<Money> approval_limit;
  std::optional<std::string> external_id;
  bool disabled = false;
  std::optional<std::string> password_hash;  // "pbkdf2-sha256$iter$salt_hex$hash_hex"
  TimePoint created_at = 0;
};

struct PolicyRow {
  int version = 0;
  std::string doc;  // JSON text
  TimePoint created_at = 0;
};

// Case list filters of SPEC §6.5. Empty vectors / nullopt mean "any".
struct CaseFilter {
  std::vector<std::string> states;
  std::optional<std::string> type;
  std::optional<std::string> assignee;  // a user id
  bool unassigned = false;              // assignee=none
  std::optional<std::string> order_id;
  std::optional<std::string> buyer_id;
  std::optional<bool> breached;
  std::optional<TimePoint> due_before;  // next_due_at < due_before
  bool sort_by_due = true;              // else by created_at
  // Keyset cursor: the sort key and id of the last row of the previous page.
  // For due sort, a null key means "cases without a deadline" (sorted last).
  bool has_cursor = false;
  std::optional<std::int64_t> cursor_key;
  std::string cursor_id;
  int limit = 50;
};

struct IdempotencyRow {
  std::string scope;  // caller, method and path
  std::string key;
  std::string request_hash;
  int status = 0;
  std::string body;
  TimePoint created_at = 0;
};

// A web UI login session; the cookie holds the id, the store its SHA-256.
struct SessionRow {
  std::string id_sha256;
  std::string user_id;
  std::string csrf_token;
  TimePoint created_at = 0;
  TimePoint expires_at = 0;
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

// One outbox event on its way to one webhook. status: pending (waiting for
// its next attempt, or being attempted), delivered (a 2xx answer), dead
// (given up). Times are wall time.
struct DeliveryRow {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::string webhook_id;
  std::int64_t outbox_id = 0;
  std::string event_id;    // the outbox event's id: the same on every attempt and redelivery
  std::string event_type;  // the outbox event's type
  std::string status = "pending";
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

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;

  virtual Result<std::optional<Order>> GetOrder(const std::string& id) = 0;
  virtual Result<std::optional<CaseRow>> GetCase(const std::string& id) = 0;
  virtual Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) = 0;
  virtual Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) = 0;
  // Deadlines of the case with status open or breached, by due_at.
  virtual Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) = 0;
  // Open deadlines with due_at <= now, by (due_at, id), at most `limit`.
  virtual Result<std::vector<DeadlineRow>> DueDeadlines(TimePoint now, int limit) = 0;
  virtual Result<std::vector<Text>> TextsOfCase(const std::string& case_id) = 0;
  virtual Result<std::optional<Text>> GetText(const std::string& id) = 0;

  virtual Result<std::optional<UserRow>> GetUser(const std::string& id) = 0;
  virtual Result<std::optional<UserRow>> GetUserByName(const std::string& name) = 0;
  virtual Result<std::optional<UserRow>> GetUserByTokenHash(const std::string& token_sha256) = 0;
  virtual Result<std::vector<UserRow>> ListUsers() = 0;

  // The last audit entry, or nullopt when the log is empty.
  virtual Result<std::optional<AuditRow>> AuditHead() = 0;
  virtual Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) = 0;
  // Calls `fn` for every entry in seq order; stops early when fn returns false.
  virtual Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) = 0;

  virtual Result<std::optional<PolicyRow>> GetPolicy(int version) = 0;
  virtual Result<std::optional<PolicyRow>> LatestPolicy() = 0;

  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Result<std::optional<IdempotencyRow>> GetIdempotency(const std::string& scope, const std::string& key) = 0;

  virtual Result<std::optional<SessionRow>> GetSession(const std::string& id_sha256) = 0;

  // Counts for /metrics: cases per state; open deadlines due before `t`;
  // deadlines currently breached (listed).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> CountCasesByState() = 0;
  virtual Result<std::int64_t> CountOpenDeadlinesDueBefore(TimePoint t) = 0;
  virtual Result<std::int64_t> CountBreachedDeadlines() = 0;

  // Webhooks (SPEC §6.12) and the delivery side of the outbox.
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
};

class WriteTxn : public ReadTxn {
 public:
  // Makes everything written durable. After an error nothing was written.
  virtual Status Commit() = 0;

  // already_exists when the id is taken.
  virtual Status InsertOrder(const Order& order) = 0;
  virtual Status UpdateOrderDelivery(const std::string& order_id, std::optional<TimePoint> delivered_at) = 0;
  virtual Status InsertCase(const CaseRow& row) = 0;
  // Replaces the row whose id matches; version_conflict unless the stored
  // version equals `expected_version`.
  virtual Status UpdateCase(const CaseRow& row, std::int64_t expected_version) = 0;
  // Inserts a deadline; returns its id.
  virtual Result<std::int64_t> InsertDeadline(const DeadlineRow& row) = 0;
  virtual Status SetDeadlineStatus(std::int64_t id, const std::string& status, TimePoint at) = 0;
  virtual Status InsertText(const Text& text) = 0;
  // Appends an entry; the caller has chained it (seq = head + 1).
  virtual Status AppendAudit(const AuditRow& row) = 0;
  // Assigns and returns the row id.
  virtual Result<std::int64_t> InsertOutbox(const OutboxRow& row) = 0;
  // already_exists when the id or name is taken.
  virtual Status InsertUser(const UserRow& row) = 0;
  virtual Status UpdateUser(const UserRow& row) = 0;
  virtual Status InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) = 0;
  virtual Status InsertPolicy(const PolicyRow& row) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
  virtual Status PutIdempotency(const IdempotencyRow& row) = 0;
  virtual Status InsertSession(const SessionRow& row) = 0;
  virtual Status DeleteSession(const std::string& id_sha256) = 0;

  // already_exists when the id is taken.
  virtual Status InsertWebhook(const WebhookRow& row) = 0;
  // Assigns and returns the row id (row.id is ignored).
  virtual Result<std::int64_t> InsertDelivery(const DeliveryRow& row) = 0;
  // Replaces status, attempts, next_attempt_at, last_status, last_error,
  // started_at and updated_at of the delivery whose id matches; not_found
  // when there is none.
  virtual Status UpdateDelivery(const DeliveryRow& row) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Begins an exclusive write transaction (waits for other writers).
  virtual Result<std::unique_ptr<WriteTxn>> BeginWrite() = 0;
  // Begins a read-only snapshot; never blocks writers.
  virtual Result<std::unique_ptr<ReadTxn>> BeginRead() = 0;
};

}  // namespace aftersales
