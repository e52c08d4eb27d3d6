// SqliteWriteTxn: the store's exclusive write transaction: one command of a
// group commit batch (db/group_commit.h). It owns the single writer
// connection from Begin until Commit or destruction, inside its own
// savepoint of the batch's `BEGIN IMMEDIATE` … `COMMIT`; destroying it
// uncommitted rolls back to that savepoint. Reads go through the same
// connection and see the writes made so far (and those of the commands
// before it in the batch).
//
// Each write method is atomic on its own (multi-row writes run inside a
// nested savepoint), so a method that fails leaves the rest of the
// transaction as it was. After an unavailable error, Commit refuses and the
// caller must destroy the transaction. Commit returns once the batch is
// durable; after Commit (whatever its outcome) the transaction must not be
// used again, except to destroy it. Internal to db/; belongs to one thread.
#pragma once

#include <memory>

#include "db/group_commit.h"
#include "db/sqlite_read_txn.h"

namespace aftersales::sqlite {

class SqliteWriteTxn final : public SqliteReads<WriteTxn> {
 public:
  // Waits for the writer connection and enters the current batch. Errors:
  // unavailable (nothing is held).
  static Result<std::unique_ptr<WriteTxn>> Begin(GroupCommit& group);
  ~SqliteWriteTxn() override;

  Status Commit() override;
  Status InsertOrder(const Order& order) override;
  Status UpdateOrderFulfilment(const Order& order) override;
  Status InsertCase(const CaseRow& row) override;
  Status UpdateCase(const CaseRow& row, std::int64_t expected_version) override;
  Result<std::int64_t> InsertDeadline(const DeadlineRow& row) override;
  Status SetDeadlineStatus(std::int64_t id, DeadlineStatus status, TimePoint at) override;
  Status SetDeadlineDue(std::int64_t id, TimePoint due_at) override;
  Status ExtendDeadline(std::int64_t id, TimePoint due_at) override;
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
  Status SetWebhookDisabled(const std::string& id, bool disabled) override;
  Status DeleteWebhook(const std::string& id) override;
  Result<std::int64_t> InsertDelivery(const DeliveryRow& row) override;
  Status UpdateDelivery(const DeliveryRow& row) override;
  Result<OutboxPruned> PruneOutbox(TimePoint delivered_before, TimePoint created_before, std::int64_t below_id,
                                   int limit) override;
  Status InsertStaffEvent(const StaffEventRow& row) override;
  Status PutCaseFacts(const CaseFactsRow& row, const std::vector<CaseFactLineRow>& lines) override;
  Status ClearCaseFacts() override;

 private:
  explicit SqliteWriteTxn(GroupCommit& group);
  // internal error once Commit was called: the connection is no longer ours.
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

  GroupCommit& group_;
  bool finished_ = false;  // Commit was called
};

}  // namespace aftersales::sqlite
