// pg_scaleout_bench: durable return_refund lifecycles per second over HTTP
// with 1, 2 and 3 `aftersales serve --store` servers sharing one PostgreSQL
// database, one `aftersales serve --db` on SQLite, and raw libpq doing the
// same rows in the same run (docs/BENCHMARKS.md, "Several servers on
// PostgreSQL"; issue "scale out", item 5).
//
//   pg_scaleout_bench [--lifecycles N] [--rounds R] [--clients C]
//                     [--servers 1,2,3] [--bin PATH] [--json FILE] [--keep]
//                     [--quick]
//
// It starts a throwaway PostgreSQL 15 cluster (scripts/pg-test-cluster.sh;
// fsync and synchronous_commit on), then runs R rounds (default 5, N = 300
// lifecycles per row). Each round measures the disk's fdatasync of one 8 kB
// write and a durable one-row COMMIT over libpq, then runs every row once,
// each on a database of its own:
//   raw libpq           bench/raw_pg_baseline.h: the rows of each action in
//                       one transaction, the audit chain under an advisory
//                       lock, C connections
//   S servers           S `aftersales serve --store URI` processes; C HTTP
//                       clients spread evenly over them (client i talks to
//                       server i mod S)
//   SQLite              one `aftersales serve --db FILE`, C clients
// C is the same in every row (12 by default: the same offered load whatever
// the number of servers, so a row differs from the next only by the
// servers; 12 divides evenly by 1, 2 and 3). Each client is a thread with
// one keep-alive connection running whole lifecycles one after another,
// taking the next from a shared counter until N are done: submit
// (POST /cases), approve, ship_return, receive (passed), refund_issued, each
// answer checked as bench/lifecycle_http.mjs checks it (status, and the last
// state `refunded`). Orders are posted and each client runs one lifecycle
// before the clock starts (untimed; the servers open their connections).
// After each server row every case must be refunded and `aftersales audit
// verify` must pass on the database (the chain written by several servers).
//
// Rounds interleave the rows so that a change in the machine's other load
// moves all of them: each ratio is taken against the raw baseline of the
// same round, and the table prints the median over rounds (with the range).
// Per row: lifecycles/s and its ratio to the raw baseline; CPU per lifecycle
// of the servers (utime + stime from /proc/PID/stat of each server process,
// as lifecycle_http.mjs reads it), of PostgreSQL (the postmaster and every
// backend and auxiliary process, children that exit counted through the
// postmaster's cutime/cstime) and of this program (the clients, or the raw
// baseline's connections); the machine's busy share (/proc/stat) beside
// ours; the chain's advisory lock (the servers' appenders' lock, which a
// case's write holds from its first audit entry to its COMMIT, or the raw
// baseline's audit lock): the share of 10 ms samples of pg_locks in which
// it was held, the mean number of transactions waiting for it, and from
// those the mean time it is held per durable request (one write
// transaction per request); request (or raw action) latency p50 / p99; WAL
// bytes per lifecycle. The sampler's own backend is left out of
// PostgreSQL's CPU.
//
// --quick (CI): 48 lifecycles per row, one round; asserts nothing
// about speed, fails only when an answer or the stored result is wrong.
#include <fcntl.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/raw_pg_baseline.h"
#include "db/postgres/pg_schema.h"
#include "domain/clock.h"

extern char** environ;

namespace aftersales::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kActionsPerLifecycle = 5;
// The target: 3 servers at least half the raw baseline.
constexpr double kTargetVsRaw = 0.5;
constexpr int kTargetServers = 3;
constexpr const char* kAdminToken = "pg-scaleout-bench-admin-token-0123456789abcdef";

struct Options {
  std::int64_t lifecycles = 300;
  int clients = 12;
  std::vector<int> servers = {1, 2, 3};
  std::string bin = AFTERSALES_BIN_PATH;
  std::string source_dir = AFTERSALES_SOURCE_DIR;
  std::string json_path;
  bool keep = false;
  bool quick = false;
  bool sqlite = true;
  int rounds = 5;
  int sample_ms = 10;
  int sync_probes = 200;
};

[[noreturn]] void Die(const std::string& message) { throw std::runtime_error(message); }

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// Runs `command` in a shell; its stdout in *out; returns the exit status.
int RunCommand(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    if (out) out->append(buffer, n);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ---- CPU counters ----------------------------------------------------------

const double kTicksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));

struct StatFields {
  long long ppid = 0, utime = 0, stime = 0, cutime = 0, cstime = 0;
};

std::optional<StatFields> ReadStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> f;
  std::string field;
  while (fields >> field) f.push_back(field);
  if (f.size() < 15) return std::nullopt;
  StatFields s;  // f[0] is field 3 (state)
  s.ppid = std::stoll(f[1]);
  s.utime = std::stoll(f[11]);
  s.stime = std::stoll(f[12]);
  s.cutime = std::stoll(f[13]);
  s.cstime = std::stoll(f[14]);
  return s;
}

double ProcessCpuMs(pid_t pid) {
  auto s = ReadStat(pid);
  return s ? static_cast<double>(s->utime + s->stime) * 1000.0 / kTicksPerSecond : 0.0;
}

// PostgreSQL's CPU: the postmaster (with its reaped children) and every live
// child except `exclude` (the benchmark's own backends).
double PostgresCpuMs(pid_t postmaster, const std::vector<pid_t>& exclude) {
  double ticks = 0;
  if (auto pm = ReadStat(postmaster)) ticks += static_cast<double>(pm->utime + pm->stime + pm->cutime + pm->cstime);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == postmaster || std::find(exclude.begin(), exclude.end(), pid) != exclude.end()) continue;
    auto s = ReadStat(pid);
    if (s && s->ppid == postmaster) ticks += static_cast<double>(s->utime + s->stime);
  }
  return ticks * 1000.0 / kTicksPerSecond;
}

double SelfCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0;
  };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

// The machine's busy and total jiffies, all CPUs (/proc/stat).
std::pair<double, double> MachineJiffies() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  double v[10] = {};
  for (double& x : v) in >> x;
  const double idle = v[3] + v[4];  // idle + iowait
  double total = 0;
  for (int i = 0; i < 8; ++i) total += v[i];  // guest time is already in user
  return {total - idle, total};
}

// ---- libpq -----------------------------------------------------------------

class Pg {
 public:
  explicit Pg(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      Die("cannot connect to " + uri + ": " + message);
    }
  }
  ~Pg() {
    if (conn_) PQfinish(conn_);
  }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  // Runs `sql` and returns the first column of the first row ("" when none).
  std::string Scalar(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r =
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    const ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      const std::string message = PQerrorMessage(conn_);
      PQclear(r);
      Die(sql + ": " + message);
    }
    std::string value = (s == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return value;
  }
  pid_t BackendPid() { return static_cast<pid_t>(PQbackendPID(conn_)); }

 private:
  PGconn* conn_;
};

// "postgresql://postgres@127.0.0.1:PORT/postgres" with another database name.
std::string WithDatabase(const std::string& uri, const std::string& name) {
  return uri.substr(0, uri.rfind('/') + 1) + name;
}

// ---- the cluster -------------------------------------------------------------

class Cluster {
 public:
  Cluster(std::string script, std::string dir, bool keep)
      : script_(std::move(script)), dir_(std::move(dir)), keep_(keep) {
    std::string out;
    const std::string log = dir_ + ".log";
    if (RunCommand(ShellQuote(script_) + " start " + ShellQuote(dir_) + " 2>" + ShellQuote(log), &out) != 0) {
      Die("scripts/pg-test-cluster.sh start failed: " + ReadFile(log));
    }
    started_ = true;
    uri_ = Trim(ReadFile(dir_ + "/uri"));
    std::istringstream pidfile(ReadFile(dir_ + "/data/postmaster.pid"));
    pidfile >> postmaster_;
    if (uri_.empty() || postmaster_ <= 0) Die("no URI or postmaster pid in " + dir_);
  }
  ~Cluster() {
    if (!started_) return;
    if (keep_) {
      std::cerr << "cluster kept running in " << dir_ << " (" << uri_
                << "); stop it with scripts/pg-test-cluster.sh stop " << dir_ << "\n";
      return;
    }
    RunCommand(ShellQuote(script_) + " stop " + ShellQuote(dir_) + " 2>/dev/null", nullptr);
  }
  const std::string& uri() const { return uri_; }
  pid_t postmaster() const { return postmaster_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string script_, dir_;
  bool keep_;
  bool started_ = false;
  std::string uri_;
  pid_t postmaster_ = 0;
};

// ---- a server process ----------------------------------------------------------

class ServerProcess {
 public:
  ServerProcess(const std::string& bin, const std::vector<std::string>& args, const std::string& log_path,
                bool bootstrap) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) Die("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> argv_s = {bin};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("AFTERSALES_BOOTSTRAP_TOKEN=", 0) != 0) env_s.emplace_back(*e);
    }
    if (bootstrap) env_s.push_back(std::string("AFTERSALES_BOOTSTRAP_TOKEN=") + kAdminToken);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      Die("cannot start " + bin + ": " + std::strerror(rc));
    }
    stdout_fd_ = out[0];
    // Waits for "listening on http://127.0.0.1:PORT".
    const std::regex listening("listening on http://127\\.0\\.0\\.1:(\\d+)");
    std::string text;
    const double deadline = MonotonicSeconds() + 60;
    while (MonotonicSeconds() < deadline) {
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        char buffer[512];
        const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        std::smatch m;
        if (std::regex_search(text, m, listening)) {
          port_ = std::stoi(m[1].str());
          return;
        }
      }
    }
    Stop();
    Die("the server did not listen (see " + log_path + "): " + ReadFile(log_path).substr(0, 2000));
  }
  ~ServerProcess() { Stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

  // SIGTERM, then SIGKILL after 30 s; returns the exit status.
  int Stop() {
    int status = 0;
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      const double deadline = MonotonicSeconds() + 30;
      while (true) {
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_ || done < 0) break;
        if (MonotonicSeconds() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        SleepForMillis(20);
      }
      pid_ = 0;
    }
    if (stdout_fd_ >= 0) {
      close(stdout_fd_);
      stdout_fd_ = -1;
    }
    return status;
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  int stdout_fd_ = -1;
};

// ---- the HTTP client -------------------------------------------------------

class Api {
 public:
  explicit Api(int port) : client_("127.0.0.1", port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(10, 0);
    client_.set_read_timeout(120, 0);
    client_.set_write_timeout(120, 0);
  }

  // POSTs `body` to /api/v1`route` and returns the answer's JSON; throws
  // unless it answered `status` with JSON.
  json Post(int status, const std::string& route, const std::string& token, const json& body) {
    const httplib::Headers headers = {{"Authorization", "Bearer " + token}};
    const std::string payload = body.dump();
    const double t0 = MonotonicSeconds();
    auto res = client_.Post(("/api/v1" + route).c_str(), headers, payload, "application/json");
    const double ms = (MonotonicSeconds() - t0) * 1000.0;
    if (!res) Die("POST " + route + ": no answer (" + httplib::to_string(res.error()) + ")");
    if (res->status != status) {
      Die("POST " + route + " answered " + std::to_string(res->status) + ", expected " + std::to_string(status) + ": " +
          res->body.substr(0, 300));
    }
    json answer = json::parse(res->body, nullptr, false);
    if (answer.is_discarded()) Die("POST " + route + ": the answer is not JSON: " + res->body.substr(0, 300));
    if (timing) latencies.push_back(ms);
    return answer;
  }

