#include "engine/cases/deadline_sweeper.h"

#include <algorithm>
#include <set>

#include "engine/cases/case_work.h"
#include "engine/cases/order_fulfilment.h"
#include "workflows/deadline_rules.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kDueBatch = 64;

// The new deadline due first among those `kase` lists and `before` did not.
std::optional<TimePoint> EarliestNewDue(const Case& before, const Case& kase) {
  std::optional<TimePoint> earliest;
  for (const auto& d : kase.deadlines) {
    const bool is_new = std::none_of(before.deadlines.begin(), before.deadlines.end(),
                                     [&](const Deadline& b) { return b.id != 0 && b.id == d.id; });
    if (is_new && (!earliest || d.due_at < *earliest)) earliest = d.due_at;
  }
  return earliest;
}

// The deadline's effect on a copy of the case; kept when a row fired.
// Returns whether it did. Errors other than "no row" are the machine's.
Result<bool> RunEffect(CaseWork& work, DeadlineKind kind, TimePoint due, TimePoint at, TimePoint now,
                       const Policy& policy) {
  const Actor system = Actor::System();
  AS_ASSIGN_OR_RETURN(Ledger ledger, work.ledger());
  Case trial = work.kase();
  TransitionContext ctx(trial, system, policy, at);
  ctx.cap = ledger.CaseCap(work.kase());
  AS_ASSIGN_OR_RETURN(ctx.repair_attempt, RepairAttemptOf(work));
  const Status fired = Workflow::For(trial.type).FireExpiry(ctx, kind);
  if (!fired.ok()) {
    if (fired.code() != Code::kInvalidTransition) return fired;
    return false;
  }
  trial.version = work.kase().version + 1;
  trial.updated_at = at;
  UpdateDeadlines(trial, work.kase().state, ctx.deadlines, policy, at);
  json data = {{"deadline", NameOf(kind)}, {"due_at", FormatTime(due)}, {"version", trial.version}};
  if (!ctx.effects.empty()) data["effects"] = ctx.effects;
  const State from = work.kase().state;
  work.kase() = std::move(trial);
  work.Audit(system, "timeout", from, work.kase().state, data, at);
  work.EmitChange("timeout", now);
  return true;
}

}  // namespace

DeadlineSweeper::DeadlineSweeper(Store& store, const Clock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

Result<DeadlineSweeper::Firing> DeadlineSweeper::FireOrderOneIn(WriteTxn& txn, const DeadlineRow& row, TimePoint now) {
  Firing firing;
  AS_ASSIGN_OR_RETURN(auto opened, ShipWork::Open(txn, row.order_id));
  if (!opened) {
    AS_RETURN_IF_ERROR(txn.SetDeadlineStatus(row.id, DeadlineStatus::kDone, now));
    firing.wrote = true;
    return firing;
  }
  AS_ASSIGN_OR_RETURN(auto policy, policies_.ForOrder(opened->order()));
  // FireDue re-reads the row: another sweep may have fired it.
  AS_ASSIGN_OR_RETURN(const bool fired, opened->FireDue(*policy, now));
  if (!fired) return firing;
  firing.fired = firing.wrote = true;
  firing.kind = NameOf(row.kind);
  firing.order_id = row.order_id;
  return firing;
}

Result<DeadlineSweeper::Firing> DeadlineSweeper::FireOne(const DeadlineRow& row, TimePoint now) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(Firing firing, FireOneIn(*txn, row, now));
  if (firing.wrote) AS_RETURN_IF_ERROR(txn->Commit());
  return firing;
}

