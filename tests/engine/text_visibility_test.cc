// SPEC §4, §7: buyers see the texts addressed to them and their own, never
// the staff's internal ones: not on the case, not beside the entries of
// their timeline. Staff see every text.
#include <catch2/catch.hpp>

#include <string>

#include "engine/engine_harness.h"
#include "engine/test_util.h"
#include "support/case_calls.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

TEST_CASE("a buyer never sees the staff's internal texts, on the case or in the timeline", "[visibility]") {
  EngineHarness h;
  JsonApi& cs = h.cases();
  REQUIRE(EngineCreateOrder(cs, h.user("integration"), MakeOrder("o1", 1, 1000)).ok());
  Answer submitted = EngineSubmit(cs, h.user("buyer"), RefundOnlyRequest("o1"));
  REQUIRE(submitted.ok());
  const std::string id = submitted.body["id"];
  auto act = [&](const std::string& user, const std::string& action, const json& body) {
    Answer a = EngineAct(cs, h.user(user), id, action, body);
    INFO(user << " " << action << ": " << a.code << " " << a.message);
    REQUIRE(a.ok());
  };
  // Notes of staff on their own decisions, a refund error and a comment are
  // internal; a comment addressed to the buyer and the buyer's texts are not.
  act("agent", "reject", {{"reason_code", "other"}, {"note", "INTERNAL-1 repeat refunder"}});
  act("buyer", "modify", {{"description", "BUYER-1 the seam opened"}});
  act("agent", "approve", {{"note", "INTERNAL-2 checked with the courier"}});
  act("finance", "refund_failed", {{"error", "INTERNAL-3 card 4111 declined"}});
  act("agent", "comment", {{"text", "INTERNAL-4 watch this buyer"}});
  act("agent", "comment", {{"text", "BUYER-2 your refund is on its way"}, {"visibility", "buyer"}});
  act("buyer", "comment", {{"text", "BUYER-3 thank you"}});

  auto seen_by = [&](const std::string& user) {
    Answer view = EngineView(cs, h.user(user), id);
    Answer timeline = EngineTimeline(cs, h.user(user), id);
    REQUIRE(view.ok());
    REQUIRE(timeline.ok());
    return view.body.dump() + timeline.body.dump();
  };
  const std::string buyer = seen_by("buyer");
  const std::string manager = seen_by("manager");
  for (const char* text : {"INTERNAL-1", "INTERNAL-2", "INTERNAL-3", "INTERNAL-4"}) {
    INFO(text);
    CHECK(buyer.find(text) == std::string::npos);
    CHECK(manager.find(text) != std::string::npos);
  }
  for (const char* text : {"BUYER-1", "BUYER-2", "BUYER-3"}) {
    INFO(text);
    CHECK(buyer.find(text) != std::string::npos);
    CHECK(manager.find(text) != std::string::npos);
  }
}

}  // namespace
}  // namespace aftersales::testing