  bool timing = false;
  std::vector<double> latencies;

 private:
  httplib::Client client_;
};

struct Tokens {
  std::string integration, agent, warehouse, finance;
};

std::string IsoHoursAgo(int hours) {
  return FormatTime(SystemClock().Now() - std::int64_t{hours} * 3600);
}

std::string OrderId(std::int64_t i) { return "SO-SCALE-" + std::to_string(i); }

void PostOrder(Api& api, const Tokens& t, std::int64_t i) {
  // One buyer per order: no buyer's history grows into a risk flag.
  api.Post(201, "/orders", t.integration,
           {{"id", OrderId(i)},
            {"buyer_id", "b-scale-" + std::to_string(i)},
            {"currency", "CNY"},
            {"placed_at", IsoHoursAgo(120)},
            {"delivered_at", IsoHoursAgo(48)},
            {"shipping_paid", 0},
            {"lines",
             json::array(
                 {{{"line_id", "1"}, {"sku", "CUP-TH-500"}, {"title", "Thermos cup"}, {"qty", 2}, {"paid", 12900}}})}});
}

// The lifecycle of bench/lifecycle_http.mjs on order `i`, every answer checked.
void Lifecycle(Api& api, const Tokens& t, std::int64_t i) {
  json kase = api.Post(201, "/cases", t.integration,
                       {{"order_id", OrderId(i)},
                        {"buyer_id", "b-scale-" + std::to_string(i)},
                        {"type", "return_refund"},
                        {"reason", "quality_issue"},
                        {"description", "The lid leaks."},
                        {"lines", json::array({{{"line_id", "1"}, {"qty", 1}}})}});
  if (!kase.contains("id") || !kase["id"].is_string()) Die("POST /cases answered no case id");
  const std::string id = kase["id"].get<std::string>();
  const std::string base = "/cases/" + id + "/actions";
  api.Post(200, base + "/approve", t.agent, {{"expected_version", 1}});
  api.Post(200, base + "/ship_return", t.integration,
           {{"carrier", "SF Express"}, {"tracking_no", "SF" + std::to_string(100000 + i)}});
  api.Post(200, base + "/receive", t.warehouse, {{"result", "pass"}, {"grade", "A"}});
  json done = api.Post(200, base + "/refund_issued", t.finance, {{"external_ref", "ALIPAY-" + std::to_string(i)}});
  if (done.value("state", "") != "refunded")
    Die("case " + id + " ended " + done.value("state", "?") + ", not refunded");
}

// Runs fn(i) on `n` threads; rethrows the first failure.
template <typename Fn>
void OnThreads(int n, Fn fn) {
  std::mutex mu;
  std::string error;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        fn(i);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (error.empty()) error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!error.empty()) Die(error);
}

// ---- the chain's lock, sampled -------------------------------------------------

class LockSampler {
 public:
  LockSampler(const std::string& uri, std::int64_t key, int period_ms) : pg_(uri), period_ms_(period_ms) {
    const auto k = static_cast<std::uint64_t>(key);
    classid_ = std::to_string(k >> 32);
    objid_ = std::to_string(k & 0xffffffffULL);
    pid_ = pg_.BackendPid();
  }
  ~LockSampler() { Stop(); }

  pid_t backend_pid() const { return pid_; }

  void Start() {
    running_ = true;
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    if (!running_) return;
    running_ = false;
    thread_.join();
  }
  double held_fraction() const { return samples_ ? static_cast<double>(held_) / static_cast<double>(samples_) : 0; }
  double mean_waiters() const { return samples_ ? static_cast<double>(waiters_) / static_cast<double>(samples_) : 0; }
  std::int64_t samples() const { return samples_; }

 private:
  void Loop() {
    try {
      Sample();
    } catch (const std::exception& e) {
      std::cerr << "pg_scaleout_bench: the lock sampler stopped: " << e.what() << "\n";
    }
  }

  void Sample() {
    const std::string sql =
        "SELECT count(*) FILTER (WHERE granted) || ' ' || count(*) FILTER (WHERE NOT granted) FROM pg_locks"
        " WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid::bigint = $1::bigint AND objid::bigint = $2::bigint AND objsubid = 1";
    double next = MonotonicSeconds();
    while (running_) {
      std::istringstream counts(pg_.Scalar(sql, {classid_, objid_}));
      std::int64_t granted = 0, waiting = 0;
      counts >> granted >> waiting;
      ++samples_;
      if (granted > 0) ++held_;
      waiters_ += waiting;
      next += period_ms_ / 1000.0;
      const double wait = next - MonotonicSeconds();
      if (wait > 0) SleepForMillis(static_cast<int>(wait * 1000));
    }
  }

  Pg pg_;
  int period_ms_;
  std::string classid_, objid_;
  pid_t pid_ = 0;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::int64_t samples_ = 0, held_ = 0, waiters_ = 0;
};

// ---- counters around a timed phase -----------------------------------------------

struct Snapshot {
  double t = 0;
  double servers_ms = 0, pg_ms = 0, self_ms = 0;
  double machine_busy = 0, machine_total = 0;
  std::string wal_lsn;
};

struct Probe {
  const Cluster* cluster = nullptr;  // null: SQLite
  Pg* control = nullptr;             // a connection to the row's database
  std::vector<pid_t> servers;
  std::vector<pid_t> exclude;  // the benchmark's own backends

