// ForwardingReads (ForwardingReadTxn), ForwardingWriteTxn, ForwardingStore: pass every call
// to another store and its transactions (in the spirit of LevelDB's
// EnvWrapper), so that a test double overrides only what it needs. Every
// write of a ForwardingWriteTxn first asks BeforeWrite(), which a fault
// injector overrides to fail the chosen write; Commit() is forwarded as is
// and may be overridden the same way.
//
// Thread-safety: as the wrapped store; each transaction belongs to one
// thread.
#pragma once

#include <memory>
#include <utility>

#include "engine/store/store.h"

namespace aftersales {

// Every read forwarded to `inner`: the reads of a ReadTxn, and of a
// WriteTxn (Base is either).
template <class Base>
class ForwardingReads : public Base {
 public:
  explicit ForwardingReads(std::unique_ptr<Base> inner) : inner_(std::move(inner)) {}

  Result<std::optional<CaseRow>> GetCase(const std::string& id) override {
    return (*inner_).GetCase(id);
  }
  Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) override {
    return (*inner_).CasesOfOrder(order_id);
  }
  Result<std::vector<CaseRow>> OtherCasesOfOrder(const std::string& order_id, const std::string& case_id) override {
    return (*inner_).OtherCasesOfOrder(order_id, case_id);
  }
  Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) override {
    return (*inner_).ListCases(filter);
  }
  Result<std::vector<CaseRow>> CasesOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override {
    return (*inner_).CasesOfBuyer(buyer_id, from, to);
  }
  Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) override {
    return (*inner_).ListedDeadlines(case_id);
  }
  Result<std::vector<DeadlineRow>> DueDeadlines(TimePoint now, int limit) override {
    return (*inner_).DueDeadlines(now, limit);
  }
  Result<std::vector<ExtendableDeadline>> OpenDeadlinesDueBefore(DeadlineKind kind, std::optional<State> state,
                                                                TimePoint due_before) override {
    return (*inner_).OpenDeadlinesDueBefore(kind, state, due_before);
  }
  Result<std::vector<Text>> TextsOfCase(const std::string& case_id) override {
    return (*inner_).TextsOfCase(case_id);
  }
  Result<std::vector<CaseRow>> CasesOfOrders(const std::vector<std::string>& order_ids) override {
    return (*inner_).CasesOfOrders(order_ids);
  }
  Result<std::vector<DeadlineRow>> ListedDeadlinesOf(const std::vector<std::string>& case_ids) override {
    return (*inner_).ListedDeadlinesOf(case_ids);
  }
  Result<std::vector<Text>> TextsOfCases(const std::vector<std::string>& case_ids) override {
    return (*inner_).TextsOfCases(case_ids);
  }
  Result<std::optional<Text>> GetText(const std::string& id) override {
    return (*inner_).GetText(id);
  }
  Result<std::vector<std::pair<State, std::int64_t>>> CountCasesByState() override {
    return (*inner_).CountCasesByState();
  }
  Result<std::int64_t> CountOpenDeadlinesDueBefore(TimePoint t) override {
    return (*inner_).CountOpenDeadlinesDueBefore(t);
  }
  Result<std::int64_t> CountBreachedDeadlines() override {
    return (*inner_).CountBreachedDeadlines();
  }
  Result<std::optional<Order>> GetOrder(const std::string& id) override {
    return (*inner_).GetOrder(id);
  }
  Result<std::vector<Order>> ListOrders(const OrderFilter& filter, int limit) override {
    return (*inner_).ListOrders(filter, limit);
  }
  Result<std::vector<DeadlineRow>> ListedOrderDeadlines(const std::string& order_id) override {
    return (*inner_).ListedOrderDeadlines(order_id);
  }
  Result<std::vector<DeadlineRow>> ListedOrderDeadlinesOf(const std::vector<std::string>& order_ids) override {
    return (*inner_).ListedOrderDeadlinesOf(order_ids);
  }
  Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override {
    return (*inner_).CountOrdersOfBuyer(buyer_id, from, to);
  }
  Result<std::optional<AuditRow>> AuditHead() override {
    return (*inner_).AuditHead();
  }
  Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) override {
    return (*inner_).ListAudit(filter);
  }
  Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) override {
    return (*inner_).ScanAudit(fn);
  }
  Status AuditHashes(std::int64_t from_seq, std::int64_t to_seq, const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) override {
    return (*inner_).AuditHashes(from_seq, to_seq, fn);
  }
  Result<std::vector<StaffEventRow>> ListStaffEvents(std::int64_t after_seq, std::int64_t up_to_seq) override {
    return (*inner_).ListStaffEvents(after_seq, up_to_seq);
  }
  Result<std::optional<std::int64_t>> LastStaffEventSeq() override {
    return (*inner_).LastStaffEventSeq();
  }
  Result<std::vector<StaffEventCount>> CountStaffEvents(std::optional<TimePoint> from, std::optional<TimePoint> to, const std::optional<std::string>& currency) override {
    return (*inner_).CountStaffEvents(from, to, currency);
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> StaffEventValues(const std::string& kind, std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).StaffEventValues(kind, from, to);
  }
  Result<std::vector<StaffEventRow>> StaffEventsOfUser(const std::string& user_id, std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).StaffEventsOfUser(user_id, from, to);
  }
  Result<std::optional<std::string>> MostCommonCaseCurrency() override {
    return (*inner_).MostCommonCaseCurrency();
  }
  Result<std::optional<CaseFactsRow>> GetCaseFacts(const std::string& case_id) override {
    return (*inner_).GetCaseFacts(case_id);
  }
  Result<std::vector<CaseFactLineRow>> CaseFactLines(const std::string& case_id) override {
    return (*inner_).CaseFactLines(case_id);
  }
  Result<std::int64_t> CountCaseFacts() override {
    return (*inner_).CountCaseFacts();
  }
  Result<std::vector<CaseFactTotalsRow>> CaseFactTotals(std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).CaseFactTotals(from, to);
  }
  Result<std::vector<CaseFactLineTotalsRow>> CaseFactLineTotals(std::optional<TimePoint> from, std::optional<TimePoint> to, const std::string& currency) override {
    return (*inner_).CaseFactLineTotals(from, to, currency);
  }
  Result<std::vector<std::int64_t>> CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from, std::optional<TimePoint> to, const std::optional<std::string>& currency) override {
    return (*inner_).CaseFactSeconds(span, from, to, currency);
  }
  Result<std::vector<DeadlineTotalsRow>> DeadlineTotals(std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).DeadlineTotals(from, to);
  }
  Result<std::vector<OrderShippingRow>> OrderShipping(std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).OrderShipping(from, to);
  }
  Result<std::vector<std::int64_t>> DeadlineSecondsToAct(const std::string& kind, std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).DeadlineSecondsToAct(kind, from, to);
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> SoldUnitsBySku(std::optional<TimePoint> from, std::optional<TimePoint> to) override {
    return (*inner_).SoldUnitsBySku(from, to);
  }
  Result<std::vector<WebhookRow>> ListWebhooks() override {
    return (*inner_).ListWebhooks();
  }
  Result<std::optional<WebhookRow>> GetWebhook(const std::string& id) override {
    return (*inner_).GetWebhook(id);
  }
  Result<std::optional<OutboxRow>> GetOutbox(std::int64_t id) override {
    return (*inner_).GetOutbox(id);
  }
  Result<std::vector<OutboxRow>> OutboxAfter(std::int64_t after_id, int limit) override {
    return (*inner_).OutboxAfter(after_id, limit);
  }
  Result<std::int64_t> CountOutboxAfter(std::int64_t after_id) override {
    return (*inner_).CountOutboxAfter(after_id);
  }
  Result<std::vector<DeliveryRow>> DueDeliveries(const std::string& webhook_id, TimePoint now, int limit) override {
    return (*inner_).DueDeliveries(webhook_id, now, limit);
  }
  Result<std::vector<DeliveryRow>> ListDeliveries(const std::string& webhook_id, int limit, std::int64_t after_id) override {
    return (*inner_).ListDeliveries(webhook_id, limit, after_id);
  }
  Result<std::optional<DeliveryRow>> GetDelivery(std::int64_t id) override {
    return (*inner_).GetDelivery(id);
  }
  Result<std::int64_t> CountPendingDeliveries() override {
    return (*inner_).CountPendingDeliveries();
  }
  Result<std::int64_t> CountDeadDeliveries() override {
    return (*inner_).CountDeadDeliveries();
  }
  Result<std::optional<UserRow>> GetUser(const std::string& id) override {
    return (*inner_).GetUser(id);
  }
  Result<std::optional<UserRow>> GetUserByName(const std::string& name) override {
    return (*inner_).GetUserByName(name);
  }
  Result<std::optional<UserRow>> GetUserByTokenHash(const std::string& token_sha256) override {
    return (*inner_).GetUserByTokenHash(token_sha256);
  }
  Result<std::vector<UserRow>> ListUsers() override {
    return (*inner_).ListUsers();
  }
  Result<std::optional<SessionRow>> GetSession(const std::string& id_sha256) override {
    return (*inner_).GetSession(id_sha256);
  }
  Result<std::optional<PolicyRow>> GetPolicy(int version) override {
    return (*inner_).GetPolicy(version);
  }
  Result<std::optional<PolicyRow>> LatestPolicy() override {
    return (*inner_).LatestPolicy();
  }
  Result<std::optional<int>> LatestPolicyVersion() override { return (*inner_).LatestPolicyVersion(); }
  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    return (*inner_).GetSetting(key);
  }
  Result<std::optional<IdempotencyRow>> GetIdempotency(const std::string& scope, const std::string& key) override {
    return (*inner_).GetIdempotency(scope, key);
  }

 protected:
  Base& inner() { return *inner_; }

 private:
  std::unique_ptr<Base> inner_;
};

