// A storage failure at any write of any step of a case's life leaves the
// database exactly as it was before that step, and the step succeeds once
// the fault is cleared.
#include <catch2/catch.hpp>

#include <functional>

#include "api/json_api.h"
#include "engine/audit/audit_log.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"
#include "support/fault_injecting_store.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;
using Step = std::function<Status(JsonApi&, EngineHarness&, std::string& case_id)>;

Status Ok(const Result<json>& r) { return r.status(); }

std::vector<std::pair<std::string, Step>> Lifecycle() {
  return {
      {"create order",
       [](JsonApi& cs, EngineHarness& h, std::string&) {
         return Ok(cs.CreateOrder(h.user("integration"), MakeOrder("o1", 3, 1000, 500)));
       }},
      {"submit",
       [](JsonApi& cs, EngineHarness& h, std::string& id) {
         auto r = cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                              {"type", "return_refund"},
                                              {"reason", "quality_issue"},
                                              {"description", "cracked"},
                                              {"evidence", {"https://img.example/1.jpg"}},
                                              {"lines", {{{"line_id", "l1"}, {"qty", 3}}}}});
         if (r.ok()) id = (*r)["id"];
         return r.status();
       }},
      {"comment", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("agent"), id, "comment", {{"text", "checking photos"}}));
       }},
      {"approve", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("supervisor"), id, "approve", {{"expected_version", 1}}));
       }},
      {"ship_return", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("buyer"), id, "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF123"}}));
       }},
      {"receive", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("warehouse"), id, "receive", {{"result", "pass"}, {"grade", "A"}}));
       }},
      {"refund_failed", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("finance"), id, "refund_failed", {{"error", "card expired"}}));
       }},
      {"refund_issue deadline breach", [](JsonApi& cs, EngineHarness& h, std::string&) {
         h.clock().Advance(73 * kHour);
         return cs.engine().sweeper().FireDue(100).status();
       }},
      {"refund_issued", [](JsonApi& cs, EngineHarness& h, std::string& id) {
         return Ok(cs.Apply(h.user("finance"), id, "refund_issued", {{"external_ref", "PAY-9"}}));
       }},
  };
}

TEST_CASE("a fault at every write of every step leaves nothing half-applied", "[engine][faults]") {
  const auto steps = Lifecycle();
  std::int64_t faults_injected = 0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    // Learn how many writes step k makes.
    std::int64_t writes = 0;
    {
      EngineHarness h;
      FaultInjectingStore faulty(h.store());
      CaseEngine cs_engine(faulty, h.clock(), h.policies());
  JsonApi cs(cs_engine);
      std::string id;
      for (std::size_t i = 0; i < k; ++i) REQUIRE(steps[i].second(cs, h, id).ok());
      faulty.Clear();
      REQUIRE(steps[k].second(cs, h, id).ok());
      writes = faulty.writes();
    }
    REQUIRE(writes > 0);
    for (std::int64_t n = 1; n <= writes; ++n) {
      INFO("step " << steps[k].first << ", failing write " << n << " of " << writes);
      EngineHarness h;
      FaultInjectingStore faulty(h.store());
      CaseEngine cs_engine(faulty, h.clock(), h.policies());
  JsonApi cs(cs_engine);
      std::string id;
      for (std::size_t i = 0; i < k; ++i) REQUIRE(steps[i].second(cs, h, id).ok());
      const TimePoint clock_before = h.clock().Now();
      const std::string before = h.database().Dump();
      faulty.FailAt(n);
      Status s = steps[k].second(cs, h, id);
      CHECK(faulty.fired());
      CHECK(s.code() == Code::kUnavailable);
      CHECK(h.database().Dump() == before);
      ++faults_injected;
      // The service works again once the fault is cleared.
      faulty.Clear();
      h.clock().AdvanceTo(clock_before);
      CHECK(steps[k].second(cs, h, id).ok());
      auto txn = h.store().BeginRead();
      REQUIRE(txn.ok());
      auto verified = AuditLog::Verify(**txn);
      REQUIRE(verified.ok());
      CHECK(verified->ok);
    }
  }
  CHECK(faults_injected > 40);
}

}  // namespace
}  // namespace aftersales::testing
