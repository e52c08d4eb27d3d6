// Staff events: what each staff member did, and what it scores, derived from
// the audit log alone (docs/reports.md "Staff events"). The rules read one
// case's entries in seq order, so they are written as a fold: a small state
// per case (StaffEventFold) takes the next entry and returns that entry's
// events. The engine folds a case's earlier entries and then the entry it
// has just appended (engine/staff_event_log.h); a recompute walks the whole
// log once with one fold per case. Both therefore derive the same rows.
//
// "A person" is an actor with role agent, supervisor or manager; `system`
// (the engine's deadlines), buyers, integrations and admins never are.
//
// Pure values and functions, no I/O; a fold belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "engine/store/store.h"

namespace aftersales {

// The kinds of staff event.
namespace staff_event {
constexpr const char* kApprove = "approve";
constexpr const char* kReject = "reject";
constexpr const char* kOffer = "offer";
constexpr const char* kArbitrate = "arbitrate";
constexpr const char* kFirstResponse = "first_response";
constexpr const char* kRefunded = "refunded";
constexpr const char* kDecisionOnTime = "decision_on_time";
constexpr const char* kDecisionLate = "decision_late";
constexpr const char* kSlaBreach = "sla_breach";
constexpr const char* kOverturnedOnAppeal = "overturned_on_appeal";
constexpr const char* kClosedWithoutAppeal = "closed_without_appeal";
}  // namespace staff_event

// Whether `entry` can yield events at all (a person's decision,
// refund_issued, deadline_breached, or a move into a terminal state). The
// other entries only advance a fold; the engine skips reading the case's
// history for them.
bool MayYieldStaffEvents(const AuditRow& entry);

// The state of one case's fold.
class StaffEventFold {
 public:
  // The events of `entry`, the next entry of this fold's case in seq order,
  // sorted by (user_id, kind); advances the state. Entries without a case_id
  // yield nothing. Errors: internal, naming the seq, when the entry's `at`
  // or `data` cannot be read (a damaged log; nothing is advanced).
  Result<std::vector<StaffEventRow>> Next(const AuditRow& entry);
  // The same for an entry whose data the caller holds parsed: `data` is
  // what entry.data parses to (the engine's own entry, whose stored text
  // was just written from it), so nothing is parsed again. Errors as Next.
  Result<std::vector<StaffEventRow>> Next(const AuditRow& entry, const nlohmann::json& data);

  // Whether the case has reached a terminal state (no later entries are
  // expected; a recompute may drop the fold).
  bool finished() const { return finished_; }

 private:
  // Next, once the entry's time and data are read.
  std::vector<StaffEventRow> Advance(const AuditRow& entry, TimePoint at, const nlohmann::json& data);

  std::optional<TimePoint> submitted_at_;
  std::optional<std::string> currency_;  // the case's, from its submit entry
  bool responded_ = false;               // first_response given
  bool breached_in_state_ = false;       // a breach since the case last changed state
  bool appealed_ = false;
  bool escalated_from_rejected_ = false;
  std::optional<std::string> approver_;  // who fixed the agreed amount, if a person
  std::optional<std::string> last_offer_by_;
  std::optional<std::string> last_reject_by_;
  std::optional<std::string> last_decision_by_;
  bool finished_ = false;
};

// The events of a whole case history (`entries` of one case, seq order).
// Errors as StaffEventFold::Next.
Result<std::vector<StaffEventRow>> DeriveStaffEvents(const std::vector<AuditRow>& entries);

}  // namespace aftersales
