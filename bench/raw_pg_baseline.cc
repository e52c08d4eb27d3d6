#include "bench/raw_pg_baseline.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "db/postgres/pg_store.h"
#include "domain/clock.h"
#include "engine/audit/audit_log.h"
#include "engine/crypto.h"

namespace aftersales::bench {
namespace {

// 2026-11-01T00:00:00Z, as raw_sqlite_baseline's clock.
constexpr TimePoint kStart = 1793491200;
constexpr int kActionsPerLifecycle = 5;

// The states a case walks through, one per action (raw_sqlite_baseline's).
constexpr const char* kStates[] = {"new", "requested", "awaiting_return", "return_in_transit", "refunding", "refunded"};

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Res = std::unique_ptr<PGresult, ResultClearer>;

Status Fail(PGconn* c, const std::string& what) {
  std::string message = c ? PQerrorMessage(c) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return Status::Unavailable(what + ": " + message);
}

Result<Conn> Connect(const std::string& uri) {
  Conn c(PQconnectdb(uri.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) return Fail(c.get(), "connect");
  return c;
}

// Runs `sql` outside pipeline mode and returns its result (rows or none).
Result<Res> Exec(PGconn* c, const std::string& sql) {
  Res r(PQexec(c, sql.c_str()));
  const ExecStatusType s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return Fail(c, sql.substr(0, 80));
  return r;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// A case document of the engine's shape and size: raw_sqlite_baseline.cc's
// CaseDoc (private to that file), with the description stored as the engine
// now stores it, a reference to a text row ({"id", "sha256"}) instead of
// null: 698 to 1,089 bytes over the five actions (the engine's documents of
// this lifecycle: 697 after approve, 1,117 at the end).
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
         R"(,"close_reason":null,"currency":"CNY","description":{"id":"tx_0123456789abcdef","sha256":)"
         R"("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"},"evidence":[],"holds_shipping":false,)"
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

std::string CaseId(std::int64_t c) { return "cs_" + std::to_string(1000000000 + c); }

// The statements of one action, prepared once per connection.
constexpr const char* kPrepared[][2] = {
    {"upd_case",
     "UPDATE cases SET state = $1, version = $2, updated_at = $3, next_due_at = $4, breached = 0, doc = $5"
     " WHERE id = $6 AND version = $7"},
    {"close_deadline", "UPDATE deadlines SET status = 'done', closed_at = $1 WHERE id = $2"},
    {"insert_deadline",
     "INSERT INTO deadlines (case_id, kind, started_at, due_at, status) VALUES ($1, $2, $3, $4, 'open') RETURNING id"},
    {"insert_outbox", "INSERT INTO outbox (event_id, type, case_id, payload, created_at) VALUES ($1, $2, $3, $4, $5)"},
    {"lock", "SELECT pg_advisory_xact_lock($1)"},
    {"head", "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"},
    {"insert_audit",
     "INSERT INTO audit (seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data, prev_hash, hash)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
};

// One connection in pipeline mode, running actions.
class Worker {
 public:
  Worker(Conn conn, std::int64_t lock_key, std::vector<std::int64_t>* open_deadline)
      : conn_(std::move(conn)), lock_key_(std::to_string(lock_key)), open_deadline_(open_deadline) {}

  Status Prepare() {
    for (const auto& [name, sql] : kPrepared) {
      Res r(PQprepare(conn_.get(), name, sql, 0, nullptr));
      if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Fail(conn_.get(), std::string("prepare ") + name);
    }
    if (PQenterPipelineMode(conn_.get()) != 1) return Fail(conn_.get(), "pipeline mode");
    return Status::Ok();
  }

  // The five actions of case `c`, each timed into `latencies` when given.
  Status Lifecycle(std::int64_t c, std::vector<double>* latencies) {
    for (int step = 0; step < kActionsPerLifecycle; ++step) {
      const double t0 = MonotonicSeconds();
      AS_RETURN_IF_ERROR(Action(c, step));
      if (latencies) latencies->push_back((MonotonicSeconds() - t0) * 1000.0);
    }
    return Status::Ok();
  }

 private:
  Status Send(const char* name, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& p : params) values.push_back(p.c_str());
    if (PQsendQueryPrepared(conn_.get(), name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) !=
        1) {
      return Fail(conn_.get(), std::string("send ") + name);
    }
    return Status::Ok();
  }

  Status SendPlain(const char* sql) {
    if (PQsendQueryParams(conn_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      return Fail(conn_.get(), std::string("send ") + sql);
    }
    return Status::Ok();
  }

  // The result of the next query of the pipeline (then its terminating null).
  Result<Res> Next(const char* what) {
    Res r(PQgetResult(conn_.get()));
    const ExecStatusType s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      Status failed = Fail(conn_.get(), what);
      DrainToSync();
      return failed;
    }
    if (PGresult* extra = PQgetResult(conn_.get()); extra != nullptr) {
      PQclear(extra);
      return Status::Internal(std::string("unexpected second result for ") + what);
    }
    return r;
  }

  Status Sync() {
    Res r(PQgetResult(conn_.get()));
    if (!r || PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) return Fail(conn_.get(), "pipeline sync");
    return Status::Ok();
  }

  // After an error: reads the pipeline's results up to its sync.
  void DrainToSync() {
    for (int i = 0; i < 64; ++i) {
      PGresult* r = PQgetResult(conn_.get());
      if (r == nullptr) continue;
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) return;
    }
  }

  Status Action(std::int64_t c, int step) {
    const std::string id = CaseId(c);
    const std::string from = kStates[step];
    const std::string to = kStates[step + 1];
    const std::int64_t version = step + 2;
    const TimePoint now = kStart;
    const std::string at = FormatTime(now);
    const std::string now_text = std::to_string(now);
    const std::string event_id = "evt_" + RandomHex(12);
    const std::string payload = R"({"created_at":)" + Quoted(at) + R"(,"data":{"action":"act","case_id":)" +
                                Quoted(id) + R"(,"from":)" + Quoted(from) + R"(,"order_id":"o-)" + std::to_string(c) +
                                R"(","to":)" + Quoted(to) + R"(,"version":)" + std::to_string(version) + R"(},"id":)" +
                                Quoted(event_id) + R"(,"type":"case.state_changed"})";
    std::int64_t& open_deadline = (*open_deadline_)[static_cast<std::size_t>(c)];

