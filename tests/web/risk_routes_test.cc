// The risk queue over HTTP (docs/reports.md, "Abuse signals"):
// `GET /api/v1/cases?risk=flagged` lists exactly the flagged cases, page by
// page with keyset cursors and combined with the other filters; `risk` is in
// the case JSON for staff only; a flagged case's agent offer answers 403.
// The rules themselves are tested through the engine (tests/engine/risk_test.cc).
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "web/web_fixture.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string Submit(WebFixture& web, const std::string& who, const std::string& order_id, const std::string& line_id) {
  json body = {{"order_id", order_id},
               {"type", "refund_only"},
               {"reason", "quality_issue"},
               {"lines", json::array({json{{"line_id", line_id}, {"qty", 1}}})}};
  HttpResult r = web.Post("/api/v1/cases", body, web.token(who));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.Json()["id"].get<std::string>();
}

// The shipped thresholds flag only a shop's outliers; these tests put a
// policy whose return rate flags from 3 orders at 60 % (v2.1's), so that a
// few orders reach it.
void PutLowThresholds(WebFixture& web) {
  json doc = json::parse(DefaultPolicyJson());
  doc["risk"]["thresholds"]["return_rate_percent"] = 60;
  doc["risk"]["thresholds"]["min_orders_for_rate"] = 3;
  REQUIRE(web.Put("/api/v1/policy", doc, web.token("admin")).status == 200);
}

// Every id of the list at `query`, page by page with `limit`.
std::vector<std::string> AllPages(WebFixture& web, const std::string& query, int limit) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int guard = 0; guard < 100; ++guard) {
    std::string path = "/api/v1/cases?" + query + "&limit=" + std::to_string(limit);
    if (!cursor.empty()) path += "&cursor=" + cursor;
    HttpResult r = web.Get(path, web.token("agent"));
    INFO(path << " -> " << r.body);
    REQUIRE(r.status == 200);
    json page = r.Json();
    REQUIRE(page["items"].size() <= static_cast<std::size_t>(limit));
    for (const auto& item : page["items"]) {
      CHECK(item["risk"]["flagged"] == true);
      ids.push_back(item["id"]);
    }
    if (page["next_cursor"].is_null()) return ids;
    cursor = page["next_cursor"].get<std::string>();
  }
  FAIL("paging does not end");
  return ids;
}

TEST_CASE("GET /cases?risk=flagged lists exactly the flagged cases, page by page", "[web][cases][risk]") {
  WebFixture web;
  PutLowThresholds(web);
  for (const char* id : {"o1", "o2", "o3"}) {
    REQUIRE(web.Post("/api/v1/orders", OrderBody(id, "b1"), web.token("integration")).status == 201);
  }
  REQUIRE(web.Post("/api/v1/orders", OrderBody("p1", "b2"), web.token("integration")).status == 201);
  // Buyer b1 has 3 orders: the first case is 1 of 3 (33 %), every later one
  // reaches the policy's 60 % return rate. Buyer b2's one case is not flagged.
  const std::string plain = Submit(web, "buyer", "o1", "l1");
  std::vector<std::string> flagged = {Submit(web, "buyer", "o2", "l1"), Submit(web, "buyer", "o3", "l1"),
                                      Submit(web, "buyer", "o1", "l2"), Submit(web, "buyer", "o2", "l2")};
  Submit(web, "buyer2", "p1", "l1");

  HttpResult staff_view = web.Get("/api/v1/cases/" + flagged[0], web.token("agent"));
  REQUIRE(staff_view.status == 200);
  CHECK(staff_view.Json()["risk"] == json{{"flagged", true},
                                          {"reasons", {"return_rate_percent"}},
                                          {"signals",
                                           {{"cases", 2},
                                            {"refund_only_cases", 2},
                                            {"refunded_amount", 0},
                                            {"orders", 3},
                                            {"return_rate_percent", 66}}}});
  CHECK(web.Get("/api/v1/cases/" + plain, web.token("agent")).Json()["risk"]["flagged"] == false);
  HttpResult buyer_view = web.Get("/api/v1/cases/" + flagged[0], web.token("buyer"));
  REQUIRE(buyer_view.status == 200);
  CHECK_FALSE(buyer_view.Json().contains("risk"));

  // Every case was submitted in the same second with the same deadline:
  // both sorts order them by id.
  std::vector<std::string> expected = flagged;
  std::sort(expected.begin(), expected.end());
  for (const char* sort : {"due_at", "created_at"}) {
    for (int limit : {1, 3, 50}) {
      INFO(sort << ", pages of " << limit);
      CHECK(AllPages(web, std::string("risk=flagged&sort=") + sort, limit) == expected);
    }
  }
  // Combined with the other filters.
  CHECK(AllPages(web, "risk=flagged&buyer_id=b2", 10).empty());
  std::vector<std::string> on_o2 = {flagged[0], flagged[3]};
  std::sort(on_o2.begin(), on_o2.end());
  CHECK(AllPages(web, "risk=flagged&type=refund_only&state=requested&order_id=o2", 1) == on_o2);
  HttpResult approved =
      web.Post("/api/v1/cases/" + flagged[1] + "/actions/approve", json::object(), web.token("agent"));
  REQUIRE(approved.status == 200);
  CHECK(approved.Json()["state"] == "pending_approval");  // a flagged case needs a supervisor
  CHECK(AllPages(web, "risk=flagged&state=pending_approval", 5) == std::vector<std::string>{flagged[1]});
  CHECK(web.Get("/api/v1/cases?state=pending_approval", web.token("agent")).Json()["items"].size() == 1);
}

