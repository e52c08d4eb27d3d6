// Compensation (SPEC §11) on the engine: the system's late compensation of
// §10.4 as the order-shipping supervision submits it, and the per-order cap
// under racing requests. The workflow itself is in tests/scenarios/compensation_*.scn.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "api/json_api.h"
#include "engine/cases/late_compensation.h"
#include "engine/engine_harness.h"
#include "engine/reports/case_reports.h"
#include "engine/reports/compensation_report.h"
#include "engine/reports/report_catalog.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

json CupsOrder(const std::string& id, Money paid) {
  return {{"id", id},
          {"buyer_id", "b1"},
          {"currency", "CNY"},
          {"placed_at", "2026-10-30T10:00:00Z"},
          {"delivered_at", nullptr},
          {"shipping_paid", 0},
          {"lines", {{{"line_id", "l1"}, {"sku", "CUP"}, {"title", "Cup"}, {"qty", 2}, {"paid", paid}}}}};
}

// Runs SubmitLateCompensation in its own write transaction, as the caller would.
std::optional<std::string> SubmitLate(EngineHarness& h, const std::string& order_id, const Policy& policy,
                                      Money late_goods_paid, TimePoint at) {
  auto txn = h.store().BeginWrite();
  REQUIRE(txn.ok());
  auto order = (*txn)->GetOrder(order_id);
  REQUIRE(order.ok());
  REQUIRE(order->has_value());
  auto id = SubmitLateCompensation(**txn, **order, policy, late_goods_paid, at, NewCaseId());
  REQUIRE(id.ok());
  REQUIRE((*txn)->Commit().ok());
  return *id;
}

TEST_CASE("late compensation: one system submit into compensating, its audit data and its events",
          "[engine][compensation]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(cs.CreateOrder(h.user("integration"), CupsOrder("o1", 25800)).ok());
  // A buyer's compensation holds part of the cap first.
  REQUIRE(cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                      {"type", "compensation"},
                                      {"reason", "goodwill"},
                                      {"compensation", {{"form", "cash"}}},
                                      {"requested_amount", 7000}})
              .ok());
  const TimePoint due = kHarnessStart - 6 * kHour;  // the order_ship deadline's due_at, before now
  const auto id = SubmitLate(h, "o1", *h.policies().Current(), 25800, due);
  REQUIRE(id);

  auto c = cs.GetCase(h.user("manager"), *id);
  REQUIRE(c.ok());
  CHECK((*c)["type"] == "compensation");
  CHECK((*c)["state"] == "compensating");
  CHECK((*c)["reason"] == "late_shipment");
  CHECK((*c)["lines"] == json::array());
  CHECK((*c)["requested_amount"] == 1290);  // 5 % of 25800
  CHECK((*c)["agreed_amount"] == 1290);
  CHECK((*c)["refunds"] == json::array());
  CHECK((*c)["risk"].is_null());
  CHECK((*c)["compensation"]["form"] == "voucher");
  CHECK((*c)["created_at"] == FormatTime(due));
  REQUIRE((*c)["deadlines"].size() == 1);
  CHECK((*c)["deadlines"][0]["kind"] == "compensation_issue");
  CHECK((*c)["deadlines"][0]["due_at"] == FormatTime(due + 72 * kHour));
  // Not cut by the cap (7740 − 7000 = 740 remained), but counted toward it.
  auto order = cs.GetOrder(h.user("manager"), "o1");
  REQUIRE(order.ok());
  CHECK((*order)["compensation_cap"] == 7740);
  CHECK((*order)["compensation_remaining"] == 0);
  CHECK((*order)["refundable_amount"] == 25800);

  auto timeline = cs.Timeline(h.user("manager"), *id);
  REQUIRE(timeline.ok());
  REQUIRE((*timeline)["items"].size() == 1);
  const json& entry = (*timeline)["items"][0];
  CHECK(entry["action"] == "submit");
  CHECK(entry["actor"] == json{{"id", "system"}, {"role", "system"}});
  CHECK(entry["from_state"].is_null());
  CHECK(entry["to_state"] == "compensating");
  CHECK(entry["at"] == FormatTime(due));
  const json& data = entry["data"];
  CHECK(data["paid_total"] == 25800);
  CHECK(data["late_goods_paid"] == 25800);
  CHECK(data["percent"] == 5);
  CHECK(data["min"] == 500);
  CHECK(data["max"] == 3000);
  CHECK(data["cap_remaining"] == 740);
  CHECK(data["requested_amount"] == 1290);
  CHECK(data["agreed_amount"] == 1290);
  CHECK(data["compensation"] == json{{"form", "voucher"}});
  CHECK_FALSE(data.contains("risk"));

  auto read = h.store().BeginRead();
  REQUIRE(read.ok());
  auto events = (*read)->OutboxAfter(0, 100);
  REQUIRE(events.ok());
  std::vector<json> mine;
  for (const auto& e : *events) {
    if (e.case_id == *id) mine.push_back(json::parse(e.payload));
  }
  REQUIRE(mine.size() == 2);
  CHECK(mine[0]["type"] == "case.created");
  CHECK(mine[0]["data"]["state"] == "compensating");
  CHECK(mine[1]["type"] == "compensation.requested");
  CHECK(mine[1]["data"] == json{{"case_id", *id}, {"order_id", "o1"}, {"form", "voucher"}, {"amount", 1290},
                                {"currency", "CNY"}});
}

