// WebFixture: the whole server stack in-process for HTTP tests — a database
// of its own (a SQLite file in a fresh directory, or, when
// AFTERSALES_TEST_POSTGRES is set (the CTest runs "postgres:..."), an empty
// PostgreSQL database: support/test_database.h), the policy registry, the
// case and user services, manual clocks and an HttpServer on an ephemeral
// port — plus a user of every role (tokens by name) and small HTTP helpers.
// Each test builds its own fixture, so tests never share state.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "api/json_api.h"
#include "engine/policy_registry.h"
#include "engine/test_clock.h"
#include "engine/users/user_service.h"
#include "support/fault_injecting_store.h"
#include "support/temp_dir.h"
#include "support/test_database.h"
#include "web/http_server.h"

namespace aftersales::testing {

// 2026-11-01T00:00:00Z.
constexpr TimePoint kWebStart = 1793491200;

struct HttpResult {
  int status = 0;  // 0: no answer (transport error)
  std::string body;
  httplib::Headers headers;

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string ContentType() const { return Header("Content-Type"); }
  // The problem+json `code`, or "" when the body is not a problem.
  std::string Code() const {
    auto j = Json();
    return j.is_object() && j.contains("code") && j["code"].is_string() ? j["code"].get<std::string>() : "";
  }
};

class WebFixture {
 public:
  struct Options {
    bool test_clock = false;
    // Serve through a FaultInjectingStore (see faults()).
    bool fault_injection = false;
    HttpServerOptions server;
  };

  WebFixture() : WebFixture(Options{}) {}
  explicit WebFixture(Options options);
  ~WebFixture();

  int port() const { return server_->port(); }
  // The store the services use (the fault injector when enabled).
  Store& store() { return faults_ ? static_cast<Store&>(*faults_) : *store_; }
  FaultInjectingStore& faults() { return *faults_; }
  JsonApi& cases() { return *cases_; }
  CaseEngine& engine() { return *engine_; }
  UserService& users() { return *users_; }
  PolicyRegistry& policies() { return *policies_; }
  ManualClock& wall() { return wall_; }
  const Clock& clock() const;
  TestClock* test_clock() { return test_clock_.get(); }
  WebServices services();
  // The database: raw SQL on it, a dump of every row (both backends).
  const TestDatabase& database() const { return database_; }
  // The SQLite file; fails the test on PostgreSQL (tag it [sqlite]).
  std::string db_path() const { return database_.sqlite_path(); }

  // Tokens of the users made at start: buyer (external_id b1), buyer2 (b2),
  // integration, agent, supervisor, manager, warehouse, finance, admin.
  const std::string& token(const std::string& name) const { return tokens_.at(name); }
  const std::string& user_id(const std::string& name) const { return user_ids_.at(name); }
  // Creates a user through the service; returns its token. Agents and
  // supervisors without `approval_limit` get the policy's.
  std::string AddUser(const std::string& name, Role role, std::optional<std::string> external_id = std::nullopt,
                      std::optional<std::string> password = std::nullopt,
                      std::optional<Money> approval_limit = std::nullopt);

  // Requests with `token` as bearer (none when empty).
  HttpResult Get(const std::string& path, const std::string& token, const httplib::Headers& headers = {});
  HttpResult Post(const std::string& path, const std::string& body, const std::string& token,
                  const httplib::Headers& headers = {}, const std::string& content_type = "application/json");
  HttpResult Post(const std::string& path, const nlohmann::json& body, const std::string& token,
                  const httplib::Headers& headers = {});
  HttpResult Patch(const std::string& path, const nlohmann::json& body, const std::string& token,
                   const httplib::Headers& headers = {});
  HttpResult Put(const std::string& path, const nlohmann::json& body, const std::string& token,
                 const httplib::Headers& headers = {});
  HttpResult Delete(const std::string& path, const std::string& token, const httplib::Headers& headers = {});
  HttpResult Send(const std::string& method, const std::string& path, const std::string& body, const std::string& token,
                  httplib::Headers headers, const std::string& content_type);

  // The access log lines written so far.
  std::vector<std::string> access_log();

 private:
  TempDir dir_;
  TestDatabase database_{dir_.File("web.db")};  // outlives the store (PostgreSQL: the database is given back)
  ManualClock wall_{kWebStart};
  ManualClock engine_clock_{kWebStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<FaultInjectingStore> faults_;
  std::unique_ptr<TestClock> test_clock_;
  std::unique_ptr<PolicyRegistry> policies_;
  std::unique_ptr<CaseEngine> engine_;
  std::unique_ptr<JsonApi> cases_;
  std::unique_ptr<UserService> users_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, std::string> user_ids_;
  std::unique_ptr<HttpServer> server_;
};

// Opens a TCP connection to 127.0.0.1:`port` (from the loopback address
// `source`, e.g. "127.0.0.7", when given), sends `raw`, and returns all
// bytes received until the server closes the connection or `timeout_ms`
// passes without data.
std::string RawExchange(int port, const std::string& raw, int timeout_ms = 3000, const std::string& source = "");
// The status code of the first response in `raw` ("HTTP/1.1 413 ..."), or 0.
int RawStatus(const std::string& raw);
// How many responses `raw` holds.
int RawResponseCount(const std::string& raw);

// A connected socket to 127.0.0.1:`port`, from the loopback address
// `source` when given; -1 on failure. The caller closes it.
int ConnectTo(int port, const std::string& source = "");

// A valid POST /orders body: two lines, delivered two days before kWebStart.
nlohmann::json OrderBody(const std::string& id, const std::string& buyer_id);

}  // namespace aftersales::testing
