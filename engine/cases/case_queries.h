// CaseQueries: reading orders and cases (SPEC §6.3, §6.5, §6.7) as one
// caller may see them. Each read is one snapshot (a ReadTxn); a buyer sees
// only their own orders and cases (others answer not_found). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/actor.h"
#include "domain/clock.h"
#include "engine/cases/case_views.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

// GET /cases filters (SPEC §6.5), typed. Empty or none means "any".
struct CaseListQuery {
  std::vector<State> states;
  std::optional<CaseType> type;
  std::optional<std::string> assignee;  // a user id
  bool assignee_is_caller = false;      // assignee=me
  bool unassigned = false;              // assignee=none
  std::optional<std::string> order_id;
  std::optional<std::string> buyer_id;
  std::optional<bool> breached;
  std::optional<TimePoint> due_before;
  bool flagged_only = false;  // risk=flagged (staff only)
  // actionable=me: only states in which the caller's role takes some action
  // other than comment and assign (read from the transition tables).
  bool actionable_by_caller = false;
  // search: the order id or a tracking number (return or replacement)
  // starts with this text.
  std::optional<std::string> search;
  bool sort_by_due = true;  // else by created_at
  std::optional<CaseCursor> after;
  int limit = 50;
};

// GET /orders filters (SPEC §10.5), typed. Empty or none means "any".
struct OrderListQuery {
  std::vector<ShipmentStatus> statuses;
  std::optional<std::string> buyer_id;
  std::optional<bool> breached;
  std::optional<TimePoint> ship_before;
  bool by_ship_by = true;  // else by placed_at
  std::optional<CaseCursor> after;  // by_due stands for "by ship_by"
  int limit = 50;
};

class CaseQueries {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  CaseQueries(Store& store, const Clock& clock, PolicyRegistry& policies);

  // GET /orders/{id}. Errors: not_found (also another buyer's), unavailable.
  Result<OrderView> GetOrder(const Actor& actor, const std::string& order_id);
  // GET /orders: staff see every order, buyers their own (a buyer's
  // buyer_id filter naming someone else finds nothing).
  Result<OrderPage> ListOrders(const Actor& actor, const OrderListQuery& query);
  // GET /cases/{id}, with the case's refundable_amount. Errors: not_found
  // (also another buyer's), unavailable.
  Result<CaseView> GetCase(const Actor& actor, const std::string& case_id);
  // The states in which `role` takes some action other than comment and
  // assign, in any case type, in State order.
  static std::vector<State> ActionableStates(Role role);
  // GET /cases. A buyer's list holds only their own cases. Errors:
  // forbidden (a buyer filtering by risk), unavailable.
  Result<CasePage> ListCases(const Actor& actor, const CaseListQuery& query);
  // GET /cases/{id}/timeline, oldest first; for buyers without internal
  // entries and texts. Errors: not_found, unavailable.
  Result<Timeline> GetTimeline(const Actor& actor, const std::string& case_id);

 private:
  Store& store_;
  const Clock& clock_;  // allowed_actions may depend on the time (§12 demand_remedy)
  PolicyRegistry& policies_;
};

}  // namespace aftersales
