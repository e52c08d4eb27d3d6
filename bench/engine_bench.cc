// engine_bench: durable case actions per second through the real engine
// (CaseService on SqliteStore, synchronous=FULL), against raw SQLite doing
// the same rows in the same run, on the same file system.
//
// Each lifecycle is one return_refund case from start to end: submit
// (buyer), approve (agent), ship_return (buyer), receive with a passed
// inspection (warehouse), refund_issued (finance) — 5 actions, each one
// durable transaction. Its order is created beforehand (not timed). Client
// threads take lifecycles from a shared counter until none are left; each
// runs its lifecycle's actions one after another, as one shop client would.
//
// Rows of the table, each on a fresh database file:
//   baseline single-txn  raw SQLite, one transaction per action
//   baseline batched     raw SQLite, 100 actions per transaction
//   engine N clients     the engine with N client threads, group commit on
//   engine 32, no group  the engine with 32 clients, one COMMIT per command
// (bench/raw_sqlite_baseline.h says what the raw rows are).
//
// Besides actions per second, each engine row gives the single writer's
// figures (db/sqlite/group_commit.h): the time a command holds the writer
// for its own work (target: at most 50 us an action) and the time of a
// COMMIT. The sync of this file system is measured in the same run (an
// fdatasync of 4 KiB written, the median of a series): the 20,000 actions/s
// target is stated for a disk whose sync takes under 1 ms.
//
//   engine_bench [--lifecycles N] [--clients 1,8,32] [--dir DIR] [--json FILE]
//                [--engine-only] [--quick]
//
// --quick (CI): 40 lifecycles per row; asserts nothing about speed, only
// that every lifecycle ended refunded and the audit chain verifies.
// --engine-only: the engine rows with group commit, for profiling.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/raw_sqlite_baseline.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/audit/audit_log.h"
#include "api/json_api.h"
#include "engine/policy_registry.h"
#include "engine/reports/report_common.h"
#include "workflows/policy.h"

namespace aftersales::bench {
namespace {

using nlohmann::json;

// 2026-11-01T00:00:00Z; every order was delivered the day before, so no
// deadline comes due while the clock stands still.
constexpr TimePoint kBenchNow = 1793491200;
constexpr int kActionsPerLifecycle = 5;
constexpr int kBatchedActionsPerTxn = 100;
constexpr int kClientsWithoutGroupCommit = 32;
constexpr std::int64_t kLinePaid = 4000;  // within an agent's approval limit

// The targets this benchmark reports against (figures, not assertions).
constexpr double kTargetSingleClientVsSingleTxn = 0.9;
constexpr double kTargetManyClientsVsBatched = 0.5;
constexpr double kTargetManyClientsActionsPerSecond = 20000;
// ...on a disk whose sync takes less than this.
constexpr double kTargetSyncMillis = 1.0;
// The single writer's own work per action (performance issue, item 3).
constexpr double kTargetWriterMicrosPerAction = 50;
// Deadline firings while 32 clients write (performance issue, item 4).
constexpr double kTargetFiringsPerSecond = 1000;
constexpr int kFiringClients = 32;

struct Row {
  std::string name;
  int clients = 0;  // 0: a raw SQLite baseline
  bool group_commit = false;
  std::int64_t actions = 0;
  double seconds = 0;
  std::int64_t commits = 0;  // transactions (baseline) or COMMITs (engine)
  std::optional<std::int64_t> p50_us, p99_us;
  // Engine rows: the single writer's turns, their own work and the COMMITs.
  std::int64_t writer_turns = 0;
  double writer_held_seconds = 0;
  double commit_seconds = 0;

