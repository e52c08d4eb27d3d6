#include "workflows/workflow.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace aftersales {
namespace {

bool RowApplies(const TransitionRow& row, const Case& kase, Action action) {
  if (row.action != action) return false;
  if (row.any_non_terminal) {
    if (IsTerminal(kase.state)) return false;
  } else if (row.from != kase.state) {
    return false;
  }
  return row.gate == nullptr || row.gate(kase);
}

}  // namespace

std::vector<Action> Workflow::AllowedActions(const Case& kase, Role role) const {
  // StateAllowsRole of every action, in one pass over the rows (every case
  // served computes this): each action once, in the order of the enum.
  std::array<bool, kActionCount> allowed{};
  for (const auto& r : rows()) {
    const auto i = static_cast<std::size_t>(r.action);
    if (r.action == Action::kSubmit || r.action == Action::kTimeout || allowed[i]) continue;
    allowed[i] = (r.who & Bit(role)) && RowApplies(r, kase, r.action);
  }
  std::vector<Action> out;
  for (int i = 0; i < kActionCount; ++i) {
    if (allowed[static_cast<std::size_t>(i)]) out.push_back(static_cast<Action>(i));
  }
  return out;
}

bool Workflow::StateAllows(const Case& kase, Action action) const {
  return std::any_of(rows().begin(), rows().end(),
                     [&](const TransitionRow& r) { return r.who != roles::kSystem && RowApplies(r, kase, action); });
}

bool Workflow::StateAllowsRole(const Case& kase, Action action, Role role) const {
  return std::any_of(rows().begin(), rows().end(),
                     [&](const TransitionRow& r) { return (r.who & Bit(role)) && RowApplies(r, kase, action); });
}

bool Workflow::RequiresWithinLimit(const Case& kase, Action action, Role role) const {
  bool any = false;
  for (const auto& r : rows()) {
    if (!(r.who & Bit(role)) || !RowApplies(r, kase, action)) continue;
    any = true;
    if (r.limit != LimitRule::kWithin) return false;
  }
  return any;
}

bool Workflow::NoteToBuyer(const Case& kase, Action action) const {
  return std::any_of(rows().begin(), rows().end(),
                     [&](const TransitionRow& r) { return r.note_to_buyer && RowApplies(r, kase, action); });
}

Money Workflow::LimitAmount(const Case& kase, const ActionBody& action) const {
  if (const auto* offer = std::get_if<act::MakeOffer>(&action)) return offer->amount;
  if (!std::holds_alternative<act::Approve>(action)) return 0;
  switch (facts().approve_limit_on) {
    case LimitBasis::kRequestedAmount: return kase.requested_amount;
    case LimitBasis::kLinesValue: return kase.LinesAmount();
  }
  return kase.requested_amount;
}

bool RoleEverTakes(Role role, Action action) {
  if (action == Action::kSubmit) return (roles::kSubmitters & Bit(role)) != 0;
  for (const Workflow* w : Workflow::All()) {
    for (const auto& r : w->rows()) {
      if (r.action == action && (r.who & Bit(role))) return true;
    }
  }
  return false;
}

}  // namespace aftersales
