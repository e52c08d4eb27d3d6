#include "api/action_codec.h"

#include <set>

#include "domain/utf8.h"
#include "engine/body_reader.h"
#include "engine/cases/order_import.h"
#include "workflows/workflow.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEvidence = 20;
constexpr std::size_t kMaxReceivedLines = 200;
constexpr std::size_t kMaxCaseLines = 200;
constexpr std::int64_t kMaxQty = 1'000'000'000;
constexpr std::size_t kMaxCodeLength = 64;
constexpr std::size_t kMaxWaiveReasonChars = 500;  // SPEC v3.1: waive `reason` 1–500 characters
constexpr std::size_t kMaxUtf8Bytes = 4;

std::vector<std::string> FieldsOf(Action action) {
  std::vector<std::string> f = {"expected_version", "note"};
  auto add = [&f](std::initializer_list<const char*> more) {
    for (const char* m : more) f.push_back(m);
  };
  switch (action) {
    case Action::kReject: add({"reason_code"}); break;
    case Action::kOffer: add({"amount", "return_required", "form"}); break;
    case Action::kArbitrate: add({"decision", "amount", "return_required", "form"}); break;
    case Action::kReceive: add({"result", "grade", "restock", "lines"}); break;
    case Action::kShipReturn: add({"carrier", "tracking_no"}); break;
    case Action::kShipReplacement: add({"carrier", "tracking_no", "sku"}); break;
    case Action::kCarrierUpdate: add({"shipment", "status", "at"}); break;
    case Action::kRefundIssued: add({"external_ref"}); break;
    case Action::kRefundFailed: add({"error"}); break;
    case Action::kComment: add({"text", "visibility"}); break;
    case Action::kAssign: add({"assignee"}); break;
    case Action::kModify: add({"requested_amount", "description", "evidence"}); break;
    case Action::kRepairUpdate: add({"status"}); break;
    case Action::kShipRepaired: add({"carrier", "tracking_no"}); break;
    case Action::kDemandRemedy: add({"remedy"}); break;
    case Action::kIssueCompensation: add({"external_ref", "voucher_code", "expires_at"}); break;
    case Action::kCompensationFailed: add({"error"}); break;
    case Action::kWaive: add({"reason"}); break;
    case Action::kSubmit:
    case Action::kApprove:
    case Action::kAcceptOffer:
    case Action::kDeclineOffer:
    case Action::kAppeal:
    case Action::kCancel:
    case Action::kConfirmDelivery:
    case Action::kTimeout: break;
  }
  return f;
}

// The evidence URLs of `key`, each checked; nullopt when absent.
std::optional<std::vector<std::string>> EvidenceUrls(BodyReader& r) {
  const auto* ev = r.Array("evidence", false, kMaxEvidence);
  if (!ev) return std::nullopt;
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < ev->size(); ++i) {
    const auto& u = (*ev)[i];
    if (!u.is_string() || !IsValidUrl(u.get<std::string>())) {
      r.Fail("evidence[" + std::to_string(i) + "]", "must be an http(s) URL");
    } else {
      urls.push_back(u.get<std::string>());
    }
  }
  return urls;
}

std::optional<std::vector<act::ReceivedLine>> ReceivedLines(BodyReader& r) {
  const auto* lines = r.Array("lines", false, kMaxReceivedLines);
  if (!lines) return std::nullopt;
  std::vector<act::ReceivedLine> out;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    BodyReader lr((*lines)[i], {"line_id", "received", "damaged"}, "lines[" + std::to_string(i) + "].");
    auto id = lr.Id("line_id", true);
    auto received = lr.Int("received", true, 0, kMaxQty);
    auto damaged = lr.Int("damaged", false, 0, kMaxQty);
    if (id && received) {
      act::ReceivedLine rl{*id, *received, damaged.value_or(0)};
      if (rl.damaged > rl.received) lr.Fail(lr.Field("damaged"), "cannot exceed received");
      for (const auto& prev : out) {
        if (prev.line_id == rl.line_id) lr.Fail(lr.Field("line_id"), "line " + rl.line_id + " appears twice");
      }
      out.push_back(rl);
    }
    lr.MergeInto(r);
  }
  return out;
}