  double ActionsPerSecond() const { return seconds > 0 ? static_cast<double>(actions) / seconds : 0; }
  // The writer's own work per action (every action one turn; a command
  // refused or undone would hold it too, and count here).
  std::optional<double> WriterMicrosPerAction() const {
    if (writer_turns <= 0 || actions <= 0) return std::nullopt;
    return writer_held_seconds * 1e6 / static_cast<double>(actions);
  }
  std::optional<double> MillisPerCommit() const {
    if (clients == 0 || commits <= 0) return std::nullopt;
    return commit_seconds * 1e3 / static_cast<double>(commits);
  }
};

std::string OrderId(std::int64_t i) { return "o-" + std::to_string(i); }
std::string BuyerId(std::int64_t i) { return "b-" + std::to_string(i); }

Actor StaffActor(const std::string& id, Role role, std::optional<Money> limit = std::nullopt) {
  Actor a;
  a.id = id;
  a.role = role;
  a.limit = limit;
  return a;
}

struct Staff {
  Actor integration = StaffActor("u_integration", Role::kIntegration);
  Actor agent = StaffActor("u_agent", Role::kAgent, 20000);
  Actor warehouse = StaffActor("u_warehouse", Role::kWarehouse);
  Actor finance = StaffActor("u_finance", Role::kFinance);
};

Status AddStaff(Store& store, const Staff& staff) {
  auto txn = store.BeginWrite();
  if (!txn.ok()) return txn.status();
  for (const Actor* a : {&staff.integration, &staff.agent, &staff.warehouse, &staff.finance}) {
    UserRow row;
    row.id = a->id;
    row.name = a->id.substr(2);
    row.role = a->role;
    row.approval_limit = a->limit;
    row.created_at = kBenchNow;
    AS_RETURN_IF_ERROR((*txn)->InsertUser(row));
  }
  return (*txn)->Commit();
}

// Writes the users and one delivered single-line order per lifecycle, with
// fsync off (the load is not timed), then closes the file.
Status PrepareEngineDatabase(const std::string& path, std::int64_t lifecycles, const Staff& staff) {
  ManualClock clock(kBenchNow);
  SqliteStore::Options options;
  options.clock = &clock;
  options.unsafe_bulk_load = true;
  auto store = SqliteStore::Open(path, options);
  if (!store.ok()) return store.status();
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  AS_RETURN_IF_ERROR(AddStaff(**store, staff));
  CaseEngine cases_engine(**store, clock, policies);
  JsonApi cases(cases_engine);
  for (std::int64_t i = 0; i < lifecycles; ++i) {
    const json order = {{"id", OrderId(i)},
                        {"buyer_id", BuyerId(i)},
                        {"currency", "CNY"},
                        {"placed_at", FormatTime(kBenchNow - 4 * kDay)},
                        {"delivered_at", FormatTime(kBenchNow - kDay)},
                        {"shipping_paid", 0},
                        {"lines", json::array({{{"line_id", "l1"},
                                                {"sku", "SKU-" + std::to_string(i % 400)},
                                                {"title", "Tea cup"},
                                                {"qty", 1},
                                                {"paid", kLinePaid}}})}};
    auto created = cases.CreateOrder(staff.integration, order);
    if (!created.ok()) return created.status();
  }
  return Status::Ok();
}

// One lifecycle; appends each action's latency in microseconds and counts
// each action done in `actions` when given.
Status RunLifecycle(JsonApi& cases, const Staff& staff, std::int64_t i, std::vector<std::int64_t>& latencies_us,
                    std::atomic<std::int64_t>* actions = nullptr) {
  Actor buyer;
  buyer.id = "buyer:" + BuyerId(i);
  buyer.role = Role::kBuyer;
  buyer.external_id = BuyerId(i);
  std::string case_id;
  auto timed = [&](auto&& call) -> Result<json> {
    const double t0 = MonotonicSeconds();
    Result<json> out = call();
    latencies_us.push_back(static_cast<std::int64_t>((MonotonicSeconds() - t0) * 1e6));
    if (actions && out.ok()) ++*actions;
    return out;
  };
  auto act = [&](const Actor& actor, const char* action, const json& body) -> Result<json> {
    return timed([&] { return cases.Apply(actor, case_id, action, body); });
  };
  auto submitted = timed([&] {
    return cases.Submit(buyer, {{"order_id", OrderId(i)},
                                {"type", "return_refund"},
                                {"reason", "quality_issue"},
                                {"lines", json::array({{{"line_id", "l1"}, {"qty", 1}}})}});
  });
  if (!submitted.ok()) return submitted.status();
  case_id = submitted->at("id").get<std::string>();
  const std::string n = std::to_string(i);
  const std::pair<const Actor*, std::pair<const char*, json>> steps[] = {
      {&staff.agent, {"approve", json::object()}},
      {&buyer, {"ship_return", {{"carrier", "SF"}, {"tracking_no", "SF" + n}}}},
      {&staff.warehouse,
       {"receive",
        {{"result", "pass"},
         {"grade", "A"},
         {"lines", json::array({{{"line_id", "l1"}, {"received", 1}, {"damaged", 0}}})}}}},
      {&staff.finance, {"refund_issued", {{"external_ref", "PAY-" + n}}}},
  };
  Result<json> last = *submitted;
  for (const auto& [actor, step] : steps) {
    last = act(*actor, step.first, step.second);
    if (!last.ok()) return Status(last.status().code(), std::string(step.first) + ": " + last.status().message());
  }
  if (last->at("state") != "refunded" || last->at("version") != kActionsPerLifecycle) {
    return Status::Internal("case " + case_id + " ended in " + last->at("state").dump() + " at version " +
                            last->at("version").dump());
  }
  return Status::Ok();
}

// The number of audit entries.
Result<std::int64_t> AuditEntries(Store& store) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  auto head = (*txn)->AuditHead();
  if (!head.ok()) return head.status();
  return head->has_value() ? (*head)->seq : 0;
}

// After a run: every case refunded, one per lifecycle, and the audit chain
// intact, with 5 entries per lifecycle after the `entries_before`.
Status CheckOutcome(Store& store, std::int64_t lifecycles, std::int64_t entries_before) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  auto states = (*txn)->CountCasesByState();
  if (!states.ok()) return states.status();
  for (const auto& [state, count] : *states) {
    if (state != State::kRefunded || count != lifecycles) {
      return Status::Internal(std::to_string(count) + " case(s) in state " + NameOf(state) + ", expected " +
                              std::to_string(lifecycles) + " refunded");
    }
  }
  if (states->empty() && lifecycles > 0) return Status::Internal("no cases were written");
  auto verified = AuditLog::Verify(**txn);
  if (!verified.ok()) return verified.status();
  const std::int64_t expected_entries = entries_before + lifecycles * kActionsPerLifecycle;
  if (!verified->ok || verified->entries != expected_entries) {
    return Status::Internal(
        "audit chain: " +
        (verified->ok ? std::to_string(verified->entries) + " entries, expected " + std::to_string(expected_entries)
                      : verified->problem));
  }
  return Status::Ok();
}

