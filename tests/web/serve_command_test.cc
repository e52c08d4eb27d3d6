// `aftersales serve` as a process: start-up, bootstrap, the printed address,
// refusals to start, and a clean stop on SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "api/json_api.h"
#include "db/sqlite/sqlite_store.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/ed25519_key.h"
#include "support/wait.h"
#include "web/web_fixture.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr const char* kBootstrapToken = "as_test_bootstrap_token_0123456789abcdef";

// The program under test: $AFTERSALES_BIN, else next to this test binary.
std::string ProgramPath() {
  if (const char* bin = std::getenv("AFTERSALES_BIN"); bin != nullptr && *bin != '\0') return bin;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "aftersales";
  std::string dir(self, static_cast<std::size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  return dir + "/../cli/aftersales";
}

struct Child {
  pid_t pid = -1;
  int out = -1;  // the child's stdout
};

// Starts the program with `args`; stderr goes to `err_path`. Everything the
// child needs is prepared before fork: only system calls run after it.
Child Spawn(const std::vector<std::string>& args, const std::string& err_path, bool bootstrap) {
  const std::string program = ProgramPath();
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("AFTERSALES_BOOTSTRAP_TOKEN=", 0) != 0) env.emplace_back(*e);
  }
  if (bootstrap) env.push_back(std::string("AFTERSALES_BOOTSTRAP_TOKEN=") + kBootstrapToken);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) ::dup2(err, 2);
    ::close(pipe_fds[0]);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  return Child{pid, pipe_fds[0]};
}

