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
  bool risk_flagged = false;             // the abuse signals flagged the case at submit
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
  bool flagged_only = false;            // risk=flagged: only cases with risk_flagged
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

// One staff event (docs/reports.md "Staff events"): what the audit entry
// `seq` says a staff member did, derived from the log alone
// (engine/staff_events.h). Key: (seq, user_id, kind). `at` is the entry's
// time; `value` is seconds (first_response), minor units (refunded, with
// `currency`) or 0.
struct StaffEventRow {
  std::int64_t seq = 0;
  TimePoint at = 0;
  std::string user_id;
  std::string case_id;
  std::string kind;
  std::int64_t value = 0;
  std::optional<std::string> currency;

  bool operator==(const StaffEventRow& o) const {
    return seq == o.seq && at == o.at && user_id == o.user_id && case_id == o.case_id && kind == o.kind &&
           value == o.value && currency == o.currency;
  }
  bool operator!=(const StaffEventRow& o) const { return !(*this == o); }
};

// Staff events of a period grouped by (user_id, kind): how many, and the sum
// of their values.
struct StaffEventCount {
  std::string user_id;
  std::string kind;
  std::int64_t count = 0;
  std::int64_t sum = 0;
};

// The report figures of one case (table case_facts; docs/reports.md),
// written by the engine with every change of the case (engine/case_facts.h).
// Money in `currency`.
struct CaseFactsRow {
  std::string case_id;
  std::string type;
  std::string reason;
  std::string buyer_id;
  std::string currency;
  std::string state;
  TimePoint created_at = 0;
  Money requested_amount = 0;
  std::optional<Money> agreed_amount;
  std::optional<TimePoint> approved_at;  // the first time the case got an agreed amount
  Money refunded_amount = 0;
  std::optional<TimePoint> refunded_at;  // refund_issued
  std::int64_t refunds_failed = 0;       // failed refund attempts
  std::optional<TimePoint> return_shipped_at;
  std::optional<TimePoint> return_delivered_at;
  std::optional<TimePoint> return_received_at;
  std::optional<std::string> inspection_result;  // pass | fail
  std::optional<std::string> inspection_grade;

  bool operator==(const CaseFactsRow& o) const {
    return case_id == o.case_id && type == o.type && reason == o.reason && buyer_id == o.buyer_id &&
           currency == o.currency && state == o.state && created_at == o.created_at &&
           requested_amount == o.requested_amount && agreed_amount == o.agreed_amount &&
           approved_at == o.approved_at && refunded_amount == o.refunded_amount && refunded_at == o.refunded_at &&
           refunds_failed == o.refunds_failed && return_shipped_at == o.return_shipped_at &&
           return_delivered_at == o.return_delivered_at && return_received_at == o.return_received_at &&
           inspection_result == o.inspection_result && inspection_grade == o.inspection_grade;
  }
  bool operator!=(const CaseFactsRow& o) const { return !(*this == o); }
};

// One line of a case in the reports (table case_fact_lines): its SKU, its
// units and its share of the case's refunded amount; `created_at` is the
// case's.
struct CaseFactLineRow {
  std::string case_id;
  std::string line_id;
  std::string sku;
  std::int64_t qty = 0;
  Money refunded_amount = 0;
  TimePoint created_at = 0;

  bool operator==(const CaseFactLineRow& o) const {
    return case_id == o.case_id && line_id == o.line_id && sku == o.sku && qty == o.qty &&
           refunded_amount == o.refunded_amount && created_at == o.created_at;
  }
  bool operator!=(const CaseFactLineRow& o) const { return !(*this == o); }
};

// Case facts of a period summed per (reason, currency, inspection_grade);
// money in the row's currency.
struct CaseFactTotalsRow {
  std::string reason;
  std::string currency;
  std::optional<std::string> inspection_grade;  // none: not inspected, or inspected without a grade
  std::int64_t cases = 0;
  std::int64_t approved = 0;        // agreed_amount > 0 (a replacement agreed at 0 is no money)
  std::int64_t refunded_cases = 0;  // refunded_at set
  Money refunded_amount = 0;
  std::int64_t refunds_failed = 0;   // failed attempts, summed
  std::int64_t awaiting_refund = 0;  // state refunding
  std::int64_t inspected = 0;        // inspection_result set
  std::int64_t passed = 0;
  std::int64_t failed = 0;
};

// Case fact lines of a period summed per (reason, type, sku).
struct CaseFactLineTotalsRow {
  std::string reason;
  std::string type;
  std::string sku;
  std::int64_t cases = 0;  // distinct cases
  std::int64_t units = 0;
  Money refunded_amount = 0;  // lines of cases in the asked currency only
};

// Time spans read from case facts (CaseFactSeconds).
enum class CaseFactSpan {
  kReceipt,           // return_received_at − (return_delivered_at, else return_shipped_at)
  kApprovalToRefund,  // refunded_at − approved_at
};

// Deadlines of a period (by started_at) summed per kind.
struct DeadlineTotalsRow {
  std::string kind;
  std::int64_t started = 0;
  std::int64_t open = 0;      // status open or breached: not yet done
  std::int64_t breached = 0;  // breached_at set (breached at some time)
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;

