// The report routes' wire contract (docs/reports.md): roles, query
// parameters, problem+json on bad ones, JSON and CSV answers, and the
// OpenAPI description. The figures themselves are tested through the engine
// (tests/engine/staff_reports_test.cc and the case report tests).
#include "web/report_routes.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/reports/report_catalog.h"
#include "web/case_actions.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kReports = {"agents", "sla", "reasons", "warehouse", "finance", "scorecard"};

// One refund_only case of buyer b1 approved by the agent 30 minutes after
// its submit and refunded: 10000 CNY (one of two kettles).
void OneRefund(WebFixture& web) {
  REQUIRE(web.Post("/api/v1/orders", OrderBody("o1", "b1"), web.token("integration")).status == 201);
  HttpResult submitted = web.Post("/api/v1/cases",
                                  json{{"order_id", "o1"},
                                       {"type", "refund_only"},
                                       {"reason", "quality_issue"},
                                       {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}},
                                  web.token("buyer"));
  INFO(submitted.body);
  REQUIRE(submitted.status == 201);
  const std::string id = submitted.Json()["id"];
  Act(web, "agent", id, "approve");
  Act(web, "finance", id, "refund_issued", {{"external_ref", "PAY-1"}});
}

std::vector<std::string> CsvLines(const std::string& csv) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < csv.size()) {
    const std::size_t end = csv.find("\r\n", start);
    if (end == std::string::npos) break;
    lines.push_back(csv.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

TEST_CASE("reports: managers and admins only", "[web][reports]") {
  WebFixture web;
  for (const std::string& name : kReports) {
    const std::string path = "/api/v1/reports/" + name;
    INFO(path);
    CHECK(web.Get(path, "").status == 401);
    for (const char* who : {"agent", "supervisor", "buyer", "integration", "warehouse", "finance"}) {
      HttpResult r = web.Get(path, web.token(who));
      CHECK(r.status == 403);
      CHECK(r.Code() == "forbidden");
    }
    for (const char* who : {"manager", "admin"}) {
      HttpResult r = web.Get(path, web.token(who));
      INFO(r.body);
      CHECK(r.status == 200);
      CHECK(r.ContentType() == "application/json");
      CHECK(r.Json()["items"].is_array());
    }
  }
}

TEST_CASE("reports: the agents report as JSON and CSV", "[web][reports]") {
  WebFixture web;
  OneRefund(web);
  const std::string agent = web.user_id("agent");

  HttpResult r = web.Get("/api/v1/reports/agents", web.token("manager"));
  REQUIRE(r.status == 200);
  json report = r.Json();
  CHECK(report["currency"] == "CNY");
  json mine;
  for (const json& item : report["items"]) {
    if (item["user_id"] == agent) mine = item;
  }
  REQUIRE(mine.is_object());
  CHECK(mine["approvals"] == 1);
  CHECK(mine["decisions"] == 1);
  CHECK(mine["refunded_amount"] == 10000);
  CHECK(mine["median_first_response_seconds"] == 0);  // the clock did not move
  CHECK(mine["score"] == 2);                          // on time, closed without appeal

  HttpResult csv = web.Get("/api/v1/reports/agents?format=csv", web.token("admin"));
  REQUIRE(csv.status == 200);
  CHECK(csv.ContentType() == "text/csv; charset=utf-8");
  CHECK(csv.Header("Content-Disposition") == "attachment; filename=\"agents.csv\"");
  const auto lines = CsvLines(csv.body);
  REQUIRE(lines.size() == report["items"].size() + 1);
  CHECK(lines[0] ==
        "user_id,name,role,decisions,approvals,rejections,offers,median_first_response_seconds,sla_breaches,"
        "overturned,refunded_amount,score");
  CHECK(lines[1] == agent + ",agent,agent,1,1,0,0,0,0,0,10000,2");  // the highest score comes first
  // Other staff have no first response: an empty field.
  CHECK(lines[2].find(",,") != std::string::npos);

  SECTION("another currency counts no money") {
    HttpResult usd = web.Get("/api/v1/reports/agents?currency=USD", web.token("manager"));
    REQUIRE(usd.status == 200);
    CHECK(usd.Json()["currency"] == "USD");
    const json usd_items = usd.Json()["items"];
    for (const json& item : usd_items) CHECK(item["refunded_amount"] == 0);
  }
  SECTION("a period without events") {
    HttpResult old = web.Get("/api/v1/reports/agents?period=2026-10", web.token("manager"));
    REQUIRE(old.status == 200);
    const json old_items = old.Json()["items"];
    for (const json& item : old_items) CHECK(item["decisions"] == 0);
  }
}

TEST_CASE("reports: the scorecard, one user's events, and its CSV", "[web][reports]") {
  WebFixture web;
  OneRefund(web);
  const std::string agent = web.user_id("agent");

  HttpResult r = web.Get("/api/v1/reports/scorecard", web.token("manager"));
  REQUIRE(r.status == 200);
  json card = r.Json();
  CHECK(card["period"] == "2026-11");  // the engine clock's month
  CHECK(card["policy_version"] == 1);
  REQUIRE(card["items"].size() >= 1);
  CHECK(card["items"][0]["user_id"] == agent);
  CHECK(card["items"][0]["rank"] == 1);
  CHECK(card["items"][0]["points"] == 2);

  HttpResult one = web.Get("/api/v1/reports/scorecard?period=2026-11&user_id=" + agent, web.token("manager"));
  REQUIRE(one.status == 200);
  const json list = one.Json()["event_list"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["kind"] == "decision_on_time");
  CHECK(list[1]["kind"] == "closed_without_appeal");
  // Each event names the audit entry that proves it.
  for (const json& e : list) {
    HttpResult entry =
        web.Get("/api/v1/audit?after_seq=" + std::to_string(e["seq"].get<std::int64_t>() - 1) + "&limit=1",
                web.token("manager"));
    REQUIRE(entry.status == 200);
    CHECK(entry.Json()["items"][0]["case_id"] == e["case_id"]);
    CHECK(entry.Json()["items"][0]["at"] == e["at"]);
  }
  CHECK(web.Get("/api/v1/reports/scorecard?user_id=u_nobody", web.token("manager")).status == 404);

  HttpResult csv = web.Get("/api/v1/reports/scorecard?format=csv", web.token("manager"));
  REQUIRE(csv.status == 200);
  CHECK(csv.Header("Content-Disposition") == "attachment; filename=\"scorecard.csv\"");
  const auto lines = CsvLines(csv.body);
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0].rfind("rank,user_id,name,role,points,band,events,count_decision_on_time,", 0) == 0);
  CHECK(lines[1] == "1," + agent + ",agent,agent,2,normal,2,1,0,0,0,1,1,0,0,0,1");
}

