// scale_bench: what one small machine does with 10,000, 100,000 and
// 1,000,000 cases. For each size it builds a fresh database
// (bench/case_generator.h: a simulated shop year copied to size, audit
// chain re-hashed) and measures, each against its target:
//   - the agent's queue page (GET /cases: open states by due
//     date, 50 rows; page 1 and pages 2..10 by cursor; and page 1 of
//     the agent's own, assignee=me, whose history grows with the size):
//     p99 < 5 ms;
//   - the deadline sweep (DeadlineSweeper::FireDue) finding nothing due, and firing
//     a fixed number of due deadlines: independent of the number of cases;
//   - `aftersales serve` start-up until GET /healthz answers: < 1 s;
//   - that server's VmRSS after start and after a burst of queue and case
//     requests: < 100 MB;
//   - database bytes per case (file + WAL after a checkpoint) and what
//     takes them (dbstat); then, after the outbox's retention sweep of the
//     shipped 30 days (WebhookService::PruneOutbox) at the end of the
//     simulated year, the bytes in use per case (free pages, which the
//     file reuses, not counted): <= 4 KB;
//   - `aftersales audit verify` throughput against raw SHA-256 (OpenSSL)
//     over the same canonical bytes in this process: >= 0.5x.
//
//   scale_bench [--cases 10000,100000,1000000] [--base 10000] [--dir DIR]
//               [--bin PATH] [--json FILE] [--runs N] [--keep] [--reuse] [--quick]
//
// --keep leaves the databases in --dir; --reuse measures those again
// without generating (the sweeps fire deadlines in them, so each reuse
// starts from a slightly later state).
//
// --quick (CTest): 2,000 cases (1,000 simulated, copied twice), few runs;
// asserts nothing about speed, but fails unless the database holds the
// requested cases, verifies, serves and answers every measured call.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/case_generator.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/audit/audit_log.h"
#include "api/json_api.h"
#include "engine/policy_registry.h"
#include "engine/users/user_service.h"
#include "engine/webhooks/webhook_service.h"
#include "workflows/policy.h"

extern char** environ;

namespace aftersales::bench {
namespace {

using nlohmann::json;

constexpr double kQueueP99TargetMs = 5;
constexpr double kStartTargetSeconds = 1;
constexpr double kBytesPerCaseTarget = 4096;  // after the outbox retention
constexpr double kRssTargetMb = 100;
constexpr double kVerifyRatioTarget = 0.5;
constexpr int kPageSize = 50;
constexpr int kPagesWalked = 10;  // page 1, then pages 2..10 by cursor
constexpr std::size_t kHashBatch = 8192;
constexpr double kServerTimeoutSeconds = 60;
constexpr double kVerifyTimeoutSeconds = 3600;
// A figure that was not measured (nothing to time, a reused database, a
// server that did not start): "-" in the table, null in the JSON, and never
// a met target.
constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- figures

struct Percentiles {
  double p50 = kNotMeasured, p99 = kNotMeasured, max = kNotMeasured;
  std::size_t n = 0;
};

// Nearest-rank percentiles of `ms`.
Percentiles Summarize(std::vector<double> ms) {
  Percentiles p;
  p.n = ms.size();
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double q) {
    const auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::min(ms.size(), std::max<std::size_t>(r, 1)) - 1];
  };
  p.p50 = rank(0.50);
  p.p99 = rank(0.99);
  p.max = ms.back();
  return p;
}

json ToJson(const Percentiles& p) { return {{"p50_ms", p.p50}, {"p99_ms", p.p99}, {"max_ms", p.max}, {"n", p.n}}; }

template <class F>
double TimeMs(F&& f) {
  const double t0 = MonotonicSeconds();
  f();
  return (MonotonicSeconds() - t0) * 1000;
}

struct Shape {
  std::int64_t cases = 0, orders = 0, audit = 0, outbox = 0, texts = 0, staff_events = 0;
  std::int64_t open_cases = 0, breached_cases = 0;
  std::map<std::string, std::int64_t> deadlines;  // by status
  std::map<std::string, std::int64_t> states, types;
};

struct Bytes {
  std::int64_t file = 0, wal = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_table;   // table with its indexes, largest first
  std::vector<std::pair<std::string, std::int64_t>> by_object;  // each b-tree, largest first
  std::map<std::string, std::int64_t> columns;                  // bytes of the big text columns
};

struct VerifyFigures {
  int exit_code = -1;
  double seconds = 0;
  std::int64_t entries = 0;
  std::int64_t canonical_bytes = 0;  // prev_hash + canonical JSON, summed
  double sha256_seconds = 0;         // baseline: hashing those bytes alone
  std::int64_t digest_mismatches = 0;
  // Where the time of one entry goes, summed over the log (this process):
  double parse_seconds = 0;         // json::parse of the stored data
  double canonical_seconds = 0;     // CanonicalJson of the whole entry
  double compute_hash_seconds = 0;  // AuditLog::ComputeHash, the engine's own path
};

struct ServerFigures {
  std::vector<double> start_seconds;
  double rss_start_mb = kNotMeasured, rss_burst_mb = kNotMeasured, hwm_mb = kNotMeasured;
  Percentiles http_queue;
  int requests = 0, failures = 0;
  bool healthy = false;
};

struct SweepFigures {
  std::int64_t caught_up = 0;  // fired by the first sweep (due since the data was made)
  Percentiles idle;
  std::vector<double> fire_ms;  // one per round
  std::vector<int> fired;
};

struct QueueFigures {
  Percentiles open_first, open_next, decisions_first;
  Percentiles mine_first;       // assignee=me: the agent's own open cases
  Percentiles open_first_rows;  // the store's query alone (ReadTxn::ListCases), no decoding or rendering
  Percentiles open_first_sql;   // every read the page makes: the query, then each case's deadlines and texts
  std::size_t first_page_items = 0;
  std::int64_t open_cases = 0;  // when the queue was measured
  int failures = 0;
};

// The outbox's retention sweep and what it leaves.
struct RetentionFigures {
  std::int64_t events_deleted = 0;
  double seconds = 0;
  std::int64_t bytes_in_use = 0;  // file + WAL - free pages, after the sweep
  std::int64_t outbox_left = 0;
};

struct SizeResult {
  std::int64_t requested = 0;
  LoadStats load;
  Shape shape;
  Bytes bytes;
  RetentionFigures retention;
  VerifyFigures verify;
  ServerFigures server;
  QueueFigures queue;
  SweepFigures sweep;
};

