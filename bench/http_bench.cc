// http_bench: the HTTP API under load, against a bare cpp-httplib handler
// measured in the same run (docs/BENCHMARKS.md).
//
//   http_bench [--seconds D] [--runs K] [--cases N] [--json FILE] [--quick]
//
// In one process it starts the real server exactly as `aftersales serve`
// sets it up (HttpServer with its default options: thread pool, TCP_NODELAY,
// keep-alive and timeouts; the deadline scheduler and the webhook
// dispatcher running beside it; the access log on stderr, which is sent to
// a file as a service manager would) on a fresh durable SQLite file, and a
// bare cpp-httplib server with the same settings whose one handler answers
// a small JSON body. The database is filled by driving the real engine
// (bench/shop_simulator.h: cases in every state over the last `--days`),
// then agents with bearer tokens get the open cases assigned round-robin.
//
// Then `wrk --latency` (32 connections, 2 threads, D seconds) runs, K
// rounds, against:
//   - the bare handler (the baseline), with the very requests of the next;
//   - GET /api/v1/cases/{id}, spread over every case but the commented ones;
//   - an agent's queue as the web UI asks for it: GET /api/v1/cases?state=
//     <every open state>&assignee=me&sort=due_at&limit=50;
//   - POST /api/v1/cases/{id}/actions/comment, spread over half of the open
//     cases, which the reads leave alone (a comment can repeat and changes
//     no version, so expected_version is not needed; each one is a durable
//     transaction with its audit entry).
// Requests come from bench/wrk/requests.lua. Each figure is the round with
// the median requests/s; a figure counts only when wrk saw no non-2xx
// answer and no socket error. Targets (printed, never asserted): a case
// read at least 0.5x the bare handler, the queue page at least 0.2x;
// durable actions at least 5,000/s with p99 under 50 ms. Beside each figure: the engine alone (the token check and
// the service method of the route, called in-process on as many threads as
// wrk has connections), which is what the HTTP layer could reach at best,
// and for writes how many transactions each COMMIT (one fsync) carried.
//
// Where the time goes: --only SCENARIO runs one scenario (and the
// baseline), --dir keeps the files, and the process id is printed for a
// profiler (`perf record -g -p PID`). What-if switches, each changing one
// thing from `serve`: --idle-readers N, --discard-access-log.
//
// --quick (CTest): a small database, one round of 1 s with 8 connections;
// fails only when wrk is missing or a run did not work (a non-2xx answer, a
// socket error, no request served, a check on the served data failing).
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench/shop_simulator.h"
#include "db/sqlite/sqlite_store.h"
#include "domain/clock.h"
#include "domain/vocabulary.h"
#include "api/json_api.h"
#include "engine/cases/deadline_scheduler.h"
#include "engine/policy_registry.h"
#include "engine/users/user_service.h"
#include "engine/webhooks/webhook_dispatcher.h"
#include "engine/webhooks/webhook_service.h"
#include "web/http_server.h"
#include "web/http_webhook_transport.h"
#include "web/request_limits.h"
#include "workflows/policy.h"

#ifndef AFTERSALES_WRK_SCRIPTS_DIR
#define AFTERSALES_WRK_SCRIPTS_DIR "bench/wrk"
#endif

namespace aftersales::bench {
namespace {

using nlohmann::json;

constexpr const char* kHost = "127.0.0.1";
constexpr int kAgents = 4;
constexpr int kQueuePageSize = 50;
constexpr int kListPageSize = 200;
// wrk gets this long beyond its duration before it is killed.
constexpr int kWrkGraceSeconds = 30;
// The performance issue's read targets, against the bare handler: a case
// at least half its rate, the queue page (a page of whole cases) a fifth.
constexpr double kCaseReadTargetRatio = 0.5;
constexpr double kQueueTargetRatio = 0.2;
constexpr double kActionTargetPerSecond = 5000;
constexpr double kActionTargetP99Millis = 50;
constexpr const char* kCommentBody = R"({"text":"Called the buyer back about the parcel.","visibility":"internal"})";
constexpr const char* kBareBody = R"({"ok":true,"service":"bare"})";
constexpr int kStartWaitMillis = 5000;

// --- wrk --------------------------------------------------------------------

struct WrkFigures {
  bool parsed = false;
  double requests_per_second = 0;
  double p50_millis = 0;
  double p99_millis = 0;
  std::int64_t requests = 0;
  std::int64_t non_2xx = 0;        // wrk's "Non-2xx or 3xx responses"
  std::int64_t socket_errors = 0;  // connect + read + write + timeout
  std::string output;              // wrk's own text, for the record
  // Set by the caller: the store's group commit during the run (write
  // transactions made durable, and the COMMITs, each one fsync, that did it).
  std::int64_t durable_commands = 0;
  std::int64_t commits = 0;
  // Read connections the store opened during the run, kept or not.
  std::int64_t read_connections_opened = 0;
  // This process's CPU (user + system, every thread: the server answering,
  // not wrk) during the run, per request: noise from other work on the
  // machine barely moves it, unlike req/s.
  double cpu_micros_per_request = 0;

