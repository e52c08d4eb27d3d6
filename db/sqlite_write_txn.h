// SqliteWriteTxn: the store's exclusive write transaction. It holds the
// store's writer mutex for its whole life and runs `BEGIN IMMEDIATE` …
// `COMMIT` on the single writer connection; destroying it uncommitted rolls
// back. Reads go through the same connection and see the writes made so far.
//
// Each write method is atomic on its own (multi-row writes run inside a
// savepoint), so a method that fails leaves the rest of the transaction as
// it was. After an unavailable error, Commit refuses and the caller must
// destroy the transaction. Internal to db/; belongs to one thread.
#pragma once

#include <memory>
#include <mutex>

#include "db/sqlite_read_txn.h"

namespace aftersales::sqlite {

class SqliteWriteTxn final : public SqliteReads<WriteTxn> {
 public:
  // Runs BEGIN IMMEDIATE on `conn`, whose use `lock` (held) guards; the
  // transaction keeps the lock until destroyed. Errors: unavailable (the
  // lock is released).
  static Result<std::unique_ptr<WriteTxn>> Begin(SqliteConnection& conn, std::unique_lock<std::mutex> lock);
  ~SqliteWriteTxn() override;

  Status Commit() override;
  Status InsertOrder(const Order& order) override;
  Status UpdateOrderDelivery(const std::string& order_id, std::optional<TimePoint> delivered_at) override;
  Status InsertCase(const CaseRow& row) override;
  Status UpdateCase(const CaseRow& row, std::int64_t expected_version) override;
  Result<std::int64_t> InsertDeadline(const DeadlineRow& row) override;
  Status SetDeadlineStatus(std::int64_t id, const std::string& status, TimePoint at) override;
  Status SetDeadlineDue(std::int64_t id, TimePoint due_at) override;
  Status InsertText(const Text& text) override;
  Status AppendAudit(const AuditRow& row) override;
  Result<std::int64_t> InsertOutbox(const OutboxRow& row) override;
  Status InsertUser(const UserRow& row) override;
  Status UpdateUser(const UserRow& row) override;
  Status InsertToken(const std::string& token_sha256, const std::string& user_id, TimePoint at) override;
  Status InsertPolicy(const PolicyRow& row) override;
  Status PutSetting(const std::string& key, const std::string& value) override;
  Status PutIdempotency(const IdempotencyRow& row) override;
  Status InsertSession(const SessionRow& row) override;
  Status DeleteSession(const std::string& id_sha256) override;
  Status InsertWebhook(const WebhookRow& row) override;
  Result<std::int64_t> InsertDelivery(const DeliveryRow& row) override;
  Status UpdateDelivery(const DeliveryRow& row) override;
  Status InsertStaffEvent(const StaffEventRow& row) override;
  Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) override;
  Status ClearCaseFacts() override;

 private:
  SqliteWriteTxn(SqliteConnection& conn, std::unique_lock<std::mutex> lock);
  // internal error once Commit succeeded: writes would run outside any transaction.
  Status CheckOpen() const;
  // Runs one INSERT/UPDATE/DELETE; a PRIMARY KEY or UNIQUE violation becomes
  // already_exists with `what` in the message.
  template <class Bind>
  Status RunWrite(std::string_view sql, Bind bind, const std::string& what);
  // Runs `body` inside a savepoint, undone if `body` fails.
  template <class Body>
  Status InSavepoint(Body body);
  // An INSERT … RETURNING id; returns the id.
  template <class Bind>
  Result<std::int64_t> InsertReturningId(std::string_view sql, Bind bind, const std::string& what);

  std::unique_lock<std::mutex> lock_;
  bool committed_ = false;
};

}  // namespace aftersales::sqlite
