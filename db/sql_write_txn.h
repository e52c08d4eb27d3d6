// SqlWriteTxn: the store's exclusive write transaction, written once for
// every backend over a WriteSession: the connection the backend has opened
// the command's transaction on, and the backend's way to make it durable or
// undo it. SQLite's session is one command of a group commit batch
// (db/sqlite/group_commit.h), PostgreSQL's a transaction holding the
// writers' lock (db/postgres/pg_store.h). The transaction owns the session
// from Begin until Commit or destruction; destroying it uncommitted undoes
// the command. Reads go through the same connection and see the writes made
// so far.
//
// A write method that refuses (already_exists, not_found, version_conflict)
// leaves the transaction as it was: a multi-row write refuses before it
// writes anything, or runs inside a nested savepoint. After an unavailable
// error, which may come part-way, Commit refuses and the caller must
// destroy the transaction. Commit returns once the batch is
// durable; after Commit (whatever its outcome) the transaction must not be
// used again, except to destroy it. Internal to db/; belongs to one thread.
#pragma once

#include <memory>

#include "db/sql_reads.h"

namespace aftersales::sql {

// A backend's transaction for one command (see above).
class WriteSession {
 public:
  virtual ~WriteSession() = default;
  // The connection, inside the command's transaction.
  virtual Connection& connection() = 0;
  // Makes the command durable. Errors: unavailable (nothing was written).
  // Called at most once; afterwards the connection is no longer ours.
  virtual Status Commit() = 0;
  // Undoes the command; called instead of Commit.
  virtual void Abort() = 0;
  // WriteTxn::LockOrder and LockIdempotencyKey, `key` naming what is
  // locked ("order " + id, ...). Default: writes are exclusive, nothing to
  // wait for.
  virtual Result<bool> LockKey(const std::string& key) {
    (void)key;
    return false;
  }
  // Called before the audit log's head is read for an append and before an
  // outbox event is written: where a write that runs beside others
  // (Store::BeginKeyedWrite) waits for the appends of the others, so that
  // the chain and the outbox ids grow in commit order. Default: nothing.
  virtual Status BeforeAppend() { return Status::Ok(); }
};

class SqlWriteTxn final : public SqlReads<WriteTxn> {
 public:
  // A transaction over `session`, which the backend has begun.
  static std::unique_ptr<WriteTxn> Begin(std::unique_ptr<WriteSession> session);
  ~SqlWriteTxn() override;

  Status Commit() override;
  Result<bool> LockOrder(const std::string& order_id) override;
  Result<bool> LockIdempotencyKey(const std::string& scope, const std::string& key) override;
  Status InsertOrder(const Order& order) override;
  Status UpdateOrderFulfilment(const Order& order) override;
  Status InsertCase(const CaseRow& row) override;
  Status UpdateCase(const CaseRow& row, const CaseRow& stored) override;
  Result<std::int64_t> InsertDeadline(const DeadlineRow& row) override;
  Status SetDeadlineStatus(std::int64_t id, DeadlineStatus status, TimePoint at) override;
  Status SetDeadlineDue(std::int64_t id, TimePoint due_at) override;
  Status ExtendDeadline(std::int64_t id, TimePoint due_at) override;
  Status InsertText(const Text& text) override;
  Result<std::optional<AuditLink>> AuditChainHead() override;
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
  Status PutCaseFactsRow(const CaseFactsRow& row) override;
  Status ClearCaseFacts() override;

 private:
  explicit SqlWriteTxn(std::unique_ptr<WriteSession> session);
  // internal error once Commit was called: the connection is no longer ours.
  Status CheckOpen() const;
  // Runs one INSERT/UPDATE/DELETE; a PRIMARY KEY or UNIQUE violation becomes
  // already_exists with `what` in the message.
  template <class Bind>
  Status RunWrite(std::string_view sql, Bind bind, const std::string& what);
  // Runs `body` inside a savepoint, undone if `body` fails.
  template <class Body>
  Status InSavepoint(Body body);
  // An INSERT of one row whose text ends with ` RETURNING id`; returns the
  // new row's id (on SQLite, its rowid, the statement run without RETURNING).
  template <class Bind>
  Result<std::int64_t> InsertReturningId(std::string_view sql, Bind bind, const std::string& what);

  std::unique_ptr<WriteSession> session_;
  bool finished_ = false;  // Commit was called
};

}  // namespace aftersales::sql
