// Orders and cases over HTTP: the wire contract of SPEC §6.3-6.7, buyer
// isolation, and one whole return of each type. Business rules themselves
// are tested through the engine; these check that the HTTP layer carries
// them faithfully.
#include <catch2/catch.hpp>
#include <string>

#include "web/case_actions.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// Creates order `id` for buyer b1 as the integration; returns the answer.
HttpResult MakeOrder(WebFixture& web, const std::string& id) {
  return web.Post("/api/v1/orders", OrderBody(id, "b1"), web.token("integration"));
}

std::string Submit(WebFixture& web, const json& body, const std::string& who = "buyer") {
  HttpResult r = web.Post("/api/v1/cases", body, web.token(who));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.Json()["id"].get<std::string>();
}

TEST_CASE("orders are created, read and patched over HTTP", "[web][orders]") {
  WebFixture web;
  HttpResult created = MakeOrder(web, "o1");
  INFO(created.body);
  REQUIRE(created.status == 201);
  json order = created.Json();
  CHECK(order["id"] == "o1");
  CHECK(order["refundable_amount"] == 24000);
  CHECK(order["case_ids"] == json::array());
  CHECK(order["lines"][0]["returnable_qty"] == 2);

  HttpResult again = MakeOrder(web, "o1");
  CHECK(again.status == 409);
  CHECK(again.Code() == "already_exists");

  json future = OrderBody("o2", "b1");
  future["delivered_at"] = "2030-01-01T00:00:00Z";
  CHECK(web.Post("/api/v1/orders", future, web.token("integration")).status == 400);
  json unknown = OrderBody("o3", "b1");
  unknown["coupon"] = "X";
  CHECK(web.Post("/api/v1/orders", unknown, web.token("admin")).Code() == "validation_failed");

  CHECK(web.Get("/api/v1/orders/o1", web.token("buyer")).status == 200);
  CHECK(web.Get("/api/v1/orders/o1", web.token("agent")).status == 200);
  CHECK(web.Get("/api/v1/orders/o1", web.token("buyer2")).status == 404);
  CHECK(web.Get("/api/v1/orders/nope", web.token("agent")).status == 404);

  HttpResult patched =
      web.Patch("/api/v1/orders/o1", json{{"delivered_at", "2026-10-31T10:00:00+08:00"}}, web.token("integration"));
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["delivered_at"] == "2026-10-31T02:00:00Z");
  CHECK(web.Patch("/api/v1/orders/zzz", json{{"delivered_at", nullptr}}, web.token("admin")).status == 404);

  SECTION("idempotent order creation") {
    const httplib::Headers key = {{"Idempotency-Key", "order-o9"}};
    HttpResult a = web.Post("/api/v1/orders", OrderBody("o9", "b1"), web.token("integration"), key);
    HttpResult b = web.Post("/api/v1/orders", OrderBody("o9", "b1"), web.token("integration"), key);
    CHECK(a.status == 201);
    CHECK(b.status == 201);
    CHECK(b.Header("Idempotent-Replayed") == "true");
    CHECK(b.body == a.body);
  }
}