const std::vector<std::string>& FormNames() {
  static const std::vector<std::string> kNames = {"cash", "voucher", "points"};
  return kNames;
}

std::optional<CompensationForm> ReadForm(BodyReader& r, const std::string& key, bool required) {
  const auto name = r.Enum(key, required, FormNames());
  return name ? ParseCompensationForm(*name) : std::nullopt;
}

std::size_t CodePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

act::Waive ReadWaive(BodyReader& r) {
  act::Waive w;
  w.reason = r.String("reason", true, kMaxWaiveReasonChars * kMaxUtf8Bytes).value_or("");
  if (CodePoints(w.reason) > kMaxWaiveReasonChars) r.Fail("reason", "must be at most 500 characters");
  return w;
}

act::IssueCompensation ReadIssueCompensation(BodyReader& r) {
  act::IssueCompensation e;
  e.external_ref = r.String("external_ref", false, kMaxShortText);
  if (e.external_ref && e.external_ref->empty()) r.Fail("external_ref", "must not be empty");
  e.voucher_code = r.Id("voucher_code", false);  // [A-Za-z0-9._-]{1,64}
  e.expires_at = r.Time("expires_at", false);
  return e;
}

act::Modify ReadModify(BodyReader& r) {
  act::Modify m;
  m.requested_amount = r.Int("requested_amount", false, 0, kMaxAmount);
  m.description = r.String("description", false, kMaxTextLength);
  m.evidence = EvidenceUrls(r);
  if (!m.requested_amount && !m.description && !m.evidence && r.ok()) {
    r.Fail("body", "modify needs requested_amount, description or evidence");
  }
  return m;
}

act::Arbitrate ReadArbitrate(BodyReader& r) {
  act::Arbitrate a;
  const auto decision = r.Enum("decision", true, {"grant", "uphold"});
  a.decision = decision.value_or("uphold") == "grant" ? act::Decision::kGrant : act::Decision::kUphold;
  a.amount = r.Int("amount", false, 0, kMaxAmount);
  a.return_required = r.Bool("return_required", false);
  a.form = ReadForm(r, "form", false);
  if (decision && *decision == "uphold" && (a.amount || a.return_required || a.form)) {
    r.Fail(a.amount ? "amount" : a.return_required ? "return_required" : "form", "only a grant takes it");
  }
  return a;
}

act::Receive ReadReceive(BodyReader& r, const std::optional<std::string>& note) {
  act::Receive e;
  const auto result = r.Enum("result", true, {"pass", "fail"});
  e.pass = result.value_or("") == "pass";
  e.grade = r.Id("grade", false);  // a grading code (A, B, used-like-new…), not free text
  e.restock = r.Bool("restock", false);
  if (result && *result == "fail" && !note) r.Fail("note", "is required when the result is fail");
  e.lines = ReceivedLines(r);
  return e;
}

act::CarrierUpdate ReadCarrierUpdate(BodyReader& r) {
  act::CarrierUpdate e;
  const std::string shipment = r.Enum("shipment", true, {"return", "replacement", "repaired"}).value_or("return");
  e.shipment = shipment == "return"        ? act::ShipmentLeg::kReturn
               : shipment == "replacement" ? act::ShipmentLeg::kReplacement
                                           : act::ShipmentLeg::kRepaired;
  r.Enum("status", true, {"delivered"});
  e.at = r.Time("at", true).value_or(0);
  return e;
}

act::Comment ReadComment(BodyReader& r) {
  act::Comment c;
  c.text = r.String("text", true, kMaxTextLength).value_or("");
  if (const auto v = r.Enum("visibility", false, {"internal", "buyer"})) {
    c.visibility = *v == "buyer" ? Visibility::kBuyer : Visibility::kInternal;
  }
  return c;
}