  Snapshot Take() const {
    Snapshot s;
    s.t = MonotonicSeconds();
    for (pid_t p : servers) s.servers_ms += ProcessCpuMs(p);
    if (cluster) {
      s.pg_ms = PostgresCpuMs(cluster->postmaster(), exclude);
      s.wal_lsn = control->Scalar("SELECT pg_current_wal_lsn()::text");
    }
    s.self_ms = SelfCpuMs();
    std::tie(s.machine_busy, s.machine_total) = MachineJiffies();
    return s;
  }
};

struct Row {
  std::string name;
  std::string kind;  // raw, postgres, sqlite
  int round = 0;
  int servers = 0;
  int clients = 0;
  std::int64_t lifecycles = 0;
  double seconds = 0;
  double servers_cpu_ms = 0, pg_cpu_ms = 0, bench_cpu_ms = 0;  // whole phase
  double machine_busy_pct = 0, ours_pct = 0;
  std::optional<double> lock_held_fraction, lock_mean_waiters;
  std::int64_t lock_samples = 0;
  double p50_ms = 0, p99_ms = 0, mean_ms = 0;
  std::optional<double> wal_bytes;
  std::optional<double> doc_bytes, audit_data_bytes, audit_per_lifecycle, outbox_per_lifecycle, deadlines_per_lifecycle,
      staff_events_per_lifecycle;

  double PerSecond() const { return seconds > 0 ? static_cast<double>(lifecycles) / seconds : 0; }
  double PerLifecycle(double total) const { return lifecycles > 0 ? total / static_cast<double>(lifecycles) : 0; }
  // Mean time the lock is held per durable write (one per request/action).
  std::optional<double> LockHoldMs() const {
    if (!lock_held_fraction) return std::nullopt;
    return *lock_held_fraction * seconds * 1000.0 / static_cast<double>(lifecycles * kActionsPerLifecycle);
  }
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

void Finish(Row& row, const Snapshot& a, const Snapshot& b, std::vector<double> latencies, Pg* control) {
  row.seconds = b.t - a.t;
  row.servers_cpu_ms = b.servers_ms - a.servers_ms;
  row.pg_cpu_ms = b.pg_ms - a.pg_ms;
  row.bench_cpu_ms = b.self_ms - a.self_ms;
  const double total = b.machine_total - a.machine_total;
  const double ncpu = static_cast<double>(std::thread::hardware_concurrency());
  row.machine_busy_pct = total > 0 ? 100.0 * (b.machine_busy - a.machine_busy) / total : 0;
  row.ours_pct = 100.0 * (row.servers_cpu_ms + row.pg_cpu_ms + row.bench_cpu_ms) / (row.seconds * 1000.0 * ncpu);
  row.p50_ms = Percentile(latencies, 0.50);
  row.p99_ms = Percentile(latencies, 0.99);
  double sum = 0;
  for (double x : latencies) sum += x;
  row.mean_ms = latencies.empty() ? 0 : sum / static_cast<double>(latencies.size());
  if (control && !a.wal_lsn.empty()) {
    row.wal_bytes =
        std::stod(control->Scalar("SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)", {b.wal_lsn, a.wal_lsn}));
  }
}

// What the row's database holds per case (every case ran one lifecycle).
void StoredShape(Row& row, Pg& db) {
  auto number = [&](const std::string& sql) { return std::stod(db.Scalar(sql)); };
  const double cases = number("SELECT count(*) FROM cases");
  if (cases <= 0) return;
  row.doc_bytes = number("SELECT avg(octet_length(doc)) FROM cases");
  row.audit_data_bytes = number("SELECT coalesce(avg(octet_length(data)), 0) FROM audit WHERE case_id IS NOT NULL");
  row.audit_per_lifecycle = number("SELECT count(*) FROM audit WHERE case_id IS NOT NULL") / cases;
  row.outbox_per_lifecycle = number("SELECT count(*) FROM outbox") / cases;
  row.deadlines_per_lifecycle = number("SELECT count(*) FROM deadlines WHERE case_id IS NOT NULL") / cases;
  row.staff_events_per_lifecycle = number("SELECT count(*) FROM staff_events") / cases;
}

// ---- the rows --------------------------------------------------------------

class Bench {
 public:
  Bench(const Options& o, const Cluster& cluster, std::string work)
      : o_(o), cluster_(cluster), work_(std::move(work)) {}

  std::string NewDatabase(const std::string& name) {
    Pg admin(cluster_.uri());
    admin.Scalar("CREATE DATABASE " + name);
    return WithDatabase(cluster_.uri(), name);
  }

  Row Raw(int round) {
    Row row;
    row.name = "raw libpq";
    row.kind = "raw";
    row.round = round;
    row.clients = o_.clients;
    row.lifecycles = o_.lifecycles;
    const std::string uri = NewDatabase("raw_r" + std::to_string(round));
    Pg control(uri);
    std::unique_ptr<LockSampler> sampler;
    Probe probe{&cluster_, &control, {}, {control.BackendPid()}};
    Snapshot a, b;
    RawPgBaselineOptions options;
    options.uri = uri;
    options.lifecycles = o_.lifecycles;
    options.connections = o_.clients;
    options.on_start = [&] {
      sampler = std::make_unique<LockSampler>(uri, kRawAuditLockKey, o_.sample_ms);
      probe.exclude.push_back(sampler->backend_pid());
      a = probe.Take();
      sampler->Start();
    };
    options.on_end = [&] {
      b = probe.Take();
      sampler->Stop();
    };
    Result<RawPgBaselineFigures> figures = RunRawPgBaseline(options);
    if (!figures.ok()) Die("raw baseline: " + figures.status().message());
    Finish(row, a, b, figures->action_ms, &control);
    row.lock_held_fraction = sampler->held_fraction();
    row.lock_mean_waiters = sampler->mean_waiters();
    row.lock_samples = sampler->samples();
    // The chain it wrote must link up, and every case be refunded.
    const std::string broken = control.Scalar(
        "SELECT count(*) FROM (SELECT seq, prev_hash, lag(hash) OVER (ORDER BY seq) AS prev,"
        " lag(seq) OVER (ORDER BY seq) AS prev_seq FROM audit) t"
        " WHERE prev IS NOT NULL AND (prev <> prev_hash OR seq <> prev_seq + 1)");
    if (broken != "0") Die("raw baseline: " + broken + " audit entries do not link to the one before");
    CheckRefunded(control, o_.lifecycles + o_.clients);
    StoredShape(row, control);
    VerifyAudit({"--store", uri});
    return row;
  }