// ---------------------------------------------------------------- SQLite

struct ReadConnection {
  sqlite3* db = nullptr;
  explicit ReadConnection(const std::string& path, int flags = SQLITE_OPEN_READONLY) {
    sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  }
  ~ReadConnection() { sqlite3_close_v2(db); }

  std::int64_t Int(const std::string& sql) const {
    std::int64_t v = -1;
    Rows(sql, [&](sqlite3_stmt* s) { v = sqlite3_column_int64(s, 0); });
    return v;
  }
  void Rows(const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "scale_bench: %s in: %s\n", sqlite3_errmsg(db), sql.c_str());
      return;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
  }
};

std::string Text(sqlite3_stmt* s, int i) {
  const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return t ? t : "";
}

Shape Describe(const std::string& path) {
  ReadConnection c(path);
  Shape s;
  s.cases = c.Int("SELECT COUNT(*) FROM cases");
  s.orders = c.Int("SELECT COUNT(*) FROM orders");
  s.audit = c.Int("SELECT COUNT(*) FROM audit");
  s.outbox = c.Int("SELECT COUNT(*) FROM outbox");
  s.texts = c.Int("SELECT COUNT(*) FROM texts");
  s.staff_events = c.Int("SELECT COUNT(*) FROM staff_events");
  s.breached_cases = c.Int("SELECT COUNT(*) FROM cases WHERE breached = 1");
  c.Rows("SELECT status, COUNT(*) FROM deadlines GROUP BY status",
         [&](sqlite3_stmt* r) { s.deadlines[Text(r, 0)] = sqlite3_column_int64(r, 1); });
  c.Rows("SELECT state, COUNT(*) FROM cases GROUP BY state",
         [&](sqlite3_stmt* r) { s.states[Text(r, 0)] = sqlite3_column_int64(r, 1); });
  c.Rows("SELECT type, COUNT(*) FROM cases GROUP BY type",
         [&](sqlite3_stmt* r) { s.types[Text(r, 0)] = sqlite3_column_int64(r, 1); });
  for (const auto& [state, n] : s.states) {
    if (auto parsed = ParseState(state); parsed && !IsTerminal(*parsed)) s.open_cases += n;
  }
  return s;
}

std::int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

Bytes MeasureBytes(const std::string& path) {
  Bytes b;
  {
    ReadConnection c(path, SQLITE_OPEN_READWRITE);
    c.Rows("PRAGMA wal_checkpoint(TRUNCATE)", [](sqlite3_stmt*) {});
    b.file = FileSize(path);
    b.wal = FileSize(path + "-wal");
    c.Rows(
        "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name"
        " GROUP BY m.tbl_name ORDER BY 2 DESC",
        [&](sqlite3_stmt* r) { b.by_table.emplace_back(Text(r, 0), sqlite3_column_int64(r, 1)); });
    c.Rows("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12",
           [&](sqlite3_stmt* r) { b.by_object.emplace_back(Text(r, 0), sqlite3_column_int64(r, 1)); });
    const std::pair<const char*, const char*> columns[] = {
        {"audit.data", "SELECT SUM(length(CAST(data AS BLOB))) FROM audit"},
        {"audit.prev_hash+hash", "SELECT SUM(length(prev_hash) + length(hash)) FROM audit"},
        {"cases.doc", "SELECT SUM(length(CAST(doc AS BLOB))) FROM cases"},
        {"outbox.payload", "SELECT SUM(length(CAST(payload AS BLOB))) FROM outbox"},
    };
    for (const auto& [name, sql] : columns) b.columns[name] = c.Int(sql);
  }
  return b;
}

// The shipped retention (30 days) swept at the end of the simulated year:
// its cases were created over a year, so about eleven months of events go.
// No webhook is registered, so every event is fanned out to nobody first,
// as a running server's dispatcher does.
Status MeasureRetention(const std::string& path, RetentionFigures* out) {
  TimePoint year_end = 0;
  {
    ReadConnection c(path);
    year_end = c.Int("SELECT MAX(created_at) FROM cases");
  }
  {
    auto store = SqliteStore::Open(path);
    if (!store.ok()) return store.status();
    ManualClock at(year_end);
    WebhookService hooks(**store, at, at);
    for (;;) {
      auto fanned = hooks.FanOut(5000);
      if (!fanned.ok()) return fanned.status();
      if (fanned->events < 5000) break;
    }
    const double t0 = MonotonicSeconds();
    auto pruned = hooks.PruneOutbox(std::int64_t{DefaultPolicy().webhook_retention_days} * kDay, 500);
    if (!pruned.ok()) return pruned.status();
    out->seconds = MonotonicSeconds() - t0;
    out->events_deleted = pruned->events;
  }
  ReadConnection c(path, SQLITE_OPEN_READWRITE);
  c.Rows("PRAGMA wal_checkpoint(TRUNCATE)", [](sqlite3_stmt*) {});
  const std::int64_t free_bytes = c.Int("PRAGMA freelist_count") * c.Int("PRAGMA page_size");
  out->bytes_in_use = FileSize(path) + FileSize(path + "-wal") - free_bytes;
  out->outbox_left = c.Int("SELECT COUNT(*) FROM outbox");
  return Status::Ok();
}

// ---------------------------------------------------------------- processes

