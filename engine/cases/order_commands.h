// OrderCommands: orders arriving from the shop (SPEC §6.3) and their
// shipping (SPEC §10). Each change is one write transaction together with
// its audit entries, events and deadlines. Thread-safe; reads time only
// from the injected Clock.
#pragma once

#include "domain/clock.h"
#include "engine/cases/commands.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

class OrderCommands {
 public:
  OrderCommands(Store& store, const Clock& clock, PolicyRegistry& policies);

  // POST /orders (integration, admin). Returns the order's view; an order
  // whose ship_by has passed is breached at creation. Errors: forbidden,
  // validation_failed, already_exists, unavailable.
  Result<OrderView> Create(const Actor& actor, const CreateOrder& command, const CommitHook& hook = {});
  // PATCH /orders/{id}: {delivered_at} (integration, admin), which first
  // ships every unit still to ship; {ship_by} (manager, integration) on an
  // unshipped order. Errors: forbidden, not_found, validation_failed,
  // invalid_transition (ship_by on an order no longer unshipped),
  // order_refunded, unavailable.
  Result<OrderView> Patch(const Actor& actor, const PatchOrder& command, const CommitHook& hook = {});
  // POST /orders/{id}/shipments (warehouse, integration, manager). Errors:
  // forbidden, not_found, validation_failed, quantity_exceeds_unshipped,
  // order_refunded, unavailable.
  Result<OrderView> Ship(const Actor& actor, const ShipOrder& command, const CommitHook& hook = {});

 private:
  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;  // the current policy's compensation cap, for the order's view
};

}  // namespace aftersales
