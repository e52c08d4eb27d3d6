// FaultInjectingStore: a Store that wraps another and makes one chosen
// write operation fail, to show that a storage failure at any point of an
// engine operation leaves nothing half-applied.
//
// Every mutating WriteTxn method and every Commit counts as one write
// operation, across all transactions, in the order they are called. After
// FailAt(n), the n-th write operation from then on returns
// Status(Code::kUnavailable, "injected fault") without reaching the wrapped
// store; every other call is forwarded. As with a real store, a transaction
// that saw an injected fault is poisoned: its later Commit also fails
// (without reaching the wrapped store), so the wrapped transaction is rolled
// back when destroyed. Reads, BeginRead and BeginWrite are never counted.
//
// Typical use: run an operation once with Clear() to learn W = writes(),
// then for n in 1..W run it again on fresh state with FailAt(n) and check
// that the stored state equals the state before the operation.
//
// Thread-safe: the counter is shared; each transaction belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "engine/store.h"

namespace aftersales::testing {

class FaultInjectingStore : public Store {
 public:
  explicit FaultInjectingStore(Store& inner) : inner_(inner) {}

  // Arms the fault at the n-th (1-based) write operation from now on and
  // restarts the count. n <= 0 disarms.
  void FailAt(std::int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    writes_ = 0;
    fail_at_ = n;
    fired_ = false;
  }
  // Disarms and restarts the count.
  void Clear() { FailAt(0); }
  // Write operations seen since the last FailAt/Clear, the failed one included.
  std::int64_t writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  // Whether the armed fault has been injected.
  bool fired() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override {
    Result<std::unique_ptr<WriteTxn>> txn = inner_.BeginWrite();
    if (!txn.ok()) return txn.status();
    return std::unique_ptr<WriteTxn>(new Txn(*this, std::move(*txn)));
  }
  Result<std::unique_ptr<ReadTxn>> BeginRead() override { return inner_.BeginRead(); }
  // The inner store's failures and every fault injected.
  std::int64_t FailureCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return inner_.FailureCount() + injected_;
  }