TEST_CASE("late compensation: nothing when the policy has none", "[engine][compensation]") {
  EngineHarness h;
  REQUIRE(h.cases().CreateOrder(h.user("integration"), CupsOrder("o1", 25800)).ok());
  Policy off = *h.policies().Current();
  off.fulfilment.late_compensation.reset();
  CHECK_FALSE(SubmitLate(h, "o1", off, 25800, kHarnessStart));
  auto order = h.cases().GetOrder(h.user("manager"), "o1");
  REQUIRE(order.ok());
  CHECK((*order)["case_ids"] == json::array());
}

TEST_CASE("16 threads racing for one order's compensation cap: as if one after another",
          "[engine][concurrency][compensation]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  // Paid 10000: the cap is 3000, room for exactly 3 compensations of 1000.
  REQUIRE(cs.CreateOrder(h.user("integration"), CupsOrder("o1", 10000)).ok());
  std::vector<std::string> ids(16);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                           {"type", "compensation"},
                                           {"reason", "goodwill"},
                                           {"compensation", {{"form", "voucher"}}},
                                           {"requested_amount", 1000}});
      if (r.ok()) {
        ids[i] = (*r)["id"];
      } else {
        CHECK(r.status().code() == Code::kCompensationCapExceeded);
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(refused == 13);
  auto order = cs.GetOrder(h.user("manager"), "o1");
  REQUIRE(order.ok());
  CHECK((*order)["compensation_remaining"] == 0);
  CHECK((*order)["case_ids"].size() == 3);
}

