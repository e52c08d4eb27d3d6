// EngineDriver: the engine as a CaseDriver (support/role_matrix.h), on an
// EngineHarness, every call going through support/case_calls.h. For the
// tests of roles and limits. Single-threaded.
#pragma once

#include <optional>
#include <string>

#include "domain/clock.h"
#include "engine/engine_harness.h"
#include "support/case_calls.h"
#include "support/role_matrix.h"

namespace aftersales::testing {

class EngineDriver : public CaseDriver {
 public:
  EngineHarness& harness() { return h_; }

  void AddUser(const std::string& name, const std::string& role, const std::string& buyer_id,
               std::optional<std::int64_t> limit) override {
    const auto parsed = ParseRole(role);
    if (!parsed) throw std::runtime_error("no role " + role);
    h_.AddUser(name, *parsed, limit, buyer_id);
  }
  std::string UserId(const std::string& user) override { return h_.user(user).id; }
  std::string Now() override { return FormatTime(h_.clock().Now()); }
  Answer CreateOrder(const nlohmann::json& body) override {
    return EngineCreateOrder(h_.cases(), h_.user("integration"), body);
  }
  Answer Submit(const std::string& user, const nlohmann::json& body) override {
    return EngineSubmit(h_.cases(), h_.user(user), body);
  }
  Answer Act(const std::string& user, const std::string& case_id, const std::string& action,
             const nlohmann::json& body) override {
    return EngineAct(h_.cases(), h_.user(user), case_id, action, body);
  }
  Answer View(const std::string& user, const std::string& case_id) override {
    return EngineView(h_.cases(), h_.user(user), case_id);
  }
  std::string Fingerprint(const std::string& case_id) override {
    return EngineFingerprint(h_.store(), case_id);
  }

 private:
  EngineHarness h_;
};

}  // namespace aftersales::testing
