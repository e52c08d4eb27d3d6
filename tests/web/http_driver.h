// HttpDriver: the HTTP API of a WebFixture as a CaseDriver
// (support/role_matrix.h), for the tests of roles and limits: every call a
// real request with the user's bearer token, over one keep-alive
// connection (reopened by the client when the server closes it) with
// TCP_NODELAY. What a
// call changed is read from the store in-process. Single-threaded.
#pragma once

#include <optional>
#include <string>

#include "support/case_calls.h"
#include "support/role_matrix.h"
#include "web/web_fixture.h"

namespace aftersales::testing {

class HttpDriver : public CaseDriver {
 public:
  HttpDriver() : client_("127.0.0.1", web_.port()) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // or each POST (head, then body) waits for a delayed ACK
    client_.set_connection_timeout(10, 0);
    client_.set_read_timeout(60, 0);
    client_.set_write_timeout(60, 0);
  }

  WebFixture& web() { return web_; }

  void AddUser(const std::string& name, const std::string& role, const std::string& buyer_id,
               std::optional<std::int64_t> limit) override {
    const auto parsed = ParseRole(role);
    if (!parsed) throw std::runtime_error("no role " + role);
    web_.AddUser(name, *parsed, buyer_id.empty() ? std::nullopt : std::optional<std::string>(buyer_id), std::nullopt,
                 limit);
  }
  std::string UserId(const std::string& user) override { return web_.user_id(user); }
  std::string Now() override { return FormatTime(web_.clock().Now()); }
  Answer CreateOrder(const nlohmann::json& body) override { return Post("/api/v1/orders", "integration", body); }
  Answer Submit(const std::string& user, const nlohmann::json& body) override {
    return Post("/api/v1/cases", user, body);
  }
  Answer Act(const std::string& user, const std::string& case_id, const std::string& action,
             const nlohmann::json& body) override {
    return Post("/api/v1/cases/" + case_id + "/actions/" + action, user, body);
  }
  Answer View(const std::string& user, const std::string& case_id) override {
    return Of(client_.Get("/api/v1/cases/" + case_id, Auth(user)));
  }
  std::string Fingerprint(const std::string& case_id) override {
    return EngineFingerprint(web_.store(), case_id);
  }

 private:
  httplib::Headers Auth(const std::string& user) { return {{"Authorization", "Bearer " + web_.token(user)}}; }

  Answer Post(const std::string& path, const std::string& user, const nlohmann::json& body) {
    return Of(client_.Post(path, Auth(user), body.dump(), "application/json"));
  }

  static Answer Of(const httplib::Result& r) {
    Answer a;
    if (!r) {
      a.message = "no answer: " + httplib::to_string(r.error());
      return a;
    }
    a.status = r->status;
    nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    if (a.ok()) {
      a.body = body;
    } else if (body.is_object()) {
      // problem+json: its members (state, allowed_actions) are the body.
      a.code = body.value("code", "");
      a.message = body.value("detail", "");
      a.body = body;
    }
    return a;
  }

  WebFixture web_;
  httplib::Client client_;
};

}  // namespace aftersales::testing
