// Compensation (SPEC §11) over HTTP: the wire contract of its submit, its
// actions and error codes, the order's cap fields, and what a buyer sees.
// The rules themselves are tested through the engine
// (tests/scenarios/compensation_*.scn, tests/engine/compensation_test.cc).
#include <catch2/catch.hpp>
#include <string>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

json CompensationBody(const std::string& form, std::int64_t amount) {
  return {{"order_id", "o1"},
          {"type", "compensation"},
          {"reason", "missing_gift"},
          {"compensation", {{"form", form}}},
          {"requested_amount", amount}};
}

// Order o1 for buyer b1 and the buyer's compensation on it; the case's id.
std::string OrderAndCompensation(WebFixture& web, const std::string& form, std::int64_t amount) {
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  HttpResult created = web.Post("/api/v1/cases", CompensationBody(form, amount), web.token("buyer"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  return created.Json()["id"].get<std::string>();
}

std::string Act(WebFixture& web, const std::string& id, const std::string& action, const json& body,
                const std::string& who) {
  HttpResult r = web.Post("/api/v1/cases/" + id + "/actions/" + action, body, web.token(who));
  INFO(action << " by " << who << ": " << r.body);
  REQUIRE(r.status == 200);
  return r.Json()["state"].get<std::string>();
}

TEST_CASE("compensation: submit, cap, issue and the record as the buyer sees it", "[web][compensation]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  // Paid 24000 (lines and shipping): the cap is 7200.
  HttpResult order = web.Get("/api/v1/orders/o1", web.token("buyer"));
  REQUIRE(order.status == 200);
  CHECK(order.Json()["compensation_cap"] == 7200);
  CHECK(order.Json()["compensation_remaining"] == 7200);

  // 400: compensation on another type; a goods reason; no form.
  json goods = {{"order_id", "o1"},
                {"type", "refund_only"},
                {"reason", "quality_issue"},
                {"lines", {{{"line_id", "l1"}, {"qty", 1}}}},
                {"compensation", {{"form", "cash"}}}};
  HttpResult bad = web.Post("/api/v1/cases", goods, web.token("buyer"));
  CHECK(bad.status == 400);
  CHECK(bad.Code() == "validation_failed");
  json wrong_reason = CompensationBody("cash", 100);
  wrong_reason["reason"] = "quality_issue";
  CHECK(web.Post("/api/v1/cases", wrong_reason, web.token("buyer")).Code() == "validation_failed");
  json no_form = CompensationBody("cash", 100);
  no_form.erase("compensation");
  CHECK(web.Post("/api/v1/cases", no_form, web.token("buyer")).Code() == "validation_failed");

  // 422 compensation_cap_exceeded, as problem+json.
  HttpResult over = web.Post("/api/v1/cases", CompensationBody("cash", 7201), web.token("buyer"));
  CHECK(over.status == 422);
  CHECK(over.Code() == "compensation_cap_exceeded");
  CHECK(over.ContentType().find("application/problem+json") == 0);

  HttpResult created = web.Post("/api/v1/cases", CompensationBody("cash", 7200), web.token("buyer"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const json c = created.Json();
  const std::string id = c["id"];
  CHECK(c["type"] == "compensation");
  CHECK(c["state"] == "requested");
  CHECK(c["lines"] == json::array());
  CHECK(c["compensation"]["form"] == "cash");
  CHECK(c["compensated_amount"] == 0);
  CHECK(c["refunds"] == json::array());
  order = web.Get("/api/v1/orders/o1", web.token("agent"));
  CHECK(order.Json()["compensation_remaining"] == 0);
  CHECK(order.Json()["refundable_amount"] == 24000);

  CHECK(Act(web, id, "approve", json::object(), "agent") == "compensating");
  // Cash: finance alone; the integration's 403 comes before the body's 400.
  HttpResult integration = web.Post("/api/v1/cases/" + id + "/actions/issue_compensation",
                                    json{{"voucher_code", "bad code"}}, web.token("integration"));
  CHECK(integration.status == 403);
  CHECK(integration.Code() == "forbidden");
  HttpResult warehouse = web.Post("/api/v1/cases/" + id + "/actions/issue_compensation",
                                  json{{"external_ref", "PAY-1"}}, web.token("warehouse"));
  CHECK(warehouse.Code() == "forbidden");
  HttpResult no_ref =
      web.Post("/api/v1/cases/" + id + "/actions/issue_compensation", json::object(), web.token("finance"));
  CHECK(no_ref.status == 400);
  HttpResult waive = web.Post("/api/v1/cases/" + id + "/actions/waive", json{{"reason", "no"}}, web.token("manager"));
  CHECK(waive.status == 409);
  CHECK(waive.Code() == "invalid_transition");
  CHECK(waive.Json()["state"] == "compensating");
  CHECK(Act(web, id, "compensation_failed", json{{"error", "card refused"}}, "finance") == "compensating");
  CHECK(Act(web, id, "issue_compensation", json{{"external_ref", "PAY-2"}}, "finance") == "compensated");

  HttpResult seen = web.Get("/api/v1/cases/" + id, web.token("buyer"));
  REQUIRE(seen.status == 200);
  const json mine = seen.Json();
  CHECK(mine["state"] == "compensated");
  CHECK(mine["version"] == 4);
  CHECK(mine["compensated_amount"] == 7200);
  CHECK(mine["compensation"]["amount"] == 7200);
  CHECK(mine["compensation"]["external_ref"] == "PAY-2");
  CHECK(mine["compensation"]["issued_at"].is_string());
  CHECK_FALSE(mine.contains("risk"));
  // The failure's error text is the shop's: the buyer's timeline has the entry, not the text.
  HttpResult timeline = web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer"));
  REQUIRE(timeline.status == 200);
  CHECK(timeline.body.find("card refused") == std::string::npos);
  HttpResult staff_timeline = web.Get("/api/v1/cases/" + id + "/timeline", web.token("manager"));
  CHECK(staff_timeline.body.find("card refused") != std::string::npos);
}

TEST_CASE("compensation: a voucher's code is the buyer's to read, the audit holds its hash", "[web][compensation]") {
  WebFixture web;
  const std::string id = OrderAndCompensation(web, "voucher", 1000);
  // An offer of another form at the same amount; accepting fixes it.
  CHECK(Act(web, id, "offer", json{{"amount", 1000}, {"form", "points"}}, "agent") == "negotiating");
  CHECK(Act(web, id, "decline_offer", json::object(), "buyer") == "requested");
  CHECK(web.Post("/api/v1/cases/" + id + "/actions/offer", json{{"amount", 1000}}, web.token("agent")).status == 400);
  CHECK(Act(web, id, "approve", json::object(), "agent") == "compensating");
  HttpResult past = web.Post("/api/v1/cases/" + id + "/actions/issue_compensation",
                             json{{"voucher_code", "GIFT-1000"}, {"expires_at", "2026-10-01T00:00:00Z"}},
                             web.token("integration"));
  CHECK(past.status == 400);
  CHECK(Act(web, id, "issue_compensation", json{{"voucher_code", "GIFT-1000"}}, "integration") == "compensated");
  const json mine = web.Get("/api/v1/cases/" + id, web.token("buyer")).Json();
  CHECK(mine["compensation"]["voucher_code"] == "GIFT-1000");
  CHECK(mine["compensation"]["expires_at"] == "2027-01-30T00:00:00Z");  // 90 days from 2026-11-01
  const json timeline = web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer")).Json();
  const json& issued = timeline["items"].back();
  CHECK(issued["action"] == "issue_compensation");
  CHECK(issued["data"]["effects"]["form"] == "voucher");
  CHECK(issued["data"]["effects"]["amount"] == 1000);
  CHECK(issued["data"]["effects"]["voucher_code"]["sha256"].is_string());
  CHECK(issued["data"]["effects"]["expires_at"] == "2027-01-30T00:00:00Z");
  CHECK(timeline.dump().find("GIFT-1000") != std::string::npos);  // the text beside the entry, buyer-visible
}

TEST_CASE("compensation: the report route, JSON and CSV, managers and admins only", "[web][compensation][reports]") {
  WebFixture web;
  const std::string id = OrderAndCompensation(web, "points", 700);
  CHECK(Act(web, id, "approve", json::object(), "agent") == "compensating");
  CHECK(Act(web, id, "issue_compensation", json{{"external_ref", "PTS-7"}}, "integration") == "compensated");

  HttpResult report = web.Get("/api/v1/reports/compensation", web.token("manager"));
  INFO(report.body);
  REQUIRE(report.status == 200);
  const json doc = report.Json();
  CHECK(doc["currency"] == "CNY");
  REQUIRE(doc["by_reason"].size() == 5);
  CHECK(doc["by_reason"][1] == json{{"reason", "missing_gift"}, {"cases", 1}, {"compensated", 1}, {"amount", 700},
                                    {"cash", 0}, {"voucher", 0}, {"points", 700}});
  REQUIRE(doc["by_agent"].size() == 1);
  CHECK(doc["by_agent"][0]["role"] == "agent");
  CHECK(doc["by_agent"][0]["approved"] == 1);
  CHECK(doc["by_agent"][0]["amount"] == 700);

  HttpResult csv = web.Get("/api/v1/reports/compensation?format=csv", web.token("admin"));
  REQUIRE(csv.status == 200);
  CHECK(csv.ContentType().find("text/csv") == 0);
  CHECK(csv.body.rfind("section,reason,", 0) == 0);
  CHECK(csv.body.find("by_reason,missing_gift,") != std::string::npos);
  HttpResult later = web.Get("/api/v1/reports/compensation?from=2030-01-01T00:00:00Z", web.token("manager"));
  REQUIRE(later.status == 200);
  CHECK(later.Json()["by_reason"][1]["cases"] == 0);
  CHECK(web.Get("/api/v1/reports/compensation", web.token("agent")).status == 403);
  CHECK(web.Get("/api/v1/reports/compensation", web.token("buyer")).status == 403);
  CHECK(web.Get("/api/v1/reports/compensation?from=soon", web.token("manager")).status == 400);
}

}  // namespace
}  // namespace aftersales::testing
