// Every approval limit at its edge (SPEC §2, §3, §4, §9.1), per case type,
// through a CaseDriver (support/role_matrix.h), so that the engine
// (tests/engine/limit_edges_test.cc) and the HTTP API
// (tests/web/limit_edges_test.cc) answer the same:
//  - agent and supervisor: approve, offer at exactly the caller's limit
//    succeed; one minor unit more is 403 approval_limit_exceeded and
//    changes nothing, except that an approve in `requested` goes to
//    `pending_approval`; allowed_actions leaves out an approve that could
//    only be refused (§9.1); a user's own limit counts, not the policy's;
//  - manager: no approval limit, so the edge is the refundable amount:
//    offer and grant at it succeed, one more is 422 amount_exceeds_refundable;
//    a requested amount is held to it at submit and modify, and approved
//    at it.
// An exchange requests 0: its limits are checked against the exchanged
// lines' value, here the case's `amount`. The three types of §4; a repair's
// limits (none on approving the repair, the lines' value on a replacement
// after a failed repair, §12) are in tests/scenarios/repair_*.scn.
// Header-only test support (Catch2 assertions); single-threaded.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/role_matrix.h"

namespace aftersales::testing::edges {

using matrix::CaseBuilder;

// "After approval" of an approve or a grant before the goods came back.
inline std::string AfterApproval(const std::string& type) {
  return type == "refund_only" ? "refunding" : "awaiting_return";
}
// "After approval" once the goods came back (approve in inspection_failed).
inline std::string AfterApprovalReceived(const std::string& type) {
  return type == "exchange" ? "replacement_pending" : "refunding";
}

inline spec::Situation At(const std::string& type, const std::string& state, std::int64_t amount,
                          std::vector<spec::Step> path) {
  spec::Situation s;
  s.type = type;
  s.state = state;
  s.name = state + " at " + std::to_string(amount);
  s.amount = amount;
  s.path = std::move(path);
  return s;
}

// The path to inspection_failed that no limit stops: the manager approves.
inline std::vector<spec::Step> ToInspectionFailed() {
  return {{"manager", "approve", nlohmann::json::object()}, spec::steps::kShipReturn, spec::steps::kReceiveFail};
}

inline bool Lists(const Answer& view, const std::string& action) {
  const auto& list = view.body["allowed_actions"];
  return list.is_array() && std::find(list.begin(), list.end(), action) != list.end();
}

// Checks that `user`'s `action` with `body` on `id` answers 403
// approval_limit_exceeded (or `code`) and changes nothing.
inline void CheckRefused(CaseDriver& d, const std::string& user, const std::string& id, const std::string& action,
                         const nlohmann::json& body, int status = 403,
                         const std::string& code = "approval_limit_exceeded") {
  const std::string before = d.Fingerprint(id);
  Answer a = d.Act(user, id, action, body);
  INFO(user << " " << action << " " << body.dump() << ": " << a.status << " " << a.code << " " << a.message);
  CHECK(a.status == status);
  CHECK(a.code == code);
  CHECK(d.Fingerprint(id) == before);
}

inline Answer CheckTaken(CaseDriver& d, const std::string& user, const std::string& id, const std::string& action,
                         const nlohmann::json& body, const std::string& state) {
  Answer a = d.Act(user, id, action, body);
  INFO(user << " " << action << " " << body.dump() << ": " << a.status << " " << a.code << " " << a.message);
  CHECK(a.status == 200);
  CHECK(a.body.value("state", "") == state);
  return a;
}

// `user` (an agent or a supervisor) with approval limit `limit`.
inline void CheckLimitedEdges(CaseDriver& d, CaseBuilder& b, const std::string& type, const std::string& user,
                              std::int64_t limit) {
  INFO(type << ", " << user << " with limit " << limit);
  // approve in requested: at the limit it is approved; above, a supervisor
  // (or a manager) must decide.
  {
    auto at = b.Build(At(type, "requested", limit, {}));
    CHECK(Lists(d.View(user, at.id), "approve"));
    Answer a = CheckTaken(d, user, at.id, "approve", nlohmann::json::object(), AfterApproval(type));
    CHECK(a.body["agreed_amount"] == (type == "exchange" ? 0 : limit));
    auto over = b.Build(At(type, "requested", limit + 1, {}));
    CHECK(Lists(d.View(user, over.id), "approve"));  // it is not refused: it goes up
    Answer up = CheckTaken(d, user, over.id, "approve", nlohmann::json::object(), "pending_approval");
    CHECK(up.body["agreed_amount"].is_null());
  }
  // offer in requested, on a case worth more than the limit.
  {
    auto c = b.Build(At(type, "requested", limit + 1, {}));
    CheckRefused(d, user, c.id, "offer", {{"amount", limit + 1}, {"return_required", false}});
    Answer a = CheckTaken(d, user, c.id, "offer", {{"amount", limit}, {"return_required", false}}, "negotiating");
    CHECK(a.body["offer"]["amount"] == limit);
  }
  if (type == "refund_only") return;
  // inspection_failed: no pending_approval to go to (§4).
  {
    auto at = b.Build(At(type, "inspection_failed", limit, ToInspectionFailed()));
    CHECK(Lists(d.View(user, at.id), "approve"));
    CheckTaken(d, user, at.id, "approve", nlohmann::json::object(), AfterApprovalReceived(type));
    auto over = b.Build(At(type, "inspection_failed", limit + 1, ToInspectionFailed()));
    CHECK_FALSE(Lists(d.View(user, over.id), "approve"));  // §9.1
    CHECK(Lists(d.View(user, over.id), "offer"));
    CheckRefused(d, user, over.id, "approve", nlohmann::json::object());
    CheckRefused(d, user, over.id, "offer", {{"amount", limit + 1}, {"return_required", false}});
    CheckTaken(d, user, over.id, "offer", {{"amount", limit}, {"return_required", false}}, "negotiating");
  }
}

// A supervisor approving in pending_approval (the agent went over its limit).
inline void CheckPendingApprovalEdge(CaseDriver& d, CaseBuilder& b, const std::string& type, const std::string& user,
                                     std::int64_t limit) {
  INFO(type << ", " << user << " with limit " << limit << " in pending_approval");
  auto at = b.Build(At(type, "pending_approval", limit, {spec::steps::kApprove}));
  CHECK(Lists(d.View(user, at.id), "approve"));
  CheckTaken(d, user, at.id, "approve", nlohmann::json::object(), AfterApproval(type));
  auto over = b.Build(At(type, "pending_approval", limit + 1, {spec::steps::kApprove}));
  CHECK_FALSE(Lists(d.View(user, over.id), "approve"));  // §9.1
  CheckRefused(d, user, over.id, "approve", nlohmann::json::object());
  CHECK(Lists(d.View("manager", over.id), "approve"));
  CheckTaken(d, "manager", over.id, "approve", nlohmann::json::object(), AfterApproval(type));
}

// The manager: no approval limit; the refundable amount is the edge.
inline void CheckManagerEdges(CaseDriver& d, CaseBuilder& b, const std::string& type) {
  INFO(type << ", manager");
  constexpr std::int64_t kHigh = 250000;  // above every limit
  CheckTaken(d, "manager", b.Build(At(type, "requested", kHigh, {})).id, "approve", nlohmann::json::object(),
             AfterApproval(type));
  CheckTaken(d, "manager", b.Build(At(type, "pending_approval", kHigh, {spec::steps::kApprove})).id, "approve",
             nlohmann::json::object(), AfterApproval(type));
  if (type != "refund_only") {
    CheckTaken(d, "manager", b.Build(At(type, "inspection_failed", kHigh, ToInspectionFailed())).id, "approve",
               nlohmann::json::object(), AfterApprovalReceived(type));
  }
  constexpr std::int64_t kRefundable = 1000;  // the case's one unit, no shipping
  // offer: at the refundable amount, and one more.
  {
    auto c = b.Build(At(type, "requested", kRefundable, {}));
    CheckRefused(d, "manager", c.id, "offer", {{"amount", kRefundable + 1}, {"return_required", false}}, 422,
                 "amount_exceeds_refundable");
    CheckTaken(d, "manager", c.id, "offer", {{"amount", kRefundable}, {"return_required", false}}, "negotiating");
  }
  // grant: the same edge.
  {
    auto c = b.Build(At(type, "escalated", kRefundable, {spec::steps::kReject, spec::steps::kAppeal}));
    CheckRefused(d, "manager", c.id, "arbitrate", {{"decision", "grant"}, {"amount", kRefundable + 1}}, 422,
                 "amount_exceeds_refundable");
    Answer a = CheckTaken(d, "manager", c.id, "arbitrate", {{"decision", "grant"}, {"amount", kRefundable}},
                          AfterApproval(type));
    CHECK(a.body["agreed_amount"] == kRefundable);
  }
  if (type == "exchange") return;  // an exchange requests 0
  // A requested amount is held to the refundable amount (§3, §4.1) at
  // submit and at modify; at it, the manager approves it.
  {
    auto o = b.Order(kRefundable);
    nlohmann::json body = CaseBuilder::SubmitBody(o.id, type);
    body["requested_amount"] = kRefundable + 1;
    Answer over = d.Submit(o.buyer, body);
    CHECK(over.status == 422);
    CHECK(over.code == "amount_exceeds_refundable");
    body["requested_amount"] = kRefundable;
    Answer at = d.Submit(o.buyer, body);
    REQUIRE(at.ok());
    const std::string id = at.body["id"].get<std::string>();
    REQUIRE(d.Act("agent", id, "reject", {{"reason_code", "other"}}).ok());
    CheckRefused(d, o.buyer, id, "modify", {{"requested_amount", kRefundable + 1}}, 422, "amount_exceeds_refundable");
    CheckTaken(d, o.buyer, id, "modify", {{"requested_amount", kRefundable}}, "requested");
    Answer a = CheckTaken(d, "manager", id, "approve", nlohmann::json::object(), AfterApproval(type));
    CHECK(a.body["agreed_amount"] == kRefundable);
  }
}

inline void CheckApprovalLimitEdges(CaseDriver& d, const std::string& prefix) {
  CaseBuilder b(d, prefix);
  // A user's own limit counts, not the policy's default.
  constexpr std::int64_t kOwnLimit = 5000;
  d.AddUser(prefix + "-agent", "agent", "", kOwnLimit);
  d.AddUser(prefix + "-supervisor", "supervisor", "", 50000);
  for (const auto& type : spec::kGoodsTypes) {
    CheckLimitedEdges(d, b, type, "agent", spec::kAgentLimit);
    CheckLimitedEdges(d, b, type, "supervisor", spec::kSupervisorLimit);
    CheckLimitedEdges(d, b, type, prefix + "-agent", kOwnLimit);
    CheckPendingApprovalEdge(d, b, type, "supervisor", spec::kSupervisorLimit);
    CheckPendingApprovalEdge(d, b, type, prefix + "-supervisor", 50000);
    CheckManagerEdges(d, b, type);
  }
}

}  // namespace aftersales::testing::edges
