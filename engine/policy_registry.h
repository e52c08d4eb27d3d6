// PolicyRegistry: the policy versions of SPEC §5. The current version is
// used for new cases; each case keeps the version it was submitted under.
// Versions are stored (table `policies`) and cached here once parsed. On a
// shared store (several servers, Store::Shared) Current() asks the store
// for the latest version number each time, so that a version stored through
// any server is current on all once committed.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "engine/engine_types.h"
#include "engine/store/store.h"
#include "workflows/policy.h"

namespace aftersales {

class PolicyRegistry {
 public:
  explicit PolicyRegistry(Store& store);

  // At start-up: stores `initial` as version 1 when no policy is stored.
  // With `prefer_initial` (an explicit --policy file) it also becomes a new
  // version when it differs from the latest; otherwise the latest stored
  // version (perhaps set by an admin) stays current. Errors: unavailable,
  // internal (a stored version no longer parses).
  Status Initialize(const Policy& initial, TimePoint now, bool prefer_initial = false);
  // The latest version. Initialize must have succeeded.
  std::shared_ptr<const Policy> Current();
  // A stored version, loading and caching it. not_found when absent.
  Result<std::shared_ptr<const Policy>> Version(int version);
  // The version an order was created under (its ship_by, late compensation
  // and compensation cap); the current one for an order stored before
  // orders kept theirs (policy_version 0).
  Result<std::shared_ptr<const Policy>> ForOrder(const Order& order);
  // PUT /policy (admin): validates, stores a new version with its audit
  // entry, returns {"version", "policy"}. A document naming a preset is
  // stored and returned merged over it (SPEC §13.1); one without, as given.
  // Errors: forbidden, validation_failed (an unknown preset names "preset").
  Result<nlohmann::json> Replace(const Actor& actor, const nlohmann::json& doc, TimePoint now,
                                 const TxnHook& hook = {});

 private:
  Store& store_;
  std::mutex mu_;
  // Policies are immutable once parsed and read by many request threads at
  // once; shared_ptr lets a reader keep its version while a PUT adds another.
  std::map<int, std::shared_ptr<const Policy>> cache_;
  int current_ = 0;
};

}  // namespace aftersales