  bool Valid() const { return parsed && requests > 0 && non_2xx == 0 && socket_errors == 0; }
};

// User + system CPU seconds of this whole process so far.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// "850.00us", "1.23ms", "1.02s", "2.00m" in milliseconds.
std::optional<double> LatencyMillis(const std::string& value, const std::string& unit) {
  const double v = std::stod(value);
  if (unit == "us") return v / 1000;
  if (unit == "ms") return v;
  if (unit == "s") return v * 1000;
  if (unit == "m") return v * 60'000;
  return std::nullopt;
}

WrkFigures ParseWrkOutput(const std::string& output) {
  WrkFigures f;
  f.output = output;
  std::smatch m;
  const std::regex rate(R"(Requests/sec:\s+([0-9.]+))");
  const std::regex total(R"((\d+) requests in )");
  const std::regex percentile(R"(\s(50|99)%\s+([0-9.]+)(us|ms|s|m)\b)");
  const std::regex errors(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
  const std::regex non_2xx(R"(Non-2xx or 3xx responses: (\d+))");
  bool have_p50 = false, have_p99 = false;
  if (std::regex_search(output, m, rate)) f.requests_per_second = std::stod(m[1]);
  if (std::regex_search(output, m, total)) f.requests = std::stoll(m[1]);
  for (auto it = std::sregex_iterator(output.begin(), output.end(), percentile); it != std::sregex_iterator(); ++it) {
    const auto millis = LatencyMillis((*it)[2], (*it)[3]);
    if (!millis) continue;
    if ((*it)[1] == "50") {
      f.p50_millis = *millis;
      have_p50 = true;
    } else {
      f.p99_millis = *millis;
      have_p99 = true;
    }
  }
  if (std::regex_search(output, m, errors)) {
    f.socket_errors = std::stoll(m[1]) + std::stoll(m[2]) + std::stoll(m[3]) + std::stoll(m[4]);
  }
  if (std::regex_search(output, m, non_2xx)) f.non_2xx = std::stoll(m[1]);
  f.parsed = f.requests_per_second > 0 && have_p50 && have_p99;
  return f;
}

std::string ShellQuote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `command` through the shell; its stdout and stderr together.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

bool WrkInstalled() { return Capture("command -v wrk").find("wrk") != std::string::npos; }

struct WrkSettings {
  int seconds = 10;
  int connections = 32;
  int threads = 2;
  // A request unanswered this long counts as a socket error (wrk's default).
  int timeout_seconds = 2;
  std::string script;  // bench/wrk/requests.lua
};

// One wrk run: `method` requests read from `requests_file` ("<token>
// <path>" lines), with `body` when not empty.
WrkFigures RunWrk(const WrkSettings& settings, int port, const std::string& method, const std::string& requests_file,
                  const std::string& body) {
  std::ostringstream command;
  command << "timeout -k 5 " << settings.seconds + kWrkGraceSeconds << " wrk --latency -c " << settings.connections
          << " -t " << settings.threads << " -d " << settings.seconds << "s --timeout " << settings.timeout_seconds
          << "s -s " << ShellQuote(settings.script)
          << " http://" << kHost << ":" << port << " -- " << method << " " << ShellQuote(requests_file);
  if (!body.empty()) command << " " << ShellQuote(body);
  return ParseWrkOutput(Capture(command.str()));
}

// --- the servers --------------------------------------------------------------

// cpp-httplib with its own connection loop, HttpServer's worker count and
// keep-alive limit (ConnectionLimits' defaults), and one handler answering a
// small JSON body: what the library itself costs.
class BareServer {
 public:
  BareServer() {
    const ConnectionLimits settings;
    const auto threads = static_cast<std::size_t>(settings.workers);
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_tcp_nodelay(true);
    server_.set_read_timeout(settings.head_timeout_ms / 1000, 0);
    server_.set_write_timeout(settings.write_timeout_ms / 1000, 0);
    server_.set_keep_alive_timeout(settings.idle_timeout_ms / 1000);
    server_.set_keep_alive_max_count(static_cast<std::size_t>(settings.keep_alive_max_requests));
    server_.set_payload_max_length(kMaxBodyBytes);
    server_.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
    server_.set_socket_options([this](socket_t fd) {
      int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd_ = fd;
    });
    backlog_ = settings.listen_backlog;
    server_.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kBareBody, "application/json");
    });
  }
  ~BareServer() { Stop(); }

  // The bound port, or 0 when it could not listen.
  int Start() {
    port_ = server_.bind_to_any_port(kHost);
    if (port_ <= 0) return 0;
    if (listen_fd_ >= 0) ::listen(listen_fd_, backlog_);  // as HttpServer does
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int waited = 0; !server_.is_running() && waited < kStartWaitMillis; ++waited) SleepForMillis(1);
    return server_.is_running() ? port_ : 0;
  }

  void Stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int listen_fd_ = -1;
  int backlog_ = 0;
};

// Sends this process's stderr (the access log of `serve`) to a file while
// alive, as a service manager would; the bench itself writes to stdout.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 2);
      ::close(fd);
    }
  }
  ~StderrToFile() {
    std::fflush(stderr);
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
    }
  }
  StderrToFile(const StderrToFile&) = delete;
  StderrToFile& operator=(const StderrToFile&) = delete;

 private:
  int saved_ = -1;
};

