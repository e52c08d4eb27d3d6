// TransitionContext: everything a workflow's guards and actions may read or
// write while one action runs, besides the event itself (the typed action of
// domain/case_action.h, or a deadline's expiry). Guards read; actions write
// only `kase`, `amount_fixed` and `effects` (plain data: no I/O, no clock).
// The engine fills the context, fires the machine, then persists what the
// actions did.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/model.h"
#include "workflows/policy.h"
#include "workflows/type_facts.h"

namespace aftersales {

// The erasable-text references the engine made for the action's free text.
struct ActionTexts {
  std::optional<TextRef> note;
  std::optional<TextRef> description;
  std::vector<TextRef> evidence;
  std::optional<TextRef> error;
  std::optional<TextRef> voucher_code;  // issue_compensation (buyer-visible)
  std::optional<TextRef> reason;        // waive (internal)
};

// What the fired rows said about deadlines besides the change of state
// (their facts, workflows/machine_parts.h RowFacts).
struct DeadlineChange {
  std::optional<DeadlineKind> keeps;     // runs on, unchanged, into the new state
  std::optional<DeadlineKind> restarts;  // started again in the same state
  std::optional<TimePoint> return_delivered_at;  // a delivery report: merchant_receipt may shorten
};

struct TransitionContext {
  TransitionContext(Case& kase_in, const Actor& actor_in, const Policy& policy_in, TimePoint now_in)
      : kase(kase_in), actor(actor_in), policy(policy_in), now(now_in) {}

  Case& kase;
  const Actor& actor;
  const Policy& policy;
  TimePoint now = 0;         // the action's time; a deadline's due_at when the engine fires one
  bool within_limit = true;  // the amount this action is checked against is within the actor's approval limit
  Money cap = 0;             // the most this case may be agreed or refunded now (SPEC §3)
  ActionTexts texts;
  // The amount the fired row fixed or asked for, before any reduction to the
  // cap (agreed, offered, requested): the engine refuses a person's action
  // when it exceeds the cap (422).
  std::optional<Money> amount_fixed;
  nlohmann::json effects = nlohmann::json::object();  // what the actions did, for the audit entry
  DeadlineChange deadlines;
  const TypeFacts* facts = nullptr;  // the case type's; set by Workflow::Fire
  // §12: the attempt a repair case entering `repairing` now would be (the
  // engine counts the order's repair cases; 1 for other types).
  std::int64_t repair_attempt = 1;
};

}  // namespace aftersales
