#include "engine/cases/case_work.h"

#include <algorithm>

#include "engine/audit/audit_log.h"
#include "engine/cases/case_document.h"
#include "engine/cases/order_fulfilment.h"
#include "engine/cases/compensation_rules.h"
#include "engine/crypto.h"
#include "engine/reports/case_facts.h"
#include "engine/reports/staff_event_log.h"
#include "engine/webhooks/outbox_event.h"
#include "workflows/repair_rules.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kTextIdBytes = 8;

Result<Case> DecodeCase(ReadTxn& txn, const CaseRow& row) {
  AS_ASSIGN_OR_RETURN(auto deadlines, txn.ListedDeadlines(row.id));
  return CaseFromRow(row, deadlines);
}

}  // namespace

Result<std::vector<Case>> DecodeCases(ReadTxn& txn, const std::vector<CaseRow>& rows) {
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& row : rows) ids.push_back(row.id);
  AS_ASSIGN_OR_RETURN(auto listed, txn.ListedDeadlinesOf(ids));
  const auto deadlines = GroupRows(std::move(listed), [](const DeadlineRow& d) { return d.case_id; });
  const std::vector<DeadlineRow> none;
  std::vector<Case> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    const auto it = deadlines.find(row.id);
    AS_ASSIGN_OR_RETURN(Case kase, CaseFromRow(row, it == deadlines.end() ? none : it->second));
    out.push_back(std::move(kase));
  }
  return out;
}

Result<std::vector<Case>> LoadOrderCases(ReadTxn& txn, const std::string& order_id, const std::string& except) {
  AS_ASSIGN_OR_RETURN(auto rows, except.empty() ? txn.CasesOfOrder(order_id) : txn.OtherCasesOfOrder(order_id, except));
  return DecodeCases(txn, rows);
}

Result<std::map<std::string, std::vector<Case>>> LoadCasesOfOrders(ReadTxn& txn,
                                                                   const std::vector<std::string>& order_ids) {
  AS_ASSIGN_OR_RETURN(auto rows, txn.CasesOfOrders(order_ids));
  AS_ASSIGN_OR_RETURN(std::vector<Case> cases, DecodeCases(txn, rows));
  return GroupRows(std::move(cases), [](const Case& c) { return c.order_id; });
}

Result<std::map<std::string, TextsById>> LoadTextsOfCases(ReadTxn& txn, const std::vector<std::string>& case_ids) {
  AS_ASSIGN_OR_RETURN(auto texts, txn.TextsOfCases(case_ids));
  std::map<std::string, TextsById> out;
  for (auto& t : texts) {
    TextsById& of_case = out[t.case_id];
    std::string id = t.id;
    of_case.emplace(std::move(id), std::move(t));
  }
  return out;
}

Result<TextsById> LoadTexts(ReadTxn& txn, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(auto texts, txn.TextsOfCase(case_id));
  TextsById out;
  for (auto& t : texts) out.emplace(t.id, std::move(t));
  return out;
}

Result<std::optional<Money>> RefundableOfCase(ReadTxn& txn, const Case& kase, const Policy& policy) {
  AS_ASSIGN_OR_RETURN(auto order, txn.GetOrder(kase.order_id));
  if (!order) return std::optional<Money>();
  AS_ASSIGN_OR_RETURN(auto others, LoadOrderCases(txn, kase.order_id, kase.id));
  if (kase.type == CaseType::kCompensation) return std::optional<Money>(CompensationRemaining(*order, others, policy));
  return std::optional<Money>(Ledger(*order, others, kase).CaseCap(kase));
}

Result<std::int64_t> RepairAttemptOf(CaseWork& work) {
  if (work.kase().type != CaseType::kRepair) return std::int64_t{1};
  AS_ASSIGN_OR_RETURN(const std::vector<Case>* others, work.others());
  return RepairAttempt(work.kase(), *others);
}

Result<std::optional<CaseWork>> CaseWork::Open(WriteTxn& txn, const std::string& case_id) {
  AS_ASSIGN_OR_RETURN(auto row, txn.GetCase(case_id));
  if (!row) return std::optional<CaseWork>();
  // A case never changes its order: the row names the order to lock, and is
  // read again when another write of that order may have changed it.
  AS_ASSIGN_OR_RETURN(const bool stale, txn.LockOrder(row->order_id));
  if (stale) {
    AS_ASSIGN_OR_RETURN(row, txn.GetCase(case_id));
    if (!row) return std::optional<CaseWork>();
  }
  AS_ASSIGN_OR_RETURN(Case kase, DecodeCase(txn, *row));
  CaseWork work(txn, std::move(kase));
  work.stored_ = std::move(*row);
  return std::optional<CaseWork>(std::move(work));
}

