// Fuzz target `request_body`: the JSON bodies of POST /api/v1/cases (submit)
// and POST /api/v1/cases/{id}/actions/{action}, read as the HTTP layer reads
// them.
//
// Input: a first line naming the action ("approve", "receive", ... or
// "submit"), optionally followed by a space and a number that picks which
// seeded case and user try it; the rest of the input is the raw body (empty
// means {}, as over HTTP).
//
// Every input goes through ParseJsonBody (UTF-8, depth, syntax). An action
// body then goes through ParseCaseAction, and through the engine (JsonApi::
// Apply) on a seeded case whose state allows that action, as a user who may
// take it; a submit body goes through JsonApi::Submit on seeded orders. The engine
// runs on a SQLite file in a temporary directory, and its TxnHook rolls every
// accepted change back, so each input meets the same stored cases.
//
// Invariants, beyond "no crash, no sanitizer report, no exception":
//  - an accepted action body, written back from its CaseAction, parses to
//    the same CaseAction; the expected_version read before the body (SPEC
//    §4.2 checks it first) is the accepted one;
//  - the engine never answers internal or unavailable;
//  - an accepted action moves the case version by exactly one (a comment by
//    none); an accepted submit answers a `requested` case at version 1 with
//    the body's type, reason and lines.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "domain/vocabulary.h"
#include "api/action_codec.h"
#include "engine/engine_harness.h"
#include "fuzz/fuzz_check.h"
#include "web/json_body.h"
#include "workflows/policy.h"

namespace aftersales::fuzz {
namespace {

using nlohmann::json;

// The status a rollback hook returns; only the hook says this.
constexpr const char* kRolledBack = "fuzz: accepted, rolled back";

void CheckRoundTrip(Action action, const json& body, const CaseAction& parsed) {
  const json written = CaseActionJson(parsed);
  auto again = ParseCaseAction(action, written);
  FUZZ_CHECK(again.ok(), "the written-back body of " + std::string(NameOf(action)) +
                             " is refused: " + again.status().message() + "\n  body: " + written.dump());
  FUZZ_CHECK(CaseActionJson(*again) == written, "the written-back body of " + std::string(NameOf(action)) +
                                                    " parses to another action: " + written.dump() + " then " +
                                                    CaseActionJson(*again).dump());
  FUZZ_CHECK(ParseApplyAction("c", NameOf(action), body).expected_version == parsed.expected_version,
             "the expected_version read before the body disagrees with the parsed one on " + body.dump());
}

// The engine may refuse a body; it must never fail inside.
void CheckRefusal(const Status& s, const std::string& what) {
  FUZZ_CHECK(s.code() != Code::kInternal && !(s.code() == Code::kUnavailable && s.message() != kRolledBack),
             what + " answered " + CodeName(s.code()) + ": " + s.message());
}

// A user trying an action on a seeded case.
struct Attempt {
  std::string case_id;
  std::string user;
};

class Engine {
 public:
  Engine() {
    Seed();
    for (const std::string& case_id : seeded_) {
      for (const char* user : kUsers) {
        auto view = harness_.cases().GetCase(harness_.user(user), case_id);
        if (!view.ok()) continue;  // another buyer's case
        for (const auto& name : view->at("allowed_actions")) {
          attempts_[name.get<std::string>()].push_back({case_id, user});
        }
      }
    }
    std::string summary;
    for (const auto& [action, attempts] : attempts_) {
      summary += " " + action + "(" + std::to_string(attempts.size()) + ")";
    }
    std::fprintf(stderr, "request_body: %zu seeded cases; actions with the users who may take them:%s\n",
                 versions_.size(), summary.c_str());
  }

  void Apply(const std::string& action_name, std::size_t pick, const json& body) {
    const auto it = attempts_.find(action_name);
    // An action no seeded case allows still meets the engine's refusals.
    const Attempt attempt =
        it == attempts_.end() ? Attempt{seeded_.front(), "agent"} : it->second[pick % it->second.size()];
    const Actor& actor = harness_.user(attempt.user);
    const std::int64_t version = versions_.at(attempt.case_id);
    const bool changes_case = action_name != "comment";
    auto result =
        harness_.cases().Apply(actor, attempt.case_id, action_name, body, [&](WriteTxn&, const json& response) {
          const std::int64_t after = response.at("version").get<std::int64_t>();
          FUZZ_CHECK(after == version + (changes_case ? 1 : 0), action_name + " moved case " + attempt.case_id +
                                                                    " from version " + std::to_string(version) +
                                                                    " to " + std::to_string(after));
          FUZZ_CHECK(response.at("id") == attempt.case_id, action_name + " answered another case");
          FUZZ_CHECK(ParseState(response.at("state").get<std::string>()).has_value(),
                     action_name + " answered an unknown state " + response.at("state").dump());
          return Status(Code::kUnavailable, kRolledBack);
        });
    FUZZ_CHECK(!result.ok(), action_name + " committed despite the rollback hook");
    CheckRefusal(result.status(), action_name + " by " + attempt.user + " on " + attempt.case_id);
  }