TEST_CASE("the risk filter's errors on the wire", "[web][cases][risk]") {
  WebFixture web;
  PutLowThresholds(web);
  for (const char* id : {"o1", "o2", "o3"}) {
    REQUIRE(web.Post("/api/v1/orders", OrderBody(id, "b1"), web.token("integration")).status == 201);
  }
  Submit(web, "buyer", "o1", "l1");
  const std::string flagged = Submit(web, "buyer", "o2", "l1");

  HttpResult bad = web.Get("/api/v1/cases?risk=high", web.token("agent"));
  CHECK(bad.status == 400);
  CHECK(bad.Code() == "validation_failed");
  CHECK(web.Get("/api/v1/cases?risk=", web.token("agent")).status == 400);
  CHECK(web.Get("/api/v1/cases?risk=flagged&risk=high", web.token("agent")).status == 400);
  HttpResult buyer = web.Get("/api/v1/cases?risk=flagged", web.token("buyer"));
  CHECK(buyer.status == 403);
  CHECK(buyer.Code() == "forbidden");
  // The buyer's own list never carries risk.
  HttpResult list = web.Get("/api/v1/cases", web.token("buyer"));
  REQUIRE(list.status == 200);
  const json listed = list.Json()["items"];
  for (const auto& item : listed) CHECK_FALSE(item.contains("risk"));

  HttpResult offer = web.Post("/api/v1/cases/" + flagged + "/actions/offer",
                              json{{"amount", 1}, {"return_required", false}}, web.token("agent"));
  CHECK(offer.status == 403);
  CHECK(offer.Code() == "approval_limit_exceeded");
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

TEST_CASE("a buyer learns neither the risk thresholds nor a flag hidden behind the timeline's hashes", "[web][risk]") {
  WebFixture web;
  // The policy: staff see the risk and scorecard sections, a buyer does not.
  json staff_policy = web.Get("/api/v1/policy", web.token("agent")).Json()["policy"];
  CHECK(staff_policy.contains("risk"));
  CHECK(staff_policy.contains("scorecard"));
  json buyer_policy = web.Get("/api/v1/policy", web.token("buyer")).Json()["policy"];
  CHECK_FALSE(buyer_policy.contains("risk"));
  CHECK_FALSE(buyer_policy.contains("scorecard"));
  CHECK(buyer_policy.contains("return_window_days"));

  // The submit entry stores `risk` with a random salt; the buyer's copy
  // leaves `risk` out, so guessing it back from the served hash needs the salt.
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  json body = {{"order_id", "o1"},
               {"type", "refund_only"},
               {"reason", "quality_issue"},
               {"lines", json::array({json{{"line_id", "l1"}, {"qty", 1}}})}};
  HttpResult submitted = web.Post("/api/v1/cases", body, web.token("buyer"));
  REQUIRE(submitted.status == 201);
  const std::string id = submitted.Json()["id"];
  json staff_entry = web.Get("/api/v1/cases/" + id + "/timeline", web.token("manager")).Json()["items"][0];
  REQUIRE(staff_entry["action"] == "submit");
  const json& risk = staff_entry["data"]["risk"];
  CHECK(risk["salt"].get<std::string>().size() == 32);
  CHECK(risk.contains("flagged"));
  json buyer_entry = web.Get("/api/v1/cases/" + id + "/timeline", web.token("buyer")).Json()["items"][0];
  CHECK_FALSE(buyer_entry["data"].contains("risk"));
  CHECK(buyer_entry["hash"] == staff_entry["hash"]);
}

}  // namespace
}  // namespace aftersales::testing