TEST_CASE("reports: bad query parameters answer 400 naming the parameter", "[web][reports]") {
  WebFixture web;
  const std::string manager = web.token("manager");
  auto field_of = [](const HttpResult& r) {
    const json p = r.Json();
    return p["errors"].empty() ? std::string() : p["errors"][0]["field"].get<std::string>();
  };
  struct Bad {
    std::string query;
    std::string field;
  };
  for (const Bad& bad : std::vector<Bad>{{"agents?from=yesterday", "from"},
                                         {"sla?to=2026-13-01T00:00:00Z", "to"},
                                         {"reasons?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to"},
                                         {"finance?currency=usd", "currency"},
                                         {"warehouse?period=2026-1", "period"},
                                         {"scorecard?period=2026-11&from=2026-11-01T00:00:00Z", "period"},
                                         {"agents?format=xml", "format"},
                                         {"agents?limit=5", "limit"},
                                         {"sla?currency=CNY", "currency"},
                                         {"agents?user_id=u_x", "user_id"},
                                         {"agents?from=2026-11-01T00:00:00Z&from=2026-12-01T00:00:00Z", "from"},
                                         {"scorecard?user_id=not%20an%20id", "user_id"}}) {
    HttpResult r = web.Get("/api/v1/reports/" + bad.query, manager);
    INFO(bad.query << " -> " << r.status << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.ContentType() == "application/problem+json");
    CHECK(r.Code() == "validation_failed");
    CHECK(field_of(r) == bad.field);
  }
  // A forbidden caller learns nothing about the parameters: 403 comes first.
  CHECK(web.Get("/api/v1/reports/agents?from=yesterday", web.token("agent")).status == 403);
}

TEST_CASE("reports: every report route is in the OpenAPI document", "[web][reports][openapi]") {
  WebFixture web;
  HttpResult r = web.Get("/api/v1/openapi.json", "");
  REQUIRE(r.status == 200);
  const json doc = r.Json();
  const auto routes = BuildReportRoutes(web.services());
  CHECK(routes.size() == ReportCatalog().size());
  for (const Route& route : routes) {
    INFO(route.pattern);
    REQUIRE(doc["paths"].contains(route.pattern));
    const json& get = doc["paths"][route.pattern]["get"];
    CHECK(get["responses"]["200"]["content"].contains("text/csv"));
    std::vector<std::string> params;
    for (const json& p : get["parameters"]) {
      const std::string ref = p["$ref"];
      params.push_back(doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)]["name"]);
    }
    const ReportInfo* info = FindReport(route.pattern.substr(route.pattern.rfind('/') + 1));
    REQUIRE(info != nullptr);
    std::vector<std::string> want = {"from", "to", "period"};
    if (info->money) want.push_back("currency");
    if (info->per_user) want.push_back("user_id");
    want.push_back("format");
    CHECK(params == want);
  }
}

}  // namespace
}  // namespace aftersales::testing