// The folder of the database, the request lists and the access log: a new
// temporary one, removed with this object, or a new one the user named and
// keeps.
class WorkFolder {
 public:
  WorkFolder() = default;
  ~WorkFolder() {
    std::error_code ignored;
    if (temporary_) std::filesystem::remove_all(path_, ignored);
  }
  WorkFolder(const WorkFolder&) = delete;
  WorkFolder& operator=(const WorkFolder&) = delete;

  // Creates `path`, or a temporary folder when it is empty. False when it
  // cannot (or `path` exists).
  bool Create(const std::string& path) {
    if (!path.empty()) {
      path_ = path;
      std::error_code error;
      return std::filesystem::create_directories(path_, error);
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "http_bench_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return false;
    path_ = pattern;
    temporary_ = true;
    return true;
  }
  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
  bool temporary_ = false;
};

// --- the data -----------------------------------------------------------------

struct SeededData {
  SimulationTotals simulated;
  // The open cases (those an agent may comment on) are split in two: every
  // other one is assigned to an agent and read, the rest take the
  // comments. Reading a case loads all its texts, comments included, so
  // reads of the commented cases would slow down round after round.
  std::vector<std::string> read_case_ids;     // every case but the commented ones
  std::vector<std::string> comment_case_ids;  // open, unassigned, commented on
  std::int64_t open_cases = 0;
  std::map<std::string, std::int64_t> states;
  std::vector<std::string> agent_tokens;
  std::vector<std::int64_t> queue_sizes;  // per agent: items on the first queue page
  double seconds = 0;
};

// Simulates `cases` cases through the engine over the `days` before `now`,
// on a database loaded without fsync (it is reopened durable to serve).
Result<SimulationTotals> SimulateHistory(const std::string& db_path, std::int64_t cases, int days, TimePoint now) {
  const TimePoint start = now - days * kDay;
  ManualClock clock(start - kDay);
  SqliteStore::Options load_options;
  load_options.clock = &clock;
  load_options.unsafe_bulk_load = true;
  auto store = SqliteStore::Open(db_path, load_options);
  if (!store.ok()) return store.status();
  PolicyRegistry policies(**store);
  AS_RETURN_IF_ERROR(policies.Initialize(DefaultPolicy(), clock.Now()));
  CaseEngine service_engine(**store, clock, policies);
  JsonApi service(service_engine);
  SimulationOptions options;
  options.cases = cases;
  options.days = days;
  options.start = start;
  return Simulate(**store, service, clock, options);
}

// The names of the non-terminal states.
std::vector<std::string> OpenStates() {
  std::vector<std::string> open;
  for (int i = 0; i < kStateCount; ++i) {
    if (!IsTerminal(static_cast<State>(i))) open.push_back(NameOf(static_cast<State>(i)));
  }
  return open;
}

// An agent's own open cases, the most urgent first, as the web UI's queue
// asks for them (web/ui/js/pages/queue.js); QueuePath() is its URL.
CaseListParams AgentQueue() {
  CaseListParams queue;
  queue.assignee = "me";
  queue.states = OpenStates();
  queue.sort = "due_at";
  queue.limit = std::to_string(kQueuePageSize);
  return queue;
}

Actor BenchAdmin() {
  Actor admin;
  admin.id = "bench";
  admin.role = Role::kAdmin;
  return admin;
}

// Every case as `agent` sees it, page after page.
Result<std::vector<json>> AllCases(JsonApi& cases, const Actor& agent) {
  std::vector<json> all;
  CaseListParams query;
  query.sort = "created_at";
  query.limit = std::to_string(kListPageSize);
  for (;;) {
    auto page = cases.ListCases(agent, query);
    if (!page.ok()) return page.status();
    for (json& item : page->at("items")) all.push_back(std::move(item));
    if (page->at("next_cursor").is_null()) return all;
    query.cursor = page->at("next_cursor").get<std::string>();
  }
}

bool Allows(const json& kase, const std::string& action) {
  const json& allowed = kase.at("allowed_actions");
  return std::find(allowed.begin(), allowed.end(), action) != allowed.end();
}

// A user with a bearer token: its token and the actor it stands for.
Result<std::pair<std::string, Actor>> AddUser(UserService& users, const std::string& name, Role role) {
  NewUser user;
  user.name = name;
  user.role = role;
  auto created = users.CreateUser(BenchAdmin(), user);
  if (!created.ok()) return created.status();
  auto actor = users.Authenticate(created->token);
  if (!actor.ok()) return actor.status();
  return std::make_pair(created->token, *actor);
}

// Agents with tokens, and a supervisor who assigns them the open cases.
Status SeedAgentsAndQueues(JsonApi& cases, UserService& users, SeededData& data) {
  std::vector<Actor> agents;
  for (int i = 1; i <= kAgents; ++i) {
    auto agent = AddUser(users, "bench-agent-" + std::to_string(i), Role::kAgent);
    if (!agent.ok()) return agent.status();
    data.agent_tokens.push_back(agent->first);
    agents.push_back(agent->second);
  }
  auto assigner = AddUser(users, "bench-supervisor", Role::kSupervisor);
  if (!assigner.ok()) return assigner.status();

  auto all = AllCases(cases, agents.front());
  if (!all.ok()) return all.status();
  for (const json& kase : *all) {
    const std::string id = kase.at("id").get<std::string>();
    ++data.states[kase.at("state").get<std::string>()];
    if (!Allows(kase, "comment")) {
      data.read_case_ids.push_back(id);
      continue;
    }
    if (data.open_cases++ % 2 == 1) {
      data.comment_case_ids.push_back(id);
      continue;
    }
    data.read_case_ids.push_back(id);
    const Actor& agent = agents[(data.open_cases / 2) % agents.size()];
    AS_RETURN_IF_ERROR(cases.Apply(assigner->second, id, "assign", {{"assignee", agent.id}}).status());
  }
  for (const Actor& agent : agents) {
    auto page = cases.ListCases(agent, AgentQueue());
    if (!page.ok()) return page.status();
    data.queue_sizes.push_back(static_cast<std::int64_t>(page->at("items").size()));
  }
  return Status::Ok();
}

std::string QueuePath() {
  std::string states;
  for (const std::string& state : OpenStates()) states += (states.empty() ? "" : ",") + state;
  return "/api/v1/cases?state=" + states + "&assignee=me&sort=due_at&limit=" + std::to_string(kQueuePageSize);
}

// Writes "<token> <path>" lines, one per path, the tokens taken in turn.
bool WriteRequests(const std::string& file, const std::vector<std::string>& paths,
                   const std::vector<std::string>& tokens) {
  std::ofstream out(file);
  for (std::size_t i = 0; i < paths.size(); ++i) out << tokens[i % tokens.size()] << " " << paths[i] << "\n";
  return static_cast<bool>(out);
}

std::int64_t CountComments(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::int64_t count = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM audit WHERE action = ?", -1, &stmt, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, "comment", -1, SQLITE_STATIC);
      if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db);
  return count;
}

