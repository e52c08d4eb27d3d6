// report_bench: the cost of every report and the scorecard on a large,
// realistic database (issue "Manager tools": each under 2 s on 1,000,000
// cases). Loads the database by driving the real engine (bench/
// shop_simulator.h) — or reuses one given with --db — then times each
// report, against a baseline measured in the same run: one full scan of the
// audit table (what a report that walked the log would cost at least).
//
//   report_bench [--cases N] [--db FILE] [--runs K] [--json FILE] [--quick]
//
// --quick (CI): 2,000 cases, one run; asserts nothing about speed.
//
// Simulating through the engine costs milliseconds per case on a small
// machine, so a large database is built as `--cases` simulated cases copied
// `--copies` times by SQL (ids suffixed "~k", audit seqs shifted, times
// kept: the same history, by a shop `copies` times as busy). The copies'
// audit chain is not re-hashed: the bench times reports, which read the
// derived tables, not the chain.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "api/json_api.h"
#include "bench/shop_simulator.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/reports/case_reports.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_common.h"
#include "engine/reports/staff_reports.h"
#include "workflows/policy.h"

namespace aftersales::bench {
namespace {

using nlohmann::json;

// 2025-12-01T00:00:00Z: a year of history ends on 2026-12-01.
constexpr TimePoint kHistoryStart = 1764547200;

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

template <class F>
double TimeSeconds(F&& f) {
  const double t0 = MonotonicSeconds();
  f();
  return MonotonicSeconds() - t0;
}

void ProgressBar(const char* what, std::int64_t done, std::int64_t total, double elapsed) {
  const int width = 30;
  const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const double eta = rate > 0 ? (total - done) / rate : 0;
  std::fprintf(stderr, "\r%s [%s%s] %lld/%lld  %.0f/s  ETA %.0f s   ", what, std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<long long>(done), static_cast<long long>(total),
               rate, eta);
  if (done == total) std::fprintf(stderr, "\n");
}

bool Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return true;
  std::fprintf(stderr, "report_bench: %s\n  in: %s\n", err ? err : "?", sql.substr(0, 200).c_str());
  sqlite3_free(err);
  return false;
}

std::int64_t QueryInt(sqlite3* db, const std::string& sql);

// The columns of `table`, and whether its primary key is the rowid.
std::vector<std::string> ColumnsOf(sqlite3* db, const std::string& table, bool* rowid_key) {
  std::vector<std::string> cols;
  sqlite3_stmt* stmt = nullptr;
  *rowid_key = false;
  sqlite3_prepare_v2(db, ("PRAGMA table_info(" + table + ")").c_str(), -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
    if (name == "id" && type == "INTEGER" && sqlite3_column_int(stmt, 5) == 1) *rowid_key = true;
    cols.push_back(name);
  }
  sqlite3_finalize(stmt);
  return cols;
}

// Copies every case (with its order, deadlines, texts, audit entries,
// outbox events and report rows) `copies - 1` more times.
bool Replicate(const std::string& path, int copies) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return false;
  // A large page cache: every copy inserts all over big indexes.
  bool ok = Exec(db, "PRAGMA synchronous=OFF") && Exec(db, "PRAGMA foreign_keys=OFF") &&
            Exec(db, "PRAGMA cache_size=-2000000");
  const std::int64_t max_seq = QueryInt(db, "SELECT COALESCE(MAX(seq), 0) FROM audit");
  const char* tables[] = {"orders", "order_lines", "cases",        "deadlines",  "texts",
                          "audit",  "outbox",      "staff_events", "case_facts", "case_fact_lines"};
  // The simulated rows, kept aside so that each copy reads only them.
  for (const char* table : tables) {
    ok = ok && Exec(db, std::string("CREATE TEMP TABLE original_") + table + " AS SELECT * FROM " + table);
  }
  const double t0 = MonotonicSeconds();
  for (int k = 1; ok && k < copies; ++k) {
    ok = Exec(db, "BEGIN");
    for (const char* table : tables) {
      bool rowid_key = false;
      const std::vector<std::string> cols = ColumnsOf(db, table, &rowid_key);
      const std::string suffix = "'~" + std::to_string(k) + "'";
      std::string names, exprs;
      for (const auto& c : cols) {
        if (c == "id" && rowid_key) continue;  // a new rowid
        names += (names.empty() ? "" : ", ") + c;
        std::string e = c;
        if (c == "id" || c == "case_id" || c == "order_id" || c == "event_id") e = c + " || " + suffix;
        if (c == "seq") e = "seq + " + std::to_string(max_seq * k);
        exprs += (exprs.empty() ? "" : ", ") + e;
      }
      ok = ok && Exec(db, std::string("INSERT INTO ") + table + " (" + names + ") SELECT " + exprs +
                             " FROM original_" + table);
    }
    ok = ok && Exec(db, "COMMIT");
    ProgressBar("copying cases   ", k + 1, copies, MonotonicSeconds() - t0);
  }
  ok = ok && Exec(db, "ANALYZE") && Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close_v2(db);
  return ok;
}

