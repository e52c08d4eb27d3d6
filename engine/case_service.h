// CaseService: orders and cases, the heart of the engine (SPEC §3, §4, §6.3-6.7).
//
// Every mutating method is one Store write transaction: the case, its money,
// its deadlines, its texts, its audit entry and its outbox events are
// written together, or nothing is. Inputs arrive as parsed JSON; the service
// validates them (400 with the field named) in the order SPEC §4.2 gives.
// Outputs are the JSON shapes of SPEC §3/§6, rendered for the caller
// (allowed_actions, texts the caller may see).
//
// Thread-safe: any number of threads may call any method; writes serialize
// on the store's single writer, so racing requests answer as if run one
// after another. Reads time only from the injected Clock.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/command.h"
#include "engine/engine_types.h"
#include "engine/policy_registry.h"
#include "engine/store.h"

namespace aftersales {

struct CaseQuery {
  std::vector<std::string> states;
  std::optional<std::string> type;
  std::optional<std::string> assignee;  // user id, "me" or "none"
  std::optional<std::string> order_id;
  std::optional<std::string> buyer_id;
  std::optional<std::string> breached;    // "true" | "false"
  std::optional<std::string> due_before;  // RFC 3339
  std::optional<std::string> risk;        // "flagged" (staff only)
  std::optional<std::string> sort;        // due_at | created_at
  std::optional<std::string> limit;
  std::optional<std::string> cursor;
};

// A deadline that a sweep fired.
struct FiredDeadline {
  std::string case_id;
  std::string kind;
};

class CaseService {
 public:
  CaseService(Store& store, const Clock& clock, PolicyRegistry& policies);

  // POST /orders (integration, admin). Returns the order view (GetOrder's
  // shape). Errors: forbidden, validation_failed, already_exists, unavailable.
  Result<nlohmann::json> CreateOrder(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  // PATCH /orders/{id} {delivered_at}. Errors: forbidden, not_found,
  // validation_failed, unavailable.
  Result<nlohmann::json> PatchOrder(const Actor& actor, const std::string& order_id, const nlohmann::json& body,
                                    const TxnHook& hook = {});
  // GET /orders/{id}: the order, each line's returnable_qty, the order's
  // refundable_amount and case_ids. not_found also for another buyer's order.
  Result<nlohmann::json> GetOrder(const Actor& actor, const std::string& order_id);

  // POST /cases: SPEC §4 submit with the §4.1 checks in order. Returns the case.
  Result<nlohmann::json> Submit(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  // POST /cases/{id}/actions/{action}. Error order of SPEC §4.2. Returns the case.
  Result<nlohmann::json> Apply(const Actor& actor, const std::string& case_id, const std::string& action,
                               const nlohmann::json& body, const TxnHook& hook = {});
  // GET /cases/{id}. not_found for a case the caller may not see.
  Result<nlohmann::json> GetCase(const Actor& actor, const std::string& case_id);
  // GET /cases?…: {"items": [...], "next_cursor": string|null}. Errors:
  // validation_failed (a bad parameter or cursor), forbidden (a buyer
  // filtering by risk), unavailable.
  Result<nlohmann::json> ListCases(const Actor& actor, const CaseQuery& query);
  // GET /cases/{id}/timeline: {"items": [...]}, oldest first, filtered for buyers.
  Result<nlohmann::json> Timeline(const Actor& actor, const std::string& case_id);

  // Fires every open deadline due at or before Now(), in due_at order,
  // including those that earlier firings start, at most `max` per call.
  // Each firing is its own transaction through the same path as Apply.
  Result<std::vector<FiredDeadline>> FireDueDeadlines(int max = 1000);

  const Clock& clock() const { return clock_; }

 private:
  // What one firing did.
  struct Firing {
    bool fired = false;
    std::string kind;
    std::optional<TimePoint> earliest_new_due;
  };
  // Fires one due deadline in its own transaction (breach, then effect).
  Result<Firing> FireDeadline(const DeadlineRow& row, TimePoint now);
  // Fires the due deadlines of one case, in due_at order (Apply calls it
  // only when the case it loaded has one).
  Status FireDueDeadlinesOf(const std::string& case_id);

  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
};

}  // namespace aftersales
