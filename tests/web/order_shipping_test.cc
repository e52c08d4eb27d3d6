// Orders' shipping supervision over HTTP (SPEC §10): shipments, the
// warehouse queue, ship_by corrections, the order's audit entries and its
// order_ship breach, each error code on the wire. The rules themselves are
// pinned by the scenario files (tests/scenarios/order_*.scn,
// refund_before_shipment.scn); these check the HTTP layer carries them.
#include <catch2/catch.hpp>
#include <string>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// An unshipped order of buyer b1 (kWebStart is 2026-11-01T00:00:00Z).
json UnshippedOrder(const std::string& id, const std::string& ship_by = "2026-11-02T00:00:00Z") {
  json body = OrderBody(id, "b1");
  body["delivered_at"] = nullptr;
  body["placed_at"] = "2026-10-31T12:00:00Z";
  body["ship_by"] = ship_by;
  return body;
}

HttpResult Ship(WebFixture& web, const std::string& order_id, const json& body, const std::string& who,
                const httplib::Headers& headers = {}) {
  return web.Post("/api/v1/orders/" + order_id + "/shipments", body, web.token(who), headers);
}

TEST_CASE("shipments: 201 with the order, each check's code, replays and roles", "[web][orders][shipping]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", UnshippedOrder("o1"), web.token("integration")).status == 201);
  const json order = web.Get("/api/v1/orders/o1", web.token("warehouse")).Json();
  CHECK(order["shipment_status"] == "unshipped");
  CHECK(order["ship_by"] == "2026-11-02T00:00:00Z");
  CHECK(order["deadlines"] == json::array({json{{"kind", "order_ship"}, {"due_at", "2026-11-02T00:00:00Z"},
                                                 {"breached", false}}}));

  // 403 before the body; 404 for an unknown order; 400; 422; then 201.
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF1"}}, "finance").status == 403);
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF1"}}, "buyer").status == 403);
  CHECK(Ship(web, "nope", json{{"carrier", "SF"}, {"tracking_no", "SF1"}}, "warehouse").status == 404);
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}}, "warehouse").Code() == "validation_failed");
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF1"}, {"coupon", 1}}, "warehouse").Code() ==
        "validation_failed");
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF1"}, {"lines", json::array()}}, "warehouse")
            .Code() == "validation_failed");
  HttpResult too_many = Ship(web, "o1",
                             json{{"carrier", "SF"},
                                  {"tracking_no", "SF1"},
                                  {"lines", json::array({json{{"line_id", "l1"}, {"qty", 3}}})}},
                             "warehouse");
  CHECK(too_many.status == 422);
  CHECK(too_many.Code() == "quantity_exceeds_unshipped");

  const httplib::Headers key = {{"Idempotency-Key", "ship-o1-1"}};
  const json part = {{"carrier", "SF"}, {"tracking_no", "SF1"}, {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}};
  HttpResult shipped = Ship(web, "o1", part, "warehouse", key);
  INFO(shipped.body);
  REQUIRE(shipped.status == 201);
  CHECK(shipped.Json()["shipments"].size() == 1);
  CHECK(shipped.Json()["shipments"][0]["by"] == web.user_id("warehouse"));
  CHECK(shipped.Json()["lines"][0]["to_ship_qty"] == 1);
  HttpResult replay = Ship(web, "o1", part, "warehouse", key);
  CHECK(replay.status == 201);
  CHECK(replay.body == shipped.body);
  CHECK(web.Get("/api/v1/orders/o1", web.token("manager")).Json()["shipments"].size() == 1);

  // The rest, by a manager: shipped, order_ship ends.
  HttpResult rest = Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF2"}}, "manager");
  REQUIRE(rest.status == 201);
  CHECK(rest.Json()["shipment_status"] == "shipped");
  CHECK(rest.Json()["deadlines"] == json::array());
  CHECK(Ship(web, "o1", json{{"carrier", "SF"}, {"tracking_no", "SF3"}}, "integration").Code() ==
        "quantity_exceeds_unshipped");

  // The audit log holds the order's entries: case_id null, data.order_id.
  const json audit = web.Get("/api/v1/audit?action=order_shipment", web.token("manager")).Json();
  REQUIRE(audit["items"].size() == 2);
  for (const auto& e : audit["items"]) {
    CHECK(e["case_id"].is_null());
    CHECK(e["data"]["order_id"] == "o1");
  }
}

