// The audit log, the policy and the test clock over HTTP.
#include <catch2/catch.hpp>
#include <string>

#include "engine/test_clock.h"
#include "web/web_fixture.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("GET /audit pages through entries with filters", "[web][audit]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  HttpResult all = web.Get("/api/v1/audit", admin);
  REQUIRE(all.status == 200);
  json page = all.Json();
  // policy version 1 and the fixture's nine users.
  REQUIRE(page["items"].size() == 10);
  CHECK(page["next_cursor"].is_null());
  json first = page["items"][0];
  CHECK(first["seq"] == 1);
  for (const char* key :
       {"seq", "at", "actor", "case_id", "action", "from_state", "to_state", "data", "prev_hash", "hash"}) {
    CHECK(first.contains(key));
  }
  CHECK(first["prev_hash"] == std::string(64, '0'));

  HttpResult one = web.Get("/api/v1/audit?limit=3", admin);
  REQUIRE(one.Json()["items"].size() == 3);
  CHECK(one.Json()["next_cursor"] == "3");
  HttpResult next = web.Get("/api/v1/audit?limit=3&after_seq=3", admin);
  CHECK(next.Json()["items"][0]["seq"] == 4);

  HttpResult created = web.Get("/api/v1/audit?action=user_created&actor_id=system", admin);
  CHECK(created.Json()["items"].size() == 9);
  const json created_items = created.Json()["items"];
  for (const auto& e : created_items) {
    for (const std::string name : {"buyer", "agent", "admin"}) {
      CHECK(e.dump().find(web.token(name)) == std::string::npos);
      CHECK(e.dump().find(web.token(name).substr(3)) == std::string::npos);
    }
  }

  CHECK(
      web.Get("/api/v1/audit?from=2026-11-01T08:00:00%2B08:00&to=2026-11-01T00:00:00Z", admin).Json()["items"].size() ==
      10);
  CHECK(web.Get("/api/v1/audit?from=2026-11-02T00:00:00Z", admin).Json()["items"].empty());
  CHECK(web.Get("/api/v1/audit?from=yesterday", admin).Code() == "validation_failed");
  CHECK(web.Get("/api/v1/audit?limit=0", admin).status == 400);
  CHECK(web.Get("/api/v1/audit?limit=1001", admin).status == 400);
  CHECK(web.Get("/api/v1/audit?after_seq=-1", admin).status == 400);
  CHECK(web.Get("/api/v1/audit?actor=x", admin).status == 400);
  CHECK(web.Get("/api/v1/audit?limit=1&limit=2", admin).status == 400);
}

TEST_CASE("GET /audit/verify checks the chain", "[web][audit]") {
  WebFixture web;
  HttpResult r = web.Get("/api/v1/audit/verify", web.token("manager"));
  REQUIRE(r.status == 200);
  json v = r.Json();
  CHECK(v["ok"] == true);
  CHECK(v["entries"] == 10);
  CHECK(v["head"]["seq"] == 10);
  CHECK(v["head"]["hash"].get<std::string>().size() == 64);
}

TEST_CASE("the policy is readable by everyone and replaced by admins", "[web][policy]") {
  WebFixture web;
  HttpResult r = web.Get("/api/v1/policy", web.token("buyer"));
  REQUIRE(r.status == 200);
  CHECK(r.Json()["version"] == 1);
  CHECK(r.Json()["policy"]["return_window_days"]["no_reason"] == 7);

  json doc = json::parse(DefaultPolicyJson());
  doc["approval_limits"]["agent"] = 30000;
  HttpResult put = web.Put("/api/v1/policy", doc, web.token("admin"));
  REQUIRE(put.status == 200);
  CHECK(put.Json()["version"] == 2);
  CHECK(web.Get("/api/v1/policy", web.token("agent")).Json()["version"] == 2);
  HttpResult agent = web.Post("/api/v1/users", json{{"name", "newbie"}, {"role", "agent"}}, web.token("admin"));
  CHECK(agent.Json()["approval_limit"] == 30000);

  json bad = doc;
  bad["deadlines"]["buyer_ship"]["hours"] = "soon";
  HttpResult refused = web.Put("/api/v1/policy", bad, web.token("admin"));
  CHECK(refused.status == 400);
  CHECK(refused.Code() == "validation_failed");
  CHECK(web.Send("PUT", "/api/v1/policy", "[]", web.token("admin"), {}, "application/json").Code() == "malformed_json");
}

TEST_CASE("the test clock route exists only with --test-clock", "[web][clock]") {
  WebFixture web;
  CHECK(web.Post("/api/v1/test/clock", json{{"advance_seconds", 60}}, web.token("admin")).status == 404);
  CHECK(web.Post("/api/v1/test/clock", json{{"advance_seconds", 60}}, "").status == 401);
}

