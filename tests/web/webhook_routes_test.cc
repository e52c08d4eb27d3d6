// The webhook routes' wire contract (SPEC §6.12): status codes, roles,
// problem+json, paging, idempotency, no secret in any answer, and the
// outbox backlog gauge on /metrics. Business rules are tested through
// WebhookService directly (tests/engine/webhook_service_test.cc).
#include <catch2/catch.hpp>

#include "engine/webhooks/webhook_service.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "route-test-secret-0123456789";

// The fixture's stack served by a second server that also has webhooks.
class WebhookServer {
 public:
  WebhookServer() : hooks_(f_.store(), f_.clock(), f_.wall()) {
    WebServices services = f_.services();
    services.webhooks = &hooks_;
    HttpServerOptions options;
    options.access_log = [](const std::string&) {};
    server_ = std::make_unique<HttpServer>(services, options);
    Status started = server_->Start("127.0.0.1", 0);
    if (!started.ok()) throw std::runtime_error(started.message());
  }
  ~WebhookServer() { server_->Stop(); }

  WebFixture& f() { return f_; }
  WebhookService& hooks() { return hooks_; }
  const std::string& admin() const { return f_.token("admin"); }

  HttpResult Send(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "", httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result{nullptr, httplib::Error::Unknown};
    if (method == "GET") {
      result = client.Get(path, headers);
    } else if (method == "DELETE") {
      result = client.Delete(path, headers);
    } else if (method == "PATCH") {
      result = client.Patch(path, headers, body, "application/json");
    } else {
      result = client.Post(path, headers, body, "application/json");
    }
    HttpResult out;
    if (!result) return out;
    out.status = result->status;
    out.body = result->body;
    out.headers = result->headers;
    return out;
  }
  HttpResult Get(const std::string& path, const std::string& token) { return Send("GET", path, token); }
  HttpResult Post(const std::string& path, const json& body, const std::string& token, httplib::Headers headers = {}) {
    return Send("POST", path, token, body.dump(), std::move(headers));
  }
  std::string CreateHook(std::vector<std::string> events) {
    auto res =
        Post("/api/v1/webhooks", {{"url", "http://127.0.0.1:9/in"}, {"events", events}, {"secret", kSecret}}, admin());
    REQUIRE(res.status == 201);
    return res.Json()["id"];
  }
  // An order and a case: one case.created event in the outbox.
  void AddCase(const std::string& order_id) {
    REQUIRE(f_.Post("/api/v1/orders", OrderBody(order_id, "b1"), f_.token("integration")).status == 201);
    json submit = {{"order_id", order_id},
                   {"type", "refund_only"},
                   {"reason", "not_received"},
                   {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}};
    auto res = f_.Post("/api/v1/cases", submit, f_.token("buyer"));
    INFO(res.body);
    REQUIRE(res.status == 201);
  }

 private:
  WebFixture f_;
  WebhookService hooks_;
  std::unique_ptr<HttpServer> server_;
};

TEST_CASE("POST /webhooks answers 201 without the secret: GET lists and shows", "[web][webhooks]") {
  WebhookServer s;
  auto created =
      s.Post("/api/v1/webhooks",
             {{"url", "https://shop.example/hook"}, {"events", {"case.created"}}, {"secret", kSecret}}, s.admin());
  REQUIRE(created.status == 201);
  CHECK_THAT(created.ContentType(), Catch::StartsWith("application/json"));
  const json view = created.Json();
  CHECK(view["url"] == "https://shop.example/hook");
  CHECK(view["events"] == json({"case.created"}));
  CHECK_FALSE(view.contains("secret"));
  CHECK(created.body.find(kSecret) == std::string::npos);

  auto list = s.Get("/api/v1/webhooks", s.admin());
  REQUIRE(list.status == 200);
  REQUIRE(list.Json()["items"].size() == 1);
  CHECK(list.Json()["items"][0] == view);
  CHECK(list.body.find(kSecret) == std::string::npos);

  auto one = s.Get("/api/v1/webhooks/" + view["id"].get<std::string>(), s.admin());
  REQUIRE(one.status == 200);
  CHECK(one.Json() == view);
  CHECK(s.Get("/api/v1/webhooks/wh_0000000000000000", s.admin()).Code() == "not_found");

  auto audit = s.f().Get("/api/v1/audit?action=webhook_created", s.admin());
  REQUIRE(audit.status == 200);
  CHECK(audit.Json()["items"].size() == 1);
  CHECK(audit.body.find(kSecret) == std::string::npos);
}