  Row Http(int servers, bool postgres, int round) {
    Row row;
    row.round = round;
    row.kind = postgres ? "postgres" : "sqlite";
    row.servers = servers;
    row.clients = o_.clients;
    row.lifecycles = o_.lifecycles;
    row.name = postgres ? std::to_string(servers) + (servers == 1 ? " server" : " servers") + ", PostgreSQL"
                        : "1 server, SQLite (--db)";
    std::vector<std::string> location;
    std::unique_ptr<Pg> control;
    std::string uri;
    if (postgres) {
      uri = NewDatabase("servers_" + std::to_string(servers) + "_r" + std::to_string(round));
      location = {"--store", uri};
      control = std::make_unique<Pg>(uri);
    } else {
      const std::string dir = work_ + "/sqlite-r" + std::to_string(round);
      fs::create_directories(dir);
      location = {"--db", dir + "/bench.db"};
    }
    std::vector<std::unique_ptr<ServerProcess>> procs;
    for (int s = 0; s < servers; ++s) {
      std::vector<std::string> args = {"serve"};
      args.insert(args.end(), location.begin(), location.end());
      args.insert(args.end(), {"--listen", "127.0.0.1:0"});
      procs.push_back(std::make_unique<ServerProcess>(o_.bin, args,
                                                      work_ + "/" + row.kind + "-" + std::to_string(servers) + "-r" +
                                                          std::to_string(round) + "-" + std::to_string(s) + ".err",
                                                      s == 0));
    }
    Tokens tokens;
    {
      Api admin(procs[0]->port());
      auto user = [&](const char* role) {
        return admin.Post(201, "/users", kAdminToken, {{"name", std::string("scale-") + role}, {"role", role}})["token"]
            .get<std::string>();
      };
      tokens.integration = user("integration");
      tokens.agent = user("agent");
      tokens.warehouse = user("warehouse");
      tokens.finance = user("finance");
    }
    const int c = o_.clients;
    const std::int64_t total = c + o_.lifecycles;
    std::vector<std::unique_ptr<Api>> apis;
    for (int i = 0; i < c; ++i)
      apis.push_back(std::make_unique<Api>(procs[static_cast<std::size_t>(i % servers)]->port()));
    // Untimed: the orders, then one lifecycle per client.
    OnThreads(c, [&](int i) {
      for (std::int64_t k = i; k < total; k += c) PostOrder(*apis[static_cast<std::size_t>(i)], tokens, k);
    });
    OnThreads(c, [&](int i) { Lifecycle(*apis[static_cast<std::size_t>(i)], tokens, i); });
    if (control) control->Scalar("CHECKPOINT");

    Probe probe{postgres ? &cluster_ : nullptr, control.get(), {}, {}};
    for (auto& p : procs) probe.servers.push_back(p->pid());
    std::unique_ptr<LockSampler> sampler;
    if (postgres) {
      probe.exclude.push_back(control->BackendPid());
      sampler = std::make_unique<LockSampler>(uri, postgres::kAppendLockKey, o_.sample_ms);
      probe.exclude.push_back(sampler->backend_pid());
    }
    for (auto& api : apis) api->timing = true;
    std::atomic<std::int64_t> next{c};
    std::atomic<bool> failed{false};
    const Snapshot a = probe.Take();
    if (sampler) sampler->Start();
    OnThreads(c, [&](int i) {
      try {
        while (!failed) {
          const std::int64_t k = next.fetch_add(1);
          if (k >= total) break;
          Lifecycle(*apis[static_cast<std::size_t>(i)], tokens, k);
        }
      } catch (...) {
        failed = true;
        throw;
      }
    });
    const Snapshot b = probe.Take();
    if (sampler) {
      sampler->Stop();
      row.lock_held_fraction = sampler->held_fraction();
      row.lock_mean_waiters = sampler->mean_waiters();
      row.lock_samples = sampler->samples();
    }
    std::vector<double> latencies;
    for (auto& api : apis) latencies.insert(latencies.end(), api->latencies.begin(), api->latencies.end());
    Finish(row, a, b, latencies, control.get());
    apis.clear();
    if (control) {
      CheckRefunded(*control, total);
      StoredShape(row, *control);
    }
    for (auto& p : procs) {
      const int status = p->Stop();
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die(row.name + ": a server did not exit cleanly");
    }
    VerifyAudit(location);
    return row;
  }

 private:
  static void CheckRefunded(Pg& db, std::int64_t expected) {
    const std::string refunded = db.Scalar("SELECT count(*) FROM cases WHERE state = 'refunded'");
    const std::string all = db.Scalar("SELECT count(*) FROM cases");
    if (refunded != std::to_string(expected) || all != refunded) {
      Die("expected " + std::to_string(expected) + " refunded cases, found " + refunded + " of " + all);
    }
  }

  void VerifyAudit(const std::vector<std::string>& location) {
    std::string command = ShellQuote(o_.bin) + " audit verify";
    for (const auto& a : location) command += " " + ShellQuote(a);
    std::string out;
    if (RunCommand(command + " 2>&1", &out) != 0) Die("audit verify failed: " + out);
  }