Result<Row> RunEngine(const std::string& path, std::int64_t lifecycles, int clients, bool group_commit) {
  const Staff staff;
  AS_RETURN_IF_ERROR(PrepareEngineDatabase(path, lifecycles, staff));
  ManualClock clock(kBenchNow);
  SqliteStore::Options options;
  options.clock = &clock;
  if (!group_commit) options.max_batch = 1;
  auto store = SqliteStore::Open(path, options);
  if (!store.ok()) return store.status();
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  CaseEngine cases_engine(**store, clock, policies);
  JsonApi cases(cases_engine);
  auto entries_before = AuditEntries(**store);
  if (!entries_before.ok()) return entries_before.status();

  std::atomic<std::int64_t> next{0};
  std::mutex mu;
  Status first_error = Status::Ok();
  std::vector<std::vector<std::int64_t>> latencies(clients);
  const SqliteStore::WriteStats before = (*store)->write_stats();
  const double t0 = MonotonicSeconds();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      latencies[c].reserve(static_cast<std::size_t>(lifecycles / clients + 1) * kActionsPerLifecycle);
      for (std::int64_t i = next++; i < lifecycles; i = next++) {
        Status s = RunLifecycle(cases, staff, i, latencies[c]);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          next = lifecycles;  // stop every client
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  Row row;
  row.seconds = MonotonicSeconds() - t0;
  const SqliteStore::WriteStats after = (*store)->write_stats();
  AS_RETURN_IF_ERROR(first_error);
  AS_RETURN_IF_ERROR(CheckOutcome(**store, lifecycles, *entries_before));

  row.clients = clients;
  row.group_commit = group_commit;
  row.name = "engine, " + std::to_string(clients) + (clients == 1 ? " client" : " clients") +
             (group_commit ? "" : ", no group commit");
  row.actions = lifecycles * kActionsPerLifecycle;
  row.commits = after.batches - before.batches;
  row.writer_turns = after.turns - before.turns;
  row.writer_held_seconds = after.held_seconds - before.held_seconds;
  row.commit_seconds = after.commit_seconds - before.commit_seconds;
  std::vector<std::int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  row.p50_us = NearestRank(all, 50);
  row.p99_us = NearestRank(all, 99);
  return row;
}

Result<Row> RunBaseline(const std::string& path, std::int64_t lifecycles, int actions_per_txn) {
  RawBaselineOptions options;
  options.path = path;
  options.cases = lifecycles;
  options.actions_per_case = kActionsPerLifecycle;
  options.actions_per_txn = actions_per_txn;
  auto figures = RunRawSqliteBaseline(options);
  if (!figures.ok()) return figures.status();
  Row row;
  row.name = actions_per_txn == 1 ? "baseline, single-txn" : "baseline, batched " + std::to_string(actions_per_txn);
  row.actions = figures->actions;
  row.seconds = figures->seconds;
  row.commits = figures->transactions;
  return row;
}

// Deadline firings while `clients` write: `firings` cases are submitted
// beforehand (untimed) and the clock then moves 49 h, so that each one's
// merchant_response (48 h) is due; one sweeper thread fires them
// (FireDue, `batch_limit` firings per transaction) while the clients run
// lifecycles on other orders (at most `lifecycles`) until the last one
// fired. Refuses a run whose clients ran out of orders before that. Checks
// that every deadline fired once and the chain verifies.
struct FiringRow {
  int batch_limit = 0;
  std::int64_t firings = 0;
  double sweep_seconds = 0;   // from the start until the last one fired
  double client_actions_per_second = 0;
  double FiringsPerSecond() const { return sweep_seconds > 0 ? firings / sweep_seconds : 0; }
};

Result<FiringRow> RunFiringsUnderLoad(const std::string& path, std::int64_t lifecycles, std::int64_t firings,
                                      int clients, int batch_limit) {
  const Staff staff;
  AS_RETURN_IF_ERROR(PrepareEngineDatabase(path, lifecycles + firings, staff));
  ManualClock clock(kBenchNow);
  auto store = SqliteStore::Open(path, [&] {
    SqliteStore::Options options;
    options.clock = &clock;
    return options;
  }());
  if (!store.ok()) return store.status();
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  CaseEngine cases_engine(**store, clock, policies);
  cases_engine.sweeper().set_batch_limit(batch_limit);
  JsonApi cases(cases_engine);
  for (std::int64_t i = lifecycles; i < lifecycles + firings; ++i) {
    Actor buyer;
    buyer.id = "buyer:" + BuyerId(i);
    buyer.role = Role::kBuyer;
    buyer.external_id = BuyerId(i);
    auto submitted = cases.Submit(buyer, {{"order_id", OrderId(i)},
                                          {"type", "return_refund"},
                                          {"reason", "quality_issue"},
                                          {"lines", json::array({{{"line_id", "l1"}, {"qty", 1}}})}});
    if (!submitted.ok()) return submitted.status();
  }
  clock.AdvanceTo(kBenchNow + 49 * kHour);

  std::atomic<std::int64_t> next{0};
  std::mutex mu;
  Status first_error = Status::Ok();
  auto fail = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.ok()) first_error = s;
    next = lifecycles;
  };
  std::atomic<std::int64_t> done{0};  // client actions
  std::atomic<bool> out_of_orders{false};
  const double t0 = MonotonicSeconds();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> latencies;
      for (std::int64_t i = next++; i < lifecycles; i = next++) {
        Status s = RunLifecycle(cases, staff, i, latencies, &done);
        if (!s.ok()) fail(s);
      }
      if (next >= lifecycles) out_of_orders = true;
    });
  }
  FiringRow row;
  row.batch_limit = batch_limit;
  std::int64_t fired = 0;
  while (fired < firings) {
    auto batch = cases_engine.sweeper().FireDue(1000);
    if (!batch.ok()) {
      fail(batch.status());
      break;
    }
    if (batch->empty()) {
      fail(Status::Internal("a sweep found nothing due with " + std::to_string(firings - fired) + " still to fire"));
      break;
    }
    fired += static_cast<std::int64_t>(batch->size());
  }
  row.sweep_seconds = MonotonicSeconds() - t0;
  const std::int64_t done_during_sweep = done.load();
  const bool starved = out_of_orders.load();
  next = lifecycles;  // the clients stop after their current lifecycle
  for (auto& t : threads) t.join();
  AS_RETURN_IF_ERROR(first_error);
  if (starved) return Status::Internal("the clients ran out of orders before the sweep ended: raise --lifecycles");
  row.firings = fired;
  row.client_actions_per_second = done_during_sweep / row.sweep_seconds;
  if (fired != firings) return Status::Internal("fired " + std::to_string(fired) + " of " + std::to_string(firings));
  auto txn = (*store)->BeginRead();
  if (!txn.ok()) return txn.status();
  auto verified = AuditLog::Verify(**txn);
  if (!verified.ok()) return verified.status();
  if (!verified->ok) return Status::Internal("audit chain: " + verified->problem);
  return row;
}

