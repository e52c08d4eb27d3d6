#include "engine/cases/case_views.h"

#include <utility>

#include "engine/cases/approval_limit.h"
#include "engine/cases/compensation_rules.h"
#include "engine/cases/ledger.h"
#include "engine/cases/order_fulfilment.h"

namespace aftersales {

bool MaySeeText(const Actor& actor, const Text& text) {
  if (IsStaff(actor.role) || actor.role == Role::kSystem) return true;
  return text.visibility == Visibility::kBuyer || text.author_id == actor.id;
}

bool MaySeeRisk(const Actor& actor) { return IsStaff(actor.role) || actor.role == Role::kSystem; }

bool MaySeeBuyer(const Actor& actor, const std::string& buyer_id) {
  if (actor.role == Role::kBuyer) return !actor.external_id.empty() && actor.external_id == buyer_id;
  return true;
}

CaseView MakeCaseView(Case kase, const Actor& viewer, TextsById texts, const Policy& policy, TimePoint now) {
  CaseView view;
  for (auto it = texts.begin(); it != texts.end();) {
    it = MaySeeText(viewer, it->second) ? std::next(it) : texts.erase(it);
  }
  view.texts = std::move(texts);
  view.allowed_actions = AllowedActionsFor(kase, viewer, policy, now);
  view.return_address = kase.return_address_due ? policy.return_address : nlohmann::json(nullptr);
  view.shows_risk = MaySeeRisk(viewer);
  view.kase = std::move(kase);
  return view;
}

OrderView MakeOrderView(const Order& order, const std::vector<Case>& cases, const Policy& policy) {
  const Ledger ledger(order, cases);
  OrderView view;
  view.order = order;
  for (const auto& l : order.lines) {
    view.returnable_qty[l.line_id] = ledger.ReturnableQty(l.line_id);
    view.to_ship_qty[l.line_id] = ToShipQty(order, cases, l);
  }
  view.refundable_amount = ledger.OrderRefundable();
  view.compensation_cap = CompensationCap(order, policy);
  view.compensation_remaining = CompensationRemaining(order, cases, policy);
  for (const auto& c : cases) view.case_ids.push_back(c.id);
  return view;
}

}  // namespace aftersales
