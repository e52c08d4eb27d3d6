#include "engine/cases/case_commands.h"

#include <algorithm>

#include "engine/cases/action_rules.h"
#include "engine/cases/approval_limit.h"
#include "engine/cases/case_work.h"
#include "engine/cases/compensation_rules.h"
#include "engine/store/write_retry.h"
#include "workflows/deadline_rules.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

using nlohmann::json;

// SPEC §4.2's checks that come before the body's, after the case was found.
Status CheckBeforeBody(const Actor& actor, const Case& kase, const ApplyAction& request, const Workflow& wf,
                       const Policy& policy, TimePoint now) {
  const std::string& name = request.action_name;
  if (!request.action || *request.action == Action::kSubmit || *request.action == Action::kTimeout) {
    return Status(Code::kNotFound, "unknown action " + name);
  }
  const Action action = *request.action;
  if (!RoleEverTakes(actor.role, action)) {
    return Status(Code::kForbidden, std::string("a ") + NameOf(actor.role) + " never takes the action " + name);
  }
  if (request.expected_version && *request.expected_version != kase.version) {
    Status s(Code::kVersionConflict, "the case is at version " + std::to_string(kase.version) + ", not " +
                                         std::to_string(*request.expected_version));
    s.With("version", kase.version);
    s.With("state", NameOf(kase.state));
    return s;
  }
  if (!wf.StateAllows(kase, action)) return InvalidTransition(kase, action, actor, policy, now);
  if (!wf.StateAllowsRole(kase, action, actor.role)) {
    return Status(Code::kForbidden,
                  std::string("a ") + NameOf(actor.role) + " may not " + name + " in state " + NameOf(kase.state));
  }
  return Status::Ok();
}

// The action's free text, into the erasable texts table (written with the
// case); its references for the machine's actions and the audit entry.
ActionTexts AddTexts(CaseWork& work, const CaseAction& action, Visibility note_visibility, const Actor& actor,
                     TimePoint now, std::optional<TextRef>& comment) {
  ActionTexts refs;
  if (action.note) refs.note = work.AddText("note", note_visibility, actor.id, *action.note, now);
  if (const auto* modify = action.As<act::Modify>()) {
    if (modify->description) {
      refs.description = work.AddText("description", Visibility::kBuyer, actor.id, *modify->description, now);
    }
    if (modify->evidence) {
      for (const auto& url : *modify->evidence) {
        refs.evidence.push_back(work.AddText("evidence", Visibility::kBuyer, actor.id, url, now));
      }
    }
  }
  if (const auto* failed = action.As<act::RefundFailed>()) {
    refs.error = work.AddText("refund_error", Visibility::kInternal, actor.id, failed->error, now);
  }
  if (const auto* failed = action.As<act::CompensationFailed>()) {
    refs.error = work.AddText("compensation_error", Visibility::kInternal, actor.id, failed->error, now);
  }
  if (const auto* issue = action.As<act::IssueCompensation>(); issue && issue->voucher_code) {
    // The voucher code is the buyer's to read, and erasable (SPEC §11.3, choice 12).
    refs.voucher_code = work.AddText("voucher_code", Visibility::kBuyer, actor.id, *issue->voucher_code, now);
  }
  if (const auto* waive = action.As<act::Waive>()) {
    refs.reason = work.AddText("waive_reason", Visibility::kInternal, actor.id, waive->reason, now);
  }
  if (const auto* c = action.As<act::Comment>()) {
    const bool internal = IsStaff(actor.role) && c->visibility.value_or(Visibility::kInternal) == Visibility::kInternal;
    comment = work.AddText("comment", internal ? Visibility::kInternal : Visibility::kBuyer, actor.id, c->text, now);
  }
  return refs;
}

// A modify repeats SPEC §4.1's delivery and window checks in their order
// (its lines do not change and the case still holds their units).
Status CheckModify(CaseWork& work, const Policy& policy, TimePoint now) {
  AS_ASSIGN_OR_RETURN(const Order* order, work.order());
  const Case& kase = work.kase();
  if (kase.type == CaseType::kCompensation) return CompensationWindowCheck(*order, policy, now);
  if (Workflow::For(kase.type).facts().returns_goods && !order->delivered_at) {
    return Status(Code::kOrderNotDelivered, "a return needs a delivered order");
  }
  if (kase.type == CaseType::kRepair) {  // §12: the warranty instead of the window
    AS_ASSIGN_OR_RETURN(const std::vector<Case>* others, work.others());
    return WarrantyCheck(*order, kase.lines, *others, policy, now).status();
  }
  return ReturnWindowCheck(*order, kase.reason, kase.type, policy, now);
}

// Whether a listed deadline is due and not yet fired.
bool HasDue(const std::vector<Deadline>& deadlines, TimePoint now) {
  return std::any_of(deadlines.begin(), deadlines.end(), [&](const Deadline& d) { return !d.breached && d.due_at <= now; });
}

}  // namespace

CaseCommands::CaseCommands(Store& store, const Clock& clock, PolicyRegistry& policies, DeadlineSweeper& sweeper)
    : store_(store), clock_(clock), policies_(policies), sweeper_(sweeper) {}

