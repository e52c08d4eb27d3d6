// The repair case type (SPEC §12) over HTTP: its new actions, fields and
// error codes on the wire. The rules themselves are tested through the
// engine (tests/scenarios/repair_*.scn); these check that the HTTP layer
// carries them: bodies, problem codes, what a buyer reads.
#include <catch2/catch.hpp>
#include <string>

#include "web/case_actions.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

json RepairOf(const std::string& order_id, const std::string& line_id) {
  return json{{"order_id", order_id},
              {"type", "repair"},
              {"reason", "quality_issue"},
              {"lines", json::array({json{{"line_id", line_id}, {"qty", 1}}})}};
}

std::string SubmitRepair(WebFixture& web, const std::string& order_id, const std::string& line_id = "l1") {
  HttpResult r = web.Post("/api/v1/cases", RepairOf(order_id, line_id), web.token("buyer"));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.Json()["id"].get<std::string>();
}

HttpResult Try(WebFixture& web, const std::string& who, const std::string& id, const std::string& action,
               const json& body) {
  return web.Post("/api/v1/cases/" + id + "/actions/" + action, body, web.token(who));
}

// Walks a fresh repair of order `order_id` to `repairing`.
std::string Repairing(WebFixture& web, const std::string& order_id) {
  const std::string id = SubmitRepair(web, order_id);
  Act(web, "agent", id, "approve");
  Act(web, "buyer", id, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "SF-R"}});
  REQUIRE(Act(web, "warehouse", id, "receive", json{{"result", "pass"}})["state"] == "repairing");
  return id;
}

TEST_CASE("a repair runs to repaired over HTTP and the buyer reads its progress", "[web][cases][flow][repair]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  const std::string id = SubmitRepair(web, "o1");
  json c = web.Get("/api/v1/cases/" + id, web.token("buyer")).Json();
  CHECK(c["type"] == "repair");
  CHECK(c["requested_amount"] == 0);
  CHECK(c["repair"]["attempt"].is_null());
  CHECK(c["repair"]["warranty_ends_at"] == "2027-10-30T08:00:00Z");
  CHECK(c["repair"]["progress"] == json::array());
  CHECK(c["repaired_shipment"].is_null());
  CHECK(Act(web, "agent", id, "approve")["state"] == "awaiting_return");
  Act(web, "buyer", id, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "SF-R"}});
  c = Act(web, "warehouse", id, "receive", json{{"result", "pass"}});
  CHECK(c["state"] == "repairing");
  CHECK(c["repair"]["attempt"] == 1);
  c = Act(web, "warehouse", id, "repair_update", json{{"status", "diagnosed"}, {"note", "heating element open"}});
  CHECK(c["state"] == "repairing");

  // The buyer reads the progress and its note, on the case and in the timeline.
  json seen = web.Get("/api/v1/cases/" + id, web.token("buyer")).Json();
  REQUIRE(seen["repair"]["progress"].size() == 1);
  CHECK(seen["repair"]["progress"][0]["status"] == "diagnosed");
  CHECK(seen["repair"]["progress"][0]["note"] == "heating element open");
  CHECK(seen["repair"]["progress"][0]["by"] == web.user_id("warehouse"));
  json timeline = web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer")).Json();
  bool shown = false;
  for (const auto& item : timeline["items"]) {
    if (item["action"] != "repair_update") continue;
    shown = true;
    CHECK(item["data"]["input"]["status"] == "diagnosed");
    CHECK(item["data"]["input"]["note"]["sha256"].is_string());
    REQUIRE(item["texts"].size() == 1);
    CHECK(item["texts"][0]["body"] == "heating element open");
    CHECK(item["texts"][0]["visibility"] == "buyer");
  }
  CHECK(shown);

  CHECK(Act(web, "manager", id, "repair_update", json{{"status", "repaired"}, {"note", "element replaced"}})["state"] ==
        "repair_ready");
  c = Act(web, "warehouse", id, "ship_repaired", json{{"carrier", "SF"}, {"tracking_no", "SF-BACK"}});
  CHECK(c["state"] == "repaired_shipped");
  CHECK(c["repaired_shipment"]["tracking_no"] == "SF-BACK");
  const std::string shipped_at = c["repaired_shipment"]["shipped_at"];
  c = Act(web, "integration", id, "carrier_update", json{{"shipment", "repaired"}, {"status", "delivered"}, {"at", shipped_at}});
  CHECK(c["repaired_shipment"]["delivered_at"] == shipped_at);
  CHECK(web.Get("/api/v1/orders/o1", web.token("agent")).Json()["lines"][0]["returnable_qty"] == 1);
  c = Act(web, "buyer", id, "confirm_delivery");
  CHECK(c["state"] == "repaired");
  CHECK(c["allowed_actions"] == json::array());
  // A repaired case leaves the ledger: its unit is returnable again.
  CHECK(web.Get("/api/v1/orders/o1", web.token("agent")).Json()["lines"][0]["returnable_qty"] == 2);
}

