// DeadlineExtensions: SPEC §13.3's bulk extension, for sales peaks (双11,
// 618). A manager moves every open deadline of one kind due before a time
// (of cases in one state, when asked) by some hours, once, in one write
// transaction: the deadlines, an audit entry per deadline, one summary entry
// and the reason's erasable text commit together. Versions do not change
// and no webhook fires. What is already due fires first (as the sweep
// would), so an extension never revives a deadline that had passed.
//
// Thread-safe: writes serialize on the store's writer. Time from the Clock.
#pragma once

#include "domain/actor.h"
#include "domain/clock.h"
#include "engine/cases/commands.h"
#include "engine/cases/deadline_sweeper.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

class DeadlineExtensions {
 public:
  DeadlineExtensions(Store& store, const Clock& clock, PolicyRegistry& policies, DeadlineSweeper& sweeper);

  // Errors: forbidden (not a manager), validation_failed (the edge's field
  // errors; a kind with a legal refund limit, merchant_receipt and
  // refund_issue; `state` with order_ship; hours outside 1–720; a reason
  // outside 1–500 characters), unavailable. Nothing is written on error.
  Result<ExtensionView> Extend(const Actor& actor, const ExtendDeadlines& command, const CommitHook& hook);

  // What Extend would do now, written nowhere: how many deadlines it would
  // move, how many are already due (the sweep fires those first), and the
  // first few with their new due times, for the manager to confirm. The
  // command's reason is not needed. Errors: as Extend's.
  Result<ExtensionPreview> Preview(const Actor& actor, const ExtendDeadlines& command);

 private:
  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
  DeadlineSweeper& sweeper_;
};

// The checks of SPEC §13.3 on a command, every problem named; a preview's
// command needs no reason.
enum class ReasonRule { kRequired, kNotNeeded };
Status CheckExtension(const ExtendDeadlines& command, ReasonRule reason = ReasonRule::kRequired);

}  // namespace aftersales
