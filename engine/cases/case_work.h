// CaseWork: one command's unit of work on one case, inside the command's
// write transaction. It loads the case with what its rules need (its
// order, the other cases of the order, the ledger over them, its texts),
// each on first use, and collects what the command decides: new free text,
// audit entries, outbox events, deadlines breached. Write() then writes it
// all in one place — the case row, the changes of its deadlines, its texts,
// the report facts, the audit entries with their staff events, the outbox
// events — for submit, every action and every deadline firing alike (or
// WriteCase() and WriteRecord(), its two halves).
// Nothing is written before Write(); the caller commits the transaction.
// Not thread-safe: one per command, on the command's thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/actor.h"
#include "domain/model.h"
#include "domain/status.h"
#include "engine/cases/case_views.h"
#include "engine/cases/ledger.h"
#include "engine/store/store.h"

namespace aftersales {

class CaseWork {
 public:
  // The case `case_id` as this transaction sees it, its order locked first
  // (WriteTxn::LockOrder); nullopt when there is no such case. Errors:
  // unavailable, internal (a corrupt stored case).
  static Result<std::optional<CaseWork>> Open(WriteTxn& txn, const std::string& case_id);
  // A case not stored yet (submit), on `order`, which the caller read.
  static CaseWork Create(WriteTxn& txn, Case kase, Order order);

  Case& kase() { return kase_; }
  const Case& before() const { return before_; }
  bool is_new() const { return is_new_; }

  // The case's order. Errors: unavailable, internal (no order).
  Result<const Order*> order();
  // The order's other cases. Errors: as order().
  Result<const std::vector<Case>*> others();
  // The ledger over the order and every case on it, this one as it is now
  // in memory. Errors: as order().
  Result<Ledger> ledger();


  // Free text written with the case at Write(); its reference now.
  TextRef AddText(const std::string& kind, Visibility visibility, const std::string& author_id,
                  const std::string& body, TimePoint at);
  bool has_new_texts() const { return !new_texts_.empty(); }
  // The ids of the texts added by this command, as the audit data lists them.
  nlohmann::json NewTextIds() const;

  // An audit entry about this case by `actor` (from/to states as given).
  void Audit(const Actor& actor, const std::string& action, std::optional<State> from, std::optional<State> to,
             nlohmann::json data, TimePoint at);
  // An outbox event about this case.
  void Emit(const std::string& type, nlohmann::json data, TimePoint at);
  // The events of a change from before() to kase(): the state change, any
  // new pending refund, and compensation.requested on entering
  // compensating or after compensation_failed; named after `action`.
  void EmitChange(const std::string& action, TimePoint at);
  // The event a compensation entering `compensating` (or failing in it)
  // sends (SPEC §11.3 `compensation.requested`).
  void EmitCompensationRequested(TimePoint at);
  // Records that the listed deadline `id` was breached at `at`, even if the
  // same command then ends it.
  void MarkBreached(std::int64_t deadline_id, TimePoint at);

  // Writes everything (see the class comment); deadline changes and report
  // facts are dated `at`. Errors: unavailable, version_conflict (someone
  // changed the case), already_exists; on error the caller abandons the
  // transaction.
  Status Write(TimePoint at);
  // Write in its two halves, for a command that reads back or stores
  // something (the case's view, its stored answer) in between: first the
  // case (its row, texts, deadlines, report facts), then its record (audit
  // entries with their staff events, outbox events, the order's shipment).
  // The record goes last because a store that runs writes side by side
  // serializes appends (Store::BeginKeyedWrite): the less that follows the
  // first append, the shorter that queue. Errors: as Write.
  Status WriteCase(TimePoint at);
  Status WriteRecord(TimePoint at);

  // The case as `viewer` sees it once written (its texts read from the
  // transaction, those added included).
  Result<CaseView> View(const Actor& viewer, const Policy& policy, TimePoint now);

 private:
  CaseWork(WriteTxn& txn, Case kase) : txn_(&txn), kase_(std::move(kase)), before_(kase_) {}

  Status WriteDeadlines(TimePoint at);

  WriteTxn* txn_;
  Case kase_;
  Case before_;
  CaseRow stored_;  // the row `before_` was read from (an opened case)
  bool is_new_ = false;
  bool case_written_ = false;  // WriteCase done, WriteRecord not yet
  std::optional<Order> order_;
  std::optional<std::vector<Case>> others_;  // the order's other cases
  std::vector<Text> new_texts_;
  std::vector<std::pair<std::int64_t, TimePoint>> breached_;
  struct PendingAudit {
    Actor actor;
    std::string action;
    std::optional<State> from, to;
    nlohmann::json data;
    TimePoint at;
  };
  std::vector<PendingAudit> audits_;
  struct PendingEvent {
    std::string type;
    nlohmann::json data;
    TimePoint at;
  };
  std::vector<PendingEvent> events_;
};

// The cases of order `order_id` as this transaction sees them, but the one
// whose id is `except` (not decoded at all).
Result<std::vector<Case>> LoadOrderCases(ReadTxn& txn, const std::string& order_id, const std::string& except = "");
// The texts of one case, by id.
Result<TextsById> LoadTexts(ReadTxn& txn, const std::string& case_id);
// The cases of `rows`, in their order, their listed deadlines read in one
// statement (ReadTxn::ListedDeadlinesOf). Errors: unavailable, internal (a
// corrupt stored case).
Result<std::vector<Case>> DecodeCases(ReadTxn& txn, const std::vector<CaseRow>& rows);
// The batch reads of a list page, a fixed number of statements whatever the
// number of ids: the cases of each order, by order id (orders without cases
// absent); the texts of each case, by case id (cases without texts absent).
Result<std::map<std::string, std::vector<Case>>> LoadCasesOfOrders(ReadTxn& txn,
                                                                   const std::vector<std::string>& order_ids);
Result<std::map<std::string, TextsById>> LoadTextsOfCases(ReadTxn& txn, const std::vector<std::string>& case_ids);
// `rows` grouped by `key_of(row)`, each group in the order of `rows`.
template <class Row, class KeyOf>
std::map<std::string, std::vector<Row>> GroupRows(std::vector<Row> rows, KeyOf key_of) {
  std::map<std::string, std::vector<Row>> groups;
  for (Row& row : rows) {
    const std::string key = key_of(row);
    groups[key].push_back(std::move(row));
  }
  return groups;
}
// §12: the attempt the case of `work` would be on entering repairing now
// (workflows/repair_rules.h RepairAttempt); 1 for the other types. Errors:
// as CaseWork::others().
Result<std::int64_t> RepairAttemptOf(CaseWork& work);
// What `kase` may still refund: the ledger's cap for it, as the actions
// check offers and grants against it (a compensation: the order's
// compensation_remaining under `policy`, SPEC §11.2); nullopt when its
// order is not stored.
Result<std::optional<Money>> RefundableOfCase(ReadTxn& txn, const Case& kase, const Policy& policy);

}  // namespace aftersales
