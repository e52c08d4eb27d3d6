// The cases aggregate of the store seam (engine/store/store.h): cases,
// their deadlines and their erasable texts. Rows hold the engine's enums;
// how a backend spells them is the backend's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/model.h"
#include "domain/status.h"

namespace aftersales {

// A case as stored: the indexed columns plus `doc`, the rest of the case as
// JSON text (its shape is the engine's business, engine/cases/case_document.h).
struct CaseRow {
  std::string id;
  std::string order_id;
  std::string buyer_id;
  CaseType type = CaseType::kRefundOnly;
  State state = State::kRequested;
  std::int64_t version = 1;
  std::optional<std::string> assignee;
  int policy_version = 0;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;
  std::optional<TimePoint> next_due_at;  // earliest open (unbreached or breached) deadline
  bool breached = false;                 // some listed deadline is breached
  bool risk_flagged = false;             // the abuse signals flagged the case at submit
  // The shipments' tracking numbers, kept beside `doc` for prefix search.
  std::optional<std::string> return_tracking_no;
  std::optional<std::string> replacement_tracking_no;
  std::string doc;
};

// open: waiting; breached: passed, breach recorded, listed until its state
// is left; done: fired, or cancelled by leaving the state.
enum class DeadlineStatus { kOpen, kBreached, kDone };

struct DeadlineRow {
  std::int64_t id = 0;
  std::string case_id;   // empty for an order's deadline (order_ship)
  std::string order_id;  // set for an order's deadline only
  DeadlineKind kind = DeadlineKind::kMerchantResponse;
  TimePoint started_at = 0;
  TimePoint due_at = 0;
  DeadlineStatus status = DeadlineStatus::kOpen;
  std::optional<TimePoint> closed_at;
};

// An open deadline a bulk extension (SPEC §13.3) may move, with what it is
// judged by: its case's state (none for an order's) and the policy version
// of its case or order.
struct ExtendableDeadline {
  DeadlineRow deadline;
  std::optional<State> case_state;
  int policy_version = 0;
};

// Case list filters of SPEC §6.5. Empty vectors / nullopt mean "any".
struct CaseFilter {
  std::vector<State> states;
  std::optional<CaseType> type;
  std::optional<std::string> assignee;  // a user id
  bool unassigned = false;              // assignee=none
  std::optional<std::string> order_id;
  std::optional<std::string> buyer_id;
  std::optional<bool> breached;
  std::optional<TimePoint> due_before;  // next_due_at < due_before
  bool flagged_only = false;            // risk=flagged: only cases with risk_flagged
  // Only cases whose order id, return tracking number or replacement
  // tracking number starts with this text (byte-wise, case-sensitive).
  std::optional<std::string> search_prefix;
  bool sort_by_due = true;  // else by created_at
  // Keyset cursor: the sort key and id of the last row of the previous page.
  // For due sort, a null key means "cases without a deadline" (sorted last).
  bool has_cursor = false;
  std::optional<std::int64_t> cursor_key;
  std::string cursor_id;
  int limit = 50;
};

class CaseReads {
 public:
  virtual ~CaseReads() = default;
  virtual Result<std::optional<CaseRow>> GetCase(const std::string& id) = 0;
  virtual Result<std::vector<CaseRow>> CasesOfOrder(const std::string& order_id) = 0;
  // CasesOfOrder without the case `case_id`: what a case's ledger reads
  // beside the case itself, which the caller holds already.
  virtual Result<std::vector<CaseRow>> OtherCasesOfOrder(const std::string& order_id, const std::string& case_id) = 0;
  // A page in the filter's order (keyset: after the cursor), at most limit.
  virtual Result<std::vector<CaseRow>> ListCases(const CaseFilter& filter) = 0;
  // The abuse signals' figures of one buyer (engine/reports/risk.h): the
  // buyer's cases created in [from, to], by (created_at, id).
  virtual Result<std::vector<CaseRow>> CasesOfBuyer(const std::string& buyer_id, TimePoint from, TimePoint to) = 0;
  // Deadlines of the case with status open or breached, by due_at.
  virtual Result<std::vector<DeadlineRow>> ListedDeadlines(const std::string& case_id) = 0;
  // Open deadlines with due_at <= now, by (due_at, id), at most `limit`.
  virtual Result<std::vector<DeadlineRow>> DueDeadlines(TimePoint now, int limit) = 0;
  // Open deadlines of `kind` with due_at < `due_before`, of cases in
  // `state` when given, by (due_at, id).
  virtual Result<std::vector<ExtendableDeadline>> OpenDeadlinesDueBefore(DeadlineKind kind, std::optional<State> state,
                                                                        TimePoint due_before) = 0;
  virtual Result<std::vector<Text>> TextsOfCase(const std::string& case_id) = 0;
  // The batch reads of a list page: each one statement whatever the number
  // of ids, so that a page costs the same number of queries at any size.
  // Each answers what the single read answers for every id given, in one
  // list grouped by that id (in no particular order of the groups), each
  // group in the single read's order; ids without rows add nothing.
  // The cases of each order (CasesOfOrder), grouped by order_id.
  virtual Result<std::vector<CaseRow>> CasesOfOrders(const std::vector<std::string>& order_ids) = 0;
  // The listed deadlines of each case (ListedDeadlines), grouped by case_id.
  virtual Result<std::vector<DeadlineRow>> ListedDeadlinesOf(const std::vector<std::string>& case_ids) = 0;
  // The texts of each case (TextsOfCase), grouped by case_id.
  virtual Result<std::vector<Text>> TextsOfCases(const std::vector<std::string>& case_ids) = 0;
  virtual Result<std::optional<Text>> GetText(const std::string& id) = 0;
  // Counts for /metrics: cases per state; open deadlines due before `t`;
  // deadlines currently breached (listed).
  virtual Result<std::vector<std::pair<State, std::int64_t>>> CountCasesByState() = 0;
  virtual Result<std::int64_t> CountOpenDeadlinesDueBefore(TimePoint t) = 0;
  virtual Result<std::int64_t> CountBreachedDeadlines() = 0;
};

class CaseWrites {
 public:
  virtual ~CaseWrites() = default;
  // already_exists when the id is taken.
  virtual Status InsertCase(const CaseRow& row) = 0;
  // Replaces `stored`, the row as read in this transaction, with `row`;
  // version_conflict unless the stored version is still stored.version.
  // Only the columns that differ from `stored` are written.
  virtual Status UpdateCase(const CaseRow& row, const CaseRow& stored) = 0;
  // Inserts a deadline; returns its id.
  virtual Result<std::int64_t> InsertDeadline(const DeadlineRow& row) = 0;
  // Moves a deadline to `status` as of `at` (done: closed_at; breached: the
  // first breach time is kept). not_found when there is no such deadline.
  virtual Status SetDeadlineStatus(std::int64_t id, DeadlineStatus status, TimePoint at) = 0;
  // Moves an open deadline's due time (merchant_receipt shortened by a
  // delivery report); not_found when there is no such deadline.
  virtual Status SetDeadlineDue(std::int64_t id, TimePoint due_at) = 0;
  // Moves an open deadline's due time by an extension and counts it as
  // extended; not_found when there is no such open deadline.
  virtual Status ExtendDeadline(std::int64_t id, TimePoint due_at) = 0;
  virtual Status InsertText(const Text& text) = 0;
};

const char* NameOf(DeadlineStatus status);
std::optional<DeadlineStatus> ParseDeadlineStatus(std::string_view name);

}  // namespace aftersales
