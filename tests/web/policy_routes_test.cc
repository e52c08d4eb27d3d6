// GET and PUT /api/v1/policy with the presets of SPEC §13.1: a document
// naming a preset is merged over it, stored and served merged; an unknown
// preset is 400; without a preset a document is taken as before.
#include <catch2/catch.hpp>

#include "web/web_fixture.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("PUT /policy with a preset stores and serves the merge over it", "[web][policy][preset]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  const json body = {{"preset", "eu"},
                     {"warranty_days", 900},
                     {"deadlines", {{"buyer_ship", {{"hours", 400}}}}},
                     {"return_address", {{"name", "EU Returns"}, {"address", "Hafenstrasse 1, 20457 Hamburg"}}}};
  HttpResult put = web.Put("/api/v1/policy", body, admin);
  REQUIRE(put.status == 200);
  const json served = put.Json()["policy"];
  CHECK(put.Json()["version"] == 2);
  CHECK(served["preset"] == "eu");
  CHECK(served["warranty_days"] == 900);                                                                // the body
  CHECK(served["deadlines"]["buyer_ship"] == json{{"hours", 400}});                                     // the body
  CHECK(served["deadlines"]["refund_issue"] == json{{"hours", 336}, {"no_reason_from_submit", true}});  // eu
  CHECK(served["return_window_days"]["no_reason"] == 14);                                               // eu
  CHECK(served["return_window_days"]["fault_exchange"] == 730);                                         // eu
  CHECK(served["fulfilment"]["late_compensation"].is_null());                                           // eu
  CHECK(served["reasons"] == json::parse(DefaultPolicyJson())["reasons"]);                              // shipped
  // The return address is an object: merged by key with the preset's.
  CHECK(served["return_address"]["name"] == "EU Returns");
  CHECK(served["return_address"]["phone"] == json::parse(DefaultPolicyJson())["return_address"]["phone"]);

  HttpResult get = web.Get("/api/v1/policy", web.token("agent"));
  REQUIRE(get.status == 200);
  CHECK(get.Json()["version"] == 2);
  CHECK(get.Json()["policy"] == served);
  // Buyers get the merge too, without the staff's sections.
  const json buyer = web.Get("/api/v1/policy", web.token("buyer")).Json()["policy"];
  CHECK(buyer["warranty_days"] == 900);
  CHECK_FALSE(buyer.contains("risk"));
  CHECK_FALSE(buyer.contains("scorecard"));

  // The audit entry records what was stored: the merge.
  HttpResult audit = web.Get("/api/v1/audit?action=policy_changed", admin);
  REQUIRE(audit.status == 200);
  const json items = audit.Json()["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[1]["data"]["policy"] == served);

  // The engine reads the stored version back: the merge parses as the same policy.
  auto current = web.policies().Current();
  REQUIRE(current);
  CHECK(current->version == 2);
  CHECK(current->preset == "eu");
  CHECK(current->warranty_days == 900);
  CHECK(current->RefundIssueFromSubmit("no_reason"));
}

TEST_CASE("PUT /policy refuses an unknown preset and bad merged keys, naming them", "[web][policy][preset]") {
  WebFixture web;
  const std::string admin = web.token("admin");
  for (const json& body : {json{{"preset", "us"}}, json{{"preset", 7}}}) {
    HttpResult r = web.Put("/api/v1/policy", body, admin);
    CHECK(r.status == 400);
    CHECK(r.Code() == "validation_failed");
    REQUIRE(r.Json()["errors"].size() == 1);
    CHECK(r.Json()["errors"][0]["field"] == "preset");
  }
  HttpResult bad = web.Put("/api/v1/policy", json{{"preset", "cn"}, {"warranty_days", 0}}, admin);
  CHECK(bad.status == 400);
  CHECK(bad.Json()["errors"][0]["field"] == "warranty_days");
  HttpResult no_calendar =
      web.Put("/api/v1/policy",
              json{{"preset", "cn"}, {"deadlines", {{"merchant_response", {{"business_hours", true}}}}}}, admin);
  CHECK(no_calendar.status == 400);
  CHECK(no_calendar.Json()["errors"][0]["field"] == "deadlines.merchant_response.business_hours");
  // Nothing was stored.
  CHECK(web.Get("/api/v1/policy", admin).Json()["version"] == 1);
  // Only admins change it, preset or not.
  CHECK(web.Put("/api/v1/policy", json{{"preset", "eu"}}, web.token("manager")).status == 403);
}

TEST_CASE("PUT /policy without a preset stores the document as given", "[web][policy][preset]") {
  WebFixture web;
  json doc = json::parse(DefaultPolicyJson());
  for (const char* k : {"fulfilment", "compensation", "repair", "warranty_days", "calendar"}) doc.erase(k);
  doc["deadlines"]["merchant_response"] = 24;  // the number form
  HttpResult put = web.Put("/api/v1/policy", doc, web.token("admin"));
  REQUIRE(put.status == 200);
  CHECK(put.Json()["policy"] == doc);
  CHECK(web.Get("/api/v1/policy", web.token("admin")).Json()["policy"] == doc);
  auto current = web.policies().Current();
  REQUIRE(current);
  CHECK(current->warranty_days == 365);  // left out: the shipped value
  CHECK(current->DeadlineHours(DeadlineKind::kMerchantResponse) == 24);
}

TEST_CASE("a case submitted after PUT /policy {preset: eu} gets the eu return window", "[web][policy][preset]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  const std::string admin = web.token("admin");
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o-cn", "b1"), web.token("integration")).status == 201);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o-eu", "b1"), web.token("integration")).status == 201);
  // Delivered 2026-10-30T08:00Z; now 2026-11-11T00:00Z: 11.7 days later.
  REQUIRE(web.Post("/api/v1/test/clock", json{{"advance_seconds", 10 * 24 * 3600}}, admin).status == 200);
  auto submit = [&](const char* order) {
    return web.Post("/api/v1/cases",
                    json{{"order_id", order},
                         {"type", "return_refund"},
                         {"reason", "no_reason"},
                         {"lines", json::array({json{{"line_id", "l2"}, {"qty", 1}}})}},
                    web.token("buyer"));
  };
  HttpResult cn = submit("o-cn");
  CHECK(cn.status == 422);
  CHECK(cn.Code() == "outside_return_window");

  REQUIRE(web.Put("/api/v1/policy", json{{"preset", "eu"}}, admin).status == 200);
  HttpResult eu = submit("o-eu");
  CHECK(eu.status == 201);
  // The eu buyer_ship runs 336 h once the return is due.
  const json kase = eu.Json();
  REQUIRE(kase["deadlines"].size() == 1);
  CHECK(kase["deadlines"][0]["kind"] == "merchant_response");
  HttpResult approved = web.Post("/api/v1/cases/" + kase["id"].get<std::string>() + "/actions/approve", json::object(),
                                 web.token("agent"));
  REQUIRE(approved.status == 200);
  REQUIRE(approved.Json()["deadlines"].size() == 1);
  CHECK(approved.Json()["deadlines"][0]["kind"] == "buyer_ship");
  CHECK(approved.Json()["deadlines"][0]["due_at"] == "2026-11-25T00:00:00Z");  // 14 days after now
}

}  // namespace
}  // namespace aftersales::testing