  const Options& o_;
  const Cluster& cluster_;
  std::string work_;
};

// ---- the disk ----------------------------------------------------------------

struct SyncFigures {
  double fdatasync_median_ms = 0;
  double commit_median_ms = 0;
  double commit_mean_ms = 0;
  int probes = 0;
};

SyncFigures MeasureSync(const std::string& dir, const std::string& uri, int probes) {
  SyncFigures f;
  f.probes = probes;
  const std::string path = dir + "/fsync-probe";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) Die("cannot create " + path);
  std::vector<char> page(8192, 'x');
  if (pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size())) Die("write failed");
  fsync(fd);
  std::vector<double> ms;
  for (int i = 0; i < probes; ++i) {
    const double t0 = MonotonicSeconds();
    if (pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size()) || fdatasync(fd) != 0)
      Die("fdatasync failed");
    ms.push_back((MonotonicSeconds() - t0) * 1000.0);
  }
  close(fd);
  fs::remove(path);
  f.fdatasync_median_ms = Percentile(ms, 0.5);

  Pg pg(uri);
  pg.Scalar("CREATE TABLE IF NOT EXISTS commit_probe (id BIGINT PRIMARY KEY)");
  ms.clear();
  for (int i = 0; i < probes; ++i) {
    const double t0 = MonotonicSeconds();
    pg.Scalar("INSERT INTO commit_probe VALUES ($1)", {std::to_string(i)});  // autocommit: one durable COMMIT
    ms.push_back((MonotonicSeconds() - t0) * 1000.0);
  }
  pg.Scalar("DROP TABLE commit_probe");
  double sum = 0;
  for (double x : ms) sum += x;
  f.commit_median_ms = Percentile(ms, 0.5);
  f.commit_mean_ms = sum / static_cast<double>(ms.size());
  return f;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return Trim(line.substr(line.find(':') + 1));
  }
  return "?";
}

// "rotational" or "non-rotational" (as the kernel reports it; a virtual disk
// often reports rotational) for the block device under `path`.
std::string DiskKind(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "?";
  const std::string sys = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  std::error_code ec;
  fs::path dev = fs::canonical(sys, ec);
  if (ec) return "?";
  // A partition's queue is its parent's.
  for (fs::path p = dev; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    const std::string rot = Trim(ReadFile((p / "queue/rotational").string()));
    if (!rot.empty())
      return p.filename().string() + (rot == "1" ? ", reported rotational" : ", reported non-rotational");
  }
  return dev.filename().string();
}

// ---- printing ----------------------------------------------------------------

std::string Fixed(double v, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One row of the table: the same configuration in every round.
struct Summary {
  std::string name;
  std::string kind;
  int servers = 0;
  std::vector<const Row*> runs;  // one per round
  std::vector<double> vs_raw;    // per round, against that round's raw baseline

  // The median over rounds of `f(run)`.
  template <typename F>
  double Med(F f) const {
    std::vector<double> v;
    for (const Row* r : runs) v.push_back(f(*r));
    return Median(v);
  }
  template <typename F>
  std::string MedRange(F f, int digits) const {
    std::vector<double> v;
    for (const Row* r : runs) v.push_back(f(*r));
    std::string out = Fixed(Median(v), digits);
    if (v.size() > 1) {
      out += " (" + Fixed(*std::min_element(v.begin(), v.end()), digits) + "–" +
             Fixed(*std::max_element(v.begin(), v.end()), digits) + ")";
    }
    return out;
  }
  std::string RatioRange() const {
    std::string out = Fixed(Median(vs_raw), 2);
    if (vs_raw.size() > 1) {
      out += " (" + Fixed(*std::min_element(vs_raw.begin(), vs_raw.end()), 2) + "–" +
             Fixed(*std::max_element(vs_raw.begin(), vs_raw.end()), 2) + ")";
    }
    return out;
  }
};

std::vector<Summary> Summarize(const std::vector<Row>& rows) {
  std::vector<Summary> out;
  for (const Row& r : rows) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Summary& s) { return s.name == r.name; });
    if (it == out.end()) {
      out.push_back(Summary{r.name, r.kind, r.servers, {}, {}});
      it = out.end() - 1;
    }
    it->runs.push_back(&r);
    for (const Row& base : rows) {
      if (base.kind == "raw" && base.round == r.round && base.PerSecond() > 0) {
        it->vs_raw.push_back(r.PerSecond() / base.PerSecond());
      }
    }
  }
  return out;
}

void PrintTable(const std::vector<Summary>& rows, int rounds) {
  std::cout << "\n"
            << (rounds > 1 ? "Median of " + std::to_string(rounds) +
                                 " rounds (range in brackets); each ratio against "
                                 "the raw baseline of its own round.\n"
                           : "")
            << "\n| row | clients | lifecycles/s | × raw | servers' CPU ms/lifecycle | PostgreSQL CPU ms/lifecycle "
               "| bench process CPU ms/lifecycle | CPU busy % (ours / machine) | chain lock: held % / mean waiters "
               "/ ms held per write | request p50 / p99 ms | WAL KB/lifecycle |\n";
  std::cout << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Summary& s : rows) {
    const Row& any = *s.runs.front();
    auto per_lc = [](double Row::*field) { return [field](const Row& r) { return r.PerLifecycle(r.*field); }; };
    std::cout << "| " << s.name << " | " << any.clients << " | "
              << s.MedRange([](const Row& r) { return r.PerSecond(); }, 1) << " | " << s.RatioRange() << " | "
              << (s.kind == "raw" ? "–" : Fixed(s.Med(per_lc(&Row::servers_cpu_ms)), 2)) << " | "
              << (s.kind == "sqlite" ? "–" : Fixed(s.Med(per_lc(&Row::pg_cpu_ms)), 2)) << " | "
              << Fixed(s.Med(per_lc(&Row::bench_cpu_ms)), 2) << " | "
              << Fixed(s.Med([](const Row& r) { return r.ours_pct; }), 0) << " / "
              << Fixed(s.Med([](const Row& r) { return r.machine_busy_pct; }), 0) << " | ";
    if (any.lock_held_fraction) {
      std::cout << Fixed(100.0 * s.Med([](const Row& r) { return *r.lock_held_fraction; }), 0) << " / "
                << Fixed(s.Med([](const Row& r) { return *r.lock_mean_waiters; }), 1) << " / "
                << Fixed(s.Med([](const Row& r) { return *r.LockHoldMs(); }), 2);
    } else {
      std::cout << "–";
    }
    std::cout << " | " << Fixed(s.Med([](const Row& r) { return r.p50_ms; }), 1) << " / "
              << Fixed(s.Med([](const Row& r) { return r.p99_ms; }), 1) << " | "
              << (any.wal_bytes ? Fixed(s.Med([](const Row& r) {
                   return *r.wal_bytes / 1024.0 / static_cast<double>(r.lifecycles);
                 }),
                                        1)
                                : "–")
              << " |\n";
  }
}

