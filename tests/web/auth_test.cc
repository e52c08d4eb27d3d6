// Authentication, roles, users, sessions, CSRF and login throttling.
#include <catch2/catch.hpp>
#include <string>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string CookieOf(const HttpResult& r) {
  const std::string set = r.Header("Set-Cookie");
  return set.substr(0, set.find(';'));
}

TEST_CASE("missing, unknown, malformed and disabled credentials answer 401", "[web][auth]") {
  WebFixture web;
  CHECK(web.Get("/api/v1/policy", "").status == 401);
  CHECK(web.Get("/api/v1/policy", "as_" + std::string(64, '0')).status == 401);
  CHECK(web.Get("/api/v1/policy", "", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}).status == 401);
  CHECK(web.Get("/api/v1/policy", "", {{"Cookie", "as_session=nonsense"}}).status == 401);
  HttpResult ok = web.Get("/api/v1/policy", web.token("buyer"));
  CHECK(ok.status == 200);
  // The scheme is case-insensitive.
  CHECK(web.Get("/api/v1/policy", "", {{"Authorization", "bearer " + web.token("buyer")}}).status == 200);

  HttpResult disabled =
      web.Patch("/api/v1/users/" + web.user_id("agent"), json{{"disabled", true}}, web.token("admin"));
  REQUIRE(disabled.status == 200);
  CHECK(disabled.Json()["disabled"] == true);
  HttpResult refused = web.Get("/api/v1/policy", web.token("agent"));
  CHECK(refused.status == 401);
  CHECK(refused.Code() == "unauthenticated");
  REQUIRE(web.Patch("/api/v1/users/" + web.user_id("agent"), json{{"disabled", false}}, web.token("admin")).status ==
          200);
  CHECK(web.Get("/api/v1/policy", web.token("agent")).status == 200);
}

TEST_CASE("route-level roles answer 403 forbidden", "[web][auth]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  for (const std::string role : {"buyer", "integration", "agent", "supervisor", "manager", "warehouse", "finance"}) {
    INFO(role);
    CHECK(web.Get("/api/v1/users", web.token(role)).Code() == "forbidden");
    CHECK(web.Post("/api/v1/users", json{{"name", "x"}, {"role", "agent"}}, web.token(role)).status == 403);
    CHECK(web.Patch("/api/v1/users/" + web.user_id("buyer"), json{{"disabled", true}}, web.token(role)).status == 403);
    CHECK(web.Put("/api/v1/policy", json::object(), web.token(role)).status == 403);
    CHECK(web.Post("/api/v1/test/clock", json{{"advance_seconds", 1}}, web.token(role)).status == 403);
  }
  for (const std::string role : {"buyer", "integration", "agent", "supervisor", "warehouse", "finance"}) {
    INFO(role);
    CHECK(web.Get("/api/v1/audit", web.token(role)).status == 403);
    CHECK(web.Get("/api/v1/audit/verify", web.token(role)).status == 403);
    CHECK(web.Get("/metrics", web.token(role)).status == 403);
  }
  for (const std::string role : {"buyer", "agent", "supervisor", "manager", "warehouse", "finance"}) {
    INFO(role);
    CHECK(web.Post("/api/v1/orders", OrderBody("o-" + role, "b1"), web.token(role)).status == 403);
    CHECK(web.Patch("/api/v1/orders/o1", json{{"delivered_at", nullptr}}, web.token(role)).status == 403);
  }
  for (const std::string role : {"manager", "admin"}) {
    CHECK(web.Get("/api/v1/audit", web.token(role)).status == 200);
    CHECK(web.Get("/api/v1/audit/verify", web.token(role)).status == 200);
  }
  // Malformed JSON is reported before the role (SPEC §4.2).
  CHECK(web.Post("/api/v1/users", std::string("{"), web.token("agent")).Code() == "malformed_json");
}

