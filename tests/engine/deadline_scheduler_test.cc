// The scheduler fires every due deadline exactly once: a backlog of 10,000
// at once, across a restart, and never a deadline a person made stale.
#include <catch2/catch.hpp>

#include "engine/audit/audit_log.h"
#include "engine/cases/case_document.h"
#include "engine/cases/deadline_scheduler.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"
#include "support/wait.h"
#include "workflows/deadline_rules.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// Writes `n` orders, each with one refund_only case in `requested` whose
// merchant_response is due 48 h from now, in one transaction.
void BulkCases(EngineHarness& h, int n) {
  auto txn = h.store().BeginWrite();
  REQUIRE(txn.ok());
  const Policy policy = DefaultPolicy();
  for (int i = 0; i < n; ++i) {
    Order o;
    o.id = "bulk-" + std::to_string(i);
    o.buyer_id = "b1";
    o.currency = "CNY";
    o.placed_at = h.clock().Now() - 3 * kDay;
    o.delivered_at = h.clock().Now() - kDay;
    o.lines.push_back({"l1", "SKU", "Item", 1, 1000, true});
    o.created_at = h.clock().Now();
    REQUIRE((*txn)->InsertOrder(o).ok());
    Case c;
    c.id = "bulk-case-" + std::to_string(i);
    c.type = CaseType::kRefundOnly;
    c.order_id = o.id;
    c.buyer_id = "b1";
    c.reason = "quality_issue";
    c.currency = "CNY";
    c.lines.push_back({"l1", 1, std::nullopt, 1000});
    c.requested_amount = 1000;
    c.policy_version = 1;
    c.created_at = c.updated_at = h.clock().Now();
    StartInitialDeadlines(c, policy, h.clock().Now());
    REQUIRE((*txn)->InsertCase(CaseToRow(c)).ok());
    DeadlineRow d;
    d.case_id = c.id;
    d.kind = DeadlineKind::kMerchantResponse;
    d.started_at = c.deadlines[0].started_at;
    d.due_at = c.deadlines[0].due_at;
    REQUIRE((*txn)->InsertDeadline(d).ok());
  }
  REQUIRE((*txn)->Commit().ok());
}

std::int64_t CountAudit(EngineHarness& h, const std::string& action) {
  auto txn = h.store().BeginRead();
  std::int64_t n = 0;
  (*txn)->ScanAudit([&](const AuditRow& e) {
    if (e.action == action) ++n;
    return true;
  });
  return n;
}

TEST_CASE("10,000 deadlines due at once all fire, once each", "[scheduler]") {
  EngineHarness h;
  constexpr int kCases = 10000;
  BulkCases(h, kCases);
  h.clock().Advance(48 * kHour - 1);
  DeadlineScheduler scheduler(h.engine().sweeper(), {});
  auto none = scheduler.CatchUp();
  REQUIRE(none.ok());
  CHECK(*none == 0);  // one second early: nothing
  h.clock().Advance(1);
  auto fired = scheduler.CatchUp();
  REQUIRE(fired.ok());
  CHECK(*fired == kCases);
  CHECK(CountAudit(h, "timeout") == kCases);
  CHECK(CountAudit(h, "deadline_breached") == kCases);
  // Every case was auto-approved exactly once (version 1 -> 2).
  auto sample = h.cases().GetCase(h.user("manager"), "bulk-case-4242");
  REQUIRE(sample.ok());
  CHECK((*sample)["state"] == "refunding");
  CHECK((*sample)["version"] == 2);
  // Nothing is left to fire, and firing again does nothing.
  auto again = scheduler.CatchUp();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  auto txn = h.store().BeginRead();
  auto verified = AuditLog::Verify(**txn);
  REQUIRE(verified.ok());
  CHECK(verified->ok);
}

TEST_CASE("the background thread fires what comes due and stops promptly", "[scheduler]") {
  EngineHarness h;
  REQUIRE(h.cases().CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  auto c = h.cases().Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  DeadlineScheduler scheduler(h.engine().sweeper(), {200, 20, 1});
  scheduler.Start();
  h.clock().Advance(48 * kHour);
  scheduler.Wake();
  WaitUntil([&] { return scheduler.fired() >= 1; });
  scheduler.Stop();
  CHECK(scheduler.fired() == 1);
  CHECK(scheduler.errors() == 0);
  auto after = h.cases().GetCase(h.user("manager"), (*c)["id"]);
  CHECK((*after)["state"] == "refunding");
}

TEST_CASE("a deadline due while the engine was down fires once at start-up", "[scheduler]") {
  EngineHarness h;
  BulkCases(h, 3);
  h.Restart();
  h.clock().Advance(60 * kHour);
  DeadlineScheduler first(h.engine().sweeper(), {});
  REQUIRE(first.CatchUp().ok());
  CHECK(first.fired() == 3);
  h.Restart();
  DeadlineScheduler second(h.engine().sweeper(), {});
  REQUIRE(second.CatchUp().ok());
  CHECK(second.fired() == 0);
  CHECK(CountAudit(h, "timeout") == 3);
}

TEST_CASE("a deadline made stale by a person does nothing", "[scheduler]") {
  EngineHarness h;
  REQUIRE(h.cases().CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  auto c = h.cases().Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  const std::string id = (*c)["id"];
  h.clock().Advance(47 * kHour);
  REQUIRE(h.cases().Apply(h.user("agent"), id, "reject", {{"reason_code", "missing_evidence"}}).ok());
  h.clock().Advance(2 * kHour);  // merchant_response would have been due now
  DeadlineScheduler scheduler(h.engine().sweeper(), {});
  REQUIRE(scheduler.CatchUp().ok());
  CHECK(scheduler.fired() == 0);
  auto after = h.cases().GetCase(h.user("manager"), id);
  CHECK((*after)["state"] == "rejected");
  CHECK((*after)["version"] == 2);
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

TEST_CASE("a deadline past due acts before a person's late action", "[engine][deadlines]") {
  EngineHarness h;
  REQUIRE(h.cases().CreateOrder(h.user("integration"), MakeOrder("o1", 1, 90000)).ok());
  auto c = h.cases().Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  const std::string id = (*c)["id"];
  h.clock().Advance(49 * kHour);  // merchant_response passed; no sweep ran yet
  auto late = h.cases().Apply(h.user("agent"), id, "approve", json::object());
  REQUIRE_FALSE(late.ok());
  CHECK(late.status().code() == Code::kInvalidTransition);
  auto timeline = h.cases().Timeline(h.user("manager"), id);
  REQUIRE(timeline.ok());
  const auto& items = (*timeline)["items"];
  REQUIRE(items.size() == 3);
  CHECK(items[1]["action"] == "deadline_breached");
  CHECK(items[2]["action"] == "timeout");
  CHECK(items[2]["actor"]["role"] == "system");
  CHECK(items[2]["at"] == "2026-11-03T00:00:00Z");
}

}  // namespace
}  // namespace aftersales::testing
