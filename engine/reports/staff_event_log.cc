#include "engine/reports/staff_event_log.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/decode_memo.h"
#include "engine/reports/staff_events.h"

namespace aftersales {
namespace {

constexpr std::size_t kCompareBatch = 4096;  // derived events held before comparing with the table
constexpr std::int64_t kLastSeq = std::numeric_limits<std::int64_t>::max();

// The case's entries before `entry`, folded.
Result<StaffEventFold> FoldHistory(ReadTxn& txn, const AuditRow& entry) {
  AuditFilter f;
  f.case_id = entry.case_id;
  f.limit = std::numeric_limits<int>::max();
  auto history = txn.ListAudit(f);
  if (!history.ok()) return history.status();
  StaffEventFold fold;
  for (const AuditRow& e : *history) {
    if (e.seq >= entry.seq) break;
    auto ignored = fold.Next(e);
    if (!ignored.ok()) return ignored.status();
  }
  return fold;
}

// A case's fold as it stood after one of its entries: the entry that
// recorded staff events last, per case. Found by the case id alone; it is
// used only after the log shows that entry still in place (its seq and
// hash: the hash chain then vouches for every entry before it).
struct FoldAt {
  std::int64_t seq = 0;
  std::string hash;
  StaffEventFold fold;
};

DecodeMemo<FoldAt>& Folds() {
  static auto* const folds = new DecodeMemo<FoldAt>();  // never destroyed: read until exit
  return *folds;
}

// The case's entries before `entry`, folded: from the remembered fold and
// the entries after it when the log still holds its entry, else from the
// case's first entry.
Result<StaffEventFold> FoldBefore(ReadTxn& txn, const AuditRow& entry) {
  const std::shared_ptr<const FoldAt> known = Folds().Find(*entry.case_id, "");
  if (known == nullptr || known->seq >= entry.seq) return FoldHistory(txn, entry);
  AuditFilter f;
  f.case_id = entry.case_id;
  f.after_seq = known->seq - 1;
  f.before_seq = entry.seq;
  f.limit = std::numeric_limits<int>::max();
  AS_ASSIGN_OR_RETURN(std::vector<AuditRow> since, txn.ListAudit(f));
  if (since.empty() || since.front().seq != known->seq || since.front().hash != known->hash) {
    return FoldHistory(txn, entry);
  }
  StaffEventFold fold = known->fold;
  for (std::size_t i = 1; i < since.size(); ++i) {
    auto ignored = fold.Next(since[i]);
    if (!ignored.ok()) return ignored.status();
  }
  return fold;
}

bool KeyLess(const StaffEventRow& a, const StaffEventRow& b) {
  return std::tie(a.seq, a.user_id, a.kind) < std::tie(b.seq, b.user_id, b.kind);
}

std::string Describe(const StaffEventRow& e) {
  std::string s = e.kind + " of " + e.user_id + " on case " + e.case_id + " (value " + std::to_string(e.value);
  if (e.currency) s += " " + *e.currency;
  return s + ", at " + FormatTime(e.at) + ")";
}

// Compares the log's events with the table's rows of the same seq range;
// records the first difference in `check`.
void Compare(const std::vector<StaffEventRow>& derived, std::vector<StaffEventRow> stored, StaffEventCheck& check) {
  // The table's order is the backend's collation; compare in ours.
  std::sort(stored.begin(), stored.end(), KeyLess);
  std::size_t i = 0, j = 0;
  while (i < derived.size() || j < stored.size()) {
    const StaffEventRow* d = i < derived.size() ? &derived[i] : nullptr;
    const StaffEventRow* t = j < stored.size() ? &stored[j] : nullptr;
    if (d && t && !KeyLess(*d, *t) && !KeyLess(*t, *d)) {
      if (*d != *t) {
        check.first_bad_seq = d->seq;
        check.difference = "seq " + std::to_string(d->seq) + ": the audit log gives " + Describe(*d) +
                           ", the table has " + Describe(*t);
        break;
      }
      ++i;
      ++j;
    } else if (d && (!t || KeyLess(*d, *t))) {
      check.first_bad_seq = d->seq;
      check.difference =
          "seq " + std::to_string(d->seq) + ": the audit log gives " + Describe(*d) + ", missing from the table";
      break;
    } else {
      check.first_bad_seq = t->seq;
      check.difference =
          "seq " + std::to_string(t->seq) + ": the table has " + Describe(*t) + ", which the audit log does not give";
      break;
    }
  }
  check.ok = check.difference.empty();
}

}  // namespace

Status RecordStaffEvents(WriteTxn& txn, const AuditRow& entry, const nlohmann::json& data) {
  if (!entry.case_id) return Status::Ok();
  // A submit is its case's first entry (as ScanDerivedStaffEvents reads the
  // log; it comes from no state): there is nothing before it to read. Its
  // fold is remembered, so the case's first decision reads only the entries
  // since, and never parses the submit's data again.
  const bool first = entry.action == "submit" && !entry.from_state;
  if (!first && !MayYieldStaffEvents(entry)) return Status::Ok();
  StaffEventFold fold;
  if (!first) {
    AS_ASSIGN_OR_RETURN(fold, FoldBefore(txn, entry));
  }
  auto events = fold.Next(entry, data);
  if (!events.ok()) return events.status();
  for (const StaffEventRow& e : *events) AS_RETURN_IF_ERROR(txn.InsertStaffEvent(e));
  Folds().Remember(*entry.case_id, "", std::make_shared<const FoldAt>(FoldAt{entry.seq, entry.hash, fold}));
  return Status::Ok();
}

Status ScanDerivedStaffEvents(ReadTxn& txn, const std::function<Status(const StaffEventRow&)>& fn,
                              std::int64_t* entries) {
  // One fold per open case; a finished case's fold is dropped, and read
  // back from its history should the case ever have a later entry.
  std::unordered_map<std::string, StaffEventFold> folds;
  std::int64_t read = 0;
  Status failed = Status::Ok();
  Status scanned = txn.ScanAudit([&](const AuditRow& e) {
    ++read;
    if (!e.case_id) return true;
    auto it = folds.find(*e.case_id);
    if (it == folds.end()) {
      if (e.action == "submit") {
        it = folds.emplace(*e.case_id, StaffEventFold()).first;
      } else {
        auto fold = FoldHistory(txn, e);
        if (!fold.ok()) {
          failed = fold.status();
          return false;
        }
        it = folds.emplace(*e.case_id, std::move(*fold)).first;
      }
    }
    auto events = it->second.Next(e);
    if (!events.ok()) {
      failed = events.status();
      return false;
    }
    if (it->second.finished()) folds.erase(it);
    for (const StaffEventRow& ev : *events) {
      failed = fn(ev);
      if (!failed.ok()) return false;
    }
    return true;
  });
  if (entries) *entries = read;
  AS_RETURN_IF_ERROR(scanned);
  return failed;
}

Result<StaffEventCheck> VerifyStaffEvents(ReadTxn& txn) {
  StaffEventCheck check;
  std::vector<StaffEventRow> pending;  // derived, not yet compared
  std::int64_t compared_up_to = 0;     // every seq <= this has been compared
  // Compares the derived events of seqs (compared_up_to, up_to] with the table's.
  auto compare_up_to = [&](std::int64_t up_to) -> Status {
    auto stored = txn.ListStaffEvents(compared_up_to, up_to);
    if (!stored.ok()) return stored.status();
    Compare(pending, std::move(*stored), check);
    pending.clear();
    compared_up_to = up_to;
    return Status::Ok();
  };
  // Any error ends the scan early; `check.ok` tells a difference from a failure.
  const Status stop = Status::Internal("staff events differ");
  std::int64_t last_seq = 0;
  Status scanned = ScanDerivedStaffEvents(
      txn,
      [&](const StaffEventRow& e) -> Status {
        ++check.events;
        // An entry's events arrive together: a new seq closes the previous one.
        if (e.seq != last_seq && pending.size() >= kCompareBatch) {
          AS_RETURN_IF_ERROR(compare_up_to(last_seq));
          if (!check.ok) return stop;
        }
        last_seq = e.seq;
        pending.push_back(e);
        return Status::Ok();
      },
      &check.entries);
  if (!check.ok) return check;
  if (!scanned.ok()) return scanned;
  AS_RETURN_IF_ERROR(compare_up_to(kLastSeq));
  return check;
}

Result<StaffEventBackfill> BackfillStaffEvents(Store& store) {
  StaffEventBackfill result;
  auto txn = store.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto last = (*txn)->LastStaffEventSeq();
  if (!last.ok()) return last.status();
  if (last->has_value()) return result;
  Status scanned = ScanDerivedStaffEvents(
      **txn,
      [&](const StaffEventRow& e) -> Status {
        AS_RETURN_IF_ERROR((*txn)->InsertStaffEvent(e));
        ++result.events;
        return Status::Ok();
      },
      &result.entries);
  AS_RETURN_IF_ERROR(scanned);
  if (result.events == 0) return result;  // nothing to write: the transaction rolls back
  AS_RETURN_IF_ERROR((*txn)->Commit());
  result.rebuilt = true;
  return result;
}

}  // namespace aftersales
