#include "bench/case_generator.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "db/sqlite/sqlite_store.h"
#include "engine/audit/audit_log.h"
#include "api/json_api.h"
#include "engine/policy_registry.h"
#include "workflows/policy.h"

namespace aftersales::bench {
namespace {

// ---------------------------------------------------------------- progress

std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string ClockText(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02d:%02d", s / 3600, static_cast<int>(s / 60 % 60),
                  static_cast<int>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%d:%02d", static_cast<int>(s / 60), static_cast<int>(s % 60));
  }
  return buf;
}

// ---------------------------------------------------------------- SQLite

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close_v2(db); }
};

Status SqlError(sqlite3* db, const std::string& sql) {
  return Status::Unavailable(std::string(sqlite3_errmsg(db)) + " in: " + sql.substr(0, 160));
}

Status Exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return SqlError(db, sql);
  return Status::Ok();
}

Result<Statement> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return SqlError(db, sql);
  return Statement(stmt, &sqlite3_finalize);
}

Result<std::int64_t> QueryInt(sqlite3* db, const std::string& sql) {
  Result<Statement> stmt = Prepare(db, sql);
  if (!stmt.ok()) return stmt.status();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) return SqlError(db, sql);
  return sqlite3_column_int64(stmt->get(), 0);
}

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))) : std::string();
}

std::optional<std::string> OptionalColumnText(sqlite3_stmt* stmt, int i) {
  if (sqlite3_column_type(stmt, i) == SQLITE_NULL) return std::nullopt;
  return ColumnText(stmt, i);
}

