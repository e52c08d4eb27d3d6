#include "workflows/deadline_rules.h"

#include <algorithm>
#include <optional>

namespace aftersales {
namespace {

// The deadline a state starts on entry, if any (SPEC §5 "starts when").
std::optional<DeadlineKind> StartedBy(State s) {
  switch (s) {
    case State::kRequested:
    case State::kInspectionFailed: return DeadlineKind::kMerchantResponse;
    case State::kNegotiating: return DeadlineKind::kBuyerResponse;
    case State::kRejected: return DeadlineKind::kAppealWindow;
    case State::kAwaitingReturn: return DeadlineKind::kBuyerShip;
    case State::kReturnInTransit: return DeadlineKind::kMerchantReceipt;
    case State::kRefunding: return DeadlineKind::kRefundIssue;
    case State::kEscalated: return DeadlineKind::kArbitration;
    case State::kReplacementPending: return DeadlineKind::kReplacementShip;
    case State::kReplacementShipped: return DeadlineKind::kReplacementConfirm;
    case State::kCompensating: return DeadlineKind::kCompensationIssue;
    case State::kRepairing: return DeadlineKind::kRepairComplete;  // §12
    case State::kRepairReady: return DeadlineKind::kRepairedShip;
    case State::kRepairFailed: return DeadlineKind::kMerchantResponse;
    case State::kRepairedShipped: return DeadlineKind::kRepairedConfirm;
    case State::kRepaired:
    case State::kPendingApproval:  // merchant_response runs on from requested
    case State::kRefunded:
    case State::kExchanged:
    case State::kClosed:
    case State::kCancelled:
    case State::kCompensated: return std::nullopt;
  }
  return std::nullopt;
}

void Start(Case& kase, DeadlineKind kind, const Policy& policy, TimePoint now) {
  Deadline d;
  d.kind = kind;
  d.started_at = now;
  d.due_at = policy.DueAt(kind, now);
  kase.deadlines.push_back(d);
}

}  // namespace

bool IsBreachKind(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kMerchantResponse:
    case DeadlineKind::kMerchantReceipt:
    case DeadlineKind::kRefundIssue:
    case DeadlineKind::kArbitration:
    case DeadlineKind::kReplacementShip:
    case DeadlineKind::kOrderShip:
    case DeadlineKind::kCompensationIssue:
    case DeadlineKind::kRepairComplete:
    case DeadlineKind::kRepairedShip: return true;
    case DeadlineKind::kBuyerResponse:
    case DeadlineKind::kAppealWindow:
    case DeadlineKind::kBuyerShip:
    case DeadlineKind::kReplacementConfirm:
    case DeadlineKind::kRepairedConfirm: return false;
  }
  return false;
}

void StartInitialDeadlines(Case& kase, const Policy& policy, TimePoint now) {
  kase.deadlines.clear();
  if (auto kind = StartedBy(kase.state)) Start(kase, *kind, policy, now);
}

void UpdateDeadlines(Case& kase, State from, const DeadlineChange& change, const Policy& policy, TimePoint now) {
  auto& ds = kase.deadlines;
  if (kase.state != from) {
    ds.erase(std::remove_if(ds.begin(), ds.end(), [&](const Deadline& d) { return change.keeps != d.kind; }),
             ds.end());
    if (auto kind = StartedBy(kase.state)) Start(kase, *kind, policy, now);
    return;
  }
  if (change.restarts) {
    const DeadlineKind kind = *change.restarts;
    ds.erase(std::remove_if(ds.begin(), ds.end(), [&](const Deadline& d) { return d.kind == kind; }), ds.end());
    Start(kase, kind, policy, now);
  }
  if (change.return_delivered_at) {
    for (auto& d : ds) {
      if (d.kind == DeadlineKind::kMerchantReceipt && !d.breached) {
        const TimePoint shortened = policy.ReceiptDueAfterDelivery(*change.return_delivered_at);
        // One deadline, one row: the row's due time moves earlier. A sweep
        // that read the old time finds it due under the new one too.
        if (shortened < d.due_at) d.due_at = shortened;
      }
    }
  }
}

}  // namespace aftersales
