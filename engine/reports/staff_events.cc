#include "engine/reports/staff_events.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "domain/vocabulary.h"
#include "engine/audit/canonical_json_check.h"

namespace aftersales {
namespace {

using nlohmann::json;

bool IsPerson(const std::string& role) { return role == "agent" || role == "supervisor" || role == "manager"; }

bool IsDecision(const std::string& action) {
  return action == "approve" || action == "reject" || action == "offer" || action == "arbitrate";
}

bool EntersTerminal(const AuditRow& e) {
  if (!e.to_state || (e.from_state && *e.from_state == *e.to_state)) return false;
  const auto to = ParseState(*e.to_state);
  return to && IsTerminal(*to);
}

// A change of state for lateness: merchant_response keeps running from
// requested into pending_approval (SPEC §5), so that move is none.
bool ChangesState(const AuditRow& e) {
  if (!e.from_state || !e.to_state) return e.to_state.has_value();
  if (*e.from_state == *e.to_state) return false;
  return !(*e.from_state == "requested" && *e.to_state == "pending_approval");
}

const json* Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Whether the fold reads anything of `e`'s data: the currency of a submit,
// a refund's amount, a breach's assignee, an agreed amount among the
// effects. An agreed amount is only there when the key's text is (keys
// are stored as they are spelled: the data is canonical JSON).
bool ReadsData(const AuditRow& e) {
  return e.action == "submit" || e.action == "refund_issued" || e.action == "deadline_breached" ||
         e.data.find("\"agreed_amount\"") != std::string::npos;
}

}  // namespace

bool MayYieldStaffEvents(const AuditRow& e) {
  if (!e.case_id) return false;
  if (IsDecision(e.action) && IsPerson(e.actor_role)) return true;
  return e.action == "refund_issued" || e.action == "deadline_breached" || EntersTerminal(e);
}

namespace {

Result<TimePoint> EntryTime(const AuditRow& e) {
  const auto at = ParseTime(e.at);
  if (!at) return Status::Internal("audit entry " + std::to_string(e.seq) + ": unreadable time '" + e.at + "'");
  return *at;
}

Status NotAnObject(const AuditRow& e) {
  return Status::Internal("audit entry " + std::to_string(e.seq) + ": data is not a JSON object");
}

}  // namespace

Result<std::vector<StaffEventRow>> StaffEventFold::Next(const AuditRow& e) {
  if (!e.case_id) return std::vector<StaffEventRow>();
  AS_ASSIGN_OR_RETURN(const TimePoint at, EntryTime(e));
  // Most entries' data says nothing the fold reads: those are not parsed,
  // only checked to be a JSON object (the check of the stored form, one
  // pass without allocation); what fails it is parsed, to answer as before.
  json data = json::object();
  if (ReadsData(e) || !IsCanonicalJson(e.data) || e.data.empty() || e.data.front() != '{') {
    data = json::parse(e.data, nullptr, false);
    if (data.is_discarded() || !data.is_object()) return NotAnObject(e);
  }
  return Advance(e, at, data);
}

Result<std::vector<StaffEventRow>> StaffEventFold::Next(const AuditRow& e, const json& data) {
  if (!e.case_id) return std::vector<StaffEventRow>();
  AS_ASSIGN_OR_RETURN(const TimePoint at, EntryTime(e));
  if (!data.is_object()) return NotAnObject(e);
  return Advance(e, at, data);
}

std::vector<StaffEventRow> StaffEventFold::Advance(const AuditRow& e, TimePoint at, const json& data) {
  std::vector<StaffEventRow> events;
  auto add = [&](const std::string& user, const std::string& kind, std::int64_t value = 0,
                 std::optional<std::string> currency = std::nullopt) {
    events.push_back({e.seq, at, user, *e.case_id, kind, value, std::move(currency)});
  };

  const bool person = IsPerson(e.actor_role);
  const json* effects = Member(data, "effects");

  if (e.action == "submit") {
    submitted_at_ = at;
    if (const json* c = Member(data, "currency"); c && c->is_string()) currency_ = c->get<std::string>();
  }

  if (person && IsDecision(e.action)) {
    add(e.actor_id, e.action);  // approve, reject, offer, arbitrate: the kind is the action
    if (e.action != "arbitrate" && !responded_) {
      responded_ = true;
      if (submitted_at_) add(e.actor_id, staff_event::kFirstResponse, at - *submitted_at_);
    }
    add(e.actor_id, breached_in_state_ ? staff_event::kDecisionLate : staff_event::kDecisionOnTime);
    last_decision_by_ = e.actor_id;
    if (e.action == "reject") last_reject_by_ = e.actor_id;
    if (e.action == "offer") last_offer_by_ = e.actor_id;
    const bool grants = e.action == "arbitrate" && e.to_state && *e.to_state != "closed";
    if (grants && escalated_from_rejected_ && last_reject_by_) add(*last_reject_by_, staff_event::kOverturnedOnAppeal);
  }

  if (e.action == "appeal") {
    appealed_ = true;
    escalated_from_rejected_ = e.from_state && *e.from_state == "rejected";
  }

  // The approver: whoever fixed the agreed amount. An automatic approval
  // (a timeout, by `system`) leaves none.
  if (effects && Member(*effects, "agreed_amount")) {
    if (person && (e.action == "approve" || e.action == "arbitrate")) {
      approver_ = e.actor_id;
    } else if (e.action == "accept_offer") {
      approver_ = last_offer_by_;
    } else {
      approver_.reset();
    }
  }

  if (e.action == "refund_issued" && approver_ && effects) {
    const json* refund = Member(*effects, "refund");
    const json* amount = refund ? Member(*refund, "amount") : nullptr;
    if (amount && amount->is_number_integer()) {
      add(*approver_, staff_event::kRefunded, amount->get<std::int64_t>(), currency_);
    }
  }

  if (e.action == "deadline_breached") {
    breached_in_state_ = true;
    if (const json* assignee = Member(data, "assignee"); assignee && assignee->is_string()) {
      add(assignee->get<std::string>(), staff_event::kSlaBreach);
    }
  }

  if (EntersTerminal(e)) {
    finished_ = true;
    if (!appealed_ && last_decision_by_) add(*last_decision_by_, staff_event::kClosedWithoutAppeal);
  }
  if (ChangesState(e)) breached_in_state_ = false;

  // One row per (entry, user, kind): sorted, and never twice.
  std::sort(events.begin(), events.end(), [](const StaffEventRow& a, const StaffEventRow& b) {
    return std::tie(a.user_id, a.kind) < std::tie(b.user_id, b.kind);
  });
  events.erase(std::unique(events.begin(), events.end(),
                           [](const StaffEventRow& a, const StaffEventRow& b) {
                             return a.user_id == b.user_id && a.kind == b.kind;
                           }),
               events.end());
  return events;
}

Result<std::vector<StaffEventRow>> DeriveStaffEvents(const std::vector<AuditRow>& entries) {
  StaffEventFold fold;
  std::vector<StaffEventRow> out;
  for (const AuditRow& e : entries) {
    auto events = fold.Next(e);
    if (!events.ok()) return events.status();
    out.insert(out.end(), events->begin(), events->end());
  }
  return out;
}

}  // namespace aftersales