// Starts `argv` (argv[0] a path) with stdout written to `stdout_path` and
// stderr appended to `log_path`. Returns the child's pid, -1 on failure.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits for `pid` to exit; after `timeout` seconds sends SIGKILL. Returns its
// exit code, or -1 when it did not exit by itself.
int WaitExit(pid_t pid, double timeout) {
  const double deadline = MonotonicSeconds() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (MonotonicSeconds() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    SleepForMillis(5);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Running(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == 0;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// VmRSS and VmHWM of `pid`, in MB (10^6 bytes, as every size here).
std::pair<double, double> MemoryOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  double rss = kNotMeasured, hwm = kNotMeasured;
  std::string line;
  while (std::getline(status, line)) {
    std::istringstream in(line);
    std::string key;
    double kb = 0;
    in >> key >> kb;
    if (key == "VmRSS:") rss = kb * 1024 / 1e6;
    if (key == "VmHWM:") hwm = kb * 1024 / 1e6;
  }
  return {rss, hwm};
}

// ---------------------------------------------------------------- verify

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `aftersales audit verify` on the file, timed from exec to exit.
void RunVerify(const std::string& bin, const std::string& db, const std::string& dir, VerifyFigures* v) {
  const std::string out = dir + "/verify.out";
  const double t0 = MonotonicSeconds();
  const pid_t pid = Spawn({bin, "audit", "verify", "--db", db}, out, dir + "/verify.log");
  if (pid < 0) return;
  v->exit_code = WaitExit(pid, kVerifyTimeoutSeconds);
  v->seconds = MonotonicSeconds() - t0;
  const std::string text = ReadFile(out);
  const std::string marker = "audit log ok: ";
  if (auto at = text.find(marker); at != std::string::npos) v->entries = std::stoll(text.substr(at + marker.size()));
}

json OptionalText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

// The baseline: SHA-256 (OpenSSL, one digest per entry, as verify does) over
// exactly the bytes the chain hashes, prev_hash + canonical entry (SPEC §7).
// Building the bytes is not timed; each digest is compared with the stored
// hash (not timed either), which proves the bytes are the hashed ones. The
// same pass times the steps of the engine's hash: parsing the data,
// canonicalizing the entry, and AuditLog::ComputeHash as a whole (the
// parse-and-canonicalize path, which verify takes only to explain a failure).
Status MeasureSha256(Store& store, VerifyFigures* v) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* sha256 = EVP_sha256();
  std::vector<std::string> bytes, hashes;
  std::vector<std::array<unsigned char, 32>> digests(kHashBatch);
  auto flush = [&] {
    const double t0 = MonotonicSeconds();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      unsigned int len = 0;
      EVP_DigestInit_ex(ctx, sha256, nullptr);
      EVP_DigestUpdate(ctx, bytes[i].data(), bytes[i].size());
      EVP_DigestFinal_ex(ctx, digests[i].data(), &len);
    }
    v->sha256_seconds += MonotonicSeconds() - t0;
    static const char* kHex = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      std::string hex;
      for (unsigned char c : digests[i]) {
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
      }
      if (hex != hashes[i]) ++v->digest_mismatches;
    }
    bytes.clear();
    hashes.clear();
  };
  Status failed = Status::Ok();
  Status scanned = (*txn)->ScanAudit([&](const AuditRow& row) {
    double t0 = MonotonicSeconds();
    json data = json::parse(row.data, nullptr, false);
    v->parse_seconds += MonotonicSeconds() - t0;
    json entry = {{"seq", row.seq},
                  {"at", row.at},
                  {"actor", {{"id", row.actor_id}, {"role", row.actor_role}}},
                  {"case_id", OptionalText(row.case_id)},
                  {"action", row.action},
                  {"from_state", OptionalText(row.from_state)},
                  {"to_state", OptionalText(row.to_state)},
                  {"data", std::move(data)},
                  {"prev_hash", row.prev_hash}};
    t0 = MonotonicSeconds();
    Result<std::string> canonical = CanonicalJson(entry);
    v->canonical_seconds += MonotonicSeconds() - t0;
    t0 = MonotonicSeconds();
    const std::string engine_hash = AuditLog::ComputeHash(row);
    v->compute_hash_seconds += MonotonicSeconds() - t0;
    if (engine_hash != row.hash) ++v->digest_mismatches;
    if (!canonical.ok()) {
      failed = canonical.status();
      return false;
    }
    bytes.push_back(row.prev_hash + *canonical);
    v->canonical_bytes += static_cast<std::int64_t>(bytes.back().size());
    hashes.push_back(row.hash);
    if (bytes.size() == kHashBatch) flush();
    return true;
  });
  flush();
  EVP_MD_CTX_free(ctx);
  if (!scanned.ok()) return scanned;
  return failed;
}

// ---------------------------------------------------------------- server