TEST_CASE("a repair's refusals keep their codes on the wire", "[web][cases][repair]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  json old = OrderBody("o-old", "b1");
  old["placed_at"] = "2024-01-01T00:00:00Z";
  old["delivered_at"] = "2024-01-05T00:00:00Z";
  REQUIRE(web.Post("/api/v1/orders", old, web.token("integration")).status == 201);

  json other_reason = RepairOf("o1", "l1");
  other_reason["reason"] = "wrong_item";
  HttpResult r = web.Post("/api/v1/cases", other_reason, web.token("buyer"));
  CHECK(r.status == 400);
  CHECK(r.Code() == "validation_failed");
  json with_money = RepairOf("o1", "l1");
  with_money["requested_amount"] = 500;
  CHECK(web.Post("/api/v1/cases", with_money, web.token("buyer")).Code() == "validation_failed");
  r = web.Post("/api/v1/cases", RepairOf("o-old", "l1"), web.token("buyer"));
  CHECK(r.status == 422);
  CHECK(r.Code() == "outside_warranty");
  CHECK(r.ContentType().find("application/problem+json") == 0);

  const std::string id = Repairing(web, "o1");
  r = Try(web, "buyer", id, "demand_remedy", json{{"remedy", "refund"}});
  CHECK(r.status == 422);
  CHECK(r.Code() == "remedy_not_available");
  CHECK(Try(web, "buyer", id, "demand_remedy", json{{"remedy", "cash"}}).Code() == "validation_failed");
  CHECK(Try(web, "buyer", id, "demand_remedy", json::object()).Code() == "validation_failed");
  r = Try(web, "agent", id, "repair_update", json{{"status", "diagnosed"}, {"note", "x"}});
  CHECK(r.status == 403);
  CHECK(r.Code() == "forbidden");
  CHECK(Try(web, "warehouse", id, "repair_update", json{{"status", "diagnosed"}}).Code() == "validation_failed");
  CHECK(Try(web, "warehouse", id, "repair_update", json{{"status", "diagnosed"}, {"note", "x"}, {"remedy", "refund"}})
            .Code() == "validation_failed");
  r = Try(web, "warehouse", id, "ship_repaired", json{{"carrier", "SF"}, {"tracking_no", "SF-1"}});
  CHECK(r.status == 409);
  CHECK(r.Code() == "invalid_transition");
  CHECK(r.Json()["state"] == "repairing");
  CHECK(r.Json()["allowed_actions"] == json::array({"comment", "repair_update"}));

  const std::string other = SubmitRepair(web, "o1", "l2");
  Act(web, "agent", other, "approve");
  CHECK(Try(web, "warehouse", other, "receive", json{{"result", "pass"}, {"restock", true}}).Code() ==
        "validation_failed");
}

TEST_CASE("an overrun repair opens demand_remedy, whose refund is the case's refundable amount", "[web][cases][clock][repair]") {
  WebFixture::Options options;
  options.test_clock = true;
  WebFixture web(options);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  const std::string id = Repairing(web, "o1");
  CHECK(web.Get("/api/v1/cases/" + id, web.token("buyer")).Json()["allowed_actions"] == json::array({"comment"}));
  HttpResult moved = web.Post("/api/v1/test/clock", json{{"advance_seconds", 720 * 3600}}, web.token("admin"));
  REQUIRE(moved.status == 200);
  // The breach is recorded (by this move's sweep or the server's own
  // scheduler, whichever comes first) and opens the remedy.
  json c = web.Get("/api/v1/cases/" + id, web.token("buyer")).Json();
  CHECK(c["state"] == "repairing");
  CHECK(c["deadlines"][0]["breached"] == true);
  CHECK(c["allowed_actions"] == json::array({"comment", "demand_remedy"}));
  c = Act(web, "buyer", id, "demand_remedy", json{{"remedy", "refund"}});
  CHECK(c["state"] == "refunding");
  CHECK(c["agreed_amount"] == 10000);  // one kettle of two paid 20000; the shipping stays with the other
  CHECK(c["refunds"][0]["amount"] == 10000);
}

}  // namespace
}  // namespace aftersales::testing
