#include "api/json_api.h"
#include "engine/scenario_runner.h"

#include <fstream>
#include <sstream>

#include "engine/audit/audit_log.h"
#include "engine/cases/late_compensation.h"
#include "engine/engine_harness.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

std::string Contains(const json& actual, const json& expected, const std::string& path) {
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": expected an object, got " + actual.dump();
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) return path + "." + k + ": missing";
      std::string err = Contains(actual.at(k), v, path + "." + k);
      if (!err.empty()) return err;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      return path + ": expected " + expected.dump() + ", got " + actual.dump();
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      std::string err = Contains(actual[i], expected[i], path + "[" + std::to_string(i) + "]");
      if (!err.empty()) return err;
    }
    return "";
  }
  if (actual != expected) return path + ": expected " + expected.dump() + ", got " + actual.dump();
  return "";
}

std::int64_t ParseDuration(const std::string& s) {
  const char unit = s.back();
  const std::int64_t n = std::stoll(s.substr(0, s.size() - 1));
  switch (unit) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * kHour;
    case 'd': return n * kDay;
  }
  throw std::runtime_error("bad duration " + s);
}

class Runner {
 public:
  explicit Runner(std::string path) : path_(std::move(path)) {}

  ScenarioResult Run() {
    std::ifstream in(path_);
    if (!in) {
      result_.failures.push_back(path_ + ": cannot read");
      return result_;
    }
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      line_ = n;
      const auto hash = line.find('#');
      if (hash != std::string::npos && line.find('{') == std::string::npos) line = line.substr(0, hash);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        Step(line);
      } catch (const std::exception& e) {
        Fail(std::string("bad step: ") + e.what());
      }
    }
    CollectTransitions();
    return result_;
  }

 private:
  void Fail(const std::string& message) {
    result_.failures.push_back(path_ + ":" + std::to_string(line_) + ": " + message);
  }

  // Splits "verb a b {json} -> 409 code" into words, json and expectation.
  void Step(std::string line) {
    std::string expect_status, expect_code;
    const auto arrow = line.rfind("->");
    if (arrow != std::string::npos && line.find('}', arrow) == std::string::npos) {
      std::istringstream e(line.substr(arrow + 2));
      e >> expect_status >> expect_code;
      line = line.substr(0, arrow);
    }
    json body = json::object();
    const auto brace = line.find('{');
    if (brace != std::string::npos) {
      body = json::parse(line.substr(brace));
      line = line.substr(0, brace);
    }
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    const std::string& verb = w.at(0);
    JsonApi& cs = h_.cases();

    Result<json> r = json();
    if (verb == "order") {
      r = cs.CreateOrder(h_.user("integration"), body);
    } else if (verb == "patch-order") {  // patch-order ORDER [ROLE] {…}: integration unless named
      r = cs.PatchOrder(h_.user(w.size() > 2 ? w.at(2) : "integration"), w.at(1), body);
    } else if (verb == "alias") {  // alias NAME ORDER TYPE: the order's latest case of TYPE (one the engine made)
      r = cs.GetOrder(h_.user("manager"), w.at(2));
      if (r.ok()) {
        std::string found;
        for (const auto& id : (*r)["case_ids"]) {
          auto c = cs.GetCase(h_.user("manager"), id.get<std::string>());
          if (c.ok() && (*c)["type"] == w.at(3)) found = id.get<std::string>();
        }
        if (found.empty()) Fail("order " + w.at(2) + " has no " + w.at(3) + " case");
        aliases_[w.at(1)] = found;
      }
    } else if (verb == "ship") {  // ship ORDER ROLE {…}: POST /orders/{id}/shipments
      r = cs.ShipOrder(h_.user(w.at(2)), w.at(1), body);
    } else if (verb == "submit") {
      r = cs.Submit(h_.user(w.at(2)), body);
      if (r.ok()) aliases_[w.at(1)] = (*r)["id"].get<std::string>();
    } else if (verb == "act") {
      r = cs.Apply(h_.user(w.at(3)), Id(w.at(1)), w.at(2), body);
    } else if (verb == "expect" || verb == "expect-as") {
      const std::string& who = verb == "expect" ? "manager" : w.at(2);
      r = cs.GetCase(h_.user(who), Id(w.at(1)));
      if (r.ok() && expect_status.empty()) Check(*r, body);
    } else if (verb == "expect-order") {
      r = cs.GetOrder(h_.user("manager"), w.at(1));
      if (r.ok() && expect_status.empty()) Check(*r, body);
    } else if (verb == "expect-timeline") {
      r = cs.Timeline(h_.user(w.at(2)), Id(w.at(1)));
      if (r.ok()) {
        const auto want = std::stoul(w.at(3));
        if ((*r)["items"].size() != want) {
          Fail("timeline has " + std::to_string((*r)["items"].size()) + " entries, expected " + std::to_string(want));
        }
      }
    } else if (verb == "late-compensation") {
      r = LateCompensation(w.at(1), w.at(2), std::stoll(w.at(3)));
    } else if (verb == "advance") {
      h_.Advance(ParseDuration(w.at(1)));
      return;
    } else if (verb == "restart") {
      CollectTransitions();
      h_.Restart();
      return;
    } else {
      Fail("unknown step " + verb);
      return;
    }
    if (expect_status.empty()) {
      if (!r.ok()) Fail(std::string("unexpected ") + CodeName(r.status().code()) + ": " + r.status().message());
      return;
    }
    if (r.ok()) {
      Fail("expected " + expect_status + " " + expect_code + " but it succeeded");
    } else if (std::to_string(HttpStatusOf(r.status().code())) != expect_status ||
               (!expect_code.empty() && expect_code != CodeName(r.status().code()))) {
      Fail("expected " + expect_status + " " + expect_code + ", got " + std::to_string(HttpStatusOf(r.status().code())) +
           " " + CodeName(r.status().code()) + ": " + r.status().message());
    }
  }

  // SPEC §10.4's system submit, as the order-shipping supervision makes it,
  // at the clock's time.
  Result<json> LateCompensation(const std::string& alias, const std::string& order_id, Money late_goods_paid) {
    AS_ASSIGN_OR_RETURN(auto txn, h_.store().BeginWrite());
    AS_ASSIGN_OR_RETURN(auto order, txn->GetOrder(order_id));
    if (!order) return Status::NotFound("order " + order_id);
    AS_ASSIGN_OR_RETURN(auto id, SubmitLateCompensation(*txn, *order, *h_.policies().Current(), late_goods_paid,
                                                        h_.clock().Now(), NewCaseId()));
    AS_RETURN_IF_ERROR(txn->Commit());
    if (!id) return Status::NotFound("no late compensation");
    aliases_[alias] = *id;
    return json(*id);
  }

  std::string Id(const std::string& alias) {
    auto it = aliases_.find(alias);
    return it == aliases_.end() ? alias : it->second;
  }

  void Check(const json& actual, const json& expected) {
    std::string err = Contains(actual, expected, "$");
    if (!err.empty()) Fail(err);
  }

  void CollectTransitions() {
    auto txn = h_.store().BeginRead();
    if (!txn.ok()) return;
    std::map<std::string, std::string> types;
    (*txn)->ScanAudit([&](const AuditRow& e) {
      if (e.seq <= scanned_) return true;
      scanned_ = e.seq;
      if (!e.case_id || !e.from_state || !e.to_state) return true;
      if (!types.count(*e.case_id)) {
        auto row = (*txn)->GetCase(*e.case_id);
        if (row.ok() && row->has_value()) types[*e.case_id] = NameOf((*row)->type);
      }
      SeenTransition t;
      t.type = types[*e.case_id];
      t.action = e.action;
      if (e.action == "timeout") t.deadline = json::parse(e.data).value("deadline", "");
      t.from = *e.from_state;
      t.to = *e.to_state;
      t.role = e.actor_role;
      result_.transitions.push_back(t);
      return true;
    });
  }

  std::string path_;
  int line_ = 0;
  EngineHarness h_;
  std::map<std::string, std::string> aliases_;
  std::int64_t scanned_ = 0;
  ScenarioResult result_;
};

}  // namespace

ScenarioResult RunScenario(const std::string& path) { return Runner(path).Run(); }

}  // namespace aftersales::testing