void BindText(sqlite3_stmt* stmt, int i, const std::string& s) {
  sqlite3_bind_text(stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void BindOptionalText(sqlite3_stmt* stmt, int i, const std::optional<std::string>& s) {
  if (s) {
    BindText(stmt, i, *s);
  } else {
    sqlite3_bind_null(stmt, i);
  }
}

struct Column {
  std::string name;
  bool text = false;
  bool rowid_key = false;  // INTEGER PRIMARY KEY: a new one per inserted row
};

Result<std::vector<Column>> ColumnsOf(sqlite3* db, const std::string& schema, const std::string& table) {
  Result<Statement> stmt = Prepare(db, "PRAGMA " + schema + ".table_info(" + table + ")");
  if (!stmt.ok()) return stmt.status();
  std::vector<Column> columns;
  while (sqlite3_step(stmt->get()) == SQLITE_ROW) {
    Column c;
    c.name = ColumnText(stmt->get(), 1);
    const std::string type = ColumnText(stmt->get(), 2);
    c.text = type.find("TEXT") != std::string::npos;
    c.rowid_key = type == "INTEGER" && sqlite3_column_int(stmt->get(), 5) == 1;
    columns.push_back(std::move(c));
  }
  return columns;
}

// ---------------------------------------------------------------- renaming

// How ids are renamed for copy k. Hex ids ("cs_" and "tx_" + 16 hex, "evt_"
// + 24 hex) get their last 16 digits moved by k strides of an odd 64-bit
// constant (a bijection per copy; two template ids collide after renaming
// with probability ~ 2^-64). Numbered ids ("o-<n>", "b-<n>") become n + k x
// span, span being the template's largest number, so copies never overlap.
struct CopyNaming {
  std::int64_t order_span = 0;
  std::int64_t buyer_span = 0;
};

constexpr std::uint64_t kHexStride = 0x9e3779b97f4a7c15ULL;
constexpr std::size_t kMaxNumberDigits = 15;

bool IsIdChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Renames the hex id starting at `i`, appending it to `out`; returns the
// characters consumed, 0 when no hex id starts there.
std::size_t RenameHexId(std::string_view text, std::size_t i, std::int64_t copy, std::string* out) {
  struct Kind {
    std::string_view prefix;
    std::size_t digits;
  };
  static constexpr Kind kKinds[] = {{"cs_", 16}, {"tx_", 16}, {"evt_", 24}};
  for (const Kind& kind : kKinds) {
    if (text.compare(i, kind.prefix.size(), kind.prefix) != 0) continue;
    const std::size_t start = i + kind.prefix.size();
    const std::size_t end = start + kind.digits;
    if (end > text.size() || (end < text.size() && IsLowerHex(text[end]))) return 0;
    if (!std::all_of(text.begin() + static_cast<std::ptrdiff_t>(start), text.begin() + static_cast<std::ptrdiff_t>(end),
                     IsLowerHex)) {
      return 0;
    }
    const std::size_t kept = kind.digits - 16;
    const std::uint64_t low = std::stoull(std::string(text.substr(start + kept, 16)), nullptr, 16);
    char renamed[17];
    std::snprintf(renamed, sizeof renamed, "%016" PRIx64, low + static_cast<std::uint64_t>(copy) * kHexStride);
    out->append(text.substr(i, kind.prefix.size() + kept));
    out->append(renamed, 16);
    return end - i;
  }
  return 0;
}

// Renames the numbered id starting at `i`; as RenameHexId.
std::size_t RenameNumberedId(std::string_view text, std::size_t i, std::int64_t copy, const CopyNaming& naming,
                             std::string* out) {
  const std::pair<std::string_view, std::int64_t> kinds[] = {{"o-", naming.order_span}, {"b-", naming.buyer_span}};
  for (const auto& [prefix, span] : kinds) {
    if (text.compare(i, prefix.size(), prefix) != 0) continue;
    std::size_t end = i + prefix.size();
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    const std::size_t digits = end - i - prefix.size();
    if (digits == 0 || digits > kMaxNumberDigits || (end < text.size() && IsIdChar(text[end]))) return 0;
    const std::int64_t n = std::stoll(std::string(text.substr(i + prefix.size(), digits)));
    out->append(prefix);
    out->append(std::to_string(n + copy * span));
    return end - i;
  }
  return 0;
}

// `text` (an id, or JSON holding ids) with every id of copy 0 renamed for
// copy `copy`.
std::string RenameForCopy(std::string_view text, std::int64_t copy, const CopyNaming& naming) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    if (i == 0 || !IsIdChar(text[i - 1])) {
      std::size_t used = RenameHexId(text, i, copy, &out);
      if (used == 0) used = RenameNumberedId(text, i, copy, naming, &out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

// SQL: copy_ids(text, copy) = RenameForCopy(text, copy); NULL stays NULL.
void CopyIdsFunction(sqlite3_context* ctx, int, sqlite3_value** args) {
  if (sqlite3_value_type(args[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
  const std::string_view view(text, static_cast<std::size_t>(sqlite3_value_bytes(args[0])));
  const auto* naming = static_cast<const CopyNaming*>(sqlite3_user_data(ctx));
  const std::string renamed = RenameForCopy(view, sqlite3_value_int64(args[1]), *naming);
  sqlite3_result_text(ctx, renamed.data(), static_cast<int>(renamed.size()), SQLITE_TRANSIENT);
}

// ---------------------------------------------------------------- loading

// Tables holding one case's world, copied once per copy. Staff events and
// the audit log are copied too, with their own seq mapping; every other
// table (users, policies, settings, …) is copied once.
constexpr const char* kPerCopyTables[] = {"orders", "order_lines", "cases",      "deadlines",
                                          "texts",  "outbox",      "case_facts", "case_fact_lines"};
constexpr const char* kStaffEvents = "staff_events";
constexpr const char* kAudit = "audit";
constexpr std::int64_t kAuditRowsPerCommit = 200'000;

// One template audit entry and where its copies go.
struct PlannedEntry {
  AuditRow row;
  bool per_copy = false;       // it names a case's world: one entry per copy
  std::int64_t first_seq = 0;  // the new seq of copy 0
};

Result<std::vector<PlannedEntry>> PlanAudit(sqlite3* db, std::int64_t copies, const CopyNaming& naming) {
  Result<Statement> stmt = Prepare(db,
                                   "SELECT seq, at, actor_id, actor_role, case_id, action, from_state, to_state, data,"
                                   " prev_hash, hash FROM tpl.audit ORDER BY seq");
  if (!stmt.ok()) return stmt.status();
  std::vector<PlannedEntry> plan;
  std::int64_t next_seq = 1;
  for (int rc; (rc = sqlite3_step(stmt->get())) != SQLITE_DONE;) {
    if (rc != SQLITE_ROW) return SqlError(db, "reading the template's audit log");
    sqlite3_stmt* s = stmt->get();
    PlannedEntry e;
    e.row.seq = sqlite3_column_int64(s, 0);
    e.row.at = ColumnText(s, 1);
    e.row.actor_id = ColumnText(s, 2);
    e.row.actor_role = ColumnText(s, 3);
    e.row.case_id = OptionalColumnText(s, 4);
    e.row.action = ColumnText(s, 5);
    e.row.from_state = OptionalColumnText(s, 6);
    e.row.to_state = OptionalColumnText(s, 7);
    e.row.data = ColumnText(s, 8);
    e.per_copy = e.row.case_id.has_value() || RenameForCopy(e.row.data, 1, naming) != e.row.data ||
                 RenameForCopy(e.row.actor_id, 1, naming) != e.row.actor_id;
    e.first_seq = next_seq;
    next_seq += e.per_copy ? copies : 1;
    plan.push_back(std::move(e));
  }
  return plan;
}

Status WriteSeqMap(sqlite3* db, const std::vector<PlannedEntry>& plan) {
  AS_RETURN_IF_ERROR(
      Exec(db, "CREATE TEMP TABLE seq_map (seq INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, per_copy INTEGER)"));
  Result<Statement> insert = Prepare(db, "INSERT INTO temp.seq_map (seq, first_seq, per_copy) VALUES (?, ?, ?)");
  if (!insert.ok()) return insert.status();
  for (const PlannedEntry& e : plan) {
    sqlite3_bind_int64(insert->get(), 1, e.row.seq);
    sqlite3_bind_int64(insert->get(), 2, e.first_seq);
    sqlite3_bind_int(insert->get(), 3, e.per_copy ? 1 : 0);
    if (sqlite3_step(insert->get()) != SQLITE_DONE) return SqlError(db, "writing the seq map");
    sqlite3_reset(insert->get());
  }
  return Status::Ok();
}

// "INSERT INTO main.T (cols) SELECT exprs FROM tpl.T": text columns through
// copy_ids for copies after the first; rowid keys left to SQLite.
Result<std::string> CopySql(sqlite3* db, const std::string& table, std::int64_t copy) {
  Result<std::vector<Column>> columns = ColumnsOf(db, "tpl", table);
  if (!columns.ok()) return columns.status();
  std::string names, exprs;
  for (const Column& c : *columns) {
    if (c.rowid_key) continue;
    names += (names.empty() ? "" : ", ") + c.name;
    const std::string expr = c.text && copy > 0 ? "copy_ids(" + c.name + ", " + std::to_string(copy) + ")" : c.name;
    exprs += (exprs.empty() ? "" : ", ") + expr;
  }
  return "INSERT INTO main." + table + " (" + names + ") SELECT " + exprs + " FROM tpl." + table;
}

// Staff events follow their audit entries: seq = the entry's copy's seq.
Result<std::string> StaffEventsCopySql(sqlite3* db, std::int64_t copy) {
  Result<std::vector<Column>> columns = ColumnsOf(db, "tpl", kStaffEvents);
  if (!columns.ok()) return columns.status();
  std::string names, exprs;
  for (const Column& c : *columns) {
    names += (names.empty() ? "" : ", ") + c.name;
    std::string expr = "s." + c.name;
    if (c.name == "seq") {
      expr = "m.first_seq + " + std::to_string(copy);
    } else if (c.text && copy > 0) {
      expr = "copy_ids(s." + c.name + ", " + std::to_string(copy) + ")";
    }
    exprs += (exprs.empty() ? "" : ", ") + expr;
  }
  return std::string("INSERT INTO main.") + kStaffEvents + " (" + names + ") SELECT " + exprs + " FROM tpl." +
         kStaffEvents + " s JOIN temp.seq_map m ON m.seq = s.seq" + (copy > 0 ? " WHERE m.per_copy = 1" : "");
}

Result<std::vector<std::string>> TablesOf(sqlite3* db, const std::string& schema) {
  Result<Statement> stmt = Prepare(db, "SELECT name FROM " + schema +
                                           ".sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                           " ORDER BY name");
  if (!stmt.ok()) return stmt.status();
  std::vector<std::string> names;
  while (sqlite3_step(stmt->get()) == SQLITE_ROW) names.push_back(ColumnText(stmt->get(), 0));
  return names;
}

Status CopySharedTables(sqlite3* db) {
  Result<std::vector<std::string>> tables = TablesOf(db, "tpl");
  if (!tables.ok()) return tables.status();
  std::set<std::string> skip(std::begin(kPerCopyTables), std::end(kPerCopyTables));
  skip.insert({kStaffEvents, kAudit, "schema_migrations"});
  for (const std::string& table : *tables) {
    if (skip.count(table)) continue;
    Result<std::string> sql = CopySql(db, table, 0);
    if (!sql.ok()) return sql.status();
    AS_RETURN_IF_ERROR(Exec(db, *sql));
  }
  return Status::Ok();
}

// Writes the audit log: each template entry, then its copies, chained.
Status ChainAudit(sqlite3* db, const std::vector<PlannedEntry>& plan, std::int64_t copies, const CopyNaming& naming,
                  std::int64_t cases, LoadStats* stats) {
  Result<Statement> insert = Prepare(db,
                                     "INSERT INTO main.audit (seq, at, actor_id, actor_role, case_id, action,"
                                     " from_state, to_state, data, prev_hash, hash)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  std::int64_t total = 0;
  for (const PlannedEntry& e : plan) total += e.per_copy ? copies : 1;
  ProgressBar bar("chaining audit", cases, "cases");
  std::string prev_hash = kGenesisHash;
  std::int64_t written = 0;
  AS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  for (const PlannedEntry& e : plan) {
    const std::int64_t n = e.per_copy ? copies : 1;
    for (std::int64_t k = 0; k < n; ++k) {
      AuditRow row = e.row;
      if (k > 0) {
        row.actor_id = RenameForCopy(row.actor_id, k, naming);
        if (row.case_id) row.case_id = RenameForCopy(*row.case_id, k, naming);
        row.data = RenameForCopy(row.data, k, naming);
      }
      row.seq = e.first_seq + k;
      row.prev_hash = prev_hash;
      row.hash = AuditLog::ComputeHash(row);
      if (row.hash.empty()) return Status::Unavailable("audit entry " + std::to_string(e.row.seq) + " has no hash");
      sqlite3_stmt* s = insert->get();
      sqlite3_bind_int64(s, 1, row.seq);
      BindText(s, 2, row.at);
      BindText(s, 3, row.actor_id);
      BindText(s, 4, row.actor_role);
      BindOptionalText(s, 5, row.case_id);
      BindText(s, 6, row.action);
      BindOptionalText(s, 7, row.from_state);
      BindOptionalText(s, 8, row.to_state);
      BindText(s, 9, row.data);
      BindText(s, 10, row.prev_hash);
      BindText(s, 11, row.hash);
      if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db, "writing the audit log");
      sqlite3_reset(s);
      prev_hash = std::move(row.hash);
      if (++written % kAuditRowsPerCommit == 0) {
        AS_RETURN_IF_ERROR(Exec(db, "COMMIT"));
        AS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
        bar.Update(written * cases / total);
      }
    }
  }
  AS_RETURN_IF_ERROR(Exec(db, "COMMIT"));
  bar.Update(cases);
  stats->audit_entries = written;
  return Status::Ok();
}

struct Index {
  std::string name;
  std::string sql;
};

// The secondary indexes of the new file, dropped so that loading appends
// rows only; rebuilt from their own CREATE statements at the end.
Result<std::vector<Index>> DropSecondaryIndexes(sqlite3* db) {
  std::vector<Index> indexes;
  {
    Result<Statement> stmt =
        Prepare(db, "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
    if (!stmt.ok()) return stmt.status();
    while (sqlite3_step(stmt->get()) == SQLITE_ROW) {
      indexes.push_back({ColumnText(stmt->get(), 0), ColumnText(stmt->get(), 1)});
    }
  }
  for (const Index& index : indexes) AS_RETURN_IF_ERROR(Exec(db, "DROP INDEX main." + index.name));
  return indexes;
}

}  // namespace

// ---------------------------------------------------------------- ProgressBar

ProgressBar::ProgressBar(std::string label, std::int64_t total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)), started_(MonotonicSeconds()) {
  Draw(0);
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(std::int64_t done) {
  done_ = done;
  constexpr double kRedrawSeconds = 0.25;
  if (MonotonicSeconds() - last_drawn_ >= kRedrawSeconds) Draw(done);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  Draw(done_);
  std::fputc('\n', stderr);
}

void ProgressBar::Draw(std::int64_t done) {
  constexpr int kWidth = 28;
  const double now = MonotonicSeconds();
  last_drawn_ = now;
  const double elapsed = now - started_;
  const double fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1.0;
  const int filled = static_cast<int>(kWidth * fraction);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const std::string eta = rate > 0 && done < total_ ? ClockText(static_cast<double>(total_ - done) / rate) : "-";
  constexpr double kWholeRate = 10;  // below it, a rate shows a decimal
  const std::string rate_text = rate < kWholeRate ? Fixed1(rate) : Grouped(static_cast<std::int64_t>(rate));
  std::fprintf(stderr, "\r%-16s [%s%s] %5.1f%%  %s/%s %s  %s %s/s  elapsed %s  ETA %s   ", label_.c_str(),
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), 100 * fraction,
               Grouped(done).c_str(), Grouped(total_).c_str(), unit_.c_str(), rate_text.c_str(), unit_.c_str(),
               ClockText(elapsed).c_str(), eta.c_str());
  std::fflush(stderr);
}

// ---------------------------------------------------------------- template

Result<TemplateInfo> BuildTemplate(const std::string& path, const TemplateOptions& options) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  constexpr std::int64_t kDays = 365;
  const TimePoint start = options.history_end - kDays * kDay;
  ManualClock clock(start - kDay);
  SqliteStore::Options load_options;
  load_options.clock = &clock;
  load_options.unsafe_bulk_load = true;  // a template to copy from, never served
  auto store = SqliteStore::Open(path, load_options);
  if (!store.ok()) return store.status();
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  CaseEngine service_engine(**store, clock, policies);
  JsonApi service(service_engine);

  SimulationOptions simulation;
  simulation.cases = options.cases;
  simulation.days = static_cast<int>(kDays);
  simulation.start = start;
  simulation.seed = options.seed;
  ProgressBar bar("simulating", options.cases, "cases");
  simulation.progress = [&](std::int64_t done, std::int64_t) { bar.Update(done); };
  const double t0 = MonotonicSeconds();
  Result<SimulationTotals> totals = Simulate(**store, service, clock, simulation);
  bar.Finish();
  if (!totals.ok()) return totals.status();
  TemplateInfo info;
  info.totals = *totals;
  info.cases = totals->cases;
  info.seconds = MonotonicSeconds() - t0;
  return info;
}

// ---------------------------------------------------------------- copies

Result<LoadStats> LoadCopies(const std::string& template_path, const std::string& path, std::int64_t copies) {
  if (copies < 1) return Status::Invalid("copies", "at least one copy");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  const double t0 = MonotonicSeconds();
  {
    // The schema, exactly as the store makes it.
    SqliteStore::Options options;
    options.unsafe_bulk_load = true;
    auto store = SqliteStore::Open(path, options);
    if (!store.ok()) return store.status();
  }
  Connection conn;
  if (sqlite3_open(path.c_str(), &conn.db) != SQLITE_OK) return SqlError(conn.db, "open " + path);
  sqlite3* db = conn.db;
  // A file being loaded needs no journal: a crash mid-load ruins it anyway.
  for (const char* pragma :
       {"PRAGMA journal_mode=DELETE", "PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA foreign_keys=OFF",
        "PRAGMA locking_mode=EXCLUSIVE", "PRAGMA cache_size=-1000000"}) {
    AS_RETURN_IF_ERROR(Exec(db, pragma));
  }
  {
    Result<Statement> attach = Prepare(db, "ATTACH DATABASE ? AS tpl");
    if (!attach.ok()) return attach.status();
    BindText(attach->get(), 1, template_path);
    if (sqlite3_step(attach->get()) != SQLITE_DONE) return SqlError(db, "attach " + template_path);
  }

  CopyNaming naming;
  Result<std::int64_t> order_span =
      QueryInt(db, "SELECT COALESCE(MAX(CAST(substr(id, 3) AS INTEGER)), 0) FROM tpl.orders WHERE id GLOB 'o-[0-9]*'");
  Result<std::int64_t> buyer_span = QueryInt(
      db,
      "SELECT COALESCE(MAX(CAST(substr(buyer_id, 3) AS INTEGER)), 0) FROM tpl.orders WHERE buyer_id GLOB 'b-[0-9]*'");
  Result<std::int64_t> template_cases = QueryInt(db, "SELECT COUNT(*) FROM tpl.cases");
  if (!order_span.ok()) return order_span.status();
  if (!buyer_span.ok()) return buyer_span.status();
  if (!template_cases.ok()) return template_cases.status();
  naming.order_span = *order_span;
  naming.buyer_span = *buyer_span;
  if (sqlite3_create_function(db, "copy_ids", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &naming, CopyIdsFunction, nullptr,
                              nullptr) != SQLITE_OK) {
    return SqlError(db, "copy_ids");
  }

  LoadStats stats;
  stats.cases = *template_cases * copies;
  Result<std::vector<Index>> indexes = DropSecondaryIndexes(db);
  if (!indexes.ok()) return indexes.status();
  Result<std::vector<PlannedEntry>> plan = PlanAudit(db, copies, naming);
  if (!plan.ok()) return plan.status();
  AS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  AS_RETURN_IF_ERROR(WriteSeqMap(db, *plan));
  AS_RETURN_IF_ERROR(CopySharedTables(db));
  AS_RETURN_IF_ERROR(Exec(db, "COMMIT"));

  {
    ProgressBar bar("copying cases", stats.cases, "cases");
    for (std::int64_t k = 0; k < copies; ++k) {
      AS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
      for (const char* table : kPerCopyTables) {
        Result<std::string> sql = CopySql(db, table, k);
        if (!sql.ok()) return sql.status();
        AS_RETURN_IF_ERROR(Exec(db, *sql));
      }
      Result<std::string> staff_sql = StaffEventsCopySql(db, k);
      if (!staff_sql.ok()) return staff_sql.status();
      AS_RETURN_IF_ERROR(Exec(db, *staff_sql));
      AS_RETURN_IF_ERROR(Exec(db, "COMMIT"));
      bar.Update((k + 1) * *template_cases);
    }
  }
  stats.copy_seconds = MonotonicSeconds() - t0;

  const double t1 = MonotonicSeconds();
  AS_RETURN_IF_ERROR(ChainAudit(db, *plan, copies, naming, stats.cases, &stats));
  stats.chain_seconds = MonotonicSeconds() - t1;

  const double t2 = MonotonicSeconds();
  {
    ProgressBar bar("building indexes", static_cast<std::int64_t>(indexes->size()), "indexes");
    std::int64_t built = 0;
    for (const Index& index : *indexes) {
      AS_RETURN_IF_ERROR(Exec(db, index.sql));
      bar.Update(++built);
    }
  }
  stats.index_seconds = MonotonicSeconds() - t2;
  AS_RETURN_IF_ERROR(Exec(db, "DETACH DATABASE tpl"));
  AS_RETURN_IF_ERROR(Exec(db, "PRAGMA locking_mode=NORMAL"));
  AS_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  stats.total_seconds = MonotonicSeconds() - t0;
  return stats;
}

}  // namespace aftersales::bench
