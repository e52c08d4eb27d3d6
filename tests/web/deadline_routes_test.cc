// POST /api/v1/deadlines/extend over HTTP (SPEC §13.3): managers only, the
// Idempotency-Key required and a replay that moves nothing, the answer's
// shape, and the sla report's `extended`.
#include <catch2/catch.hpp>
#include <string>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string SubmitOn(WebFixture& web, const std::string& order_id) {
  REQUIRE(web.Post("/api/v1/orders", OrderBody(order_id, "b1"), web.token("integration")).status == 201);
  HttpResult r = web.Post("/api/v1/cases",
                          json{{"order_id", order_id},
                               {"type", "refund_only"},
                               {"reason", "quality_issue"},
                               {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}},
                          web.token("buyer"));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.Json()["id"].get<std::string>();
}

std::string MerchantResponseDue(WebFixture& web, const std::string& case_id) {
  const json c = web.Get("/api/v1/cases/" + case_id, web.token("manager")).Json();
  for (const auto& d : c["deadlines"])
    if (d["kind"] == "merchant_response") return d["due_at"].get<std::string>();
  FAIL("no merchant_response on " << c.dump());
  return "";
}

TEST_CASE("POST /deadlines/extend: managers, with a key, and a replay moves nothing", "[web][deadlines]") {
  WebFixture web;
  const std::string a = SubmitOn(web, "o-x1");
  const std::string b = SubmitOn(web, "o-x2");
  const std::string due_a = MerchantResponseDue(web, a);
  const json body = {{"kind", "merchant_response"},
                     {"due_before", "2100-01-01T00:00:00Z"},
                     {"hours", 48},
                     {"reason", "双11"}};
  const std::string path = "/api/v1/deadlines/extend";

  SECTION("without an Idempotency-Key: 400, nothing moves") {
    HttpResult r = web.Post(path, body, web.token("manager"));
    CHECK(r.status == 400);
    CHECK(r.Code() == "validation_failed");
    CHECK(r.body.find("Idempotency-Key") != std::string::npos);
    CHECK(MerchantResponseDue(web, a) == due_a);
  }
  SECTION("other roles: 403") {
    for (const char* who : {"agent", "supervisor", "admin", "finance", "warehouse", "buyer", "integration"}) {
      INFO(who);
      CHECK(web.Post(path, body, web.token(who), {{"Idempotency-Key", "k"}}).status == 403);
    }
    CHECK(MerchantResponseDue(web, a) == due_a);
  }
  SECTION("refused bodies name the field") {
    json bad = body;
    bad["kind"] = "refund_issue";
    HttpResult r = web.Post(path, bad, web.token("manager"), {{"Idempotency-Key", "bad-1"}});
    CHECK(r.status == 400);
    CHECK(r.Json()["errors"][0]["field"] == "kind");
    CHECK(MerchantResponseDue(web, a) == due_a);
  }
  SECTION("moved once; the same key answers the same, moving nothing") {
    HttpResult first = web.Post(path, body, web.token("manager"), {{"Idempotency-Key", "peak-1"}});
    INFO(first.body);
    REQUIRE(first.status == 200);
    const json answer = first.Json();
    CHECK(answer["moved"] == 2);
    CHECK(answer["kind"] == "merchant_response");
    CHECK(answer["extension_id"].get<std::string>().rfind("ext_", 0) == 0);
    const std::string moved_a = MerchantResponseDue(web, a);
    CHECK(moved_a != due_a);
    CHECK(*ParseTime(moved_a) == *ParseTime(due_a) + 48 * kHour);

    HttpResult replay = web.Post(path, body, web.token("manager"), {{"Idempotency-Key", "peak-1"}});
    CHECK(replay.status == 200);
    CHECK(replay.Header("Idempotent-Replayed") == "true");
    CHECK(replay.Json() == answer);
    CHECK(MerchantResponseDue(web, a) == moved_a);
    const json entries =
        web.Get("/api/v1/audit?action=deadlines_extended", web.token("manager")).Json()["items"];
    CHECK(entries.size() == 1);

    // Versions unchanged; the sla report counts both.
    CHECK(web.Get("/api/v1/cases/" + b, web.token("manager")).Json()["version"] == 1);
    const json sla = web.Get("/api/v1/reports/sla", web.token("manager")).Json();
    for (const auto& item : sla["items"]) {
      CHECK(item["extended"] == (item["deadline"] == "merchant_response" ? 2 : 0));
    }
    HttpResult csv = web.Get("/api/v1/reports/sla?format=csv", web.token("manager"));
    CHECK(csv.body.find("extended") != std::string::npos);
  }
}

