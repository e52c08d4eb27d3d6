#include "db/copy_database.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "db/postgres/pg_connection.h"
#include "db/postgres/pg_schema.h"
#include "db/sql_connection.h"
#include "db/sqlite/schema.h"
#include "db/sqlite/sqlite_connection.h"

namespace aftersales {
namespace {

using postgres::PgConnection;
using sql::StatementHandle;
using sqlite::OpenMode;
using sqlite::SqliteConnection;

// Rows per INSERT: one round trip (and one statement savepoint) per batch
// rather than per row.
constexpr std::int64_t kRowsPerInsert = 100;

enum class Kind { kInt, kText };

struct Column {
  const char* name;
  Kind kind;  // as both schemas declare it: INTEGER/BIGINT or TEXT
};

struct Table {
  const char* name;
  std::vector<const char*> key;  // the primary key's columns, the copy's order
  std::vector<Column> columns;   // every column, in the schemas' order
  const char* identity;          // the column whose identity sequence follows the copy, or null
};

constexpr Kind kI = Kind::kInt;
constexpr Kind kT = Kind::kText;

// The final schema (db/sqlite/schema.cc after its last migration,
// db/postgres/pg_schema.cc version 1; its version 2, commit_marks, is the
// PostgreSQL store's bookkeeping of its connections, never copied). A table
// or column missing here is refused on either side rather than left behind:
// add it with its migration.
const std::vector<Table>& Tables() {
  static const std::vector<Table> kTables{
      {"orders",
       {"id"},
       {{"id", kT},
        {"buyer_id", kT},
        {"currency", kT},
        {"placed_at", kI},
        {"delivered_at", kI},
        {"shipping_paid", kI},
        {"created_at", kI},
        {"paid_at", kI},
        {"ship_by", kI},
        {"policy_version", kI},
        {"shipment_status", kT},
        {"shipped_at", kI},
        {"shipments", kT}},
       nullptr},
      {"order_lines",
       {"order_id", "line_id"},
       {{"order_id", kT},
        {"line_id", kT},
        {"sku", kT},
        {"title", kT},
        {"qty", kI},
        {"paid", kI},
        {"no_reason_return", kI},
        {"position", kI}},
       nullptr},
      {"cases",
       {"id"},
       {{"id", kT},
        {"order_id", kT},
        {"buyer_id", kT},
        {"type", kT},
        {"state", kT},
        {"version", kI},
        {"assignee", kT},
        {"policy_version", kI},
        {"created_at", kI},
        {"updated_at", kI},
        {"next_due_at", kI},
        {"breached", kI},
        {"doc", kT},
        {"risk_flagged", kI},
        {"return_tracking_no", kT},
        {"replacement_tracking_no", kT}},
       nullptr},
      {"deadlines",
       {"id"},
       {{"id", kI},
        {"case_id", kT},
        {"order_id", kT},
        {"kind", kT},
        {"started_at", kI},
        {"due_at", kI},
        {"status", kT},
        {"closed_at", kI},
        {"breached_at", kI},
        {"extensions", kI}},
       "id"},
      {"texts",
       {"id"},
       {{"id", kT},
        {"case_id", kT},
        {"kind", kT},
        {"visibility", kT},
        {"author_id", kT},
        {"body", kT},
        {"sha256", kT},
        {"created_at", kI}},
       nullptr},
      {"audit",
       {"seq"},
       {{"seq", kI},
        {"at", kT},
        {"actor_id", kT},
        {"actor_role", kT},
        {"case_id", kT},
        {"action", kT},
        {"from_state", kT},
        {"to_state", kT},
        {"data", kT},
        {"prev_hash", kT},
        {"hash", kT}},
       nullptr},
      {"outbox",
       {"id"},
       {{"id", kI}, {"event_id", kT}, {"type", kT}, {"case_id", kT}, {"payload", kT}, {"created_at", kI}},
       "id"},
      {"webhooks",
       {"id"},
       {{"id", kT}, {"url", kT}, {"events", kT}, {"secret", kT}, {"created_at", kI}, {"disabled", kI}},
       nullptr},
      {"deliveries",
       {"id"},
       {{"id", kI},
        {"webhook_id", kT},
        {"outbox_id", kI},
        {"event_id", kT},
        {"event_type", kT},
        {"status", kT},
        {"attempts", kI},
        {"next_attempt_at", kI},
        {"last_status", kI},
        {"last_error", kT},
        {"started_at", kI},
        {"created_at", kI},
        {"updated_at", kI}},
       "id"},
      {"users",
       {"id"},
       {{"id", kT},
        {"name", kT},
        {"role", kT},
        {"approval_limit", kI},
        {"external_id", kT},
        {"disabled", kI},
        {"password_hash", kT},
        {"created_at", kI}},
       nullptr},
      {"tokens", {"token_sha256"}, {{"token_sha256", kT}, {"user_id", kT}, {"created_at", kI}}, nullptr},
      {"sessions",
       {"id_sha256"},
       {{"id_sha256", kT}, {"user_id", kT}, {"csrf_token", kT}, {"created_at", kI}, {"expires_at", kI}},
       nullptr},
      {"policies", {"version"}, {{"version", kI}, {"doc", kT}, {"created_at", kI}}, nullptr},
      {"settings", {"key"}, {{"key", kT}, {"value", kT}}, nullptr},
      {"idempotency",
       {"scope", "key"},
       {{"scope", kT}, {"key", kT}, {"request_hash", kT}, {"status", kI}, {"body", kT}, {"created_at", kI}},
       nullptr},
      {"staff_events",
       {"seq", "user_id", "kind"},
       {{"seq", kI}, {"at", kI}, {"user_id", kT}, {"case_id", kT}, {"kind", kT}, {"value", kI}, {"currency", kT}},
       nullptr},
      {"case_facts",
       {"case_id"},
       {{"case_id", kT},
        {"type", kT},
        {"reason", kT},
        {"buyer_id", kT},
        {"currency", kT},
        {"state", kT},
        {"created_at", kI},
        {"requested_amount", kI},
        {"agreed_amount", kI},
        {"approved_at", kI},
        {"refunded_amount", kI},
        {"refunded_at", kI},
        {"refunds_failed", kI},
        {"return_shipped_at", kI},
        {"return_delivered_at", kI},
        {"return_received_at", kI},
        {"inspection_result", kT},
        {"inspection_grade", kT}},
       nullptr},
      {"case_fact_lines",
       {"case_id", "line_id"},
       {{"case_id", kT},
        {"line_id", kT},
        {"sku", kT},
        {"qty", kI},
        {"refunded_amount", kI},
        {"created_at", kI},
        {"reason", kT},
        {"type", kT},
        {"currency", kT}},
       nullptr},
  };
  return kTables;
}

// The table's own bookkeeping, never copied: each database has its own.
constexpr const char* kMigrationsTable = "schema_migrations";

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string ColumnList(const Table& t) {
  std::vector<std::string> names;
  for (const Column& c : t.columns) names.emplace_back(c.name);
  return Join(names, ", ");
}

std::string KeyList(const Table& t) { return Join(std::vector<std::string>(t.key.begin(), t.key.end()), ", "); }

// Reads every row of `t` in key order, each with one more column: null when
// every value has its column's type, else "<column> holds <type>" for the
// first one that does not (SQLite keeps what it is given: a text in an
// integer column, a real, a blob).
std::string SelectSql(const Table& t) {
  std::string check = "CASE";
  for (const Column& c : t.columns) {
    const std::string name = c.name;
    check += " WHEN typeof(" + name + ") NOT IN ('" + (c.kind == Kind::kInt ? "integer" : "text") +
             "', 'null') THEN '" + name + " holds ' || typeof(" + name + ")";
  }
  check += " END";
  return "SELECT " + ColumnList(t) + ", " + check + " FROM " + t.name + " ORDER BY " + KeyList(t);
}

// INSERT of `rows` rows of `t`.
std::string InsertSql(const Table& t, std::int64_t rows) {
  std::string one = "(";
  for (std::size_t i = 0; i < t.columns.size(); ++i) one += i == 0 ? "?" : ", ?";
  one += ")";
  std::string sql = "INSERT INTO " + std::string(t.name) + " (" + ColumnList(t) + ") VALUES ";
  sql.reserve(sql.size() + static_cast<std::size_t>(rows) * (one.size() + 2));
  for (std::int64_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ", ";
    sql += one;
  }
  return sql;
}

// "orders row id=o-1", "order_lines row (order_id, line_id)=(o-1, L1)".
std::string RowName(const Table& t, const sql::Statement& row) {
  std::vector<std::string> values;
  for (const char* key : t.key) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (std::string(t.columns[i].name) == key) values.push_back(row.ColumnText(static_cast<int>(i)));
    }
  }
  if (t.key.size() == 1) return std::string(t.name) + " row " + t.key[0] + "=" + values[0];
  return std::string(t.name) + " row (" + KeyList(t) + ")=(" + Join(values, ", ") + ")";
}