std::vector<std::string> OpenStates() {
  std::vector<std::string> states;
  for (int i = 0; i < kStateCount; ++i) {
    const auto s = static_cast<State>(i);
    if (!IsTerminal(s)) states.push_back(NameOf(s));
  }
  return states;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// The agent's day in requests: the queue, its next pages, a few cases and a
// timeline. Returns the queue-page latencies (ms); counts requests and
// failures.
std::vector<double> Burst(int port, const std::string& token, int iterations, int* requests, int* failures) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(30, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  const std::string queue =
      "/api/v1/cases?sort=due_at&limit=" + std::to_string(kPageSize) + "&state=" + Joined(OpenStates());
  std::vector<double> queue_ms;
  auto get = [&](const std::string& path, json* body) {
    ++*requests;
    const double t0 = MonotonicSeconds();
    auto res = client.Get(path.c_str(), auth);
    const double ms = (MonotonicSeconds() - t0) * 1000;
    if (!res || res->status != 200) {
      ++*failures;
      return -1.0;
    }
    if (body) *body = json::parse(res->body, nullptr, false);
    return ms;
  };
  constexpr int kPagesPerIteration = 5;
  constexpr int kCasesPerIteration = 5;
  for (int i = 0; i < iterations; ++i) {
    std::string cursor;
    std::vector<std::string> ids;
    for (int page = 0; page < kPagesPerIteration; ++page) {
      json body;
      const double ms = get(queue + (cursor.empty() ? "" : "&cursor=" + cursor), &body);
      if (ms < 0 || !body.is_object()) break;
      queue_ms.push_back(ms);
      for (const auto& item : body["items"]) ids.push_back(item.value("id", ""));
      if (!body["next_cursor"].is_string()) break;
      cursor = body["next_cursor"].get<std::string>();
    }
    for (int c = 0; c < kCasesPerIteration && !ids.empty(); ++c) {
      get("/api/v1/cases/" + ids[static_cast<std::size_t>(i * 7 + c * 13) % ids.size()], nullptr);
    }
    if (!ids.empty()) get("/api/v1/cases/" + ids[static_cast<std::size_t>(i) % ids.size()] + "/timeline", nullptr);
  }
  return queue_ms;
}

// A fresh agent with a bearer token, made through the engine (its audit
// entry is chained as any other).
Result<std::string> CreateAgent(const std::string& db) {
  auto store = SqliteStore::Open(db);
  if (!store.ok()) return store.status();
  SystemClock clock;
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  UserService users(**store, clock, policies, clock);
  Actor admin;
  admin.id = "scale-bench";
  admin.role = Role::kAdmin;
  NewUser agent;
  agent.name = "scale-bench-agent-" + std::to_string(getpid()) + "-" + std::to_string(clock.Now());
  agent.role = Role::kAgent;
  auto created = users.CreateUser(admin, agent);
  if (!created.ok()) return created.status();
  return created->token;
}

void MeasureServer(const std::string& bin, const std::string& db, const std::string& dir, int starts,
                   int burst_iterations, ServerFigures* f) {
  auto token = CreateAgent(db);
  if (!token.ok()) {
    std::fprintf(stderr, "scale_bench: cannot create the agent: %s\n", token.status().message().c_str());
    return;
  }
  for (int run = 0; run < starts; ++run) {
    const int port = FreePort();
    const double t0 = MonotonicSeconds();
    const pid_t pid = Spawn({bin, "serve", "--db", db, "--listen", "127.0.0.1:" + std::to_string(port)},
                            dir + "/serve.out", dir + "/serve.log");
    if (pid < 0) return;
    httplib::Client probe("127.0.0.1", port);
    probe.set_connection_timeout(0, 200'000);
    bool healthy = false;
    while (!healthy && Running(pid) && MonotonicSeconds() - t0 < kServerTimeoutSeconds) {
      auto res = probe.Get("/healthz");
      healthy = res && res->status == 200;
      if (!healthy) SleepForMillis(2);
    }
    if (healthy) f->start_seconds.push_back(MonotonicSeconds() - t0);
    f->healthy = healthy;
    if (healthy && run + 1 == starts) {
      f->rss_start_mb = MemoryOf(pid).first;
      // Two agents at once (the machine has two cores).
      std::vector<double> a, b;
      int req_a = 0, req_b = 0, fail_a = 0, fail_b = 0;
      std::thread other([&] { b = Burst(port, *token, burst_iterations, &req_b, &fail_b); });
      a = Burst(port, *token, burst_iterations, &req_a, &fail_a);
      other.join();
      a.insert(a.end(), b.begin(), b.end());
      f->http_queue = Summarize(a);
      f->requests = req_a + req_b;
      f->failures = fail_a + fail_b;
      std::tie(f->rss_burst_mb, f->hwm_mb) = MemoryOf(pid);
    }
    kill(pid, SIGTERM);
    WaitExit(pid, kServerTimeoutSeconds);
    if (!healthy) return;
  }
}

// ---------------------------------------------------------------- engine

Actor Agent() {
  Actor a;
  a.id = "u_agent-01";  // bench/shop_simulator.cc's first agent
  a.role = Role::kAgent;
  a.limit = 20000;
  return a;
}

void MeasureQueue(Store& store, JsonApi& service, int runs, QueueFigures* q) {
  const Actor agent = Agent();
  CaseListParams open;
  open.states = OpenStates();
  open.sort = "due_at";
  open.limit = std::to_string(kPageSize);
  CaseListParams decisions = open;
  decisions.states = {NameOf(State::kRequested), NameOf(State::kPendingApproval), NameOf(State::kInspectionFailed)};

  auto page = [&](const CaseListParams& query, std::vector<double>* ms) -> json {
    // Timed as the route serves it (the page's text); parsed after, to walk it.
    Result<std::string> out = Result<std::string>(Status::Internal("not run"));
    const double t = TimeMs([&] { out = service.ListCasesText(agent, query); });
    if (!out.ok()) {
      ++q->failures;
      return json();
    }
    if (ms) ms->push_back(t);
    return json::parse(*out);
  };
  constexpr int kWarmUp = 10;
  for (int i = 0; i < kWarmUp; ++i) page(open, nullptr);
  std::vector<double> first, next, decision_first;
  for (int i = 0; i < runs; ++i) {
    const json body = page(open, &first);
    if (i == 0 && body.is_object()) q->first_page_items = body["items"].size();
  }
  for (int walk = 0; walk < std::max(1, runs / kPagesWalked); ++walk) {
    CaseListParams query = open;
    json body = page(query, nullptr);
    for (int p = 2; p <= kPagesWalked && body.is_object() && body["next_cursor"].is_string(); ++p) {
      query.cursor = body["next_cursor"].get<std::string>();
      body = page(query, &next);
    }
  }
  for (int i = 0; i < runs; ++i) page(decisions, &decision_first);
  CaseListParams mine = open;
  mine.assignee = "me";
  std::vector<double> mine_first;
  for (int i = 0; i < runs; ++i) page(mine, &mine_first);
  // The same first page as the engine asks the store for it: rows only.
  CaseFilter rows_filter;
  for (const auto& name : open.states) rows_filter.states.push_back(*ParseState(name));
  rows_filter.sort_by_due = true;
  rows_filter.limit = kPageSize + 1;
  std::vector<double> rows_ms, sql_ms;
  for (int i = 0; i < runs; ++i) {
    rows_ms.push_back(TimeMs([&] {
      auto txn = store.BeginRead();
      if (!txn.ok() || !(*txn)->ListCases(rows_filter).ok()) ++q->failures;
    }));
  }
  for (int i = 0; i < runs; ++i) {
    sql_ms.push_back(TimeMs([&] {
      auto txn = store.BeginRead();
      if (!txn.ok()) {
        ++q->failures;
        return;
      }
      auto rows = (*txn)->ListCases(rows_filter);
      if (!rows.ok()) {
        ++q->failures;
        return;
      }
      for (std::size_t k = 0; k < rows->size() && k < static_cast<std::size_t>(kPageSize); ++k) {
        if (!(*txn)->ListedDeadlines((*rows)[k].id).ok() || !(*txn)->TextsOfCase((*rows)[k].id).ok()) ++q->failures;
      }
    }));
  }
  q->open_first_rows = Summarize(rows_ms);
  q->open_first_sql = Summarize(sql_ms);
  q->open_first = Summarize(first);
  q->open_next = Summarize(next);
  q->decisions_first = Summarize(decision_first);
  q->mine_first = Summarize(mine_first);
}

// Sweeps with nothing due, then fires `rounds` batches of `batch` due
// deadlines, moving the clock just far enough for each batch.
Status MeasureSweep(Store& store, JsonApi& service, ManualClock& clock, int runs, int rounds, int batch,
                    SweepFigures* s) {
  for (;;) {  // what came due since the data was made
    auto fired = service.engine().sweeper().FireDue(1000);
    if (!fired.ok()) return fired.status();
    s->caught_up += static_cast<std::int64_t>(fired->size());
    if (fired->size() < 1000) break;
  }
  std::vector<double> idle;
  for (int i = 0; i < runs; ++i) {
    Result<std::vector<FiredDeadline>> fired = std::vector<FiredDeadline>();
    idle.push_back(TimeMs([&] { fired = service.engine().sweeper().FireDue(batch); }));
    if (!fired.ok()) return fired.status();
    if (!fired->empty()) return Status::Internal("a sweep with nothing due fired something");
  }
  s->idle = Summarize(idle);
  for (int round = 0; round < rounds; ++round) {
    TimePoint due = 0;
    {
      auto txn = store.BeginRead();
      if (!txn.ok()) return txn.status();
      auto next = (*txn)->DueDeadlines(std::numeric_limits<TimePoint>::max(), batch);
      if (!next.ok()) return next.status();
      if (next->empty()) break;
      due = next->back().due_at;
    }
    clock.AdvanceTo(due);
    Result<std::vector<FiredDeadline>> fired = std::vector<FiredDeadline>();
    s->fire_ms.push_back(TimeMs([&] { fired = service.engine().sweeper().FireDue(batch); }));
    if (!fired.ok()) return fired.status();
    s->fired.push_back(static_cast<int>(fired->size()));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- report

std::string SizeLabel(std::int64_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n >= 1000 && n % 1000 == 0) return std::to_string(n / 1000) + "k";
  return std::to_string(n);
}

std::string Fixed(double v, int decimals) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double Median(std::vector<double> v) {
  if (v.empty()) return kNotMeasured;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

double Max(const std::vector<double>& v) { return v.empty() ? kNotMeasured : *std::max_element(v.begin(), v.end()); }

double Mb(std::int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

double MsPerFiring(const SweepFigures& s) {
  double ms = 0;
  std::int64_t fired = 0;
  for (std::size_t i = 0; i < s.fire_ms.size(); ++i) {
    ms += s.fire_ms[i];
    fired += s.fired[i];
  }
  return fired > 0 ? ms / static_cast<double>(fired) : kNotMeasured;
}

// Microseconds per audit entry of `seconds` summed over the log.
double MicrosPerEntry(double seconds, const VerifyFigures& v) {
  return v.entries > 0 ? seconds * 1e6 / static_cast<double>(v.entries) : kNotMeasured;
}

double VerifyEntriesPerSecond(const VerifyFigures& v) {
  return v.seconds > 0 ? static_cast<double>(v.entries) / v.seconds : 0;
}
double BaselineEntriesPerSecond(const VerifyFigures& v, std::int64_t entries) {
  return v.sha256_seconds > 0 ? static_cast<double>(entries) / v.sha256_seconds : 0;
}

struct TableRow {
  std::string name;
  std::string target;
  std::function<double(const SizeResult&)> value;
  int decimals = 2;
  // The verdict over all sizes, given the values; empty when only reported.
  std::function<std::string(const std::vector<double>&)> verdict;
};

std::string Below(const std::vector<double>& v, double limit) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x < limit; }) ? "met" : "NOT MET";
}
std::string AtLeast(const std::vector<double>& v, double limit) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x >= limit; }) ? "met" : "NOT MET";
}
// A cost meant to be independent of size: the largest size against the smallest.
std::string Flatness(const std::vector<double>& v) {
  std::vector<double> measured;
  std::copy_if(v.begin(), v.end(), std::back_inserter(measured), [](double x) { return !std::isnan(x); });
  if (measured.size() < 2 || measured.front() <= 0) return "";
  return "largest/smallest " + Fixed(measured.back() / measured.front(), 2) + "x";
}