 private:
  // Counts one write operation; true when it is the one to fail.
  bool CountWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    ++writes_;
    if (fail_at_ > 0 && writes_ == fail_at_) {
      fired_ = true;
      ++injected_;
      return true;
    }
    return false;
  }

  class Txn final : public WriteTxn {
   public:
    Txn(FaultInjectingStore& store, std::unique_ptr<WriteTxn> inner) : store_(store), inner_(std::move(inner)) {}

    // Reads: forwarded.
    Result<std::optional<Order>> GetOrder(const std::string& id) override { return inner_->GetOrder(id); }
    Result<std::optional<CaseRow>> GetCase(const std::string& id) override { return inner_->GetCase(id); }
    Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) override {
      return inner_->CasesOfOrder(order_id);
    }
    Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) override { return inner_->ListCases(filter); }
    Result<std::vector<CaseRow>> CasesOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override {
      return inner_->CasesOfBuyer(buyer_id, from, to);
    }
    Result<std::int64_t> CountOrdersOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) override {
      return inner_->CountOrdersOfBuyer(buyer_id, from, to);
    }
    Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) override {
      return inner_->ListedDeadlines(case_id);
    }
    Result<std::vector<DeadlineRow>> DueDeadlines(TimePoint now, int limit) override {
      return inner_->DueDeadlines(now, limit);
    }
    Result<std::vector<Text>> TextsOfCase(const std::string& case_id) override { return inner_->TextsOfCase(case_id); }
    Result<std::optional<Text>> GetText(const std::string& id) override { return inner_->GetText(id); }
    Result<std::optional<UserRow>> GetUser(const std::string& id) override { return inner_->GetUser(id); }
    Result<std::optional<UserRow>> GetUserByName(const std::string& name) override {
      return inner_->GetUserByName(name);
    }
    Result<std::optional<UserRow>> GetUserByTokenHash(const std::string& token_sha256) override {
      return inner_->GetUserByTokenHash(token_sha256);
    }
    Result<std::vector<UserRow>> ListUsers() override { return inner_->ListUsers(); }
    Result<std::optional<AuditRow>> AuditHead() override { return inner_->AuditHead(); }
    Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) override { return inner_->ListAudit(filter); }
    Status ScanAudit(const std::function<bool(const AuditRow&)>& fn) override { return inner_->ScanAudit(fn); }
    Status AuditHashes(std::int64_t from_seq, std::int64_t to_seq,
                       const std::function<bool(std::int64_t seq, const std::string& hash)>& fn) override {
      return inner_->AuditHashes(from_seq, to_seq, fn);
    }
    Result<std::optional<PolicyRow>> GetPolicy(int version) override { return inner_->GetPolicy(version); }
    Result<std::optional<PolicyRow>> LatestPolicy() override { return inner_->LatestPolicy(); }
    Result<std::optional<std::string>> GetSetting(const std::string& key) override { return inner_->GetSetting(key); }
    Result<std::optional<IdempotencyRow>> GetIdempotency(const std::string& scope, const std::string& key) override {
      return inner_->GetIdempotency(scope, key);
    }
    Result<std::optional<SessionRow>> GetSession(const std::string& id_sha256) override {
      return inner_->GetSession(id_sha256);
    }
    Result<std::vector<std::pair<std::string, std::int64_t>>> CountCasesByState() override {
      return inner_->CountCasesByState();
    }
    Result<std::int64_t> CountOpenDeadlinesDueBefore(TimePoint t) override {
      return inner_->CountOpenDeadlinesDueBefore(t);
    }
    Result<std::int64_t> CountBreachedDeadlines() override { return inner_->CountBreachedDeadlines(); }
    Result<std::vector<WebhookRow>> ListWebhooks() override { return inner_->ListWebhooks(); }
    Result<std::optional<WebhookRow>> GetWebhook(const std::string& id) override { return inner_->GetWebhook(id); }
    Result<std::optional<OutboxRow>> GetOutbox(std::int64_t id) override { return inner_->GetOutbox(id); }
    Result<std::vector<OutboxRow>> OutboxAfter(std::int64_t after_id, int limit) override {
      return inner_->OutboxAfter(after_id, limit);
    }
    Result<std::int64_t> CountOutboxAfter(std::int64_t after_id) override { return inner_->CountOutboxAfter(after_id); }
    Result<std::vector<DeliveryRow>> DueDeliveries(const std::string& webhook_id, TimePoint now, int limit) override {
      return inner_->DueDeliveries(webhook_id, now, limit);
    }
    Result<std::vector<DeliveryRow>> ListDeliveries(const std::string& webhook_id, int limit,
                                                    std::int64_t after_id) override {
      return inner_->ListDeliveries(webhook_id, limit, after_id);
    }
    Result<std::optional<DeliveryRow>> GetDelivery(std::int64_t id) override { return inner_->GetDelivery(id); }
    Result<std::int64_t> CountPendingDeliveries() override { return inner_->CountPendingDeliveries(); }
    Result<std::int64_t> CountDeadDeliveries() override { return inner_->CountDeadDeliveries(); }
    Result<std::vector<StaffEventRow>> ListStaffEvents(std::int64_t after_seq, std::int64_t up_to_seq) override {
      return inner_->ListStaffEvents(after_seq, up_to_seq);
    }
    Result<std::optional<std::int64_t>> LastStaffEventSeq() override { return inner_->LastStaffEventSeq(); }
    Result<std::vector<StaffEventCount>> CountStaffEvents(std::optional<TimePoint> from, std::optional<TimePoint> to,
                                                          const std::optional<std::string>& currency) override {
      return inner_->CountStaffEvents(from, to, currency);
    }
    Result<std::vector<std::pair<std::string, std::int64_t>>> StaffEventValues(const std::string& kind,
                                                                               std::optional<TimePoint> from,
                                                                               std::optional<TimePoint> to) override {
      return inner_->StaffEventValues(kind, from, to);
    }
    Result<std::vector<StaffEventRow>> StaffEventsOfUser(const std::string& user_id, std::optional<TimePoint> from,
                                                         std::optional<TimePoint> to) override {
      return inner_->StaffEventsOfUser(user_id, from, to);
    }
    Result<std::optional<std::string>> MostCommonCaseCurrency() override { return inner_->MostCommonCaseCurrency(); }
    Result<std::optional<CaseFactsRow>> GetCaseFacts(const std::string& case_id) override {
      return inner_->GetCaseFacts(case_id);
    }
    Result<std::vector<CaseFactLineRow>> CaseFactLines(const std::string& case_id) override {
      return inner_->CaseFactLines(case_id);
    }
    Result<std::int64_t> CountCaseFacts() override { return inner_->CountCaseFacts(); }
    Result<std::vector<CaseFactTotalsRow>> CaseFactTotals(std::optional<TimePoint> from,
                                                          std::optional<TimePoint> to) override {
      return inner_->CaseFactTotals(from, to);
    }
    Result<std::vector<CaseFactLineTotalsRow>> CaseFactLineTotals(std::optional<TimePoint> from,
                                                                  std::optional<TimePoint> to,
                                                                  const std::string& currency) override {
      return inner_->CaseFactLineTotals(from, to, currency);
    }
    Result<std::vector<std::int64_t>> CaseFactSeconds(CaseFactSpan span, std::optional<TimePoint> from,
                                                      std::optional<TimePoint> to,
                                                      const std::optional<std::string>& currency) override {
      return inner_->CaseFactSeconds(span, from, to, currency);
    }
    Result<std::vector<DeadlineTotalsRow>> DeadlineTotals(std::optional<TimePoint> from,
                                                          std::optional<TimePoint> to) override {
      return inner_->DeadlineTotals(from, to);
    }
    Result<std::vector<std::int64_t>> DeadlineSecondsToAct(const std::string& kind, std::optional<TimePoint> from,
                                                           std::optional<TimePoint> to) override {
      return inner_->DeadlineSecondsToAct(kind, from, to);
    }
    Result<std::vector<std::pair<std::string, std::int64_t>>> SoldUnitsBySku(std::optional<TimePoint> from,
                                                                             std::optional<TimePoint> to) override {
      return inner_->SoldUnitsBySku(from, to);
    }

    // Writes: counted, and failed when it is their turn.
    Status Commit() override {
      return Write([&] { return poisoned_ ? Injected() : inner_->Commit(); });
    }
    Status InsertOrder(const Order& order) override {
      return Write([&] { return inner_->InsertOrder(order); });
    }
    Status UpdateOrderDelivery(const std::string& order_id, std::optional<TimePoint> delivered_at) override {
      return Write([&] { return inner_->UpdateOrderDelivery(order_id, delivered_at); });
    }
    Status InsertCase(const CaseRow& row) override {
      return Write([&] { return inner_->InsertCase(row); });
    }
    Status UpdateCase(const CaseRow& row, std::int64_t expected_version) override {
      return Write([&] { return inner_->UpdateCase(row, expected_version); });
    }
    Result<std::int64_t> InsertDeadline(const DeadlineRow& row) override {
      return Write([&] { return inner_->InsertDeadline(row); });
    }
    Status SetDeadlineStatus(std::int64_t id, const std::string& status, TimePoint at) override {
      return Write([&] { return inner_->SetDeadlineStatus(id, status, at); });
    }
    Status SetDeadlineDue(std::int64_t id, TimePoint due_at) override {
      return Write([&] { return inner_->SetDeadlineDue(id, due_at); });
    }
    Status InsertText(const Text& text) override {
      return Write([&] { return inner_->InsertText(text); });
    }
    Status AppendAudit(const AuditRow& row) override {
      return Write([&] { return inner_->AppendAudit(row); });
    }
    Result<std::int64_t> InsertOutbox(const OutboxRow& row) override {
      return Write([&] { return inner_->InsertOutbox(row); });
    }
    Status InsertUser(const UserRow& row) override {
      return Write([&] { return inner_->InsertUser(row); });
    }
    Status UpdateUser(const UserRow& row) override {
      return Write([&] { return inner_->UpdateUser(row); });
    }
    Status InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) override {
      return Write([&] { return inner_->InsertToken(token_sha256, user_id, at); });
    }
    Status InsertPolicy(const PolicyRow& row) override {
      return Write([&] { return inner_->InsertPolicy(row); });
    }
    Status PutSetting(const std::string& key, const std::string& value) override {
      return Write([&] { return inner_->PutSetting(key, value); });
    }
    Status PutIdempotency(const IdempotencyRow& row) override {
      return Write([&] { return inner_->PutIdempotency(row); });
    }
    Status InsertSession(const SessionRow& row) override {
      return Write([&] { return inner_->InsertSession(row); });
    }
    Status DeleteSession(const std::string& id_sha256) override {
      return Write([&] { return inner_->DeleteSession(id_sha256); });
    }
    Status InsertWebhook(const WebhookRow& row) override {
      return Write([&] { return inner_->InsertWebhook(row); });
    }
    Result<std::int64_t> InsertDelivery(const DeliveryRow& row) override {
      return Write([&] { return inner_->InsertDelivery(row); });
    }
    Status UpdateDelivery(const DeliveryRow& row) override {
      return Write([&] { return inner_->UpdateDelivery(row); });
    }
    Status InsertStaffEvent(const StaffEventRow& row) override {
      return Write([&] { return inner_->InsertStaffEvent(row); });
    }
    Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) override {
      return Write([&] { return inner_->PutCaseFacts(row, lines); });
    }
    Status ClearCaseFacts() override {
      return Write([&] { return inner_->ClearCaseFacts(); });
    }

   private:
    static Status Injected() { return Status(Code::kUnavailable, "injected fault"); }

    // Counts the operation; injects the fault or forwards it.
    template <class Forward>
    auto Write(Forward forward) -> decltype(forward()) {
      if (store_.CountWrite()) {
        poisoned_ = true;
        return Injected();
      }
      return forward();
    }

    FaultInjectingStore& store_;
    std::unique_ptr<WriteTxn> inner_;
    bool poisoned_ = false;
  };

  Store& inner_;
  mutable std::mutex mu_;
  std::int64_t writes_ = 0;
  std::int64_t fail_at_ = 0;
  bool fired_ = false;
  std::int64_t injected_ = 0;  // faults injected since construction
};

}  // namespace aftersales::testing
