// Abuse signals (docs/reports.md, "Abuse signals"): the figures and
// thresholds computed by hand at every boundary, the window, the submit's
// audit entry, who sees `risk`, and the routing of a flagged case to a
// supervisor. The shipped thresholds flag only a shop's outliers (their own
// test below); the other tests set v2.1's, which a few orders reach: cases
// 6, refund_only_cases 4, refunded_amount 200000, return_rate_percent 60
// from 3 orders on, over 90 days, require_supervisor true.
#include "engine/reports/risk.h"

#include <catch2/catch.hpp>
#include <functional>

#include "api/json_api.h"
#include "engine/audit/audit_log.h"
#include "engine/engine_harness.h"
#include "engine/json_reader.h"
#include "engine/json_writer.h"
#include "engine/test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

template <class T>
T Must(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

// The expected `risk` object.
json RiskJson(bool flagged, std::vector<std::string> reasons, std::int64_t cases, std::int64_t refund_only,
              Money refunded, std::int64_t orders, json rate) {
  return {{"flagged", flagged},
          {"reasons", reasons},
          {"signals",
           {{"cases", cases},
            {"refund_only_cases", refund_only},
            {"refunded_amount", refunded},
            {"orders", orders},
            {"return_rate_percent", rate}}}};
}

// Orders of buyer b1, delivered 2026-10-28 and placed 2026-10-25, inside
// the window of a submit at the harness's start (2026-11-01).
void Orders(EngineHarness& h, int from, int to, std::int64_t qty = 3, Money paid = 1000) {
  for (int i = from; i <= to; ++i) {
    Must(h.cases().CreateOrder(h.user("integration"), MakeOrder("o" + std::to_string(i), qty, paid)));
  }
}

// The buyer submits; returns the case as the manager sees it.
json Submit(EngineHarness& h, const std::string& order_id, const std::string& type, std::int64_t qty = 1) {
  json body = RefundOnlyRequest(order_id, qty);
  body["type"] = type;
  json answer = Must(h.cases().Submit(h.user("buyer"), body));
  CHECK_FALSE(answer.contains("risk"));
  return Must(h.cases().GetCase(h.user("manager"), answer["id"].get<std::string>()));
}

json Act(EngineHarness& h, const std::string& who, const json& kase, const std::string& action,
         const json& body = json::object()) {
  return Must(h.cases().Apply(h.user(who), kase["id"].get<std::string>(), action, body));
}

json Get(EngineHarness& h, const std::string& who, const json& kase) {
  return Must(h.cases().GetCase(h.user(who), kase["id"].get<std::string>()));
}

json AllowedFor(EngineHarness& h, const std::string& who, const json& kase) {
  return Get(h, who, kase)["allowed_actions"];
}

// Makes the current policy with `change` applied a new version.
void PutPolicy(EngineHarness& h, const std::function<void(json&)>& change) {
  json doc = h.policies().Current()->document;
  change(doc);
  Must(h.policies().Replace(h.user("admin"), doc, h.clock().Now()));
}

// The thresholds the tests set (see the top of the file).
RiskPolicy TestThresholds() {
  // window_days, cases, refund_only_cases, refunded_amount,
  // return_rate_percent, min_orders_for_rate, require_supervisor
  return RiskPolicy{90, 6, 4, 200000, 60, 3, true};
}

// Makes the current policy with TestThresholds() a new version.
void UseTestThresholds(EngineHarness& h) {
  const RiskPolicy p = TestThresholds();
  PutPolicy(h, [&](json& doc) {
    doc["risk"] = {{"window_days", p.window_days},
                   {"thresholds",
                    {{"cases", p.cases},
                     {"refund_only_cases", p.refund_only_cases},
                     {"refunded_amount", p.refunded_amount},
                     {"return_rate_percent", p.return_rate_percent},
                     {"min_orders_for_rate", p.min_orders_for_rate}}},
                   {"require_supervisor", p.require_supervisor}};
  });
}

// ---- The pure function --------------------------------------------------

TEST_CASE("AssessRisk: just under every threshold is not flagged: each threshold alone flags", "[engine][risk]") {
  const RiskPolicy p = TestThresholds();

  // 5 cases (3 refund-only), 199999 refunded, 11 orders: 500 / 11 = 45 %.
  const BuyerHistory under{5, 3, 199999, 11};
  Risk r = AssessRisk(under, p);
  CHECK_FALSE(r.flagged);
  CHECK(r.reasons.empty());
  CHECK(r.signals.return_rate_percent == std::optional<std::int64_t>(45));

  BuyerHistory h = under;
  h.cases = 6;  // one more case, not refund-only: 600 / 11 = 54 %
  r = AssessRisk(h, p);
  CHECK(r.flagged);
  CHECK(r.reasons == std::vector<std::string>{"cases"});
  CHECK(r.signals.return_rate_percent == std::optional<std::int64_t>(54));

  h = under;
  h.refund_only_cases = 4;  // one of the five is refund-only too
  r = AssessRisk(h, p);
  CHECK(r.reasons == std::vector<std::string>{"refund_only_cases"});

  h = under;
  h.refunded_amount = 200000;  // one more fen
  r = AssessRisk(h, p);
  CHECK(r.reasons == std::vector<std::string>{"refunded_amount"});

  h = under;
  h.orders = 8;  // 500 / 8 = 62 %; with 9 orders 55 %
  r = AssessRisk(h, p);
  CHECK(r.reasons == std::vector<std::string>{"return_rate_percent"});
  h.orders = 9;
  CHECK_FALSE(AssessRisk(h, p).flagged);

  // Everything at once, in the documented order.
  r = AssessRisk({6, 4, 200000, 2 + 1}, p);
  CHECK(r.reasons == std::vector<std::string>{"cases", "refund_only_cases", "refunded_amount", "return_rate_percent"});
  CHECK(RiskToJson(r) ==
        RiskJson(true, {"cases", "refund_only_cases", "refunded_amount", "return_rate_percent"}, 6, 4, 200000, 3, 200));
  // Read back from its text, the same block.
  std::string text;
  JsonWriter w(text);
  WriteRiskJson(w, r);
  JsonReader reader(text);
  CHECK(RiskToJson(ReadRiskJson(reader)) == RiskToJson(r));
  reader.End();
}

TEST_CASE("AssessRisk: the return rate rounds down and counts from min_orders_for_rate orders on", "[engine][risk]") {
  const RiskPolicy p = TestThresholds();
  // 3 cases over 5 orders: exactly 60 %, the threshold itself.
  CHECK(AssessRisk({3, 0, 0, 5}, p).reasons == std::vector<std::string>{"return_rate_percent"});
  // 2 over 3: 66.7 % is served as 66.
  CHECK(AssessRisk({2, 0, 0, 3}, p).signals.return_rate_percent == std::optional<std::int64_t>(66));
  // 2 over 2 would be 100 %, but 2 orders are fewer than 3: no rate at all.
  Risk two = AssessRisk({2, 0, 0, 2}, p);
  CHECK_FALSE(two.flagged);
  CHECK_FALSE(two.signals.return_rate_percent.has_value());
  CHECK(RiskToJson(two)["signals"]["return_rate_percent"].is_null());
  CHECK_FALSE(AssessRisk({1, 1, 0, 0}, p).signals.return_rate_percent.has_value());
  // A policy that counts from the first order.
  RiskPolicy from_one = p;
  from_one.min_orders_for_rate = 1;
  CHECK(AssessRisk({2, 0, 0, 2}, from_one).reasons == std::vector<std::string>{"return_rate_percent"});
}

TEST_CASE("AssessRisk: the shipped thresholds flag a shop's outliers, not an ordinary shopper", "[engine][risk]") {
  // docs/reports.md, "Abuse signals", has the simulated shop behind them.
  const RiskPolicy p = DefaultPolicy().risk;
  CHECK(p.window_days == 90);
  CHECK(p.cases == 8);
  CHECK(p.refund_only_cases == 6);
  CHECK(p.refunded_amount == 300000);
  CHECK(p.return_rate_percent == 80);
  CHECK(p.min_orders_for_rate == 8);
  CHECK(p.require_supervisor);
  // SPEC 9.1: a buyer with 3 orders and 2 returns is an ordinary shopper,
  // whatever the returns' type; so are 5 returns of 7 orders and 3 of 10.
  CHECK_FALSE(AssessRisk({2, 0, 0, 3}, p).flagged);
  CHECK_FALSE(AssessRisk({2, 2, 0, 3}, p).flagged);
  CHECK_FALSE(AssessRisk({5, 3, 120000, 7}, p).flagged);
  CHECK_FALSE(AssessRisk({3, 3, 90000, 10}, p).flagged);
  // Each threshold alone, just under and at it.
  const BuyerHistory under{7, 5, 299999, 10};  // 70 % of 10 orders
  CHECK_FALSE(AssessRisk(under, p).flagged);
  BuyerHistory h = under;
  h.cases = 8;  // 80 %: the rate too
  CHECK(AssessRisk(h, p).reasons == std::vector<std::string>{"cases", "return_rate_percent"});
  h = under;
  h.refund_only_cases = 6;
  CHECK(AssessRisk(h, p).reasons == std::vector<std::string>{"refund_only_cases"});
  h = under;
  h.refunded_amount = 300000;
  CHECK(AssessRisk(h, p).reasons == std::vector<std::string>{"refunded_amount"});
  // 7 returns of 8 orders (87 %) flag; of 7 orders (100 %) the rate is not yet read.
  CHECK(AssessRisk({7, 0, 0, 8}, p).reasons == std::vector<std::string>{"return_rate_percent"});
  CHECK_FALSE(AssessRisk({7, 0, 0, 7}, p).flagged);
}

// ---- Through submit ---------------------------------------------------------

TEST_CASE("submit under the shipped policy: 3 orders and 2 returns are not flagged, 7 returns of 8 orders are",
          "[engine][risk]") {
  EngineHarness h;
  Orders(h, 1, 3, 5, 5000);
  Submit(h, "o1", "return_refund");
  json second = Submit(h, "o2", "refund_only");
  CHECK(second["risk"] == RiskJson(false, {}, 2, 1, 0, 3, nullptr));
  Orders(h, 4, 8, 5, 5000);
  json sixth;
  for (int i = 3; i <= 6; ++i) sixth = Submit(h, "o" + std::to_string(i), "return_refund");
  CHECK(sixth["risk"] == RiskJson(false, {}, 6, 1, 0, 8, 75));
  json seventh = Submit(h, "o7", "return_refund");
  CHECK(seventh["risk"] == RiskJson(true, {"return_rate_percent"}, 7, 1, 0, 8, 87));
}

TEST_CASE("submit: one more case crosses the cases threshold alone", "[engine][risk]") {
  EngineHarness h;
  UseTestThresholds(h);
  Orders(h, 1, 1, 20, 20000);  // o1: 20 units of 1000
  Orders(h, 2, 11);            // 11 orders in all
  for (int i = 0; i < 3; ++i) Submit(h, "o1", "refund_only");
  Submit(h, "o1", "return_refund");
  json fifth = Submit(h, "o1", "return_refund");
  // 5 cases, 3 refund-only, 11 orders: 45 %.
  CHECK(fifth["risk"] == RiskJson(false, {}, 5, 3, 0, 11, 45));
  json sixth = Submit(h, "o1", "return_refund");
  CHECK(sixth["risk"] == RiskJson(true, {"cases"}, 6, 3, 0, 11, 54));
}

TEST_CASE("submit: one more refund-only case crosses refund_only_cases alone", "[engine][risk]") {
  EngineHarness h;
  UseTestThresholds(h);
  Orders(h, 1, 11, 5, 5000);
  json third = json::object();
  for (int i = 0; i < 3; ++i) third = Submit(h, "o1", "refund_only");
  CHECK(third["risk"] == RiskJson(false, {}, 3, 3, 0, 11, 27));
  json fourth = Submit(h, "o2", "refund_only");
  CHECK(fourth["risk"] == RiskJson(true, {"refund_only_cases"}, 4, 4, 0, 11, 36));
}

TEST_CASE("submit: the refunded amount of the window's cases crosses its threshold alone", "[engine][risk]") {
  EngineHarness h;
  UseTestThresholds(h);
  Orders(h, 1, 1, 2, 399998);  // o1: two units of 199999
  Orders(h, 2, 2, 1, 1);       // o2: one unit of 1
  json a = Submit(h, "o1", "refund_only");
  CHECK(a["requested_amount"] == 199999);
  Act(h, "supervisor", a, "approve");
  // Only an issued refund counts: approved money is not refunded yet.
  json b = Submit(h, "o2", "refund_only");
  CHECK(b["risk"] == RiskJson(false, {}, 2, 2, 0, 2, nullptr));
  Act(h, "finance", a, "refund_issued", {{"external_ref", "PAY-1"}});
  Act(h, "agent", b, "approve");
  Act(h, "finance", b, "refund_issued", {{"external_ref", "PAY-2"}});
  // 199999 + 1 refunded; two orders are too few for a rate.
  json c = Submit(h, "o1", "return_refund");
  CHECK(c["risk"] == RiskJson(true, {"refunded_amount"}, 3, 2, 200000, 2, nullptr));
}

TEST_CASE("submit: the return rate counts from min_orders_for_rate orders and flags at its threshold",
          "[engine][risk]") {
  EngineHarness h;
  UseTestThresholds(h);
  Orders(h, 1, 2, 5, 5000);
  json first = Submit(h, "o1", "return_refund");
  json second = Submit(h, "o2", "return_refund");
  // 2 cases over 2 orders, but fewer than 3 orders: no rate.
  CHECK(first["risk"] == RiskJson(false, {}, 1, 0, 0, 2, nullptr));
  CHECK(second["risk"] == RiskJson(false, {}, 2, 0, 0, 2, nullptr));
  Orders(h, 3, 5, 5, 5000);
  // 3 cases over 5 orders: 60 %, exactly the threshold.
  json third = Submit(h, "o3", "exchange");
  CHECK(third["risk"] == RiskJson(true, {"return_rate_percent"}, 3, 0, 0, 5, 60));
}

TEST_CASE("submit: cases and orders outside the window do not count: both ends are inside", "[engine][risk]") {
  EngineHarness h;
  UseTestThresholds(h);
  Orders(h, 1, 1, 10, 10000);  // placed 2026-10-25, before the window of the submits below
  for (int i = 0; i < 3; ++i) Submit(h, "o1", "refund_only");
  // Exactly 90 days later the three cases sit on the window's first second.
  h.Advance(90 * kDay);
  json late_order = MakeOrder("o2", 5, 5000);
  late_order["placed_at"] = FormatTime(h.clock().Now());
  late_order["delivered_at"] = nullptr;
  Must(h.cases().CreateOrder(h.user("integration"), late_order));
  json inside = Submit(h, "o2", "refund_only");
  CHECK(inside["risk"] == RiskJson(true, {"refund_only_cases"}, 4, 4, 0, 1, nullptr));
  // One second later they are outside: only o2's cases count.
  h.Advance(1);
  json outside = Submit(h, "o2", "refund_only");
  CHECK(outside["risk"] == RiskJson(false, {}, 2, 2, 0, 1, nullptr));
}

// ---- Traceability and visibility ----------------------------------------------

// Three orders of buyer b1; the first case is not flagged (1 of 3: 33 %), the
// second is (2 of 3: 66 %).
std::pair<json, json> UnflaggedAndFlagged(EngineHarness& h) {
  UseTestThresholds(h);
  Orders(h, 1, 3);
  json plain = Submit(h, "o1", "refund_only");
  json flagged = Submit(h, "o2", "refund_only");
  REQUIRE(plain["risk"]["flagged"] == false);
  REQUIRE(flagged["risk"] == RiskJson(true, {"return_rate_percent"}, 2, 2, 0, 3, 66));
  return {plain, flagged};
}

// The data of a case's first audit entry.
std::string FirstEntryData(EngineHarness& h, const std::string& case_id) {
  auto r = Must(h.store().BeginRead());
  AuditFilter f;
  f.case_id = case_id;
  return Must(r->ListAudit(f)).at(0).data;
}

TEST_CASE("the submit audit entry carries risk: staff see it, buyers never", "[engine][risk]") {
  EngineHarness h;
  auto [plain, flagged] = UnflaggedAndFlagged(h);
  const std::string id = flagged["id"];
  {
    auto r = Must(h.store().BeginRead());
    AuditFilter f;
    f.case_id = id;
    auto entries = Must(r->ListAudit(f));
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].action == "submit");
    json stored = json::parse(entries[0].data)["risk"];
    // Salted, so that the buyer cannot guess it back from the entry's hash.
    CHECK(stored["salt"].get<std::string>().size() == 32);
    CHECK(stored["salt"] != json::parse(FirstEntryData(h, plain["id"]))["risk"]["salt"]);
    stored.erase("salt");
    CHECK(stored == flagged["risk"]);
    CHECK(Must(r->GetCase(id))->risk_flagged);
    CHECK_FALSE(Must(r->GetCase(plain["id"]))->risk_flagged);
  }
  for (const char* staff : {"agent", "supervisor", "manager", "integration", "warehouse", "finance", "admin"}) {
    INFO(staff);
    CHECK(Get(h, staff, flagged)["risk"] == flagged["risk"]);
  }
  // The buyer: not in the case, not in lists, not in the timeline.
  CHECK_FALSE(Get(h, "buyer", flagged).contains("risk"));
  CHECK_FALSE(Must(h.cases().Submit(h.user("buyer"), RefundOnlyRequest("o3"))).contains("risk"));
  CaseListParams q;
  const json buyer_list = Must(h.cases().ListCases(h.user("buyer"), q));  // not a range-for over a temporary's member
  for (const auto& item : buyer_list["items"]) CHECK_FALSE(item.contains("risk"));
  json buyer_timeline = Must(h.cases().Timeline(h.user("buyer"), id));
  REQUIRE(buyer_timeline["items"].size() == 1);
  CHECK_FALSE(buyer_timeline["items"][0]["data"].contains("risk"));
  json staff_risk = Must(h.cases().Timeline(h.user("manager"), id))["items"][0]["data"]["risk"];
  staff_risk.erase("salt");
  CHECK(staff_risk == flagged["risk"]);
  // A buyer may not filter by risk either: the answer would tell.
  q.risk = "flagged";
  CHECK(h.cases().ListCases(h.user("buyer"), q).status().code() == Code::kForbidden);
  // Stored with the case: a restart serves the same.
  h.Restart();
  CHECK(Get(h, "manager", flagged)["risk"] == flagged["risk"]);
  CHECK(Get(h, "manager", plain)["risk"] == plain["risk"]);
}