TEST_CASE("a buyer never sees another buyer's orders and cases", "[web][cases]") {
  WebFixture web;
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id = Submit(web, json{{"order_id", "o1"},
                                          {"type", "refund_only"},
                                          {"reason", "quality_issue"},
                                          {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}});
  CHECK(web.Get("/api/v1/cases/" + id, web.token("buyer")).status == 200);
  CHECK(web.Get("/api/v1/cases/" + id, web.token("buyer2")).Code() == "not_found");
  CHECK(web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer2")).status == 404);
  CHECK(web.Post("/api/v1/cases/" + id + "/actions/cancel", json::object(), web.token("buyer2")).status == 404);
  HttpResult list = web.Get("/api/v1/cases", web.token("buyer2"));
  REQUIRE(list.status == 200);
  CHECK(list.Json()["items"].empty());
  HttpResult submit_other = web.Post("/api/v1/cases",
                                     json{{"order_id", "o1"},
                                          {"type", "refund_only"},
                                          {"reason", "quality_issue"},
                                          {"lines", json::array({json{{"line_id", "l2"}, {"qty", 1}}})}},
                                     web.token("buyer2"));
  CHECK(submit_other.status == 404);
}

TEST_CASE("action errors keep SPEC §4.2's codes on the wire", "[web][cases]") {
  WebFixture web;
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id = Submit(web, json{{"order_id", "o1"},
                                          {"type", "refund_only"},
                                          {"reason", "quality_issue"},
                                          {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}});
  const std::string base = "/api/v1/cases/" + id + "/actions/";
  CHECK(web.Post(base + "fly", json::object(), web.token("agent")).status == 404);
  CHECK(web.Post(base + "approve", json::object(), web.token("buyer")).Code() == "forbidden");
  HttpResult conflict = web.Post(base + "approve", json{{"expected_version", 7}}, web.token("agent"));
  CHECK(conflict.status == 409);
  CHECK(conflict.Code() == "version_conflict");
  HttpResult invalid = web.Post(base + "confirm_delivery", json::object(), web.token("buyer"));
  CHECK(invalid.status == 409);
  CHECK(invalid.Code() == "invalid_transition");
  CHECK(invalid.Json()["state"] == "requested");
  CHECK(invalid.Json()["allowed_actions"].is_array());
  HttpResult unknown_field =
      web.Post(base + "reject", json{{"reason_code", "other"}, {"colour", "red"}}, web.token("agent"));
  CHECK(unknown_field.status == 400);
  CHECK(unknown_field.Code() == "validation_failed");
  HttpResult too_much = web.Post("/api/v1/cases",
                                 json{{"order_id", "o1"},
                                      {"type", "refund_only"},
                                      {"reason", "quality_issue"},
                                      {"lines", json::array({json{{"line_id", "l1"}, {"qty", 2}}})}},
                                 web.token("buyer"));
  CHECK(too_much.status == 422);
  CHECK(too_much.Code() == "quantity_exceeds_returnable");
}

TEST_CASE("a refund-only case runs to refunded over HTTP", "[web][cases][flow]") {
  WebFixture web;
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id = Submit(web, json{{"order_id", "o1"},
                                          {"type", "refund_only"},
                                          {"reason", "quality_issue"},
                                          {"description", "The lid does not close"},
                                          {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}});
  HttpResult got = web.Get("/api/v1/cases/" + id, web.token("agent"));
  REQUIRE(got.status == 200);
  CHECK(got.Json()["state"] == "requested");
  CHECK(got.Json()["requested_amount"] == 10000);

  json approved = Act(web, "agent", id, "approve", json{{"expected_version", 1}});
  CHECK(approved["state"] == "refunding");
  CHECK(approved["agreed_amount"] == 10000);
  json refunded = Act(web, "finance", id, "refund_issued", json{{"external_ref", "pay-123"}});
  CHECK(refunded["state"] == "refunded");
  CHECK(refunded["refunded_amount"] == 10000);

  HttpResult timeline = web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer"));
  REQUIRE(timeline.status == 200);
  REQUIRE(timeline.Json()["items"].size() >= 3);
  CHECK(timeline.Json()["items"][0]["action"] == "submit");

  HttpResult refunded_list = web.Get("/api/v1/cases?state=refunded,requested", web.token("agent"));
  REQUIRE(refunded_list.status == 200);
  CHECK(refunded_list.Json()["items"].size() == 1);
  CHECK(web.Get("/api/v1/cases?state=requested&state=refunded&sort=created_at", web.token("agent"))
            .Json()["items"]
            .size() == 1);
  CHECK(web.Get("/api/v1/cases?state=requested", web.token("agent")).Json()["items"].empty());
  CHECK(web.Get("/api/v1/cases?colour=red", web.token("agent")).status == 400);
  CHECK(web.Get("/api/v1/cases?cursor=garbage", web.token("agent")).status == 400);
}

TEST_CASE("a return-and-refund case runs to refunded over HTTP", "[web][cases][flow]") {
  WebFixture web;
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id = Submit(web, json{{"order_id", "o1"},
                                          {"type", "return_refund"},
                                          {"reason", "no_reason"},
                                          {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}});
  json approved = Act(web, "agent", id, "approve");
  CHECK(approved["state"] == "awaiting_return");
  CHECK(approved["return_address"].is_object());
  CHECK(Act(web, "buyer", id, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "SF123"}})["state"] ==
        "return_in_transit");
  CHECK(Act(web, "warehouse", id, "receive", json{{"result", "pass"}, {"grade", "A"}})["state"] == "refunding");
  CHECK(Act(web, "finance", id, "refund_issued", json{{"external_ref", "pay-9"}})["state"] == "refunded");
}

TEST_CASE("an exchange case runs to exchanged over HTTP", "[web][cases][flow]") {
  WebFixture web;
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id =
      Submit(web,
             json{{"order_id", "o1"},
                  {"type", "exchange"},
                  {"reason", "wrong_item"},
                  {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}, {"replacement_sku", "KETTLE-2"}}})}},
             "integration");
  CHECK(Act(web, "agent", id, "approve")["state"] == "awaiting_return");
  CHECK(Act(web, "integration", id, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "R1"}})["state"] ==
        "return_in_transit");
  CHECK(Act(web, "manager", id, "receive", json{{"result", "pass"}})["state"] == "replacement_pending");
  CHECK(Act(web, "warehouse", id, "ship_replacement", json{{"carrier", "SF"}, {"tracking_no", "X1"}})["state"] ==
        "replacement_shipped");
  CHECK(Act(web, "buyer", id, "confirm_delivery")["state"] == "exchanged");
}

TEST_CASE("moving the test clock fires due deadlines", "[web][cases][clock]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  REQUIRE(MakeOrder(web, "o1").status == 201);
  const std::string id = Submit(web, json{{"order_id", "o1"},
                                          {"type", "refund_only"},
                                          {"reason", "quality_issue"},
                                          {"lines", json::array({json{{"line_id", "l2"}, {"qty", 1}}})}});
  HttpResult early = web.Post("/api/v1/test/clock", json{{"advance_seconds", 47 * 3600}}, web.token("admin"));
  REQUIRE(early.status == 200);
  CHECK(early.Json()["fired"].empty());
  HttpResult due = web.Post("/api/v1/test/clock", json{{"advance_seconds", 3600}}, web.token("admin"));
  REQUIRE(due.status == 200);
  REQUIRE(due.Json()["fired"].size() >= 1);
  CHECK(due.Json()["fired"][0] == json{{"case_id", id}, {"order_id", "o1"}, {"kind", "merchant_response"}});
  CHECK(web.Get("/api/v1/cases/" + id, web.token("agent")).Json()["state"] == "refunding");
}

}  // namespace
}  // namespace aftersales::testing
