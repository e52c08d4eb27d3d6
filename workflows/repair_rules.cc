#include "workflows/repair_rules.h"

#include <algorithm>

namespace aftersales {
namespace {

bool SharesALine(const Case& a, const Case& b) {
  return std::any_of(a.lines.begin(), a.lines.end(), [&](const CaseLine& l) {
    return std::any_of(b.lines.begin(), b.lines.end(), [&](const CaseLine& m) { return m.line_id == l.line_id; });
  });
}

bool ReachedRepairing(const Case& c) {
  return c.type == CaseType::kRepair && c.repair && c.repair->repairing_from.has_value();
}

}  // namespace

bool RemedyAvailable(const Case& kase, const Policy& policy, TimePoint now) {
  if (kase.type != CaseType::kRepair || !kase.repair || !kase.repair->attempt) return false;
  const std::int64_t attempt = *kase.repair->attempt;
  const std::int64_t choice = policy.repair.failures_before_choice;
  if (kase.state == State::kRepairFailed) return attempt >= choice;
  if (kase.state != State::kRepairing) return false;
  if (attempt > choice) return true;
  const bool overdue = std::any_of(kase.deadlines.begin(), kase.deadlines.end(), [](const Deadline& d) {
    return d.kind == DeadlineKind::kRepairComplete && d.breached;
  });
  if (!overdue) return false;
  const auto& progress = kase.repair->progress;
  const bool waiting_parts = !progress.empty() && progress.back().status == "waiting_parts";
  if (!waiting_parts) return true;
  return kase.repair->repairing_from && now >= *kase.repair->repairing_from + kWaitingPartsRemedyAfter;
}

std::int64_t RepairAttempt(const Case& kase, const std::vector<Case>& others) {
  std::int64_t attempt = 1;
  for (const Case& c : others) {
    if (c.id != kase.id && ReachedRepairing(c) && SharesALine(c, kase)) ++attempt;
  }
  return attempt;
}

TimePoint TimeInRepairing(const Case& kase, TimePoint now) {
  if (!ReachedRepairing(kase)) return 0;
  const TimePoint until = kase.repair->repairing_until.value_or(now);
  return std::max<TimePoint>(until - *kase.repair->repairing_from, 0);
}

TimePoint WarrantyEnd(const Order& order, const OrderLine& line, const std::vector<Case>& cases, const Policy& policy,
                      TimePoint now) {
  TimePoint end = order.delivered_at.value_or(now) + policy.WarrantyDaysFor(line.sku) * kDay;
  for (const Case& c : cases) {
    const bool holds_line = std::any_of(c.lines.begin(), c.lines.end(),
                                        [&](const CaseLine& l) { return l.line_id == line.line_id; });
    if (holds_line) end += TimeInRepairing(c, now);
  }
  return end;
}

}  // namespace aftersales