  void Submit(std::size_t pick, const json& body) {
    static constexpr const char* kSubmitters[] = {"buyer", "agent", "integration"};
    const char* user = kSubmitters[pick % 3];
    auto result = harness_.cases().Submit(harness_.user(user), body, [&](WriteTxn&, const json& response) {
      FUZZ_CHECK(
          response.at("state") == "requested" && response.at("version") == 1,
          "a submitted case starts at " + response.at("state").dump() + " version " + response.at("version").dump());
      FUZZ_CHECK(response.at("type") == body.at("type") && response.at("reason") == body.at("reason"),
                 "the submitted case's type or reason differs from the body: " + response.dump());
      FUZZ_CHECK(response.at("lines").size() == body.at("lines").size(),
                 "the submitted case has other lines than the body: " + response.dump());
      const auto requested = body.find("requested_amount");
      if (requested != body.end() && !requested->is_null() && response.at("type") != "exchange") {
        FUZZ_CHECK(response.at("requested_amount") == *requested, "requested_amount changed: " + response.dump());
      }
      return Status(Code::kUnavailable, kRolledBack);
    });
    FUZZ_CHECK(!result.ok(), "submit committed despite the rollback hook");
    CheckRefusal(result.status(), std::string("submit by ") + user);
  }

 private:
  static constexpr const char* kUsers[] = {"buyer",   "buyer2",    "integration", "agent", "supervisor",
                                           "manager", "warehouse", "finance",     "admin"};

  json Must(Result<json> r, const std::string& what) {
    if (!r.ok()) {
      std::fprintf(stderr, "seeding failed at %s: %s\n", what.c_str(), r.status().message().c_str());
      std::abort();
    }
    return *r;
  }

  // An order of buyer b1 delivered three days before the harness start:
  // l1, 3 units paying 3000 in all; l2, 2 units paying 60000 (above an
  // agent's limit) and not returnable without a reason.
  void AddOrder(const std::string& id) {
    const json order = {{"id", id},
                        {"buyer_id", "b1"},
                        {"currency", "CNY"},
                        {"placed_at", "2026-10-25T10:00:00Z"},
                        {"delivered_at", "2026-10-29T10:00:00Z"},
                        {"shipping_paid", 800},
                        {"lines",
                         {{{"line_id", "l1"}, {"sku", "SKU-1"}, {"title", "Tea cup"}, {"qty", 3}, {"paid", 3000}},
                          {{"line_id", "l2"},
                           {"sku", "SKU-2"},
                           {"title", "Kettle"},
                           {"qty", 2},
                           {"paid", 60000},
                           {"no_reason_return", false}}}}};
    Must(harness_.cases().CreateOrder(harness_.user("integration"), order), "order " + id);
  }

  // A case on its own order, driven through `steps` ({user, action, body}).
  void AddCase(const std::string& order_id, const std::string& type, const std::string& line,
               const std::vector<std::tuple<const char*, const char*, json>>& steps) {
    AddOrder(order_id);
    const json submit = {{"order_id", order_id},
                         {"type", type},
                         {"reason", "quality_issue"},
                         {"lines", {{{"line_id", line}, {"qty", 1}}}}};
    json c = Must(harness_.cases().Submit(harness_.user("buyer"), submit), "submit on " + order_id);
    const std::string id = c.at("id").get<std::string>();
    for (const auto& [user, action, body] : steps) {
      c = Must(harness_.cases().Apply(harness_.user(user), id, action, body), std::string(action) + " on " + order_id);
    }
    seeded_.push_back(id);
    versions_.emplace(id, c.at("version").get<std::int64_t>());
  }

