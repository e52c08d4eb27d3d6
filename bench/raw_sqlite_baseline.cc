#include "bench/raw_sqlite_baseline.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "domain/clock.h"
#include "engine/audit/audit_log.h"
#include "engine/crypto.h"

namespace aftersales::bench {
namespace {

// 2026-11-01T00:00:00Z, as engine_bench's clock.
constexpr TimePoint kStart = 1793491200;

// The tables the engine writes per action, with db/schema.cc's columns and
// indexes (foreign keys left out: the rows here always match).
constexpr const char* kSchema[] = {
    R"sql(CREATE TABLE cases (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL, buyer_id TEXT NOT NULL, type TEXT NOT NULL,
  state TEXT NOT NULL, version BIGINT NOT NULL, assignee TEXT, policy_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, next_due_at BIGINT,
  breached INTEGER NOT NULL, doc TEXT NOT NULL, risk_flagged INTEGER NOT NULL DEFAULT 0))sql",
    "CREATE INDEX cases_state_due ON cases (state, next_due_at, id)",
    "CREATE INDEX cases_due ON cases (next_due_at, id)",
    "CREATE INDEX cases_created ON cases (created_at, id)",
    "CREATE INDEX cases_order ON cases (order_id)",
    "CREATE INDEX cases_buyer ON cases (buyer_id)",
    "CREATE INDEX cases_assignee ON cases (assignee, next_due_at, id)",
    "CREATE INDEX cases_flagged ON cases (next_due_at, id) WHERE risk_flagged = 1",
    "CREATE INDEX cases_flagged_created ON cases (created_at, id) WHERE risk_flagged = 1",
    R"sql(CREATE TABLE deadlines (
  id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, started_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL, status TEXT NOT NULL, closed_at BIGINT, breached_at BIGINT))sql",
    "CREATE INDEX deadlines_open_due ON deadlines (due_at, id) WHERE status = 'open'",
    "CREATE INDEX deadlines_listed ON deadlines (case_id, due_at, id, kind, started_at, status, closed_at)"
    " WHERE status IN ('open', 'breached')",
    "CREATE INDEX deadlines_started ON deadlines (kind, started_at, status, closed_at, breached_at)",
    R"sql(CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,
  case_id TEXT, action TEXT NOT NULL, from_state TEXT, to_state TEXT, data TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL))sql",
    "CREATE INDEX audit_case ON audit (case_id, seq)",
    "CREATE INDEX audit_actor ON audit (actor_id, seq)",
    R"sql(CREATE TABLE outbox (
  id INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, case_id TEXT,
  payload TEXT NOT NULL, created_at BIGINT NOT NULL))sql",
};

// The states a case walks through, one per action.
constexpr const char* kStates[] = {"new", "requested", "awaiting_return", "return_in_transit", "refunding", "refunded"};
constexpr int kMaxActionsPerCase = 5;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Status Fail(sqlite3* db, const std::string& what) {
  return Status::Unavailable(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Status Exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK ? Status::Ok() : Fail(db, sql);
}

Result<Stmt> Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) return Fail(db, sql);
  return Stmt(s);
}

void BindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Runs a bound statement to completion and resets it.
Status StepToEnd(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? Status::Ok() : Fail(db, sqlite3_sql(s));
}

// A JSON string literal for text that needs no escaping (ids, states).
std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// A case document of the engine's shape and size (engine/case_codec.cc).
std::string CaseDoc(int step) {
  const std::string agreed = step >= 1 ? "4000" : "null";
  const std::string shipment =
      step >= 2
          ? R"({"carrier":"SF","delivered_at":null,"received_at":null,"shipped_at":1793491200,"sku":null,"tracking_no":"SF12345"})"
          : "null";
  const std::string inspection =
      step >= 3
          ? R"({"at":1793491200,"by":"u_warehouse","grade":"A","lines":[{"damaged":0,"line_id":"l1","received":1,"restocked":1}],"note":null,"pass":true})"
          : "null";
  const std::string refunds =
      step >= 3 ? std::string(R"([{"amount":4000,"created_at":1793491200,"error":null,"external_ref":)") +
                      (step >= 4 ? "\"PAY-1\"" : "null") + R"(,"id":"rf_0123456789abcdef","status":")" +
                      (step >= 4 ? "issued" : "pending") + R"(","updated_at":1793491200}])"
                : "[]";
  return R"({"agreed_amount":)" + agreed +
         R"(,"close_reason":null,"currency":"CNY","description":null,"evidence":[],"holds_shipping":false,)"
         R"("inspection":)" +
         inspection +
         R"(,"lines":[{"amount":4000,"line_id":"l1","qty":1,"replacement_sku":null}],"modifications":0,)"
         R"("offer":null,"offer_history":[],"reason":"quality_issue","refunded_amount":)" +
         (step >= 4 ? "4000" : "0") + R"(,"refunds":)" + refunds +
         R"(,"reject_reason":null,"replacement_shipment":null,"requested_amount":4000,"return_address_due":true,)"
         R"("return_required":true,"return_shipment":)" +
         shipment +
         R"(,"risk":{"flagged":false,"reasons":[],"signals":{"cases":0,"orders":1,"refund_only_cases":0,)"
         R"("refunded_amount":0,"return_rate_percent":null}}})";
}

