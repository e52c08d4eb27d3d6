// The checks and records of an action that need more than its body: the
// case, its order, the policy, the store (SPEC §4, §4.1, §4.2), and the
// audit `input` an action leaves. Pure functions (reads through `txn`
// only); thread-safe.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/case_action.h"
#include "domain/model.h"
#include "domain/status.h"
#include "engine/store/store.h"
#include "workflows/policy.h"
#include "workflows/transition_context.h"
#include "workflows/workflow.h"

namespace aftersales {

// 409 invalid_transition naming the state and the caller's allowed actions.
Status InvalidTransition(const Case& kase, Action action, const Actor& actor, const Policy& policy, TimePoint now);

// 422 outside_return_window when `now` is past the return window of
// a case of `type` with `reason` (Policy::WindowDays: an exchange for a fault
// has its own) counted from the order's delivery (SPEC §4.1); ok before delivery.
Status ReturnWindowCheck(const Order& order, const std::string& reason, CaseType type, const Policy& policy,
                         TimePoint now);

// §12: 422 outside_warranty when `now` is past the warranty of one of
// `lines` (workflows/repair_rules.h WarrantyEnd, over the order's `cases`);
// else the earliest of the lines' warranty ends.
Result<TimePoint> WarrantyCheck(const Order& order, const std::vector<CaseLine>& lines, const std::vector<Case>& cases,
                                const Policy& policy, TimePoint now);

// §12: 422 remedy_not_available when demand_remedy is not open on `kase`.
Status RemedyCheck(const Case& kase, const Policy& policy, TimePoint now);

// The body's checks that need the case, its policy or the store (400
// validation_failed naming each field): known reject reasons, a
// refund_only case never taking goods back, receive lines of this case,
// a carrier update's shipment and time, an assignee who acts on cases, an
// exchange requesting 0, a buyer's comment being visible to the buyer; a
// repair's grants (§12) and receipt without `restock`.
Status CheckActionInContext(ReadTxn& txn, const Workflow& workflow, const Case& kase, const CaseAction& action,
                            const Actor& actor, const Policy& policy, TimePoint now);

// Who may read the note of `action`: the buyer side's own notes and notes
// of rows addressed to the buyer (an offer's terms, why an inspection
// failed) are buyer-visible; other staff notes are internal. The
// integration speaks for the buyer on the buyer's own rows.
Visibility NoteVisibility(const Workflow& workflow, const Case& kase, Action action, const Actor& actor);

// The audit `input` of an action: its fields, with free text replaced by
// the id and SHA-256 of its row in the texts table.
nlohmann::json ActionInput(const CaseAction& action, const ActionTexts& texts, const std::optional<TextRef>& comment);

// {"id", "sha256"} of a text reference, as audit data holds it.
nlohmann::json RefJson(const TextRef& ref);

}  // namespace aftersales
