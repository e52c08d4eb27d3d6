// Every limit at its edge, on the engine: approval limits per role and case
// type (support/limit_edges.h) and the return windows of the policy (SPEC
// §4.1: N days end at delivered_at + N × 24 h, inclusive), the last second
// in and the next one out, for every window and type, at submit and at
// modify, under the shipped policy and under another one.
#include "support/limit_edges.h"

#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include "engine/engine_driver.h"
#include "support/case_calls.h"
#include "workflows/policy.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("engine: approve, offer and grant at the caller's limit pass, one unit more does not", "[limits]") {
  EngineDriver engine;
  edges::CheckApprovalLimitEdges(engine, "le");
}

constexpr TimePoint kDelivered = kHarnessStart - 12 * kHour;  // 2026-10-31T12:00:00Z

json WindowOrder(const std::string& id) {
  return {{"id", id},
          {"buyer_id", "b1"},
          {"currency", "CNY"},
          {"placed_at", "2026-10-20T00:00:00Z"},
          {"delivered_at", FormatTime(kDelivered)},
          {"shipping_paid", 0},
          {"lines", {{{"line_id", "l1"}, {"sku", "SKU-1"}, {"title", "Scarf"}, {"qty", 20}, {"paid", 20000}}}}};
}

json Submission(const std::string& order_id, const std::string& type, const std::string& reason) {
  return {{"order_id", order_id}, {"type", type}, {"reason", reason}, {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}};
}

// Checks the windows of a policy (SPEC §5, §13.1): `no_reason_days` for
// no_reason, `fault_exchange_days` for an exchange for another reason, and
// `default_days` for the other cases. Each window is tried at its last second
// and one second later, the shortest first (the clock only moves forward).
void CheckWindows(EngineHarness& h, int no_reason_days, int default_days, int fault_exchange_days) {
  JsonApi& cs = h.cases();
  const Actor& buyer = h.user("buyer");
  for (const auto& type : spec::kGoodsTypes)
    REQUIRE(EngineCreateOrder(cs, h.user("integration"), WindowOrder("w-" + type)).ok());
  auto submit = [&](const std::string& type, const std::string& reason) {
    return EngineSubmit(cs, buyer, Submission("w-" + type, type, reason));
  };
  struct Trial {
    std::string reason;
    std::string type;
  };
  std::map<int, std::vector<Trial>> by_days;
  for (const auto& type : spec::kGoodsTypes) {
    by_days[no_reason_days].push_back({"no_reason", type});
    by_days[type == "exchange" ? fault_exchange_days : default_days].push_back({"quality_issue", type});
  }
  for (const auto& [days, trials] : by_days) {
    const TimePoint last = kDelivered + days * kDay;
    INFO(days << " days, the last second is " << FormatTime(last));
    // A rejected case, to modify at the edge (rejected an hour before, so
    // that its appeal window is still open).
    h.clock().AdvanceTo(last - kHour);
    std::vector<std::string> rejected;
    for (const Trial& t : trials) {
      Answer a = submit(t.type, t.reason);
      REQUIRE(a.ok());
      rejected.push_back(a.body["id"].get<std::string>());
      REQUIRE(EngineAct(cs, h.user("agent"), rejected.back(), "reject", {{"reason_code", "other"}}).ok());
    }
    h.clock().AdvanceTo(last);
    for (std::size_t i = 0; i < trials.size(); ++i) {
      INFO(trials[i].type << " for " << trials[i].reason << " at the last second");
      Answer in = submit(trials[i].type, trials[i].reason);
      CHECK(in.status == 201);
      CHECK(in.body.value("state", "") == "requested");
      Answer modified = EngineAct(cs, buyer, rejected[i], "modify", {{"description", "in time"}});
      CHECK(modified.status == 200);
      CHECK(modified.body.value("state", "") == "requested");
      REQUIRE(EngineAct(cs, h.user("agent"), rejected[i], "reject", {{"reason_code", "other"}}).ok());
    }
    h.clock().AdvanceTo(last + 1);
    for (std::size_t i = 0; i < trials.size(); ++i) {
      INFO(trials[i].type << " for " << trials[i].reason << " one second later");
      Answer out = submit(trials[i].type, trials[i].reason);
      CHECK(out.status == 422);
      CHECK(out.code == "outside_return_window");
      Answer modified = EngineAct(cs, buyer, rejected[i], "modify", {{"description", "too late"}});
      CHECK(modified.status == 422);
      CHECK(modified.code == "outside_return_window");
    }
  }
}

TEST_CASE("engine: the return windows of the shipped policy end at their last second", "[limits]") {
  EngineHarness h;
  CheckWindows(h, 7, 15, 15);
}

TEST_CASE("engine: the return windows come from the policy the case is submitted under", "[limits]") {
  EngineHarness h;
  json doc = DefaultPolicy().document;
  doc["return_window_days"] = {{"no_reason", 3}, {"default", 10}, {"fault_exchange", 12}};
  auto replaced = h.policies().Replace(h.user("admin"), doc, h.clock().Now());
  INFO(replaced.status().message());
  REQUIRE(replaced.ok());
  CheckWindows(h, 3, 10, 12);
}

}  // namespace
}  // namespace aftersales::testing
