// A storage failure at any write of any step of a case's life leaves the
// database exactly as it was before that step, and the step succeeds once
// the fault is cleared, with its staff events as the audit log yields them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "api/json_api.h"
#include "engine/audit/audit_log.h"
#include "engine/reports/staff_event_log.h"
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
      // The staff events recorded on the way equal those the log yields
      // (a fold remembered by the undone attempt is not taken for the log's).
      auto staff = VerifyStaffEvents(**txn);
      REQUIRE(staff.ok());
      CHECK(staff->difference == "");
      CHECK(staff->ok);
    }
  }
  CHECK(faults_injected > 40);
}

TEST_CASE("a decision undone after its staff events were recorded leaves none behind", "[engine][faults][reports]") {
  // The agent's reject fails at its commit, after its staff events were
  // derived; a comment then takes its place in the log, and the agent's
  // approve comes next: the approve is the case's first response.
  auto run = [](std::int64_t fail_at, std::int64_t* writes) {
    EngineHarness h;
    FaultInjectingStore faulty(h.store());
    CaseEngine cs_engine(faulty, h.clock(), h.policies());
    JsonApi cs(cs_engine);
    REQUIRE(cs.CreateOrder(h.user("integration"), MakeOrder("o1", 1, 1000, 0)).ok());
    auto submitted = cs.Submit(h.user("buyer"), {{"order_id", "o1"},
                                                 {"type", "refund_only"},
                                                 {"reason", "quality_issue"},
                                                 {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}});
    REQUIRE(submitted.ok());
    const std::string id = (*submitted)["id"];
    faulty.FailAt(fail_at);
    const Status rejected = cs.Apply(h.user("agent"), id, "reject", {{"reason_code", "missing_evidence"}}).status();
    INFO(rejected.message());
    if (fail_at == 0) REQUIRE(rejected.ok());
    *writes = faulty.writes();
    if (fail_at == 0) return;
    CHECK(faulty.fired());
    CHECK(rejected.code() == Code::kUnavailable);
    faulty.Clear();
    REQUIRE(cs.Apply(h.user("buyer"), id, "comment", {{"text", "any news?"}}).ok());
    REQUIRE(cs.Apply(h.user("agent"), id, "approve", json::object()).ok());
    auto txn = h.store().BeginRead();
    REQUIRE(txn.ok());
    auto staff = VerifyStaffEvents(**txn);
    REQUIRE(staff.ok());
    CHECK(staff->difference == "");
    auto kinds = (*txn)->ListStaffEvents(0, std::numeric_limits<std::int64_t>::max());
    REQUIRE(kinds.ok());
    std::vector<std::string> got;
    for (const auto& e : *kinds) got.push_back(e.kind);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"approve", "decision_on_time", "first_response"});
  };
  std::int64_t writes = 0;
  run(0, &writes);  // learns how many writes the reject makes: its commit is the last
  REQUIRE(writes > 2);
  std::int64_t ignored = 0;
  run(writes, &ignored);
}

}  // namespace
}  // namespace aftersales::testing
