// CaseCommands: submit (SPEC §4, §4.1) and every action on a case (SPEC
// §4, §4.2). Each is one write transaction through CaseWork: the case, its
// money, its deadlines, its texts, its audit entry and its outbox events
// are written together, or nothing is. Checks run in the order SPEC §4.1
// and §4.2 give; the first failing one answers.
//
// Thread-safe: any number of threads may call; writes serialize on the
// store's writer, so racing requests answer as if run one after another.
// Reads time only from the injected Clock.
#pragma once

#include "domain/clock.h"
#include "engine/cases/commands.h"
#include "engine/cases/deadline_sweeper.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

class CaseCommands {
 public:
  CaseCommands(Store& store, const Clock& clock, PolicyRegistry& policies, DeadlineSweeper& sweeper);

  // POST /cases. Returns the new case as `actor` sees it. Errors in SPEC
  // §4.1's order: validation_failed (no order id), not_found (the order, or
  // one the caller may not see), forbidden (a role that never submits),
  // validation_failed (the body), quantity_exceeds_returnable,
  // order_not_delivered, outside_return_window (a repair: outside_warranty,
  // §12), not_eligible, amount_exceeds_refundable; a compensation (SPEC
  // §11.1) skips the unit and delivery checks and answers
  // outside_return_window, compensation_cap_exceeded; unavailable.
  Result<CaseView> Submit(const Actor& actor, const SubmitCase& submit, const CommitHook& hook = {});

  // POST /cases/{id}/actions/{action}. Returns the case as `actor` sees it
  // afterwards. A deadline that passed before the sweep reached it acts
  // first. Errors in SPEC §4.2's order: not_found (the case, or an unknown
  // action), forbidden (the role never takes it), version_conflict,
  // invalid_transition, forbidden (not this role here), validation_failed,
  // approval_limit_exceeded, remedy_not_available (demand_remedy, §12),
  // order_not_delivered / outside_return_window / outside_warranty (modify),
  // amount_exceeds_refundable (compensation_cap_exceeded on a compensation,
  // SPEC §11.2); unavailable.
  Result<CaseView> Apply(const Actor& actor, const ApplyAction& request, const CommitHook& hook = {});

 private:
  // Submit and Apply once each; they run again after a lost race
  // (engine/store/write_retry.h).
  Result<CaseView> SubmitOnce(const Actor& actor, const SubmitCase& submit, const CommitHook& hook);
  // Apply; with `fire_due`, due deadlines of the case fire first.
  Result<CaseView> ApplyAfterFiring(const Actor& actor, const ApplyAction& request, const CommitHook& hook,
                                    bool fire_due);
  // After a command's commit: a deadline it started that is already due
  // fires now, in its own transaction, as the next sweep would. A late
  // carrier report shortens merchant_receipt into the past; a test-clock
  // move can commit while a command runs at the time it read before. The
  // answer stays the command's own; should the firing fail, the scheduler
  // or the next clock move fires it.
  void FireStartedDue(const Case& kase);

  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
  DeadlineSweeper& sweeper_;
};

}  // namespace aftersales
