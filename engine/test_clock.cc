#include "engine/test_clock.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "engine/audit/audit_log.h"

namespace aftersales {
namespace {

using nlohmann::json;

// A move that leaves more than this many firings due is a runaway loop,
// not a test.
constexpr int kMaxFirings = 10'000'000;

// The stored time, or nullopt when none is stored. Errors: unavailable (also
// for an unreadable value).
Result<std::optional<TimePoint>> StoredTime(ReadTxn& txn) {
  AS_ASSIGN_OR_RETURN(std::optional<std::string> stored, txn.GetSetting(TestClock::kSettingKey));
  if (!stored) return std::optional<TimePoint>();
  const std::string& text = *stored;
  TimePoint value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::Unavailable("the stored test clock value is unreadable: " + text);
  }
  return std::optional<TimePoint>(value);
}

}  // namespace

Result<std::unique_ptr<TestClock>> TestClock::Open(Store& store, TimePoint wall_now, bool shared) {
  auto txn = store.BeginWrite();
  if (!txn.ok()) return txn.status();
  AS_ASSIGN_OR_RETURN(std::optional<TimePoint> stored, StoredTime(**txn));
  TimePoint start = wall_now;
  if (stored) {
    start = *stored;
  } else {
    AS_RETURN_IF_ERROR((*txn)->PutSetting(kSettingKey, std::to_string(start)));
    AS_RETURN_IF_ERROR((*txn)->Commit());
  }
  return std::unique_ptr<TestClock>(new TestClock(store, start, shared));
}

TimePoint TestClock::Now() const {
  if (shared_) {
    auto txn = store_.BeginRead();
    if (txn.ok()) {
      auto stored = StoredTime(**txn);
      if (stored.ok() && stored->has_value()) return clock_.AdvanceTo(**stored);
    }
  }
  return clock_.Now();
}

Result<TimePoint> TestClock::Advance(const Actor& actor, std::int64_t seconds, const WithinMove& within) {
  if (seconds < 0 || seconds > kMaxAdvanceSeconds) {
    return Status::Invalid("advance_seconds", "advance_seconds must be an integer from 0 to 3162240000");
  }
  std::lock_guard<std::mutex> lock(move_mu_);
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  // The stored time, read under the writer's lock: another server sharing
  // the store may have moved the clock since this one last looked.
  AS_ASSIGN_OR_RETURN(std::optional<TimePoint> stored, StoredTime(w));
  const TimePoint from = std::max(stored.value_or(clock_.Now()), clock_.Now());
  const TimePoint to = from + seconds;
  if (to > kLatestTime) {
    return Status::Invalid("advance_seconds", "the clock cannot pass " + FormatTime(kLatestTime) +
                                                  ": later times cannot be written in RFC 3339");
  }
  AS_RETURN_IF_ERROR(w.PutSetting(kSettingKey, std::to_string(to)));
  AuditRecord record;
  // Recorded at the moment of the move, so that the entries of the deadlines
  // it fires (due after `from`) keep the log's times in order.
  record.at = from;
  record.actor_id = actor.id;
  record.actor_role = NameOf(actor.role);
  record.action = "clock_advanced";
  record.data = json{{"from", FormatTime(from)}, {"to", FormatTime(to)}, {"advance_seconds", seconds}};
  auto appended = AuditLog::Append(w, record);
  if (!appended.ok()) return appended.status();
  if (within) AS_RETURN_IF_ERROR(within(w, to));
  AS_RETURN_IF_ERROR(w.Commit());
  return clock_.AdvanceTo(to);
}

Result<json> AdvanceTestClock(TestClock& clock, DeadlineSweeper& sweeper, const Actor& actor, const json& body) {
  if (actor.role != Role::kAdmin) return Status(Code::kForbidden, "only an admin may move the test clock");
  if (!body.is_object()) return Status(Code::kMalformedJson, "the body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "advance_seconds") return Status::Invalid(it.key(), "unknown field");
  }
  if (!body.contains("advance_seconds")) return Status::Invalid("advance_seconds", "advance_seconds is required");
  const json& v = body["advance_seconds"];
  if (!v.is_number_integer()) return Status::Invalid("advance_seconds", "advance_seconds must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(TestClock::kMaxAdvanceSeconds)) {
    return Status::Invalid("advance_seconds", "advance_seconds is too large");
  }
  json fired = json::array();
  auto report = [&](const std::vector<FiredDeadline>& firings) {
    for (const auto& f : firings) {
      // SPEC v3 §6.9: {case_id (null for an order), order_id, kind}.
      fired.push_back({{"case_id", f.case_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.case_id)},
                       {"order_id", f.order_id},
                       {"kind", f.kind}});
    }
  };
  auto fire = [&](WriteTxn& txn, TimePoint to) -> Status {
    AS_ASSIGN_OR_RETURN(auto firings, sweeper.FireDueIn(txn, to, kMaxFirings));
    report(firings);
    return Status::Ok();
  };
  auto now = clock.Advance(actor, v.get<std::int64_t>(), fire);
  if (!now.ok()) return now.status();
  // A command that read the time before the move and committed after it
  // may have started a deadline already due at the new time: one more sweep,
  // now that the clock reads the new time. The move itself is committed;
  // what this sweep cannot fire, the next move does.
  if (auto late = sweeper.FireDue(); late.ok()) report(*late);
  return json{{"now", FormatTime(*now)}, {"fired", std::move(fired)}};
}

}  // namespace aftersales