    // Round trip 1: the case's own rows, then the chain's lock and head.
    AS_RETURN_IF_ERROR(SendPlain("BEGIN ISOLATION LEVEL READ COMMITTED"));
    AS_RETURN_IF_ERROR(Send("upd_case", {to, std::to_string(version), now_text, std::to_string(now + 72 * kHour + step),
                                         CaseDoc(step + 1), id, std::to_string(version - 1)}));
    AS_RETURN_IF_ERROR(Send("close_deadline", {now_text, std::to_string(open_deadline)}));
    AS_RETURN_IF_ERROR(Send("insert_deadline", {id, "refund_issue", now_text, std::to_string(now + 72 * kHour)}));
    AS_RETURN_IF_ERROR(Send("insert_outbox", {event_id, "case.state_changed", id, payload, now_text}));
    AS_RETURN_IF_ERROR(Send("lock", {lock_key_}));
    AS_RETURN_IF_ERROR(Send("head", {}));
    if (PQpipelineSync(conn_.get()) != 1) return Fail(conn_.get(), "pipeline sync");

    AS_RETURN_IF_ERROR(Next("BEGIN").status());
    AS_ASSIGN_OR_RETURN(Res updated, Next("update case"));
    if (std::string(PQcmdTuples(updated.get())) != "1") {
      DrainToSync();
      return Status::Internal("case " + id + " not at version " + std::to_string(version - 1));
    }
    AS_RETURN_IF_ERROR(Next("close deadline").status());
    AS_ASSIGN_OR_RETURN(Res inserted, Next("insert deadline"));
    open_deadline = std::stoll(PQgetvalue(inserted.get(), 0, 0));
    AS_RETURN_IF_ERROR(Next("insert outbox").status());
    AS_RETURN_IF_ERROR(Next("advisory lock").status());
    AS_ASSIGN_OR_RETURN(Res head, Next("audit head"));
    AS_RETURN_IF_ERROR(Sync());