std::vector<TableRow> Rows() {
  using R = const SizeResult&;
  auto below = [](double limit) { return [limit](const std::vector<double>& v) { return Below(v, limit); }; };
  return {
      {"generation, seconds", "-", [](R r) { return r.load.total_seconds > 0 ? r.load.total_seconds : kNotMeasured; },
       1, nullptr},
      {"database MB (file + WAL)", "-", [](R r) { return Mb(r.bytes.file + r.bytes.wal); }, 1, nullptr},
      {"bytes per case", "report",
       [](R r) { return r.shape.cases > 0 ? static_cast<double>(r.bytes.file + r.bytes.wal) / r.shape.cases : 0; }, 0,
       nullptr},
      {"bytes per case in use after the outbox retention (30 days)", "<= 4 KB",
       [](R r) {
         return r.shape.cases > 0 ? static_cast<double>(r.retention.bytes_in_use) / r.shape.cases : kNotMeasured;
       },
       0, below(kBytesPerCaseTarget + 1)},
      {"  outbox events deleted by the sweep, per case", "-",
       [](R r) { return r.shape.cases > 0 ? static_cast<double>(r.retention.events_deleted) / r.shape.cases : 0; },
       2, nullptr},
      {"  the sweep, seconds", "-", [](R r) { return r.retention.seconds; }, 2, nullptr},
      {"audit entries per case", "-",
       [](R r) { return r.shape.cases > 0 ? static_cast<double>(r.shape.audit) / r.shape.cases : 0; }, 2, nullptr},
      {"queue page 1 (open states) p50 ms", "-", [](R r) { return r.queue.open_first.p50; }, 2, nullptr},
      {"queue page 1 (open states) p99 ms", "< 5 ms", [](R r) { return r.queue.open_first.p99; }, 2,
       below(kQueueP99TargetMs)},
      {"  of which the page query, p50 ms", "-", [](R r) { return r.queue.open_first_rows.p50; }, 2, nullptr},
      {"  of which all its SQL reads, p50 ms", "-", [](R r) { return r.queue.open_first_sql.p50; }, 2, nullptr},
      {"queue pages 2..10 p50 ms", "-", [](R r) { return r.queue.open_next.p50; }, 2, nullptr},
      {"queue pages 2..10 p99 ms", "< 5 ms", [](R r) { return r.queue.open_next.p99; }, 2, below(kQueueP99TargetMs)},
      {"queue page 1 (decision states) p99 ms", "< 5 ms", [](R r) { return r.queue.decisions_first.p99; }, 2,
       below(kQueueP99TargetMs)},
      {"queue page 1 (assignee=me, open states) p99 ms", "< 5 ms", [](R r) { return r.queue.mine_first.p99; }, 2,
       below(kQueueP99TargetMs)},
      {"sweep, nothing due p50 ms", "flat", [](R r) { return r.sweep.idle.p50; }, 3, Flatness},
      {"sweep, nothing due p99 ms", "flat", [](R r) { return r.sweep.idle.p99; }, 3, Flatness},
      {"sweep, fire a batch of due: median ms", "flat", [](R r) { return Median(r.sweep.fire_ms); }, 1, Flatness},
      {"sweep, ms per deadline fired", "flat", [](R r) { return MsPerFiring(r.sweep); }, 2, Flatness},
      {"server start to /healthz, median s", "< 1 s", [](R r) { return Median(r.server.start_seconds); }, 3,
       below(kStartTargetSeconds)},
      {"server start to /healthz, max s", "< 1 s", [](R r) { return Max(r.server.start_seconds); }, 3,
       below(kStartTargetSeconds)},
      {"server VmRSS after start, MB", "< 100 MB", [](R r) { return r.server.rss_start_mb; }, 1, below(kRssTargetMb)},
      {"server VmRSS after burst, MB", "< 100 MB", [](R r) { return r.server.rss_burst_mb; }, 1, below(kRssTargetMb)},
      {"server VmHWM (peak), MB", "-", [](R r) { return r.server.hwm_mb; }, 1, nullptr},
      {"HTTP queue page p50 ms (2 clients)", "-", [](R r) { return r.server.http_queue.p50; }, 2, nullptr},
      {"HTTP queue page p99 ms (2 clients)", "-", [](R r) { return r.server.http_queue.p99; }, 2, nullptr},
      {"audit verify, entries/s", "-", [](R r) { return VerifyEntriesPerSecond(r.verify); }, 0, nullptr},
      {"audit verify, MB/s", "-",
       [](R r) { return r.verify.seconds > 0 ? Mb(r.verify.canonical_bytes) / r.verify.seconds : 0; }, 1, nullptr},
      {"SHA-256 baseline, MB/s", "-",
       [](R r) { return r.verify.sha256_seconds > 0 ? Mb(r.verify.canonical_bytes) / r.verify.sha256_seconds : 0; }, 1,
       nullptr},
      {"verify / SHA-256 baseline", ">= 0.5x",
       [](R r) {
         const double base = BaselineEntriesPerSecond(r.verify, r.verify.entries);
         return base > 0 ? VerifyEntriesPerSecond(r.verify) / base : 0;
       },
       3, [](const std::vector<double>& v) { return AtLeast(v, kVerifyRatioTarget); }},
      {"verify, us per entry (the binary)", "-", [](R r) { return MicrosPerEntry(r.verify.seconds, r.verify); }, 2,
       nullptr},
      // Verify hashes the stored data as it is; these time the slow path it
      // keeps for the reasons of a failure (parse, canonicalize, hash).
      {"ComputeHash (parse+canonical), us/entry", "-", [](R r) { return MicrosPerEntry(r.verify.compute_hash_seconds, r.verify); },
       2, nullptr},
      {"  parse data, us per entry", "-", [](R r) { return MicrosPerEntry(r.verify.parse_seconds, r.verify); }, 2,
       nullptr},
      {"  canonical JSON, us per entry", "-",
       [](R r) { return MicrosPerEntry(r.verify.canonical_seconds, r.verify); }, 2, nullptr},
      {"SHA-256 alone, us per entry", "-", [](R r) { return MicrosPerEntry(r.verify.sha256_seconds, r.verify); }, 2,
       nullptr},
  };
}