// --- the scenarios ------------------------------------------------------------

struct Scenario {
  std::string name;
  std::string label;  // what the table shows
  std::string method;
  std::string requests_file;
  std::string body;
  bool bare = false;  // against the bare server
  enum class Target { kNone, kReadRatio, kDurableAction } target = Target::kNone;
  double read_ratio_target = 0;  // kReadRatio: the least ratio to the bare handler
  // A request of the list sent once before the load, and what it must answer.
  std::function<std::string(const httplib::Result&)> check;
  // The engine's share of one request, called in-process: the token check
  // and the service method that the route calls (none for the baseline).
  std::function<Status()> engine_call;

  double engine_micros = 0;            // per call, one thread, no HTTP
  double engine_calls_per_second = 0;  // as many threads as wrk has connections, no HTTP
  std::vector<WrkFigures> runs;

  const WrkFigures& Median() const {
    std::vector<const WrkFigures*> sorted;
    for (const WrkFigures& r : runs) sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(),
              [](const WrkFigures* a, const WrkFigures* b) { return a->requests_per_second < b->requests_per_second; });
    return *sorted[(sorted.size() - 1) / 2];
  }
  bool AllValid() const {
    return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const WrkFigures& r) { return r.Valid(); });
  }
};

// What `serve` builds on its store, in the same order, on the system clock.
struct Services {
  explicit Services(SqliteStore& s)
      : store(s),
        policies(s),
        engine(s, clock, policies),
        cases(engine),
        users(s, clock, policies, clock),
        webhooks(s, clock, clock) {}

  SqliteStore& store;
  SystemClock clock;
  PolicyRegistry policies;
  CaseEngine engine;
  JsonApi cases;
  UserService users;
  WebhookService webhooks;
};

