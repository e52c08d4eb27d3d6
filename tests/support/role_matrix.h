// Who may act and who may not, for every state of every case type, every
// action and every role, checked against SPEC §4 as written out in
// spec_table.h. The checks run through a CaseDriver, so the same tests
// drive the engine (tests/engine/role_matrix_test.cc) and the HTTP API
// (tests/web/role_matrix_test.cc).
//
//  - CheckWhoMayNotAct: on one case per situation, every role (and a buyer
//    who does not own the case) tries every action with a body holding an
//    unknown field. The answer must be SPEC §4.2's: 404 for another buyer
//    and for names that are no action; 403 forbidden when the role never
//    takes the action; 409 invalid_transition (with the state and the
//    caller's allowed_actions) when no row leaves the state; 403 forbidden
//    when a row exists but not for this role; else 400 validation_failed
//    (the role may act; only the unknown field is wrong). Nothing changes:
//    case, version, audit log, outbox. allowed_actions, as each role sees
//    the case, is exactly the table's (§3, §9.1).
//  - CheckWhoMayAct: every row, taken by every role of its `by` column on a
//    fresh case, answers 200 and leads to the row's target; where the
//    caller's limit is too low (§9.1) it answers 403
//    approval_limit_exceeded and changes nothing.
//
// Header-only test support (Catch2 assertions); single-threaded.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/case_calls.h"
#include "support/spec_table.h"

