#include "engine/cases/ledger.h"

#include <algorithm>

namespace aftersales {
namespace {

__extension__ using Int128 = __int128;  // GCC and Clang; -Wpedantic knows it is an extension

// floor(a × b / c) for non-negative a, b and positive c, without overflow
// for amounts up to 10^18 and quantities up to 10^9.
Money MulDivFloor(Money a, std::int64_t b, std::int64_t c) {
  const Int128 p = static_cast<Int128>(a) * b;
  return static_cast<Money>(p / c);
}

}  // namespace

Ledger::Ledger(const Order& order, const std::vector<Case>& cases, const std::string& self) : order_(order) {
  for (const Case& c : cases) Count(c, c.id == self);
}

Ledger::Ledger(const Order& order, const std::vector<Case>& others, const Case& self) : order_(order) {
  for (const Case& c : others) Count(c, false);
  Count(self, true);
}

// Every case's refunds count against the order; units and shipping only
// those of the other cases that still hold them.
void Ledger::Count(const Case& c, bool is_self) {
  refunds_held_ += c.RefundsHeld();
  if (is_self || !c.HoldsUnits()) return;
  if (c.holds_shipping) shipping_held_ = true;
  for (const CaseLine& l : c.lines) {
    held_[l.line_id].qty += l.qty;
    held_[l.line_id].amount += l.amount;
  }
}

std::int64_t Ledger::ReturnableQty(const std::string& line_id) const {
  const OrderLine* line = order_.FindLine(line_id);
  if (!line) return 0;
  auto it = held_.find(line_id);
  const std::int64_t held = it == held_.end() ? 0 : it->second.qty;
  return std::max<std::int64_t>(line->qty - held, 0);
}

Money Ledger::LineAmount(const std::string& line_id, std::int64_t qty) const {
  const OrderLine* line = order_.FindLine(line_id);
  if (!line || line->qty <= 0) return 0;
  auto it = held_.find(line_id);
  const Holding h = it == held_.end() ? Holding{} : it->second;
  const std::int64_t units = std::min(h.qty + qty, line->qty);
  return std::max<Money>(MulDivFloor(line->paid, units, line->qty) - h.amount, 0);
}

bool Ledger::WouldHoldShipping(const std::vector<CaseLine>& lines) const {
  if (shipping_held_ || order_.shipping_paid <= 0) return false;
  for (const OrderLine& ol : order_.lines) {
    std::int64_t taken = 0;
    for (const CaseLine& cl : lines) {
      if (cl.line_id == ol.line_id) taken += cl.qty;
    }
    auto it = held_.find(ol.line_id);
    const std::int64_t held = it == held_.end() ? 0 : it->second.qty;
    if (held + taken < ol.qty) return false;
  }
  return true;
}

Money Ledger::CaseCap(const Case& kase) const {
  Money own = kase.LinesAmount() + (kase.holds_shipping ? order_.shipping_paid : 0) - kase.RefundsHeld();
  // The order-wide cap already counts this case's own refunds.
  return std::max<Money>(std::min(own, OrderRefundable()), 0);
}

}  // namespace aftersales