json RowJson(const Row& r) {
  json j = {{"name", r.name},
            {"kind", r.kind},
            {"round", r.round},
            {"servers", r.servers},
            {"clients", r.clients},
            {"lifecycles", r.lifecycles},
            {"seconds", r.seconds},
            {"lifecycles_per_second", r.PerSecond()},
            {"servers_cpu_ms_per_lifecycle", r.PerLifecycle(r.servers_cpu_ms)},
            {"postgres_cpu_ms_per_lifecycle", r.PerLifecycle(r.pg_cpu_ms)},
            {"bench_cpu_ms_per_lifecycle", r.PerLifecycle(r.bench_cpu_ms)},
            {"cpu_busy_ours_pct", r.ours_pct},
            {"cpu_busy_machine_pct", r.machine_busy_pct},
            {"request_p50_ms", r.p50_ms},
            {"request_p99_ms", r.p99_ms},
            {"request_mean_ms", r.mean_ms}};
  if (r.lock_held_fraction) {
    j["lock_held_fraction"] = *r.lock_held_fraction;
    j["lock_mean_waiters"] = *r.lock_mean_waiters;
    j["lock_ms_held_per_write"] = *r.LockHoldMs();
    j["lock_samples"] = r.lock_samples;
  }
  if (r.wal_bytes) j["wal_bytes_per_lifecycle"] = *r.wal_bytes / static_cast<double>(r.lifecycles);
  if (r.doc_bytes) {
    j["stored_per_case"] = {{"doc_bytes", *r.doc_bytes},
                            {"audit_data_bytes", *r.audit_data_bytes},
                            {"audit_entries", *r.audit_per_lifecycle},
                            {"outbox_rows", *r.outbox_per_lifecycle},
                            {"deadline_rows", *r.deadlines_per_lifecycle},
                            {"staff_event_rows", *r.staff_events_per_lifecycle}};
  }
  return j;
}