// The four scenarios; their engine calls use `services` and `data`, which
// must outlive them.
std::vector<Scenario> BuildScenarios(const WorkFolder& folder, Services& services, const SeededData& data) {
  // The engine calls walk their lists as wrk does, on many threads. One
  // counter for all three: shared_ptr because each std::function holds a
  // copy of its lambda.
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  const auto agent_of = [&services, &data](std::size_t i) {
    return services.users.Authenticate(data.agent_tokens[i % data.agent_tokens.size()]);
  };
  const auto expect_case = [](const httplib::Result& r) -> std::string {
    const json j = json::parse(r->body, nullptr, false);
    return j.is_object() && j.contains("id") && j.contains("allowed_actions") ? "" : "not a case: " + r->body;
  };

  std::vector<Scenario> scenarios(4);
  Scenario& bare = scenarios[0];
  bare.name = "bare";
  bare.label = "bare cpp-httplib handler";
  bare.method = "GET";
  bare.requests_file = folder.File("cases.txt");  // the very requests of get_case
  bare.bare = true;
  bare.check = [](const httplib::Result& r) -> std::string {
    return r->body == kBareBody ? "" : "unexpected body: " + r->body;
  };

  Scenario& get_case = scenarios[1];
  get_case.name = "get_case";
  get_case.label = "GET /api/v1/cases/{id}";
  get_case.method = "GET";
  get_case.requests_file = folder.File("cases.txt");
  get_case.target = Scenario::Target::kReadRatio;
  get_case.read_ratio_target = kCaseReadTargetRatio;
  get_case.check = expect_case;
  get_case.engine_call = [&services, &data, next, agent_of]() -> Status {
    const std::size_t i = (*next)++;
    auto agent = agent_of(i);
    if (!agent.ok()) return agent.status();
    return services.cases.GetCaseText(*agent, data.read_case_ids[i % data.read_case_ids.size()]).status();
  };

  Scenario& queue = scenarios[2];
  queue.name = "queue";
  queue.label = "GET /api/v1/cases?assignee=me (queue)";
  queue.method = "GET";
  queue.requests_file = folder.File("queue.txt");
  queue.target = Scenario::Target::kReadRatio;
  queue.read_ratio_target = kQueueTargetRatio;
  queue.check = [](const httplib::Result& r) -> std::string {
    const json j = json::parse(r->body, nullptr, false);
    return j.is_object() && j.contains("items") && !j["items"].empty()
               ? ""
               : "an empty or malformed queue: " + r->body.substr(0, 200);
  };
  queue.engine_call = [&services, next, agent_of]() -> Status {
    auto agent = agent_of((*next)++);
    if (!agent.ok()) return agent.status();
    return services.cases.ListCasesText(*agent, AgentQueue()).status();  // as the route serves it
  };

  Scenario& comment = scenarios[3];
  comment.name = "comment";
  comment.label = "POST /api/v1/cases/{id}/actions/comment";
  comment.method = "POST";
  comment.requests_file = folder.File("comment.txt");
  comment.body = kCommentBody;
  comment.target = Scenario::Target::kDurableAction;
  comment.check = expect_case;
  comment.engine_call = [&services, &data, next, agent_of, body = json::parse(kCommentBody)]() -> Status {
    const std::size_t i = (*next)++;
    auto agent = agent_of(i);
    if (!agent.ok()) return agent.status();
    const std::string& id = data.comment_case_ids[i % data.comment_case_ids.size()];
    return services.cases.Apply(*agent, id, "comment", body).status();
  };
  return scenarios;
}

// Calls per second of `call` (thread-safe), called back to back on each of
// `threads` threads for about `seconds`. Errors: the first failing call's.
Result<double> CallsPerSecond(const std::function<Status()>& call, int threads, double seconds) {
  std::atomic<std::int64_t> calls{0};
  std::mutex error_mu;
  Status error;
  const double started = MonotonicSeconds();
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&] {
      while (MonotonicSeconds() - started < seconds) {
        Status s = call();
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (error.ok()) error = s;
          return;
        }
        ++calls;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  AS_RETURN_IF_ERROR(error);
  return static_cast<double>(calls.load()) / (MonotonicSeconds() - started);
}

// The engine alone, before any server runs: one thread, then as many as wrk
// has connections. What the HTTP layer could reach at best. Errors: a
// failing engine call.
Status MeasureEngine(std::vector<Scenario>& scenarios, int threads, double seconds) {
  for (Scenario& s : scenarios) {
    if (!s.engine_call) continue;
    auto alone = CallsPerSecond(s.engine_call, 1, seconds);
    if (!alone.ok()) return alone.status();
    auto together = CallsPerSecond(s.engine_call, threads, seconds);
    if (!together.ok()) return together.status();
    s.engine_micros = 1e6 / *alone;
    s.engine_calls_per_second = *together;
    std::printf("  in-process %-9s %8.0f us per call on one thread, %8.0f calls/s on %d threads\n", s.name.c_str(),
                s.engine_micros, s.engine_calls_per_second, threads);
  }
  return Status::Ok();
}

// The first line of `requests_file`, sent once with httplib; "" when its
// answer passes `scenario.check`, else what went wrong.
std::string Probe(const Scenario& scenario, int port) {
  std::ifstream in(scenario.requests_file);
  std::string token, path;
  in >> token >> path;
  httplib::Client client(kHost, port);
  const httplib::Headers headers = {{"Authorization", "Bearer " + token}};
  const httplib::Result answer = scenario.method == "POST"
                                     ? client.Post(path.c_str(), headers, scenario.body, "application/json")
                                     : client.Get(path.c_str(), headers);
  if (!answer) return "no answer to " + path;
  if (answer->status != 200) return path + " answered " + std::to_string(answer->status) + ": " + answer->body;
  return scenario.check(answer);
}

std::string Millis(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", ms);
  return text;
}

struct BenchOptions {
  WrkSettings wrk;
  int runs = 3;
  std::int64_t cases = 3000;
  int days = 30;
  double engine_seconds = 2;  // each in-process measurement
  std::string json_path;
  std::string work_dir;
  std::string only;
  bool discard_access_log = false;
  int idle_readers = SqliteStore::Options().max_idle_readers;
};

// What the servers' run left behind, besides each scenario's runs.
struct ServedFigures {
  std::int64_t comments_written = 0;  // audit entries, counted in the file
  std::int64_t access_log_bytes = 0;
};