Status Invalid(const std::string& message) { return Status(Code::kValidationFailed, message); }

// `failed` (of a statement on `dst`) as validation_failed when PostgreSQL
// refused the values rather than failed: a data exception (SQLSTATE class
// 22: invalid UTF-8, out of range), a constraint (class 23: foreign key,
// check, not null, unique), or a value the driver cannot send (a NUL byte;
// no SQLSTATE, connection fine). `sql`, when given, is replaced in the
// message by `what`: a batch INSERT's text is long and says nothing.
Status Refusal(const PgConnection& dst, const Status& failed, const std::string& sql, const std::string& what) {
  std::string message = failed.message();
  if (!sql.empty()) {
    const std::size_t at = message.find(sql);
    if (at != std::string::npos) message.replace(at, sql.size(), what);
  }
  const std::string& state = dst.SqlState();
  const bool data = state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || (state.empty() && !dst.Broken());
  if (!data) return Status::Unavailable(message);
  return Invalid("PostgreSQL refuses what the source holds: " + message);
}

// The first column of every row of `sql`, bound to `arg` when given, as text.
Result<std::vector<std::string>> Texts(sql::Connection& conn, const std::string& sql, const char* arg = nullptr) {
  AS_ASSIGN_OR_RETURN(StatementHandle q, conn.Prepare(sql));
  if (arg != nullptr) q->BindText(arg);
  std::vector<std::string> out;
  while (true) {
    AS_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    out.push_back(q->ColumnText(0));
  }
  return out;
}