void PrintTable(const std::vector<SizeResult>& results) {
  const std::vector<TableRow> rows = Rows();
  std::printf("\n%-40s %-9s", "measure", "target");
  for (const auto& r : results) std::printf(" %12s", SizeLabel(r.requested).c_str());
  std::printf("  verdict\n");
  for (const TableRow& row : rows) {
    std::vector<double> values;
    std::printf("%-40s %-9s", row.name.c_str(), row.target.c_str());
    for (const auto& r : results) {
      values.push_back(row.value(r));
      std::printf(" %12s", Fixed(values.back(), row.decimals).c_str());
    }
    std::printf("  %s\n", row.verdict ? row.verdict(values).c_str() : "");
  }
}

void PrintSize(const SizeResult& r) {
  const Shape& s = r.shape;
  std::printf("\n== %s cases: %lld orders, %lld audit entries, %lld outbox rows, %lld texts, %lld staff events\n",
              SizeLabel(s.cases).c_str(), static_cast<long long>(s.orders), static_cast<long long>(s.audit),
              static_cast<long long>(s.outbox), static_cast<long long>(s.texts),
              static_cast<long long>(s.staff_events));
  std::printf("   generated in %.1f s (copies %.1f s, audit chain %.1f s, indexes %.1f s)\n", r.load.total_seconds,
              r.load.copy_seconds, r.load.chain_seconds, r.load.index_seconds);
  std::printf(
      "   open cases %lld (%.1f%%), with a breached deadline %lld; deadlines:", static_cast<long long>(s.open_cases),
      s.cases > 0 ? 100.0 * static_cast<double>(s.open_cases) / static_cast<double>(s.cases) : 0.0,
      static_cast<long long>(s.breached_cases));
  for (const auto& [status, n] : s.deadlines) std::printf(" %s %lld", status.c_str(), static_cast<long long>(n));
  std::printf("\n   states:");
  for (const auto& [state, n] : s.states) std::printf(" %s %lld", state.c_str(), static_cast<long long>(n));
  std::printf("\n   types:");
  for (const auto& [type, n] : s.types) std::printf(" %s %lld", type.c_str(), static_cast<long long>(n));
  std::printf("\n   bytes: file %.1f MB, WAL %.1f MB after a checkpoint; by table (with its indexes):",
              Mb(r.bytes.file), Mb(r.bytes.wal));
  for (std::size_t i = 0; i < r.bytes.by_table.size() && i < 6; ++i) {
    std::printf(" %s %.0f%%", r.bytes.by_table[i].first.c_str(),
                r.bytes.file > 0
                    ? 100.0 * static_cast<double>(r.bytes.by_table[i].second) / static_cast<double>(r.bytes.file)
                    : 0);
  }
  std::printf("\n   columns per case:");
  for (const auto& [column, n] : r.bytes.columns) {
    std::printf(" %s %.0f B", column.c_str(), s.cases > 0 ? static_cast<double>(n) / static_cast<double>(s.cases) : 0);
  }
  std::printf(
      "\n   verify: exit %d, %lld entries in %.2f s; SHA-256 alone %.3f s over %.1f MB (%lld digest mismatches)\n",
      r.verify.exit_code, static_cast<long long>(r.verify.entries), r.verify.seconds, r.verify.sha256_seconds,
      Mb(r.verify.canonical_bytes), static_cast<long long>(r.verify.digest_mismatches));
  std::printf("   server: %zu starts, %d requests in the burst (%d failed)\n", r.server.start_seconds.size(),
              r.server.requests, r.server.failures);
  std::printf("   sweep: %lld fired on catching up; rounds fired:", static_cast<long long>(r.sweep.caught_up));
  for (std::size_t i = 0; i < r.sweep.fired.size(); ++i) {
    std::printf(" %d in %.1f ms;", r.sweep.fired[i], r.sweep.fire_ms[i]);
  }
  std::printf("\n");
  std::fflush(stdout);
}