Result<DeadlineSweeper::Firing> DeadlineSweeper::FireOneIn(WriteTxn& txn, const DeadlineRow& row, TimePoint now) {
  if (!row.order_id.empty()) return FireOrderOneIn(txn, row, now);
  Firing firing;
  AS_ASSIGN_OR_RETURN(auto opened, CaseWork::Open(txn, row.case_id));
  if (!opened) {
    // An orphaned row (its case is gone): close it so that it is not read again.
    AS_RETURN_IF_ERROR(txn.SetDeadlineStatus(row.id, DeadlineStatus::kDone, now));
    firing.wrote = true;
    return firing;
  }
  CaseWork& work = *opened;
  auto& deadlines = work.kase().deadlines;
  auto listed = std::find_if(deadlines.begin(), deadlines.end(), [&](const Deadline& d) { return d.id == row.id; });
  // A person's action made it stale, or another sweep fired it: nothing to do.
  if (listed == deadlines.end() || listed->breached) return firing;
  const DeadlineKind kind = listed->kind;
  const TimePoint due = listed->due_at;
  // As if the engine had been running at due_at; but never before the case's
  // last change (a late carrier report can make a deadline due in the past),
  // so that the record stays in time order.
  const TimePoint at = std::max(due, work.kase().updated_at);
  AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(work.kase().policy_version));
  const Actor system = Actor::System();
  if (IsBreachKind(kind)) {
    listed->breached = true;
    work.MarkBreached(listed->id, at);
    const json assignee = work.kase().assignee ? json(*work.kase().assignee) : json(nullptr);
    const State state = work.kase().state;
    work.Audit(system, "deadline_breached", state, state,
               {{"deadline", NameOf(kind)}, {"due_at", FormatTime(due)}, {"assignee", assignee}}, at);
    work.Emit("sla.breached",
              {{"case_id", work.kase().id}, {"deadline", NameOf(kind)}, {"due_at", FormatTime(due)},
               {"assignee", assignee}},
              now);
  }
  AS_ASSIGN_OR_RETURN(const bool effect, RunEffect(work, kind, due, at, now, *policy));
  if (!effect && !IsBreachKind(kind)) {
    // No effect here and no breach to record: the deadline is spent.
    auto& left = work.kase().deadlines;
    left.erase(std::remove_if(left.begin(), left.end(), [&](const Deadline& d) { return d.id == row.id; }),
               left.end());
  }
  // Closed and breached as of `at`, the time the firing is recorded at, so
  // that a late sweep does not stretch the reports' seconds to act.
  firing.earliest_new_due = EarliestNewDue(work.before(), work.kase());
  AS_RETURN_IF_ERROR(work.Write(at));
  firing.fired = firing.wrote = true;
  firing.kind = NameOf(kind);
  firing.order_id = work.kase().order_id;
  return firing;
}

Result<bool> DeadlineSweeper::FireDueOf(const std::string& case_id) {
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  bool wrote = false;
  for (int guard = 0; guard < kDueBatch; ++guard) {
    AS_ASSIGN_OR_RETURN(auto listed, txn->ListedDeadlines(case_id));
    std::optional<DeadlineRow> next;
    for (auto& d : listed) {
      if (d.status == DeadlineStatus::kOpen && d.due_at <= now && (!next || d.due_at < next->due_at)) next = d;
    }
    if (!next) break;
    AS_ASSIGN_OR_RETURN(Firing firing, FireOneIn(*txn, *next, now));
    if (!firing.wrote) break;  // nothing could fire it: no progress to make
    wrote = true;
  }
  if (wrote) AS_RETURN_IF_ERROR(txn->Commit());
  return wrote;
}

namespace {

// A firing started a deadline already due and earlier than the next row
// read: the rows must be read again to keep due_at order.
template <class Firing>
bool MustReread(const Firing& firing, TimePoint now, const std::vector<DeadlineRow>& due, std::size_t next) {
  return firing.earliest_new_due && *firing.earliest_new_due <= now &&
         (next >= due.size() || *firing.earliest_new_due < due[next].due_at);
}

}  // namespace

