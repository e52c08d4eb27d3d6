// Workflow: one case type's transition table (refund_only.h,
// return_refund.h, exchange.h), as the engine sees it.
//
// The rows are read from the MSM tables themselves, so allowed_actions and
// the error checks of SPEC §4.2 come from the same table that runs the
// machine; there is no second hand-written list. Fire() restores the machine
// from the case's persisted state name, processes one event and writes the
// new state name back. Immutable after construction; thread-safe (each
// Fire() builds its own machine: MSM machines are not shared).
#pragma once

#include <optional>
#include <vector>

#include "domain/status.h"
#include "workflows/transition_context.h"

namespace aftersales {

enum class LimitRule { kAny, kWithin, kOver };

// One row of a table, as data.
struct TransitionRow {
  bool any_non_terminal = false;   // comment, assign: valid in every non-terminal state
  State from = State::kRequested;  // when !any_non_terminal
  Action action = Action::kComment;
  std::optional<DeadlineKind> deadline;  // the expiring deadline of a `timeout` row
  RoleSet who = 0;
  LimitRule limit = LimitRule::kAny;
  bool (*gate)(const Case&) = nullptr;  // availability condition (e.g. modifications left)
  bool internal = false;                // stays in the same state
  bool settles = false;                 // goes through "after approval" (see settle_rows)
  State to = State::kRequested;         // when !internal && !settles
};

// An anonymous row out of the "after approval" junction.
struct SettleRow {
  const char* condition;  // money_due, return_due, replacement_due
  State to;
};

class Workflow {
 public:
  static const Workflow& For(CaseType type);

  virtual ~Workflow() = default;
  virtual CaseType type() const = 0;
  // Every row but the junction's, in table order (internal rows last).
  virtual const std::vector<TransitionRow>& rows() const = 0;
  virtual const std::vector<SettleRow>& settle_rows() const = 0;

  // The actions `role` may take on `kase` now (SPEC §3 allowed_actions), in
  // vocabulary order. Never includes submit or timeout.
  std::vector<Action> AllowedActions(const Case& kase, Role role) const;
  // Some row leaves the case's state on `action` (for any role).
  bool StateAllows(const Case& kase, Action action) const;
  // Some row leaves the case's state on `action` for `role`.
  bool StateAllowsRole(const Case& kase, Action action, Role role) const;
  // Whether `role` over its approval limit has no row for `action` here
  // (then the answer is 403 approval_limit_exceeded).
  bool RequiresWithinLimit(const Case& kase, Action action, Role role) const;

  // Processes `ctx.cmd` (its action; for timeout its deadline) from
  // `ctx.kase.state`. On success the case holds the new state and whatever
  // the row's actions wrote. Errors: kInvalidTransition when no row fires
  // (the case is then unchanged).
  virtual Status Fire(TransitionContext& ctx) const = 0;
};

// Whether `role` takes `action` in any state of any case type (SPEC §4.2's
// first 403 `forbidden`).
bool RoleEverTakes(Role role, Action action);

}  // namespace aftersales
