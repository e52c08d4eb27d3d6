#include "db/sqlite/schema.h"

#include <iterator>
#include <string>

namespace aftersales::sqlite {
namespace {

// Version 1: the whole model. Times are BIGINT unix seconds, except
// audit.at, which is stored as served (RFC 3339 text, SPEC §7). Booleans are
// INTEGER 0/1. Foreign keys are checked at COMMIT (DEFERRABLE INITIALLY
// DEFERRED) so that rows written in one transaction may come in any order.
constexpr const char* kSchemaV1[] = {
    R"sql(CREATE TABLE orders (
  id            TEXT PRIMARY KEY,
  buyer_id      TEXT NOT NULL,
  currency      TEXT NOT NULL,
  placed_at     BIGINT NOT NULL,
  delivered_at  BIGINT,
  shipping_paid BIGINT NOT NULL,
  created_at    BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE order_lines (
  order_id         TEXT NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  line_id          TEXT NOT NULL,
  sku              TEXT NOT NULL,
  title            TEXT NOT NULL,
  qty              BIGINT NOT NULL,
  paid             BIGINT NOT NULL,
  no_reason_return INTEGER NOT NULL CHECK (no_reason_return IN (0, 1)),
  position         INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_id)
))sql",
    R"sql(CREATE TABLE cases (
  id             TEXT PRIMARY KEY,
  order_id       TEXT NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  buyer_id       TEXT NOT NULL,
  type           TEXT NOT NULL,
  state          TEXT NOT NULL,
  version        BIGINT NOT NULL,
  assignee       TEXT,
  policy_version INTEGER NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  next_due_at    BIGINT,
  breached       INTEGER NOT NULL CHECK (breached IN (0, 1)),
  doc            TEXT NOT NULL
))sql",
    "CREATE INDEX cases_state_due ON cases (state, next_due_at, id)",
    "CREATE INDEX cases_due ON cases (next_due_at, id)",
    "CREATE INDEX cases_created ON cases (created_at, id)",
    "CREATE INDEX cases_order ON cases (order_id)",
    "CREATE INDEX cases_buyer ON cases (buyer_id)",
    "CREATE INDEX cases_assignee ON cases (assignee)",
    R"sql(CREATE TABLE deadlines (
  id         INTEGER PRIMARY KEY,
  case_id    TEXT NOT NULL REFERENCES cases (id) DEFERRABLE INITIALLY DEFERRED,
  kind       TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  due_at     BIGINT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('open', 'breached', 'done')),
  closed_at  BIGINT
))sql",
    // The sweep's query (status = 'open' AND due_at <= ?) is a range scan here.
    "CREATE INDEX deadlines_open_due ON deadlines (due_at, id) WHERE status = 'open'",
    "CREATE INDEX deadlines_case ON deadlines (case_id)",
    // No foreign key on case_id: a text may be written before its case,
    // and texts are erasable independently of everything else.
    R"sql(CREATE TABLE texts (
  id         TEXT PRIMARY KEY,
  case_id    TEXT NOT NULL,
  kind       TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('internal', 'buyer')),
  author_id  TEXT NOT NULL,
  body       TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  created_at BIGINT NOT NULL
))sql",
    "CREATE INDEX texts_case ON texts (case_id)",
    // One column per key of an entry (SPEC §7); no foreign keys, the log
    // outlives what it describes.
    R"sql(CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  actor_id   TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  case_id    TEXT,
  action     TEXT NOT NULL,
  from_state TEXT,
  to_state   TEXT,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
))sql",
    "CREATE INDEX audit_case ON audit (case_id, seq)",
    "CREATE INDEX audit_actor ON audit (actor_id, seq)",
    R"sql(CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  event_id   TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  case_id    TEXT,
  payload    TEXT NOT NULL,
  created_at BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  role           TEXT NOT NULL,
  approval_limit BIGINT,
  external_id    TEXT,
  disabled       INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  password_hash  TEXT,
  created_at     BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE tokens (
  token_sha256 TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
  created_at   BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE sessions (
  id_sha256  TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE policies (
  version    INTEGER PRIMARY KEY,
  doc        TEXT NOT NULL,
  created_at BIGINT NOT NULL
))sql",
    R"sql(CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
))sql",
    R"sql(CREATE TABLE idempotency (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
))sql",
};