TEST_CASE("risk=flagged lists only flagged cases: other values are refused", "[engine][risk]") {
  EngineHarness h;
  auto [plain, flagged] = UnflaggedAndFlagged(h);
  h.Advance(kHour);
  json third = Submit(h, "o3", "refund_only");  // 3 of 3: flagged; created and due an hour later
  CaseListParams q;
  q.risk = "flagged";
  for (const char* sort : {"due_at", "created_at"}) {
    INFO(sort);
    q.sort = sort;
    json items = Must(h.cases().ListCases(h.user("agent"), q))["items"];
    REQUIRE(items.size() == 2);
    CHECK(items[0]["id"] == flagged["id"]);
    CHECK(items[1]["id"] == third["id"]);
  }
  q.risk = "yes";
  Status bad = h.cases().ListCases(h.user("agent"), q).status();
  CHECK(bad.code() == Code::kValidationFailed);
}

// ---- Routing ------------------------------------------------------------------

TEST_CASE("a flagged case needs a supervisor whatever the amount: the deadline still approves", "[engine][risk]") {
  EngineHarness h;
  auto [plain, flagged] = UnflaggedAndFlagged(h);
  REQUIRE(flagged["requested_amount"] == 333);  // far below the agent's 20000

  // allowed_actions stays truthful: no offer for the agent (it could only
  // answer approval_limit_exceeded); approve stays, it goes to a supervisor.
  CHECK(AllowedFor(h, "agent", plain) == json{"approve", "reject", "offer", "comment"});
  CHECK(AllowedFor(h, "agent", flagged) == json{"approve", "reject", "comment"});
  CHECK(AllowedFor(h, "supervisor", flagged) == json{"approve", "reject", "offer", "comment", "assign"});
  CHECK(AllowedFor(h, "manager", flagged) == json{"approve", "reject", "offer", "comment", "assign"});

  auto offer = h.cases().Apply(h.user("agent"), flagged["id"], "offer", {{"amount", 1}, {"return_required", false}});
  CHECK(offer.status().code() == Code::kApprovalLimitExceeded);
  Act(h, "supervisor", flagged, "offer", {{"amount", 100}, {"return_required", false}});
  Act(h, "buyer", flagged, "decline_offer");

  json pending = Act(h, "agent", flagged, "approve");
  CHECK(pending["state"] == "pending_approval");
  CHECK(pending["agreed_amount"].is_null());
  CHECK(AllowedFor(h, "agent", flagged) == json{"reject", "comment"});
  json approved = Act(h, "supervisor", flagged, "approve");
  CHECK(approved["state"] == "refunding");
  CHECK(approved["agreed_amount"] == 333);

  // The same agent still approves the unflagged case at once.
  CHECK(Act(h, "agent", plain, "approve")["state"] == "refunding");

  // A flagged case nobody answers is still approved when merchant_response expires.
  json third = Submit(h, "o3", "refund_only");
  REQUIRE(third["risk"]["flagged"] == true);
  h.Advance(48 * kHour);
  json after = Get(h, "manager", third);
  CHECK(after["state"] == "refunding");
  CHECK(after["agreed_amount"] == 333);
}