act::Assign ReadAssign(BodyReader& r) {
  act::Assign a;
  if (!r.Has("assignee")) {
    r.Fail("assignee", "is required (a user id, or null to unassign)");
  } else if (!r.IsNull("assignee")) {
    a.assignee = r.Id("assignee", true);
  }
  return a;
}

act::RepairUpdate ReadRepairUpdate(BodyReader& r) {
  act::RepairUpdate u;
  const auto status = r.Enum("status", true, {"diagnosed", "waiting_parts", "repaired", "unrepairable"});
  for (auto s : {act::RepairStatus::kDiagnosed, act::RepairStatus::kWaitingParts, act::RepairStatus::kRepaired,
                 act::RepairStatus::kUnrepairable}) {
    if (status && *status == act::NameOf(s)) u.status = s;
  }
  return u;
}

// A carrier and a tracking number, both required (ship_return, ship_replacement, ship_repaired).
template <class Ship>
Ship ReadShipping(BodyReader& r) {
  Ship s;
  s.carrier = r.String("carrier", true, kMaxCodeLength).value_or("");
  s.tracking_no = r.String("tracking_no", true, kMaxCodeLength).value_or("");
  return s;
}

ActionBody ReadBody(Action action, BodyReader& r, const std::optional<std::string>& note) {
  switch (action) {
    case Action::kApprove: return act::Approve{};
    case Action::kReject: return act::Reject{r.String("reason_code", true, kMaxCodeLength).value_or("")};
    case Action::kOffer: {
      act::MakeOffer o;
      o.amount = r.Int("amount", true, 1, kMaxAmount).value_or(0);
      o.return_required = r.Bool("return_required", false);
      o.form = ReadForm(r, "form", false);
      return o;
    }
    case Action::kAcceptOffer: return act::AcceptOffer{};
    case Action::kDeclineOffer: return act::DeclineOffer{};
    case Action::kModify: return ReadModify(r);
    case Action::kAppeal: return act::Appeal{};
    case Action::kArbitrate: return ReadArbitrate(r);
    case Action::kCancel: return act::Cancel{};
    case Action::kComment: return ReadComment(r);
    case Action::kAssign: return ReadAssign(r);
    case Action::kShipReturn: return ReadShipping<act::ShipReturn>(r);
    case Action::kCarrierUpdate: return ReadCarrierUpdate(r);
    case Action::kReceive: return ReadReceive(r, note);
    case Action::kRefundIssued: return act::RefundIssued{r.String("external_ref", true, kMaxShortText).value_or("")};
    case Action::kRefundFailed: return act::RefundFailed{r.String("error", true, kMaxTextLength).value_or("")};
    case Action::kShipReplacement: {
      auto s = ReadShipping<act::ShipReplacement>(r);
      s.sku = r.String("sku", false, kMaxCodeLength);
      return s;
    }
    case Action::kConfirmDelivery: return act::ConfirmDelivery{};
    case Action::kRepairUpdate: return ReadRepairUpdate(r);
    case Action::kShipRepaired: return ReadShipping<act::ShipRepaired>(r);
    case Action::kDemandRemedy: {
      act::DemandRemedy d;
      const auto remedy = r.Enum("remedy", true, {"refund", "replacement"});
      d.remedy = remedy.value_or("refund") == "refund" ? act::Remedy::kRefund : act::Remedy::kReplacement;
      return d;
    }
    case Action::kIssueCompensation: return ReadIssueCompensation(r);
    case Action::kCompensationFailed:
      return act::CompensationFailed{r.String("error", true, kMaxTextLength).value_or("")};
    case Action::kWaive: return ReadWaive(r);
    case Action::kSubmit:
    case Action::kTimeout: break;
  }
  r.Fail("action", std::string(NameOf(action)) + " takes no body here");
  return act::Approve{};
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The names of the case types that have a transition table.
const std::vector<std::string>& CaseTypeNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Workflow* w : Workflow::All()) names.push_back(NameOf(w->type()));
    return names;
  }();
  return kNames;
}

