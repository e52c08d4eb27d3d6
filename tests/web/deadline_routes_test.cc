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

}  // namespace
}  // namespace aftersales::testing