TEST_CASE("GET /deadlines/extend previews what the extension would move and writes nothing", "[web][deadlines]") {
  WebFixture web;
  const std::string a = SubmitOn(web, "o-p1");
  SubmitOn(web, "o-p2");
  const std::string due_a = MerchantResponseDue(web, a);
  const std::string query = "/api/v1/deadlines/extend?kind=merchant_response&due_before=2100-01-01T00:00:00Z&hours=48";
  const auto audit_size = [&] { return web.Get("/api/v1/audit?limit=200", web.token("manager")).Json()["items"].size(); };
  const std::size_t entries_before = audit_size();

  HttpResult preview = web.Get(query, web.token("manager"));
  INFO(preview.body);
  REQUIRE(preview.status == 200);
  const json p = preview.Json();
  CHECK(p["kind"] == "merchant_response");
  CHECK(p["state"].is_null());
  CHECK(p["hours"] == 48);
  CHECK(p["moving"] == 2);
  CHECK(p["due_now"] == 0);
  REQUIRE(p["first"].size() == 2);
  CHECK(p["first"][0]["deadline"] == "merchant_response");
  CHECK(p["first"][0]["order_id"].is_null());
  std::string to_a;
  for (const auto& m : p["first"]) {
    if (m["case_id"] != a) continue;
    to_a = m["to_due_at"].get<std::string>();
    CHECK(m["from_due_at"] == due_a);
    CHECK(*ParseTime(to_a) == *ParseTime(due_a) + 48 * kHour);
  }
  REQUIRE_FALSE(to_a.empty());
  // Nothing written: the deadline and the audit log as they were.
  CHECK(MerchantResponseDue(web, a) == due_a);
  CHECK(audit_size() == entries_before);

  // A state narrows it; a due_before before both moves none.
  CHECK(web.Get(query + "&state=rejected", web.token("manager")).Json()["moving"] == 0);
  CHECK(web.Get("/api/v1/deadlines/extend?kind=merchant_response&due_before=2000-01-01T00:00:00Z&hours=1",
                web.token("manager"))
            .Json()["moving"] == 0);

  // The extension then moves exactly what the preview counted.
  HttpResult done = web.Post("/api/v1/deadlines/extend",
                             json{{"kind", "merchant_response"},
                                  {"due_before", "2100-01-01T00:00:00Z"},
                                  {"hours", 48},
                                  {"reason", "618"}},
                             web.token("manager"), {{"Idempotency-Key", "peak-p"}});
  REQUIRE(done.status == 200);
  CHECK(done.Json()["moved"] == p["moving"]);
  CHECK(MerchantResponseDue(web, a) == to_a);
}

TEST_CASE("GET /deadlines/extend: managers only, and bad parameters are named", "[web][deadlines]") {
  WebFixture web;
  const std::string ok = "/api/v1/deadlines/extend?kind=merchant_response&due_before=2100-01-01T00:00:00Z&hours=48";
  for (const char* who : {"agent", "supervisor", "admin", "finance", "warehouse", "buyer", "integration"}) {
    INFO(who);
    CHECK(web.Get(ok, web.token(who)).status == 403);
  }
  const auto field_of = [&](const std::string& path) {
    HttpResult r = web.Get(path, web.token("manager"));
    INFO(r.body);
    CHECK(r.status == 400);
    return r.Json()["errors"][0]["field"].get<std::string>();
  };
  CHECK(field_of("/api/v1/deadlines/extend?kind=refund_issue&due_before=2100-01-01T00:00:00Z&hours=48") == "kind");
  CHECK(field_of("/api/v1/deadlines/extend?kind=nope&due_before=2100-01-01T00:00:00Z&hours=48") == "kind");
  CHECK(field_of("/api/v1/deadlines/extend?kind=merchant_response&due_before=2100-01-01T00:00:00Z&hours=721") ==
        "hours");
  CHECK(field_of("/api/v1/deadlines/extend?kind=merchant_response&due_before=2100-01-01T00:00:00Z&hours=two") ==
        "hours");
  CHECK(field_of("/api/v1/deadlines/extend?kind=merchant_response&due_before=soon&hours=48") == "due_before");
  CHECK(field_of("/api/v1/deadlines/extend?kind=order_ship&state=refunding&due_before=2100-01-01T00:00:00Z&hours=4") ==
        "state");
  CHECK(field_of(ok + "&reason=x") == "reason");
}

}  // namespace
}  // namespace aftersales::testing