// The median time of `samples` rounds of writing 4 KiB at the start of a
// file in `dir` and fdatasync()ing it: what one durable COMMIT waits for on
// this file system at least.
Result<double> MedianSyncMillis(const std::string& dir, int samples) {
  const std::string path = (std::filesystem::path(dir) / ("engine_bench_sync_" + std::to_string(::getpid()))).string();
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + path);
  std::vector<char> block(4096, 'x');
  std::vector<double> millis;
  Status status = Status::Ok();
  for (int i = 0; i < samples && status.ok(); ++i) {
    block[0] = static_cast<char>('a' + i % 26);
    const double t0 = MonotonicSeconds();
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()) || ::fdatasync(fd) != 0) {
      status = Status::Unavailable("cannot write and sync " + path);
    }
    millis.push_back((MonotonicSeconds() - t0) * 1e3);
  }
  ::close(fd);
  std::filesystem::remove(path);
  AS_RETURN_IF_ERROR(status);
  std::sort(millis.begin(), millis.end());
  return millis[millis.size() / 2];
}

// `value` with `decimals` digits after the point, or "-" when there is none.
std::string Fixed(const std::optional<double>& value, int decimals) {
  if (!value) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *value);
  return buf;
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

std::string Millis(const std::optional<std::int64_t>& us) {
  if (!us) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *us / 1000.0);
  return buf;
}

