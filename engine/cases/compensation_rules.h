// The rules of SPEC §11 that need an order and its cases rather than one
// transition: the compensation window (§11.1) and the per-order cap
// (§11.2). Pure functions over values read inside the caller's
// transaction, so their answers hold against concurrent requests (the store
// serializes writers). Thread-safe.
#pragma once

#include <vector>

#include "domain/model.h"
#include "domain/status.h"
#include "workflows/policy.h"

namespace aftersales {

// When a compensation's window counts from on an order not yet delivered:
// the order's payment time (the one place that names it).
TimePoint CompensationWindowStart(const Order& order);

// 422 outside_return_window when `now` is past (delivered_at, else
// CompensationWindowStart) + compensation.window_days × 24 h; else ok.
Status CompensationWindowCheck(const Order& order, const Policy& policy, TimePoint now);

// compensation_cap: floor(paid total × max_percent_of_paid / 100).
Money CompensationCap(const Order& order, const Policy& policy);

// What `cases` hold of the cap: over the compensation cases not cancelled,
// closed or rejected, agreed_amount, else requested_amount.
Money CompensationHeld(const std::vector<Case>& cases);

// compensation_remaining: the cap less what the order's other compensation
// cases (`others`) hold, never below 0.
Money CompensationRemaining(const Order& order, const std::vector<Case>& others, const Policy& policy);

// 422 compensation_cap_exceeded naming the amount and what remains.
Status CompensationCapExceeded(Money amount, Money remaining);

}  // namespace aftersales
