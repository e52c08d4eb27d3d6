// Racing requests on one order answer as if run one after another
// (SPEC §3): never an over-refund, never a unit returned twice.
#include <catch2/catch.hpp>

#include <atomic>
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