// Starts both servers as `serve` would (with the deadline scheduler and
// the webhook dispatcher), checks one request of each scenario, then runs
// wrk round after round. Returns "" or what went wrong.
std::string ServeAndLoad(const BenchOptions& options, Services& services, const WorkFolder& folder,
                         std::vector<Scenario>& scenarios, ServedFigures& figures) {
  std::string failure;
  {
    StderrToFile access_log(folder.File("access.log"));
    HttpServerOptions server_options;
    if (options.discard_access_log) server_options.access_log = [](const std::string&) {};
    WebServices web{services.store,  services.cases, services.users, services.policies,
                    services.clock,  services.clock, nullptr,        &services.webhooks};
    HttpServer server(web, server_options);
    BareServer bare;
    const int bare_port = bare.Start();
    if (Status started = server.Start(kHost, 0); !started.ok() || bare_port == 0) {
      return "cannot start the servers: " + started.message();
    }
    DeadlineScheduler scheduler(services.engine.sweeper(), {});
    scheduler.Start();
    HttpWebhookTransport webhook_transport;
    WebhookDispatcher dispatcher(services.webhooks, webhook_transport, services.clock);
    if (Status s = dispatcher.Start(); !s.ok()) failure = "the webhook dispatcher did not start: " + s.message();
    const WrkSettings& wrk = options.wrk;
    std::printf("http_bench: pid %d, aftersales on port %d, bare cpp-httplib on port %d; wrk -c %d -t %d -d %ds, "
                "%d round(s)\n",
                static_cast<int>(::getpid()), server.port(), bare_port, wrk.connections, wrk.threads, wrk.seconds,
                options.runs);
    for (const Scenario& s : scenarios) {
      if (!failure.empty()) break;
      const std::string problem = Probe(s, s.bare ? bare_port : server.port());
      if (!problem.empty()) failure = s.name + ": " + problem;
    }
    const std::string db_path = services.store.path();
    const std::int64_t comments_before = CountComments(db_path);
    for (int round = 0; round < options.runs && failure.empty(); ++round) {
      for (Scenario& s : scenarios) {
        const SqliteStore::WriteStats writes_before = services.store.write_stats();
        const SqliteStore::ReadStats reads_before = services.store.read_stats();
        const double cpu_before = ProcessCpuSeconds();
        WrkFigures f = RunWrk(wrk, s.bare ? bare_port : server.port(), s.method, s.requests_file, s.body);
        const double cpu_after = ProcessCpuSeconds();
        const SqliteStore::WriteStats writes_after = services.store.write_stats();
        const SqliteStore::ReadStats reads_after = services.store.read_stats();
        if (f.requests > 0) f.cpu_micros_per_request = (cpu_after - cpu_before) * 1e6 / static_cast<double>(f.requests);
        f.durable_commands = writes_after.commands - writes_before.commands;
        f.commits = writes_after.batches - writes_before.batches;
        f.read_connections_opened = reads_after.opened - reads_before.opened;
        std::printf("  round %d %-9s %10.0f req/s  p50 %8s ms  p99 %8s ms  CPU %7.1f us/req  non-2xx %lld  socket errors %lld",
                    round + 1, s.name.c_str(), f.requests_per_second, Millis(f.p50_millis).c_str(),
                    Millis(f.p99_millis).c_str(), f.cpu_micros_per_request, static_cast<long long>(f.non_2xx),
                    static_cast<long long>(f.socket_errors));
        if (f.commits > 0) {
          std::printf("  (%lld writes in %lld commits)", static_cast<long long>(f.durable_commands),
                      static_cast<long long>(f.commits));
        }
        if (!s.bare) std::printf("  read connections opened %lld", static_cast<long long>(f.read_connections_opened));
        std::printf("\n");
        if (!f.Valid()) std::printf("  wrk said:\n%s\n", f.output.c_str());
        s.runs.push_back(std::move(f));
      }
    }
    scheduler.Stop();
    dispatcher.Stop();
    server.Stop();
    bare.Stop();
    figures.comments_written = CountComments(db_path) - comments_before;
  }
  std::error_code ignored;
  figures.access_log_bytes = static_cast<std::int64_t>(std::filesystem::file_size(folder.File("access.log"), ignored));
  return failure;
}

