// Ledger: the money rules of SPEC §3 over one order and its cases.
//
// Built from the order and every case on it as read inside the current
// write transaction, so its answers hold against concurrent requests (the
// store serializes writers). Pure computation; not thread-safe (one per
// transaction).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "domain/model.h"

namespace aftersales {

class Ledger {
 public:
  // `cases` are all cases of `order`. The case named `self` (if any) is left
  // out of "other cases" when computing holdings.
  Ledger(const Order& order, const std::vector<Case>& cases, const std::string& self = "");
  // The same for `self` (held in memory, maybe changed) and the order's
  // other cases.
  Ledger(const Order& order, const std::vector<Case>& others, const Case& self);

  // Units of `line_id` not held by any live or completed case.
  std::int64_t ReturnableQty(const std::string& line_id) const;
  // The amount for a case taking `qty` more units of the line:
  // floor(paid × (m + k) / n) − A, never below 0.
  Money LineAmount(const std::string& line_id, std::int64_t qty) const;
  // Whether a case taking `lines` would hold the order's last units while no
  // other live case holds the shipping.
  bool WouldHoldShipping(const std::vector<CaseLine>& lines) const;
  // Refunds pending or issued over all cases of the order.
  Money RefundsHeld() const { return refunds_held_; }
  // The order's refundable_amount: paid total − refunds pending or issued.
  Money OrderRefundable() const { return order_.PaidTotal() - refunds_held_; }
  // The most `kase` may be agreed or refunded now: its lines' amounts (plus
  // shipping if it holds it) less its own refunds, capped by the order.
  Money CaseCap(const Case& kase) const;

 private:
  struct Holding {
    std::int64_t qty = 0;
    Money amount = 0;
  };
  void Count(const Case& c, bool is_self);

  const Order& order_;
  std::map<std::string, Holding> held_;  // by line id, other cases only
  bool shipping_held_ = false;
  Money refunds_held_ = 0;
};

}  // namespace aftersales
