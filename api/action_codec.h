// The JSON edge of commands on cases and orders: request bodies to the typed
// commands of engine/cases/commands.h. Only what the body alone decides is
// checked here (exactly the fields SPEC §4 allows for the action, their
// types and ranges); checks that need the case, its order or the policy are
// the engine's. A body found wrong still becomes a command carrying its
// field errors, so that the engine answers them in SPEC §4.1/§4.2's order.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/case_action.h"
#include "domain/status.h"
#include "engine/cases/commands.h"

namespace aftersales {

// An action's body to a CaseAction. Errors: validation_failed naming every
// bad field.
Result<CaseAction> ParseCaseAction(Action action, const nlohmann::json& body);

// The body that ParseCaseAction reads back as `action`: exactly the fields
// it holds (its inverse, for round-trip checks and tools).
nlohmann::json CaseActionJson(const CaseAction& action);

// POST /cases/{id}/actions/{name} with `body`.
ApplyAction ParseApplyAction(const std::string& case_id, const std::string& action_name, const nlohmann::json& body);

// POST /cases. Errors: validation_failed when the body names no order id
// (SPEC §4.1 checks the order before anything else, so it must be known);
// other field errors travel in the command.
Result<SubmitCase> ParseSubmitCase(const Actor& actor, const nlohmann::json& body);

// POST /orders: the order as of `now` (a delivery in the future is refused).
CreateOrder ParseCreateOrder(const nlohmann::json& body, TimePoint now);

// PATCH /orders/{id} {delivered_at}.
PatchOrder ParsePatchOrder(const std::string& order_id, const nlohmann::json& body);
// POST /orders/{id}/shipments {carrier, tracking_no, lines?, shipped_at?}.
ShipOrder ParseShipOrder(const std::string& order_id, const nlohmann::json& body);

// POST /deadlines/extend {kind, state?, due_before, hours, reason}: names
// and types here; the rules of SPEC §13.3 are the engine's.
ExtendDeadlines ParseExtendDeadlines(const nlohmann::json& body);
// GET /deadlines/extend?kind=&state=&due_before=&hours= (a preview): the
// same fields from the query's texts, without the reason.
ExtendDeadlines ParseExtensionPreview(const std::map<std::string, std::string>& query);

}  // namespace aftersales