class Baseline {
 public:
  explicit Baseline(const RawBaselineOptions& options) : options_(options) {}

  Result<RawBaselineFigures> Run() {
    if (options_.actions_per_case < 1 || options_.actions_per_case > kMaxActionsPerCase) {
      return Status::Invalid("actions_per_case", "must be 1 to " + std::to_string(kMaxActionsPerCase));
    }
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(options_.path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      Status s = Fail(raw, "open " + options_.path);
      sqlite3_close_v2(raw);
      return s;
    }
    db_.reset(raw);
    AS_RETURN_IF_ERROR(Exec(db_.get(), "PRAGMA journal_mode=WAL"));
    AS_RETURN_IF_ERROR(Exec(db_.get(), "PRAGMA synchronous=FULL"));
    for (const char* sql : kSchema) AS_RETURN_IF_ERROR(Exec(db_.get(), sql));
    AS_RETURN_IF_ERROR(PrepareStatements());
    AS_RETURN_IF_ERROR(InsertCases());

    RawBaselineFigures figures;
    const int per_txn = std::max(1, options_.actions_per_txn);
    int in_txn = 0;
    const double t0 = MonotonicSeconds();
    for (std::int64_t c = 0; c < options_.cases; ++c) {
      for (int step = 0; step < options_.actions_per_case; ++step) {
        if (in_txn == 0) AS_RETURN_IF_ERROR(Exec(db_.get(), "BEGIN IMMEDIATE"));
        AS_RETURN_IF_ERROR(Action(c, step));
        ++figures.actions;
        if (++in_txn == per_txn) {
          AS_RETURN_IF_ERROR(Exec(db_.get(), "COMMIT"));
          ++figures.transactions;
          in_txn = 0;
        }
      }
    }
    if (in_txn > 0) {
      AS_RETURN_IF_ERROR(Exec(db_.get(), "COMMIT"));
      ++figures.transactions;
    }
    figures.seconds = MonotonicSeconds() - t0;
    return figures;
  }

 private:
  Status PrepareStatements() {
    const std::pair<Stmt*, const char*> statements[] = {
        {&insert_case_,
         "INSERT INTO cases (id, order_id, buyer_id, type, state, version, assignee, policy_version, created_at,"
         " updated_at, next_due_at, breached, doc) VALUES (?, ?, ?, 'return_refund', 'new', 1, NULL, 1, ?, ?,"
         " ?, 0, ?)"},
        {&update_case_,
         "UPDATE cases SET state = ?, version = ?, updated_at = ?, next_due_at = ?, breached = 0, doc = ?"
         " WHERE id = ? AND version = ?"},
        {&insert_deadline_,
         "INSERT INTO deadlines (case_id, kind, started_at, due_at, status) VALUES (?, ?, ?, ?, 'open')"},
        {&close_deadline_, "UPDATE deadlines SET status = 'done', closed_at = ? WHERE id = ?"},
        {&insert_audit_,
         "INSERT INTO audit (seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, prev_hash,"
         " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
        {&insert_outbox_, "INSERT INTO outbox (event_id, type, case_id, payload, created_at) VALUES (?, ?, ?, ?, ?)"},
    };
    for (const auto& [stmt, sql] : statements) {
      auto prepared = Prepare(db_.get(), sql);
      if (!prepared.ok()) return prepared.status();
      *stmt = std::move(*prepared);
    }
    return Status::Ok();
  }

  static std::string CaseId(std::int64_t c) { return "cs_" + std::to_string(1000000000 + c); }

  // Every case in `requested` with its open deadline, in one transaction.
  Status InsertCases() {
    AS_RETURN_IF_ERROR(Exec(db_.get(), "BEGIN"));
    open_deadline_.resize(static_cast<std::size_t>(options_.cases));
    const std::string doc = CaseDoc(0);
    for (std::int64_t c = 0; c < options_.cases; ++c) {
      sqlite3_stmt* s = insert_case_.get();
      BindText(s, 1, CaseId(c));
      BindText(s, 2, "o-" + std::to_string(c));
      BindText(s, 3, "b-" + std::to_string(c));
      sqlite3_bind_int64(s, 4, kStart);
      sqlite3_bind_int64(s, 5, kStart);
      sqlite3_bind_int64(s, 6, kStart + 48 * kHour);
      BindText(s, 7, doc);
      AS_RETURN_IF_ERROR(StepToEnd(db_.get(), s));
      AS_RETURN_IF_ERROR(InsertDeadline(c, "merchant_response", 48));
    }
    return Exec(db_.get(), "COMMIT");
  }

  Status InsertDeadline(std::int64_t c, const char* kind, int hours) {
    sqlite3_stmt* s = insert_deadline_.get();
    BindText(s, 1, CaseId(c));
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, kStart);
    sqlite3_bind_int64(s, 4, kStart + hours * kHour);
    AS_RETURN_IF_ERROR(StepToEnd(db_.get(), s));
    open_deadline_[static_cast<std::size_t>(c)] = sqlite3_last_insert_rowid(db_.get());
    return Status::Ok();
  }

