// The server itself: start/stop, public routes, the API description,
// problem+json for unknown routes, the access log and /metrics.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <string>

#include "support/wait.h"
#include "web/api_routes.h"
#include "web/metrics.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("the server listens on an ephemeral port and answers /healthz without auth", "[web][server]") {
  WebFixture web;
  REQUIRE(web.port() > 0);
  HttpResult r = web.Get("/healthz", "");
  CHECK(r.status == 200);
  CHECK(r.ContentType() == "application/json");
  CHECK(r.Json() == json{{"status", "ok"}});
  CHECK(r.Header("X-Content-Type-Options") == "nosniff");

  HttpResult head = web.Send("HEAD", "/healthz", "", "", {}, "");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
}

TEST_CASE("a taken port is reported clearly", "[web][server]") {
  WebFixture web;
  HttpServerOptions quiet;
  quiet.access_log = [](const std::string&) {};
  HttpServer second(web.services(), quiet);
  Status s = second.Start("127.0.0.1", web.port());
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.message().find("127.0.0.1:" + std::to_string(web.port())) != std::string::npos);
  CHECK(s.message().find("in use") != std::string::npos);
  // The first server is still serving.
  CHECK(web.Get("/healthz", "").status == 200);
}

TEST_CASE("stop is idempotent and a stopped server refuses connections", "[web][server]") {
  WebFixture web;
  HttpServerOptions quiet;
  quiet.access_log = [](const std::string&) {};
  HttpServer server(web.services(), quiet);
  REQUIRE(server.Start("127.0.0.1", 0).ok());
  const int port = server.port();
  CHECK(RawStatus(RawExchange(port, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")) == 200);
  server.Stop();
  server.Stop();
  CHECK(ConnectTo(port) < 0);
}

TEST_CASE("the OpenAPI document is public and describes every route", "[web][server][openapi]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  HttpResult r = web.Get("/api/v1/openapi.json", "");
  REQUIRE(r.status == 200);
  CHECK(r.ContentType() == "application/json");
  json doc = r.Json();
  REQUIRE(doc.is_object());
  CHECK(doc["openapi"] == "3.1.0");
  HttpMetrics metrics;
  for (const Route& route : BuildApiRoutes(web.services(), metrics)) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    INFO(route.method << " " << route.pattern);
    const std::string& path = route.pattern;
    CHECK(doc["paths"].contains(path));
    if (doc["paths"].contains(path)) CHECK(doc["paths"][path].contains(method));
  }
}

TEST_CASE("unknown routes answer problem+json 404, after authentication under /api", "[web][server]") {
  WebFixture web;
  HttpResult anonymous = web.Get("/api/v1/nothing-here", "");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.Code() == "unauthenticated");
  CHECK(anonymous.Header("WWW-Authenticate") == "Bearer");

  HttpResult r = web.Get("/api/v1/nothing-here", web.token("agent"));
  CHECK(r.status == 404);
  CHECK(r.ContentType() == "application/problem+json");
  json p = r.Json();
  CHECK(p["code"] == "not_found");
  CHECK(p["status"] == 404);
  CHECK(p["type"].is_string());
  CHECK(p["title"].is_string());
  CHECK(p["detail"].is_string());
  CHECK(p["errors"].is_array());

  CHECK(web.Get("/no-such-page", "").status == 404);
  // A method the route does not take is an unknown route too.
  CHECK(web.Delete("/api/v1/cases", web.token("agent")).status == 404);
  // Trailing slashes and ids outside [A-Za-z0-9._-]{1,64} do not match.
  CHECK(web.Get("/api/v1/cases/", web.token("agent")).status == 404);
  CHECK(web.Get("/api/v1/cases/" + std::string(65, 'a'), web.token("agent")).status == 404);
}

TEST_CASE("the access log has one JSON line per request and never a secret", "[web][server]") {
  WebFixture web;
  web.AddUser("carol", Role::kAgent, std::nullopt, "correct horse battery");
  const std::string admin = web.token("admin");
  HttpResult created =
      web.Post("/api/v1/users", json{{"name", "dave"}, {"role", "agent"}, {"password", "s3cret-pass"}}, admin);
  REQUIRE(created.status == 201);
  const std::string new_token = created.Json()["token"];
  web.Post("/api/v1/session", json{{"name", "carol"}, {"password", "correct horse battery"}}, "");
  web.Get("/api/v1/cases/c123", admin);

  // Log lines are written after the answers: wait for them.
  std::vector<std::string> lines;
  REQUIRE(WaitUntil([&] {
    lines = web.access_log();
    return lines.size() >= 3;
  }));
  bool saw_case_route = false;
  for (const auto& line : lines) {
    INFO(line);
    json j = json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(line == j.dump());  // compact, members in sorted order
    CHECK(j.at("method").is_string());
    CHECK(j.at("route").is_string());
    CHECK(j.at("path").is_string());
    CHECK(j.at("remote").is_string());
    CHECK(j.at("status").is_number_integer());
    CHECK(j.at("ms").is_number());
    CHECK(j.at("ms").get<double>() >= 0);
    CHECK((j.at("actor").is_string() || j.at("actor").is_null()));
    CHECK(ParseTime(j.at("ts").get<std::string>()).has_value());
    CHECK(line.find(admin) == std::string::npos);
    CHECK(line.find(new_token) == std::string::npos);
    CHECK(line.find("s3cret-pass") == std::string::npos);
    CHECK(line.find("correct horse") == std::string::npos);
    if (j["route"] == "/api/v1/cases/{id}") {
      saw_case_route = true;
      CHECK(j["actor"] == web.user_id("admin"));
      CHECK(j["method"] == "GET");
      CHECK(j["path"] == "/api/v1/cases/c123");
      CHECK(j["status"] == 404);
      CHECK(j["remote"] == "127.0.0.1");
    }
    if (j["route"] == "/api/v1/session") CHECK(j["actor"].is_null());
  }
  CHECK(saw_case_route);
}

TEST_CASE("/metrics serves Prometheus text to managers and admins", "[web][server][metrics]") {
  WebFixture web;
  REQUIRE(web.Get("/healthz", "").status == 200);
  CHECK(web.Get("/metrics", "").status == 401);
  CHECK(web.Get("/metrics", web.token("agent")).status == 403);
  CHECK(web.Get("/metrics", web.token("buyer")).status == 403);

  // A request is counted once its answer is written: wait for it.
  HttpResult r;
  WaitUntil([&] {
    r = web.Get("/metrics", web.token("manager"));
    return r.body.find("route=\"/healthz\"") != std::string::npos;
  });
  REQUIRE(r.status == 200);
  CHECK(r.ContentType().rfind("text/plain", 0) == 0);
  CHECK(r.body.find("# TYPE aftersales_http_requests_total counter") != std::string::npos);
  CHECK(r.body.find("aftersales_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1") !=
        std::string::npos);
  CHECK(r.body.find("# TYPE aftersales_http_request_duration_seconds histogram") != std::string::npos);
  CHECK(
      r.body.find("aftersales_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",le=\"+Inf\"} 1") !=
      std::string::npos);
  CHECK(r.body.find("aftersales_cases{state=\"requested\"} 0") != std::string::npos);
  CHECK(r.body.find("aftersales_cases{state=\"cancelled\"} 0") != std::string::npos);
  CHECK(r.body.find("aftersales_deadlines_due_within_hour 0") != std::string::npos);
  CHECK(r.body.find("aftersales_deadlines_breached 0") != std::string::npos);
  CHECK(web.Get("/metrics", web.token("admin")).status == 200);
}

TEST_CASE("a storage failure answers 503 and writes nothing", "[web][server]") {
  WebFixture::Options options;
  options.fault_injection = true;
  WebFixture web(options);
  const std::string admin = web.token("admin");
  const json body = {{"name", "uma"}, {"role", "finance"}};
  web.faults().FailAt(1);
  HttpResult failed = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "k-uma"}});
  CHECK(failed.status == 503);
  CHECK(failed.Code() == "unavailable");
  CHECK(failed.Json()["detail"] == "storage is unavailable; nothing was changed");
  CHECK(failed.body.find("injected") == std::string::npos);
  web.faults().Clear();

  const json users = web.Get("/api/v1/users", admin).Json()["items"];
  for (const auto& u : users) CHECK(u["name"] != "uma");
  // 5xx answers are not stored: the same key runs the request again.
  HttpResult retried = web.Post("/api/v1/users", body, admin, {{"Idempotency-Key", "k-uma"}});
  CHECK(retried.status == 201);
  CHECK(retried.Header("Idempotent-Replayed").empty());

  json logged;
  CHECK(WaitUntil([&] {
    for (const auto& line : web.access_log()) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j["status"] == 503) logged = j;
    }
    return !logged.is_null();
  }));
  CHECK(logged.value("error", "").find("injected fault") != std::string::npos);
}

}  // namespace
}  // namespace aftersales::testing