Result<std::int64_t> Int(sql::Connection& conn, const std::string& sql) {
  AS_ASSIGN_OR_RETURN(StatementHandle q, conn.Prepare(sql));
  AS_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::Internal("no row from: " + sql);
  return q->ColumnInt(0);
}

// How `names` differ from the columns of `t`, in any order: empty when not.
std::string ColumnsDiffer(const Table& t, const std::vector<std::string>& names) {
  std::set<std::string> expected;
  for (const Column& c : t.columns) expected.insert(c.name);
  const std::set<std::string> actual(names.begin(), names.end());
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::string out;
  if (!extra.empty()) out += "unknown column(s) " + Join(extra, ", ");
  if (!missing.empty()) out += std::string(out.empty() ? "" : "; ") + "missing column(s) " + Join(missing, ", ");
  return out;
}

Result<int> SchemaVersion(SqliteConnection& conn) {
  AS_ASSIGN_OR_RETURN(
      std::int64_t has_table,
      Int(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
  if (has_table == 0) return 0;
  AS_ASSIGN_OR_RETURN(std::int64_t version, Int(conn, "SELECT coalesce(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(version);
}

// The source is this program's latest schema, every table and column of it
// known to the copy. Inside the read snapshot.
Status CheckSource(SqliteConnection& src) {
  AS_ASSIGN_OR_RETURN(int version, SchemaVersion(src));
  if (version != sqlite::LatestSchemaVersion()) {
    return Invalid("the SQLite database '" + src.path() + "' has schema version " + std::to_string(version) +
                   ", not this program's " + std::to_string(sqlite::LatestSchemaVersion()) +
                   (version == 0 ? " (is it an aftersales database?)" : ""));
  }
  AS_ASSIGN_OR_RETURN(std::vector<std::string> tables,
                      Texts(src,
                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                            "ESCAPE '\\' ORDER BY name"));
  for (const std::string& name : tables) {
    if (name == kMigrationsTable) continue;
    if (std::none_of(Tables().begin(), Tables().end(), [&](const Table& t) { return name == t.name; })) {
      return Invalid("the SQLite database has a table the copy does not know: " + name);
    }
  }
  for (const Table& t : Tables()) {
    AS_ASSIGN_OR_RETURN(std::vector<std::string> columns, Texts(src, "SELECT name FROM pragma_table_info(?)", t.name));
    if (columns.empty()) return Invalid("the SQLite database has no table " + std::string(t.name));
    const std::string differ = ColumnsDiffer(t, columns);
    if (!differ.empty()) {
      return Invalid("the SQLite table " + std::string(t.name) + " differs from the copy's: " + differ);
    }
  }
  return Status::Ok();
}

// Every table of the copy is in the target with the same columns, and holds
// no row. Inside the write transaction.
Status CheckTarget(PgConnection& dst) {
  for (const Table& t : Tables()) {
    AS_ASSIGN_OR_RETURN(std::vector<std::string> columns,
                        Texts(dst,
                              "SELECT column_name FROM information_schema.columns"
                              " WHERE table_schema = current_schema() AND table_name = ?",
                              t.name));
    if (columns.empty()) return Invalid("the PostgreSQL database has no table " + std::string(t.name));
    const std::string differ = ColumnsDiffer(t, columns);
    if (!differ.empty()) {
      return Invalid("the PostgreSQL table " + std::string(t.name) + " differs from the copy's: " + differ);
    }
  }
  std::vector<std::string> filled;
  for (const Table& t : Tables()) {
    AS_ASSIGN_OR_RETURN(std::int64_t any, Int(dst, "SELECT count(*) FROM (SELECT 1 FROM " + std::string(t.name) +
                                                       " LIMIT 1) AS any_row"));
    if (any > 0) filled.emplace_back(t.name);
  }
  if (!filled.empty()) {
    return Status(Code::kAlreadyExists, "the target " + dst.description() +
                                            " is not empty: " + (filled.size() == 1 ? "table " : "tables ") +
                                            Join(filled, ", ") + (filled.size() == 1 ? " has rows" : " have rows") +
                                            "; migrate copies into an empty database only");
  }
  return Status::Ok();
}

struct TableCopy {
  std::int64_t rows = 0;
  std::int64_t max_identity = 0;
  // The last row's seq and hash (audit only).
  std::optional<std::int64_t> last_seq;
  std::optional<std::string> last_hash;
};

// Copies `t` from the snapshot on `src` into `dst`'s transaction.
Result<TableCopy> CopyTable(const Table& t, SqliteConnection& src, PgConnection& dst, const CopyProgress& progress) {
  AS_ASSIGN_OR_RETURN(std::int64_t total, Int(src, "SELECT count(*) FROM " + std::string(t.name)));
  const int columns = static_cast<int>(t.columns.size());
  auto index_of = [&](const char* name) {
    for (int i = 0; i < columns; ++i) {
      if (name != nullptr && std::string(t.columns[static_cast<std::size_t>(i)].name) == name) return i;
    }
    return -1;
  };
  const int identity = index_of(t.identity);
  // The audit log's head: the last row's seq and hash.
  const bool audit = std::string(t.name) == "audit";
  const int seq_column = index_of("seq");
  const int hash_column = index_of("hash");
  const std::string full_batch = InsertSql(t, kRowsPerInsert);

  TableCopy copy;
  AS_ASSIGN_OR_RETURN(StatementHandle rows, src.Prepare(SelectSql(t)));
  std::optional<StatementHandle> insert;  // the batch being bound
  std::string insert_sql;                 // its text
  std::string first_row;                  // its first row, for messages
  std::int64_t batch = 0;                 // its rows
  std::int64_t bound = 0;                 // rows bound to it so far
  while (true) {
    AS_ASSIGN_OR_RETURN(bool row, rows->Step());
    if (!row) break;
    if (!rows->IsNull(columns)) return Invalid(RowName(t, *rows) + ": " + rows->ColumnText(columns));
    if (!insert) {
      batch = std::min(kRowsPerInsert, total - copy.rows);
      if (batch <= 0) return Status::Internal("table " + std::string(t.name) + " has more rows than it counted");
      insert_sql = batch == kRowsPerInsert ? full_batch : InsertSql(t, batch);
      AS_ASSIGN_OR_RETURN(StatementHandle prepared, dst.Prepare(insert_sql));
      insert.emplace(std::move(prepared));
      first_row = RowName(t, *rows);
      bound = 0;
    }
    sql::Statement& out = **insert;
    for (int i = 0; i < columns; ++i) {
      if (rows->IsNull(i)) {
        out.BindNull();
      } else if (t.columns[static_cast<std::size_t>(i)].kind == Kind::kInt) {
        out.BindInt(rows->ColumnInt(i));
      } else {
        out.BindText(rows->ColumnView(i));
      }
    }
    if (identity >= 0) copy.max_identity = std::max(copy.max_identity, rows->ColumnInt(identity));
    if (audit) {
      copy.last_seq = rows->ColumnInt(seq_column);
      copy.last_hash = rows->ColumnText(hash_column);
    }
    ++copy.rows;
    if (++bound == batch) {
      Status ran = out.Run();
      if (!ran.ok()) {
        return Refusal(
            dst, ran, insert_sql,
            "the INSERT of " + std::to_string(batch) + (batch == 1 ? " row" : " rows") + " starting at " + first_row);
      }
      if (dst.Changes() != batch) {
        return Status::Internal("table " + std::string(t.name) + ": " + std::to_string(dst.Changes()) +
                                " rows inserted of " + std::to_string(batch));
      }
      insert.reset();
    }
    if (progress.report && progress.every > 0 && copy.rows % progress.every == 0 && copy.rows != total) {
      progress.report(t.name, copy.rows, total);
    }
  }
  if (insert || copy.rows != total) {
    return Status::Internal("table " + std::string(t.name) + " has fewer rows than it counted");
  }
  if (identity >= 0 && copy.rows > 0) {
    // The next id the database assigns follows the greatest copied one.
    AS_ASSIGN_OR_RETURN(StatementHandle setval, dst.Prepare("SELECT setval(pg_get_serial_sequence(?, ?), ?, true)"));
    AS_RETURN_IF_ERROR(setval->BindText(t.name).BindText(t.identity).BindInt(copy.max_identity).Run());
  }
  if (progress.report) progress.report(t.name, copy.rows, total);
  return copy;
}

}  // namespace

std::vector<std::string> CopiedTables() {
  std::vector<std::string> names;
  for (const Table& t : Tables()) names.emplace_back(t.name);
  return names;
}

Result<int> SqliteSchemaVersion(const std::string& path) {
  AS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn, SqliteConnection::Open(path, OpenMode::kReadOnly));
  return SchemaVersion(*conn);
}

Result<DatabaseCopy> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& pg_uri,
                                          const CopyProgress& progress) {
  AS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> src, SqliteConnection::Open(sqlite_path, OpenMode::kReadOnly));
  AS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> dst, PgConnection::Open(pg_uri));

  DatabaseCopy result;
  result.target = dst->description();
  auto copy = [&]() -> Status {
    // One snapshot of the source (it starts at the first read), one
    // transaction on the target holding the writers' lock.
    AS_RETURN_IF_ERROR(src->Exec("BEGIN"));
    AS_RETURN_IF_ERROR(CheckSource(*src));
    AS_RETURN_IF_ERROR(dst->Exec("BEGIN ISOLATION LEVEL READ COMMITTED"));
    AS_RETURN_IF_ERROR(dst->Exec("SELECT pg_advisory_xact_lock(" + std::to_string(postgres::kWritersLockKey) + ")"));
    AS_RETURN_IF_ERROR(CheckTarget(*dst));
    for (const Table& t : Tables()) {
      AS_ASSIGN_OR_RETURN(TableCopy copied, CopyTable(t, *src, *dst, progress));
      result.tables.push_back({t.name, copied.rows});
      if (copied.last_seq) {
        result.audit_head_seq = copied.last_seq;
        result.audit_head_hash = copied.last_hash;
      }
    }
    if (progress.report) progress.report("", 0, 0);
    if (dst->failed()) return Status::Unavailable("storage error: the copy failed earlier and was rolled back");
    // Deferred foreign keys are checked here.
    Status committed = dst->Exec("COMMIT");
    if (!committed.ok()) return Refusal(*dst, committed, "", "");
    return committed;
  };
  Status s = copy();
  if (!s.ok() && dst->InTransaction()) dst->Exec("ROLLBACK");
  if (src->InTransaction()) src->Exec("ROLLBACK");  // a read: nothing to keep
  if (!s.ok()) return s;
  return result;
}

Result<std::vector<TableRows>> CountPostgresRows(const std::string& pg_uri) {
  AS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(pg_uri));
  AS_RETURN_IF_ERROR(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  std::vector<TableRows> counts;
  for (const Table& t : Tables()) {
    Result<std::int64_t> rows = Int(*conn, "SELECT count(*) FROM " + std::string(t.name));
    if (!rows.ok()) {
      conn->Exec("ROLLBACK");
      return rows.status();
    }
    counts.push_back({t.name, *rows});
  }
  AS_RETURN_IF_ERROR(conn->Exec("ROLLBACK"));
  return counts;
}

}  // namespace aftersales