TEST_CASE("the warehouse queue lists orders by ship_by with filters and paging", "[web][orders][shipping]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", UnshippedOrder("o-late", "2026-10-31T20:00:00Z"), web.token("integration"))
              .status == 201);
  REQUIRE(web.Post("/api/v1/orders", UnshippedOrder("o-soon", "2026-11-01T06:00:00Z"), web.token("integration"))
              .status == 201);
  REQUIRE(web.Post("/api/v1/orders", UnshippedOrder("o-later", "2026-11-03T00:00:00Z"), web.token("integration"))
              .status == 201);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o-done", "b2"), web.token("integration")).status == 201);

  auto ids = [](const json& page) {
    std::vector<std::string> out;
    for (const auto& o : page["items"]) out.push_back(o["id"].get<std::string>());
    return out;
  };
  HttpResult all = web.Get("/api/v1/orders", web.token("warehouse"));
  REQUIRE(all.status == 200);
  // Ascending by ship_by; an order without one (shipped at creation) last.
  CHECK(ids(all.Json()) == std::vector<std::string>{"o-late", "o-soon", "o-later", "o-done"});
  CHECK(ids(web.Get("/api/v1/orders?shipment=unshipped", web.token("warehouse")).Json()) ==
        std::vector<std::string>{"o-late", "o-soon", "o-later"});
  CHECK(ids(web.Get("/api/v1/orders?shipment=shipped,refunded", web.token("warehouse")).Json()) ==
        std::vector<std::string>{"o-done"});
  // o-late was created after its ship_by: breached at creation.
  CHECK(ids(web.Get("/api/v1/orders?breached=true", web.token("manager")).Json()) ==
        std::vector<std::string>{"o-late"});
  CHECK(ids(web.Get("/api/v1/orders?ship_before=2026-11-02T00:00:00Z&shipment=unshipped", web.token("agent"))
                .Json()) == std::vector<std::string>{"o-late", "o-soon"});
  CHECK(ids(web.Get("/api/v1/orders?sort=placed_at&buyer_id=b2", web.token("manager")).Json()) ==
        std::vector<std::string>{"o-done"});

  // Paging: two pages of 2 give the same four, in order.
  HttpResult first = web.Get("/api/v1/orders?limit=2", web.token("warehouse"));
  REQUIRE(first.Json()["next_cursor"].is_string());
  HttpResult second = web.Get("/api/v1/orders?limit=2&cursor=" + first.Json()["next_cursor"].get<std::string>(),
                              web.token("warehouse"));
  CHECK(ids(first.Json()) == std::vector<std::string>{"o-late", "o-soon"});
  CHECK(ids(second.Json()) == std::vector<std::string>{"o-later", "o-done"});
  CHECK(second.Json()["next_cursor"].is_null());

  // Buyers see their own orders only.
  CHECK(ids(web.Get("/api/v1/orders", web.token("buyer")).Json()) ==
        std::vector<std::string>{"o-late", "o-soon", "o-later"});
  CHECK(web.Get("/api/v1/orders?buyer_id=b2", web.token("buyer")).Json()["items"] == json::array());

  for (const char* bad : {"shipment=lost", "breached=maybe", "ship_before=tomorrow", "sort=price", "limit=0",
                          "cursor=zz", "colour=red"}) {
    INFO(bad);
    CHECK(web.Get(std::string("/api/v1/orders?") + bad, web.token("warehouse")).Code() == "validation_failed");
  }
}