  // Action number `step` of case `c`: the case row, the audit entry, the
  // deadline change and the outbox event.
  Status Action(std::int64_t c, int step) {
    const std::string id = CaseId(c);
    const std::string from = kStates[step];
    const std::string to = kStates[step + 1];
    const std::int64_t version = step + 2;
    const TimePoint now = kStart;

    sqlite3_stmt* u = update_case_.get();
    BindText(u, 1, to);
    sqlite3_bind_int64(u, 2, version);
    sqlite3_bind_int64(u, 3, now);
    sqlite3_bind_int64(u, 4, now + 72 * kHour + step);
    BindText(u, 5, CaseDoc(step + 1));
    BindText(u, 6, id);
    sqlite3_bind_int64(u, 7, version - 1);
    AS_RETURN_IF_ERROR(StepToEnd(db_.get(), u));
    if (sqlite3_changes(db_.get()) != 1)
      return Status::Internal("case " + id + " not at version " + std::to_string(version - 1));

    // About 300 bytes of data, canonical (sorted keys), as the engine stores it.
    const std::string data = R"({"effects":{"deadlines_started":["refund_issue"],"state":)" + Quoted(to) +
                             R"(},"input":{"external_ref":"PAY-)" + std::to_string(c) +
                             R"(","grade":"A","lines":[{"damaged":0,"line_id":"l1","received":1}],"result":"pass"},)"
                             R"("texts":[],"version":)" +
                             std::to_string(version) + "}";
    const std::string at = FormatTime(now);
    const std::int64_t seq = ++seq_;
    const std::string canonical = R"({"action":"act","actor":{"id":"u_warehouse","role":"warehouse"},"at":)" +
                                  Quoted(at) + R"(,"case_id":)" + Quoted(id) + R"(,"data":)" + data +
                                  R"(,"from_state":)" + Quoted(from) + R"(,"prev_hash":)" + Quoted(prev_hash_) +
                                  R"(,"seq":)" + std::to_string(seq) + R"(,"to_state":)" + Quoted(to) + "}";
    const std::string hash = Sha256Hex(prev_hash_ + canonical);
    sqlite3_stmt* a = insert_audit_.get();
    sqlite3_bind_int64(a, 1, seq);
    BindText(a, 2, at);
    BindText(a, 3, "u_warehouse");
    BindText(a, 4, "warehouse");
    BindText(a, 5, id);
    BindText(a, 6, "act");
    BindText(a, 7, from);
    BindText(a, 8, to);
    BindText(a, 9, data);
    BindText(a, 10, prev_hash_);
    BindText(a, 11, hash);
    AS_RETURN_IF_ERROR(StepToEnd(db_.get(), a));
    prev_hash_ = hash;

    sqlite3_stmt* d = close_deadline_.get();
    sqlite3_bind_int64(d, 1, now);
    sqlite3_bind_int64(d, 2, open_deadline_[static_cast<std::size_t>(c)]);
    AS_RETURN_IF_ERROR(StepToEnd(db_.get(), d));
    AS_RETURN_IF_ERROR(InsertDeadline(c, "refund_issue", 72));

    const std::string event_id = "evt_" + RandomHex(12);
    const std::string payload = R"({"created_at":)" + Quoted(at) + R"(,"data":{"action":"act","case_id":)" +
                                Quoted(id) + R"(,"from":)" + Quoted(from) + R"(,"order_id":"o-)" + std::to_string(c) +
                                R"(","to":)" + Quoted(to) + R"(,"version":)" + std::to_string(version) + R"(},"id":)" +
                                Quoted(event_id) + R"(,"type":"case.state_changed"})";
    sqlite3_stmt* o = insert_outbox_.get();
    BindText(o, 1, event_id);
    BindText(o, 2, "case.state_changed");
    BindText(o, 3, id);
    BindText(o, 4, payload);
    sqlite3_bind_int64(o, 5, now);
    return StepToEnd(db_.get(), o);
  }

  const RawBaselineOptions& options_;
  Db db_;
  Stmt insert_case_, update_case_, insert_deadline_, close_deadline_, insert_audit_, insert_outbox_;
  std::vector<std::int64_t> open_deadline_;
  std::int64_t seq_ = 0;
  std::string prev_hash_ = kGenesisHash;
};

}  // namespace

Result<RawBaselineFigures> RunRawSqliteBaseline(const RawBaselineOptions& options) { return Baseline(options).Run(); }

}  // namespace aftersales::bench