  // One case in every non-terminal state, and an order to submit on. The
  // abuse signals are turned off first: eleven cases of one buyer would flag
  // the later ones, and a flagged case answers most decisions with
  // approval_limit_exceeded before reading the body.
  void Seed() {
    json policy = DefaultPolicy().document;
    policy["risk"]["thresholds"] = {{"cases", 1000000},
                                    {"refund_only_cases", 1000000},
                                    {"refunded_amount", 1000000000000000},
                                    {"return_rate_percent", 100000},
                                    {"min_orders_for_rate", 1000000}};
    Must(harness_.policies().Replace(harness_.user("admin"), policy, harness_.clock().Now()), "policy");
    const json none = json::object();
    const json ship = {{"carrier", "SF"}, {"tracking_no", "SF100"}};
    AddCase("o_requested", "refund_only", "l1", {});
    AddCase("o_pending", "refund_only", "l2", {{"agent", "approve", none}});
    AddCase("o_negotiating", "refund_only", "l1", {{"agent", "offer", {{"amount", 500}, {"return_required", false}}}});
    AddCase("o_rejected", "refund_only", "l1", {{"agent", "reject", {{"reason_code", "missing_evidence"}}}});
    AddCase("o_escalated", "refund_only", "l1",
            {{"agent", "reject", {{"reason_code", "other"}}}, {"buyer", "appeal", {{"note", "it broke"}}}});
    AddCase("o_refunding", "refund_only", "l1", {{"agent", "approve", none}});
    AddCase("o_awaiting", "return_refund", "l1", {{"agent", "approve", none}});
    AddCase("o_transit", "return_refund", "l1", {{"agent", "approve", none}, {"buyer", "ship_return", ship}});
    AddCase("o_inspection", "return_refund", "l1",
            {{"agent", "approve", none},
             {"buyer", "ship_return", ship},
             {"warehouse", "receive", {{"result", "fail"}, {"note", "scratched"}}}});
    AddCase(
        "o_replacement", "exchange", "l1",
        {{"agent", "approve", none}, {"buyer", "ship_return", ship}, {"warehouse", "receive", {{"result", "pass"}}}});
    AddCase("o_replaced", "exchange", "l1",
            {{"agent", "approve", none},
             {"buyer", "ship_return", ship},
             {"warehouse", "receive", {{"result", "pass"}}},
             {"warehouse", "ship_replacement", {{"carrier", "SF"}, {"tracking_no", "SF200"}}}});
    AddOrder("o_submit");
  }

  testing::EngineHarness harness_;
  // Case ids are random: attempts follow the order of seeding, so that an
  // input picks the same case and user in every run.
  std::vector<std::string> seeded_;
  std::map<std::string, std::int64_t> versions_;  // seeded case id -> its version (never changes)
  std::map<std::string, std::vector<Attempt>> attempts_;
};

Engine& SeededEngine() {
  static Engine engine;
  return engine;
}

}  // namespace
}  // namespace aftersales::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aftersales::fuzz::SeededEngine();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aftersales;
  using namespace aftersales::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view head = input.substr(0, newline);
  const std::string_view raw_body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const std::size_t space = head.find(' ');
  const std::string action_name(head.substr(0, space));
  std::size_t pick = 0;
  if (space != std::string_view::npos) {
    for (char c : head.substr(space + 1, 4)) {
      if (c < '0' || c > '9') break;
      pick = pick * 10 + static_cast<std::size_t>(c - '0');
    }
  }

  // As the HTTP layer does: an empty body is {}, a body must be an object.
  nlohmann::json body = nlohmann::json::object();
  if (!raw_body.empty()) {
    auto parsed = ParseJsonBody(raw_body);
    if (!parsed.ok()) {
      FUZZ_CHECK(parsed.status().code() == Code::kMalformedJson,
                 std::string("ParseJsonBody answered ") + CodeName(parsed.status().code()));
      return 0;
    }
    if (!parsed->is_object()) return 0;
    body = std::move(*parsed);
  }

  if (action_name == "submit") {
    SeededEngine().Submit(pick, body);
    return 0;
  }
  if (const auto action = ParseAction(action_name)) {
    auto command = ParseCaseAction(*action, body);
    if (command.ok()) {
      CheckRoundTrip(*action, body, *command);
    } else {
      FUZZ_CHECK(command.status().code() == Code::kValidationFailed && !command.status().errors().empty(),
                 "ParseCaseAction refused a body without naming a field: " + command.status().message());
    }
  }
  SeededEngine().Apply(action_name, pick, body);
  return 0;
}
