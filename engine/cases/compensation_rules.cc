#include "engine/cases/compensation_rules.h"

#include <algorithm>

namespace aftersales {

TimePoint CompensationWindowStart(const Order& order) { return order.paid_at; }

Status CompensationWindowCheck(const Order& order, const Policy& policy, TimePoint now) {
  const int days = policy.compensation.window_days;
  const TimePoint end = order.delivered_at.value_or(CompensationWindowStart(order)) + days * kDay;
  if (now > end) {
    return Status(Code::kOutsideReturnWindow,
                  "the " + std::to_string(days) + "-day compensation window ended at " + FormatTime(end));
  }
  return Status::Ok();
}

Money CompensationCap(const Order& order, const Policy& policy) {
  return policy.compensation.CapOf(order.PaidTotal());
}

Money CompensationHeld(const std::vector<Case>& cases) {
  Money held = 0;
  for (const Case& c : cases) {
    if (c.type != CaseType::kCompensation) continue;
    if (c.state == State::kCancelled || c.state == State::kClosed || c.state == State::kRejected) continue;
    held += c.agreed_amount.value_or(c.requested_amount);
  }
  return held;
}

Money CompensationRemaining(const Order& order, const std::vector<Case>& others, const Policy& policy) {
  return std::max<Money>(CompensationCap(order, policy) - CompensationHeld(others), 0);
}

Status CompensationCapExceeded(Money amount, Money remaining) {
  return Status(Code::kCompensationCapExceeded, "amount " + std::to_string(amount) +
                                                    " exceeds the order's compensation remaining " +
                                                    std::to_string(remaining));
}

}  // namespace aftersales
