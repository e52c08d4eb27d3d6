// ShopSimulator: fills a database with a realistic after-sales history by
// driving the real engine (CaseService), so every table — cases, deadlines,
// audit chain, staff events, case facts — is exactly what production would
// hold. Cases arrive evenly over `days`; each follows a random but
// plausible life (approvals, rejections and appeals, offers, returns with
// inspections, failed refunds, exchanges, ignored deadlines that the engine
// then acts on); about the last week's cases are still open at the end.
// Deterministic for a seed. For benchmarks and load tests, not for tests of
// behaviour.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/json_api.h"
#include "domain/clock.h"
#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales::bench {

struct SimulationOptions {
  std::int64_t cases = 10'000;
  int days = 365;       // the period the cases arrive over
  TimePoint start = 0;  // when the first case arrives
  std::uint64_t seed = 42;
  int agents = 12;
  int supervisors = 3;
  // A shop's buyer population (docs/reports.md, "Abuse signals"), for
  // measuring the abuse signals: each buyer orders at a rate drawn from a
  // heavy-tailed distribution and returns a share of those orders drawn per
  // buyer (most buyers return a few in ten, a few return most); a case's
  // buyer is drawn by cases a year, and each case comes after the buyer's
  // other orders since their previous case, which are not returned. Off:
  // each case has its own order and buyers are drawn as before.
  bool buyer_population = false;
  // Called now and then with (cases submitted so far, cases in total).
  std::function<void(std::int64_t, std::int64_t)> progress;
};

struct SimulationTotals {
  std::int64_t orders = 0;  // orders created, the unreturned ones of buyer_population included
  std::int64_t cases = 0;
  std::int64_t actions = 0;  // person actions applied
  // Scripted actions the engine refused, by "action: code" — a deadline
  // acted first (the engine closed or moved the case), as in real life.
  std::int64_t rejected = 0;
  std::map<std::string, std::int64_t> refused;
  std::int64_t firings = 0;  // deadlines the engine fired
  // buyer_population: each buyer's id ("p-1", …) and the share of orders the
  // simulation had them return (what a threshold should single out).
  std::map<std::string, double> return_share_of_buyer;
};

// Runs the simulation on `cases` (whose clock must be `clock`, advanced by
// the simulator). Staff users (agent-01…, supervisor-01…, manager-01,
// warehouse-01, finance-01) are written to `store` first.
Result<SimulationTotals> Simulate(Store& store, JsonApi& cases, ManualClock& clock, const SimulationOptions& options);

}  // namespace aftersales::bench