// Prints the table and writes the JSON file. Returns whether every figure
// is valid (no non-2xx answer, no socket error).
bool Report(const BenchOptions& options, const SeededData& data, const std::vector<Scenario>& scenarios,
            const ServedFigures& served) {
  double baseline_rate = 0;
  for (const Scenario& s : scenarios) {
    if (s.bare) baseline_rate = s.Median().requests_per_second;
  }
  std::printf("\n%-42s %10s %8s %9s %9s %8s %10s  %s\n", "scenario (median round)", "req/s", "x bare", "p50 ms",
              "p99 ms", "non-2xx", "engine/s", "target");
  json out_scenarios = json::array();
  bool all_valid = true;
  for (const Scenario& s : scenarios) {
    const WrkFigures& m = s.Median();
    const double ratio = baseline_rate > 0 ? m.requests_per_second / baseline_rate : 0;
    std::int64_t non_2xx = 0, socket_errors = 0;
    json rounds = json::array();
    for (const WrkFigures& r : s.runs) {
      non_2xx += r.non_2xx;
      socket_errors += r.socket_errors;
      rounds.push_back({{"requests_per_second", r.requests_per_second}, {"p50_ms", r.p50_millis},
                        {"p99_ms", r.p99_millis}, {"requests", r.requests}, {"non_2xx", r.non_2xx},
                        {"socket_errors", r.socket_errors}, {"durable_commands", r.durable_commands},
                        {"read_connections_opened", r.read_connections_opened},
                        {"commits", r.commits}, {"cpu_us_per_request", r.cpu_micros_per_request},
                        {"wrk_output", r.output}});
    }
    const bool valid = s.AllValid();
    all_valid = all_valid && valid;
    std::string target = "(baseline)";
    std::optional<bool> met;
    if (s.target == Scenario::Target::kReadRatio) {
      met = ratio >= s.read_ratio_target;
      char text[32];
      std::snprintf(text, sizeof text, ">= %.1fx bare", s.read_ratio_target);
      target = text;
    } else if (s.target == Scenario::Target::kDurableAction) {
      met = m.requests_per_second >= kActionTargetPerSecond && m.p99_millis < kActionTargetP99Millis;
      target = ">= 5,000/s, p99 < 50 ms";
    }
    if (met) target += *met ? ": met" : ": NOT MET";
    if (!valid) target += " (INVALID: non-2xx or socket errors)";
    std::printf("%-42s %10.0f %7.2fx %9s %9s %8lld %10.0f  %s\n", s.label.c_str(), m.requests_per_second, ratio,
                Millis(m.p50_millis).c_str(), Millis(m.p99_millis).c_str(), static_cast<long long>(non_2xx),
                s.engine_calls_per_second, target.c_str());
    out_scenarios.push_back({{"name", s.name},
                             {"label", s.label},
                             {"requests_per_second", m.requests_per_second},
                             {"ratio_to_bare", ratio},
                             {"p50_ms", m.p50_millis},
                             {"p99_ms", m.p99_millis},
                             {"non_2xx", non_2xx},
                             {"socket_errors", socket_errors},
                             {"valid", valid},
                             {"engine_us_per_call_one_thread", s.engine_micros},
                             {"engine_calls_per_second", s.engine_calls_per_second},
                             {"target", target},
                             {"target_met", met ? json(*met) : json(nullptr)},
                             {"rounds", rounds}});
  }
  std::printf("(engine/s: the token check and the service method called in-process on %d threads, no HTTP)\n",
              options.wrk.connections);
  std::printf("comments written during the runs: %lld (durable, each with its audit entry); access log: %.1f MB\n",
              static_cast<long long>(served.comments_written), served.access_log_bytes / 1e6);
  if (!options.json_path.empty()) {
    const WrkSettings& wrk = options.wrk;
    json doc = {{"settings",
                 {{"seconds", wrk.seconds},
                  {"connections", wrk.connections},
                  {"threads", wrk.threads},
                  {"rounds", options.runs},
                  {"access_log", options.discard_access_log ? "discarded" : "stderr to a file"},
                  {"idle_readers", options.idle_readers},
                  {"cpus", std::thread::hardware_concurrency()}}},
                {"data",
                 {{"cases", data.read_case_ids.size() + data.comment_case_ids.size()},
                  {"open_cases", data.open_cases},
                  {"read_cases", data.read_case_ids.size()},
                  {"commented_cases", data.comment_case_ids.size()},
                  {"states", data.states},
                  {"engine_actions", data.simulated.actions},
                  {"deadline_firings", data.simulated.firings},
                  {"queue_page_sizes", data.queue_sizes},
                  {"load_seconds", data.seconds}}},
                {"comments_written", served.comments_written},
                {"access_log_bytes", served.access_log_bytes},
                {"scenarios", out_scenarios}};
    std::ofstream(options.json_path) << doc.dump(2) << "\n";
  }
  return all_valid;
}