Result<CaseView> CaseCommands::Apply(const Actor& actor, const ApplyAction& request, const CommitHook& hook) {
  return RetryLostRaces([&] { return ApplyAfterFiring(actor, request, hook, true); });
}

Result<CaseView> CaseCommands::ApplyAfterFiring(const Actor& actor, const ApplyAction& request,
                                                const CommitHook& hook, bool fire_due) {
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginKeyedWrite());
  AS_ASSIGN_OR_RETURN(auto opened, CaseWork::Open(*txn, request.case_id));
  if (!opened || !MaySeeBuyer(actor, opened->kase().buyer_id)) return Status::NotFound("case " + request.case_id);
  CaseWork& work = *opened;
  // A deadline that passed before the sweep reached it acts first, as if
  // the engine had been running at its due time; then the action is tried
  // on what that left. It is tried again only after a firing wrote
  // something, so this ends: at most once per deadline that came due.
  if (fire_due && HasDue(work.kase().deadlines, now)) {
    opened.reset();
    txn.reset();
    AS_ASSIGN_OR_RETURN(const bool fired, sweeper_.FireDueOf(request.case_id));
    return ApplyAfterFiring(actor, request, hook, fired);
  }
  Case& kase = work.kase();
  AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(kase.policy_version));
  const Workflow& wf = Workflow::For(kase.type);
  AS_RETURN_IF_ERROR(CheckBeforeBody(actor, kase, request, wf, *policy, now));
  if (!request.parsed.ok()) return request.parsed.status();
  const CaseAction& action = *request.parsed;
  AS_RETURN_IF_ERROR(CheckActionInContext(*txn, wf, kase, action, actor, *policy, now));
  const bool within = WithinApprovalLimit(actor, kase, wf.LimitAmount(kase, action.body), *policy);
  if (!within && wf.RequiresWithinLimit(kase, action.action(), actor.role)) {
    return Status(Code::kApprovalLimitExceeded,
                  "the amount exceeds your approval limit; a supervisor or manager must decide");
  }
  if (action.action() == Action::kDemandRemedy) AS_RETURN_IF_ERROR(RemedyCheck(kase, *policy, now));
  if (action.action() == Action::kModify) AS_RETURN_IF_ERROR(CheckModify(work, *policy, now));
  AS_ASSIGN_OR_RETURN(Ledger ledger, work.ledger());
  std::optional<TextRef> comment;
  TransitionContext ctx(kase, actor, *policy, now);
  ctx.within_limit = within;
  const bool compensation = kase.type == CaseType::kCompensation;
  if (compensation) {
    // SPEC §11.2: a compensation is capped per order, not by the ledger.
    AS_ASSIGN_OR_RETURN(const Order* order, work.order());
    AS_ASSIGN_OR_RETURN(const std::vector<Case>* others, work.others());
    ctx.cap = CompensationRemaining(*order, *others, *policy);
  } else {
    ctx.cap = ledger.CaseCap(kase);
  }
  AS_ASSIGN_OR_RETURN(ctx.repair_attempt, RepairAttemptOf(work));
  ctx.texts = AddTexts(work, action, NoteVisibility(wf, kase, action.action(), actor), actor, now, comment);
  if (Status fired = wf.Fire(ctx, action.body); !fired.ok()) {
    if (fired.code() == Code::kInvalidTransition) {
      return InvalidTransition(work.before(), action.action(), actor, *policy, now);
    }
    return fired;
  }
  if (ctx.amount_fixed && *ctx.amount_fixed > ctx.cap) {
    if (compensation) return CompensationCapExceeded(*ctx.amount_fixed, ctx.cap);
    return Status(Code::kAmountExceedsRefundable, "amount " + std::to_string(*ctx.amount_fixed) +
                                                      " exceeds the refundable " + std::to_string(ctx.cap));
  }
  if (action.action() != Action::kComment) {
    kase.version = work.before().version + 1;
    kase.updated_at = now;
  }
  UpdateDeadlines(kase, work.before().state, ctx.deadlines, *policy, now);
  json data = {{"input", ActionInput(action, ctx.texts, comment)}, {"version", kase.version}};
  if (!ctx.effects.empty()) data["effects"] = ctx.effects;
  if (work.has_new_texts()) data["texts"] = work.NewTextIds();
  const std::string name = NameOf(action.action());
  work.Audit(actor, name, work.before().state, kase.state, std::move(data), now);
  work.EmitChange(name, now);
  if (const auto* update = action.As<act::RepairUpdate>()) {
    work.Emit("repair.progress", {{"case_id", kase.id},
                                  {"order_id", kase.order_id},
                                  {"status", act::NameOf(update->status)},
                                  {"at", FormatTime(now)}},
              now);
  }
  AS_RETURN_IF_ERROR(work.WriteCase(now));
  AS_ASSIGN_OR_RETURN(CaseView view, work.View(actor, *policy, now));
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, view));
  AS_RETURN_IF_ERROR(work.WriteRecord(now));
  AS_RETURN_IF_ERROR(txn->Commit());
  FireStartedDue(kase);
  return view;
}

void CaseCommands::FireStartedDue(const Case& kase) {
  if (HasDue(kase.deadlines, clock_.Now())) (void)sweeper_.FireDueOf(kase.id).ok();
}

}  // namespace aftersales
