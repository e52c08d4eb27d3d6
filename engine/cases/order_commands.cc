#include "engine/cases/order_commands.h"

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "engine/cases/case_work.h"
#include "engine/cases/order_import.h"

namespace aftersales {
namespace {

using nlohmann::json;

bool WritesOrders(const Actor& actor) { return actor.role == Role::kIntegration || actor.role == Role::kAdmin; }

}  // namespace

OrderCommands::OrderCommands(Store& store, const Clock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

Result<OrderView> OrderCommands::Create(const Actor& actor, const CreateOrder& command, const CommitHook& hook) {
  if (!WritesOrders(actor)) return Status(Code::kForbidden, "only integrations and admins create orders");
  if (!command.order.ok()) return command.order.status();
  const Order& order = *command.order;
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_RETURN_IF_ERROR(txn->InsertOrder(order));
  AS_RETURN_IF_ERROR(AuditLog::Append(*txn, AuditRecordOf(actor, now, "order_created", OrderAuditData(order))).status());
  auto policy = policies_.Current();
  if (!policy) return Status::Unavailable("no policy loaded");
  OrderView view = MakeOrderView(order, {}, *policy);
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

Result<OrderView> OrderCommands::Patch(const Actor& actor, const PatchOrder& command, const CommitHook& hook) {
  if (!WritesOrders(actor)) return Status(Code::kForbidden, "only integrations and admins change orders");
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(auto order, txn->GetOrder(command.order_id));
  if (!order) return Status::NotFound("order " + command.order_id);
  std::vector<FieldError> errors = command.errors;
  if (const auto& delivered = command.delivered_at; errors.empty() && delivered) {
    if (*delivered > now) errors.push_back({"delivered_at", "must not be in the future"});
    if (*delivered < order->placed_at) errors.push_back({"delivered_at", "must not be before placed_at"});
  }
  AS_RETURN_IF_ERROR(ValidationErrors(errors));
  AS_RETURN_IF_ERROR(txn->UpdateOrderDelivery(command.order_id, command.delivered_at));
  order->delivered_at = command.delivered_at;
  const json data = {{"order_id", command.order_id},
                     {"delivered_at", order->delivered_at ? json(FormatTime(*order->delivered_at)) : json(nullptr)}};
  AS_RETURN_IF_ERROR(AuditLog::Append(*txn, AuditRecordOf(actor, now, "order_updated", data)).status());
  AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(*txn, command.order_id));
  auto policy = policies_.Current();
  if (!policy) return Status::Unavailable("no policy loaded");
  OrderView view = MakeOrderView(*order, cases, *policy);
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

}  // namespace aftersales