std::int64_t QueryInt(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    v = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return v;
}

int Run(int argc, char** argv) {
  CLI::App app{"Times every report on a large simulated shop database."};
  std::int64_t cases = 10'000;
  int copies = 100;
  std::string db_path;
  std::string json_path;
  int runs = 3;
  bool quick = false;
  app.add_option("--cases", cases, "cases to simulate through the engine when the database is new")
      ->check(CLI::PositiveNumber);
  app.add_option("--copies", copies, "copies of the simulated cases in the database (cases x copies in all)")
      ->check(CLI::PositiveNumber);
  app.add_option("--db", db_path, "database file (reused when it exists; default: a temporary file)");
  app.add_option("--runs", runs, "timed runs per report (the median is reported)")->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "also write the figures as JSON to this file");
  app.add_flag("--quick", quick, "CI mode: 3,000 cases, one run; asserts nothing about speed");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    cases = 2000;
    copies = 2;
    runs = 1;
  }
  const bool temporary = db_path.empty();
  if (temporary) {
    db_path = (std::filesystem::temp_directory_path() / ("report_bench_" + std::to_string(::getpid()) + ".db")).string();
  }
  const bool fresh = !std::filesystem::exists(db_path);

  ManualClock clock(kHistoryStart - 86400);
  double load_seconds = 0;
  SimulationTotals totals;
  if (fresh) {
    SqliteStore::Options load_options;
    load_options.clock = &clock;
    load_options.unsafe_bulk_load = true;  // loading only; the timed phase reopens durable
    auto store = SqliteStore::Open(db_path, load_options);
    if (!store.ok()) {
      std::fprintf(stderr, "report_bench: %s\n", store.status().message().c_str());
      return 2;
    }
    PolicyRegistry policies(**store);
    if (Status s = policies.Initialize(DefaultPolicy(), clock.Now()); !s.ok()) {
      std::fprintf(stderr, "report_bench: %s\n", s.message().c_str());
      return 2;
    }
    CaseEngine service_engine(**store, clock, policies);
  JsonApi service(service_engine);
    SimulationOptions options;
    options.cases = cases;
    options.start = kHistoryStart;
    const double t0 = MonotonicSeconds();
    options.progress = [&](std::int64_t done, std::int64_t total) {
      ProgressBar("simulating cases", done, total, MonotonicSeconds() - t0);
    };
    auto simulated = Simulate(**store, service, clock, options);
    if (!simulated.ok()) {
      std::fprintf(stderr, "report_bench: simulation failed: %s\n", simulated.status().message().c_str());
      return 2;
    }
    totals = *simulated;
    store->reset();
    if (copies > 1 && !Replicate(db_path, copies)) return 2;
    load_seconds = MonotonicSeconds() - t0;
  }

  // The timed phase: a durable store, as `serve` opens it.
  auto store = SqliteStore::Open(db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "report_bench: %s\n", store.status().message().c_str());
    return 2;
  }
  sqlite3* raw = nullptr;
  sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  const std::int64_t n_cases = QueryInt(raw, "SELECT COUNT(*) FROM cases");
  const std::int64_t n_audit = QueryInt(raw, "SELECT COUNT(*) FROM audit");
  const std::int64_t n_events = QueryInt(raw, "SELECT COUNT(*) FROM staff_events");
  const std::int64_t db_bytes = static_cast<std::int64_t>(std::filesystem::file_size(db_path));

  // Baseline: one pass over every audit entry, reading its columns.
  std::vector<double> baseline_runs;
  for (int i = 0; i < runs; ++i) {
    baseline_runs.push_back(TimeSeconds([&] {
      QueryInt(raw, "SELECT SUM(length(data) + length(hash) + length(actor_id)) FROM audit");
    }));
  }
  const double baseline = MedianOf(baseline_runs);
  sqlite3_close_v2(raw);

  PolicyRegistry policies(**store);
  if (Status s = policies.Initialize(DefaultPolicy(), clock.Now()); !s.ok()) {
    std::fprintf(stderr, "report_bench: %s\n", s.message().c_str());
    return 2;
  }
  ManualClock report_clock(kHistoryStart + 365 * 86400 - 1);  // in the last month of the history
  StaffReports staff(**store, policies, report_clock);
  CaseReports case_reports(**store);
  ReportRange whole_year;  // the whole simulated history
  whole_year.from = kHistoryStart - 86400;
  whole_year.to = kHistoryStart + 366 * 86400;
  ReportRange last_month = ParseReportRange("", "", "", MonthOf(report_clock.Now())).value();

  struct Measured {
    std::string name;
    std::string period;
    double seconds;
    std::size_t items;
  };
  std::vector<Measured> measured;
  auto measure = [&](const std::string& name, const std::string& period,
                     const std::function<Result<json>()>& report) -> bool {
    std::vector<double> times;
    std::size_t items = 0;
    for (int i = 0; i < runs; ++i) {
      Result<json> out = Result<json>(Status::Internal("not run"));
      times.push_back(TimeSeconds([&] { out = report(); }));
      if (!out.ok()) {
        std::fprintf(stderr, "report_bench: %s failed: %s\n", name.c_str(), out.status().message().c_str());
        return false;
      }
      items = out->contains("items") ? out->at("items").size() : 0;
    }
    measured.push_back({name, period, MedianOf(times), items});
    return true;
  };
  bool ok = true;
  for (const auto& [period, range] : {std::pair<std::string, ReportRange>{"whole year", whole_year},
                                      std::pair<std::string, ReportRange>{"last month", last_month}}) {
    const ReportRange r = range;
    ok = ok && measure("agents", period, [&] { return staff.Agents(r); });
    ok = ok && measure("scorecard", period, [&] { return staff.Scorecard(r, std::nullopt); });
    ok = ok && measure("sla", period, [&] { return case_reports.Sla(r); });
    ok = ok && measure("reasons", period, [&] { return case_reports.Reasons(r); });
    ok = ok && measure("warehouse", period, [&] { return case_reports.Warehouse(r); });
    ok = ok && measure("finance", period, [&] { return case_reports.Finance(r); });
  }

  std::printf("\nreport_bench: %lld cases, %lld audit entries, %lld staff events, %.1f MB (%.0f bytes/case)\n",
              static_cast<long long>(n_cases), static_cast<long long>(n_audit), static_cast<long long>(n_events),
              db_bytes / 1e6, n_cases > 0 ? static_cast<double>(db_bytes) / n_cases : 0.0);
  if (fresh) {
    std::printf("loaded in %.1f s: %lld orders and %lld cases through the engine (%lld actions, %lld refused "
                "because a deadline acted first, %lld deadline firings), copied %d times\n",
                load_seconds, static_cast<long long>(totals.orders), static_cast<long long>(totals.cases),
                static_cast<long long>(totals.actions), static_cast<long long>(totals.rejected),
                static_cast<long long>(totals.firings), copies);
  }
  std::printf("baseline: one full scan of the audit table: %.3f s (median of %d)\n\n", baseline, runs);
  std::printf("%-10s %-11s %10s %14s %6s\n", "report", "period", "seconds", "vs baseline", "items");
  json out_rows = json::array();
  for (const auto& m : measured) {
    std::printf("%-10s %-11s %10.3f %13.2fx %6zu\n", m.name.c_str(), m.period.c_str(), m.seconds,
                baseline > 0 ? m.seconds / baseline : 0.0, m.items);
    out_rows.push_back({{"report", m.name}, {"period", m.period}, {"seconds", m.seconds},
                        {"ratio_to_audit_scan", baseline > 0 ? m.seconds / baseline : 0.0}, {"items", m.items}});
  }
  if (!json_path.empty()) {
    json doc = {{"cases", n_cases},       {"audit_entries", n_audit}, {"staff_events", n_events},
                {"db_bytes", db_bytes},   {"load_seconds", load_seconds}, {"baseline_audit_scan_seconds", baseline},
                {"runs", runs},           {"reports", out_rows}};
    std::ofstream(json_path) << doc.dump(2) << "\n";
  }
  store->reset();
  if (temporary) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) { return aftersales::bench::Run(argc, argv); }