TEST_CASE("the compensation report: every reason, amounts by form, who agreed", "[engine][compensation][reports]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(cs.CreateOrder(h.user("integration"), CupsOrder("o1", 100000)).ok());
  auto submit = [&](const std::string& reason, const std::string& form, Money amount) {
    auto r = cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                         {"type", "compensation"},
                                         {"reason", reason},
                                         {"compensation", {{"form", form}}},
                                         {"requested_amount", amount}});
    REQUIRE(r.ok());
    return (*r)["id"].get<std::string>();
  };
  // An agent approves cash; a supervisor's offer (accepted) turns a voucher into points; one is only approved.
  const std::string cash = submit("missing_gift", "cash", 2900);
  REQUIRE(cs.Apply(h.user("agent"), cash, "approve", json::object()).ok());
  REQUIRE(cs.Apply(h.user("finance"), cash, "issue_compensation", {{"external_ref", "PAY-1"}}).ok());
  const std::string points = submit("missing_gift", "voucher", 2000);
  REQUIRE(cs.Apply(h.user("supervisor"), points, "offer", {{"amount", 1500}, {"form", "points"}}).ok());
  REQUIRE(cs.Apply(h.user("buyer"), points, "accept_offer", json::object()).ok());
  REQUIRE(cs.Apply(h.user("integration"), points, "issue_compensation", {{"external_ref", "PTS-1"}}).ok());
  const std::string waiting = submit("goodwill", "voucher", 1000);
  REQUIRE(cs.Apply(h.user("agent"), waiting, "approve", json::object()).ok());
  submit("price_protection", "cash", 500);  // not decided
  const auto late = SubmitLate(h, "o1", *h.policies().Current(), 100000, kHarnessStart);
  REQUIRE(late);
  REQUIRE(cs.Apply(h.user("integration"), *late, "issue_compensation", {{"voucher_code", "LATE-1"}}).ok());

  auto report = CompensationReport(h.store(), ReportRange{});
  REQUIRE(report.ok());
  CHECK((*report)["currency"] == "CNY");
  const json by_reason = (*report)["by_reason"];
  REQUIRE(by_reason.size() == 5);  // every compensation reason of the policy, in its order
  CHECK(by_reason[0] == json{{"reason", "late_shipment"}, {"cases", 1}, {"compensated", 1}, {"amount", 3000},
                             {"cash", 0}, {"voucher", 3000}, {"points", 0}});
  CHECK(by_reason[1] == json{{"reason", "missing_gift"}, {"cases", 2}, {"compensated", 2}, {"amount", 4400},
                             {"cash", 2900}, {"voucher", 0}, {"points", 1500}});
  CHECK(by_reason[2]["reason"] == "price_protection");
  CHECK(by_reason[2]["cases"] == 1);
  CHECK(by_reason[2]["amount"] == 0);
  CHECK(by_reason[3] == json{{"reason", "goodwill"}, {"cases", 1}, {"compensated", 0}, {"amount", 0},
                             {"cash", 0}, {"voucher", 0}, {"points", 0}});
  CHECK(by_reason[4]["reason"] == "other");
  CHECK(by_reason[4]["cases"] == 0);
  const json by_agent = (*report)["by_agent"];
  REQUIRE(by_agent.size() == 3);
  CHECK(by_agent[0] == json{{"user_id", "system"}, {"name", "system"}, {"role", "system"}, {"approved", 1},
                            {"amount", 3000}});
  CHECK(by_agent[1] == json{{"user_id", "u_agent"}, {"name", "agent"}, {"role", "agent"}, {"approved", 2},
                            {"amount", 2900}});
  CHECK(by_agent[2] == json{{"user_id", "u_supervisor"}, {"name", "supervisor"}, {"role", "supervisor"},
                            {"approved", 1}, {"amount", 1500}});

  // A period that holds none of them: every reason, all zeros.
  ReportRange before;
  before.to = kHarnessStart - kDay;
  auto empty = CompensationReport(h.store(), before);
  REQUIRE(empty.ok());
  CHECK((*empty)["by_reason"].size() == 5);
  CHECK((*empty)["by_reason"][1]["cases"] == 0);
  CHECK((*empty)["by_agent"] == json::array());

  // The goods reports leave compensation out, lines named or not.
  REQUIRE(cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                      {"type", "compensation"},
                                      {"reason", "other"},
                                      {"compensation", {{"form", "cash"}}},
                                      {"requested_amount", 100},
                                      {"lines", {{{"line_id", "l1"}, {"qty", 2}}}}})
              .ok());
  CaseReports goods(h.store());
  auto reasons = goods.Reasons(ReportRange{});
  REQUIRE(reasons.ok());
  for (const json& item : (*reasons)["by_reason"]) CHECK(item["cases"] == 0);
  for (const json& item : (*reasons)["by_sku"]) CHECK(item["cases"] == 0);
  auto finance = goods.Finance(ReportRange{});
  REQUIRE(finance.ok());
  for (const json& item : (*finance)["items"]) CHECK(item["approved"] == 0);

  const ReportInfo* info = FindReport("compensation");
  REQUIRE(info != nullptr);
  const std::string csv = ReportCsv(*info, *report);
  CHECK(csv.rfind("section,reason,user_id,name,role,cases,compensated,approved,amount,cash,voucher,points", 0) == 0);
  CHECK(csv.find("by_reason,missing_gift,,,,2,2,,4400,2900,0,1500") != std::string::npos);
  CHECK(csv.find("by_agent,,u_supervisor,supervisor,supervisor,,,1,1500,,,") != std::string::npos);
}

}  // namespace
}  // namespace aftersales::testing
