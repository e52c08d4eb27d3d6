#include "engine/case_service.h"

#include <algorithm>
#include <set>

#include "engine/approval_limit.h"
#include "engine/audit_log.h"
#include "engine/body_reader.h"
#include "engine/case_codec.h"
#include "engine/case_facts.h"
#include "engine/case_view.h"
#include "engine/command_parser.h"
#include "engine/crypto.h"
#include "engine/ledger.h"
#include "engine/order_import.h"
#include "engine/risk.h"
#include "engine/staff_event_log.h"
#include "workflows/deadline_rules.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kDueBatch = 64;
constexpr std::size_t kMaxCaseLines = 200;
constexpr std::size_t kMaxEvidence = 20;
constexpr int kTimelineLimit = 100000;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

// ---- Loading -------------------------------------------------------------

Result<std::optional<Case>> LoadCase(ReadTxn& txn, const std::string& id) {
  auto row = txn.GetCase(id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<Case>();
  auto deadlines = txn.ListedDeadlines(id);
  if (!deadlines.ok()) return deadlines.status();
  auto kase = CaseFromRow(**row, *deadlines);
  if (!kase.ok()) return kase.status();
  return std::optional<Case>(std::move(*kase));
}

// The cases of an order. `loaded`, when given, is one of them as this
// transaction already read it: it is taken as is, not decoded again.
Result<std::vector<Case>> LoadOrderCases(ReadTxn& txn, const std::string& order_id, const Case* loaded = nullptr) {
  auto rows = txn.CasesOfOrder(order_id);
  if (!rows.ok()) return rows.status();
  std::vector<Case> out;
  for (const auto& row : *rows) {
    if (loaded && row.id == loaded->id) {
      out.push_back(*loaded);
      continue;
    }
    auto deadlines = txn.ListedDeadlines(row.id);
    if (!deadlines.ok()) return deadlines.status();
    auto kase = CaseFromRow(row, *deadlines);
    if (!kase.ok()) return kase.status();
    out.push_back(std::move(*kase));
  }
  return out;
}

Result<TextsById> LoadTexts(ReadTxn& txn, const std::string& case_id) {
  auto texts = txn.TextsOfCase(case_id);
  if (!texts.ok()) return texts.status();
  TextsById out;
  for (auto& t : *texts) out.emplace(t.id, std::move(t));
  return out;
}

// ---- Writing -------------------------------------------------------------

// Free text of one action, written to the erasable texts table.
class TextWriter {
 public:
  TextWriter(WriteTxn& txn, const Case& kase, const Actor& actor, TimePoint now)
      : txn_(txn), kase_(kase), actor_(actor), now_(now) {}

  Result<TextRef> Add(const std::string& kind, Visibility visibility, const std::string& body) {
    Text t;
    t.id = "tx_" + RandomHex(8);
    t.case_id = kase_.id;
    t.kind = kind;
    t.visibility = visibility;
    t.author_id = actor_.id;
    t.body = body;
    t.sha256 = Sha256Hex(body);
    t.created_at = now_;
    AS_RETURN_IF_ERROR(txn_.InsertText(t));
    written_.emplace(t.id, t);
    return TextRef{t.id, t.sha256};
  }
  const TextsById& written() const { return written_; }

 private:
  WriteTxn& txn_;
  const Case& kase_;
  const Actor& actor_;
  TimePoint now_;
  TextsById written_;
};

json RefJson(const TextRef& r) { return {{"id", r.id}, {"sha256", r.sha256}}; }

Status Emit(WriteTxn& txn, const std::string& type, const std::string& case_id, json data, TimePoint now) {
  OutboxRow row;
  row.event_id = "evt_" + RandomHex(12);
  row.type = type;
  row.case_id = case_id;
  row.created_at = now;
  json payload = {{"id", row.event_id}, {"type", type}, {"created_at", FormatTime(now)}, {"data", std::move(data)}};
  row.payload = payload.dump();
  auto id = txn.InsertOutbox(row);
  return id.status();
}

// Brings the deadline rows in line with `kase.deadlines`: rows no longer
// listed are closed, new ones inserted (their ids written back), breaches
// marked, moved due times written.
Status SaveDeadlines(WriteTxn& txn, Case& kase, const std::vector<Deadline>& before, TimePoint now) {
  for (const auto& old : before) {
    auto it = std::find_if(kase.deadlines.begin(), kase.deadlines.end(),
                           [&](const Deadline& d) { return d.id == old.id; });
    if (it == kase.deadlines.end()) {
      AS_RETURN_IF_ERROR(txn.SetDeadlineStatus(old.id, "done", now));
    } else if (it->breached && !old.breached) {
      AS_RETURN_IF_ERROR(txn.SetDeadlineStatus(old.id, "breached", now));
    } else if (it->due_at != old.due_at) {
      AS_RETURN_IF_ERROR(txn.SetDeadlineDue(old.id, it->due_at));
    }
  }
  for (auto& d : kase.deadlines) {
    if (d.id != 0) continue;
    DeadlineRow row;
    row.case_id = kase.id;
    row.kind = NameOf(d.kind);
    row.started_at = d.started_at;
    row.due_at = d.due_at;
    row.status = d.breached ? "breached" : "open";
    auto id = txn.InsertDeadline(row);
    if (!id.ok()) return id.status();
    d.id = *id;
  }
  return Status::Ok();
}

Status AppendAudit(WriteTxn& txn, const Actor& actor, const Case& kase, const std::string& action,
                   std::optional<State> from, std::optional<State> to, json data, TimePoint at) {
  AuditRecord rec;
  rec.at = at;
  rec.actor_id = actor.id;
  rec.actor_role = NameOf(actor.role);
  rec.case_id = kase.id;
  rec.action = action;
  if (from) rec.from_state = NameOf(*from);
  if (to) rec.to_state = NameOf(*to);
  rec.data = std::move(data);
  auto row = AuditLog::Append(txn, rec);
  if (!row.ok()) return row.status();
  // The staff events this entry yields, in the same transaction (docs/reports.md).
  return RecordStaffEvents(txn, *row);
}

// The submit entry's `risk`, with a random salt: a buyer's timeline leaves
// `risk` out, and without the salt the few possible values could be guessed
// back from the entry's hash, which the buyer sees.
json SaltedRisk(const Risk& risk) {
  json out = RiskToJson(risk);
  out["salt"] = RandomHex(16);
  return out;
}

// Outbox events of a change: the state change and any new pending refund.
Status EmitChange(WriteTxn& txn, const Case& before, const Case& after, const std::string& action, TimePoint now) {
  if (before.state != after.state) {
    AS_RETURN_IF_ERROR(Emit(txn, "case.state_changed", after.id,
                            {{"case_id", after.id},
                             {"order_id", after.order_id},
                             {"from", NameOf(before.state)},
                             {"to", NameOf(after.state)},
                             {"action", action},
                             {"version", after.version}},
                            now));
  }
  for (const auto& r : after.refunds) {
    const bool is_new = std::none_of(before.refunds.begin(), before.refunds.end(),
                                     [&](const Refund& b) { return b.id == r.id; });
    if (is_new && r.status == RefundStatus::kPending) {
      AS_RETURN_IF_ERROR(Emit(txn, "refund.requested", after.id,
                              {{"case_id", after.id},
                               {"refund_id", r.id},
                               {"amount", r.amount},
                               {"currency", after.currency}},
                              now));
    }
  }
  return Status::Ok();
}

// The audit `input` of an action: its fields, with free text replaced by
// the id and SHA-256 of its row in the texts table.
json InputData(const Command& c, const CommandTexts& texts, const std::optional<TextRef>& comment) {
  json in = json::object();
  if (c.expected_version) in["expected_version"] = *c.expected_version;
  if (texts.note) in["note"] = RefJson(*texts.note);
  if (c.reason_code) in["reason_code"] = *c.reason_code;
  if (c.amount) in["amount"] = *c.amount;
  if (c.return_required) in["return_required"] = *c.return_required;
  if (c.decision) in["decision"] = *c.decision;
  if (c.result) in["result"] = *c.result;
  if (c.grade) in["grade"] = *c.grade;
  if (c.restock) in["restock"] = *c.restock;
  if (c.lines) {
    json lines = json::array();
    for (const auto& l : *c.lines) lines.push_back({{"line_id", l.line_id}, {"received", l.received}, {"damaged", l.damaged}});
    in["lines"] = lines;
  }
  if (c.carrier) in["carrier"] = *c.carrier;
  if (c.tracking_no) in["tracking_no"] = *c.tracking_no;
  if (c.sku) in["sku"] = *c.sku;
  if (c.shipment) in["shipment"] = *c.shipment;
  if (c.status) in["status"] = *c.status;
  if (c.at) in["at"] = FormatTime(*c.at);
  if (c.external_ref) in["external_ref"] = *c.external_ref;
  if (texts.error) in["error"] = RefJson(*texts.error);
  if (comment) in["text"] = RefJson(*comment);
  if (c.visibility) in["visibility"] = *c.visibility;
  if (c.has_assignee) in["assignee"] = c.assignee ? json(*c.assignee) : json(nullptr);
  if (c.requested_amount) in["requested_amount"] = *c.requested_amount;
  if (texts.description) in["description"] = RefJson(*texts.description);
  if (c.evidence) {
    json ev = json::array();
    for (const auto& e : texts.evidence) ev.push_back(RefJson(e));
    in["evidence"] = ev;
  }
  return in;
}

json TextIds(const TextsById& written) {
  json ids = json::array();
  for (const auto& [id, t] : written) ids.push_back(id);
  return ids;
}

// ---- Rules ---------------------------------------------------------------

// The agreed or requested amount a person's action would fix, checked
// against the case's refundable amount (422). nullopt: the action fixes none.
std::optional<Money> AmountFixed(const Case& c, const Command& cmd, bool goes_to_supervisor) {
  switch (cmd.action) {
    case Action::kApprove:
      if (goes_to_supervisor) return std::nullopt;
      return c.type == CaseType::kExchange ? 0 : c.requested_amount;
    case Action::kAcceptOffer: return c.offer ? std::optional<Money>(c.offer->amount) : std::nullopt;
    case Action::kArbitrate:
      if (cmd.decision.value_or("") != "grant") return std::nullopt;
      return cmd.amount.value_or(c.requested_amount);
    case Action::kOffer: return cmd.amount;
    case Action::kModify: return cmd.requested_amount;
    default: return std::nullopt;
  }
}

Status ReturnWindowCheck(const Order& order, const std::string& reason, const Policy& policy, TimePoint now) {
  if (!order.delivered_at) return Status::Ok();
  const TimePoint end = *order.delivered_at + policy.WindowDays(reason) * kDay;
  if (now > end) {
    return Status(Code::kOutsideReturnWindow, "the " + std::to_string(policy.WindowDays(reason)) +
                                                  "-day return window ended at " + FormatTime(end));
  }
  return Status::Ok();
}

// Checks of an action's body that need the case, its order or the store.
Status ValidateInContext(ReadTxn& txn, const Case& c, const Command& cmd, const Actor& actor, const Policy& policy,
                         TimePoint now) {
  BodyReader r(json::object(), {});
  switch (cmd.action) {
    case Action::kReject:
      if (cmd.reason_code && !policy.IsRejectReason(*cmd.reason_code)) {
        r.Fail("reason_code", "unknown reject reason " + *cmd.reason_code);
      }
      break;
    case Action::kOffer:
    case Action::kArbitrate:
      if (c.type == CaseType::kRefundOnly && cmd.return_required.value_or(false)) {
        r.Fail("return_required", "a refund_only case never takes the goods back");
      }
      if (cmd.action == Action::kArbitrate && c.type != CaseType::kExchange && cmd.amount && *cmd.amount == 0) {
        r.Fail("amount", "a grant of money is at least 1 (only an exchange grants a replacement with 0)");
      }
      break;
    case Action::kReceive: {
      bool short_or_damaged = false;
      if (cmd.lines) {
        for (const auto& l : *cmd.lines) {
          auto it = std::find_if(c.lines.begin(), c.lines.end(), [&](const CaseLine& cl) { return cl.line_id == l.line_id; });
          if (it == c.lines.end()) {
            r.Fail("lines", "line " + l.line_id + " is not part of this case");
          } else if (l.received > it->qty) {
            r.Fail("lines", "more units of " + l.line_id + " received than the case names");
          } else if (l.received < it->qty || l.damaged > 0) {
            short_or_damaged = true;
          }
        }
      }
      if (short_or_damaged && cmd.result.value_or("") == "pass") {
        r.Fail("result", "must be fail when fewer units arrive than the case names or any is damaged");
      }
      break;
    }
    case Action::kCarrierUpdate: {
      const bool want_return = c.state == State::kReturnInTransit;
      if (cmd.shipment && *cmd.shipment != (want_return ? "return" : "replacement")) {
        r.Fail("shipment", std::string("must be ") + (want_return ? "return" : "replacement") + " in state " +
                               NameOf(c.state));
        break;
      }
      const auto& shipment = want_return ? c.return_shipment : c.replacement_shipment;
      if (cmd.at && shipment && (*cmd.at < shipment->shipped_at || *cmd.at > now)) {
        r.Fail("at", "must lie between the shipment's shipped_at and now");
      }
      break;
    }
    case Action::kAssign:
      if (cmd.assignee) {
        auto user = txn.GetUser(*cmd.assignee);
        if (!user.ok()) return user.status();
        if (!user->has_value() || (*user)->disabled) {
          r.Fail("assignee", "no active user " + *cmd.assignee);
        } else {
          auto role = ParseRole((*user)->role);
          if (!role || !IsStaff(*role) || *role == Role::kIntegration || *role == Role::kAdmin) {
            r.Fail("assignee", "cases are assigned to staff who act on them");
          }
        }
      }
      break;
    case Action::kModify:
      if (c.type == CaseType::kExchange && cmd.requested_amount.value_or(0) != 0) {
        r.Fail("requested_amount", "an exchange requests 0");
      }
      break;
    case Action::kComment:
      if (!IsStaff(actor.role) && cmd.visibility.value_or("buyer") != "buyer") {
        r.Fail("visibility", "a buyer's comment is visible to the buyer");
      }
      break;
    default: break;
  }
  return r.Finish();
}

// Whose note is addressed to the buyer: the buyer's own, an offer's, an
// inspection's. Other staff notes are internal.
Visibility NoteVisibility(const Command& cmd, const Actor& actor) {
  if (!IsStaff(actor.role)) return Visibility::kBuyer;
  // The integration speaks for the buyer on the buyer's own actions.
  if (actor.role == Role::kIntegration) {
    switch (cmd.action) {
      case Action::kAppeal:
      case Action::kCancel:
      case Action::kAcceptOffer:
      case Action::kDeclineOffer:
      case Action::kModify:
      case Action::kShipReturn:
      case Action::kConfirmDelivery: return Visibility::kBuyer;
      default: break;
    }
  }
  if (cmd.action == Action::kOffer || cmd.action == Action::kReceive) return Visibility::kBuyer;
  return Visibility::kInternal;
}

Actor SystemActor() {
  Actor a;
  a.id = "system";
  a.role = Role::kSystem;
  return a;
}

Status InvalidTransition(const Case& c, Action action, const Actor& actor, const Policy& policy) {
  json allowed = json::array();
  for (Action a : AllowedActionsFor(c, actor, policy)) allowed.push_back(NameOf(a));
  Status s(Code::kInvalidTransition,
           std::string(NameOf(action)) + " is not possible in state " + NameOf(c.state));
  s.With("state", NameOf(c.state));
  s.With("allowed_actions", allowed);
  return s;
}

// Keyset cursor: hex of "<d|c>:<key or ->:<id>".
std::string EncodeCursor(bool due, const std::optional<std::int64_t>& key, const std::string& id) {
  const std::string raw = std::string(due ? "d" : "c") + ":" + (key ? std::to_string(*key) : "-") + ":" + id;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : raw) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

bool DecodeCursor(const std::string& cursor, bool due, CaseFilter& f) {
  if (cursor.empty() || cursor.size() % 2 != 0 || cursor.size() > 400) return false;
  std::string raw;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    auto nib = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      return -1;
    };
    const int hi = nib(cursor[i]), lo = nib(cursor[i + 1]);
    if (hi < 0 || lo < 0) return false;
    raw += static_cast<char>(hi * 16 + lo);
  }
  if (raw.size() < 4 || raw[0] != (due ? 'd' : 'c') || raw[1] != ':') return false;
  const std::size_t sep = raw.find(':', 2);
  if (sep == std::string::npos) return false;
  const std::string key = raw.substr(2, sep - 2);
  const std::string id = raw.substr(sep + 1);
  if (!IsValidId(id)) return false;
  f.has_cursor = true;
  f.cursor_id = id;
  if (key == "-") {
    if (!due) return false;
    f.cursor_key.reset();
    return true;
  }
  if (key.empty() || key.size() > 19 || !std::all_of(key.begin(), key.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || ch == '-';
      })) {
    return false;
  }
  try {
    f.cursor_key = std::stoll(key);
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace

CaseService::CaseService(Store& store, const Clock& clock, PolicyRegistry& policies)
    : store_(store), clock_(clock), policies_(policies) {}

// ---- Orders ----------------------------------------------------------------

Result<json> CaseService::CreateOrder(const Actor& actor, const json& body, const TxnHook& hook) {
  if (actor.role != Role::kIntegration && actor.role != Role::kAdmin) {
    return Status(Code::kForbidden, "only integrations and admins create orders");
  }
  const TimePoint now = clock_.Now();
  auto order = OrderFromJson(body, now);
  if (!order.ok()) return order.status();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  AS_RETURN_IF_ERROR((*txn)->InsertOrder(*order));
  AuditRecord rec;
  rec.at = now;
  rec.actor_id = actor.id;
  rec.actor_role = NameOf(actor.role);
  rec.action = "order_created";
  rec.data = OrderAuditData(*order);
  AS_RETURN_IF_ERROR(AuditLog::Append(**txn, rec).status());
  Ledger ledger(*order, {});
  json response = RenderOrder(*order, ledger, {});
  if (hook) AS_RETURN_IF_ERROR(hook(**txn, response));
  AS_RETURN_IF_ERROR((*txn)->Commit());
  return response;
}

Result<json> CaseService::PatchOrder(const Actor& actor, const std::string& order_id, const json& body,
                                     const TxnHook& hook) {
  if (actor.role != Role::kIntegration && actor.role != Role::kAdmin) {
    return Status(Code::kForbidden, "only integrations and admins change orders");
  }
  const TimePoint now = clock_.Now();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto order = (*txn)->GetOrder(order_id);
  if (!order.ok()) return order.status();
  if (!order->has_value()) return Status::NotFound("order " + order_id);
  BodyReader r(body, {"delivered_at"});
  std::optional<TimePoint> delivered;
  if (!r.Has("delivered_at")) {
    r.Fail("delivered_at", "is required (a time, or null)");
  } else if (!r.IsNull("delivered_at")) {
    delivered = r.Time("delivered_at", true);
    if (delivered && *delivered > now) r.Fail("delivered_at", "must not be in the future");
    if (delivered && *delivered < (*order)->placed_at) r.Fail("delivered_at", "must not be before placed_at");
  }
  AS_RETURN_IF_ERROR(r.Finish());
  AS_RETURN_IF_ERROR((*txn)->UpdateOrderDelivery(order_id, delivered));
  (*order)->delivered_at = delivered;
  AuditRecord rec;
  rec.at = now;
  rec.actor_id = actor.id;
  rec.actor_role = NameOf(actor.role);
  rec.action = "order_updated";
  rec.data = {{"order_id", order_id}, {"delivered_at", delivered ? json(FormatTime(*delivered)) : json(nullptr)}};
  AS_RETURN_IF_ERROR(AuditLog::Append(**txn, rec).status());
  auto cases = LoadOrderCases(**txn, order_id);
  if (!cases.ok()) return cases.status();
  std::vector<std::string> ids;
  for (const auto& c : *cases) ids.push_back(c.id);
  Ledger ledger(**order, *cases);
  json response = RenderOrder(**order, ledger, ids);
  if (hook) AS_RETURN_IF_ERROR(hook(**txn, response));
  AS_RETURN_IF_ERROR((*txn)->Commit());
  return response;
}

Result<json> CaseService::GetOrder(const Actor& actor, const std::string& order_id) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto order = (*txn)->GetOrder(order_id);
  if (!order.ok()) return order.status();
  if (!order->has_value() || !MaySeeBuyer(actor, (*order)->buyer_id)) return Status::NotFound("order " + order_id);
  auto cases = LoadOrderCases(**txn, order_id);
  if (!cases.ok()) return cases.status();
  std::vector<std::string> ids;
  for (const auto& c : *cases) ids.push_back(c.id);
  Ledger ledger(**order, *cases);
  return RenderOrder(**order, ledger, ids);
}

