// Actor: who acts on the engine. Plain value.
#pragma once

#include <optional>
#include <string>

#include "domain/model.h"

namespace aftersales {

// `limit` is the approval limit in minor units (agents and supervisors;
// managers and the system have none). `external_id` is, for buyers, the
// buyer_id they own.
struct Actor {
  std::string id;
  Role role = Role::kBuyer;
  std::optional<Money> limit;
  std::string external_id;

  // The engine itself, acting on deadlines (SPEC §5).
  static Actor System() {
    Actor a;
    a.id = "system";
    a.role = Role::kSystem;
    return a;
  }
};

}  // namespace aftersales