// SPEC §11.1: a compensation names its form and requests at least 1; no
// other type takes `compensation`.
void ReadSubmitCompensation(BodyReader& r, SubmitCase& s) {
  const bool compensation = s.type == CaseType::kCompensation;
  if (r.Has("compensation") && s.type && !compensation) {
    r.Fail("compensation", "only a compensation case takes it");
    return;
  }
  if (!compensation) return;
  const nlohmann::json* body = r.Object("compensation", true);
  if (!s.requested_amount || *s.requested_amount < 1) r.Fail("requested_amount", "a compensation requests at least 1");
  if (!body) return;
  BodyReader cr(*body, {"form"}, "compensation.");
  s.compensation_form = ReadForm(cr, "form", true);
  cr.MergeInto(r);
}

// `expected_version` read leniently before full validation (SPEC §4.2
// checks versions before bodies): the value when it is an integer.
std::optional<std::int64_t> PeekExpectedVersion(const json& body) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find("expected_version");
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

}  // namespace

json CaseActionJson(const CaseAction& a) {
  json body = json::object();
  if (a.expected_version) body["expected_version"] = *a.expected_version;
  if (a.note) body["note"] = *a.note;
  auto put = [&body](const char* key, const auto& field) {
    if (field) body[key] = *field;
  };
  std::visit(Overloaded{
                 [&](const act::Reject& e) { body["reason_code"] = e.reason_code; },
                 [&](const act::MakeOffer& e) {
                   body["amount"] = e.amount;
                   put("return_required", e.return_required);
                   if (e.form) body["form"] = NameOf(*e.form);
                 },
                 [&](const act::Arbitrate& e) {
                   body["decision"] = e.decision == act::Decision::kGrant ? "grant" : "uphold";
                   put("amount", e.amount);
                   put("return_required", e.return_required);
                   if (e.form) body["form"] = NameOf(*e.form);
                 },
                 [&](const act::Receive& e) {
                   body["result"] = e.pass ? "pass" : "fail";
                   put("grade", e.grade);
                   put("restock", e.restock);
                   if (e.lines) {
                     json lines = json::array();
                     for (const auto& l : *e.lines) {
                       lines.push_back({{"line_id", l.line_id}, {"received", l.received}, {"damaged", l.damaged}});
                     }
                     body["lines"] = lines;
                   }
                 },
                 [&](const act::ShipReturn& e) {
                   body["carrier"] = e.carrier;
                   body["tracking_no"] = e.tracking_no;
                 },
                 [&](const act::ShipReplacement& e) {
                   body["carrier"] = e.carrier;
                   body["tracking_no"] = e.tracking_no;
                   put("sku", e.sku);
                 },
                 [&](const act::CarrierUpdate& e) {
                   body["shipment"] = act::NameOf(e.shipment);
                   body["status"] = "delivered";
                   body["at"] = FormatTime(e.at);
                 },
                 [&](const act::RefundIssued& e) { body["external_ref"] = e.external_ref; },
                 [&](const act::RefundFailed& e) { body["error"] = e.error; },
                 [&](const act::RepairUpdate& e) { body["status"] = act::NameOf(e.status); },
                 [&](const act::ShipRepaired& e) {
                   body["carrier"] = e.carrier;
                   body["tracking_no"] = e.tracking_no;
                 },
                 [&](const act::DemandRemedy& e) {
                   body["remedy"] = e.remedy == act::Remedy::kRefund ? "refund" : "replacement";
                 },
                 [&](const act::IssueCompensation& e) {
                   put("external_ref", e.external_ref);
                   put("voucher_code", e.voucher_code);
                   if (e.expires_at) body["expires_at"] = FormatTime(*e.expires_at);
                 },
                 [&](const act::CompensationFailed& e) { body["error"] = e.error; },
                 [&](const act::Waive& e) { body["reason"] = e.reason; },
                 [&](const act::Comment& e) {
                   body["text"] = e.text;
                   if (e.visibility) body["visibility"] = *e.visibility == Visibility::kBuyer ? "buyer" : "internal";
                 },
                 [&](const act::Assign& e) { body["assignee"] = e.assignee ? json(*e.assignee) : json(nullptr); },
                 [&](const act::Modify& e) {
                   put("requested_amount", e.requested_amount);
                   put("description", e.description);
                   put("evidence", e.evidence);
                 },
                 [&](const auto&) {},
             },
             a.body);
  return body;
}

