// risk_bench: what share of a simulated shop's buyers each abuse-signal
// threshold would flag (docs/reports.md, "Abuse signals"), to choose the
// shipped `risk` thresholds. Drives the real engine through the shop
// simulator with a buyer population (bench/shop_simulator.h:
// buyer_population), then reads the signals every submit recorded — they
// are stored whatever the thresholds — and counts, per candidate
// threshold, the buyers with at least one case at or over it.
//
//   risk_bench [--cases N] [--days D] [--seed S] [--quick]
//
// Cases of the first `risk.window_days` are left out of the counts: their
// window reaches back before the simulated history. --quick (CI): 1,500
// cases over 120 days; asserts nothing about the figures.
#include <sqlite3.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/json_api.h"
#include "bench/shop_simulator.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/policy_registry.h"
#include "workflows/policy.h"

namespace aftersales::bench {
namespace {

using nlohmann::json;

// 2025-12-01T00:00:00Z.
constexpr TimePoint kHistoryStart = 1764547200;

// What a submit recorded about its buyer (the case's `risk.signals`).
struct Signals {
  std::string buyer_id;
  std::int64_t cases = 0;
  std::int64_t refund_only_cases = 0;
  Money refunded_amount = 0;
  std::int64_t orders = 0;
};

// One candidate threshold: its label and whether a case's signals reach it.
struct Candidate {
  std::string label;
  std::function<bool(const Signals&)> flags;
};

bool RateReaches(const Signals& s, std::int64_t min_orders, std::int64_t percent) {
  return s.orders >= min_orders && s.orders > 0 && 100 * s.cases / s.orders >= percent;
}

bool ReachesAny(const Signals& s, const RiskPolicy& p) {
  return s.cases >= p.cases || s.refund_only_cases >= p.refund_only_cases || s.refunded_amount >= p.refunded_amount ||
         RateReaches(s, p.min_orders_for_rate, p.return_rate_percent);
}

std::vector<Signals> ReadSignals(const std::string& db_path, TimePoint from) {
  std::vector<Signals> out;
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT buyer_id, doc FROM cases WHERE created_at >= ?", -1, &stmt, nullptr);
  sqlite3_bind_int64(stmt, 1, from);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const json doc = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
    // The system's late compensations (SPEC §10.4) carry no risk signals.
    if (!doc.contains("risk") || doc["risk"].is_null()) continue;
    const json& s = doc.at("risk").at("signals");
    out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), s.at("cases").get<std::int64_t>(),
                   s.at("refund_only_cases").get<std::int64_t>(), s.at("refunded_amount").get<Money>(),
                   s.at("orders").get<std::int64_t>()});
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return out;
}

