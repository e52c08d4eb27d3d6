// DemoSeeder: fills an empty database with a realistic shop (SPEC §8 `demo`):
// users of every role with passwords and tokens, orders (regular customers
// have earlier ones), and cases of every type in every state, each walked
// through the engine's own actions and deadlines over the last three weeks
// so that timelines, breaches and automatic steps are real; one serial
// refunder's later cases carry the abuse signals' flag. Deterministic apart from random ids and tokens.
// Not thread-safe (one seeding at a time).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

struct DemoLogin {
  std::string name;
  std::string role;
  std::string password;  // empty for the integration (token only)
  std::string token;
  std::string external_id;
};

struct DemoSummary {
  std::vector<DemoLogin> logins;
  int orders = 0;
  std::map<std::string, int> cases_by_state;  // "type state" → count
  int audit_entries = 0;
};

class DemoSeeder {
 public:
  // `clock` is moved forward while seeding; it must stand `span` before the
  // wall time at which the demo should end (RunDemo does this).
  DemoSeeder(Store& store, ManualClock& clock, PolicyRegistry& policies);

  static constexpr std::int64_t kSpan = 18 * kDay;

  // Seeds everything; `progress(done, total)` is called as it goes.
  // Errors: already_exists (the database is not empty), or the first engine
  // error, with the step that caused it in the message.
  Result<DemoSummary> Seed(const std::function<void(int, int)>& progress = {});

 private:
  Store& store_;
  ManualClock& clock_;
  PolicyRegistry& policies_;
};

}  // namespace aftersales
