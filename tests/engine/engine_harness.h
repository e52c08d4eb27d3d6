// EngineHarness: the engine on a real database of its own, with a manual
// clock and one user of every role, for engine tests: a SQLite file in a
// fresh directory, or, when AFTERSALES_TEST_POSTGRES is set (the CTest runs
// "postgres:..."), an empty PostgreSQL database of its own
// (support/test_database.h).
// Restart() closes and reopens everything on the same file or database, as
// a process restart would.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "api/json_api.h"
#include "engine/policy_registry.h"
#include "support/temp_dir.h"
#include "support/test_database.h"
#include "workflows/policy.h"

namespace aftersales::testing {

// 2026-11-01T00:00:00Z: scenario times are written against it.
constexpr TimePoint kHarnessStart = 1793491200;

class EngineHarness {
 public:
  EngineHarness() : database_(dir_.File("engine.db")), clock_(kHarnessStart) { Open(true); }

  JsonApi& cases() { return *cases_; }
  CaseEngine& engine() { return *engine_; }
  Store& store() { return *store_; }
  ManualClock& clock() { return clock_; }
  PolicyRegistry& policies() { return *policies_; }
  // The database: raw SQL on it, a dump of every row (both backends).
  const TestDatabase& database() const { return database_; }
  // The SQLite file; fails the test on PostgreSQL (tag it [sqlite]).
  std::string db_path() const { return database_.sqlite_path(); }

  // Users by name: buyer (buyer_id b1), buyer2 (b2), integration, agent,
  // supervisor, manager, warehouse, finance, admin.
  const Actor& user(const std::string& name) const { return users_.at(name); }

  void Restart() {
    cases_.reset();
    engine_.reset();
    policies_.reset();
    store_.reset();
    Open(false);
  }

  // Moves the clock and fires everything due, as the scheduler would.
  std::vector<FiredDeadline> Advance(std::int64_t seconds) {
    clock_.Advance(seconds);
    auto fired = engine_->sweeper().FireDue(1'000'000);
    if (!fired.ok()) throw std::runtime_error("firing deadlines failed: " + fired.status().message());
    return *fired;
  }

  // Adds a user (a row in the users table) and returns it; user(name) finds it later.
  const Actor& AddUser(const std::string& name, Role role, std::optional<Money> limit = std::nullopt,
                       const std::string& external_id = "") {
    Actor a;
    a.id = "u_" + name;
    a.role = role;
    a.limit = limit;
    a.external_id = external_id;
    UserRow row;
    row.id = a.id;
    row.name = name;
    row.role = role;
    row.approval_limit = limit;
    if (!external_id.empty()) row.external_id = external_id;
    row.created_at = clock_.Now();
    auto txn = store_->BeginWrite();
    if (!txn.ok() || !(*txn)->InsertUser(row).ok() || !(*txn)->Commit().ok()) {
      throw std::runtime_error("cannot add user " + name);
    }
    return users_[name] = a;
  }

 private:
  void Open(bool fresh) {
    store_ = database_.OpenStore();
    policies_ = std::make_unique<PolicyRegistry>(*store_);
    Status s = policies_->Initialize(DefaultPolicy(), clock_.Now());
    if (!s.ok()) throw std::runtime_error(s.message());
    engine_ = std::make_unique<CaseEngine>(*store_, clock_, *policies_);
    cases_ = std::make_unique<JsonApi>(*engine_);
    if (fresh) AddUsers();
  }

  void AddUsers() {
    AddUser("buyer", Role::kBuyer, std::nullopt, "b1");
    AddUser("buyer2", Role::kBuyer, std::nullopt, "b2");
    AddUser("integration", Role::kIntegration);
    AddUser("agent", Role::kAgent, 20000);
    AddUser("supervisor", Role::kSupervisor, 200000);
    AddUser("manager", Role::kManager);
    AddUser("warehouse", Role::kWarehouse);
    AddUser("finance", Role::kFinance);
    AddUser("admin", Role::kAdmin);
  }

  TempDir dir_;
  TestDatabase database_;  // outlives the store (PostgreSQL: the database is given back)
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PolicyRegistry> policies_;
  std::unique_ptr<CaseEngine> engine_;
  std::unique_ptr<JsonApi> cases_;
  std::map<std::string, Actor> users_;
};

}  // namespace aftersales::testing