TEST_CASE("webhook routes are for admins and validate their input", "[web][webhooks]") {
  WebhookServer s;
  const json good = {{"url", "https://shop.example/hook"}, {"events", {"case.created"}}, {"secret", kSecret}};
  CHECK(s.Post("/api/v1/webhooks", good, "").status == 401);
  auto manager = s.Post("/api/v1/webhooks", good, s.f().token("manager"));
  CHECK(manager.status == 403);
  CHECK(manager.Code() == "forbidden");
  CHECK(s.Get("/api/v1/webhooks", s.f().token("agent")).status == 403);

  json bad = good;
  bad["secret"] = "short";
  auto invalid = s.Post("/api/v1/webhooks", bad, s.admin());
  CHECK(invalid.status == 400);
  CHECK_THAT(invalid.ContentType(), Catch::StartsWith("application/problem+json"));
  CHECK(invalid.Code() == "validation_failed");
  CHECK(invalid.Json()["errors"][0]["field"] == "secret");
  CHECK(invalid.body.find("short") == std::string::npos);  // the secret is not echoed

  bad = good;
  bad["events"] = json::array({"order.created"});
  CHECK(s.Post("/api/v1/webhooks", bad, s.admin()).Json()["errors"][0]["field"] == "events[0]");
  CHECK(s.Send("POST", "/api/v1/webhooks", s.admin(), "{\"url\":").Code() == "malformed_json");
  CHECK(s.Get("/api/v1/webhooks", s.admin()).Json()["items"].empty());
}

TEST_CASE("POST /webhooks honours Idempotency-Key", "[web][webhooks]") {
  WebhookServer s;
  const json body = {{"url", "https://shop.example/hook"}, {"events", {"sla.breached"}}, {"secret", kSecret}};
  auto first = s.Post("/api/v1/webhooks", body, s.admin(), {{"Idempotency-Key", "hook-1"}});
  auto again = s.Post("/api/v1/webhooks", body, s.admin(), {{"Idempotency-Key", "hook-1"}});
  REQUIRE(first.status == 201);
  CHECK(again.status == 201);
  CHECK(again.Header("Idempotent-Replayed") == "true");
  CHECK(again.Json() == first.Json());
  CHECK(s.Get("/api/v1/webhooks", s.admin()).Json()["items"].size() == 1);
}