  virtual Result<std::optional<Order>> GetOrder(const std::string& id) = 0;
  virtual Result<std::optional<CaseRow>> GetCase(const std::string& id) = 0;
  virtual Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) = 0;
  virtual Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) = 0;
  // The abuse signals' figures of one buyer (engine/risk.h): the buyer's
  // cases created in [from, to], by (created_at, id), and how many orders the
  // buyer placed in [from, to].
  virtual Result<std::vector<CaseRow>> CasesOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) = 0;
  virtual Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) = 0;
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
  // Calls `fn` with the seq and `hash` of every entry with from_seq <= seq
  // <= to_seq, in seq order (a key range scan that reads nothing else);
  // stops early when fn returns false. For Merkle trees over the log.
  virtual Status AuditHashes(std::int64_t from_seq, std::int64_t to_seq,
                             const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) = 0;

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
  // Deliveries with status dead (given up, waiting for a redelivery by
  // hand), over all webhooks.
  virtual Result<std::int64_t> CountDeadDeliveries() = 0;

  // Staff events (docs/reports.md). Periods are [from, to) over `at`; an
  // absent bound is open on that side.
  // Events with after_seq < seq <= up_to_seq, by (seq, user_id, kind).
  virtual Result<std::vector<StaffEventRow>> ListStaffEvents(std::int64_t after_seq, std::int64_t up_to_seq) = 0;
  // The highest seq that has events; nullopt when the table is empty.
  virtual Result<std::optional<std::int64_t>> LastStaffEventSeq() = 0;
  // Events of the period grouped by (user_id, kind), in that order; with
  // `currency`, only events in that currency.
  virtual Result<std::vector<StaffEventCount>> CountStaffEvents(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to,
                                                                const std::optional<std::string>& currency) = 0;
  // (user_id, value) of the period's events of `kind`, by (user_id, value).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> StaffEventValues(const std::string& kind,
                                                                                     std::optional<TimePoint> from,
                                                                                     std::optional<TimePoint> to) = 0;
  // The period's events of one user, by (seq, kind).
  virtual Result<std::vector<StaffEventRow>> StaffEventsOfUser(const std::string& user_id,
                                                               std::optional<TimePoint> from,
                                                               std::optional<TimePoint> to) = 0;
  // The currency of most cases (ties: the first in code order); nullopt
  // when there are no cases.
  virtual Result<std::optional<std::string>> MostCommonCaseCurrency() = 0;

  // Case facts and the case reports (docs/reports.md). A period is
  // [from, to) over the cases' created_at (deadlines: started_at; orders:
  // placed_at); an absent bound is open on that side.
  // The facts of one case; its lines by line_id.
  virtual Result<std::optional<CaseFactsRow>> GetCaseFacts(const std::string& case_id) = 0;
  virtual Result<std::vector<CaseFactLineRow>> CaseFactLines(const std::string& case_id) = 0;
  // How many cases have facts.
  virtual Result<std::int64_t> CountCaseFacts() = 0;
  // The period's case facts summed per (reason, currency, inspection_grade),
  // ordered by those keys (where a missing grade sorts is the backend's).
  virtual Result<std::vector<CaseFactTotalsRow>> CaseFactTotals(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to) = 0;
  // The period's case fact lines summed per (reason, type, sku), in that
  // order; refunded_amount counts only the lines of cases in `currency`.
  virtual Result<std::vector<CaseFactLineTotalsRow>> CaseFactLineTotals(std::optional<TimePoint> from,
                                                                        std::optional<TimePoint> to,
                                                                        const std::string& currency) = 0;
  // The span `span` in seconds of every case of the period that has both
  // ends (and, with `currency`, is in it), ascending.
  virtual Result<std::vector<std::int64_t>> CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from,
                                                            std::optional<TimePoint> to,
                                                            const std::optional<std::string>& currency) = 0;
  // The period's deadlines summed per kind, by kind.
  virtual Result<std::vector<DeadlineTotalsRow>> DeadlineTotals(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to) = 0;
  // closed_at − started_at of the period's done deadlines of `kind`, ascending.
  virtual Result<std::vector<std::int64_t>> DeadlineSecondsToAct(const std::string& kind,
                                                                 std::optional<TimePoint> from,
                                                                 std::optional<TimePoint> to) = 0;
  // Units sold per SKU on the orders placed in the period, by SKU.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> SoldUnitsBySku(std::optional<TimePoint> from,
                                                                                   std::optional<TimePoint> to) = 0;
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
  // Moves an open deadline's due time (merchant_receipt shortened by a
  // delivery report); not_found when there is no such deadline.
  virtual Status SetDeadlineDue(std::int64_t id, TimePoint due_at) = 0;
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

  // Appends one staff event; already_exists when its (seq, user_id, kind)
  // is taken.
  virtual Status InsertStaffEvent(const StaffEventRow& row) = 0;

  // Inserts or replaces the facts of one case and replaces its lines with
  // `lines`. approved_at, once stored, is kept: a later put never changes or
  // clears it (it is the first approval's time; engine/case_facts.h).
  virtual Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) = 0;
  // Deletes every case facts row and line (a rebuild starts from nothing).
  virtual Status ClearCaseFacts() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Begins an exclusive write transaction (waits for other writers).
  virtual Result<std::unique_ptr<WriteTxn>> BeginWrite() = 0;
  // Begins a read-only snapshot; never blocks writers.
  virtual Result<std::unique_ptr<ReadTxn>> BeginRead() = 0;
  // Storage failures met since the store was opened (a counter for
  // /metrics): statements, commits and connections that failed for a
  // reason other than a constraint, each failed transaction counted once.
  // Thread-safe.
  virtual std::int64_t FailureCount() const = 0;
};

}  // namespace aftersales
