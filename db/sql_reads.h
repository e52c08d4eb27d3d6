// The read side of the SQLite store, written once: SqlReads<Base>
// implements every ReadTxn method over one Connection, for Base =
// ReadTxn (SqliteReadTxn, a snapshot on a pooled read-only connection) and
// Base = WriteTxn (SqlWriteTxn, which reads its own uncommitted writes).
//
// Internal to db/. A transaction object belongs to one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "db/sql_connection.h"
#include "engine/store/store.h"

namespace aftersales::sql {

// The sweep's query; exposed so that a test can check its plan.
constexpr const char* kDueDeadlinesSql =
    "SELECT id, case_id, kind, started_at, due_at, status, closed_at, order_id FROM deadlines"
    " WHERE status = 'open' AND due_at <= ? ORDER BY due_at, id LIMIT ?";

// The batch reads of a list page (CaseReads::CasesOfOrders and the like):
// one statement each, whatever the number of ids, which are bound as one
// JSON array of strings (EncodeTextArray) and probed through the index on
// the id's column. Exposed so that a test can check their plans.
extern const std::string kCasesOfOrdersSql;
extern const std::string kListedDeadlinesOfSql;
extern const std::string kListedOrderDeadlinesOfSql;
extern const std::string kTextsOfCasesSql;

// The dispatcher's query (pending deliveries of one webhook due by now); it
// keeps the literal status = 'pending' so that SQLite uses the partial index
// deliveries_pending_due. Exposed so that a test can check its plan.
constexpr const char* kDueDeliveriesSql =
    "SELECT id, webhook_id, outbox_id, event_id, event_type, status, attempts, next_attempt_at, last_status,"
    " last_error, started_at, created_at, updated_at FROM deliveries"
    " WHERE status = 'pending' AND webhook_id = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?";

// The report queries over staff_events (docs/reports.md): one pass over the
// covering index staff_events_kind (kind, user_id, value, at, currency), in
// group order, the period and currency checked from the index (SQLite skips
// through it by `at` when the period is short). INDEXED BY: without
// statistics the planner would pick staff_events_user and sort. Exposed so
// that a test can check their plans.
constexpr const char* kCountStaffEventsSql =
    "SELECT user_id, kind, COUNT(*), SUM(value) FROM staff_events INDEXED BY staff_events_kind"
    " WHERE at >= ? AND at < ? GROUP BY kind, user_id ORDER BY user_id, kind";
constexpr const char* kCountStaffEventsInCurrencySql =
    "SELECT user_id, kind, COUNT(*), SUM(value) FROM staff_events INDEXED BY staff_events_kind"
    " WHERE at >= ? AND at < ? AND currency = ? GROUP BY kind, user_id ORDER BY user_id, kind";
constexpr const char* kStaffEventValuesSql =
    "SELECT user_id, value FROM staff_events INDEXED BY staff_events_kind"
    " WHERE at >= ? AND at < ? AND kind = ? ORDER BY user_id, value";

// The statements ListCases runs for `filter`, in order, each with its
// parameters except the final `LIMIT ?`, which the runner binds to the rows
// still wanted; the second (if any) continues where the first stops. Empty
// when filter.limit <= 0. Exposed so that a test can check their plans.
// Errors: validation_failed (a created_at cursor without a key).
struct CaseListQuery {
  std::string sql;
  std::vector<std::variant<std::int64_t, std::string>> params;
};
Result<std::vector<CaseListQuery>> BuildCaseListQueries(const CaseFilter& filter);

template <class Base>
class SqlReads : public Base {
 public:
  Result<std::optional<Order>> GetOrder(const std::string& id) override;
  Result<std::vector<Order>> ListOrders(const OrderFilter& filter, int limit) override;
  Result<std::vector<DeadlineRow>> ListedOrderDeadlines(const std::string& order_id) override;
  Result<std::vector<DeadlineRow>> ListedOrderDeadlinesOf(const std::vector<std::string>& order_ids) override;
  Result<std::optional<CaseRow>> GetCase(const std::string& id) override;
  Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) override;
  Result<std::vector<CaseRow>> OtherCasesOfOrder(const std::string& order_id, const std::string& case_id) override;
  Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) override;
  Result<std::vector<CaseRow>> CasesOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override;
  Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override;
  Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) override;
  Result<std::vector<DeadlineRow>> DueDeadlines(TimePoint now, int limit) override;
  Result<std::vector<ExtendableDeadline>> OpenDeadlinesDueBefore(DeadlineKind kind, std::optional<State> state,
                                                                TimePoint due_before) override;
  Result<std::vector<Text>> TextsOfCase(const std::string& case_id) override;
  Result<std::vector<CaseRow>> CasesOfOrders(const std::vector<std::string>& order_ids) override;
  Result<std::vector<DeadlineRow>> ListedDeadlinesOf(const std::vector<std::string>& case_ids) override;
  Result<std::vector<Text>> TextsOfCases(const std::vector<std::string>& case_ids) override;
  Result<std::optional<Text>> GetText(const std::string& id) override;

  Result<std::optional<UserRow>> GetUser(const std::string& id) override;
  Result<std::optional<UserRow>> GetUserByName(const std::string& name) override;
  Result<std::optional<UserRow>> GetUserByTokenHash(const std::string& token_sha256) override;
  Result<std::vector<UserRow>> ListUsers() override;

  Result<std::optional<AuditRow>> AuditHead() override;
  Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) override;
  Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) override;
  Status AuditHashes(std::int64_t from_seq, std::int64_t to_seq,
                     const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) override;

  Result<std::optional<PolicyRow>> GetPolicy(int version) override;
  Result<std::optional<PolicyRow>> LatestPolicy() override;
  Result<std::optional<int>> LatestPolicyVersion() override;

  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Result<std::optional<IdempotencyRow>> GetIdempotency(const std::string& scope, const std::string& key) override;

  Result<std::optional<SessionRow>> GetSession(const std::string& id_sha256) override;

  Result<std::vector<std::pair<State, std::int64_t>>> CountCasesByState() override;
  Result<std::int64_t> CountOpenDeadlinesDueBefore(TimePoint t) override;
  Result<std::int64_t> CountBreachedDeadlines() override;

  Result<std::vector<WebhookRow>> ListWebhooks() override;
  Result<std::optional<WebhookRow>> GetWebhook(const std::string& id) override;
  Result<std::optional<OutboxRow>> GetOutbox(std::int64_t id) override;
  Result<std::vector<OutboxRow>> OutboxAfter(std::int64_t after_id, int limit) override;
  Result<std::int64_t> CountOutboxAfter(std::int64_t after_id) override;
  Result<std::vector<DeliveryRow>> DueDeliveries(const std::string& webhook_id, TimePoint now, int limit) override;
  Result<std::vector<DeliveryRow>> ListDeliveries(const std::string& webhook_id, int limit,
                                                  std::int64_t after_id) override;
  Result<std::optional<DeliveryRow>> GetDelivery(std::int64_t id) override;
  Result<std::int64_t> CountPendingDeliveries() override;
  Result<std::int64_t> CountDeadDeliveries() override;

  Result<std::vector<StaffEventRow>> ListStaffEvents(std::int64_t after_seq, std::int64_t up_to_seq) override;
  Result<std::optional<std::int64_t>> LastStaffEventSeq() override;
  Result<std::vector<StaffEventCount>> CountStaffEvents(std::optional<TimePoint> from, std::optional<TimePoint> to,
                                                        const std::optional<std::string>& currency) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> StaffEventValues(const std::string& kind,
                                                                             std::optional<TimePoint> from,
                                                                             std::optional<TimePoint> to) override;
  Result<std::vector<StaffEventRow>> StaffEventsOfUser(const std::string& user_id, std::optional<TimePoint> from,
                                                       std::optional<TimePoint> to) override;
  Result<std::optional<std::string>> MostCommonCaseCurrency() override;

  Result<std::optional<CaseFactsRow>> GetCaseFacts(const std::string& case_id) override;
  Result<std::vector<CaseFactLineRow>> CaseFactLines(const std::string& case_id) override;
  Result<std::int64_t> CountCaseFacts() override;
  Result<std::vector<CaseFactTotalsRow>> CaseFactTotals(std::optional<TimePoint> from,
                                                        std::optional<TimePoint> to) override;
  Result<std::vector<CaseFactLineTotalsRow>> CaseFactLineTotals(std::optional<TimePoint> from,
                                                                std::optional<TimePoint> to,
                                                                const std::string& currency) override;
  Result<std::vector<std::int64_t>> CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from,
                                                    std::optional<TimePoint> to,
                                                    const std::optional<std::string>& currency) override;
  Result<std::vector<DeadlineTotalsRow>> DeadlineTotals(std::optional<TimePoint> from,
                                                        std::optional<TimePoint> to) override;
  Result<std::vector<OrderShippingRow>> OrderShipping(std::optional<TimePoint> from,
                                                      std::optional<TimePoint> to) override;
  Result<std::vector<std::int64_t>> DeadlineSecondsToAct(const std::string& kind, std::optional<TimePoint> from,
                                                         std::optional<TimePoint> to) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> SoldUnitsBySku(std::optional<TimePoint> from,
                                                                           std::optional<TimePoint> to) override;

 protected:
  explicit SqlReads(Connection& conn) : conn_(conn) {}
  Connection& conn() { return conn_; }

 private:
  Connection& conn_;
};

extern template class SqlReads<ReadTxn>;
extern template class SqlReads<WriteTxn>;

}  // namespace aftersales::sql
