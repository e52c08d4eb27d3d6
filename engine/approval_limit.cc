#include "engine/approval_limit.h"

#include <algorithm>

#include "workflows/workflow.h"

namespace aftersales {
namespace {

constexpr Money kMinOffer = 1;  // an offer's amount is at least 1 (SPEC §4: 0 < amount)

}  // namespace

bool WithinApprovalLimit(const Actor& actor, const Case& kase, Money amount, const Policy& policy) {
  // docs/reports.md "Abuse signals": a flagged case goes to a supervisor.
  if (actor.role == Role::kAgent && kase.RiskFlagged() && policy.risk.require_supervisor) return false;
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
  auto drop_if_over = [&](Action action, Money amount) {
    if (!WithinApprovalLimit(actor, kase, amount, policy) && wf.RequiresWithinLimit(kase, action, actor.role)) {
      allowed.erase(std::remove(allowed.begin(), allowed.end(), action), allowed.end());
    }
  };
  Command approve;
  approve.action = Action::kApprove;
  drop_if_over(Action::kApprove, ApprovalAmount(kase, approve));
  drop_if_over(Action::kOffer, kMinOffer);
  return allowed;
}

}  // namespace aftersales