    std::int64_t seq = 1;
    std::string prev_hash = kGenesisHash;
    if (PQntuples(head.get()) == 1) {
      seq = std::stoll(PQgetvalue(head.get(), 0, 0)) + 1;
      prev_hash = PQgetvalue(head.get(), 0, 1);
    }
    // About 300 bytes of data, canonical (sorted keys), as raw_sqlite_baseline.
    const std::string data = R"({"effects":{"deadlines_started":["refund_issue"],"state":)" + Quoted(to) +
                             R"(},"input":{"external_ref":"PAY-)" + std::to_string(c) +
                             R"(","grade":"A","lines":[{"damaged":0,"line_id":"l1","received":1}],"result":"pass"},)"
                             R"("texts":[],"version":)" +
                             std::to_string(version) + "}";
    const std::string canonical = R"({"action":"act","actor":{"id":"u_warehouse","role":"warehouse"},"at":)" +
                                  Quoted(at) + R"(,"case_id":)" + Quoted(id) + R"(,"data":)" + data +
                                  R"(,"from_state":)" + Quoted(from) + R"(,"prev_hash":)" + Quoted(prev_hash) +
                                  R"(,"seq":)" + std::to_string(seq) + R"(,"to_state":)" + Quoted(to) + "}";
    const std::string hash = Sha256Hex(prev_hash + canonical);

    // Round trip 2: the entry and the COMMIT (which releases the lock once durable).
    AS_RETURN_IF_ERROR(Send("insert_audit", {std::to_string(seq), at, "u_warehouse", "warehouse", id, "act", from, to,
                                             data, prev_hash, hash}));
    AS_RETURN_IF_ERROR(SendPlain("COMMIT"));
    if (PQpipelineSync(conn_.get()) != 1) return Fail(conn_.get(), "pipeline sync");
    AS_RETURN_IF_ERROR(Next("insert audit").status());
    AS_ASSIGN_OR_RETURN(Res committed, Next("COMMIT"));
    if (std::string(PQcmdStatus(committed.get())) != "COMMIT") {
      AS_RETURN_IF_ERROR(Sync());
      return Status::Unavailable("COMMIT answered " + std::string(PQcmdStatus(committed.get())));
    }
    return Sync();
  }

  Conn conn_;
  std::string lock_key_;
  std::vector<std::int64_t>* open_deadline_;
};

// The schema (the store's migrations) and, untimed, one order, one case in
// `new` and its open deadline per lifecycle; returns each case's deadline id.
Result<std::vector<std::int64_t>> Setup(const std::string& uri, std::int64_t cases) {
  {
    Result<std::unique_ptr<PgStore>> store = PgStore::Open(uri);
    if (!store.ok()) return store.status();
  }
  AS_ASSIGN_OR_RETURN(Conn conn, Connect(uri));
  PGconn* c = conn.get();
  const std::string n = std::to_string(cases - 1);
  const std::string start = std::to_string(kStart);
  const std::string doc = CaseDoc(0);
  const char* doc_param[] = {doc.c_str()};
  Res quoted_doc(PQexecParams(c, "SELECT quote_literal($1::text)", 1, nullptr, doc_param, nullptr, nullptr, 0));
  if (!quoted_doc || PQresultStatus(quoted_doc.get()) != PGRES_TUPLES_OK) return Fail(c, "quote_literal");
  const std::string doc_literal = PQgetvalue(quoted_doc.get(), 0, 0);
  AS_RETURN_IF_ERROR(Exec(c, "BEGIN").status());
  AS_RETURN_IF_ERROR(Exec(c,
                          "INSERT INTO orders (id, buyer_id, currency, placed_at, delivered_at, shipping_paid, "
                          "created_at) SELECT 'o-' || g, 'b-' || g, 'CNY', " +
                              start + ", " + start + ", 0, " + start + " FROM generate_series(0, " + n + ") g")
                         .status());
  AS_RETURN_IF_ERROR(Exec(c,
                          "INSERT INTO cases (id, order_id, buyer_id, type, state, version, assignee, policy_version,"
                          " created_at, updated_at, next_due_at, breached, doc) SELECT 'cs_' || (1000000000 + g),"
                          " 'o-' || g, 'b-' || g, 'return_refund', 'new', 1, NULL, 1, " +
                              start + ", " + start + ", " + std::to_string(kStart + 48 * kHour) + ", 0, " +
                              doc_literal + " FROM generate_series(0, " + n + ") g")
                         .status());
  AS_RETURN_IF_ERROR(Exec(c,
                          "INSERT INTO deadlines (case_id, kind, started_at, due_at, status) SELECT 'cs_' || "
                          "(1000000000 + g), 'merchant_response', " +
                              start + ", " + std::to_string(kStart + 48 * kHour) + ", 'open' FROM generate_series(0, " +
                              n + ") g")
                         .status());
  AS_RETURN_IF_ERROR(Exec(c, "COMMIT").status());
  AS_RETURN_IF_ERROR(Exec(c, "ANALYZE").status());
  AS_ASSIGN_OR_RETURN(Res ids, Exec(c, "SELECT id FROM deadlines ORDER BY case_id"));
  if (PQntuples(ids.get()) != cases) return Status::Internal("deadlines were not inserted one per case");
  std::vector<std::int64_t> open_deadline(static_cast<std::size_t>(cases));
  for (std::int64_t i = 0; i < cases; ++i)
    open_deadline[static_cast<std::size_t>(i)] = std::stoll(PQgetvalue(ids.get(), static_cast<int>(i), 0));
  AS_RETURN_IF_ERROR(Exec(c, "CHECKPOINT").status());
  return open_deadline;
}

}  // namespace

