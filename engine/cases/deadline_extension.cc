#include "engine/cases/deadline_extension.h"

#include "domain/utf8.h"
#include "engine/body_reader.h"
#include "engine/audit/audit_log.h"
#include "engine/crypto.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxExtensionHours = 720;
constexpr std::size_t kMaxReasonChars = 500;
constexpr std::size_t kExtensionIdBytes = 12;
constexpr std::size_t kTextIdBytes = 12;
constexpr int kSweepBatch = 1000;
constexpr std::size_t kPreviewMoves = 20;

std::size_t CodePoints(const std::string& s) {
  std::size_t pos = 0, n = 0;
  char32_t cp = 0;
  while (pos < s.size() && DecodeUtf8(s, &pos, &cp)) ++n;
  return n;
}

// The legal refund limits (SPEC §13.3): a peak does not move the law.
bool CarriesRefundLimit(DeadlineKind kind) {
  return kind == DeadlineKind::kMerchantReceipt || kind == DeadlineKind::kRefundIssue;
}

AuditRecord ExtendedEntry(const Actor& actor, TimePoint now, const ExtendableDeadline& d,
                          const std::string& extension_id, TimePoint to_due) {
  AuditRecord rec = AuditRecordOf(actor, now, "deadline_extended",
                                  {{"extension_id", extension_id},
                                   {"deadline", NameOf(d.deadline.kind)},
                                   {"from_due_at", FormatTime(d.deadline.due_at)},
                                   {"to_due_at", FormatTime(to_due)}});
  if (d.case_state) {
    rec.case_id = d.deadline.case_id;
    rec.from_state = NameOf(*d.case_state);
    rec.to_state = NameOf(*d.case_state);
  } else {
    // An order's deadline (order_ship): no case, no states (SPEC v3.1).
    rec.data["order_id"] = d.deadline.order_id;
  }
  return rec;
}

}  // namespace

Status CheckExtension(const ExtendDeadlines& c, ReasonRule reason_rule) {
  std::vector<FieldError> errors = c.errors;
  // One problem per field: the edge's (a wrong type) comes first.
  auto fail = [&](const char* field, const char* message) {
    for (const auto& e : errors)
      if (e.field == field) return;
    errors.push_back({field, message});
  };
  if (c.kind && CarriesRefundLimit(*c.kind)) fail("kind", "a deadline that carries a legal refund limit is not extended");
  if (c.kind == DeadlineKind::kOrderShip && c.state) fail("state", "order_ship deadlines belong to orders, not cases");
  if (c.hours < 1 || c.hours > kMaxExtensionHours) fail("hours", "must be an integer from 1 to 720");
  const std::size_t chars = CodePoints(c.reason);
  if (reason_rule == ReasonRule::kRequired && (chars < 1 || chars > kMaxReasonChars)) {
    fail("reason", "must be 1 to 500 characters");
  }
  if (!c.kind) fail("kind", "is required");
  if (!c.due_before) fail("due_before", "is required");
  return ValidationErrors(errors);
}

DeadlineExtensions::DeadlineExtensions(Store& store, const Clock& clock, PolicyRegistry& policies,
                                       DeadlineSweeper& sweeper)
    : store_(store), clock_(clock), policies_(policies), sweeper_(sweeper) {}

Result<ExtensionView> DeadlineExtensions::Extend(const Actor& actor, const ExtendDeadlines& command,
                                                 const CommitHook& hook) {
  if (actor.role != Role::kManager) return Status(Code::kForbidden, "only a manager extends deadlines in bulk");
  AS_RETURN_IF_ERROR(CheckExtension(command));
  // What is due fires first: an extension moves deadlines still running.
  for (;;) {
    AS_ASSIGN_OR_RETURN(auto fired, sweeper_.FireDue(kSweepBatch));
    if (fired.size() < static_cast<std::size_t>(kSweepBatch)) break;
  }

  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginWrite());
  AS_ASSIGN_OR_RETURN(auto due, txn->OpenDeadlinesDueBefore(*command.kind, command.state, *command.due_before));
  ExtensionView view;
  view.extension_id = "ext_" + RandomIdHex(kExtensionIdBytes);
  view.kind = *command.kind;
  for (const ExtendableDeadline& d : due) {
    AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(d.policy_version));
    const TimePoint to_due = policy->ExtendDue(d.deadline.kind, d.deadline.due_at, command.hours);
    AS_RETURN_IF_ERROR(txn->ExtendDeadline(d.deadline.id, to_due));
    AS_RETURN_IF_ERROR(AuditLog::Append(*txn, ExtendedEntry(actor, now, d, view.extension_id, to_due)).status());
    ++view.moved;
  }

  // The reason is free text: erasable, and in the audit only by id and hash.
  Text reason;
  reason.id = "tx_" + RandomIdHex(kTextIdBytes);
  reason.case_id = view.extension_id;
  reason.kind = "extension_reason";
  reason.visibility = Visibility::kInternal;
  reason.author_id = actor.id;
  reason.body = command.reason;
  reason.sha256 = Sha256Hex(command.reason);
  reason.created_at = now;
  AS_RETURN_IF_ERROR(txn->InsertText(reason));
  json data = {{"extension_id", view.extension_id},
               {"kind", NameOf(view.kind)},
               {"state", command.state ? json(NameOf(*command.state)) : json(nullptr)},
               {"due_before", FormatTime(*command.due_before)},
               {"hours", command.hours},
               {"reason", {{"id", reason.id}, {"sha256", reason.sha256}}},
               {"moved", view.moved}};
  AS_RETURN_IF_ERROR(AuditLog::Append(*txn, AuditRecordOf(actor, now, "deadlines_extended", std::move(data))).status());
  if (hook) AS_RETURN_IF_ERROR(hook(*txn, CommandResult(view)));
  AS_RETURN_IF_ERROR(txn->Commit());
  return view;
}

Result<ExtensionPreview> DeadlineExtensions::Preview(const Actor& actor, const ExtendDeadlines& command) {
  if (actor.role != Role::kManager) return Status(Code::kForbidden, "only a manager extends deadlines in bulk");
  AS_RETURN_IF_ERROR(CheckExtension(command, ReasonRule::kNotNeeded));
  const TimePoint now = clock_.Now();
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  AS_ASSIGN_OR_RETURN(auto open, txn->OpenDeadlinesDueBefore(*command.kind, command.state, *command.due_before));
  ExtensionPreview preview;
  preview.kind = *command.kind;
  preview.state = command.state;
  preview.due_before = *command.due_before;
  preview.hours = command.hours;
  for (const ExtendableDeadline& d : open) {
    // Due already: Extend fires it first, as the sweep would.
    if (d.deadline.due_at <= now) {
      ++preview.due_now;
      continue;
    }
    ++preview.moving;
    if (preview.first.size() >= kPreviewMoves) continue;
    AS_ASSIGN_OR_RETURN(auto policy, policies_.Version(d.policy_version));
    preview.first.push_back({d.deadline.case_id, d.deadline.order_id, d.deadline.kind,
                             d.deadline.due_at, policy->ExtendDue(d.deadline.kind, d.deadline.due_at, command.hours)});
  }
  return preview;
}

}  // namespace aftersales