namespace aftersales::testing {

// The engine or the HTTP API, as the tests of roles and limits see them.
// User names: the fixture's (integration, agent, supervisor, manager,
// warehouse, finance, admin; buyer2, a buyer who owns none of these cases)
// and the users made by AddUser.
class CaseDriver {
 public:
  virtual ~CaseDriver() = default;
  // Makes a user `name` with `role` (a SPEC §2 role name); a buyer owns
  // the orders of `buyer_id`; an agent or a supervisor has `limit` as its
  // own approval limit, else the policy's.
  virtual void AddUser(const std::string& name, const std::string& role, const std::string& buyer_id,
                       std::optional<std::int64_t> limit) = 0;
  virtual std::string UserId(const std::string& user) = 0;
  // The time the tests run at (RFC 3339); the clock does not move.
  virtual std::string Now() = 0;
  virtual Answer CreateOrder(const nlohmann::json& body) = 0;  // as integration
  virtual Answer Submit(const std::string& user, const nlohmann::json& body) = 0;
  virtual Answer Act(const std::string& user, const std::string& case_id, const std::string& action,
                     const nlohmann::json& body) = 0;
  virtual Answer View(const std::string& user, const std::string& case_id) = 0;
  // Everything an action could change, as text (support/case_calls.h's
  // EngineFingerprint): the case, its deadlines and texts, the audit log's
  // head and the number of outbox events.
  virtual std::string Fingerprint(const std::string& case_id) = 0;
};

namespace matrix {

using spec::Names;

inline bool Has(const Names& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The approval limit of `role` under the shipped policy (none: max).
inline std::int64_t LimitOf(const std::string& role) {
  if (role == "agent") return spec::kAgentLimit;
  if (role == "supervisor") return spec::kSupervisorLimit;
  return std::numeric_limits<std::int64_t>::max();
}

// The amount approval limits are checked against: the requested amount,
// for an exchange the exchanged lines' value (§4); both are `amount` here.
inline std::int64_t ApprovalAmount(const spec::Situation& s) { return s.amount; }

inline bool GateHolds(spec::Gate gate, const spec::Situation& s) {
  switch (gate) {
    case spec::Gate::kNone:
      return true;
    case spec::Gate::kModificationsLeft:
      return s.modifications < spec::kMaxModifications;
    case spec::Gate::kGoodsNotReceived:
      return !s.goods_received;
    case spec::Gate::kGoodsReceived:
      return s.goods_received;
    case spec::Gate::kRemedyOpen:  // the row exists; whether it is open is RemedyOpen's
      return true;
    case spec::Gate::kCashForm:
      return s.cash;
    case spec::Gate::kVoucherForm:
      return !s.cash;
    case spec::Gate::kSystemSubmitted:
      return false;  // the situations are submitted by buyers
  }
  return false;
}

// §12 demand_remedy: open (else 422 remedy_not_available, and absent from
// allowed_actions). No situation opens it: each is a first attempt.
inline bool RemedyOpen(const spec::Row& row, const spec::Situation&) { return row.gate != spec::Gate::kRemedyOpen; }

// Whether `row` leaves the situation's state (for some role).
inline bool Present(const spec::Row& row, const spec::Situation& s) {
  if (!Has(row.types, s.type)) return false;
  const bool from =
      row.from == Names{spec::kAnyNonTerminal} ? !Has(spec::kTerminalStates, s.state) : Has(row.from, s.state);
  return from && GateHolds(row.gate, s);
}

// Whether `role` takes `action` in any state of any type (§4.2's first 403).
inline bool EverTakes(const std::string& role, const std::string& action) {
  for (const auto& row : spec::Rows()) {
    if (row.action == action && Has(row.by, role)) return true;
  }
  return false;
}

// §3 allowed_actions of `role` in `s`, sorted: the actions of the rows here
// that name the role, less an approve that could only answer
// approval_limit_exceeded (§9.1).
inline Names AllowedActions(const spec::Situation& s, const std::string& role) {
  std::set<std::string> out;
  for (const auto& row : spec::Rows()) {
    if (!Present(row, s) || !Has(row.by, role)) continue;
    if (row.limit == spec::Limit::kWithinOnly && ApprovalAmount(s) > LimitOf(role)) continue;
    if (!RemedyOpen(row, s)) continue;
    out.insert(row.action);
  }
  return Names(out.begin(), out.end());
}

inline Names Sorted(const nlohmann::json& names) {
  Names out;
  if (!names.is_array()) return {"<not a list: " + names.dump() + ">"};
  for (const auto& n : names) out.push_back(n.is_string() ? n.get<std::string>() : n.dump());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string Join(const Names& names) {
  std::string out = "[";
  for (const auto& n : names) out += (out.size() > 1 ? "," : "") + n;
  return out + "]";
}

struct Expected {
  int status;
  std::string code;
};

// SPEC §4.2's answer to `role` taking `action` on `s` with a body holding
// an unknown field. `owner` is false for a buyer who does not own the case.
inline Expected ExpectedProbe(const spec::Situation& s, const std::string& role, const std::string& action,
                              bool owner) {
  if (!owner) return {404, "not_found"};                        // not visible to the caller
  if (!Has(spec::kActions, action)) return {404, "not_found"};  // unknown action
  if (!EverTakes(role, action)) return {403, "forbidden"};
  bool any_row = false, role_row = false;
  for (const auto& row : spec::Rows()) {
    if (row.action != action || !Present(row, s)) continue;
    any_row = true;
    role_row = role_row || Has(row.by, role);
  }
  if (!any_row) return {409, "invalid_transition"};
  if (!role_row) return {403, "forbidden"};
  return {400, "validation_failed"};  // the role may act: only the body is wrong
}

// Where a row taken by `role` leads (§4 "After approval", §5 limits).
inline std::string ExpectedTarget(const spec::Row& row, const spec::Situation& s, const std::string& role) {
  if (row.to == spec::kSame) return s.state;
  if (row.limit == spec::Limit::kOverGoesToPendingApproval && ApprovalAmount(s) > LimitOf(role)) {
    return "pending_approval";
  }
  if (row.to == spec::kAfterReceipt) return s.money_agreed ? "refunding" : "replacement_pending";
  if (row.to != spec::kAfterApproval) return row.to;
  if (s.type == "compensation") return "compensating";  // §11.3
  // approve and a grant (without amount or return_required: the defaults)
  // agree the requested amount, 0 for an exchange: a replacement; a return
  // is required unless refund_only. An accepted offer is money on its terms.
  const bool accept = row.action == "accept_offer";
  const bool money = accept || s.type != "exchange";
  const bool return_required = accept ? s.offer_return_required : s.type != "refund_only";
  if (money) return s.goods_received || !return_required ? "refunding" : "awaiting_return";
  return s.goods_received ? "replacement_pending" : "awaiting_return";
}

// Builds cases along the situations' paths, each with its own buyer and
// order (so that no buyer's history looks like abuse, docs/reports.md).
class CaseBuilder {
 public:
  CaseBuilder(CaseDriver& driver, std::string prefix) : d_(driver), prefix_(std::move(prefix)) {}

  struct Built {
    std::string id;
    std::string buyer;  // the user name of the case's buyer
  };

  struct NewOrder {
    std::string buyer;  // the user name of its buyer
    std::string id;
  };
  // A new buyer and a delivered order of theirs: one line `l1` of one unit
  // paid `amount`, no shipping, delivered two days before the tests run.
  NewOrder Order(std::int64_t amount) {
    const std::string n = std::to_string(++count_);
    NewOrder o;
    o.buyer = "buyer-" + prefix_ + n;
    o.id = prefix_ + "o" + n;
    const std::string buyer_id = prefix_ + "b" + n;
    d_.AddUser(o.buyer, "buyer", buyer_id, std::nullopt);
    Answer order = d_.CreateOrder(
        {{"id", o.id},
         {"buyer_id", buyer_id},
         {"currency", "CNY"},
         {"placed_at", "2026-10-25T00:00:00Z"},
         {"delivered_at", "2026-10-30T00:00:00Z"},
         {"shipping_paid", 0},
         {"lines", {{{"line_id", "l1"}, {"sku", "SKU-1"}, {"title", "Kettle"}, {"qty", 1}, {"paid", amount}}}}});
    INFO("creating order " << o.id << ": " << order.code << " " << order.message);
    REQUIRE(order.ok());
    return o;
  }

  // The body of a submit of order `order_id`'s one unit as a case of `type`.
  static nlohmann::json SubmitBody(const std::string& order_id, const std::string& type) {
    return {{"order_id", order_id},
            {"type", type},
            {"reason", "quality_issue"},
            {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}};
  }
  // A compensation of `amount` on order `order_id` (§11.1), in cash or a voucher.
  static nlohmann::json CompensationBody(const std::string& order_id, std::int64_t amount, bool cash) {
    return {{"order_id", order_id},
            {"type", "compensation"},
            {"reason", "goodwill"},
            {"compensation", {{"form", cash ? "cash" : "voucher"}}},
            {"requested_amount", amount}};
  }
  // A compensation's order is paid enough for its amount to be within the
  // per-order cap (30 % of the paid total, §11.2).
  static constexpr std::int64_t kPaidPerCompensated = 4;

  // A fresh case in `s`'s state; fails the test when a step of the path fails.
  Built Build(const spec::Situation& s) {
    INFO(s.type << " / " << s.name);
    const bool compensation = s.type == "compensation";
    const NewOrder o = Order(compensation ? s.amount * kPaidPerCompensated : s.amount);
    Built b;
    b.buyer = o.buyer;
    Answer submitted =
        d_.Submit(b.buyer, compensation ? CompensationBody(o.id, s.amount, s.cash) : SubmitBody(o.id, s.type));
    INFO("submitting: " << submitted.code << " " << submitted.message);
    REQUIRE(submitted.ok());
    b.id = submitted.body["id"].get<std::string>();
    for (const auto& step : s.path) {
      Answer a = d_.Act(User(step.user, b), b.id, step.action, Fill(step.body));
      INFO("path step " << step.user << " " << step.action << ": " << a.status << " " << a.code << " " << a.message);
      REQUIRE(a.ok());
    }
    Answer seen = d_.View("manager", b.id);
    REQUIRE(seen.ok());
    REQUIRE(seen.body["state"] == s.state);
    return b;
  }

  // "buyer" is the case's own buyer; other names are the fixture's users.
  static std::string User(const std::string& name, const Built& b) { return name == "buyer" ? b.buyer : name; }

  // The body with "$agent" and "$now" filled in.
  nlohmann::json Fill(nlohmann::json body) {
    for (auto& [key, value] : body.items()) {
      if (value == "$agent") value = d_.UserId("agent");
      if (value == "$now") value = d_.Now();
    }
    return body;
  }

 private:
  CaseDriver& d_;
  std::string prefix_;
  int count_ = 0;
};

// Every state of every type has a situation (a documented path).
inline void CheckEveryStateHasAPath() {
  for (const auto& type : spec::kTypes) {
    std::set<std::string> reached;
    for (const auto& s : spec::SituationsOf(type)) reached.insert(s.state);
    for (const auto& state : spec::StatesOf(type)) {
      INFO(type << " / " << state);
      CHECK(reached.count(state) == 1);
    }
    CHECK(reached.size() == spec::StatesOf(type).size());
  }
}

inline void ReportMismatches(const std::vector<std::string>& mismatches, std::size_t checked) {
  constexpr std::size_t kShown = 40;
  for (std::size_t i = 0; i < mismatches.size() && i < kShown; ++i) FAIL_CHECK(mismatches[i]);
  INFO(mismatches.size() << " of " << checked << " answers differ from SPEC");
  CHECK(mismatches.empty());
  CHECK(checked > 0);
}

inline void CheckWhoMayNotAct(CaseDriver& d, const std::string& prefix) {
  CaseBuilder builder(d, prefix);
  std::vector<std::string> mismatches;
  std::size_t checked = 0;
  Names names = spec::kActions;
  names.insert(names.end(), spec::kNotActions.begin(), spec::kNotActions.end());
  const nlohmann::json probe = {{"zz_not_a_field", true}};
  for (const auto& type : spec::kTypes) {
    for (const auto& s : spec::SituationsOf(type)) {
      const CaseBuilder::Built b = builder.Build(s);
      const std::string before = d.Fingerprint(b.id);
      const std::string where = s.type + " / " + s.name;
      // allowed_actions as each role sees the case.
      for (const auto& role : spec::kRoles) {
        const Names want = AllowedActions(s, role);
        Answer seen = d.View(role == "buyer" ? b.buyer : role, b.id);
        ++checked;
        if (!seen.ok()) {
          mismatches.push_back(where + ": " + role + " cannot see the case: " + seen.code);
        } else if (Sorted(seen.body["allowed_actions"]) != want) {
          mismatches.push_back(where + ": allowed_actions of " + role + " are " +
                               Join(Sorted(seen.body["allowed_actions"])) + ", SPEC says " + Join(want));
        }
      }
      // Every role, and a buyer who does not own the case, tries every action.
      Names callers = spec::kRoles;
      callers.push_back("buyer2");
      for (const auto& role : callers) {
        const bool owner = role != "buyer2";
        const std::string user = role == "buyer" ? b.buyer : role;
        const std::string as_role = owner ? role : "buyer";
        for (const auto& action : names) {
          const Expected want = ExpectedProbe(s, as_role, action, owner);
          Answer a = d.Act(user, b.id, action, probe);
          ++checked;
          const std::string what = where + ": " + role + " " + action + " answered " + std::to_string(a.status) + " " +
                                   a.code + ", SPEC says " + std::to_string(want.status) + " " + want.code;
          if (a.status != want.status || a.code != want.code) {
            mismatches.push_back(what + " (" + a.message + ")");
          } else if (want.code == "invalid_transition") {
            // §4: the refusal names the state and the caller's allowed actions.
            if (a.body.value("state", "") != s.state) mismatches.push_back(what + ": state " + a.body.dump());
            if (Sorted(a.body.value("allowed_actions", nlohmann::json())) != AllowedActions(s, as_role)) {
              mismatches.push_back(what + ": allowed_actions " + a.body.dump());
            }
          }
          if (d.Fingerprint(b.id) != before) {
            mismatches.push_back(what + ": and it changed the case, the audit log or the outbox");
            return ReportMismatches(mismatches, checked);  // later answers would mislead
          }
        }
      }
    }
  }
  ReportMismatches(mismatches, checked);
}

inline void CheckWhoMayAct(CaseDriver& d, const std::string& prefix) {
  CaseBuilder builder(d, prefix);
  std::vector<std::string> mismatches;
  std::size_t checked = 0;
  for (const auto& type : spec::kTypes) {
    for (const auto& s : spec::SituationsOf(type)) {
      const std::string where = s.type + " / " + s.name;
      // Rows that keep the state run one after another on one case.
      std::optional<CaseBuilder::Built> shared;
      for (const auto& row : spec::Rows()) {
        if (!Present(row, s)) continue;
        for (const auto& role : row.by) {
          const bool over = row.limit == spec::Limit::kWithinOnly && ApprovalAmount(s) > LimitOf(role);
          const bool stays = row.to == spec::kSame && !over;
          if (stays && !shared) shared = builder.Build(s);
          const CaseBuilder::Built b = stays ? *shared : builder.Build(s);
          const std::string before = d.Fingerprint(b.id);
          const std::int64_t version = d.View("manager", b.id).body.value("version", std::int64_t{-1});
          Answer a = d.Act(CaseBuilder::User(role, b), b.id, row.action, builder.Fill(row.body));
          ++checked;
          const std::string what = where + ": " + role + " " + row.action + " " + row.body.dump() + " answered " +
                                   std::to_string(a.status) + " " + a.code + " " + a.message;
          if (!RemedyOpen(row, s)) {
            if (a.status != 422 || a.code != "remedy_not_available") {
              mismatches.push_back(what + ", SPEC says 422 remedy_not_available");
            } else if (d.Fingerprint(b.id) != before) {
              mismatches.push_back(what + ", and it changed the case, the audit log or the outbox");
            }
            continue;
          }
          if (over) {
            // §4: above the caller's limit, and no pending_approval to go to.
            if (a.status != 403 || a.code != "approval_limit_exceeded") {
              mismatches.push_back(what + ", SPEC says 403 approval_limit_exceeded");
            } else if (d.Fingerprint(b.id) != before) {
              mismatches.push_back(what + ", and it changed the case, the audit log or the outbox");
            }
            continue;
          }
          const std::string want = ExpectedTarget(row, s, role);
          // §3: +1 per action that changes the case, except comment.
          const std::int64_t want_version = version + (row.action == "comment" ? 0 : 1);
          if (!a.ok()) {
            mismatches.push_back(what + ", SPEC says 200 and " + want);
          } else if (a.body.value("state", "") != want || a.body.value("version", std::int64_t{-1}) != want_version) {
            mismatches.push_back(what + ": state " + a.body.value("state", "?") + " version " +
                                 a.body.value("version", nlohmann::json()).dump() + ", SPEC says " + want +
                                 " version " + std::to_string(want_version));
          }
        }
      }
    }
  }
  ReportMismatches(mismatches, checked);
}

}  // namespace matrix
}  // namespace aftersales::testing
