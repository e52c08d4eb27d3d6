// Every limit at its edge, on the engine: approval limits per role and case
// type (support/limit_edges.h) and the return windows of the policy (SPEC
// §4.1: N days end at delivered_at + N × 24 h, inclusive), the last second
// in and the next one out, for every window and type, at submit and at
// modify, under the shipped policy and under another one.
#include "support/limit_edges.h"

#include <catch2/catch.hpp>

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

// Checks the windows of a policy whose no_reason window is `no_reason_days`
// and whose other reasons' window is `default_days` (no_reason the shorter).
void CheckWindows(EngineHarness& h, int no_reason_days, int default_days) {
  JsonApi& cs = h.cases();
  const Actor& buyer = h.user("buyer");
  for (const auto& type : spec::kTypes)
    REQUIRE(EngineCreateOrder(cs, h.user("integration"), WindowOrder("w-" + type)).ok());
  auto submit = [&](const std::string& type, const std::string& reason) {
    return EngineSubmit(cs, buyer, Submission("w-" + type, type, reason));
  };
  struct Window {
    std::string reason;
    int days;
  };
  for (const Window& w : {Window{"no_reason", no_reason_days}, Window{"quality_issue", default_days}}) {
    const TimePoint last = kDelivered + w.days * kDay;
    INFO(w.reason << ": " << w.days << " days, the last second is " << FormatTime(last));
    // A rejected case, to modify at the edge (rejected an hour before, so
    // that its appeal window is still open).
    h.clock().AdvanceTo(last - kHour);
    std::map<std::string, std::string> rejected;
    for (const auto& type : spec::kTypes) {
      Answer a = submit(type, w.reason);
      REQUIRE(a.ok());
      rejected[type] = a.body["id"].get<std::string>();
      REQUIRE(EngineAct(cs, h.user("agent"), rejected[type], "reject", {{"reason_code", "other"}}).ok());
    }
    h.clock().AdvanceTo(last);
    for (const auto& type : spec::kTypes) {
      INFO(type << " at the last second");
      Answer in = submit(type, w.reason);
      CHECK(in.status == 201);
      CHECK(in.body.value("state", "") == "requested");
      Answer modified = EngineAct(cs, buyer, rejected[type], "modify", {{"description", "in time"}});
      CHECK(modified.status == 200);
      CHECK(modified.body.value("state", "") == "requested");
      REQUIRE(EngineAct(cs, h.user("agent"), rejected[type], "reject", {{"reason_code", "other"}}).ok());
    }
    h.clock().AdvanceTo(last + 1);
    for (const auto& type : spec::kTypes) {
      INFO(type << " one second later");
      Answer out = submit(type, w.reason);
      CHECK(out.status == 422);
      CHECK(out.code == "outside_return_window");
      Answer modified = EngineAct(cs, buyer, rejected[type], "modify", {{"description", "too late"}});
      CHECK(modified.status == 422);
      CHECK(modified.code == "outside_return_window");
    }
  }
}

TEST_CASE("engine: the return windows of the shipped policy end at their last second", "[limits]") {
  EngineHarness h;
  CheckWindows(h, 7, 15);
}

TEST_CASE("engine: the return windows come from the policy the case is submitted under", "[limits]") {
  EngineHarness h;
  json doc = DefaultPolicy().document;
  doc["return_window_days"] = {{"no_reason", 3}, {"default", 10}};
  auto replaced = h.policies().Replace(h.user("admin"), doc, h.clock().Now());
  INFO(replaced.status().message());
  REQUIRE(replaced.ok());
  CheckWindows(h, 3, 10);
}

}  // namespace
}  // namespace aftersales::testing
