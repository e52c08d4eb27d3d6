#include "engine/cases/approval_limit.h"

#include <algorithm>

#include "workflows/repair_rules.h"
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
    case Role::kManager:  // without limit (SPEC §2)
    case Role::kSystem:
    case Role::kBuyer:  // the other roles fix no amounts: their rows have no limit rule
    case Role::kIntegration:
    case Role::kWarehouse:
    case Role::kFinance:
    case Role::kAdmin: return true;
  }
  return true;
}

std::vector<Action> AllowedActionsFor(const Case& kase, const Actor& actor, const Policy& policy, TimePoint now) {
  const Workflow& wf = Workflow::For(kase.type);
  std::vector<Action> allowed = wf.AllowedActions(kase, actor.role);
  auto drop_if_over = [&](Action action, Money amount) {
    if (!WithinApprovalLimit(actor, kase, amount, policy) && wf.RequiresWithinLimit(kase, action, actor.role)) {
      allowed.erase(std::remove(allowed.begin(), allowed.end(), action), allowed.end());
    }
  };
  drop_if_over(Action::kApprove, wf.LimitAmount(kase, act::Approve{}));
  drop_if_over(Action::kOffer, kMinOffer);
  if (!RemedyAvailable(kase, policy, now)) {
    allowed.erase(std::remove(allowed.begin(), allowed.end(), Action::kDemandRemedy), allowed.end());
  }
  return allowed;
}

}  // namespace aftersales