json SizeJson(const SizeResult& r) {
  json by_table = json::object();
  for (const auto& [t, n] : r.bytes.by_table) by_table[t] = n;
  json by_object = json::object();
  for (const auto& [t, n] : r.bytes.by_object) by_object[t] = n;
  json rows = json::object();
  for (const TableRow& row : Rows()) rows[row.name] = row.value(r);
  return {
      {"cases", r.shape.cases},
      {"table", rows},
      {"generation",
       {{"seconds", r.load.total_seconds},
        {"copy_seconds", r.load.copy_seconds},
        {"chain_seconds", r.load.chain_seconds},
        {"index_seconds", r.load.index_seconds}}},
      {"shape",
       {{"orders", r.shape.orders},
        {"audit_entries", r.shape.audit},
        {"outbox", r.shape.outbox},
        {"texts", r.shape.texts},
        {"staff_events", r.shape.staff_events},
        {"open_cases", r.shape.open_cases},
        {"breached_cases", r.shape.breached_cases},
        {"deadlines", r.shape.deadlines},
        {"states", r.shape.states},
        {"types", r.shape.types}}},
      {"bytes",
       {{"file", r.bytes.file},
        {"wal", r.bytes.wal},
        {"by_table", by_table},
        {"by_object", by_object},
        {"columns", r.bytes.columns}}},
      {"queue",
       {{"open_first_page", ToJson(r.queue.open_first)},
        {"open_pages_2_to_10", ToJson(r.queue.open_next)},
        {"decision_states_first_page", ToJson(r.queue.decisions_first)},
        {"assignee_me_first_page", ToJson(r.queue.mine_first)},
        {"open_first_page_query_only", ToJson(r.queue.open_first_rows)},
        {"open_first_page_all_sql_reads", ToJson(r.queue.open_first_sql)}}},
      {"sweep",
       {{"caught_up", r.sweep.caught_up},
        {"idle", ToJson(r.sweep.idle)},
        {"fire_ms", r.sweep.fire_ms},
        {"fired", r.sweep.fired}}},
      {"server",
       {{"start_seconds", r.server.start_seconds},
        {"rss_start_mb", r.server.rss_start_mb},
        {"rss_burst_mb", r.server.rss_burst_mb},
        {"hwm_mb", r.server.hwm_mb},
        {"http_queue_page", ToJson(r.server.http_queue)},
        {"requests", r.server.requests},
        {"failures", r.server.failures}}},
      {"verify",
       {{"exit_code", r.verify.exit_code},
        {"seconds", r.verify.seconds},
        {"entries", r.verify.entries},
        {"canonical_bytes", r.verify.canonical_bytes},
        {"sha256_seconds", r.verify.sha256_seconds},
        {"parse_seconds", r.verify.parse_seconds},
        {"canonical_seconds", r.verify.canonical_seconds},
        {"compute_hash_seconds", r.verify.compute_hash_seconds}}},
  };
}

// What the quick mode insists on: the database and every measured path work.
std::vector<std::string> Problems(const SizeResult& r, int fire_rounds, int fire_batch) {
  std::vector<std::string> problems;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  check(r.shape.cases == r.requested,
        "holds " + std::to_string(r.shape.cases) + " cases, not " + std::to_string(r.requested));
  check(r.verify.exit_code == 0, "audit verify exited " + std::to_string(r.verify.exit_code));
  check(r.verify.entries == r.shape.audit, "audit verify checked " + std::to_string(r.verify.entries) + " of " +
                                               std::to_string(r.shape.audit) + " entries");
  check(r.verify.digest_mismatches == 0, "a recomputed hash differs from the stored one");
  check(r.server.healthy && r.server.failures == 0 && r.server.requests > 0,
        "the server did not start or failed requests");
  check(r.queue.failures == 0 && r.queue.open_cases > 0 &&
            r.queue.first_page_items == static_cast<std::size_t>(std::min<std::int64_t>(kPageSize, r.queue.open_cases)),
        "the queue page failed or holds " + std::to_string(r.queue.first_page_items) + " cases");
  // Rounds stop early when no open deadline is left (a reused database may
  // have none); each fires at most the batch (fewer when the last due ones
  // run out), and at least one.
  const auto open = r.shape.deadlines.find("open");
  const bool any_open = open != r.shape.deadlines.end() && open->second > 0;
  check((!any_open || !r.sweep.fired.empty()) && static_cast<int>(r.sweep.fired.size()) <= fire_rounds &&
            std::all_of(r.sweep.fired.begin(), r.sweep.fired.end(), [&](int n) { return n >= 1 && n <= fire_batch; }),
        "no sweep round fired, or one fired none or more than " + std::to_string(fire_batch) + " deadlines");
  return problems;
}

struct Settings {
  std::vector<std::int64_t> cases{10'000, 100'000, 1'000'000};
  std::int64_t base = 10'000;
  std::string dir;
  std::string bin = AFTERSALES_BIN_PATH;
  std::string json_path;
  int runs = 300;
  int starts = 3;
  int burst_iterations = 40;
  int fire_rounds = 5;
  int fire_batch = 100;
  bool keep = false;
  bool reuse = false;
  bool quick = false;
};

std::string DatabasePath(const Settings& settings, std::int64_t cases) {
  return settings.dir + "/scale_" + SizeLabel(cases) + ".db";
}

