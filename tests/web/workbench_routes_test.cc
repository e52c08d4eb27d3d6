// What the web UI's workbench reads over HTTP: the staff directory, the
// cases the caller can act on (actionable=me), prefix search on order and
// tracking numbers, a case's refundable amount, and the audit log newest
// first. The wire contract only: the rules behind it are the engine's.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "web/case_actions.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string Submit(WebFixture& web, const std::string& order_id, const std::string& type = "return_refund",
                   const std::string& line = "l1") {
  HttpResult r = web.Post("/api/v1/cases",
                          json{{"order_id", order_id},
                               {"type", type},
                               {"reason", "quality_issue"},
                               {"lines", json::array({json{{"line_id", line}, {"qty", 1}}})}},
                          web.token("buyer"));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.Json()["id"].get<std::string>();
}

std::set<std::string> Ids(const HttpResult& r) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::set<std::string> out;
  const json body = r.Json();  // kept: a range-for over a temporary's member would dangle
  for (const auto& c : body["items"]) out.insert(c["id"].get<std::string>());
  return out;
}

TEST_CASE("GET /staff lists staff names for staff, never buyers or user details", "[web][staff]") {
  WebFixture web;
  web.AddUser("ex-agent", Role::kAgent);
  // Disable ex-agent (found by name).
  std::string ex_agent_id;
  const json users = web.Get("/api/v1/users", web.token("admin")).Json();
  for (const auto& u : users["items"]) {
    if (u["name"] == "ex-agent") ex_agent_id = u["id"];
  }
  REQUIRE(web.Patch("/api/v1/users/" + ex_agent_id, json{{"disabled", true}}, web.token("admin")).status == 200);

  for (const char* who : {"agent", "supervisor", "manager", "warehouse", "finance", "admin", "integration"}) {
    HttpResult r = web.Get("/api/v1/staff", web.token(who));
    INFO(who << " " << r.body);
    REQUIRE(r.status == 200);
    const json items = r.Json()["items"];
    std::set<std::string> names;
    std::string previous;
    for (const auto& u : items) {
      CHECK(u.size() == 4);  // id, name, role, active: no limits, external ids or passwords
      CHECK(u["role"] != "buyer");
      CHECK(u["name"].get<std::string>() >= previous);
      previous = u["name"];
      names.insert(u["name"]);
      if (u["name"] == "ex-agent") CHECK(u["active"] == false);
      if (u["name"] == "agent") {
        CHECK(u["active"] == true);
        CHECK(u["role"] == "agent");
        CHECK(u["id"] == web.user_id("agent"));
      }
    }
    CHECK(names.count("agent") == 1);
    CHECK(names.count("ex-agent") == 1);
    CHECK(names.count("buyer") == 0);
  }
  HttpResult buyer = web.Get("/api/v1/staff", web.token("buyer"));
  CHECK(buyer.status == 403);
  CHECK(buyer.Code() == "forbidden");
  CHECK(web.Get("/api/v1/staff", "").status == 401);
}

TEST_CASE("actionable=me lists the cases in states the caller's role acts in", "[web][cases][actionable]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o2", "b1"), web.token("integration")).status == 201);
  const std::string requested = Submit(web, "o1");
  const std::string in_transit = Submit(web, "o2");
  Act(web, "agent", in_transit, "approve");
  Act(web, "buyer", in_transit, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "SF100200"}});

  CHECK(Ids(web.Get("/api/v1/cases?actionable=me", web.token("agent"))) == std::set<std::string>{requested});
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me", web.token("warehouse"))) == std::set<std::string>{in_transit});
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me", web.token("finance"))).empty());
  // With state: only the states both name.
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me&state=requested,return_in_transit", web.token("agent"))) ==
        std::set<std::string>{requested});
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me&state=return_in_transit", web.token("agent"))).empty());
  // With assignee: a claim moves the case into "mine".
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me&assignee=me", web.token("agent"))).empty());
  Act(web, "supervisor", requested, "assign", json{{"assignee", web.user_id("agent")}});
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me&assignee=me", web.token("agent"))) ==
        std::set<std::string>{requested});
  CHECK(Ids(web.Get("/api/v1/cases?actionable=me&assignee=none", web.token("agent"))).empty());

  HttpResult bad = web.Get("/api/v1/cases?actionable=you", web.token("agent"));
  CHECK(bad.status == 400);
  CHECK(bad.Json()["errors"][0]["field"] == "actionable");
}