CaseWork CaseWork::Create(WriteTxn& txn, Case kase, Order order) {
  CaseWork work(txn, std::move(kase));
  work.is_new_ = true;
  work.order_ = std::move(order);
  return work;
}

Result<const Order*> CaseWork::order() {
  if (!order_) {
    AS_ASSIGN_OR_RETURN(auto order, txn_->GetOrder(kase_.order_id));
    if (!order) return Status::Internal("case " + kase_.id + " has no order");
    order_ = std::move(*order);
  }
  return &*order_;
}

Result<const std::vector<Case>*> CaseWork::others() {
  if (!others_) {
    AS_ASSIGN_OR_RETURN(auto cases, LoadOrderCases(*txn_, kase_.order_id, kase_.id));
    others_ = std::move(cases);
  }
  return &*others_;
}

Result<Ledger> CaseWork::ledger() {
  AS_ASSIGN_OR_RETURN(const Order* order, this->order());
  AS_ASSIGN_OR_RETURN(const std::vector<Case>* others, this->others());
  if (is_new_) return Ledger(*order, *others);
  return Ledger(*order, *others, kase_);
}

TextRef CaseWork::AddText(const std::string& kind, Visibility visibility, const std::string& author_id,
                          const std::string& body, TimePoint at) {
  Text t;
  t.id = "tx_" + RandomIdHex(kTextIdBytes);
  t.case_id = kase_.id;
  t.kind = kind;
  t.visibility = visibility;
  t.author_id = author_id;
  t.body = body;
  t.sha256 = Sha256Hex(body);
  t.created_at = at;
  new_texts_.push_back(t);
  return TextRef{t.id, t.sha256};
}