TEST_CASE("ship_by moves by manager or integration while unshipped, and the breach is reported",
          "[web][orders][shipping]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  REQUIRE(web.Post("/api/v1/orders", UnshippedOrder("o1"), web.token("integration")).status == 201);
  CHECK(web.Patch("/api/v1/orders/o1", json{{"ship_by", "2026-11-03T00:00:00Z"}}, web.token("warehouse")).status ==
        403);
  CHECK(web.Patch("/api/v1/orders/o1", json{{"ship_by", "2026-11-03T00:00:00Z"}}, web.token("admin")).status == 403);
  CHECK(web.Patch("/api/v1/orders/o1", json{{"ship_by", "2026-10-01T00:00:00Z"}}, web.token("manager")).Code() ==
        "validation_failed");
  HttpResult moved = web.Patch("/api/v1/orders/o1", json{{"ship_by", "2026-11-03T00:00:00Z"}}, web.token("manager"));
  REQUIRE(moved.status == 200);
  CHECK(moved.Json()["deadlines"][0]["due_at"] == "2026-11-03T00:00:00Z");
  const json changed = web.Get("/api/v1/audit?action=order_ship_by_changed", web.token("manager")).Json();
  REQUIRE(changed["items"].size() == 1);
  CHECK(changed["items"][0]["data"]["from"] == "2026-11-02T00:00:00Z");
  CHECK(changed["items"][0]["data"]["to"] == "2026-11-03T00:00:00Z");

  HttpResult tick = web.Post("/api/v1/test/clock", json{{"advance_seconds", 3 * 24 * 3600}}, web.token("admin"));
  REQUIRE(tick.status == 200);
  CHECK(tick.Json()["fired"] ==
        json::array({json{{"case_id", nullptr}, {"order_id", "o1"}, {"kind", "order_ship"}}}));
  const json breach = web.Get("/api/v1/audit?action=deadline_breached", web.token("manager")).Json();
  REQUIRE(breach["items"].size() == 1);
  CHECK(breach["items"][0]["case_id"].is_null());
  CHECK(breach["items"][0]["data"]["order_id"] == "o1");
  CHECK(breach["items"][0]["data"]["deadline"] == "order_ship");
  CHECK(breach["items"][0]["at"] == "2026-11-03T00:00:00Z");
  CHECK(web.Get("/api/v1/orders/o1", web.token("warehouse")).Json()["deadlines"][0]["breached"] == true);

  // Shipped: ship_by no longer moves (409), the breach leaves the listing.
  REQUIRE(web.Post("/api/v1/orders/o1/shipments", json{{"carrier", "SF"}, {"tracking_no", "SF1"}},
                   web.token("warehouse"))
              .status == 201);
  HttpResult late = web.Patch("/api/v1/orders/o1", json{{"ship_by", "2026-11-09T00:00:00Z"}}, web.token("manager"));
  CHECK(late.status == 409);
  CHECK(late.Code() == "invalid_transition");
  CHECK(web.Get("/api/v1/orders/o1", web.token("warehouse")).Json()["deadlines"] == json::array());
}

TEST_CASE("refund before shipment over HTTP: already_shipped and order_refunded", "[web][orders][shipping]") {
  WebFixture web;
  json body = UnshippedOrder("o1", "2026-11-05T00:00:00Z");
  REQUIRE(web.Post("/api/v1/orders", body, web.token("integration")).status == 201);
  REQUIRE(web.Post("/api/v1/orders/o1/shipments",
                   json{{"carrier", "SF"}, {"tracking_no", "SF1"}, {"lines", json::array({json{{"line_id", "l1"}, {"qty", 2}}})}},
                   web.token("warehouse"))
              .status == 201);
  HttpResult shipped = web.Post(
      "/api/v1/cases",
      json{{"order_id", "o1"}, {"type", "refund_only"}, {"reason", "not_shipped"},
           {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}},
      web.token("buyer"));
  CHECK(shipped.status == 422);
  CHECK(shipped.Code() == "already_shipped");
  HttpResult wrong_type = web.Post(
      "/api/v1/cases",
      json{{"order_id", "o1"}, {"type", "return_refund"}, {"reason", "not_shipped"},
           {"lines", json::array({json{{"line_id", "l2"}, {"qty", 1}}})}},
      web.token("buyer"));
  CHECK(wrong_type.Code() == "validation_failed");
  HttpResult refund = web.Post(
      "/api/v1/cases",
      json{{"order_id", "o1"}, {"type", "refund_only"}, {"reason", "not_shipped"},
           {"lines", json::array({json{{"line_id", "l2"}, {"qty", 1}}})}},
      web.token("buyer"));
  REQUIRE(refund.status == 201);
  const std::string id = refund.Json()["id"];
  REQUIRE(web.Post("/api/v1/cases/" + id + "/actions/approve", json::object(), web.token("supervisor")).status == 200);
  HttpResult blocked = web.Post("/api/v1/orders/o1/shipments", json{{"carrier", "SF"}, {"tracking_no", "SF2"}},
                                web.token("warehouse"));
  CHECK(blocked.status == 409);
  CHECK(blocked.Code() == "order_refunded");
}

}  // namespace
}  // namespace aftersales::testing