TEST_CASE("admins create users with a token shown once", "[web][auth][users]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  HttpResult r = web.Post("/api/v1/users", json{{"name", "alice"}, {"role", "agent"}}, admin);
  REQUIRE(r.status == 201);
  json user = r.Json();
  CHECK(user["name"] == "alice");
  CHECK(user["role"] == "agent");
  CHECK(user["approval_limit"] == 20000);  // the policy's default
  CHECK(user["disabled"] == false);
  CHECK(user["external_id"].is_null());
  const std::string id = user["id"];
  CHECK(id.size() == 18);
  CHECK(id.rfind("u_", 0) == 0);
  const std::string token = user["token"];
  CHECK(token.size() == 3 + 64);
  CHECK(token.rfind("as_", 0) == 0);
  CHECK(web.Get("/api/v1/policy", token).status == 200);

  HttpResult supervisor = web.Post("/api/v1/users", json{{"name", "sam"}, {"role", "supervisor"}}, admin);
  CHECK(supervisor.Json()["approval_limit"] == 200000);
  HttpResult limited =
      web.Post("/api/v1/users", json{{"name", "ann"}, {"role", "agent"}, {"approval_limit", 500}}, admin);
  CHECK(limited.Json()["approval_limit"] == 500);

  HttpResult list = web.Get("/api/v1/users", admin);
  REQUIRE(list.status == 200);
  bool found = false;
  const json items = list.Json()["items"];
  for (const auto& u : items) {
    CHECK_FALSE(u.contains("token"));
    CHECK_FALSE(u.contains("password_hash"));
    if (u["id"] == id) found = true;
  }
  CHECK(found);

  SECTION("names are unique") {
    HttpResult again = web.Post("/api/v1/users", json{{"name", "alice"}, {"role", "finance"}}, admin);
    CHECK(again.status == 409);
    CHECK(again.Code() == "already_exists");
  }
  SECTION("buyers need an external_id, and only buyers have one") {
    CHECK(web.Post("/api/v1/users", json{{"name", "bob"}, {"role", "buyer"}}, admin).Code() == "validation_failed");
    HttpResult buyer =
        web.Post("/api/v1/users", json{{"name", "bob"}, {"role", "buyer"}, {"external_id", "b9"}}, admin);
    CHECK(buyer.status == 201);
    CHECK(buyer.Json()["external_id"] == "b9");
    CHECK(web.Post("/api/v1/users", json{{"name", "x1"}, {"role", "agent"}, {"external_id", "b9"}}, admin).status ==
          400);
    CHECK(web.Post("/api/v1/users", json{{"name", "x2"}, {"role", "buyer"}, {"external_id", "b 9"}}, admin).status ==
          400);
  }
  SECTION("roles are checked") {
    CHECK(web.Post("/api/v1/users", json{{"name", "x"}, {"role", "system"}}, admin).status == 400);
    CHECK(web.Post("/api/v1/users", json{{"name", "x"}, {"role", "root"}}, admin).status == 400);
    CHECK(web.Post("/api/v1/users", json{{"name", "x"}, {"role", "finance"}, {"approval_limit", 5}}, admin).status ==
          400);
    CHECK(web.Post("/api/v1/users", json{{"role", "finance"}}, admin).status == 400);
    CHECK(web.Post("/api/v1/users", json{{"name", "x"}, {"role", "finance"}, {"password", "short"}}, admin).status ==
          400);
  }
}

TEST_CASE("admins change users: other fields are refused", "[web][auth][users]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const std::string agent = web.user_id("agent");
  HttpResult r = web.Patch("/api/v1/users/" + agent, json{{"approval_limit", 5000}, {"name", "agent-7"}}, admin);
  REQUIRE(r.status == 200);
  CHECK(r.Json()["approval_limit"] == 5000);
  CHECK(r.Json()["name"] == "agent-7");
  CHECK(web.Patch("/api/v1/users/" + agent, json{{"role", "admin"}}, admin).Code() == "validation_failed");
  CHECK(web.Patch("/api/v1/users/" + agent, json{{"external_id", "b1"}}, admin).status == 400);
  CHECK(web.Patch("/api/v1/users/" + agent, json::object(), admin).status == 400);
  CHECK(web.Patch("/api/v1/users/" + agent, json{{"disabled", "yes"}}, admin).status == 400);
  CHECK(web.Patch("/api/v1/users/" + web.user_id("finance"), json{{"approval_limit", 1}}, admin).status == 400);
  CHECK(web.Patch("/api/v1/users/u_0000000000000000", json{{"disabled", true}}, admin).status == 404);
  CHECK(web.Patch("/api/v1/users/" + agent, json{{"name", "buyer"}}, admin).Code() == "already_exists");
  // An admin cannot lock themselves out.
  CHECK(web.Patch("/api/v1/users/" + web.user_id("admin"), json{{"disabled", true}}, admin).status == 400);

  HttpResult audit = web.Get("/api/v1/audit?action=user_updated", admin);
  REQUIRE(audit.status == 200);
  REQUIRE(audit.Json()["items"].size() == 1);
  json entry = audit.Json()["items"][0];
  CHECK(entry["actor"]["id"] == web.user_id("admin"));
  CHECK(entry["data"]["user_id"] == agent);
  CHECK(entry["data"]["changes"]["approval_limit"] == 5000);
  CHECK(entry.dump().find("agent-7") == std::string::npos);  // names are personal data
}