json CaseWork::NewTextIds() const {
  // Listed by id, as the audit data always listed them.
  std::vector<std::string> ids;
  for (const auto& t : new_texts_) ids.push_back(t.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void CaseWork::Audit(const Actor& actor, const std::string& action, std::optional<State> from,
                     std::optional<State> to, json data, TimePoint at) {
  audits_.push_back({actor, action, from, to, std::move(data), at});
}

void CaseWork::Emit(const std::string& type, json data, TimePoint at) { events_.push_back({type, std::move(data), at}); }

void CaseWork::EmitChange(const std::string& action, TimePoint at) {
  if (before_.state != kase_.state) {
    Emit("case.state_changed",
         {{"case_id", kase_.id},
          {"order_id", kase_.order_id},
          {"from", NameOf(before_.state)},
          {"to", NameOf(kase_.state)},
          {"action", action},
          {"version", kase_.version}},
         at);
  }
  if (kase_.state == State::kCompensating && (before_.state != State::kCompensating || action == "compensation_failed")) {
    EmitCompensationRequested(at);
  }
  for (const auto& r : kase_.refunds) {
    const bool is_new = std::none_of(before_.refunds.begin(), before_.refunds.end(),
                                     [&](const Refund& b) { return b.id == r.id; });
    if (is_new && r.status == RefundStatus::kPending) {
      Emit("refund.requested",
           {{"case_id", kase_.id}, {"refund_id", r.id}, {"amount", r.amount}, {"currency", kase_.currency}}, at);
    }
  }
}

void CaseWork::EmitCompensationRequested(TimePoint at) {
  if (!kase_.compensation) return;
  Emit("compensation.requested",
       {{"case_id", kase_.id},
        {"order_id", kase_.order_id},
        {"form", NameOf(kase_.compensation->form)},
        {"amount", kase_.compensation->amount},
        {"currency", kase_.currency}},
       at);
}

void CaseWork::MarkBreached(std::int64_t deadline_id, TimePoint at) { breached_.emplace_back(deadline_id, at); }

// Brings the deadline rows in line with the case's list: breaches marked
// first (a firing may end the deadline it breached, and its breach must
// stay known to the reports), rows no longer listed closed, moved due times
// written, new ones inserted (their ids written back).
Status CaseWork::WriteDeadlines(TimePoint at) {
  for (const auto& [id, when] : breached_) AS_RETURN_IF_ERROR(txn_->SetDeadlineStatus(id, DeadlineStatus::kBreached, when));
  auto marked = [&](std::int64_t id) {
    return std::any_of(breached_.begin(), breached_.end(), [&](const auto& b) { return b.first == id; });
  };
  for (const auto& old : before_.deadlines) {
    auto it = std::find_if(kase_.deadlines.begin(), kase_.deadlines.end(),
                           [&](const Deadline& d) { return d.id == old.id; });
    if (it == kase_.deadlines.end()) {
      AS_RETURN_IF_ERROR(txn_->SetDeadlineStatus(old.id, DeadlineStatus::kDone, at));
    } else if (it->breached && !old.breached && !marked(old.id)) {
      AS_RETURN_IF_ERROR(txn_->SetDeadlineStatus(old.id, DeadlineStatus::kBreached, at));
    } else if (it->due_at != old.due_at) {
      AS_RETURN_IF_ERROR(txn_->SetDeadlineDue(old.id, it->due_at));
    }
  }
  for (auto& d : kase_.deadlines) {
    if (d.id != 0) continue;
    DeadlineRow row;
    row.case_id = kase_.id;
    row.kind = d.kind;
    row.started_at = d.started_at;
    row.due_at = d.due_at;
    row.status = d.breached ? DeadlineStatus::kBreached : DeadlineStatus::kOpen;
    AS_ASSIGN_OR_RETURN(d.id, txn_->InsertDeadline(row));
  }
  return Status::Ok();
}

Status CaseWork::Write(TimePoint at) {
  AS_RETURN_IF_ERROR(WriteCase(at));
  return WriteRecord(at);
}

Status CaseWork::WriteCase(TimePoint at) {
  if (case_written_) return Status::Internal("case " + kase_.id + " written twice in one command");
  AS_ASSIGN_OR_RETURN(const Order* order, this->order());
  if (is_new_) {
    AS_RETURN_IF_ERROR(txn_->InsertCase(CaseToRow(kase_)));
  }
  for (const auto& t : new_texts_) AS_RETURN_IF_ERROR(txn_->InsertText(t));
  AS_RETURN_IF_ERROR(WriteDeadlines(at));
  if (!is_new_) AS_RETURN_IF_ERROR(txn_->UpdateCase(CaseToRow(kase_), stored_));
  AS_RETURN_IF_ERROR(PutCaseFactsOf(*txn_, is_new_ ? nullptr : &before_, kase_, *order, at));
  case_written_ = true;
  return Status::Ok();
}

Status CaseWork::WriteRecord(TimePoint at) {
  if (!case_written_) return Status::Internal("the record of case " + kase_.id + " written before the case");
  AS_ASSIGN_OR_RETURN(const Order* order, this->order());
  for (auto& a : audits_) {
    AuditRecord rec = AuditRecordOf(a.actor, a.at, a.action, std::move(a.data));
    rec.case_id = kase_.id;
    if (a.from) rec.from_state = NameOf(*a.from);
    if (a.to) rec.to_state = NameOf(*a.to);
    AS_ASSIGN_OR_RETURN(AuditRow row, AuditLog::Append(*txn_, rec));
    // The staff events this entry yields, in the same transaction (docs/reports.md).
    AS_RETURN_IF_ERROR(RecordStaffEvents(*txn_, row, rec.data));
  }
  for (const auto& e : events_) {
    AS_RETURN_IF_ERROR(txn_->InsertOutbox(MakeOutboxEvent(e.type, kase_.id, e.data, e.at)).status());
  }
  // A refund before shipment approved (or no longer) changes what the order
  // still has to ship (SPEC §10.1): its shipment status follows.
  if (IsRefundBeforeShipment(kase_) && KeepsUnitsFromShipping(before_) != KeepsUnitsFromShipping(kase_)) {
    AS_ASSIGN_OR_RETURN(const std::vector<Case>* others, this->others());
    AS_RETURN_IF_ERROR(SettleOrderAfterCase(*txn_, *order, *others, kase_, at));
  }
  audits_.clear();
  events_.clear();
  before_ = kase_;
  is_new_ = false;
  case_written_ = false;
  return Status::Ok();
}

Result<CaseView> CaseWork::View(const Actor& viewer, const Policy& policy, TimePoint now) {
  AS_ASSIGN_OR_RETURN(TextsById texts, LoadTexts(*txn_, kase_.id));
  return MakeCaseView(kase_, viewer, std::move(texts), policy, now);
}

}  // namespace aftersales
