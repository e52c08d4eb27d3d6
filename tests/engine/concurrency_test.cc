// Racing requests on one order answer as if run one after another
// (SPEC §3): never an over-refund, never a unit returned twice.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "api/json_api.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

template <class Fn>
void RunThreads(int n, Fn fn) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(fn, i);
  for (auto& t : threads) t.join();
}

TEST_CASE("16 threads racing on one order never over-refund or return a unit twice", "[engine][concurrency]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(cs.CreateOrder(h.user("integration"), MakeOrder("o1", 10, 1001, 500)).ok());

  std::vector<std::string> ids(16);
  std::atomic<int> refused{0};
  RunThreads(16, [&](int i) {
    auto r = cs.Submit(h.user("buyer"), RefundOnlyRequest("o1"));
    if (r.ok()) {
      ids[i] = (*r)["id"];
    } else {
      CHECK(r.status().code() == Code::kQuantityExceedsReturnable);
      ++refused;
    }
  });
  CHECK(refused == 6);

  std::atomic<int> approved{0};
  RunThreads(16, [&](int i) {
    if (ids[i].empty()) return;
    auto r = cs.Apply(h.user("manager"), ids[i], "approve", json::object());
    if (r.ok()) ++approved;
  });
  CHECK(approved == 10);
  RunThreads(16, [&](int i) {
    if (ids[i].empty()) return;
    CHECK(cs.Apply(h.user("finance"), ids[i], "refund_issued", {{"external_ref", "P" + std::to_string(i)}}).ok());
  });

  auto order = cs.GetOrder(h.user("manager"), "o1");
  REQUIRE(order.ok());
  CHECK((*order)["refundable_amount"] == 0);
  CHECK((*order)["lines"][0]["returnable_qty"] == 0);
  Money refunded = 0;
  int with_shipping = 0;
  for (const auto& id : ids) {
    if (id.empty()) continue;
    auto c = cs.GetCase(h.user("manager"), id);
    REQUIRE(c.ok());
    CHECK((*c)["state"] == "refunded");
    refunded += (*c)["refunded_amount"].get<Money>();
    if ((*c)["refunded_amount"].get<Money>() > 101) ++with_shipping;
  }
  CHECK(refunded == 1001 + 500);  // every unit and the shipping, exactly once
  CHECK(with_shipping == 1);
}

