// GET /cases query parameters (SPEC §6.5) to the engine's CaseListQuery:
// every value checked, a bad one answered 400 naming its parameter.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"
#include "engine/cases/case_queries.h"

namespace aftersales {

// The parameters as given (the HTTP layer has refused unknown ones and
// repeats of single ones; `states` holds every state value, split at commas).
struct CaseListParams {
  std::vector<std::string> states;
  std::optional<std::string> type;
  std::optional<std::string> assignee;  // user id, "me" or "none"
  std::optional<std::string> order_id;
  std::optional<std::string> buyer_id;
  std::optional<std::string> breached;    // "true" | "false"
  std::optional<std::string> due_before;  // RFC 3339
  std::optional<std::string> risk;        // "flagged"
  std::optional<std::string> actionable;  // "me"
  std::optional<std::string> search;      // prefix of an order or tracking number
  std::optional<std::string> sort;        // due_at | created_at
  std::optional<std::string> limit;
  std::optional<std::string> cursor;
};

// Errors: validation_failed naming each bad parameter.
Result<CaseListQuery> ParseCaseListQuery(const CaseListParams& params);

// GET /orders query parameters (SPEC §10.5), as given (`shipment` holds
// every value, split at commas).
struct OrderListParams {
  std::vector<std::string> shipment;
  std::optional<std::string> buyer_id;
  std::optional<std::string> breached;     // "true" | "false"
  std::optional<std::string> ship_before;  // RFC 3339
  std::optional<std::string> sort;         // ship_by | placed_at
  std::optional<std::string> limit;
  std::optional<std::string> cursor;
};

// Errors: validation_failed naming each bad parameter.
Result<OrderListQuery> ParseOrderListQuery(const OrderListParams& params);

}  // namespace aftersales