TEST_CASE("deliveries page with a cursor, redeliver answers 200, and /metrics shows the backlog", "[web][webhooks]") {
  WebhookServer s;
  const std::string hook = s.CreateHook({"case.created"});
  s.AddCase("o1");
  s.AddCase("o2");
  s.AddCase("o3");

  auto metrics = s.Get("/metrics", s.admin());
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("# TYPE aftersales_outbox_backlog gauge\naftersales_outbox_backlog 3\n"));
  REQUIRE(s.hooks().FanOut(100).ok());
  CHECK_THAT(s.Get("/metrics", s.admin()).body, Catch::Contains("\naftersales_outbox_backlog 3\n"));  // now pending

  const std::string base = "/api/v1/webhooks/" + hook + "/deliveries";
  auto page = s.Get(base + "?limit=2", s.admin());
  REQUIRE(page.status == 200);
  REQUIRE(page.Json()["items"].size() == 2);
  REQUIRE(page.Json()["next_cursor"].is_string());
  auto rest = s.Get(base + "?limit=2&cursor=" + page.Json()["next_cursor"].get<std::string>(), s.admin());
  REQUIRE(rest.status == 200);
  REQUIRE(rest.Json()["items"].size() == 1);
  CHECK(rest.Json()["next_cursor"].is_null());
  const json delivery = page.Json()["items"][0];
  CHECK(delivery["status"] == "pending");
  CHECK(delivery["event_type"] == "case.created");

  CHECK(s.Get(base + "?limit=0", s.admin()).Code() == "validation_failed");
  CHECK(s.Get(base + "?page=2", s.admin()).Code() == "validation_failed");
  CHECK(s.Get(base + "?limit=1&limit=2", s.admin()).Code() == "validation_failed");
  CHECK(s.Get("/api/v1/webhooks/wh_none/deliveries", s.admin()).status == 404);
  CHECK(s.Get(base, s.f().token("manager")).status == 403);

  // A delivery given up is a dead letter on /metrics, and no longer backlog.
  CHECK_THAT(
      s.Get("/metrics", s.admin()).body,
      Catch::Contains("# TYPE aftersales_webhook_deliveries_dead gauge\naftersales_webhook_deliveries_dead 0\n"));
  RetryPolicy give_up_at_once;
  give_up_at_once.give_up_after_seconds = 0;
  auto dead = s.hooks().RecordAttempt(delivery["id"].get<std::int64_t>(), AttemptOutcome{500, ""}, give_up_at_once, 0);
  REQUIRE(dead.ok());
  REQUIRE(dead->status == DeliveryStatus::kDead);
  metrics = s.Get("/metrics", s.admin());
  CHECK_THAT(metrics.body, Catch::Contains("\naftersales_webhook_deliveries_dead 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("\naftersales_outbox_backlog 2\n"));

  const std::string redeliver = base + "/" + std::to_string(delivery["id"].get<std::int64_t>()) + "/redeliver";
  auto redelivered = s.Send("POST", redeliver, s.admin());
  REQUIRE(redelivered.status == 200);
  CHECK(redelivered.Json()["id"] == delivery["id"]);
  CHECK(redelivered.Json()["status"] == "pending");
  CHECK_THAT(s.Get("/metrics", s.admin()).body, Catch::Contains("\naftersales_webhook_deliveries_dead 0\n"));
  CHECK(s.Post(redeliver, {{"force", true}}, s.admin()).Code() == "validation_failed");
  CHECK(s.Send("POST", base + "/999999/redeliver", s.admin()).status == 404);
  CHECK(s.Send("POST", "/api/v1/webhooks/wh_none/deliveries/1/redeliver", s.admin()).status == 404);
  CHECK(s.Send("POST", redeliver, s.f().token("agent")).status == 403);
}

TEST_CASE("the API description lists the webhook routes", "[web][webhooks]") {
  WebhookServer s;
  auto doc = s.Get("/api/v1/openapi.json", "");
  REQUIRE(doc.status == 200);
  const json api = doc.Json();
  for (const char* path : {"/api/v1/webhooks", "/api/v1/webhooks/{id}", "/api/v1/webhooks/{id}/deliveries",
                           "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver"}) {
    INFO(path);
    CHECK(api["paths"].contains(path));
  }
  CHECK(api["webhooks"].contains("event"));
}

TEST_CASE("PATCH /webhooks/{id} disables and enables a webhook, audited", "[web][webhooks]") {
  WebhookServer s;
  const std::string id = s.CreateHook({"case.created"});
  const std::string path = "/api/v1/webhooks/" + id;

  auto off = s.Send("PATCH", path, s.admin(), json{{"disabled", true}}.dump());
  INFO(off.body);
  REQUIRE(off.status == 200);
  CHECK(off.Json()["disabled"] == true);
  CHECK(s.Get(path, s.admin()).Json()["disabled"] == true);
  // A disabled webhook gets no delivery of what happens meanwhile.
  s.AddCase("o-off");
  REQUIRE(s.hooks().FanOut(100).ok());
  CHECK(s.Get(path + "/deliveries", s.admin()).Json()["items"].empty());

  // The same value again changes nothing and writes no entry.
  REQUIRE(s.Send("PATCH", path, s.admin(), json{{"disabled", true}}.dump()).status == 200);
  CHECK(s.f().Get("/api/v1/audit?action=webhook_disabled", s.admin()).Json()["items"].size() == 1);

  auto on = s.Send("PATCH", path, s.admin(), json{{"disabled", false}}.dump());
  REQUIRE(on.status == 200);
  CHECK(on.Json()["disabled"] == false);
  s.AddCase("o-on");
  REQUIRE(s.hooks().FanOut(100).ok());
  CHECK(s.Get(path + "/deliveries", s.admin()).Json()["items"].size() == 1);
  auto enabled = s.f().Get("/api/v1/audit?action=webhook_enabled", s.admin()).Json()["items"];
  REQUIRE(enabled.size() == 1);
  CHECK(enabled[0]["data"]["webhook_id"] == id);

  CHECK(s.Send("PATCH", path, s.f().token("manager"), json{{"disabled", true}}.dump()).status == 403);
  auto missing = s.Send("PATCH", path, s.admin(), json::object().dump());
  CHECK(missing.status == 400);
  CHECK(missing.Json()["errors"][0]["field"] == "disabled");
  CHECK(s.Send("PATCH", path, s.admin(), json{{"disabled", "yes"}}.dump()).status == 400);
  CHECK(s.Send("PATCH", path, s.admin(), json{{"disabled", true}, {"url", "http://x/"}}.dump()).status == 400);
  CHECK(s.Send("PATCH", "/api/v1/webhooks/wh_0000000000000000", s.admin(), json{{"disabled", true}}.dump()).Code() ==
        "not_found");
}

TEST_CASE("DELETE /webhooks/{id} removes a webhook and its deliveries, audited", "[web][webhooks]") {
  WebhookServer s;
  const std::string id = s.CreateHook({"case.created"});
  const std::string keep = s.CreateHook({"case.created"});
  s.AddCase("o-del");
  REQUIRE(s.hooks().FanOut(100).ok());
  REQUIRE(s.Get("/api/v1/webhooks/" + id + "/deliveries", s.admin()).Json()["items"].size() == 1);

  CHECK(s.Send("DELETE", "/api/v1/webhooks/" + id, s.f().token("manager")).status == 403);
  auto gone = s.Send("DELETE", "/api/v1/webhooks/" + id, s.admin());
  CHECK(gone.status == 204);
  CHECK(gone.body.empty());
  CHECK(s.Get("/api/v1/webhooks/" + id, s.admin()).Code() == "not_found");
  CHECK(s.Get("/api/v1/webhooks/" + id + "/deliveries", s.admin()).Code() == "not_found");
  CHECK(s.Send("DELETE", "/api/v1/webhooks/" + id, s.admin()).Code() == "not_found");
  auto list = s.Get("/api/v1/webhooks", s.admin()).Json()["items"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == keep);
  CHECK(s.Get("/api/v1/webhooks/" + keep + "/deliveries", s.admin()).Json()["items"].size() == 1);
  auto deleted = s.f().Get("/api/v1/audit?action=webhook_deleted", s.admin()).Json()["items"];
  REQUIRE(deleted.size() == 1);
  CHECK(deleted[0]["data"]["webhook_id"] == id);
  CHECK(s.f().Get("/api/v1/audit/verify", s.admin()).Json()["ok"] == true);
}

}  // namespace
}  // namespace aftersales::testing