double Percent(std::size_t part, std::size_t whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

// Buyers with at least one flagged case, and flagged cases.
std::pair<std::size_t, std::size_t> Count(const std::vector<Signals>& cases,
                                          const std::function<bool(const Signals&)>& flags) {
  std::set<std::string> buyers;
  std::size_t flagged = 0;
  for (const auto& s : cases) {
    if (!flags(s)) continue;
    ++flagged;
    buyers.insert(s.buyer_id);
  }
  return {buyers.size(), flagged};
}

void PrintTable(const char* title, const std::vector<Candidate>& candidates, const std::vector<Signals>& cases,
                std::size_t buyers) {
  std::printf("\n%s\n\n| threshold | buyers flagged | cases flagged |\n|---|---|---|\n", title);
  for (const auto& c : candidates) {
    const auto [b, n] = Count(cases, c.flags);
    std::printf("| %s | %.2f %% (%zu) | %.2f %% |\n", c.label.c_str(), Percent(b, buyers), b, Percent(n, cases.size()));
  }
}

int Run(int argc, char** argv) {
  CLI::App app{"risk_bench: the share of a simulated shop's buyers each abuse-signal threshold flags"};
  std::int64_t cases = 20000;
  int days = 365;
  std::uint64_t seed = 42;
  bool quick = false;
  app.add_option("--cases", cases, "cases to simulate")->capture_default_str();
  app.add_option("--days", days, "days they arrive over")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_flag("--quick", quick, "1,500 cases over 120 days (CI)");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    cases = 1500;
    days = 120;
  }
  const Policy shipped = DefaultPolicy();
  const int window = shipped.risk.window_days;
  if (days <= window) {
    std::fprintf(stderr, "risk_bench: --days must exceed the risk window (%d days)\n", window);
    return 2;
  }

  const std::string db_path =
      (std::filesystem::temp_directory_path() / ("aftersales-risk-bench-" + std::to_string(::getpid()) + ".db"))
          .string();
  ManualClock clock(kHistoryStart - kDay);
  SimulationTotals totals;
  {
    SqliteStore::Options options;
    options.clock = &clock;
    options.unsafe_bulk_load = true;  // a throw-away database
    auto store = SqliteStore::Open(db_path, options);
    if (!store.ok()) {
      std::fprintf(stderr, "risk_bench: %s\n", store.status().message().c_str());
      return 2;
    }
    PolicyRegistry policies(**store);
    if (Status s = policies.Initialize(shipped, clock.Now()); !s.ok()) {
      std::fprintf(stderr, "risk_bench: %s\n", s.message().c_str());
      return 2;
    }
    CaseEngine engine(**store, clock, policies);
    JsonApi api(engine);
    SimulationOptions simulation;
    simulation.cases = cases;
    simulation.days = days;
    simulation.start = kHistoryStart;
    simulation.seed = seed;
    simulation.buyer_population = true;
    auto simulated = Simulate(**store, api, clock, simulation);
    if (!simulated.ok()) {
      std::fprintf(stderr, "risk_bench: simulation failed: %s\n", simulated.status().message().c_str());
      return 2;
    }
    totals = std::move(*simulated);
  }
  const std::vector<Signals> measured = ReadSignals(db_path, kHistoryStart + window * kDay);
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix, ignored);

  std::set<std::string> buyer_set;
  for (const auto& s : measured) buyer_set.insert(s.buyer_id);
  const std::size_t buyers = buyer_set.size();
  std::printf(
      "risk_bench: %lld cases and %lld orders over %d days (seed %llu), %zu buyers in the population;\n"
      "measured: the %zu cases submitted after day %d, by %zu buyers.\n",
      static_cast<long long>(totals.cases), static_cast<long long>(totals.orders), days,
      static_cast<unsigned long long>(seed), totals.return_share_of_buyer.size(), measured.size(), window, buyers);

  std::vector<Candidate> by_cases;
  for (std::int64_t n : {3, 4, 5, 6, 8, 10, 12}) {
    by_cases.push_back({"cases >= " + std::to_string(n), [n](const Signals& s) { return s.cases >= n; }});
  }
  PrintTable("Cases in the window", by_cases, measured, buyers);
  std::vector<Candidate> by_refund_only;
  for (std::int64_t n : {2, 3, 4, 5, 6, 8}) {
    by_refund_only.push_back(
        {"refund_only_cases >= " + std::to_string(n), [n](const Signals& s) { return s.refund_only_cases >= n; }});
  }
  PrintTable("Refund-only cases in the window", by_refund_only, measured, buyers);
  std::vector<Candidate> by_amount;
  for (Money n : {50000, 100000, 200000, 300000, 500000, 1000000}) {
    by_amount.push_back(
        {"refunded_amount >= " + std::to_string(n), [n](const Signals& s) { return s.refunded_amount >= n; }});
  }
  PrintTable("Refunded in the window (minor units)", by_amount, measured, buyers);
  std::vector<Candidate> by_rate;
  for (std::int64_t min_orders : {3, 5, 8, 10}) {
    for (std::int64_t percent : {50, 60, 70, 80, 90}) {
      by_rate.push_back({"rate >= " + std::to_string(percent) + " % from " + std::to_string(min_orders) + " orders",
                         [=](const Signals& s) { return RateReaches(s, min_orders, percent); }});
    }
  }
  PrintTable("Return rate (cases / orders in the window)", by_rate, measured, buyers);

  // The shipped thresholds against v2.1's and a looser and a stricter set,
  // and whom each flags: by the share of orders the simulation had each
  // buyer return.
  auto thresholds = [](std::int64_t cases, std::int64_t refund_only, Money refunded, std::int64_t rate,
                       std::int64_t min_orders) {
    return RiskPolicy{90, cases, refund_only, refunded, rate, min_orders, true};
  };
  const std::vector<std::pair<std::string, RiskPolicy>> sets = {
      {"v2.1: 6, 4, 200000, 60 % from 3", thresholds(6, 4, 200000, 60, 3)},
      {"looser: 6, 5, 200000, 70 % from 5", thresholds(6, 5, 200000, 70, 5)},
      {"shipped: " + std::to_string(shipped.risk.cases) + ", " + std::to_string(shipped.risk.refund_only_cases) + ", " +
           std::to_string(shipped.risk.refunded_amount) + ", " + std::to_string(shipped.risk.return_rate_percent) +
           " % from " + std::to_string(shipped.risk.min_orders_for_rate),
       shipped.risk},
      {"stricter: 10, 8, 500000, 90 % from 10", thresholds(10, 8, 500000, 90, 10)}};
  std::printf(
      "\nAll four together (cases, refund_only_cases, refunded_amount, return rate)\n\n"
      "| thresholds | buyers flagged | of those returning < 35 %% | 35-70 %% | >= 70 %% | cases flagged |\n"
      "|---|---|---|---|---|---|\n");
  for (const auto& [label, policy] : sets) {
    std::set<std::string> flagged;
    std::size_t flagged_cases = 0;
    for (const auto& s : measured) {
      if (!ReachesAny(s, policy)) continue;
      ++flagged_cases;
      flagged.insert(s.buyer_id);
    }
    std::size_t by_class[3] = {0, 0, 0};
    for (const auto& b : flagged) {
      const double share = totals.return_share_of_buyer.at(b);
      ++by_class[share < 0.35 ? 0 : share < 0.70 ? 1 : 2];
    }
    std::printf("| %s | %.2f %% (%zu) | %zu | %zu | %zu | %.2f %% |\n", label.c_str(), Percent(flagged.size(), buyers),
                flagged.size(), by_class[0], by_class[1], by_class[2], Percent(flagged_cases, measured.size()));
  }
  std::size_t in_class[3] = {0, 0, 0};
  for (const auto& b : buyer_set) {
    const double share = totals.return_share_of_buyer.at(b);
    ++in_class[share < 0.35 ? 0 : share < 0.70 ? 1 : 2];
  }
  std::printf("| (buyers measured) | %zu | %zu | %zu | %zu | |\n", buyers, in_class[0], in_class[1], in_class[2]);
  return 0;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) { return aftersales::bench::Run(argc, argv); }
