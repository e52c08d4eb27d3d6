// The commands of orders and cases (SPEC §4, §6.3-§6.6), typed. The edge
// (api/) builds them from request bodies; tests and tools may build them
// directly. A body the edge found malformed still becomes a command, which
// carries the field errors: SPEC §4.1/§4.2 answer some checks (the order
// exists, the role acts, the version, the state) before the body's, so the
// engine answers them at their turn. Plain values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/case_action.h"
#include "domain/model.h"
#include "domain/status.h"
#include "engine/cases/case_views.h"
#include "engine/store/store.h"

namespace aftersales {

// POST /orders. `order` is the parsed order, or why the body is not one.
struct CreateOrder {
  Result<Order> order = Status(Code::kValidationFailed, "no order");
};

// PATCH /orders/{id}: {delivered_at} (a time, or null to clear it) or
// {ship_by} (SPEC §10.4), never both.
struct PatchOrder {
  std::string order_id;
  bool sets_delivered_at = false;
  std::optional<TimePoint> delivered_at;
  std::optional<TimePoint> ship_by;
  std::vector<FieldError> errors;  // what the edge found wrong in the body
};

// POST /orders/{id}/shipments (SPEC §10.2).
struct ShipOrder {
  std::string order_id;
  std::string carrier;
  std::string tracking_no;
  std::optional<std::vector<ShippedLine>> lines;  // none: every unit still to ship
  std::optional<TimePoint> shipped_at;            // an integration's carrier pickup
  std::vector<FieldError> errors;                 // what the edge found wrong in the body
};

// POST /cases (SPEC §4 submit). The fields as typed by the edge; absent
// ones are nullopt or empty.
struct SubmitCase {
  struct Line {
    std::string line_id;
    std::int64_t qty = 0;
    std::optional<std::string> replacement_sku;
  };
  std::string order_id;
  std::optional<CaseType> type;
  std::optional<std::string> reason;
  std::optional<std::string> description;
  std::vector<std::string> evidence;
  std::vector<Line> lines;
  std::optional<Money> requested_amount;
  std::optional<CompensationForm> compensation_form;  // compensation {form} (SPEC §11.1)
  std::optional<std::string> buyer_id;  // staff and integrations only
  std::vector<FieldError> errors;       // what the edge found wrong in the body
};

// POST /cases/{id}/actions/{action}.
struct ApplyAction {
  std::string case_id;
  std::string action_name;                       // as the caller named it
  std::optional<Action> action;                  // none: a name no action has
  std::optional<std::int64_t> expected_version;  // read before the body is checked
  Result<CaseAction> parsed = Status(Code::kValidationFailed, "no action");
};

// POST /deadlines/extend (SPEC §13.3, manager): moves each open deadline of
// `kind` due before `due_before` (of a case in `state`, when given) once, by
// `hours` (working hours for a kind counted in business hours).
struct ExtendDeadlines {
  std::optional<DeadlineKind> kind;
  std::optional<State> state;
  std::optional<TimePoint> due_before;
  std::int64_t hours = 0;
  std::string reason;
  std::vector<FieldError> errors;  // what the edge found wrong in the body
};

using Command = std::variant<CreateOrder, PatchOrder, ShipOrder, SubmitCase, ApplyAction, ExtendDeadlines>;

// Runs inside a command's write transaction, after the change and before
// the commit, with what the command is about to answer. The HTTP layer uses
// it to store an idempotency record in the same transaction as the change
// it guards. An error from the hook rolls everything back.
using CommitHook = std::function<Status(WriteTxn&, const CommandResult&)>;

}  // namespace aftersales