std::vector<int> ParseList(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"Durable return_refund lifecycles over HTTP: 1..3 servers on one PostgreSQL, SQLite, raw libpq"};
  std::string servers_text = "1,2,3";
  std::optional<std::int64_t> lifecycles;
  std::optional<int> rounds;
  app.add_option("--lifecycles", lifecycles, "timed lifecycles per row and round (default 300; --quick 48)");
  app.add_option("--rounds", rounds, "rounds, each running every row once (default 5; --quick 1)");
  app.add_option("--clients", o.clients, "concurrent clients in every row")->capture_default_str();
  app.add_option("--servers", servers_text, "server counts of the PostgreSQL rows")->capture_default_str();
  app.add_option("--bin", o.bin, "the aftersales binary")->capture_default_str();
  app.add_option("--json", o.json_path, "write the figures here");
  app.add_flag("--keep", o.keep, "keep the cluster and the work directory");
  app.add_flag("--quick", o.quick, "CI sizes: 48 lifecycles a row, one round");
  CLI11_PARSE(app, argc, argv);
  o.servers = ParseList(servers_text);
  if (o.quick) {
    o.lifecycles = 48;
    o.rounds = 1;
    o.sync_probes = 50;
  }
  if (lifecycles) o.lifecycles = *lifecycles;
  if (rounds) o.rounds = *rounds;
  if (o.clients < 1 || o.lifecycles < 1 || o.rounds < 1) {
    std::cerr << "pg_scaleout_bench: --clients, --lifecycles and --rounds must be positive\n";
    return 2;
  }
  const double started = MonotonicSeconds();

  // A work directory others can enter: as root the cluster runs as `postgres`.
  char templ[] = "/tmp/aftersales-pgscale.XXXXXX";
  if (mkdtemp(templ) == nullptr) Die("mkdtemp failed");
  const std::string work = templ;
  chmod(work.c_str(), 0755);
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      if (!keep) {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
    }
  } cleanup{work, o.keep};

  std::cout << "machine: " << std::thread::hardware_concurrency() << " CPUs (" << CpuModel() << "), disk "
            << DiskKind(work) << "; work directory " << work << "\n";
  Cluster cluster(o.source_dir + "/scripts/pg-test-cluster.sh", work + "/pg", o.keep);
  std::cout << "PostgreSQL " << Pg(cluster.uri()).Scalar("SHOW server_version") << " at " << cluster.uri() << " (fsync "
            << Pg(cluster.uri()).Scalar("SHOW fsync") << ", synchronous_commit "
            << Pg(cluster.uri()).Scalar("SHOW synchronous_commit") << ")\n";
  std::cout << o.clients << " clients in every row, " << o.lifecycles << " timed lifecycles ("
            << o.lifecycles * kActionsPerLifecycle << " durable requests) per row, " << o.rounds
            << (o.rounds == 1 ? " round" : " rounds") << "\n";

  Bench bench(o, cluster, work);
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(o.rounds) * (o.servers.size() + 2));
  std::vector<SyncFigures> syncs;
  auto run = [&](const std::string& what, auto fn) {
    std::cout << "  " << what << " ..." << std::flush;
    Row row = fn();
    std::cout << " " << Fixed(row.PerSecond(), 1) << " lifecycles/s in " << Fixed(row.seconds, 1) << " s" << std::endl;
    rows.push_back(std::move(row));
  };
  for (int round = 0; round < o.rounds; ++round) {
    syncs.push_back(MeasureSync(work, cluster.uri(), o.sync_probes));
    const SyncFigures& sync = syncs.back();
    std::cout << "round " << round + 1 << ": fdatasync of one 8 kB write, median " << Fixed(sync.fdatasync_median_ms, 2)
              << " ms; a durable one-row COMMIT over libpq, median " << Fixed(sync.commit_median_ms, 2) << " ms (mean "
              << Fixed(sync.commit_mean_ms, 2) << ", " << sync.probes << " each)\n";
    run("raw libpq baseline", [&] { return bench.Raw(round); });
    for (int s : o.servers) {
      run(std::to_string(s) + (s == 1 ? " server" : " servers") + " on PostgreSQL",
          [&] { return bench.Http(s, true, round); });
    }
    if (o.sqlite) run("1 server on SQLite", [&] { return bench.Http(1, false, round); });
  }

  const std::vector<Summary> summaries = Summarize(rows);
  PrintTable(summaries, o.rounds);

  const Summary* raw = nullptr;
  const Summary* one = nullptr;
  const Summary* target = nullptr;
  for (const Summary& s : summaries) {
    if (s.kind == "raw") raw = &s;
    if (s.kind == "postgres" && s.servers == 1) one = &s;
    if (s.kind == "postgres" && s.servers == kTargetServers) target = &s;
  }
  std::vector<double> commits;
  for (const SyncFigures& f : syncs) commits.push_back(f.commit_median_ms);
  const double commit_ms = Median(commits);
  std::cout << "\none chain whose every action waits for the previous one's COMMIT: at most 1 / (5 × "
            << Fixed(commit_ms, 2) << " ms) = " << Fixed(1000.0 / (kActionsPerLifecycle * commit_ms), 1)
            << " lifecycles/s (the median COMMIT of the rounds)\n";
  if (raw && one) {
    std::cout << "scaling, against 1 server of the same round (median):";
    for (const Summary& s : summaries) {
      if (s.kind != "postgres") continue;
      std::vector<double> v;
      for (const Row* r : s.runs) {
        for (const Row* base : one->runs) {
          if (base->round == r->round && base->PerSecond() > 0) v.push_back(r->PerSecond() / base->PerSecond());
        }
      }
      std::cout << " " << s.servers << ": " << Fixed(Median(v), 2) << "×";
    }
    std::cout << "\n";
  }
  bool target_met = false;
  double target_ratio = 0;
  if (target && raw) {
    target_ratio = Median(target->vs_raw);
    target_met = target_ratio >= kTargetVsRaw;
    std::cout << "target: " << kTargetServers << " servers ≥ " << Fixed(kTargetVsRaw, 1)
              << "× the raw baseline: " << Fixed(target_ratio, 2) << "×" << (o.rounds > 1 ? " (median; rounds:" : "");
    if (o.rounds > 1) {
      for (double v : target->vs_raw) std::cout << " " << Fixed(v, 2);
      std::cout << ")";
    }
    std::cout << " — " << (target_met ? "met" : "NOT met") << " (" << (target_met ? "by " : "short by ")
              << Fixed(std::fabs(target_ratio - kTargetVsRaw), 2) << ")\n";
  }
  for (const Summary& s : summaries) {
    const Row& r = *s.runs.front();
    if (!r.doc_bytes) continue;
    std::cout << "stored per case, " << r.name << ": document " << Fixed(*r.doc_bytes, 0) << " B, audit data "
              << Fixed(*r.audit_data_bytes, 0) << " B × " << Fixed(*r.audit_per_lifecycle, 2) << " entries, outbox "
              << Fixed(*r.outbox_per_lifecycle, 2) << ", deadlines " << Fixed(*r.deadlines_per_lifecycle, 2)
              << ", staff events " << Fixed(*r.staff_events_per_lifecycle, 2) << "\n";
  }
  std::cout << "(whole run " << Fixed(MonotonicSeconds() - started, 1) << " s)\n";

  if (!o.json_path.empty()) {
    json out = {
        {"clients", o.clients},
        {"lifecycles_per_row", o.lifecycles},
        {"rounds", o.rounds},
        {"cpus", std::thread::hardware_concurrency()},
        {"cpu_model", CpuModel()},
        {"sync", json::array()},
        {"target",
         {{"servers", kTargetServers}, {"vs_raw", kTargetVsRaw}, {"measured", target_ratio}, {"met", target_met}}},
        {"rows", json::array()}};
    for (const SyncFigures& f : syncs) {
      out["sync"].push_back({{"fdatasync_8k_median_ms", f.fdatasync_median_ms},
                             {"commit_median_ms", f.commit_median_ms},
                             {"commit_mean_ms", f.commit_mean_ms}});
    }
    for (const Row& r : rows) out["rows"].push_back(RowJson(r));
    std::ofstream(o.json_path) << out.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  try {
    return aftersales::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "\npg_scaleout_bench: " << e.what() << "\n";
    return 1;
  }
}
