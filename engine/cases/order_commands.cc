#include "engine/cases/order_commands.h"

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/cases/order_fulfilment.h"
#include "engine/cases/order_import.h"

namespace aftersales {
namespace {

using nlohmann::json;

bool CreatesOrders(const Actor& actor) { return actor.role == Role::kIntegration || actor.role == Role::kAdmin; }
bool ReportsDelivery(const Actor& actor) { return CreatesOrders(actor); }
bool MovesShipBy(const Actor& actor) { return actor.role == Role::kManager || actor.role == Role::kIntegration; }
bool Ships(const Actor& actor) {
  return actor.role == Role::kWarehouse || actor.role == Role::kIntegration || actor.role == Role::kManager;
}

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

}  // namespace

OrderCommands::OrderCommands(Store& store, const Clock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

Result<OrderView> OrderCommands::Create(const Actor& actor, const CreateOrder& command, const CommitHook& hook) {
  if (!CreatesOrders(actor)) return Status(Code::kForbidden, "only integrations and admins create orders");
  if (!command.order.ok()) return command.order.status();
  const TimePoint now = clock_.Now();
  auto policy = policies_.Current();
  if (!policy) return Status::Unavailable("no policy loaded");
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(ShipWork work, ShipWork::Create(*txn, *command.order, actor, *policy, now));
  json data = OrderAuditData(work.order());
  data["paid_at"] = FormatTime(work.order().paid_at);
  data["ship_by"] = TimeOrNull(work.order().ship_by);
  data["shipment_status"] = NameOf(work.order().shipment_status);
  AS_RETURN_IF_ERROR(AuditLog::Append(*txn, AuditRecordOf(actor, now, "order_created", std::move(data))).status());
  // A ship_by already past fires at once (SPEC §10.1).
  AS_RETURN_IF_ERROR(work.FireDue(*policy, now).status());
  AS_ASSIGN_OR_RETURN(OrderView view, work.View(*policy));
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

Result<OrderView> OrderCommands::Patch(const Actor& actor, const PatchOrder& command, const CommitHook& hook) {
  const bool delivery = command.sets_delivered_at;
  const bool ship_by = command.ship_by.has_value();
  if (delivery && !ReportsDelivery(actor)) return Status(Code::kForbidden, "only integrations and admins report delivery");
  if (ship_by && !MovesShipBy(actor)) return Status(Code::kForbidden, "only managers and integrations move ship_by");
  if (!delivery && !ship_by && !ReportsDelivery(actor) && !MovesShipBy(actor)) {
    return Status(Code::kForbidden, "this role does not change orders");
  }
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(auto opened, ShipWork::Open(*txn, command.order_id));
  if (!opened) return Status::NotFound("order " + command.order_id);
  ShipWork& work = *opened;
  Order& order = work.order();
  std::vector<FieldError> errors = command.errors;
  if (errors.empty() && delivery == ship_by) {
    errors.push_back({"body", delivery ? "delivered_at and ship_by are changed one at a time"
                                       : "delivered_at or ship_by is required"});
  }
  if (const auto& delivered = command.delivered_at; errors.empty() && delivered) {
    if (*delivered > now) errors.push_back({"delivered_at", "must not be in the future"});
    if (*delivered < order.placed_at) errors.push_back({"delivered_at", "must not be before placed_at"});
  }
  if (errors.empty() && ship_by && *command.ship_by < order.paid_at) {
    errors.push_back({"ship_by", "must not be before paid_at"});
  }
  AS_RETURN_IF_ERROR(ValidationErrors(errors));
  auto policy = policies_.ForOrder(order);
  if (!policy.ok()) return policy.status();
  // A deadline already due fires first, as if the engine had been running.
  AS_RETURN_IF_ERROR(work.FireDue(**policy, now).status());

  if (ship_by) {
    if (order.shipment_status == ShipmentStatus::kRefunded) {
      return Status(Code::kOrderRefunded, "order " + order.id + " is refunded before shipment");
    }
    if (order.shipment_status != ShipmentStatus::kUnshipped) {
      return Status(Code::kInvalidTransition, "order " + order.id + " has shipped; its ship_by no longer moves");
    }
    AS_RETURN_IF_ERROR(work.MoveShipBy(actor, *command.ship_by, now));
  } else {
    if (command.delivered_at && order.shipment_status == ShipmentStatus::kRefunded) {
      return Status(Code::kOrderRefunded, "order " + order.id + " is refunded before shipment; nothing was delivered");
    }
    // A delivery report first ships what is still to ship, as its caller.
    if (command.delivered_at) AS_RETURN_IF_ERROR(work.ShipRest(actor, now));
    order.delivered_at = command.delivered_at;
    AS_RETURN_IF_ERROR(work.Settle(now));
    const json data = {{"order_id", command.order_id}, {"delivered_at", TimeOrNull(order.delivered_at)}};
    AS_RETURN_IF_ERROR(work.Audit(actor, "order_updated", data, now));
  }
  AS_ASSIGN_OR_RETURN(OrderView view, work.View(**policy));
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

Result<OrderView> OrderCommands::Ship(const Actor& actor, const ShipOrder& command, const CommitHook& hook) {
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(auto opened, ShipWork::Open(*txn, command.order_id));
  if (!opened || !MaySeeBuyer(actor, opened->order().buyer_id)) return Status::NotFound("order " + command.order_id);
  if (!Ships(actor)) return Status(Code::kForbidden, "only the warehouse, integrations and managers ship orders");
  AS_RETURN_IF_ERROR(ValidationErrors(command.errors));
  ShipWork& work = *opened;
  AS_ASSIGN_OR_RETURN(auto policy, policies_.ForOrder(work.order()));
  AS_RETURN_IF_ERROR(work.FireDue(*policy, now).status());
  ShipmentRequest request{command.carrier, command.tracking_no, command.lines, command.shipped_at};
  AS_RETURN_IF_ERROR(work.Ship(actor, request, now).status());
  AS_ASSIGN_OR_RETURN(OrderView view, work.View(*policy));
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

}  // namespace aftersales