// Version 2: webhooks and the delivery side of the outbox (SPEC §6.12).
// events is a JSON array of event types. A delivery is one outbox event on
// its way to one webhook; the dispatcher's query (pending, due by now, per
// webhook) is a range scan of the partial index deliveries_pending_due.
constexpr const char* kSchemaV2[] = {
    R"sql(CREATE TABLE webhooks (
  id         TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL,
  secret     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  disabled   INTEGER NOT NULL CHECK (disabled IN (0, 1))
))sql",
    R"sql(CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  webhook_id      TEXT NOT NULL REFERENCES webhooks (id) DEFERRABLE INITIALLY DEFERRED,
  outbox_id       BIGINT NOT NULL REFERENCES outbox (id) DEFERRABLE INITIALLY DEFERRED,
  event_id        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  started_at      BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
))sql",
    "CREATE INDEX deliveries_pending_due ON deliveries (webhook_id, next_attempt_at, id) WHERE status = 'pending'",
    "CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id)",
};

// Version 3: what the reports read (issue "Manager tools"), kept with every
// change in the same transaction so that a report is a few aggregates over
// indexed columns, not a walk over every case document.
//  - staff_events: what each staff member did and what it scores, derived
//    from the audit log alone (engine/staff_events.h), so it can be
//    recomputed from the log and compared. One row per (entry, user, kind).
//  - case_facts / case_fact_lines: one row per case (and per case line) with
//    the figures of the case reports (reasons, warehouse, finance).
//  - deadlines.breached_at: a breach stays known after its state is left.
//  - cases.risk_flagged: the abuse signal of the buyer at submit (queue filter).
//  - orders by buyer and by placing time: the abuse signals and return rates.
constexpr const char* kSchemaV3[] = {
    R"sql(CREATE TABLE staff_events (
  seq      INTEGER NOT NULL,
  at       BIGINT NOT NULL,
  user_id  TEXT NOT NULL,
  case_id  TEXT NOT NULL,
  kind     TEXT NOT NULL,
  value    BIGINT NOT NULL,
  currency TEXT,
  PRIMARY KEY (seq, user_id, kind)
))sql",
    // Covering for the agents report and the scorecard: counts and sums per
    // (kind, user) and each kind's values in (user, value) order, with the
    // period and currency read from the index itself.
    "CREATE INDEX staff_events_kind ON staff_events (kind, user_id, value, at, currency)",
    "CREATE INDEX staff_events_user ON staff_events (user_id, at)",
    R"sql(CREATE TABLE case_facts (
  case_id             TEXT PRIMARY KEY,
  type                TEXT NOT NULL,
  reason              TEXT NOT NULL,
  buyer_id            TEXT NOT NULL,
  currency            TEXT NOT NULL,
  state               TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  requested_amount    BIGINT NOT NULL,
  agreed_amount       BIGINT,
  approved_at         BIGINT,
  refunded_amount     BIGINT NOT NULL,
  refunded_at         BIGINT,
  refunds_failed      INTEGER NOT NULL,
  return_shipped_at   BIGINT,
  return_delivered_at BIGINT,
  return_received_at  BIGINT,
  inspection_result   TEXT,
  inspection_grade    TEXT
))sql",
    "CREATE INDEX case_facts_created ON case_facts (created_at)",
    "CREATE INDEX case_facts_buyer ON case_facts (buyer_id, created_at)",
    "CREATE INDEX case_facts_currency ON case_facts (currency)",
    R"sql(CREATE TABLE case_fact_lines (
  case_id         TEXT NOT NULL,
  line_id         TEXT NOT NULL,
  sku             TEXT NOT NULL,
  qty             BIGINT NOT NULL,
  refunded_amount BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  reason          TEXT NOT NULL,
  type            TEXT NOT NULL,
  currency        TEXT NOT NULL,
  PRIMARY KEY (case_id, line_id)
))sql",
    // reason, type and currency repeat the case's (written with it) so that
    // the reasons report reads this covering index alone, in group order.
    "CREATE INDEX case_fact_lines_reason ON case_fact_lines"
    " (reason, type, sku, created_at, case_id, qty, refunded_amount, currency)",
    // Sold units per SKU join orders to their lines without reading the table.
    "CREATE INDEX order_lines_sku ON order_lines (order_id, sku, qty)",
    "ALTER TABLE deadlines ADD COLUMN breached_at BIGINT",
    "ALTER TABLE cases ADD COLUMN risk_flagged INTEGER NOT NULL DEFAULT 0 CHECK (risk_flagged IN (0, 1))",
    "CREATE INDEX cases_flagged ON cases (next_due_at, id) WHERE risk_flagged = 1",
    "CREATE INDEX cases_flagged_created ON cases (created_at, id) WHERE risk_flagged = 1",
    // Covering for the sla report: per kind, a range of start times.
    "CREATE INDEX deadlines_started ON deadlines (kind, started_at, status, closed_at, breached_at)",
    "CREATE INDEX orders_buyer ON orders (buyer_id, placed_at)",
    "CREATE INDEX orders_placed ON orders (placed_at)",
};