Result<bool> DeadlineSweeper::FireBatch(const std::vector<DeadlineRow>& due, TimePoint now, int room,
                                               std::vector<FiredDeadline>& fired) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  std::vector<FiredDeadline> batch;
  bool wrote = false;
  std::size_t i = 0;
  while (i < due.size() && static_cast<int>(batch.size()) < room) {
    AS_ASSIGN_OR_RETURN(Firing firing, FireOneIn(*txn, due[i], now));
    wrote = wrote || firing.wrote;
    if (firing.fired) batch.push_back({due[i].case_id, firing.order_id, firing.kind});
    ++i;
    if (MustReread(firing, now, due, i)) break;
  }
  if (wrote) AS_RETURN_IF_ERROR(txn->Commit());
  fired.insert(fired.end(), batch.begin(), batch.end());
  return wrote;
}

Result<std::vector<FiredDeadline>> DeadlineSweeper::FireDue(int max) {
  std::vector<FiredDeadline> fired;
  std::set<std::int64_t> failed;  // rows that failed in this sweep: skipped, tried again next sweep
  Status first_error = Status::Ok();
  while (static_cast<int>(fired.size()) < max) {
    const TimePoint now = clock_.Now();
    std::vector<DeadlineRow> due;
    {
      AS_ASSIGN_OR_RETURN(auto rtxn, store_.BeginRead());
      AS_ASSIGN_OR_RETURN(auto rows, rtxn->DueDeadlines(now, kDueBatch + static_cast<int>(failed.size())));
      for (auto& r : rows) {
        if (!failed.count(r.id)) due.push_back(std::move(r));
      }
    }
    if (due.empty()) break;
    // The batch in one transaction: one turn of the writer, one commit.
    auto batch = FireBatch(due, now, std::min(batch_limit_, max - static_cast<int>(fired.size())), fired);
    if (batch.ok()) {
      if (!*batch) break;  // rows read as due that nothing could fire
      continue;
    }
    if (batch.status().code() == Code::kUnavailable) return batch.status();
    // A firing failed and the batch rolled back: one transaction per
    // deadline, so that one bad case does not stall every later deadline.
    bool progress = false;
    for (std::size_t i = 0; i < due.size() && static_cast<int>(fired.size()) < max; ++i) {
      auto firing = FireOne(due[i], now);
      if (!firing.ok()) {
        failed.insert(due[i].id);
        if (first_error.ok()) first_error = firing.status();
        if (firing.status().code() == Code::kUnavailable) return firing.status();
        continue;
      }
      progress = true;
      if (firing->fired) fired.push_back({due[i].case_id, firing->order_id, firing->kind});
      if (MustReread(*firing, now, due, i + 1)) break;
    }
    if (!progress) break;
  }
  if (fired.empty() && !first_error.ok()) return first_error;
  return fired;
}

Result<std::vector<FiredDeadline>> DeadlineSweeper::FireDueIn(WriteTxn& txn, TimePoint now, int max) {
  std::vector<FiredDeadline> fired;
  std::set<std::int64_t> spent;  // rows gone through that are still listed due (none expected)
  while (static_cast<int>(fired.size()) < max) {
    AS_ASSIGN_OR_RETURN(auto rows, txn.DueDeadlines(now, kDueBatch + static_cast<int>(spent.size())));
    std::vector<DeadlineRow> due;
    for (auto& r : rows) {
      if (!spent.count(r.id)) due.push_back(std::move(r));
    }
    if (due.empty()) break;
    for (std::size_t i = 0; i < due.size() && static_cast<int>(fired.size()) < max;) {
      AS_ASSIGN_OR_RETURN(Firing firing, FireOneIn(txn, due[i], now));
      if (firing.fired) fired.push_back({due[i].case_id, firing.order_id, firing.kind});
      if (!firing.fired && !firing.wrote) spent.insert(due[i].id);
      ++i;
      if (MustReread(firing, now, due, i)) break;
    }
  }
  return fired;
}

}  // namespace aftersales