int Run(int argc, char** argv) {
  CLI::App app{"The HTTP API under wrk, against a bare cpp-httplib handler."};
  BenchOptions options;
  options.wrk.script = std::string(AFTERSALES_WRK_SCRIPTS_DIR) + "/requests.lua";
  bool quick = false;
  app.add_option("--seconds", options.wrk.seconds, "duration of each wrk run")->check(CLI::PositiveNumber);
  app.add_option("--runs", options.runs, "rounds over every scenario (each figure is the median round)")
      ->check(CLI::PositiveNumber);
  app.add_option("--connections", options.wrk.connections, "wrk connections")->check(CLI::PositiveNumber);
  app.add_option("--threads", options.wrk.threads, "wrk threads")->check(CLI::PositiveNumber);
  app.add_option("--cases", options.cases, "cases simulated through the engine")->check(CLI::PositiveNumber);
  app.add_option("--days", options.days, "the cases arrive over this many days before now")
      ->check(CLI::PositiveNumber);
  app.add_option("--script", options.wrk.script, "the wrk script (bench/wrk/requests.lua)");
  app.add_option("--json", options.json_path, "also write every figure and wrk's own output as JSON to this file");
  app.add_option("--dir", options.work_dir, "keep the database, request lists and access log in this new folder");
  app.add_option("--only", options.only, "run only this scenario (and the baseline), e.g. to profile it")
      ->check(CLI::IsMember({"get_case", "queue", "comment"}));
  app.add_flag("--discard-access-log", options.discard_access_log,
               "what-if: build each access-log line but write it nowhere");
  app.add_option("--idle-readers", options.idle_readers,
                 "what-if: read connections the store keeps for reuse (default: the store's default, as serve)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--quick", quick,
               "CI mode: 400 cases, one round of 1 s, 8 connections; asserts only that the runs worked");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    options.cases = 400;
    options.days = 20;
    options.runs = 1;
    options.wrk.seconds = 1;
    options.engine_seconds = 0.2;
    // Sanitizer builds answer slowly, a queue page in about a second with 32
    // connections: fewer connections and a longer timeout make sure every
    // run completes requests. Quick mode checks answers, not speed.
    options.wrk.connections = 8;
    options.wrk.timeout_seconds = 30;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  ::signal(SIGPIPE, SIG_IGN);  // wrk drops its connections at the end of a run
  if (!WrkInstalled()) {
    std::printf("http_bench: wrk is not installed (Debian: apt-get install wrk)\n");
    return 2;
  }
  if (!std::filesystem::exists(options.wrk.script)) {
    std::printf("http_bench: no wrk script at %s (see --script)\n", options.wrk.script.c_str());
    return 2;
  }
  WorkFolder folder;
  if (!folder.Create(options.work_dir)) {
    std::printf("http_bench: cannot create the folder %s\n",
                options.work_dir.empty() ? "(temporary)" : options.work_dir.c_str());
    return 2;
  }
  const std::string db_path = folder.File("http_bench.db");

  // The data, through the engine.
  SeededData data;
  const double load_started = MonotonicSeconds();
  std::printf("http_bench: simulating %lld cases over %d days through the engine ...\n",
              static_cast<long long>(options.cases), options.days);
  auto simulated = SimulateHistory(db_path, options.cases, options.days, SystemClock().Now());
  if (!simulated.ok()) {
    std::printf("http_bench: simulation failed: %s\n", simulated.status().message().c_str());
    return 2;
  }
  data.simulated = *simulated;

  // From here on, as `serve` opens and serves the file.
  SqliteStore::Options store_options;
  store_options.max_idle_readers = options.idle_readers;
  auto store = SqliteStore::Open(db_path, store_options);
  if (!store.ok()) {
    std::printf("http_bench: %s\n", store.status().message().c_str());
    return 2;
  }
  Services services(**store);
  if (Status s = services.policies.Initialize(DefaultPolicy(), services.clock.Now(), false); !s.ok()) {
    std::printf("http_bench: %s\n", s.message().c_str());
    return 2;
  }
  if (Status s = SeedAgentsAndQueues(services.cases, services.users, data); !s.ok()) {
    std::printf("http_bench: seeding failed: %s\n", s.message().c_str());
    return 2;
  }
  data.seconds = MonotonicSeconds() - load_started;

  std::vector<std::string> case_paths, comment_paths;
  for (const std::string& id : data.read_case_ids) case_paths.push_back("/api/v1/cases/" + id);
  for (const std::string& id : data.comment_case_ids) comment_paths.push_back("/api/v1/cases/" + id + "/actions/comment");
  const std::vector<std::string> queue_paths(data.agent_tokens.size(), QueuePath());
  const bool written = WriteRequests(folder.File("cases.txt"), case_paths, data.agent_tokens) &&
                       WriteRequests(folder.File("queue.txt"), queue_paths, data.agent_tokens) &&
                       WriteRequests(folder.File("comment.txt"), comment_paths, data.agent_tokens);
  if (!written || data.comment_case_ids.empty()) {
    std::printf("http_bench: cannot write the request lists (or no open case to comment on)\n");
    return 2;
  }
  std::string states;
  for (const auto& [state, n] : data.states) states += " " + state + "=" + std::to_string(n);
  std::string queues;
  for (std::int64_t n : data.queue_sizes) queues += " " + std::to_string(n);
  std::printf("http_bench: %zu cases (%lld open: %zu assigned and read, %zu commented on), %lld engine actions and "
              "%lld deadline firings, in %.1f s\n  states:%s\n  queue page sizes per agent:%s\n",
              data.read_case_ids.size() + data.comment_case_ids.size(), static_cast<long long>(data.open_cases),
              static_cast<std::size_t>(data.open_cases) - data.comment_case_ids.size(), data.comment_case_ids.size(),
              static_cast<long long>(data.simulated.actions), static_cast<long long>(data.simulated.firings),
              data.seconds, states.c_str(), queues.c_str());

  std::vector<Scenario> scenarios = BuildScenarios(folder, services, data);
  if (!options.only.empty()) {
    scenarios.erase(std::remove_if(scenarios.begin(), scenarios.end(),
                                   [&](const Scenario& s) { return !s.bare && s.name != options.only; }),
                    scenarios.end());
  }
  if (Status s = MeasureEngine(scenarios, options.wrk.connections, options.engine_seconds); !s.ok()) {
    std::printf("http_bench: an engine call failed: %s\n", s.message().c_str());
    return 1;
  }
  ServedFigures served;
  if (const std::string failure = ServeAndLoad(options, services, folder, scenarios, served); !failure.empty()) {
    std::printf("http_bench: %s\n", failure.c_str());
    return 1;
  }
  return Report(options, data, scenarios, served) ? 0 : 1;
}

}  // namespace
}  // namespace aftersales::bench

int main(int argc, char** argv) { return aftersales::bench::Run(argc, argv); }