TEST_CASE("with require_supervisor false an agent approves a flagged case: each case keeps its policy",
          "[engine][risk]") {
  EngineHarness h;
  auto [plain, under_v1] = UnflaggedAndFlagged(h);
  PutPolicy(h, [](json& doc) { doc["risk"]["require_supervisor"] = false; });
  json under_v2 = Submit(h, "o3", "refund_only");
  CHECK(under_v2["policy_version"] == 3);  // 2: the test thresholds
  CHECK(under_v2["risk"] == RiskJson(true, {"return_rate_percent"}, 3, 3, 0, 3, 100));

  CHECK(AllowedFor(h, "agent", under_v2) == json{"approve", "reject", "offer", "comment"});
  CHECK(Act(h, "agent", under_v2, "approve")["state"] == "refunding");
  // Submitted under version 2, which requires a supervisor.
  CHECK(AllowedFor(h, "agent", under_v1) == json{"approve", "reject", "comment"});
  CHECK(Act(h, "agent", under_v1, "approve")["state"] == "pending_approval");
}

TEST_CASE("the thresholds are those of the policy the case is submitted under", "[engine][risk]") {
  EngineHarness h;
  PutPolicy(h, [](json& doc) {
    doc["risk"]["window_days"] = 7;
    doc["risk"]["thresholds"]["cases"] = 2;
    doc["risk"]["thresholds"]["min_orders_for_rate"] = 10;
  });
  Orders(h, 1, 1, 5, 5000);  // placed 2026-10-25T10:00Z: inside the 7 days before 2026-11-01
  json first = Submit(h, "o1", "return_refund");
  CHECK(first["risk"] == RiskJson(false, {}, 1, 0, 0, 1, nullptr));
  json second = Submit(h, "o1", "return_refund");
  CHECK(second["risk"] == RiskJson(true, {"cases"}, 2, 0, 0, 1, nullptr));
}

}  // namespace
}  // namespace aftersales::testing
