// The deadlines of SPEC §5: which state starts which deadline, when a state
// change cancels them, and which kinds count as breaches. Pure functions
// over the case value; time arrives as an argument.
#pragma once

#include "domain/command.h"
#include "domain/model.h"
#include "workflows/policy.h"

namespace aftersales {

// Whether an expired deadline of `kind` is an SLA breach (SPEC §5 table).
bool IsBreachKind(DeadlineKind kind);

// Starts the deadlines of a new case's first state (requested).
void StartInitialDeadlines(Case& kase, const Policy& policy, TimePoint now);

// Updates `kase.deadlines` after the case went from `from` to `kase.state`
// through `cmd` at time `now`: leaving a state cancels its deadlines (except
// merchant_response, which runs on from requested into pending_approval);
// entering a state starts its own; refund_failed restarts refund_issue; a
// delivered return shortens merchant_receipt. New deadlines have id 0.
void UpdateDeadlines(Case& kase, State from, const Command& cmd, const Policy& policy, TimePoint now);

}  // namespace aftersales