// Version 4: /metrics counts dead deliveries (aftersales_webhook_deliveries_dead)
// at every scrape; this index makes that as cheap as there are dead ones.
constexpr const char* kSchemaV4[] = {
    "CREATE INDEX deliveries_dead ON deliveries (id) WHERE status = 'dead'",
};

// Version 5: prefix search on order and tracking numbers (GET /cases?search=)
// and the audit log newest first. The tracking numbers are copied out of the
// case document, where they stay, into indexed columns; existing cases get
// theirs from their documents.
constexpr const char* kSchemaV5[] = {
    "ALTER TABLE cases ADD COLUMN return_tracking_no TEXT",
    "ALTER TABLE cases ADD COLUMN replacement_tracking_no TEXT",
    "UPDATE cases SET return_tracking_no = json_extract(doc, '$.return_shipment.tracking_no'),"
    " replacement_tracking_no = json_extract(doc, '$.replacement_shipment.tracking_no')",
    "CREATE INDEX cases_return_tracking ON cases (return_tracking_no) WHERE return_tracking_no IS NOT NULL",
    "CREATE INDEX cases_replacement_tracking ON cases (replacement_tracking_no)"
    " WHERE replacement_tracking_no IS NOT NULL",
};

// Version 6: bulk extensions (SPEC §13.3): how many times an extension moved
// each deadline, for the sla report's `extended`.
constexpr const char* kSchemaV6[] = {
    "ALTER TABLE deadlines ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0",
};

// Version 7: orders' shipping supervision (SPEC §10). Orders gain their
// payment time, ship_by, creation policy version, shipments (a JSON array,
// read and written with the order) and a shipment status kept for the
// warehouse queue. An order stored before had no shipments: one delivered
// then counts as shipped in full at its delivery (SPEC v3.1), one not
// delivered is unshipped and unsupervised (no ship_by). Deadlines may now
// belong to an order instead of a case (order_ship): the table is rebuilt
// with case_id nullable and an order_id, exactly one of the two set.
constexpr const char* kSchemaV7[] = {
    "ALTER TABLE orders ADD COLUMN paid_at BIGINT",
    "ALTER TABLE orders ADD COLUMN ship_by BIGINT",
    "ALTER TABLE orders ADD COLUMN policy_version INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE orders ADD COLUMN shipment_status TEXT NOT NULL DEFAULT 'unshipped'"
    " CHECK (shipment_status IN ('unshipped', 'shipped', 'refunded'))",
    "ALTER TABLE orders ADD COLUMN shipped_at BIGINT",
    "ALTER TABLE orders ADD COLUMN shipments TEXT NOT NULL DEFAULT '[]'",
    "UPDATE orders SET paid_at = placed_at",
    R"sql(UPDATE orders SET shipment_status = 'shipped', shipped_at = delivered_at,
  shipments = (SELECT json_array(json_object('id', 'shp_' || orders.id || '_1', 'carrier', NULL, 'tracking_no', NULL,
                 'lines', json_group_array(json_object('line_id', l.line_id, 'qty', l.qty)),
                 'shipped_at', orders.delivered_at, 'by', 'system'))
               FROM (SELECT line_id, qty FROM order_lines WHERE order_id = orders.id ORDER BY position) l)
  WHERE delivered_at IS NOT NULL)sql",
    "CREATE INDEX orders_to_ship ON orders (shipment_status, ship_by, id)",
    "CREATE INDEX orders_paid ON orders (paid_at)",
    R"sql(CREATE TABLE deadlines_v7 (
  id          INTEGER PRIMARY KEY,
  case_id     TEXT REFERENCES cases (id) DEFERRABLE INITIALLY DEFERRED,
  order_id    TEXT REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  kind        TEXT NOT NULL,
  started_at  BIGINT NOT NULL,
  due_at      BIGINT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('open', 'breached', 'done')),
  closed_at   BIGINT,
  breached_at BIGINT,
  extensions  INTEGER NOT NULL DEFAULT 0,
  CHECK ((case_id IS NULL) <> (order_id IS NULL))
))sql",
    "INSERT INTO deadlines_v7 (id, case_id, order_id, kind, started_at, due_at, status, closed_at, breached_at,"
    " extensions) SELECT id, case_id, NULL, kind, started_at, due_at, status, closed_at, breached_at, extensions"
    " FROM deadlines",
    "DROP TABLE deadlines",
    "ALTER TABLE deadlines_v7 RENAME TO deadlines",
    "CREATE INDEX deadlines_open_due ON deadlines (due_at, id) WHERE status = 'open'",
    "CREATE INDEX deadlines_case ON deadlines (case_id)",
    "CREATE INDEX deadlines_order ON deadlines (order_id) WHERE order_id IS NOT NULL",
    "CREATE INDEX deadlines_started ON deadlines (kind, started_at, status, closed_at, breached_at)",
};

