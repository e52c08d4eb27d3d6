// The rules of SPEC §12 (repair, 三包) that read more than one row of the
// transition table: when the buyer's legal remedy (demand_remedy) is open,
// which attempt a repair is, how long a case spent in `repairing`, and how
// far that moves a line's warranty. Pure functions over values; time
// arrives as an argument. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "workflows/policy.h"

namespace aftersales {

// §12: parts not supplied within 90 days open the remedy although the
// latest progress is waiting_parts.
constexpr TimePoint kWaitingPartsRemedyAfter = 2160 * kHour;

// Whether demand_remedy is open on `kase` at `now` (else 422
// remedy_not_available): in repair_failed from the attempt
// failures_before_choice on; in repairing after it, or once repair_complete
// is breached (while the latest progress is waiting_parts, only from 2160 h
// after entering repairing). False in every other state and type.
bool RemedyAvailable(const Case& kase, const Policy& policy, TimePoint now);

// The attempt `kase` would be on entering repairing: the repair cases among
// `others` that reached repairing holding a unit of one of its lines, plus
// this one (attempts count per order line, not per unit).
std::int64_t RepairAttempt(const Case& kase, const std::vector<Case>& others);

// The time `kase` spent in repairing up to `now` (a running repair counts
// up to now); 0 for a case that never got there.
TimePoint TimeInRepairing(const Case& kase, TimePoint now);

// The end of the warranty of `line` of `order` (delivered) at `now`: the
// delivery plus the SKU's warranty days, moved later by the time the repair
// cases among `cases` that hold the line spent in repairing.
TimePoint WarrantyEnd(const Order& order, const OrderLine& line, const std::vector<Case>& cases, const Policy& policy,
                      TimePoint now);

}  // namespace aftersales
