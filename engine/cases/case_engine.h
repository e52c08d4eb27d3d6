// CaseEngine: the one door for every command on orders and cases
// (Execute), the reads (queries()) and the deadline sweep (sweeper()),
// over one Store, Clock and PolicyRegistry. Callers build commands
// (engine/cases/commands.h) or have the edge build them from JSON (api/).
//
// Every command is one write transaction: the change, its audit entry, its
// outbox events and — through `hook` — the caller's idempotency record are
// committed together or not at all.
//
// Thread-safe: any number of threads may call; writes serialize on the
// store's writer. Reads time only from the injected Clock.
#pragma once

#include "domain/clock.h"
#include "engine/cases/case_commands.h"
#include "engine/cases/case_queries.h"
#include "engine/cases/commands.h"
#include "engine/cases/deadline_extension.h"
#include "engine/cases/deadline_sweeper.h"
#include "engine/cases/order_commands.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

class CaseEngine {
 public:
  CaseEngine(Store& store, const Clock& clock, PolicyRegistry& policies);

  // Runs `command` as `actor`. Returns what it answers (an OrderView for
  // order commands, a CaseView for submit and actions). Errors: those of
  // OrderCommands and CaseCommands; on error nothing is written.
  Result<CommandResult> Execute(const Actor& actor, const Command& command, const CommitHook& hook = {});

  CaseQueries& queries() { return queries_; }
  DeadlineSweeper& sweeper() { return sweeper_; }
  DeadlineExtensions& extensions() { return extensions_; }
  const Clock& clock() const { return clock_; }
  PolicyRegistry& policies() { return policies_; }

 private:
  const Clock& clock_;
  PolicyRegistry& policies_;
  DeadlineSweeper sweeper_;
  OrderCommands orders_;
  CaseCommands cases_;
  CaseQueries queries_;
  DeadlineExtensions extensions_;
};

}  // namespace aftersales
