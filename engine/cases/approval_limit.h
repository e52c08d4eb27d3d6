// Approval limits (SPEC §2, §4): who may fix how much. Pure functions;
// thread-safe.
#pragma once

#include <vector>

#include "domain/actor.h"
#include "domain/model.h"
#include "workflows/policy.h"

namespace aftersales {

// Whether `amount` is within `actor`'s approval limit on `kase` under the
// case's `policy`. Agents and supervisors without a limit of their own use
// the policy's default; managers and the system have none; other roles fix
// no amounts. On a case flagged by the abuse signals (kase.risk), with
// policy.risk.require_supervisor, an agent's limit is 0 and no amount, not
// even 0, is within it: the decision needs a supervisor or a manager. This
// is the one place that decides "within the limit".
bool WithinApprovalLimit(const Actor& actor, const Case& kase, Money amount, const Policy& policy);

// The caller's allowed_actions (SPEC §3): the table's actions for the
// state and role, less an approve or an offer that could only answer
// approval_limit_exceeded (an offer: when not even the smallest offer, 1,
// is within the caller's limit), and less a demand_remedy that is not open
// at `now` (§12: it could only answer remedy_not_available).
std::vector<Action> AllowedActionsFor(const Case& kase, const Actor& actor, const Policy& policy, TimePoint now);

}  // namespace aftersales