TEST_CASE("admins move the test clock", "[web][clock]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  const std::string admin = web.token("admin");
  HttpResult r = web.Post("/api/v1/test/clock", json{{"advance_seconds", 3600}}, admin);
  REQUIRE(r.status == 200);
  CHECK(r.Json()["now"] == "2026-11-01T01:00:00Z");
  CHECK(r.Json()["fired"] == json::array());
  CHECK(web.clock().Now() == kWebStart + 3600);

  HttpResult zero = web.Post("/api/v1/test/clock", json{{"advance_seconds", 0}}, admin);
  CHECK(zero.Json()["now"] == "2026-11-01T01:00:00Z");

  for (const std::string body :
       {R"({"advance_seconds": -1})", R"({"advance_seconds": 1.5})", R"({"advance_seconds": "60"})",
        R"({"advance_seconds": 1e30})", R"({})", R"({"advance_seconds": 1, "at": 5})",
        R"({"advance_seconds": 18446744073709551615})"}) {
    INFO(body);
    HttpResult bad = web.Post("/api/v1/test/clock", body, admin);
    CHECK(bad.status == 400);
    CHECK(bad.Code() == "validation_failed");
  }
  CHECK(web.clock().Now() == kWebStart + 3600);

  HttpResult audit = web.Get("/api/v1/audit?action=clock_advanced", admin);
  REQUIRE(audit.Json()["items"].size() == 2);
  CHECK(audit.Json()["items"][0]["data"]["advance_seconds"] == 3600);

  SECTION("the clock stops at the last time RFC 3339 can write") {
    const std::int64_t to_end = kLatestTime - web.clock().Now();
    HttpResult past = web.Post("/api/v1/test/clock", json{{"advance_seconds", to_end + 1}}, admin);
    CHECK(past.status == 400);
    CHECK(past.Code() == "validation_failed");
    CHECK(web.clock().Now() == kWebStart + 3600);
    // Moves of up to 100 years each reach it exactly; audit entries stay readable.
    std::int64_t left = to_end;
    while (left > 0) {
      const std::int64_t step = std::min<std::int64_t>(left, TestClock::kMaxAdvanceSeconds);
      REQUIRE(web.Post("/api/v1/test/clock", json{{"advance_seconds", step}}, admin).status == 200);
      left -= step;
    }
    CHECK(web.clock().Now() == kLatestTime);
    CHECK(web.Post("/api/v1/test/clock", json{{"advance_seconds", 1}}, admin).status == 400);
    HttpResult last = web.Get("/api/v1/audit?action=clock_advanced&from=9900-01-01T00:00:00Z", admin);
    REQUIRE(last.status == 200);
    REQUIRE_FALSE(last.Json()["items"].empty());
    CHECK(last.Json()["items"].back()["data"]["to"] == "9999-12-31T23:59:59Z");
  }
  SECTION("an idempotent move moves once") {
    const httplib::Headers key = {{"Idempotency-Key", "tick-1"}};
    HttpResult a = web.Post("/api/v1/test/clock", json{{"advance_seconds", 60}}, admin, key);
    HttpResult b = web.Post("/api/v1/test/clock", json{{"advance_seconds", 60}}, admin, key);
    CHECK(a.status == 200);
    CHECK(b.Header("Idempotent-Replayed") == "true");
    CHECK(b.body == a.body);
    CHECK(web.clock().Now() == kWebStart + 3660);
  }
}

TEST_CASE("the test clock keeps its time in the database and never moves back", "[web][clock][unit]") {
  TempDir dir;
  TestDatabase database(dir.File("clock.db"));  // or a PostgreSQL database of its own
  std::unique_ptr<Store> store = database.OpenStore();
  Actor admin;
  admin.id = "u_admin";
  admin.role = Role::kAdmin;
  {
    auto clock = TestClock::Open(*store, 1000);
    REQUIRE(clock.ok());
    CHECK((*clock)->Now() == 1000);
    auto moved = (*clock)->Advance(admin, 500);
    REQUIRE(moved.ok());
    CHECK(*moved == 1500);
    CHECK_FALSE((*clock)->Advance(admin, -1).ok());
    CHECK((*clock)->Now() == 1500);
  }
  auto reopened = TestClock::Open(*store, 99999);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Now() == 1500);
}

TEST_CASE("a shared test clock sees moves made through another server and moves on from the stored time", "[web][clock][unit]") {
  TempDir dir;
  TestDatabase database(dir.File("clock.db"));  // or a PostgreSQL database of its own
  std::unique_ptr<Store> store = database.OpenStore();
  Actor admin;
  admin.id = "u_admin";
  admin.role = Role::kAdmin;
  // Two servers' clocks on one database.
  auto a = TestClock::Open(*store, 1000, true);
  auto b = TestClock::Open(*store, 5000, true);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*b)->Now() == 1000);  // the stored time, not b's wall time
  REQUIRE((*a)->Advance(admin, 500).ok());
  CHECK((*b)->Now() == 1500);
  auto moved = (*b)->Advance(admin, 100);
  REQUIRE(moved.ok());
  CHECK(*moved == 1600);
  CHECK((*a)->Now() == 1600);
  // Not shared: a clock reads its memory only, as on SQLite alone.
  auto alone = TestClock::Open(*store, 0);
  REQUIRE(alone.ok());
  REQUIRE((*a)->Advance(admin, 10).ok());
  CHECK((*alone)->Now() == 1600);
}

}  // namespace
}  // namespace aftersales::testing