Result<SizeResult> MeasureSize(const Settings& settings, const std::string& template_path, std::int64_t cases,
                               std::int64_t template_cases) {
  SizeResult r;
  r.requested = cases;
  const std::string db = DatabasePath(settings, cases);
  std::fprintf(stderr, "\n%s cases: %s\n", SizeLabel(cases).c_str(), db.c_str());
  if (settings.reuse) {
    if (!std::filesystem::exists(db)) return Status::NotFound(db + " (made by an earlier run with --keep)");
  } else {
    auto load = LoadCopies(template_path, db, cases / template_cases);
    if (!load.ok()) return load.status();
    r.load = *load;
  }
  std::fprintf(stderr, "measuring: shape and bytes\n");
  r.shape = Describe(db);
  r.bytes = MeasureBytes(db);
  std::fprintf(stderr, "measuring: audit verify and SHA-256\n");
  RunVerify(settings.bin, db, settings.dir, &r.verify);
  {
    auto store = SqliteStore::Open(db);
    if (!store.ok()) return store.status();
    AS_RETURN_IF_ERROR(MeasureSha256(**store, &r.verify));
  }
  std::fprintf(stderr, "measuring: server start-up and memory\n");
  MeasureServer(settings.bin, db, settings.dir, settings.starts, settings.burst_iterations, &r.server);
  std::fprintf(stderr, "measuring: queue pages and deadline sweeps\n");
  {
    auto store = SqliteStore::Open(db);  // durable, as serve opens it
    if (!store.ok()) return store.status();
    SystemClock wall;
    ManualClock clock(wall.Now());
    PolicyRegistry policies(**store);
    AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
    CaseEngine service_engine(**store, clock, policies);
  JsonApi service(service_engine);
    MeasureQueue(**store, service, settings.runs, &r.queue);
    r.queue.open_cases = Describe(db).open_cases;
    AS_RETURN_IF_ERROR(
        MeasureSweep(**store, service, clock, settings.runs, settings.fire_rounds, settings.fire_batch, &r.sweep));
  }
  std::fprintf(stderr, "measuring: the outbox's retention sweep\n");
  AS_RETURN_IF_ERROR(MeasureRetention(db, &r.retention));
  if (!settings.keep && !settings.reuse) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  }
  PrintSize(r);
  return r;
}

int Run(int argc, char** argv) {
  Settings settings;
  CLI::App app{
      "Measures the queue, deadline sweeps, server start-up and memory, size and audit verification "
      "at 10k, 100k and 1M cases."};
  app.add_option("--cases", settings.cases, "database sizes, each a multiple of --base")->delimiter(',');
  app.add_option("--base", settings.base, "cases simulated through the engine, then copied")
      ->check(CLI::PositiveNumber);
  app.add_option("--dir", settings.dir, "where the databases go (default: a new temporary folder)");
  app.add_option("--bin", settings.bin, "the aftersales binary")->capture_default_str();
  app.add_option("--json", settings.json_path, "also write every figure as JSON to this file");
  app.add_option("--runs", settings.runs, "timed calls per latency figure")->check(CLI::PositiveNumber);
  app.add_flag("--keep", settings.keep, "keep the databases");
  app.add_flag("--reuse", settings.reuse, "measure the databases an earlier --keep run left in --dir");
  app.add_flag("--quick", settings.quick, "CI mode: 2,000 cases, few runs; asserts nothing about speed");
  CLI11_PARSE(app, argc, argv);
  if (settings.quick) {
    settings.cases = {2000};
    settings.base = 1000;
    settings.runs = 20;
    settings.starts = 1;
    settings.burst_iterations = 3;
    settings.fire_rounds = 1;
    settings.fire_batch = 20;
  }
  for (std::int64_t n : settings.cases) {
    if (n < settings.base || n % settings.base != 0) {
      std::fprintf(stderr, "scale_bench: %lld cases is not a multiple of --base %lld\n", static_cast<long long>(n),
                   static_cast<long long>(settings.base));
      return 2;
    }
  }
  if (settings.reuse && settings.dir.empty()) {
    std::fprintf(stderr, "scale_bench: --reuse needs the --dir of an earlier --keep run\n");
    return 2;
  }
  const bool own_dir = settings.dir.empty();
  if (own_dir) {
    settings.dir = (std::filesystem::temp_directory_path() / ("scale_bench_" + std::to_string(getpid()))).string();
  }
  std::filesystem::create_directories(settings.dir);

  TemplateOptions template_options;
  template_options.cases = settings.base;
  template_options.history_end = SystemClock().Now() / 60 * 60;
  const std::string template_path = settings.dir + "/template.db";
  TemplateInfo simulated;
  if (!settings.reuse) {
    std::fprintf(stderr, "simulating %lld cases through the engine: %s\n", static_cast<long long>(settings.base),
                 template_path.c_str());
    auto built = BuildTemplate(template_path, template_options);
    if (!built.ok()) {
      std::fprintf(stderr, "scale_bench: %s\n", built.status().message().c_str());
      return 2;
    }
    simulated = *built;
    if (simulated.cases != settings.base) {
      std::fprintf(stderr, "scale_bench: the simulation made %lld cases, not %lld: choose another --base\n",
                   static_cast<long long>(simulated.cases), static_cast<long long>(settings.base));
      return 2;
    }
    std::printf("template: %lld cases simulated through the engine in %.1f s (%lld actions, %lld deadline firings)\n",
                static_cast<long long>(simulated.cases), simulated.seconds,
                static_cast<long long>(simulated.totals.actions), static_cast<long long>(simulated.totals.firings));
  }

  std::vector<SizeResult> results;
  std::vector<std::string> problems;
  for (std::int64_t n : settings.cases) {
    auto result = MeasureSize(settings, template_path, n, settings.base);
    if (!result.ok()) {
      std::fprintf(stderr, "scale_bench: %s cases: %s\n", SizeLabel(n).c_str(), result.status().message().c_str());
      return 2;
    }
    for (const std::string& p : Problems(*result, settings.fire_rounds, settings.fire_batch)) {
      problems.push_back(SizeLabel(n) + ": " + p);
    }
    results.push_back(std::move(*result));
  }
  PrintTable(results);

  if (!settings.json_path.empty()) {
    json sizes = json::array();
    for (const auto& r : results) sizes.push_back(SizeJson(r));
    json doc = {{"template",
                 {{"cases", simulated.cases},
                  {"seconds", simulated.seconds},
                  {"actions", simulated.totals.actions},
                  {"firings", simulated.totals.firings}}},
                {"history_end", FormatTime(template_options.history_end)},
                {"reused_databases", settings.reuse},
                {"sweep_batch", settings.fire_batch},
                {"targets",
                 {{"queue_p99_ms", kQueueP99TargetMs},
                  {"server_start_seconds", kStartTargetSeconds},
                  {"server_rss_mb", kRssTargetMb},
                  {"verify_vs_sha256", kVerifyRatioTarget}}},
                {"sizes", sizes}};
    std::ofstream(settings.json_path) << doc.dump(2) << "\n";
  }
  if (!settings.keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(template_path + suffix);
    for (const char* file : {"verify.out", "verify.log", "serve.out", "serve.log"}) {
      std::filesystem::remove(settings.dir + "/" + file);
    }
    if (own_dir) std::filesystem::remove(settings.dir);
  }
  for (const std::string& p : problems) std::fprintf(stderr, "scale_bench: %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) { return aftersales::bench::Run(argc, argv); }