json RatioJson(const char* name, const Row* num, const Row* den, double target) {
  json r = {{"name", name}, {"target", target}};
  if (!num || !den || den->ActionsPerSecond() <= 0) {
    r["ratio"] = nullptr;
    r["met"] = nullptr;
    return r;
  }
  const double ratio = num->ActionsPerSecond() / den->ActionsPerSecond();
  r["ratio"] = ratio;
  r["met"] = ratio >= target;
  return r;
}

int Run(int argc, char** argv) {
  CLI::App app{"Durable case actions per second through the engine, against raw SQLite."};
  std::int64_t lifecycles = 2000;
  std::vector<int> client_counts = {1, 8, 32};
  std::string dir;
  std::string json_path;
  bool engine_only = false;
  bool quick = false;
  app.add_option("--lifecycles", lifecycles, "return_refund lifecycles per row (5 actions each)")
      ->check(CLI::PositiveNumber);
  app.add_option("--clients", client_counts, "client thread counts of the engine rows")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024));
  app.add_option("--dir", dir, "directory for the database files (default: the system's temporary directory)");
  app.add_option("--json", json_path, "also write the figures as JSON to this file");
  app.add_flag("--engine-only", engine_only, "only the engine rows with group commit (for profiling)");
  app.add_flag("--quick", quick, "CI mode: 40 lifecycles per row; asserts nothing about speed");
  CLI11_PARSE(app, argc, argv);
  if (quick) lifecycles = 40;
  if (dir.empty()) dir = std::filesystem::temp_directory_path().string();
  const std::string stem = (std::filesystem::path(dir) / ("engine_bench_" + std::to_string(::getpid()))).string();

  std::vector<Row> rows;
  int file_no = 0;
  auto run = [&](const std::function<Result<Row>(const std::string&)>& fn) -> bool {
    const std::string path = stem + "_" + std::to_string(file_no++) + ".db";
    RemoveDatabase(path);
    Result<Row> row = fn(path);
    RemoveDatabase(path);
    if (!row.ok()) {
      std::fprintf(stderr, "engine_bench: %s\n", row.status().message().c_str());
      return false;
    }
    std::fprintf(stderr, "  %-34s %9.0f actions/s\n", row->name.c_str(), row->ActionsPerSecond());
    rows.push_back(*row);
    return true;
  };
  bool ok = true;
  if (!engine_only) {
    ok = ok && run([&](const std::string& p) { return RunBaseline(p, lifecycles, 1); });
    ok = ok && run([&](const std::string& p) { return RunBaseline(p, lifecycles, kBatchedActionsPerTxn); });
  }
  for (int clients : client_counts) {
    ok = ok && run([&](const std::string& p) { return RunEngine(p, lifecycles, clients, true); });
  }
  if (!engine_only) {
    ok = ok && run([&](const std::string& p) { return RunEngine(p, lifecycles, kClientsWithoutGroupCommit, false); });
  }
  std::vector<FiringRow> firing_rows;
  if (!engine_only) {
    const std::int64_t firings = quick ? 200 : 1000;
    const std::int64_t client_orders = quick ? 3000 : 20000;
    for (int limit : {1, 64}) {
      const std::string path = stem + "_" + std::to_string(file_no++) + ".db";
      RemoveDatabase(path);
      auto row = RunFiringsUnderLoad(path, client_orders, firings, kFiringClients, limit);
      RemoveDatabase(path);
      if (!row.ok()) {
        std::fprintf(stderr, "engine_bench: firings: %s\n", row.status().message().c_str());
        return 1;
      }
      std::fprintf(stderr, "  firings under %d clients, %2d per txn %9.0f firings/s\n", kFiringClients, limit,
                   row->FiringsPerSecond());
      firing_rows.push_back(*row);
    }
  }
  if (!ok) return 1;
  auto sync_millis = MedianSyncMillis(dir, quick ? 20 : 200);
  if (!sync_millis.ok()) {
    std::fprintf(stderr, "engine_bench: %s\n", sync_millis.status().message().c_str());
    return 1;
  }

  auto find = [&](int clients, bool group_commit) -> const Row* {
    for (const Row& r : rows) {
      if (r.clients == clients && r.group_commit == group_commit) return &r;
    }
    return nullptr;
  };
  const Row* single_txn = engine_only ? nullptr : &rows[0];
  const Row* batched = engine_only ? nullptr : &rows[1];
  const json ratios = json::array(
      {RatioJson("engine 1 client / baseline single-txn", find(1, true), single_txn, kTargetSingleClientVsSingleTxn),
       RatioJson("engine 32 clients / baseline batched", find(32, true), batched, kTargetManyClientsVsBatched)});

  std::printf("\nengine_bench: %lld return_refund lifecycles (%lld actions) per row, synchronous=FULL, files in %s\n\n",
              static_cast<long long>(lifecycles), static_cast<long long>(lifecycles * kActionsPerLifecycle),
              dir.c_str());
  std::printf("%-34s %11s %9s %8s %9s %9s %13s %10s\n", "row", "actions/s", "seconds", "commits", "p50 ms", "p99 ms",
              "writer us/act", "COMMIT ms");
  json out_rows = json::array();
  for (const Row& r : rows) {
    std::printf("%-34s %11.0f %9.3f %8lld %9s %9s %13s %10s\n", r.name.c_str(), r.ActionsPerSecond(), r.seconds,
                static_cast<long long>(r.commits), Millis(r.p50_us).c_str(), Millis(r.p99_us).c_str(),
                Fixed(r.WriterMicrosPerAction(), 1).c_str(), Fixed(r.MillisPerCommit(), 3).c_str());
    json j = {{"name", r.name},       {"clients", r.clients}, {"group_commit", r.group_commit},
              {"actions", r.actions}, {"seconds", r.seconds}, {"actions_per_second", r.ActionsPerSecond()},
              {"commits", r.commits}};
    j["p50_ms"] = r.p50_us ? json(*r.p50_us / 1000.0) : json(nullptr);
    j["p99_ms"] = r.p99_us ? json(*r.p99_us / 1000.0) : json(nullptr);
    j["writer_us_per_action"] = r.WriterMicrosPerAction() ? json(*r.WriterMicrosPerAction()) : json(nullptr);
    j["commit_ms"] = r.MillisPerCommit() ? json(*r.MillisPerCommit()) : json(nullptr);
    out_rows.push_back(j);
  }
  std::printf("\nfdatasync of 4 KiB in %s: %.3f ms (median of %d)\n\n", dir.c_str(), *sync_millis, quick ? 20 : 200);
  for (const auto& r : ratios) {
    if (r["ratio"].is_null()) continue;
    std::printf("%-40s %6.2f  (target >= %.1f: %s)\n", r["name"].get<std::string>().c_str(), r["ratio"].get<double>(),
                r["target"].get<double>(), r["met"].get<bool>() ? "met" : "NOT met");
  }
  const Row* many = find(32, true);
  json absolute = {{"name", "engine 32 clients actions/s"}, {"target", kTargetManyClientsActionsPerSecond}};
  absolute["value"] = many ? json(many->ActionsPerSecond()) : json(nullptr);
  absolute["met"] = many ? json(many->ActionsPerSecond() >= kTargetManyClientsActionsPerSecond) : json(nullptr);
  if (many) {
    std::printf("%-40s %6.0f  (target >= %.0f on a disk whose sync takes < %.0f ms: %s; this disk's: %.3f ms)\n",
                "engine 32 clients, actions/s", many->ActionsPerSecond(), kTargetManyClientsActionsPerSecond,
                kTargetSyncMillis, absolute["met"].get<bool>() ? "met" : "NOT met", *sync_millis);
  }
  absolute["sync_ms"] = *sync_millis;
  json writer = json::array();
  for (const Row& r : rows) {
    if (!r.group_commit || !r.WriterMicrosPerAction()) continue;
    const double us = *r.WriterMicrosPerAction();
    const bool met = us <= kTargetWriterMicrosPerAction;
    const std::string name = "single writer's work, " + std::to_string(r.clients) + (r.clients == 1 ? " client" : " clients");
    std::printf("%-40s %6.1f  (us an action, target <= %.0f: %s)\n", name.c_str(), us, kTargetWriterMicrosPerAction,
                met ? "met" : "NOT met");
    writer.push_back({{"name", name}, {"clients", r.clients}, {"us_per_action", us},
                      {"target", kTargetWriterMicrosPerAction}, {"met", met}});
  }
  json out_firings = json::array();
  if (!firing_rows.empty()) {
    std::printf("\ndeadline firings while %d clients write, one sweeper (%lld due):\n", kFiringClients,
                static_cast<long long>(firing_rows.front().firings));
    std::printf("%-34s %11s %9s %16s\n", "row", "firings/s", "seconds", "client actions/s");
    for (const FiringRow& f : firing_rows) {
      const std::string name = f.batch_limit == 1 ? "one firing per transaction" : "batched, up to " + std::to_string(f.batch_limit);
      std::printf("%-34s %11.0f %9.3f %16.0f\n", name.c_str(), f.FiringsPerSecond(), f.sweep_seconds,
                  f.client_actions_per_second);
      out_firings.push_back({{"name", name},
                             {"batch_limit", f.batch_limit},
                             {"firings", f.firings},
                             {"seconds", f.sweep_seconds},
                             {"firings_per_second", f.FiringsPerSecond()},
                             {"client_actions_per_second", f.client_actions_per_second}});
    }
    const FiringRow& batched_firings = firing_rows.back();
    std::printf("%-40s %6.0f  (target >= %.0f: %s); %.1fx one per transaction\n", "firings/s under 32 clients",
                batched_firings.FiringsPerSecond(), kTargetFiringsPerSecond,
                batched_firings.FiringsPerSecond() >= kTargetFiringsPerSecond ? "met" : "NOT met",
                firing_rows.front().FiringsPerSecond() > 0
                    ? batched_firings.FiringsPerSecond() / firing_rows.front().FiringsPerSecond()
                    : 0.0);
  }
  if (!json_path.empty()) {
    json doc = {{"lifecycles", lifecycles}, {"dir", dir},       {"actions_per_lifecycle", kActionsPerLifecycle},
                {"rows", out_rows},         {"ratios", ratios}, {"absolute", absolute}, {"writer", writer},
                {"firings_under_load", out_firings}};
    std::ofstream(json_path) << doc.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) { return aftersales::bench::Run(argc, argv); }
