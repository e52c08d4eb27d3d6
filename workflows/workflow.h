// Workflow: one case type's transition table (refund_only.h,
// return_refund.h, exchange.h), as the engine sees it.
//
// The rows are read from the MSM tables themselves, so allowed_actions, the
// error checks of SPEC §4.2 and the facts the engine needs about a row (who,
// the approval-limit rule, whether its note is the buyer's to read, which
// deadline it keeps or restarts) come from the same table that runs the
// machine; there is no second hand-written list. Fire() restores the machine
// from the case's persisted state name, checks that the restore took,
// processes one event and writes the new state name back. Immutable after
// construction; thread-safe (each Fire() builds its own machine: MSM
// machines are not shared).
#pragma once

#include <optional>
#include <vector>

#include "domain/case_action.h"
#include "domain/status.h"
#include "workflows/transition_context.h"
#include "workflows/type_facts.h"

namespace aftersales {

// The approval-limit rule of a row: any amount, within the caller's limit,
// or above it (SPEC §2; the system has no limit).
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
  // Facts of the row's action (workflows/machine_parts.h, RowFacts).
  bool note_to_buyer = false;
  std::optional<DeadlineKind> keeps;     // runs on, unchanged, into the next state
  std::optional<DeadlineKind> restarts;  // started again although the state stays
  bool shortens_receipt = false;         // a delivery report shortens merchant_receipt
};

// An anonymous row out of the "after approval" junction.
struct SettleRow {
  const char* condition;  // money_due, return_due, replacement_due
  State to;
};

class Workflow {
 public:
  // The workflow of `type`. Every type has one (workflows/case_types.cc).
  static const Workflow& For(CaseType type);
  // Every type's workflow, in CaseType order.
  static const std::vector<const Workflow*>& All();

  virtual ~Workflow() = default;
  virtual const TypeFacts& facts() const = 0;
  CaseType type() const { return facts().type; }
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
  // Whether a note sent with `action` in the case's state is addressed to
  // the buyer (a row for it says so).
  bool NoteToBuyer(const Case& kase, Action action) const;
  // The amount `action`'s approval limit is checked against (approve: by
  // the type's LimitBasis; offer: its amount; others: 0).
  Money LimitAmount(const Case& kase, const ActionBody& action) const;

  // Processes `action` from `ctx.kase.state`. On success the case holds the
  // new state and whatever the row's actions wrote. Errors:
  // kInvalidTransition when no row fires (the case is then unchanged);
  // kInternal when the machine cannot be restored to the case's state.
  virtual Status Fire(TransitionContext& ctx, const ActionBody& action) const = 0;
  // The same for the expiry of a deadline of `kind` (the engine's timeout).
  virtual Status FireExpiry(TransitionContext& ctx, DeadlineKind kind) const = 0;
};

// Whether `role` takes `action` in any state of any case type (SPEC §4.2's
// first 403 `forbidden`).
bool RoleEverTakes(Role role, Action action);

}  // namespace aftersales