// The first line the child prints, waiting at most `timeout_ms`.
std::string FirstLine(const Child& child, int timeout_ms = 20000) {
  std::string line;
  char c;
  while (line.find('\n') == std::string::npos) {
    pollfd p{child.out, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    if (::read(child.out, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

// The exit status, or -1 when it does not exit within `timeout_ms`.
int WaitExit(const Child& child, int timeout_ms = 20000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    int status = 0;
    const pid_t r = ::waitpid(child.pid, &status, WNOHANG);
    if (r == child.pid) {
      ::close(child.out);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    SleepForMillis(10);
  }
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, nullptr, 0);
  ::close(child.out);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int PortOf(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return std::stoi(m[1].str());
}

HttpResult Call(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Headers headers = {{"Authorization", std::string("Bearer ") + kBootstrapToken}};
  auto r = method == "GET" ? client.Get(path, headers) : client.Post(path, headers, body, "application/json");
  HttpResult out;
  if (r) {
    out.status = r->status;
    out.body = r->body;
  }
  return out;
}

TEST_CASE("serve starts, bootstraps an admin, prints its address and stops on SIGTERM", "[web][serve]") {
  TempDir dir;
  const std::string db = dir.File("serve.db");
  const std::string err = dir.File("stderr.txt");
  std::string now_after_move;
  {
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0", "--test-clock"}, err, true);
    const std::string line = FirstLine(child);
    INFO(line << ReadFile(err));
    const int port = PortOf(line);
    REQUIRE(port > 0);
    CHECK(line.find("test clock") != std::string::npos);
    CHECK(Call(port, "GET", "/healthz").status == 200);
    HttpResult users = Call(port, "GET", "/api/v1/users");
    REQUIRE(users.status == 200);
    json items = json::parse(users.body)["items"];
    REQUIRE(items.size() == 1);
    CHECK(items[0]["name"] == "admin");
    CHECK(items[0]["role"] == "admin");
    HttpResult moved = Call(port, "POST", "/api/v1/test/clock", R"({"advance_seconds": 86400})");
    REQUIRE(moved.status == 200);
    now_after_move = json::parse(moved.body)["now"];

    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
    const std::string log = ReadFile(err);
    CHECK(log.find("SIGTERM") != std::string::npos);
    CHECK(log.find(kBootstrapToken) == std::string::npos);
  }
  {
    // A restart keeps the data and the test clock's time; no second admin.
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0", "--test-clock"}, err, true);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    HttpResult still = Call(port, "POST", "/api/v1/test/clock", R"({"advance_seconds": 0})");
    REQUIRE(still.status == 200);
    CHECK(json::parse(still.body)["now"] == now_after_move);
    CHECK(json::parse(Call(port, "GET", "/api/v1/users").body)["items"].size() == 1);
    ::kill(child.pid, SIGINT);
    CHECK(WaitExit(child) == 0);
  }
  {
    // Without --test-clock the route does not exist.
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0"}, err, false);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    CHECK(Call(port, "POST", "/api/v1/test/clock", R"({"advance_seconds": 0})").status == 404);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
}

TEST_CASE("serve refuses to start with a clear message", "[web][serve]") {
  TempDir dir;
  const std::string err = dir.File("stderr.txt");
  SECTION("the port is taken") {
    WebFixture web;
    Child child =
        Spawn({"serve", "--db", dir.File("a.db"), "--listen", "127.0.0.1:" + std::to_string(web.port())}, err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("in use") != std::string::npos);
  }
  SECTION("the policy file is invalid") {
    json doc = json::parse(DefaultPolicyJson());
    doc["deadlines"]["buyer_ship"]["hours"] = "a week";
    const std::string policy = dir.File("policy.json");
    std::ofstream(policy) << doc.dump();
    Child child = Spawn({"serve", "--db", dir.File("b.db"), "--listen", "127.0.0.1:0", "--policy", policy}, err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("deadlines.buyer_ship.hours") != std::string::npos);
  }
  SECTION("the database cannot be opened") {
    Child child = Spawn({"serve", "--db", dir.File("missing/dir/c.db"), "--listen", "127.0.0.1:0"}, err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("c.db") != std::string::npos);
  }
  SECTION("the address is malformed") {
    Child child = Spawn({"serve", "--db", dir.File("d.db"), "--listen", "localhost"}, err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("--listen") != std::string::npos);
  }
}

TEST_CASE("serve --policy-preset starts a fresh database on the preset and switches presets on restart",
          "[web][serve][preset]") {
  TempDir dir;
  const std::string db = dir.File("preset.db");
  const std::string err = dir.File("stderr.txt");
  auto current_policy = [](int port) {
    HttpResult r = Call(port, "GET", "/api/v1/policy");
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  };
  {
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0", "--policy-preset", "eu"}, err, true);
    const std::string line = FirstLine(child);
    INFO(line << ReadFile(err));
    const int port = PortOf(line);
    REQUIRE(port > 0);
    const json policy = current_policy(port);
    CHECK(policy["version"] == 1);
    CHECK(policy["policy"]["preset"] == "eu");
    CHECK(policy["policy"]["return_window_days"]["no_reason"] == 14);
    CHECK(policy["policy"]["deadlines"]["buyer_ship"]["hours"] == 336);
    CHECK(policy["policy"]["warranty_days"] == 730);
    // The whole merge is there: keys eu leaves to the shipped values too.
    CHECK(policy["policy"]["reasons"] == json::parse(DefaultPolicyJson())["reasons"]);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
  {
    // The same preset again: no new version. Another: a new one.
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0", "--policy-preset", "eu"}, err, true);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    CHECK(current_policy(port)["version"] == 1);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
  {
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0", "--policy-preset", "cn"}, err, true);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    const json policy = current_policy(port);
    CHECK(policy["version"] == 2);
    CHECK(policy["policy"]["preset"] == "cn");
    CHECK(policy["policy"]["return_window_days"]["no_reason"] == 7);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
  {
    // Without a flag the stored policy stays current.
    Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0"}, err, true);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    CHECK(current_policy(port)["policy"]["preset"] == "cn");
    CHECK(current_policy(port)["version"] == 2);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
}

TEST_CASE("serve refuses an unknown preset, and a preset with a policy file", "[web][serve][preset]") {
  TempDir dir;
  const std::string err = dir.File("stderr.txt");
  SECTION("an unknown preset") {
    Child child =
        Spawn({"serve", "--db", dir.File("a.db"), "--listen", "127.0.0.1:0", "--policy-preset", "us"}, err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("preset") != std::string::npos);
  }
  SECTION("both flags") {
    const std::string policy = dir.File("policy.json");
    std::ofstream(policy) << DefaultPolicyJson();
    Child child = Spawn({"serve", "--db", dir.File("b.db"), "--listen", "127.0.0.1:0", "--policy", policy,
                         "--policy-preset", "eu"},
                        err, false);
    CHECK(WaitExit(child) == 2);
    CHECK(ReadFile(err).find("--policy-preset") != std::string::npos);
  }
  SECTION("a policy file naming a preset") {
    const std::string policy = dir.File("policy.json");
    std::ofstream(policy) << R"({"preset": "eu", "warranty_days": 1000})";
    Child child =
        Spawn({"serve", "--db", dir.File("c.db"), "--listen", "127.0.0.1:0", "--policy", policy}, err, true);
    const int port = PortOf(FirstLine(child));
    REQUIRE(port > 0);
    const json served = json::parse(Call(port, "GET", "/api/v1/policy").body)["policy"];
    CHECK(served["preset"] == "eu");
    CHECK(served["warranty_days"] == 1000);
    CHECK(served["return_window_days"]["no_reason"] == 14);
    ::kill(child.pid, SIGTERM);
    CHECK(WaitExit(child) == 0);
  }
}

TEST_CASE("serve writes a signed audit checkpoint at start when given a folder and a key", "[web][serve][checkpoint]") {
  TempDir dir;
  const std::string err = dir.File("stderr.txt");
  const std::string key_file = dir.File("signing.pem");
  {
    auto key = Ed25519PrivateKey::Generate();
    REQUIRE(key.ok());
    auto pem = key->ToPem();
    REQUIRE(pem.ok());
    REQUIRE(WriteFileAtomically(key_file, *pem, 0600, ExistingFile::kRefuse).ok());
  }
  const std::string folder = dir.File("checkpoints");  // made by serve
  Child child = Spawn({"serve", "--db", dir.File("serve.db"), "--listen", "127.0.0.1:0", "--checkpoint-dir", folder,
                       "--checkpoint-key", key_file, "--checkpoint-every", "3600"},
                      err, true);
  const std::string line = FirstLine(child);
  INFO(line << ReadFile(err));
  REQUIRE(PortOf(line) > 0);
  // The first pass runs at start: the bootstrap admin made the log non-empty.
  std::vector<StoredCheckpoint> stored;
  WaitUntil([&] {
    auto listed = CheckpointFolder(folder).List();
    if (listed.ok()) stored = *listed;
    return !stored.empty();
  });
  ::kill(child.pid, SIGTERM);
  CHECK(WaitExit(child) == 0);
  REQUIRE(stored.size() == 1);
  REQUIRE(stored[0].checkpoint.has_value());
  CHECK(stored[0].checkpoint->seq >= 1);
  CHECK(ReadFile(err).find("audit checkpoint written") != std::string::npos);
}

TEST_CASE("serve refuses a checkpoint folder without a usable key", "[web][serve][checkpoint]") {
  TempDir dir;
  const std::string err = dir.File("stderr.txt");
  std::ofstream(dir.File("bad.pem")) << "not a key";
  Child child = Spawn({"serve", "--db", dir.File("a.db"), "--listen", "127.0.0.1:0", "--checkpoint-dir",
                       dir.File("checkpoints"), "--checkpoint-key", dir.File("bad.pem")},
                      err, false);
  CHECK(WaitExit(child) == 2);
  CHECK(ReadFile(err).find("bad.pem") != std::string::npos);
}

// Runs `sql` on the database file outside the program; returns the first
// column of the first row ("" when none).
std::string RawSql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  std::string first;
  char* error = nullptr;
  const int rc = sqlite3_exec(
      handle, sql.c_str(),
      [](void* out, int, char** values, char**) {
        auto* s = static_cast<std::string*>(out);
        if (s->empty() && values[0] != nullptr) *s = values[0];
        return 0;
      },
      &first, &error);
  INFO(sql << ": " << (error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(handle);
  REQUIRE(rc == SQLITE_OK);
  return first;
}

TEST_CASE("serve rebuilds empty staff events from the audit log at start", "[web][serve][reports]") {
  TempDir dir;
  const std::string db = dir.File("upgraded.db");
  const std::string err = dir.File("stderr.txt");
  std::string events_before;
  {
    // One refunded case (5 staff events), then the table is emptied, as on a
    // database upgraded from before the reports.
    auto store = SqliteStore::Open(db);
    REQUIRE(store.ok());
    ManualClock clock(kWebStart);
    PolicyRegistry policies(**store);
    REQUIRE(policies.Initialize(DefaultPolicy(), clock.Now()).ok());
    CaseEngine cases_engine(**store, clock, policies);
  JsonApi cases(cases_engine);
    auto actor = [](const std::string& id, Role role) {
      Actor a;
      a.id = id;
      a.role = role;
      a.limit = 20000;
      return a;
    };
    const Actor integration = actor("u_int", Role::kIntegration);
    const Actor agent = actor("u_agent", Role::kAgent);
    const Actor finance = actor("u_fin", Role::kFinance);
    REQUIRE(cases.CreateOrder(integration, OrderBody("o1", "b1")).ok());
    auto c = cases.Submit(integration, json{{"order_id", "o1"},
                                            {"type", "refund_only"},
                                            {"reason", "quality_issue"},
                                            {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}});
    REQUIRE(c.ok());
    const std::string id = (*c)["id"];
    REQUIRE(cases.Apply(agent, id, "approve", json::object()).ok());
    REQUIRE(cases.Apply(finance, id, "refund_issued", json{{"external_ref", "P1"}}).ok());
  }
  const std::string dump =
      "SELECT group_concat(seq || user_id || kind || value, ';') FROM"
      " (SELECT * FROM staff_events ORDER BY seq, user_id, kind)";
  events_before = RawSql(db, dump);
  CHECK(RawSql(db, "SELECT COUNT(*) FROM staff_events") == "5");
  RawSql(db, "DELETE FROM staff_events");

  Child child = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0"}, err, false);
  const std::string line = FirstLine(child);
  INFO(line << ReadFile(err));
  REQUIRE(PortOf(line) > 0);
  ::kill(child.pid, SIGTERM);
  CHECK(WaitExit(child) == 0);
  CHECK(ReadFile(err).find("staff events rebuilt from the audit log (5 events from") != std::string::npos);
  CHECK(RawSql(db, dump) == events_before);

  // The next start finds the table filled and says nothing.
  Child again = Spawn({"serve", "--db", db, "--listen", "127.0.0.1:0"}, err, false);
  REQUIRE(PortOf(FirstLine(again)) > 0);
  ::kill(again.pid, SIGTERM);
  CHECK(WaitExit(again) == 0);
  CHECK(ReadFile(err).find("staff events rebuilt") == std::string::npos);
}

}  // namespace
}  // namespace aftersales::testing