TEST_CASE("password login gives a cookie session that needs the CSRF token for changes", "[web][auth][session]") {
  WebFixture web;
  web.AddUser("root", Role::kAdmin, std::nullopt, "a long passphrase");
  HttpResult login = web.Post("/api/v1/session", json{{"name", "root"}, {"password", "a long passphrase"}}, "");
  REQUIRE(login.status == 200);
  const std::string set_cookie = login.Header("Set-Cookie");
  CHECK(set_cookie.rfind("as_session=", 0) == 0);
  CHECK(set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(set_cookie.find("Path=/") != std::string::npos);
  json body = login.Json();
  CHECK(body["user"]["name"] == "root");
  const std::string csrf = body["csrf_token"];
  CHECK(csrf.size() == 64);
  const std::string cookie = CookieOf(login);

  HttpResult me = web.Get("/api/v1/session", "", {{"Cookie", cookie}});
  REQUIRE(me.status == 200);
  CHECK(me.Json()["csrf_token"] == csrf);
  CHECK(web.Get("/api/v1/users", "", {{"Cookie", "theme=dark; " + cookie}}).status == 200);

  const json new_user = {{"name", "zed"}, {"role", "finance"}};
  HttpResult no_csrf = web.Post("/api/v1/users", new_user, "", {{"Cookie", cookie}});
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.Code() == "forbidden");
  CHECK(web.Post("/api/v1/users", new_user, "", {{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, 'a')}}).status ==
        403);
  CHECK(web.Post("/api/v1/users", new_user, "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}).status == 201);

  HttpResult audit = web.Get("/api/v1/audit?action=login", web.token("admin"));
  REQUIRE(audit.Json()["items"].size() == 1);
  CHECK(audit.Json()["items"][0]["actor"]["role"] == "admin");

  CHECK(web.Delete("/api/v1/session", "", {{"Cookie", cookie}}).status == 403);
  HttpResult logout = web.Delete("/api/v1/session", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  CHECK(logout.status == 204);
  CHECK(logout.Header("Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK(web.Get("/api/v1/session", "", {{"Cookie", cookie}}).status == 401);
}

TEST_CASE("sessions expire after 12 hours of wall time", "[web][auth][session]") {
  WebFixture web;
  web.AddUser("mia", Role::kManager, std::nullopt, "manager password");
  HttpResult login = web.Post("/api/v1/session", json{{"name", "mia"}, {"password", "manager password"}}, "");
  REQUIRE(login.status == 200);
  const std::string cookie = CookieOf(login);
  web.wall().Advance(12 * kHour - 1);
  CHECK(web.Get("/api/v1/audit", "", {{"Cookie", cookie}}).status == 200);
  web.wall().Advance(1);
  CHECK(web.Get("/api/v1/audit", "", {{"Cookie", cookie}}).status == 401);
}

// A login posted from the loopback address `source` (127.0.0.x).
int LoginFrom(WebFixture& web, const std::string& source, const std::string& name, const std::string& password,
              std::string* retry_after = nullptr) {
  const std::string body = json{{"name", name}, {"password", password}}.dump();
  const std::string raw = "POST /api/v1/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  // The server closes after its answer; the wait only guards against a hang.
  // A password check is slow under the sanitizers on a busy machine, so the
  // guard is the HTTP client's read timeout, not RawExchange's 3 s default.
  constexpr int kAnswerWaitMs = 30'000;
  const std::string answer = RawExchange(web.port(), raw, kAnswerWaitMs, source);
  if (retry_after) {
    const auto at = answer.find("Retry-After: ");
    *retry_after = at == std::string::npos ? "" : answer.substr(at + 13, answer.find("\r\n", at) - at - 13);
  }
  return RawStatus(answer);
}

TEST_CASE("failed logins lock the name for the failing address only, for growing delays", "[web][auth][session]") {
  WebFixture web;
  web.AddUser("lee", Role::kAgent, std::nullopt, "right password");
  const std::string guesser = "127.0.0.9";
  std::string retry;
  // Three failures cost only their password checks; the third starts a 5 s lock.
  for (int i = 0; i < UserService::kFreeFailures; ++i) CHECK(LoginFrom(web, guesser, "lee", "wrong password") == 401);
  CHECK(LoginFrom(web, guesser, "lee", "right password", &retry) == 429);
  CHECK(retry == std::to_string(UserService::kFirstLockSeconds));
  // A stranger's failures do not keep the user out at their own desk.
  CHECK(LoginFrom(web, "127.0.0.1", "lee", "right password") == 200);
  // Nor another name from the guessing address.
  web.AddUser("kim", Role::kAgent, std::nullopt, "kims password");
  CHECK(LoginFrom(web, guesser, "kim", "kims password") == 200);

  // Each further failure doubles the lock.
  web.wall().Advance(UserService::kFirstLockSeconds);
  CHECK(LoginFrom(web, guesser, "lee", "wrong password") == 401);
  CHECK(LoginFrom(web, guesser, "lee", "wrong password", &retry) == 429);
  CHECK(retry == std::to_string(2 * UserService::kFirstLockSeconds));
  web.wall().Advance(2 * UserService::kFirstLockSeconds - 1);
  CHECK(LoginFrom(web, guesser, "lee", "right password") == 429);
  web.wall().Advance(1);
  // The lock over, the right password gets in and the slate is clean.
  CHECK(LoginFrom(web, guesser, "lee", "right password") == 200);
  CHECK(LoginFrom(web, guesser, "lee", "wrong password") == 401);
  CHECK(LoginFrom(web, guesser, "lee", "right password") == 200);

  // Each lockout is in the audit log, with the source and the delay.
  HttpResult audit = web.Get("/api/v1/audit?action=login_throttled", web.token("admin"));
  REQUIRE(audit.status == 200);
  const json items = audit.Json()["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[0]["actor"]["id"] == "system");
  CHECK(items[0]["data"]["user_id"] == web.user_id("lee"));
  CHECK(items[0]["data"]["source"] == guesser);
  CHECK(items[0]["data"]["failures"] == 3);
  CHECK(items[0]["data"]["locked_seconds"] == UserService::kFirstLockSeconds);
  CHECK(items[1]["data"]["failures"] == 4);
  CHECK(items[1]["data"]["locked_seconds"] == 2 * UserService::kFirstLockSeconds);
}

TEST_CASE("the lock grows to its ceiling and unknown names are throttled alike", "[web][auth][session]") {
  WebFixture web;
  const std::string guesser = "127.0.0.10";
  std::string retry;
  for (int failures = 1; failures <= 12; ++failures) {
    CHECK(LoginFrom(web, guesser, "nobody", "guess " + std::to_string(failures)) == 401);
    if (failures < UserService::kFreeFailures) continue;
    CHECK(LoginFrom(web, guesser, "nobody", "guess again", &retry) == 429);
    web.wall().Advance(std::stoll(retry));
  }
  CHECK(retry == std::to_string(UserService::kMaxLockSeconds));
  HttpResult audit = web.Get("/api/v1/audit?action=login_throttled", web.token("admin"));
  REQUIRE(audit.status == 200);
  CHECK(audit.Json()["items"].back()["data"]["user_id"].is_null());
}

TEST_CASE("login refuses unknown names, users without a password and bad bodies", "[web][auth][session]") {
  WebFixture web;
  CHECK(web.Post("/api/v1/session", json{{"name", "ghost"}, {"password", "whatever1"}}, "").status == 401);
  CHECK(web.Post("/api/v1/session", json{{"name", "agent"}, {"password", "whatever1"}}, "").status == 401);
  CHECK(web.Post("/api/v1/session", json{{"name", "agent"}}, "").status == 400);
  CHECK(web.Post("/api/v1/session", json{{"name", "agent"}, {"password", "x"}, {"remember", true}}, "").status == 400);
}

TEST_CASE("bootstrap creates one admin from a token", "[web][auth][users]") {
  WebFixture web;
  // The fixture already has an admin: nothing happens.
  auto none = web.users().Bootstrap("as_bootstrap_token_for_tests");
  REQUIRE(none.ok());
  CHECK_FALSE(*none);
  CHECK(web.Get("/api/v1/policy", "as_bootstrap_token_for_tests").status == 401);
}

}  // namespace
}  // namespace aftersales::testing