Result<RawPgBaselineFigures> RunRawPgBaseline(const RawPgBaselineOptions& options) {
  if (options.connections < 1 || options.lifecycles < 1) {
    return Status::Invalid("connections", "connections and lifecycles must be positive");
  }
  const std::int64_t warmups = options.connections;
  const std::int64_t total = warmups + options.lifecycles;
  AS_ASSIGN_OR_RETURN(std::vector<std::int64_t> open_deadline, Setup(options.uri, total));

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options.connections; ++i) {
    AS_ASSIGN_OR_RETURN(Conn conn, Connect(options.uri));
    workers.push_back(std::make_unique<Worker>(std::move(conn), options.lock_key, &open_deadline));
    AS_RETURN_IF_ERROR(workers.back()->Prepare());
  }

  std::mutex mu;
  Status first_error = Status::Ok();
  std::atomic<bool> failed{false};
  auto record = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = s;
    failed = true;
  };

  // Warm-up: one lifecycle per connection (cases 0 .. connections-1).
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < options.connections; ++i) {
      threads.emplace_back([&, i] {
        Status s = workers[static_cast<std::size_t>(i)]->Lifecycle(i, nullptr);
        if (!s.ok()) record(s);
      });
    }
    for (std::thread& t : threads) t.join();
    if (!first_error.ok()) return first_error;
  }

  RawPgBaselineFigures figures;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(options.connections));
  std::atomic<std::int64_t> next{warmups};
  if (options.on_start) options.on_start();
  const double t0 = MonotonicSeconds();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < options.connections; ++i) {
      threads.emplace_back([&, i] {
        std::vector<double>& mine = latencies[static_cast<std::size_t>(i)];
        mine.reserve(static_cast<std::size_t>(options.lifecycles / options.connections + 1) * kActionsPerLifecycle);
        while (!failed) {
          const std::int64_t c = next.fetch_add(1);
          if (c >= total) break;
          Status s = workers[static_cast<std::size_t>(i)]->Lifecycle(c, &mine);
          if (!s.ok()) {
            record(s);
            break;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  figures.seconds = MonotonicSeconds() - t0;
  if (options.on_end) options.on_end();
  if (!first_error.ok()) return first_error;
  figures.lifecycles = options.lifecycles;
  figures.actions = options.lifecycles * kActionsPerLifecycle;
  for (const auto& l : latencies) figures.action_ms.insert(figures.action_ms.end(), l.begin(), l.end());
  figures.doc_bytes_min = static_cast<std::int64_t>(CaseDoc(1).size());
  figures.doc_bytes_max = static_cast<std::int64_t>(CaseDoc(kActionsPerLifecycle).size());
  return figures;
}

}  // namespace aftersales::bench