TEST_CASE("racing approvals with one expected_version: exactly one wins", "[engine][concurrency]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(cs.CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  auto c = cs.Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  const std::string id = (*c)["id"];
  std::atomic<int> won{0}, conflicts{0};
  RunThreads(16, [&](int) {
    auto r = cs.Apply(h.user("manager"), id, "approve", {{"expected_version", 1}});
    if (r.ok()) {
      ++won;
    } else if (r.status().code() == Code::kVersionConflict) {
      ++conflicts;
    }
  });
  CHECK(won == 1);
  CHECK(conflicts == 15);
  auto after = cs.GetCase(h.user("manager"), id);
  CHECK((*after)["version"] == 2);
  CHECK((*after)["refunds"].size() == 1);
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

// Commands that queue up for the writer share one transaction (group
// commit): an action can see a deadline that an earlier, still uncommitted
// command of its batch made due. The action fires it first; the firing must
// see what the action saw: it once read a committed snapshot, found nothing
// due, and retried the action; two such actions kept the batch open for
// each other and retried until their stacks overflowed.
TEST_CASE("an action fires once a deadline that an uncommitted command of its batch made due and goes on",
          "[engine][concurrency]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(cs.CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  auto c = cs.Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  const std::string id = (*c)["id"];

  // The earlier command: it makes merchant_response due, as a late carrier
  // report makes merchant_receipt due, and is not committed yet.
  auto txn = h.store().BeginWrite();
  REQUIRE(txn.ok());
  auto listed = (*txn)->ListedDeadlines(id);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  REQUIRE((*txn)->SetDeadlineDue((*listed)[0].id, h.clock().Now() - 60).ok());

  // Several actions on the case, so that each one's retry finds another
  // waiting and the batch stays open.
  std::vector<Result<json>> commented(8, Status::Internal("not run"));
  std::vector<std::thread> actions;
  for (int i = 0; i < 8; ++i) {
    actions.emplace_back(
        [&, i] { commented[i] = cs.Apply(h.user("manager"), id, "comment", {{"text", "called the buyer"}}); });
  }
  // Let the actions queue up for the writer, so that the commit below hands
  // them the open batch instead of committing alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE((*txn)->Commit().ok());
  for (auto& t : actions) t.join();

  for (const auto& r : commented) CHECK(r.ok());
  auto kase = cs.GetCase(h.user("manager"), id);
  REQUIRE(kase.ok());
  CHECK((*kase)["state"] == "refunding");  // merchant_response's effect: approved
  auto timeline = cs.Timeline(h.user("manager"), id);
  REQUIRE(timeline.ok());
  int timeouts = 0;
  for (const json& e : (*timeline)["items"]) timeouts += e["action"] == "timeout" ? 1 : 0;
  CHECK(timeouts == 1);
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

// What a load test once crashed on: a late carrier report (its delivery
// already 72 h past, so merchant_receipt is due at once) racing the
// warehouse's receipt of the same return. Every race ends with the return
// received once, by the warehouse or by the deadline, and nothing left due.
TEST_CASE("a late carrier report racing the receipt of the same return ends with one receipt and nothing due",
          "[engine][concurrency]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  constexpr int kReturns = 40;
  std::vector<std::string> ids;
  const std::string shipped_at = FormatTime(h.clock().Now());
  for (int i = 0; i < kReturns; ++i) {
    const std::string order = "o" + std::to_string(i);
    REQUIRE(cs.CreateOrder(h.user("integration"), MakeOrder(order)).ok());
    json submit = RefundOnlyRequest(order);
    submit["type"] = "return_refund";
    auto c = cs.Submit(h.user("buyer"), submit);
    REQUIRE(c.ok());
    const std::string id = (*c)["id"];
    REQUIRE(cs.Apply(h.user("manager"), id, "approve", json::object()).ok());
    REQUIRE(cs.Apply(h.user("buyer"), id, "ship_return", {{"carrier", "SF"}, {"tracking_no", "T" + order}}).ok());
    ids.push_back(id);
  }
  h.Advance(4 * 24 * 3600);  // merchant_receipt (240 h) is not due yet

  for (const std::string& id : ids) {
    Result<json> report = Status::Internal("not run");
    Result<json> receipt = Status::Internal("not run");
    std::thread reporter([&] {
      report = cs.Apply(h.user("integration"), id, "carrier_update",
                        {{"shipment", "return"}, {"status", "delivered"}, {"at", shipped_at}});
    });
    std::thread warehouse([&] { receipt = cs.Apply(h.user("warehouse"), id, "receive", {{"result", "pass"}}); });
    reporter.join();
    warehouse.join();
    // The report may come after the receipt, which leaves nothing to report.
    if (!report.ok()) CHECK(report.status().code() == Code::kInvalidTransition);
    if (!receipt.ok()) CHECK(receipt.status().code() == Code::kInvalidTransition);

    auto kase = cs.GetCase(h.user("manager"), id);
    REQUIRE(kase.ok());
    CHECK((*kase)["state"] == "refunding");
    auto timeline = cs.Timeline(h.user("manager"), id);
    REQUIRE(timeline.ok());
    int receipts = 0;
    for (const json& e : (*timeline)["items"]) {
      if (e["action"] == "receive" || (e["action"] == "timeout" && e["data"]["deadline"] == "merchant_receipt")) {
        ++receipts;
      }
    }
    CHECK(receipts == 1);
    auto txn = h.store().BeginRead();
    REQUIRE(txn.ok());
    auto listed = (*txn)->ListedDeadlines(id);
    REQUIRE(listed.ok());
    for (const auto& d : *listed) {
      CHECK_FALSE((d.status == DeadlineStatus::kOpen && d.due_at <= h.clock().Now()));
    }
  }
}

}  // namespace
}  // namespace aftersales::testing
