#include "engine/approval_limit.h"

#include <algorithm>

#include "workflows/workflow.h"

namespace aftersales {

bool WithinApprovalLimit(const Actor& actor, Money amount, const Policy& policy) {
  switch (actor.role) {
    case Role::kAgent: return amount <= actor.limit.value_or(policy.agent_limit);
    case Role::kSupervisor: return amount <= actor.limit.value_or(policy.supervisor_limit);
    default: return true;
  }
}

Money ApprovalAmount(const Case& c, const Command& cmd) {
  switch (cmd.action) {
    case Action::kApprove: return c.type == CaseType::kExchange ? c.LinesAmount() : c.requested_amount;
    case Action::kOffer: return cmd.amount.value_or(0);
    default: return 0;
  }
}

std::vector<Action> AllowedActionsFor(const Case& kase, const Actor& actor, const Policy& policy) {
  const Workflow& wf = Workflow::For(kase.type);
  std::vector<Action> allowed = wf.AllowedActions(kase, actor.role);
  Command approve;
  approve.action = Action::kApprove;
  if (!WithinApprovalLimit(actor, ApprovalAmount(kase, approve), policy) &&
      wf.RequiresWithinLimit(kase, Action::kApprove, actor.role)) {
    allowed.erase(std::remove(allowed.begin(), allowed.end(), Action::kApprove), allowed.end());
  }
  return allowed;
}

}  // namespace aftersales
