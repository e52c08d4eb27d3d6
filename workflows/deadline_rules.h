// The deadlines of SPEC §5: which state starts which deadline, when a state
// change cancels them, and which kinds count as breaches. Pure functions
// over the case value; time arrives as an argument.
#pragma once

#include "domain/model.h"
#include "workflows/policy.h"
#include "workflows/transition_context.h"

namespace aftersales {

// Whether an expired deadline of `kind` is an SLA breach (SPEC §5 table).
bool IsBreachKind(DeadlineKind kind);

// Starts the deadlines of a new case's first state (requested).
void StartInitialDeadlines(Case& kase, const Policy& policy, TimePoint now);

// Updates `kase.deadlines` after the case went from `from` to `kase.state`
// at time `now`, with what the fired rows said (`change`): leaving a state
// cancels its deadlines except the one a row keeps (merchant_response from
// requested into pending_approval); entering a state starts its own; a row
// may restart a deadline in the same state (refund_failed: refund_issue);
// a delivered return shortens merchant_receipt. New deadlines have id 0.
void UpdateDeadlines(Case& kase, State from, const DeadlineChange& change, const Policy& policy, TimePoint now);

}  // namespace aftersales