Result<CaseAction> ParseCaseAction(Action action, const json& body) {
  BodyReader r(body, FieldsOf(action));
  CaseAction a;
  a.expected_version = r.Int("expected_version", false, 1, INT64_MAX);
  // appeal and repair_update (§12, v3.1) need a note.
  a.note = r.String("note", action == Action::kAppeal || action == Action::kRepairUpdate, kMaxTextLength);
  a.body = ReadBody(action, r, a.note);
  AS_RETURN_IF_ERROR(r.Finish());
  return a;
}

ApplyAction ParseApplyAction(const std::string& case_id, const std::string& action_name, const json& body) {
  ApplyAction request;
  request.case_id = case_id;
  request.action_name = action_name;
  request.action = ParseAction(action_name);
  request.expected_version = PeekExpectedVersion(body);
  if (request.action) request.parsed = ParseCaseAction(*request.action, body);
  return request;
}

Result<SubmitCase> ParseSubmitCase(const Actor& actor, const json& body) {
  if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
  auto order_id = body.find("order_id");
  if (order_id == body.end() || !order_id->is_string() || !IsValidId(order_id->get<std::string>())) {
    return Status::Invalid("order_id", "is required: the id of the order");
  }
  SubmitCase s;
  s.order_id = order_id->get<std::string>();
  std::vector<std::string> fields = {"order_id", "type", "reason", "description", "evidence", "lines",
                                     "requested_amount", "compensation"};
  if (IsStaff(actor.role)) fields.push_back("buyer_id");
  BodyReader r(body, fields);
  if (const auto type = r.Enum("type", true, CaseTypeNames())) s.type = ParseCaseType(*type);
  s.reason = r.String("reason", true, kMaxCodeLength);
  s.description = r.String("description", false, kMaxTextLength);
  s.evidence = EvidenceUrls(r).value_or(std::vector<std::string>{});
  const bool compensation = s.type == CaseType::kCompensation;
  if (const auto* ls = r.Array("lines", !compensation, kMaxCaseLines)) {  // SPEC §11.1: lines optional
    if (ls->empty() && !compensation) r.Fail("lines", "must name at least one line");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ls->size(); ++i) {
      BodyReader lr((*ls)[i], {"line_id", "qty", "replacement_sku"}, "lines[" + std::to_string(i) + "].");
      auto line_id = lr.Id("line_id", true);
      auto qty = lr.Int("qty", true, 1, kMaxQty);
      auto sku = lr.String("replacement_sku", false, kMaxCodeLength);
      if (sku && s.type && *s.type != CaseType::kExchange) lr.Fail(lr.Field("replacement_sku"), "only an exchange takes it");
      if (line_id && !seen.insert(*line_id).second) lr.Fail(lr.Field("line_id"), "line " + *line_id + " appears twice");
      if (line_id && qty && lr.ok()) s.lines.push_back({*line_id, *qty, sku});
      lr.MergeInto(r);
    }
  }
  s.requested_amount = r.Int("requested_amount", false, 0, kMaxAmount);
  if (s.type == CaseType::kExchange && s.requested_amount.value_or(0) != 0) {
    r.Fail("requested_amount", "an exchange requests 0");
  }
  if (s.type == CaseType::kRepair) {  // §12
    if (s.requested_amount.value_or(0) != 0) r.Fail("requested_amount", "a repair requests 0");
    if (s.reason && *s.reason != "quality_issue") r.Fail("reason", "a repair is for a quality_issue");
  }
  ReadSubmitCompensation(r, s);
  if (IsStaff(actor.role)) s.buyer_id = r.Id("buyer_id", false);
  s.errors = r.errors();
  return s;
}

