// SPEC §10.4's late compensation: the case the system submits when an
// order's order_ship deadline passes with goods unshipped. Called by the
// order-shipping supervision inside its own write transaction. Not
// thread-safe on its own: the caller's transaction serializes it.
#pragma once

#include <optional>
#include <string>

#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/store.h"
#include "workflows/policy.h"

namespace aftersales {

// Submits, in `txn`, as the case `case_id` (NewCaseId(); named by the
// caller, whose breach entry, written first, refers to it), as the system at `at` (the order_ship deadline's
// due_at, or the order's creation when created after its ship_by), the
// late compensation of `order` under `policy`:
//   amount = policy.LateCompensation()->AmountFor(late_goods_paid), where
//   late_goods_paid is T of §10.4 (the paid amount of the units still
//   unshipped at ship_by, per line floor(paid × unshipped ÷ qty), no
//   shipping), computed by the caller.
// The case: type compensation, reason late_shipment, lines [], the rule's
// form, requested = agreed = amount (not cut by the per-order cap, but
// counted toward it for later cases), no risk signals, state
// `compensating`, compensation_issue due from `at`, marked system-submitted
// (so a manager may `waive` it). Written with it: one `submit` audit entry
// (actor system; data as a submit's plus paid_total, late_goods_paid,
// percent, min, max and cap_remaining, the order's compensation remaining
// before this case), and the events case.created and
// compensation.requested. Returns the case's id; nullopt (nothing written)
// when the policy has no late compensation or the amount is 0 (see
// LateCompensationDue, which says so beforehand).
// Errors: unavailable (storage); on error the caller abandons `txn`.
Result<std::optional<std::string>> SubmitLateCompensation(WriteTxn& txn, const Order& order, const Policy& policy,
                                                          Money late_goods_paid, TimePoint at,
                                                          const std::string& case_id);
// Whether SubmitLateCompensation would submit a case for these goods.
bool LateCompensationDue(const Policy& policy, Money late_goods_paid);
// A new case id ("cs_" and 16 hex digits).
std::string NewCaseId();

}  // namespace aftersales
