// A command whose write loses a race (server_busy from the store: a
// serialization failure or deadlock, rolled back) is run again whole, at
// most kWriteAttempts times (engine/store/write_retry.h).
#include <catch2/catch.hpp>

#include <memory>

#include "api/json_api.h"
#include "engine/cases/case_engine.h"
#include "engine/engine_harness.h"
#include "engine/store/forwarding_store.h"
#include "engine/store/write_retry.h"
#include "engine/test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

// A keyed write whose COMMIT loses a race while `losses` is above zero
// (each loss counts it down); its writes are then rolled back with it.
class LosingTxn final : public ForwardingWriteTxn {
 public:
  LosingTxn(std::unique_ptr<WriteTxn> inner, int& losses) : ForwardingWriteTxn(std::move(inner)), losses_(losses) {}
  Status Commit() override {
    if (losses_ > 0) {
      --losses_;
      return Status(Code::kServerBusy, "storage error: deadlock detected (SQLSTATE 40P01)");
    }
    return ForwardingWriteTxn::Commit();
  }

 private:
  int& losses_;
};

class LosingStore final : public ForwardingStore {
 public:
  LosingStore(Store& inner, int losses) : ForwardingStore(inner), losses_(losses) {}
  Result<std::unique_ptr<WriteTxn>> BeginKeyedWrite() override {
    auto txn = inner().BeginKeyedWrite();
    if (!txn.ok()) return txn.status();
    ++keyed_writes_;
    return std::unique_ptr<WriteTxn>(new LosingTxn(std::move(*txn), losses_));
  }
  int keyed_writes() const { return keyed_writes_; }

 private:
  int losses_;
  int keyed_writes_ = 0;
};

// The actions of case `id` in its timeline.
std::vector<std::string> Actions(JsonApi& cs, const Actor& viewer, const std::string& id) {
  auto timeline = cs.Timeline(viewer, id);
  REQUIRE(timeline.ok());
  std::vector<std::string> actions;
  for (const json& e : (*timeline)["items"]) actions.push_back(e["action"]);
  return actions;
}

// A refund-only case on a new order "o1", submitted without losing a race.
std::string SubmittedCase(EngineHarness& h) {
  REQUIRE(h.cases().CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  auto c = h.cases().Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(c.ok());
  return (*c)["id"];
}

TEST_CASE("an action whose write loses a race is run again and applied once", "[engine]") {
  EngineHarness h;
  JsonApi& plain = h.cases();
  const std::string id = SubmittedCase(h);

  LosingStore losing(h.store(), kWriteAttempts - 1);
  CaseEngine engine(losing, h.clock(), h.policies());
  JsonApi cs(engine);
  auto approved = cs.Apply(h.user("manager"), id, "approve", {{"expected_version", 1}});
  INFO(approved.status().message());
  REQUIRE(approved.ok());
  CHECK(losing.keyed_writes() == kWriteAttempts);
  CHECK((*approved)["version"] == 2);
  const auto actions = Actions(plain, h.user("manager"), id);
  CHECK(std::count(actions.begin(), actions.end(), "approve") == 1);
}

TEST_CASE("an action that loses every race answers server_busy and changes nothing", "[engine]") {
  EngineHarness h;
  const std::string id = SubmittedCase(h);
  const std::string before = h.database().Dump();

  LosingStore losing(h.store(), kWriteAttempts);
  CaseEngine engine(losing, h.clock(), h.policies());
  JsonApi cs(engine);
  auto approved = cs.Apply(h.user("manager"), id, "approve", {{"expected_version", 1}});
  REQUIRE_FALSE(approved.ok());
  CHECK(approved.status().code() == Code::kServerBusy);
  CHECK(losing.keyed_writes() == kWriteAttempts);
  CHECK(h.database().Dump() == before);
  // The next attempt, with no race to lose, goes through.
  auto again = cs.Apply(h.user("manager"), id, "approve", {{"expected_version", 1}});
  INFO(again.status().message());
  CHECK(again.ok());
}

TEST_CASE("a submission whose write loses a race is run again and makes one case", "[engine]") {
  EngineHarness h;
  REQUIRE(h.cases().CreateOrder(h.user("integration"), MakeOrder("o1")).ok());
  LosingStore losing(h.store(), 1);
  CaseEngine engine(losing, h.clock(), h.policies());
  JsonApi cs(engine);
  auto c = cs.Submit(h.user("buyer"), RefundOnlyRequest("o1"));
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(losing.keyed_writes() == 2);
  auto read = h.store().BeginRead();
  REQUIRE(read.ok());
  auto cases = (*read)->CasesOfOrder("o1");
  REQUIRE(cases.ok());
  CHECK(cases->size() == 1);
}

}  // namespace
}  // namespace aftersales::testing
