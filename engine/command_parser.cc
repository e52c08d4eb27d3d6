#include "engine/command_parser.h"

#include "engine/body_reader.h"

namespace aftersales {
namespace {

constexpr std::size_t kMaxEvidence = 20;
constexpr std::size_t kMaxReceivedLines = 200;
constexpr std::int64_t kMaxQty = 1'000'000'000;

std::vector<std::string> FieldsOf(Action action) {
  std::vector<std::string> f = {"expected_version", "note"};
  auto add = [&f](std::initializer_list<const char*> more) {
    for (const char* m : more) f.push_back(m);
  };
  switch (action) {
    case Action::kReject: add({"reason_code"}); break;
    case Action::kOffer: add({"amount", "return_required"}); break;
    case Action::kArbitrate: add({"decision", "amount", "return_required"}); break;
    case Action::kReceive: add({"result", "grade", "restock", "lines"}); break;
    case Action::kShipReturn: add({"carrier", "tracking_no"}); break;
    case Action::kShipReplacement: add({"carrier", "tracking_no", "sku"}); break;
    case Action::kCarrierUpdate: add({"shipment", "status", "at"}); break;
    case Action::kRefundIssued: add({"external_ref"}); break;
    case Action::kRefundFailed: add({"error"}); break;
    case Action::kComment: add({"text", "visibility"}); break;
    case Action::kAssign: add({"assignee"}); break;
    case Action::kModify: add({"requested_amount", "description", "evidence"}); break;
    default: break;
  }
  return f;
}

}  // namespace

std::optional<std::int64_t> PeekExpectedVersion(const nlohmann::json& body) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find("expected_version");
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

Result<Command> ParseCommand(Action action, const nlohmann::json& body) {
  Command c;
  c.action = action;
  BodyReader r(body, FieldsOf(action));
  c.expected_version = r.Int("expected_version", false, 1, INT64_MAX);
  c.note = r.String("note", action == Action::kAppeal, kMaxTextLength);
  switch (action) {
    case Action::kReject: c.reason_code = r.String("reason_code", true, 64); break;
    case Action::kOffer:
      c.amount = r.Int("amount", true, 1, kMaxAmount);
      c.return_required = r.Bool("return_required", false);
      break;
    case Action::kArbitrate:
      c.decision = r.Enum("decision", true, {"grant", "uphold"});
      c.amount = r.Int("amount", false, 0, kMaxAmount);
      c.return_required = r.Bool("return_required", false);
      if (c.decision && *c.decision == "uphold" && (c.amount || c.return_required)) {
        r.Fail(c.amount ? "amount" : "return_required", "only a grant takes it");
      }
      break;
    case Action::kReceive: {
      c.result = r.Enum("result", true, {"pass", "fail"});
      c.grade = r.Id("grade", false);  // a grading code (A, B, used-like-new…), not free text
      c.restock = r.Bool("restock", false);
      if (c.result && *c.result == "fail" && !c.note) r.Fail("note", "is required when the result is fail");
      if (const auto* lines = r.Array("lines", false, kMaxReceivedLines)) {
        std::vector<ReceivedLine> out;
        for (std::size_t i = 0; i < lines->size(); ++i) {
          BodyReader lr((*lines)[i], {"line_id", "received", "damaged"}, "lines[" + std::to_string(i) + "].");
          ReceivedLine rl;
          auto id = lr.Id("line_id", true);
          auto received = lr.Int("received", true, 0, kMaxQty);
          auto damaged = lr.Int("damaged", false, 0, kMaxQty);
          if (id && received) {
            rl.line_id = *id;
            rl.received = *received;
            rl.damaged = damaged.value_or(0);
            if (rl.damaged > rl.received) lr.Fail(lr.Field("damaged"), "cannot exceed received");
            for (const auto& prev : out) {
              if (prev.line_id == rl.line_id) lr.Fail(lr.Field("line_id"), "line " + rl.line_id + " appears twice");
            }
            out.push_back(rl);
          }
          lr.MergeInto(r);
        }
        c.lines = out;
      }
      break;
    }
    case Action::kShipReturn:
    case Action::kShipReplacement:
      c.carrier = r.String("carrier", true, 64);
      c.tracking_no = r.String("tracking_no", true, 64);
      if (action == Action::kShipReplacement) c.sku = r.String("sku", false, 64);
      break;
    case Action::kCarrierUpdate:
      c.shipment = r.Enum("shipment", true, {"return", "replacement"});
      c.status = r.Enum("status", true, {"delivered"});
      c.at = r.Time("at", true);
      break;
    case Action::kRefundIssued: c.external_ref = r.String("external_ref", true, kMaxShortText); break;
    case Action::kRefundFailed: c.error = r.String("error", true, kMaxTextLength); break;
    case Action::kComment:
      c.text = r.String("text", true, kMaxTextLength);
      c.visibility = r.Enum("visibility", false, {"internal", "buyer"});
      break;
    case Action::kAssign:
      if (!r.Has("assignee")) {
        r.Fail("assignee", "is required (a user id, or null to unassign)");
      } else {
        c.has_assignee = true;
        if (!r.IsNull("assignee")) c.assignee = r.Id("assignee", true);
      }
      break;
    case Action::kModify: {
      c.requested_amount = r.Int("requested_amount", false, 0, kMaxAmount);
      c.description = r.String("description", false, kMaxTextLength);
      if (const auto* ev = r.Array("evidence", false, kMaxEvidence)) {
        std::vector<std::string> urls;
        for (std::size_t i = 0; i < ev->size(); ++i) {
          const auto& u = (*ev)[i];
          if (!u.is_string() || !IsValidUrl(u.get<std::string>())) {
            r.Fail("evidence[" + std::to_string(i) + "]", "must be an http(s) URL");
          } else {
            urls.push_back(u.get<std::string>());
          }
        }
        c.evidence = urls;
      }
      if (!c.requested_amount && !c.description && !c.evidence && r.ok()) {
        r.Fail("body", "modify needs requested_amount, description or evidence");
      }
      break;
    }
    default: break;
  }
  Status s = r.Finish();
  if (!s.ok()) return s;
  return c;
}

}  // namespace aftersales