TEST_CASE("search finds cases by the start of the order or tracking number", "[web][cases][search]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("SO-7001", "b1"), web.token("integration")).status == 201);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("SO-7002", "b1"), web.token("integration")).status == 201);
  REQUIRE(web.Post("/api/v1/orders", OrderBody("XO-1", "b1"), web.token("integration")).status == 201);
  const std::string a = Submit(web, "SO-7001");
  const std::string b = Submit(web, "SO-7002");
  const std::string c = Submit(web, "XO-1");
  Act(web, "supervisor", c, "approve");  // the buyer's third case may be flagged: beyond an agent's limit
  Act(web, "buyer", c, "ship_return", json{{"carrier", "SF"}, {"tracking_no", "SF7001999"}});

  const std::string agent = web.token("agent");
  CHECK(Ids(web.Get("/api/v1/cases?search=SO-700", agent)) == std::set<std::string>{a, b});
  CHECK(Ids(web.Get("/api/v1/cases?search=SO-7002", agent)) == std::set<std::string>{b});
  CHECK(Ids(web.Get("/api/v1/cases?search=SF7001", agent)) == std::set<std::string>{c});
  CHECK(Ids(web.Get("/api/v1/cases?search=sf7001", agent)).empty());  // case-sensitive
  CHECK(Ids(web.Get("/api/v1/cases?search=7001", agent)).empty());    // a prefix, not a substring
  CHECK(Ids(web.Get("/api/v1/cases?search=SO-%25", agent)).empty());  // % is no wildcard
  // Combined with other filters and paged by cursor.
  CHECK(Ids(web.Get("/api/v1/cases?search=SO&state=requested&sort=created_at", agent)) == std::set<std::string>{a, b});
  HttpResult first = web.Get("/api/v1/cases?search=SO&limit=1", agent);
  REQUIRE(first.status == 200);
  REQUIRE(first.Json()["next_cursor"].is_string());
  HttpResult second =
      web.Get("/api/v1/cases?search=SO&limit=1&cursor=" + first.Json()["next_cursor"].get<std::string>(), agent);
  std::set<std::string> both = Ids(first);
  for (const auto& id : Ids(second)) both.insert(id);
  CHECK(both == std::set<std::string>{a, b});
  // A buyer's search stays within their own cases.
  web.AddUser("buyer3", Role::kBuyer, std::string("b3"));
  CHECK(Ids(web.Get("/api/v1/cases?search=SO", web.token("buyer"))) == std::set<std::string>{a, b});

  CHECK(web.Get("/api/v1/cases?search=", agent).status == 400);
  CHECK(web.Get("/api/v1/cases?search=" + std::string(65, 'S'), agent).status == 400);
  CHECK(web.Get("/api/v1/cases?search=SO%0A", agent).status == 400);
}

TEST_CASE("GET /cases/{id} names the case's refundable amount, the cap an offer meets", "[web][cases]") {
  WebFixture web;
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  // Line l2: one mug paid 3000, on an order of 23000 (plus 1000 shipping).
  const std::string id = Submit(web, "o1", "refund_only", "l2");
  HttpResult got = web.Get("/api/v1/cases/" + id, web.token("agent"));
  REQUIRE(got.status == 200);
  CHECK(got.Json()["refundable_amount"] == 3000);
  CHECK(web.Get("/api/v1/orders/o1", web.token("agent")).Json()["refundable_amount"] == 24000);
  HttpResult over = web.Post("/api/v1/cases/" + id + "/actions/offer", json{{"amount", 3001}}, web.token("agent"));
  CHECK(over.status == 422);
  CHECK(over.Code() == "amount_exceeds_refundable");
  Act(web, "agent", id, "offer", json{{"amount", 3000}});
  // Lists leave it out: it needs the order of every case.
  const json list = web.Get("/api/v1/cases", web.token("agent")).Json();
  REQUIRE_FALSE(list["items"].empty());
  for (const auto& c : list["items"]) CHECK_FALSE(c.contains("refundable_amount"));
}

TEST_CASE("GET /audit?order=desc pages newest first with before_seq", "[web][audit]") {
  WebFixture web;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(web.Post("/api/v1/orders", OrderBody("o" + std::to_string(i), "b1"), web.token("integration")).status ==
            201);
  }
  const std::string manager = web.token("manager");
  HttpResult all = web.Get("/api/v1/audit?limit=1000", manager);
  REQUIRE(all.status == 200);
  const json asc = all.Json()["items"];
  REQUIRE(asc.size() >= 3);
  const std::int64_t head = asc.back()["seq"];

  HttpResult page1 = web.Get("/api/v1/audit?order=desc&limit=2", manager);
  REQUIRE(page1.status == 200);
  REQUIRE(page1.Json()["items"].size() == 2);
  CHECK(page1.Json()["items"][0]["seq"] == head);
  CHECK(page1.Json()["items"][1]["seq"] == head - 1);
  const std::string next = page1.Json()["next_cursor"];
  CHECK(next == std::to_string(head - 1));
  HttpResult page2 = web.Get("/api/v1/audit?order=desc&limit=2&before_seq=" + next, manager);
  REQUIRE(page2.status == 200);
  CHECK(page2.Json()["items"][0]["seq"] == head - 2);

  // Filters hold in either direction.
  HttpResult orders = web.Get("/api/v1/audit?order=desc&action=order_created", manager);
  REQUIRE(orders.status == 200);
  REQUIRE(orders.Json()["items"].size() == 3);
  CHECK(orders.Json()["items"][0]["data"]["order_id"] == "o2");
  CHECK(orders.Json()["items"][2]["data"]["order_id"] == "o0");

  CHECK(web.Get("/api/v1/audit?order=sideways", manager).status == 400);
  CHECK(web.Get("/api/v1/audit?before_seq=0", manager).status == 400);
}

}  // namespace
}  // namespace aftersales::testing