// Version 8: what the outbox retention sweep (WebhookWrites::PruneOutbox)
// reads by index rather than by scanning: delivered deliveries by when they
// were delivered, the deliveries of an event, and events by age.
constexpr const char* kSchemaV8[] = {
    "CREATE INDEX deliveries_delivered ON deliveries (updated_at) WHERE status = 'delivered'",
    "CREATE INDEX deliveries_outbox ON deliveries (outbox_id)",
    "CREATE INDEX outbox_created ON outbox (created_at)",
};

// Version 9: an agent's queue by due date at any size of history.
// cases_assignee is ordered by due date within each assignee, so that "my
// cases by due date" reads its page and stops, instead of reading and
// sorting every case the agent ever had (sql_reads.cc, BuildCaseListQueries).
constexpr const char* kSchemaV9[] = {
    "DROP INDEX cases_assignee",
    "CREATE INDEX cases_assignee ON cases (assignee, next_due_at, id)",
};

// Version 10: a page's deadlines from one small index. A case lists its open
// and breached deadlines (sql_reads.cc, kListedDeadlinesOfSql); the index on
// case_id held every deadline ever opened, about three a case, so a page
// looked up each row to find the one still listed, then sorted them.
// deadlines_listed holds only the listed ones, in the order a page wants,
// with every column a page reads: no table lookup and no sort. Closed
// deadlines, most of them, leave it, so it is smaller than the index it
// replaces. Cases are never deleted, so the foreign key from deadlines to
// cases needs no index on case_id of its own.
constexpr const char* kSchemaV10[] = {
    "DROP INDEX deadlines_case",
    "CREATE INDEX deadlines_listed ON deadlines (case_id, due_at, id, kind, started_at, status, closed_at, order_id)"
    " WHERE status IN ('open', 'breached')",
};

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations{
      {1, {std::begin(kSchemaV1), std::end(kSchemaV1)}},
      {2, {std::begin(kSchemaV2), std::end(kSchemaV2)}},
      {3, {std::begin(kSchemaV3), std::end(kSchemaV3)}},
      {4, {std::begin(kSchemaV4), std::end(kSchemaV4)}},
      {5, {std::begin(kSchemaV5), std::end(kSchemaV5)}},
      {6, {std::begin(kSchemaV6), std::end(kSchemaV6)}},
      {7, {std::begin(kSchemaV7), std::end(kSchemaV7)}},
      {8, {std::begin(kSchemaV8), std::end(kSchemaV8)}},
      {9, {std::begin(kSchemaV9), std::end(kSchemaV9)}},
      {10, {std::begin(kSchemaV10), std::end(kSchemaV10)}},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

Status Migrate(SqliteConnection& conn, TimePoint now) {
  // IMMEDIATE: two processes opening a new file at once apply it once.
  Status s = conn.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto apply = [&]() -> Status {
    AS_RETURN_IF_ERROR(conn.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
    std::int64_t current = 0;
    {
      Result<StatementHandle> q = conn.Prepare("SELECT MAX(version) FROM schema_migrations");
      if (!q.ok()) return q.status();
      Result<bool> row = (*q)->Step();
      if (!row.ok()) return row.status();
      current = *row ? (*q)->ColumnInt(0) : 0;  // MAX of no rows is NULL, read as 0
    }
    if (current > LatestSchemaVersion()) {
      return Status::Unavailable("database schema version " + std::to_string(current) +
                                 " is newer than this program's (" + std::to_string(LatestSchemaVersion()) + ")");
    }
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      for (const char* statement : m.statements) {
        Status applied = conn.Exec(statement);
        if (!applied.ok()) {
          return Status::Unavailable("migration " + std::to_string(m.version) + " failed: " + applied.message());
        }
      }
      Result<StatementHandle> record =
          conn.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
      if (!record.ok()) return record.status();
      AS_RETURN_IF_ERROR((*record)->BindInt(m.version).BindInt(now).Run());
    }
    return conn.Exec("COMMIT");
  };
  s = apply();
  if (!s.ok() && conn.InTransaction()) conn.Exec("ROLLBACK");
  return s;
}

}  // namespace aftersales::sqlite