CreateOrder ParseCreateOrder(const json& body, TimePoint now) { return CreateOrder{OrderFromJson(body, now)}; }

PatchOrder ParsePatchOrder(const std::string& order_id, const json& body) {
  PatchOrder p;
  p.order_id = order_id;
  BodyReader r(body, {"delivered_at", "ship_by"});
  p.sets_delivered_at = r.Has("delivered_at");
  if (p.sets_delivered_at && !r.IsNull("delivered_at")) p.delivered_at = r.Time("delivered_at", true);
  if (r.Has("ship_by")) {
    p.ship_by = r.Time("ship_by", true);
    if (!p.ship_by) p.ship_by = TimePoint{0};  // the error is recorded; the role check still names ship_by
  }
  p.errors = r.errors();
  return p;
}

ShipOrder ParseShipOrder(const std::string& order_id, const json& body) {
  ShipOrder s;
  s.order_id = order_id;
  BodyReader r(body, {"carrier", "tracking_no", "lines", "shipped_at"});
  s.carrier = r.String("carrier", true, kMaxTextLength).value_or("");
  s.tracking_no = r.String("tracking_no", true, kMaxTextLength).value_or("");
  if (r.Has("lines")) {
    if (const json* lines = r.Array("lines", true, kMaxCaseLines)) {
      s.lines.emplace();
      for (std::size_t i = 0; i < lines->size(); ++i) {
        BodyReader lr((*lines)[i], {"line_id", "qty"}, "lines[" + std::to_string(i) + "].");
        const auto line_id = lr.Id("line_id", true);
        const auto qty = lr.Int("qty", true, 1, kMaxQty);
        if (line_id && qty) s.lines->push_back({*line_id, *qty});
        lr.MergeInto(r);
      }
    }
  }
  if (r.Has("shipped_at")) s.shipped_at = r.Time("shipped_at", true);
  s.errors = r.errors();
  return s;
}

namespace {

// The fields of an extension; a preview's come without a reason.
ExtendDeadlines ParseExtension(const json& body, bool with_reason) {
  ExtendDeadlines e;
  std::vector<std::string> fields = {"kind", "state", "due_before", "hours"};
  if (with_reason) fields.push_back("reason");
  BodyReader r(body, fields);
  if (auto kind = r.String("kind", true, 64)) {
    e.kind = ParseDeadlineKind(*kind);
    if (!e.kind) r.Fail("kind", "is not a deadline kind");
  }
  if (r.Has("state") && !r.IsNull("state")) {
    if (auto state = r.String("state", true, 64)) {
      e.state = ParseState(*state);
      if (!e.state) r.Fail("state", "is not a state");
    }
  }
  e.due_before = r.Time("due_before", true);
  e.hours = r.Int("hours", true, INT64_MIN, INT64_MAX).value_or(0);
  if (with_reason) e.reason = r.String("reason", true, kMaxTextLength).value_or("");
  e.errors = r.errors();
  return e;
}

}  // namespace

ExtendDeadlines ParseExtendDeadlines(const json& body) { return ParseExtension(body, true); }

ExtendDeadlines ParseExtensionPreview(const std::map<std::string, std::string>& query) {
  json body = json::object();
  for (const auto& [name, text] : query) {
    // Query texts: hours reads as the integer it spells, else stays text
    // for the reader to name as not an integer.
    body[name] = text;
    if (name == "hours") {
      try {
        std::size_t used = 0;
        const long long n = std::stoll(text, &used);
        if (used == text.size()) body[name] = n;
      } catch (const std::exception&) {
      }
    }
  }
  return ParseExtension(body, false);
}

}  // namespace aftersales
