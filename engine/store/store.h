// Store: the engine's only door to durable state. It is split by aggregate,
// one header each: cases (case_store.h), orders (order_store.h), the audit
// log (audit_store.h), the report tables (report_store.h), the outbox and
// webhooks (webhook_store.h), users and sessions (user_store.h), policies,
// settings and idempotency records (settings_store.h). A ReadTxn offers
// every aggregate's reads, a WriteTxn also every aggregate's writes, so a
// command reads and writes whatever it touches in one transaction. The
// SQLite backend lives in db/; no backend type (sqlite3*, SQL text) ever
// crosses these headers, paging is by keyset, and a command is one write
// transaction, so a second backend (PostgreSQL) can implement the same
// interfaces. ForwardingStore (forwarding_store.h) passes everything to
// another store, so that a test double overrides only what it needs.
//
// Model: a ReadTxn sees one consistent snapshot; a WriteTxn is exclusive
// (one writer at a time) and becomes durable only when Commit() returns ok.
// Destroying an uncommitted WriteTxn rolls it back: nothing it wrote remains. Every method returns
// Unavailable when storage fails, or ServerBusy when a write lost a race (write_retry.h); after
// either error the transaction must be abandoned (destroyed) by the caller.
//
// Thread-safety: a Store is shared by all threads; each transaction object
// belongs to the one thread that began it.
#pragma once

#include <cstdint>
#include <memory>

#include "domain/status.h"
#include "engine/store/audit_store.h"
#include "engine/store/case_store.h"
#include "engine/store/order_store.h"
#include "engine/store/report_store.h"
#include "engine/store/settings_store.h"
#include "engine/store/user_store.h"
#include "engine/store/webhook_store.h"

namespace aftersales {

class ReadTxn : public CaseReads,
                public OrderReads,
                public AuditReads,
                public ReportReads,
                public WebhookReads,
                public UserReads,
                public SettingsReads {
 public:
  ~ReadTxn() override = default;
};

class WriteTxn : public ReadTxn,
                 public CaseWrites,
                 public OrderWrites,
                 public AuditWrites,
                 public ReportWrites,
                 public WebhookWrites,
                 public UserWrites,
                 public SettingsWrites {
 public:
  // Makes everything written durable. After an error nothing was written.
  virtual Status Commit() = 0;
  // In a transaction of Store::BeginKeyedWrite, before reading anything of
  // what the key guards: waits until no other write holds the key, and
  // returns whether rows read before the call may have changed since (read
  // them again). One key per transaction. Elsewhere (every write is
  // exclusive) they return false at once.
  //   LockOrder: the order's row and its cases' (money, deadlines, texts,
  //   report rows).
  //   LockIdempotencyKey: the idempotency record of (scope, key).
  virtual Result<bool> LockOrder(const std::string& order_id) {
    (void)order_id;
    return false;
  }
  virtual Result<bool> LockIdempotencyKey(const std::string& scope, const std::string& key) {
    (void)scope;
    (void)key;
    return false;
  }
};

class Store {
 public:
  virtual ~Store() = default;
  // Begins an exclusive write transaction (waits for other writers).
  virtual Result<std::unique_ptr<WriteTxn>> BeginWrite() = 0;
  // Begins a write transaction confined to what one key guards (an order,
  // an idempotency record: WriteTxn::LockOrder, LockIdempotencyKey), which
  // it locks before reading any of it, plus appends to the audit log and the
  // outbox; it reads and writes nothing else. A store that runs writers one
  // at a time gives an exclusive one (the default); a shared store runs
  // such writes of different keys side by side, each serialized with the
  // other writes of its key, with every exclusive write, and at its first
  // append with every other append.
  virtual Result<std::unique_ptr<WriteTxn>> BeginKeyedWrite() { return BeginWrite(); }
  // Begins a read-only snapshot; never blocks writers.
  virtual Result<std::unique_ptr<ReadTxn>> BeginRead() = 0;
  // Storage failures met since the store was opened (a counter for
  // /metrics): statements, commits and connections that failed for a
  // reason other than a constraint, each failed transaction counted once.
  // Thread-safe.
  virtual std::int64_t FailureCount() const = 0;
  // Whether other processes may write the same database at the same time
  // (several servers on one PostgreSQL database). What a process keeps in
  // memory about the database (keys of requests in flight, the test
  // clock's time) must then live in the database too.
  virtual bool Shared() const { return false; }
};

}  // namespace aftersales