using ForwardingReadTxn = ForwardingReads<ReadTxn>;

class ForwardingWriteTxn : public ForwardingReads<WriteTxn> {
 public:
  using ForwardingReads::ForwardingReads;

  Status Commit() override { return inner().Commit(); }
  Result<bool> LockOrder(const std::string& order_id) override { return inner().LockOrder(order_id); }
  Result<bool> LockIdempotencyKey(const std::string& scope, const std::string& key) override {
    return inner().LockIdempotencyKey(scope, key);
  }

  Status InsertCase(const CaseRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertCase(row);
  }
  Status UpdateCase(const CaseRow& row, const CaseRow& stored) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().UpdateCase(row, stored);
  }
  Result<std::int64_t> InsertDeadline(const DeadlineRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertDeadline(row);
  }
  Status SetDeadlineStatus(std::int64_t id, DeadlineStatus status, TimePoint at) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().SetDeadlineStatus(id, status, at);
  }
  Status SetDeadlineDue(std::int64_t id, TimePoint due_at) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().SetDeadlineDue(id, due_at);
  }
  Status ExtendDeadline(std::int64_t id, TimePoint due_at) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().ExtendDeadline(id, due_at);
  }
  Status InsertText(const Text& text) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertText(text);
  }
  Status InsertOrder(const Order& order) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertOrder(order);
  }
  Status UpdateOrderFulfilment(const Order& order) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().UpdateOrderFulfilment(order);
  }
  Result<std::optional<AuditLink>> AuditChainHead() override { return inner().AuditChainHead(); }
  Status AppendAudit(const AuditRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().AppendAudit(row);
  }
  Status InsertStaffEvent(const StaffEventRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertStaffEvent(row);
  }
  Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().PutCaseFacts(row, lines);
  }
  Status PutCaseFactsRow(const CaseFactsRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().PutCaseFactsRow(row);
  }
  Status ClearCaseFacts() override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().ClearCaseFacts();
  }
  Result<std::int64_t> InsertOutbox(const OutboxRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertOutbox(row);
  }
  Status InsertWebhook(const WebhookRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertWebhook(row);
  }
  Status SetWebhookDisabled(const std::string& id, bool disabled) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().SetWebhookDisabled(id, disabled);
  }
  Status DeleteWebhook(const std::string& id) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().DeleteWebhook(id);
  }
  Result<std::int64_t> InsertDelivery(const DeliveryRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertDelivery(row);
  }
  Status UpdateDelivery(const DeliveryRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().UpdateDelivery(row);
  }
  Result<OutboxPruned> PruneOutbox(TimePoint delivered_before, TimePoint created_before, std::int64_t below_id,
                                   int limit) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().PruneOutbox(delivered_before, created_before, below_id, limit);
  }
  Status InsertUser(const UserRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertUser(row);
  }
  Status UpdateUser(const UserRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().UpdateUser(row);
  }
  Status InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertToken(token_sha256, user_id, at);
  }
  Status InsertSession(const SessionRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertSession(row);
  }
  Status DeleteSession(const std::string& id_sha256) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().DeleteSession(id_sha256);
  }
  Status InsertPolicy(const PolicyRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().InsertPolicy(row);
  }
  Status PutSetting(const std::string& key, const std::string& value) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().PutSetting(key, value);
  }
  Status PutIdempotency(const IdempotencyRow& row) override {
    AS_RETURN_IF_ERROR(BeforeWrite());
    return inner().PutIdempotency(row);
  }

 protected:
  // Asked before every write is forwarded; an error is returned instead
  // of writing.
  virtual Status BeforeWrite() { return Status::Ok(); }
};

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override { return inner_.BeginWrite(); }
  Result<std::unique_ptr<ReadTxn>> BeginRead() override { return inner_.BeginRead(); }
  std::int64_t FailureCount() const override { return inner_.FailureCount(); }
  bool Shared() const override { return inner_.Shared(); }

 protected:
  Store& inner() const { return inner_; }

 private:
  Store& inner_;
};

}  // namespace aftersales
