// OrderCommands: orders arriving from the shop (SPEC §6.3). Each change is
// one write transaction together with its audit entry. Thread-safe; reads
// time only from the injected Clock.
#pragma once

#include "domain/clock.h"
#include "engine/cases/commands.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

class OrderCommands {
 public:
  OrderCommands(Store& store, const Clock& clock, PolicyRegistry& policies);

  // POST /orders (integration, admin). Returns the order's view. Errors:
  // forbidden, validation_failed, already_exists, unavailable.
  Result<OrderView> Create(const Actor& actor, const CreateOrder& command, const CommitHook& hook = {});
  // PATCH /orders/{id} {delivered_at}. Errors: forbidden, not_found,
  // validation_failed, unavailable.
  Result<OrderView> Patch(const Actor& actor, const PatchOrder& command, const CommitHook& hook = {});

 private:
  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;  // the current policy's compensation cap, for the order's view
};

}  // namespace aftersales