// ---- Submit ----------------------------------------------------------------

Result<json> CaseService::Submit(const Actor& actor, const json& body, const TxnHook& hook) {
  const TimePoint now = clock_.Now();
  if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
  auto order_id_it = body.find("order_id");
  if (order_id_it == body.end() || !order_id_it->is_string() || !IsValidId(order_id_it->get<std::string>())) {
    return Status::Invalid("order_id", "is required: the id of the order");
  }
  const std::string order_id = order_id_it->get<std::string>();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  // §4.1 (1): the order exists and the caller may see it.
  auto order_row = w.GetOrder(order_id);
  if (!order_row.ok()) return order_row.status();
  if (!order_row->has_value() || !MaySeeBuyer(actor, (*order_row)->buyer_id)) {
    return Status::NotFound("order " + order_id);
  }
  const Order& order = **order_row;
  if (!(roles::kSubmitters & Bit(actor.role))) return Status(Code::kForbidden, "this role does not submit cases");
  auto policy = policies_.Current();
  if (!policy) return Status::Unavailable("no policy loaded");

  // §4.1 (2): the body is well-formed.
  std::vector<std::string> fields = {"order_id", "type", "reason", "description", "evidence", "lines",
                                     "requested_amount"};
  if (IsStaff(actor.role)) fields.push_back("buyer_id");
  BodyReader r(body, fields);
  std::vector<std::string> type_names = {"refund_only", "return_refund", "exchange"};
  auto type_name = r.Enum("type", true, type_names);
  auto reason = r.String("reason", true, 64);
  if (reason && !policy->IsReason(*reason)) r.Fail("reason", "unknown reason " + *reason);
  auto description = r.String("description", false, kMaxTextLength);
  std::vector<std::string> evidence;
  if (const auto* ev = r.Array("evidence", false, kMaxEvidence)) {
    for (std::size_t i = 0; i < ev->size(); ++i) {
      const auto& u = (*ev)[i];
      if (!u.is_string() || !IsValidUrl(u.get<std::string>())) {
        r.Fail("evidence[" + std::to_string(i) + "]", "must be an http(s) URL");
      } else {
        evidence.push_back(u.get<std::string>());
      }
    }
  }
  const auto type = type_name ? ParseCaseType(*type_name) : std::nullopt;
  std::vector<CaseLine> lines;
  if (const auto* ls = r.Array("lines", true, kMaxCaseLines)) {
    if (ls->empty()) r.Fail("lines", "must name at least one line");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ls->size(); ++i) {
      BodyReader lr((*ls)[i], {"line_id", "qty", "replacement_sku"}, "lines[" + std::to_string(i) + "].");
      auto line_id = lr.Id("line_id", true);
      auto qty = lr.Int("qty", true, 1, 1'000'000'000);
      auto sku = lr.String("replacement_sku", false, 64);
      if (sku && type && *type != CaseType::kExchange) lr.Fail(lr.Field("replacement_sku"), "only an exchange takes it");
      if (line_id && !order.FindLine(*line_id)) lr.Fail(lr.Field("line_id"), "no line " + *line_id + " on the order");
      if (line_id && !seen.insert(*line_id).second) lr.Fail(lr.Field("line_id"), "line " + *line_id + " appears twice");
      if (line_id && qty && lr.ok()) lines.push_back({*line_id, *qty, sku, 0});
      lr.MergeInto(r);
    }
  }
  auto requested = r.Int("requested_amount", false, 0, kMaxAmount);
  if (type && *type == CaseType::kExchange && requested.value_or(0) != 0) {
    r.Fail("requested_amount", "an exchange requests 0");
  }
  if (IsStaff(actor.role)) {
    auto buyer_id = r.Id("buyer_id", false);
    if (buyer_id && *buyer_id != order.buyer_id) r.Fail("buyer_id", "is not the order's buyer");
  }
  AS_RETURN_IF_ERROR(r.Finish());

  // §4.1 (3)-(7): the ledger and the policy.
  auto cases = LoadOrderCases(w, order_id);
  if (!cases.ok()) return cases.status();
  Ledger ledger(order, *cases);
  for (const auto& l : lines) {
    const std::int64_t left = ledger.ReturnableQty(l.line_id);
    if (l.qty > left) {
      return Status(Code::kQuantityExceedsReturnable,
                    "line " + l.line_id + ": " + std::to_string(left) + " unit(s) can still be returned");
    }
  }
  if (*type != CaseType::kRefundOnly && !order.delivered_at) {
    return Status(Code::kOrderNotDelivered, "a return needs a delivered order");
  }
  AS_RETURN_IF_ERROR(ReturnWindowCheck(order, *reason, *policy, now));
  if (*reason == "no_reason") {
    for (const auto& l : lines) {
      if (!order.FindLine(l.line_id)->no_reason_return) {
        return Status(Code::kNotEligible, "line " + l.line_id + " is not eligible for a no-reason return");
      }
    }
  }

  Case c;
  c.id = "cs_" + RandomHex(8);
  c.type = *type;
  c.state = State::kRequested;
  c.order_id = order_id;
  c.buyer_id = order.buyer_id;
  c.reason = *reason;
  c.currency = order.currency;
  c.policy_version = policy->version;
  c.created_at = now;
  c.updated_at = now;
  for (auto& l : lines) l.amount = ledger.LineAmount(l.line_id, l.qty);
  c.lines = lines;
  c.holds_shipping = ledger.WouldHoldShipping(lines);
  const Money refundable = ledger.CaseCap(c);
  if (requested && *requested > refundable) {
    return Status(Code::kAmountExceedsRefundable,
                  "requested_amount " + std::to_string(*requested) + " exceeds the refundable " +
                      std::to_string(refundable));
  }
  c.requested_amount = c.type == CaseType::kExchange ? 0 : requested.value_or(refundable);

  TextWriter texts(w, c, actor, now);
  if (description) {
    auto ref = texts.Add("description", Visibility::kBuyer, *description);
    if (!ref.ok()) return ref.status();
    c.description = *ref;
  }
  for (const auto& url : evidence) {
    auto ref = texts.Add("evidence", Visibility::kBuyer, url);
    if (!ref.ok()) return ref.status();
    c.evidence.push_back(*ref);
  }
  // The buyer's abuse signals, under the policy the case is submitted under.
  auto history = GatherBuyerHistory(w, c.buyer_id, c.type, now, policy->risk);
  if (!history.ok()) return history.status();
  c.risk = AssessRisk(*history, policy->risk);
  StartInitialDeadlines(c, *policy, now);
  AS_RETURN_IF_ERROR(w.InsertCase(CaseToRow(c)));
  AS_RETURN_IF_ERROR(PutCaseFactsOf(w, nullptr, c, order, now));
  AS_RETURN_IF_ERROR(SaveDeadlines(w, c, {}, now));

  json line_data = json::array();
  for (const auto& l : c.lines) {
    json ld = {{"line_id", l.line_id}, {"qty", l.qty}, {"amount", l.amount}};
    if (l.replacement_sku) ld["replacement_sku"] = *l.replacement_sku;
    line_data.push_back(ld);
  }
  json evidence_refs = json::array();
  for (const auto& e : c.evidence) evidence_refs.push_back(RefJson(e));
  json data = {{"order_id", c.order_id},
               {"buyer_id", c.buyer_id},
               {"type", NameOf(c.type)},
               {"reason", c.reason},
               {"lines", line_data},
               {"currency", c.currency},
               {"requested_amount", c.requested_amount},
               {"holds_shipping", c.holds_shipping},
               {"policy_version", c.policy_version},
               {"description", c.description ? RefJson(*c.description) : json(nullptr)},
               {"evidence", evidence_refs},
               {"texts", TextIds(texts.written())},
               {"version", c.version},
               {"risk", SaltedRisk(*c.risk)}};
  AS_RETURN_IF_ERROR(AppendAudit(w, actor, c, "submit", std::nullopt, c.state, data, now));
  AS_RETURN_IF_ERROR(Emit(w, "case.created", c.id,
                          {{"case_id", c.id},
                           {"order_id", c.order_id},
                           {"buyer_id", c.buyer_id},
                           {"type", NameOf(c.type)},
                           {"state", NameOf(c.state)},
                           {"requested_amount", c.requested_amount},
                           {"currency", c.currency}},
                          now));
  if (!hook) {
    // Rendered once committed: the writer is free sooner for the next command.
    AS_RETURN_IF_ERROR(w.Commit());
    return RenderCase(c, actor, texts.written(), *policy);
  }
  json response = RenderCase(c, actor, texts.written(), *policy);
  AS_RETURN_IF_ERROR(hook(w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

// ---- Actions ---------------------------------------------------------------

Result<json> CaseService::Apply(const Actor& actor, const std::string& case_id, const std::string& action_name,
                                const json& body, const TxnHook& hook) {
  const TimePoint now = clock_.Now();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto loaded = LoadCase(w, case_id);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value() || !MaySeeBuyer(actor, (*loaded)->buyer_id)) return Status::NotFound("case " + case_id);
  Case kase = std::move(**loaded);
  // A deadline that passed before the sweep reached it acts first, as if
  // the engine had been running at its due time; then the action is tried
  // on what that left. Firing makes progress, so this retries at most once
  // per deadline that came due meanwhile.
  const bool overdue = std::any_of(kase.deadlines.begin(), kase.deadlines.end(),
                                   [&](const Deadline& d) { return !d.breached && d.due_at <= now; });
  if (overdue) {
    txn->reset();
    AS_RETURN_IF_ERROR(FireDueDeadlinesOf(case_id));
    return Apply(actor, case_id, action_name, body, hook);
  }
  const auto action = ParseAction(action_name);
  if (!action || *action == Action::kSubmit || *action == Action::kTimeout) {
    return Status(Code::kNotFound, "unknown action " + action_name);
  }
  if (!RoleEverTakes(actor.role, *action)) {
    return Status(Code::kForbidden, std::string("a ") + NameOf(actor.role) + " never takes the action " + action_name);
  }
  if (auto expected = PeekExpectedVersion(body); expected && *expected != kase.version) {
    Status s(Code::kVersionConflict, "the case is at version " + std::to_string(kase.version) + ", not " +
                                         std::to_string(*expected));
    s.With("version", kase.version);
    s.With("state", NameOf(kase.state));
    return s;
  }
  auto policy = policies_.Version(kase.policy_version);
  if (!policy.ok()) return policy.status();
  const Workflow& wf = Workflow::For(kase.type);
  if (!wf.StateAllows(kase, *action)) return InvalidTransition(kase, *action, actor, **policy);
  if (!wf.StateAllowsRole(kase, *action, actor.role)) {
    return Status(Code::kForbidden, std::string("a ") + NameOf(actor.role) + " may not " + action_name +
                                        " in state " + NameOf(kase.state));
  }
  auto cmd = ParseCommand(*action, body);
  if (!cmd.ok()) return cmd.status();
  AS_RETURN_IF_ERROR(ValidateInContext(w, kase, *cmd, actor, **policy, now));

  const bool within = WithinApprovalLimit(actor, kase, ApprovalAmount(kase, *cmd), **policy);
  if (!within && wf.RequiresWithinLimit(kase, *action, actor.role)) {
    return Status(Code::kApprovalLimitExceeded,
                  "the amount exceeds your approval limit; a supervisor or manager must decide");
  }
  auto order = w.GetOrder(kase.order_id);
  if (!order.ok()) return order.status();
  if (!order->has_value()) return Status::Internal("case " + case_id + " has no order");
  auto cases = LoadOrderCases(w, kase.order_id, &kase);
  if (!cases.ok()) return cases.status();
  Ledger ledger(**order, *cases, kase.id);
  const Money cap = ledger.CaseCap(kase);
  // A modify repeats SPEC §4.1's checks in their order (its lines do not
  // change and this case still holds their units, so quantities stand).
  if (*action == Action::kModify) {
    if (kase.type != CaseType::kRefundOnly && !(*order)->delivered_at) {
      return Status(Code::kOrderNotDelivered, "a return needs a delivered order");
    }
    AS_RETURN_IF_ERROR(ReturnWindowCheck(**order, kase.reason, **policy, now));
  }
  const bool to_supervisor = *action == Action::kApprove && kase.state == State::kRequested && !within;
  if (auto fixed = AmountFixed(kase, *cmd, to_supervisor); fixed && *fixed > cap) {
    return Status(Code::kAmountExceedsRefundable,
                  "amount " + std::to_string(*fixed) + " exceeds the refundable " + std::to_string(cap));
  }

  // Free text goes to the erasable texts table before the machine runs, so
  // the actions can keep its reference.
  TextWriter texts(w, kase, actor, now);
  CommandTexts refs;
  std::optional<TextRef> comment;
  auto add = [&](const std::string& kind, Visibility v, const std::string& body_text) -> Status {
    auto ref = texts.Add(kind, v, body_text);
    if (!ref.ok()) return ref.status();
    if (kind == "note") refs.note = *ref;
    if (kind == "description") refs.description = *ref;
    if (kind == "evidence") refs.evidence.push_back(*ref);
    if (kind == "refund_error") refs.error = *ref;
    if (kind == "comment") comment = *ref;
    return Status::Ok();
  };
  if (cmd->note) AS_RETURN_IF_ERROR(add("note", NoteVisibility(*cmd, actor), *cmd->note));
  if (cmd->description) AS_RETURN_IF_ERROR(add("description", Visibility::kBuyer, *cmd->description));
  if (cmd->evidence) {
    for (const auto& url : *cmd->evidence) AS_RETURN_IF_ERROR(add("evidence", Visibility::kBuyer, url));
  }
  if (cmd->error) AS_RETURN_IF_ERROR(add("refund_error", Visibility::kInternal, *cmd->error));
  if (cmd->text) {
    const bool internal = IsStaff(actor.role) && cmd->visibility.value_or("internal") == "internal";
    AS_RETURN_IF_ERROR(add("comment", internal ? Visibility::kInternal : Visibility::kBuyer, *cmd->text));
  }

  const Case before = kase;
  TransitionContext ctx{kase, *cmd, actor, **policy, now, within, cap, refs};
  Status fired = wf.Fire(ctx);
  if (!fired.ok()) {
    if (fired.code() == Code::kInvalidTransition) return InvalidTransition(before, *action, actor, **policy);
    return fired;
  }
  const bool changes_case = *action != Action::kComment;
  if (changes_case) {
    kase.version = before.version + 1;
    kase.updated_at = now;
  }
  UpdateDeadlines(kase, before.state, *cmd, **policy, now);
  AS_RETURN_IF_ERROR(SaveDeadlines(w, kase, before.deadlines, now));
  AS_RETURN_IF_ERROR(w.UpdateCase(CaseToRow(kase), before.version));
  AS_RETURN_IF_ERROR(PutCaseFactsOf(w, &before, kase, **order, now));
  json data = {{"input", InputData(*cmd, refs, comment)}, {"version", kase.version}};
  if (!ctx.effects.empty()) data["effects"] = ctx.effects;
  if (!texts.written().empty()) data["texts"] = TextIds(texts.written());
  AS_RETURN_IF_ERROR(AppendAudit(w, actor, kase, action_name, before.state, kase.state, data, now));
  AS_RETURN_IF_ERROR(EmitChange(w, before, kase, action_name, now));

  auto all_texts = LoadTexts(w, kase.id);
  if (!all_texts.ok()) return all_texts.status();
  if (!hook) {
    // Rendered once committed: the writer is free sooner for the next command.
    AS_RETURN_IF_ERROR(w.Commit());
    return RenderCase(kase, actor, *all_texts, **policy);
  }
  json response = RenderCase(kase, actor, *all_texts, **policy);
  AS_RETURN_IF_ERROR(hook(w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

// ---- Reads -----------------------------------------------------------------

Result<json> CaseService::GetCase(const Actor& actor, const std::string& case_id) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto loaded = LoadCase(**txn, case_id);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value() || !MaySeeBuyer(actor, (*loaded)->buyer_id)) return Status::NotFound("case " + case_id);
  auto texts = LoadTexts(**txn, case_id);
  if (!texts.ok()) return texts.status();
  auto policy = policies_.Version((*loaded)->policy_version);
  if (!policy.ok()) return policy.status();
  return RenderCase(**loaded, actor, *texts, **policy);
}

Result<json> CaseService::ListCases(const Actor& actor, const CaseQuery& q) {
  CaseFilter f;
  BodyReader r(json::object(), {});
  for (const auto& s : q.states) {
    if (!ParseState(s)) r.Fail("state", "unknown state " + s);
    f.states.push_back(s);
  }
  if (q.type) {
    if (!ParseCaseType(*q.type)) r.Fail("type", "unknown type " + *q.type);
    f.type = q.type;
  }
  if (q.assignee) {
    if (*q.assignee == "me") {
      f.assignee = actor.id;
    } else if (*q.assignee == "none") {
      f.unassigned = true;
    } else if (IsValidId(*q.assignee)) {
      f.assignee = q.assignee;
    } else {
      r.Fail("assignee", "must be a user id, me or none");
    }
  }
  if (q.order_id) {
    if (!IsValidId(*q.order_id)) r.Fail("order_id", "must be an id");
    f.order_id = q.order_id;
  }
  if (q.buyer_id) {
    if (!IsValidId(*q.buyer_id)) r.Fail("buyer_id", "must be an id");
    f.buyer_id = q.buyer_id;
  }
  if (actor.role == Role::kBuyer) {
    if (f.buyer_id && *f.buyer_id != actor.external_id) {
      return json{{"items", json::array()}, {"next_cursor", nullptr}};
    }
    f.buyer_id = actor.external_id;
  }
  if (q.breached) {
    if (*q.breached == "true") {
      f.breached = true;
    } else if (*q.breached == "false") {
      f.breached = false;
    } else {
      r.Fail("breached", "must be true or false");
    }
  }
  if (q.due_before) {
    auto t = ParseTime(*q.due_before);
    if (!t) r.Fail("due_before", "must be an RFC 3339 date-time");
    f.due_before = t;
  }
  if (q.risk) {
    // Filtering by risk would tell a buyer which of their cases are flagged.
    if (!MaySeeRisk(actor)) return Status(Code::kForbidden, "only staff filter cases by risk");
    if (*q.risk == "flagged") {
      f.flagged_only = true;
    } else {
      r.Fail("risk", "must be flagged");
    }
  }
  if (q.sort) {
    if (*q.sort == "due_at") {
      f.sort_by_due = true;
    } else if (*q.sort == "created_at") {
      f.sort_by_due = false;
    } else {
      r.Fail("sort", "must be due_at or created_at");
    }
  }
  f.limit = kDefaultPageSize;
  if (q.limit) {
    const std::string& l = *q.limit;
    if (l.empty() || l.size() > 4 || !std::all_of(l.begin(), l.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
        std::stoi(l) < 1 || std::stoi(l) > kMaxPageSize) {
      r.Fail("limit", "must be an integer from 1 to " + std::to_string(kMaxPageSize));
    } else {
      f.limit = std::stoi(l);
    }
  }
  if (q.cursor && !DecodeCursor(*q.cursor, f.sort_by_due, f)) r.Fail("cursor", "is not a cursor this list gave");
  AS_RETURN_IF_ERROR(r.Finish());

  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  const int page = f.limit;
  f.limit = page + 1;  // one more tells whether there is a next page
  auto rows = (*txn)->ListCases(f);
  if (!rows.ok()) return rows.status();
  json items = json::array();
  const std::size_t n = std::min<std::size_t>(rows->size(), page);
  for (std::size_t i = 0; i < n; ++i) {
    const CaseRow& row = (*rows)[i];
    auto deadlines = (*txn)->ListedDeadlines(row.id);
    if (!deadlines.ok()) return deadlines.status();
    auto kase = CaseFromRow(row, *deadlines);
    if (!kase.ok()) return kase.status();
    auto texts = LoadTexts(**txn, row.id);
    if (!texts.ok()) return texts.status();
    auto policy = policies_.Version(row.policy_version);
    if (!policy.ok()) return policy.status();
    items.push_back(RenderCase(*kase, actor, *texts, **policy));
  }
  json next = nullptr;
  if (rows->size() > static_cast<std::size_t>(page)) {
    const CaseRow& last = (*rows)[page - 1];
    next = EncodeCursor(f.sort_by_due, f.sort_by_due ? last.next_due_at : std::optional<std::int64_t>(last.created_at),
                        last.id);
  }
  return json{{"items", items}, {"next_cursor", next}};
}

Result<json> CaseService::Timeline(const Actor& actor, const std::string& case_id) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto row = (*txn)->GetCase(case_id);
  if (!row.ok()) return row.status();
  if (!row->has_value() || !MaySeeBuyer(actor, (*row)->buyer_id)) return Status::NotFound("case " + case_id);
  AuditFilter f;
  f.case_id = case_id;
  f.limit = kTimelineLimit;
  auto entries = (*txn)->ListAudit(f);
  if (!entries.ok()) return entries.status();
  auto texts = LoadTexts(**txn, case_id);
  if (!texts.ok()) return texts.status();
  const bool buyer = !IsStaff(actor.role);
  json items = json::array();
  for (const auto& e : *entries) {
    json item = AuditLog::ToJson(e);
    if (buyer) {
      if (e.action == "assign" || e.action == "deadline_breached") continue;
      // The abuse signals are staff-only (docs/reports.md): a buyer's copy of
      // the submit entry leaves them out.
      if (e.action == "submit" && item["data"].is_object()) item["data"].erase("risk");
      const json& data = item["data"];
      if (e.action == "comment" && data.contains("input") && data["input"].value("visibility", "") != "buyer" &&
          e.actor_id != actor.id) {
        continue;
      }
    }
    json visible = json::array();
    if (item["data"].is_object() && item["data"].contains("texts")) {
      for (const auto& id : item["data"]["texts"]) {
        auto it = texts->find(id.get<std::string>());
        if (it == texts->end() || !MaySeeText(actor, it->second)) continue;
        visible.push_back({{"id", it->second.id},
                           {"kind", it->second.kind},
                           {"visibility", it->second.visibility == Visibility::kBuyer ? "buyer" : "internal"},
                           {"body", it->second.body}});
      }
    }
    item["texts"] = visible;
    items.push_back(item);
  }
  return json{{"items", items}};
}

// ---- Deadlines -------------------------------------------------------------

Result<CaseService::Firing> CaseService::FireDeadline(const DeadlineRow& row, TimePoint now) {
  Firing firing;
  const Actor system = SystemActor();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto loaded = LoadCase(w, row.case_id);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) {
    // An orphaned row (its case is gone): close it so that it is not read again.
    AS_RETURN_IF_ERROR(w.SetDeadlineStatus(row.id, "done", now));
    AS_RETURN_IF_ERROR(w.Commit());
    return firing;
  }
  Case kase = std::move(**loaded);
  auto listed = std::find_if(kase.deadlines.begin(), kase.deadlines.end(),
                             [&](const Deadline& d) { return d.id == row.id; });
  // A person's action made it stale, or another sweep fired it: nothing to do.
  if (listed == kase.deadlines.end() || listed->breached) return firing;
  const DeadlineKind kind = listed->kind;
  const TimePoint due = listed->due_at;
  // As if the engine had been running at due_at; but never before the case's
  // last change (a late carrier report can make a deadline due in the past),
  // so that the record stays in time order.
  const TimePoint at = std::max(due, kase.updated_at);
  auto policy = policies_.Version(kase.policy_version);
  if (!policy.ok()) return policy.status();
  const Case before = kase;

  if (IsBreachKind(kind)) {
    listed->breached = true;
    // Recorded at once: the effect below may end the deadline in this same
    // firing, and its breach must stay known to the reports (breached_at).
    AS_RETURN_IF_ERROR(w.SetDeadlineStatus(listed->id, "breached", at));
    const json assignee = kase.assignee ? json(*kase.assignee) : json(nullptr);
    json data = {{"deadline", NameOf(kind)}, {"due_at", FormatTime(due)}, {"assignee", assignee}};
    AS_RETURN_IF_ERROR(AppendAudit(w, system, kase, "deadline_breached", kase.state, kase.state, data, at));
    AS_RETURN_IF_ERROR(Emit(w, "sla.breached", kase.id,
                            {{"case_id", kase.id}, {"deadline", NameOf(kind)}, {"due_at", FormatTime(due)},
                             {"assignee", assignee}},
                            now));
  }
  Command cmd;
  cmd.action = Action::kTimeout;
  cmd.deadline = kind;
  cmd.due_at = due;
  auto order = w.GetOrder(kase.order_id);
  if (!order.ok()) return order.status();
  if (!order->has_value()) return Status::Internal("case " + kase.id + " has no order");
  auto cases = LoadOrderCases(w, kase.order_id, &kase);
  if (!cases.ok()) return cases.status();
  Ledger ledger(**order, *cases, kase.id);
  Case trial = kase;
  TransitionContext ctx{trial, cmd, system, **policy, at, true, ledger.CaseCap(kase), {}};
  Status effect = Workflow::For(kase.type).Fire(ctx);
  if (effect.ok()) {
    trial.version = kase.version + 1;
    trial.updated_at = at;
    UpdateDeadlines(trial, kase.state, cmd, **policy, at);
    json data = {{"deadline", NameOf(kind)}, {"due_at", FormatTime(due)}, {"version", trial.version}};
    if (!ctx.effects.empty()) data["effects"] = ctx.effects;
    AS_RETURN_IF_ERROR(AppendAudit(w, system, trial, "timeout", kase.state, trial.state, data, at));
    AS_RETURN_IF_ERROR(EmitChange(w, before, trial, "timeout", now));
    kase = std::move(trial);
  } else if (effect.code() != Code::kInvalidTransition) {
    return effect;
  } else if (!IsBreachKind(kind)) {
    // No effect here and no breach to record: the deadline is spent.
    kase.deadlines.erase(listed);
  }
  // Closed and breached as of `at`, the time the firing is recorded at, so
  // that a late sweep does not stretch the reports' seconds to act.
  AS_RETURN_IF_ERROR(SaveDeadlines(w, kase, before.deadlines, at));
  AS_RETURN_IF_ERROR(w.UpdateCase(CaseToRow(kase), before.version));
  AS_RETURN_IF_ERROR(PutCaseFactsOf(w, &before, kase, **order, at));
  AS_RETURN_IF_ERROR(w.Commit());
  firing.fired = true;
  firing.kind = NameOf(kind);
  for (const auto& d : kase.deadlines) {
    const bool is_new = std::none_of(before.deadlines.begin(), before.deadlines.end(),
                                     [&](const Deadline& b) { return b.id == d.id; });
    if (is_new && (!firing.earliest_new_due || d.due_at < *firing.earliest_new_due)) {
      firing.earliest_new_due = d.due_at;
    }
  }
  return firing;
}

Status CaseService::FireDueDeadlinesOf(const std::string& case_id) {
  for (int guard = 0; guard < kDueBatch; ++guard) {
    const TimePoint now = clock_.Now();
    std::optional<DeadlineRow> next;
    {
      auto txn = store_.BeginRead();
      if (!txn.ok()) return txn.status();
      auto listed = (*txn)->ListedDeadlines(case_id);
      if (!listed.ok()) return listed.status();
      for (const auto& d : *listed) {
        if (d.status == "open" && d.due_at <= now && (!next || d.due_at < next->due_at)) next = d;
      }
    }
    if (!next) return Status::Ok();
    auto firing = FireDeadline(*next, now);
    if (!firing.ok()) return firing.status();
  }
  return Status::Ok();
}

Result<std::vector<FiredDeadline>> CaseService::FireDueDeadlines(int max) {
  std::vector<FiredDeadline> fired;
  std::set<std::int64_t> failed;  // rows that failed in this sweep: skipped, tried again next sweep
  Status first_error = Status::Ok();
  while (static_cast<int>(fired.size()) < max) {
    const TimePoint now = clock_.Now();
    std::vector<DeadlineRow> due;
    {
      auto rtxn = store_.BeginRead();
      if (!rtxn.ok()) return rtxn.status();
      auto rows = (*rtxn)->DueDeadlines(now, kDueBatch + static_cast<int>(failed.size()));
      if (!rows.ok()) return rows.status();
      for (auto& r : *rows) {
        if (!failed.count(r.id)) due.push_back(std::move(r));
      }
    }
    if (due.empty()) break;
    bool progress = false;
    for (std::size_t i = 0; i < due.size() && static_cast<int>(fired.size()) < max; ++i) {
      auto firing = FireDeadline(due[i], now);
      if (!firing.ok()) {
        // One bad case must not stall every later deadline.
        failed.insert(due[i].id);
        if (first_error.ok()) first_error = firing.status();
        if (firing.status().code() == Code::kUnavailable) return firing.status();
        continue;
      }
      progress = true;
      if (firing->fired) fired.push_back({due[i].case_id, firing->kind});
      // A firing may start a deadline that is already due and earlier than
      // the rest of this batch: read again to keep due_at order.
      if (firing->earliest_new_due && *firing->earliest_new_due <= now &&
          (i + 1 >= due.size() || *firing->earliest_new_due < due[i + 1].due_at)) {
        break;
      }
    }
    if (!progress) break;
  }
  if (fired.empty() && !first_error.ok()) return first_error;
  return fired;
}

}  // namespace aftersales
