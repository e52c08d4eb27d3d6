#include "reliability/invariant_checker.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "domain/clock.h"
#include "reliability/api_client.h"
#include "reliability/db_snapshot.h"
#include "reliability/load_generator.h"
#include "reliability/webhook_receiver.h"

namespace aftersales::reliability {
namespace {

using nlohmann::json;

constexpr std::size_t kFailuresShown = 10;
constexpr std::int64_t kCheckClockStepSeconds = kHour;

// Invariant names, as printed.
constexpr const char* kOrderStored = "acknowledged order is stored";
constexpr const char* kSubmitStored = "acknowledged submit is stored as answered";
constexpr const char* kActionStored = "acknowledged action is stored as answered";
constexpr const char* kClockStored = "acknowledged clock move is stored, its firings recorded";
constexpr const char* kAtMostOnce = "request applied at most once";
constexpr const char* kRefusedNoTrace = "refused request left no trace";
constexpr const char* kNo5xx = "no 5xx answer";
constexpr const char* kAnswered = "every request answered";
constexpr const char* kInvalidRefused = "invalid request refused as SPEC 4.2 says";
constexpr const char* kHistory = "case history is one unbroken chain";
constexpr const char* kEntryHasCase = "case entry belongs to a stored case";
constexpr const char* kLineUnits = "ledger: returned units <= bought, per line";
constexpr const char* kLineAmounts = "ledger: case amounts <= paid, per line";
constexpr const char* kCaseRefunds = "ledger: refunds <= case amount (+shipping), per case";
constexpr const char* kOrderRefunds = "ledger: refunds <= paid total, per order";
constexpr const char* kReleasedNoRefund = "ledger: released units hold no refund";
constexpr const char* kShippingOnce = "ledger: shipping held by at most one case";
constexpr const char* kServedOrder = "served order figures match the stored cases";
constexpr const char* kFiredOnce = "deadline fired at most once";
constexpr const char* kFiringMatchesRow = "deadline firing matches its deadline row";
constexpr const char* kNoneLost = "no open deadline past due";
constexpr const char* kEventMatchesChange = "outbox event matches a committed change";
constexpr const char* kDeliveredCommitted = "delivered event was committed";
constexpr const char* kSignatures = "webhook signature verifies";
constexpr const char* kAllDelivered = "committed event reached the receiver";
constexpr const char* kApiVerify = "GET /audit/verify ok";
constexpr const char* kFixtureStored = "run users and webhook stored";
constexpr const char* kCaseReadable = "known case readable (only failures are logged)";
constexpr const char* kGatewayOnKill = "proxy 5xx only for a request in flight when its server was killed";
constexpr const char* kOutage503 = "503 only while the database was down (or just after)";
constexpr const char* kOutageAnswered = "database outage answered 503, promptly";
constexpr const char* kOutageRecovered = "requests acknowledged again after the outage";
constexpr const char* kTokenAccepted = "valid request never answered 401 (its token is valid)";
constexpr const char* kRaceWinners = "race: no more requests stored than the race allows";

// A request in flight across a kill is answered within this long of it.
constexpr std::int64_t kKillSlackMillis = 1000;
// While the database is down, every request is answered within this long.
constexpr std::int64_t kPromptMillis = 10000;

std::string Str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::optional<std::int64_t> Int(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_number_integer()) return j[key].get<std::int64_t>();
  return std::nullopt;
}

// Refunds pending or issued of a stored case document.
std::int64_t RefundsHeld(const json& doc) {
  std::int64_t held = 0;
  for (const json& r : doc.value("refunds", json::array())) {
    if (Str(r, "status") != "failed") held += Int(r, "amount").value_or(0);
  }
  return held;
}

// SPEC §3: units come back only when the case is cancelled, or closed
// before the goods were received and without a refund.
bool HoldsUnits(const CaseRow& c) {
  const bool received = c.doc.contains("inspection") && !c.doc["inspection"].is_null();
  if (received) return true;
  if (c.state == "cancelled") return false;
  if (c.state == "closed" && RefundsHeld(c.doc) == 0) return false;
  return true;
}

class Checker {
 public:
  Checker(const CheckOptions& options, const RunFixture& fixture, const LogContents& log)
      : options_(options), fixture_(fixture), log_(log) {}

  CheckReport Run() {
    std::size_t limit = log_.requests.size();
    if (!options_.until_marker.empty()) {
      auto it = log_.markers.find(options_.until_marker);
      if (it == log_.markers.end()) {
        report_.Fail("log holds the marker", "no marker '" + options_.until_marker + "' in the request log");
      } else {
        limit = it->second;
      }
    }
    for (std::size_t i = 0; i < limit; ++i) requests_.push_back(&log_.requests[i]);

    const bool live = !options_.base_url.empty();
    std::optional<ApiClient> api;
    if (live) api.emplace(options_.base_url);
    Received received;
    Load(ReadDbSnapshot(options_.db_path));
    if (live) {
      CheckNoneLost("after the restart");
      MoveClockOnce(*api);
      // Read before the snapshot, so that every event delivered by then is
      // in it if it was committed.
      received = ReadReceived(options_.received_path);
      Load(ReadDbSnapshot(options_.db_path));
      CheckNoneLost("after a clock move");
    }
    CheckFixture();
    CheckAnswers();
    CheckAcknowledged();
    CheckTags();
    CheckRaces();
    if (!options_.outages_ms.empty()) CheckOutages();
    CheckHistories();
    CheckLedger();
    CheckDeadlineFirings();
    CheckOutbox();
    if (live) {
      CheckReceived(received);
      CheckApiVerify(*api);
      if (options_.final) {
        CheckServedOrders(*api);
        CheckAllDelivered();
      }
    }
    Figures();
    return std::move(report_);
  }

 private:
  void Load(DbSnapshot snapshot) {
    db_ = std::move(snapshot);
    texts_by_body_.clear();
    entries_by_text_.clear();
    entries_by_case_.clear();
    for (const auto& [id, t] : db_.texts) texts_by_body_[t.body].push_back(&t);
    for (const AuditRow& e : db_.audit) {
      for (const json& id : e.data.value("texts", json::array())) {
        if (id.is_string()) entries_by_text_[id.get<std::string>()].push_back(&e);
      }
      if (!e.case_id.empty()) entries_by_case_[e.case_id].push_back(&e);
    }
  }

  std::vector<const TextRow*> TextsWithBody(const std::string& body, const std::string& kind) const {
    std::vector<const TextRow*> found;
    auto it = texts_by_body_.find(body);
    if (it == texts_by_body_.end()) return found;
    for (const TextRow* t : it->second) {
      if (kind.empty() || t->kind == kind) found.push_back(t);
    }
    return found;
  }

  const std::vector<const AuditRow*>& CaseEntries(const std::string& case_id) const {
    static const std::vector<const AuditRow*> kNone;
    auto it = entries_by_case_.find(case_id);
    return it == entries_by_case_.end() ? kNone : it->second;
  }

  void CheckFixture() {
    bool stored = db_.webhook_ids.count(fixture_.webhook_id) > 0 && db_.user_ids.count(fixture_.admin.id) > 0;
    for (const auto& [role, user] : fixture_.staff) stored = stored && db_.user_ids.count(user.id) > 0;
    for (const RunUser& b : fixture_.buyers) stored = stored && db_.user_ids.count(b.id) > 0;
    if (stored) {
      report_.Pass(kFixtureStored);
    } else {
      report_.Fail(kFixtureStored, "a user or the webhook made at setup is missing");
    }
  }

  // Whether `r` was in flight when a server was killed.
  bool InFlightAtKill(const LoggedRequest& r) const {
    return std::any_of(options_.kills_ms.begin(), options_.kills_ms.end(), [&](std::int64_t at) {
      return r.sent_ms <= at + kKillSlackMillis && r.answered_ms >= at - kKillSlackMillis;
    });
  }

  // Whether `r` was in flight while the database was down, or up to the
  // grace after it came back.
  bool InFlightInOutage(const LoggedRequest& r) const {
    const auto grace = static_cast<std::int64_t>(options_.outage_grace_seconds * 1000);
    return std::any_of(options_.outages_ms.begin(), options_.outages_ms.end(), [&](const auto& outage) {
      return r.sent_ms <= outage.second + grace && r.answered_ms >= outage.first;
    });
  }

  // A 5xx that the scale-out disruptions explain (and checks): the proxy's
  // under a killed server, a 503 in an outage. Counts it.
  bool ExplainedFailure(const LoggedRequest& r, const std::string& who) {
    if (r.gateway) {
      if (InFlightAtKill(r)) {
        report_.Pass(kGatewayOnKill);
      } else {
        report_.Fail(kGatewayOnKill, who + " answered " + std::to_string(r.status) +
                                         " by the proxy, though no server was killed under it");
      }
      ++gateway_answers_;
      return true;
    }
    if (r.status == 503 && !options_.outages_ms.empty()) {
      if (InFlightInOutage(r)) {
        report_.Pass(kOutage503);
      } else {
        report_.Fail(kOutage503, who + " answered 503 " + r.code + " while the database was up");
      }
      ++outage_answers_[r.code];
      return true;
    }
    return false;
  }

  // What each answer says on its own: no 5xx; invalid requests refused.
  void CheckAnswers() {
    for (const LoggedRequest* r : requests_) {
      const std::string who = r->tag + " (" + r->method + " " + r->path + ")";
      if (r->status >= 500 && ExplainedFailure(*r, who)) continue;  // neither a refusal nor an acceptance
      if (r->status >= 500) {
        report_.Fail(kNo5xx, who + " answered " + std::to_string(r->status) + " " + r->code);
      } else if (r->status != 0) {
        report_.Pass(kNo5xx);
      }
      if (options_.every_request_answered) {
        if (r->status == 0) {
          report_.Fail(kAnswered, who + " got no answer");
        } else {
          report_.Pass(kAnswered);
        }
      }
      if (r->invalid.empty() && r->status != 0 && r->kind != RequestKind::kRead) {
        // The run's tokens stay valid: a storage failure is not "unauthenticated".
        if (r->status == 401) {
          report_.Fail(kTokenAccepted, who + " answered 401 " + r->code);
        } else {
          report_.Pass(kTokenAccepted);
        }
      }
      if (r->kind == RequestKind::kRead && r->status != 0 && r->status < 500) {
        // Reads are logged only when they fail: a known case must be readable.
        report_.Fail(kCaseReadable, who + " answered " + std::to_string(r->status) + " " + r->code);
      }
      if (!r->invalid.empty() && r->status != 0 && r->status < 500) {
        if (AllowedRefusals(r->invalid).count(r->status)) {
          report_.Pass(kInvalidRefused);
        } else {
          report_.Fail(kInvalidRefused, who + " made invalid by " + r->invalid + " answered " +
                                            std::to_string(r->status) + " " + r->code);
        }
      }
    }
  }

  void CheckAcknowledged() {
    for (const LoggedRequest* r : requests_) {
      if (!r->acknowledged()) continue;
      switch (r->kind) {
        case RequestKind::kOrder:
          CheckOrderStored(*r);
          break;
        case RequestKind::kSubmit:
          CheckCaseChange(*r, kSubmitStored, "description");
          break;
        case RequestKind::kAction:
          CheckCaseChange(*r, kActionStored, "note");
          break;
        case RequestKind::kClock:
          CheckClockStored(*r);
          break;
        case RequestKind::kRead:
          break;
      }
    }
  }

  void CheckOrderStored(const LoggedRequest& r) {
    const std::string id = Str(r.answer, "id");
    auto it = db_.orders.find(id);
    const json sent = json::parse(r.body, nullptr, false);
    const std::size_t lines = sent.is_object() ? sent.value("lines", json::array()).size() : 0;
    if (it == db_.orders.end() || it->second.lines.size() != lines) {
      report_.Fail(kOrderStored, r.tag + ": order " + id + " acknowledged but not stored with its " +
                                     std::to_string(lines) + " lines");
    } else {
      report_.Pass(kOrderStored);
    }
  }

  // A submit or action: its tag (the description or note) is stored once,
  // in the text of one audit entry of the case, and that entry and the
  // stored case agree with the answer.
  void CheckCaseChange(const LoggedRequest& r, const char* invariant, const std::string& text_kind) {
    const std::string case_id = Str(r.answer, "id");
    // When and how it was answered, to set beside the run's kills and
    // outages (wall ms) when it fails.
    std::string what = r.tag + " (" + (r.action.empty() ? "submit" : r.action) + " on " + case_id + "; sent at wall ms " +
                       std::to_string(r.sent_ms) + ", answered " + std::to_string(r.answered_ms - r.sent_ms) +
                       " ms later" + (r.replayed ? ", a replay" : "") + (r.retry ? ", a resend" : "") + ")";
    const auto texts = TextsWithBody(r.tag, text_kind);
    if (texts.size() != 1) {
      report_.Fail(invariant, what + ": acknowledged, but its " + text_kind + " is stored " +
                                  std::to_string(texts.size()) + " times");
      return;
    }
    auto entries = entries_by_text_.find(texts[0]->id);
    if (entries == entries_by_text_.end() || entries->second.size() != 1) {
      report_.Fail(invariant, what + ": its " + text_kind + " is in " +
                                  std::to_string(entries == entries_by_text_.end() ? 0 : entries->second.size()) +
                                  " audit entries, not 1");
      return;
    }
    const AuditRow& e = *entries->second[0];
    const std::string expected_action = r.kind == RequestKind::kSubmit ? "submit" : r.action;
    const std::int64_t version = Int(r.answer, "version").value_or(-1);
    std::string problem;
    if (e.case_id != case_id) problem += " entry is on case " + e.case_id + ";";
    if (e.action != expected_action) problem += " entry action " + e.action + ";";
    if (e.to_state != Str(r.answer, "state")) {
      problem += " entry to_state " + e.to_state + " but answered " + Str(r.answer, "state") + ";";
    }
    if (auto v = Int(e.data, "version"); v && *v != version) {
      problem += " entry version " + std::to_string(*v) + " but answered " + std::to_string(version) + ";";
    }
    auto stored = db_.cases.find(case_id);
    if (stored == db_.cases.end()) {
      problem += " case not stored;";
    } else {
      if (stored->second.version < version) {
        problem += " stored version " + std::to_string(stored->second.version) + " < answered;";
      }
      for (const json& answered : r.answer.value("refunds", json::array())) {
        const auto& refunds = stored->second.doc.value("refunds", json::array());
        const bool kept = std::any_of(refunds.begin(), refunds.end(), [&](const json& s) {
          return Str(s, "id") == Str(answered, "id") && Int(s, "amount") == Int(answered, "amount");
        });
        if (!kept) problem += " answered refund " + Str(answered, "id") + " not stored;";
      }
    }
    if (problem.empty()) {
      report_.Pass(invariant);
    } else {
      report_.Fail(invariant, what + ":" + problem);
    }
  }

  // An entry for `kind` fired on `case_id`: its timeout or its breach.
  bool FiringRecorded(const std::string& case_id, const std::string& kind) const {
    for (const AuditRow* e : CaseEntries(case_id)) {
      if ((e->action == "timeout" || e->action == "deadline_breached") && Str(e->data, "deadline") == kind) {
        return true;
      }
    }
    return false;
  }

  void CheckClockStored(const LoggedRequest& r) {
    const auto answered = ParseTime(Str(r.answer, "now"));
    std::string problem;
    if (!answered || !db_.test_clock_now || *db_.test_clock_now < *answered) {
      problem += " the stored test clock is behind the answered " + Str(r.answer, "now") + ";";
    }
    for (const json& fired : r.answer.value("fired", json::array())) {
      if (!FiringRecorded(Str(fired, "case_id"), Str(fired, "kind"))) {
        problem += " fired " + Str(fired, "kind") + " on " + Str(fired, "case_id") + " has no entry;";
      }
    }
    if (problem.empty()) {
      report_.Pass(kClockStored);
    } else {
      report_.Fail(kClockStored, r.tag + ":" + problem);
    }
  }

  // Every tag, answered or not: stored at most once; not at all when an
  // answer to it was a refusal (a 4xx: a resend with the same key would
  // have been replayed had an earlier attempt been applied), nor when
  // every attempt was refused for the moment (503, 429: "nothing was
  // changed") and none was left open (which may have been applied), even if
  // a later resend was answered with a replay of a stored answer.
  void CheckTags() {
    struct Attempts {
      bool refused = false;    // a definitive refusal
      bool open = false;       // an answer that leaves it open (no answer, proxy 5xx, in progress)
      bool transient = false;  // a 503 or 429
      bool applied = false;    // a 2xx that was not a replay
    };
    std::map<std::string, Attempts> by_tag;
    std::int64_t held_after_503 = 0;
    for (const LoggedRequest* r : requests_) {
      if (r->kind != RequestKind::kSubmit && r->kind != RequestKind::kAction) continue;
      Attempts& a = by_tag[r->tag];
      // A resend of a request answered 503 ("nothing was changed") and never
      // left open, refused as still running: a claim on its key the
      // outage kept (web/idempotency.h: it runs out after kClaimSeconds).
      if (r->code == "idempotency_in_progress" && a.transient && !a.open) ++held_after_503;
      a.refused = a.refused || r->definitive_refusal();
      a.open = a.open || r->ambiguous();
      a.transient = a.transient || r->transient_refusal();
      a.applied = a.applied || (r->acknowledged() && !r->replayed);
    }
    if (!options_.outages_ms.empty()) {
      report_.Figure("keys refused as in progress after a 503 of the same request", held_after_503);
    }
    for (const auto& [tag, a] : by_tag) {
      const std::size_t stored = TextsWithBody(tag, "").size();
      if (stored > 1) {
        report_.Fail(kAtMostOnce, tag + " is stored " + std::to_string(stored) + " times");
      } else {
        report_.Pass(kAtMostOnce);
      }
      if (a.refused) {
        if (stored > 0) {
          report_.Fail(kRefusedNoTrace, tag + " was refused (or its resend was) but is stored");
        } else {
          report_.Pass(kRefusedNoTrace);
        }
      } else if (a.transient && !a.open && !a.applied) {
        if (stored > 0) {
          report_.Fail(kRefusedNoTrace, tag +
                                            " was answered 503/429 (nothing was changed) and never applied"
                                            " by another attempt, but is stored");
        } else {
          report_.Pass(kRefusedNoTrace);
        }
      }
    }
  }

  // Races: the requests of one race whose change is stored (answered or
  // not) are no more than the race allows.
  void CheckRaces() {
    std::map<std::string, std::set<std::string>> tags_by_race;
    std::map<std::string, int> limit_by_race;
    for (const LoggedRequest* r : requests_) {
      if (r->race.empty()) continue;
      tags_by_race[r->race].insert(r->tag);
      limit_by_race[r->race] = r->race_limit;
    }
    std::int64_t contested = 0, racing = 0;
    for (const auto& [race, tags] : tags_by_race) {
      std::size_t stored = 0;
      for (const std::string& tag : tags) stored += TextsWithBody(tag, "").empty() ? 0 : 1;
      racing += static_cast<std::int64_t>(tags.size());
      if (stored > 0 && stored < tags.size()) ++contested;
      if (stored > static_cast<std::size_t>(limit_by_race[race])) {
        report_.Fail(kRaceWinners, race + ": " + std::to_string(stored) + " of " + std::to_string(tags.size()) +
                                       " racing requests stored, at most " + std::to_string(limit_by_race[race]) +
                                       " may be");
      } else {
        report_.Pass(kRaceWinners);
      }
    }
    if (!tags_by_race.empty()) {
      report_.Figure(
          "races (racing requests; won by some, not all)",
          std::to_string(tags_by_race.size()) + " (" + std::to_string(racing) + "; " + std::to_string(contested) + ")");
    }
  }

  // Each database outage: every request sent while it lasted was answered
  // promptly, some with 503; and requests were acknowledged again after it.
  void CheckOutages() {
    const auto grace = static_cast<std::int64_t>(options_.outage_grace_seconds * 1000);
    int n = 0;
    for (const auto& [from, to] : options_.outages_ms) {
      ++n;
      std::int64_t during = 0, unavailable = 0, slow = 0, acknowledged_after = 0, first_ack_after = -1;
      std::int64_t slowest = 0;
      for (const LoggedRequest* r : requests_) {
        if (r->sent_ms == 0) continue;
        if (r->sent_ms >= from && r->sent_ms <= to) {
          ++during;
          const std::int64_t took = r->answered_ms - r->sent_ms;
          slowest = std::max(slowest, took);
          if (took > kPromptMillis) ++slow;
        }
        if (r->status == 503 && r->answered_ms >= from && r->sent_ms <= to + grace) ++unavailable;
        if (r->acknowledged() && r->sent_ms > to) {
          if (r->sent_ms > to + grace) ++acknowledged_after;
          if (first_ack_after < 0 || r->answered_ms - to < first_ack_after) first_ack_after = r->answered_ms - to;
        }
      }
      const std::string name = "outage " + std::to_string(n) + " (" + std::to_string(to - from) + " ms)";
      if (unavailable == 0) {
        report_.Fail(kOutageAnswered,
                     name + ": no request was answered 503 (" + std::to_string(during) + " sent while it lasted)");
      } else if (slow > 0) {
        report_.Fail(kOutageAnswered, name + ": " + std::to_string(slow) + " of " + std::to_string(during) +
                                          " requests sent while it lasted took over " +
                                          std::to_string(kPromptMillis / 1000) + " s (slowest " +
                                          std::to_string(slowest) + " ms)");
      } else {
        report_.Pass(kOutageAnswered);
      }
      if (acknowledged_after == 0) {
        report_.Fail(kOutageRecovered, name + ": no request sent after it was acknowledged");
      } else {
        report_.Pass(kOutageRecovered);
      }
      report_.Figure(name, std::to_string(during) + " requests sent while the database was down, slowest answer " +
                               std::to_string(slowest) + " ms; " + std::to_string(unavailable) +
                               " answered 503; first acknowledgement " + std::to_string(first_ack_after) +
                               " ms after it was back; " + std::to_string(acknowledged_after) +
                               " acknowledged after the grace");
    }
  }

  void CheckHistories() {
    for (const auto& [case_id, entries] : entries_by_case_) {
      if (!db_.cases.count(case_id)) {
        report_.Fail(kEntryHasCase, "entries of case " + case_id + " but no such case");
      } else {
        report_.Pass(kEntryHasCase, static_cast<std::int64_t>(entries.size()));
      }
    }
    for (const auto& [id, c] : db_.cases) {
      const auto& entries = CaseEntries(id);
      std::string problem;
      if (entries.empty() || entries[0]->action != "submit" || Int(entries[0]->data, "version") != 1) {
        problem = " does not start with its submit at version 1;";
      } else {
        std::int64_t version = 1;
        std::string state = entries[0]->to_state;
        for (std::size_t i = 1; i < entries.size(); ++i) {
          const AuditRow& e = *entries[i];
          if (auto v = Int(e.data, "version")) {
            if (*v != version && *v != version + 1) {
              problem += " seq " + std::to_string(e.seq) + " jumps to version " + std::to_string(*v) + " from " +
                         std::to_string(version) + ";";
            }
            version = *v;
          }
          if (!e.from_state.empty() && e.from_state != state) {
            problem +=
                " seq " + std::to_string(e.seq) + " starts in " + e.from_state + " but the case was in " + state + ";";
          }
          if (!e.to_state.empty()) state = e.to_state;
        }
        if (version != c.version) {
          problem +=
              " history ends at version " + std::to_string(version) + ", stored " + std::to_string(c.version) + ";";
        }
        if (state != c.state) problem += " history ends in " + state + ", stored " + c.state + ";";
      }
      if (problem.empty()) {
        report_.Pass(kHistory);
      } else {
        report_.Fail(kHistory, "case " + id + ":" + problem);
      }
    }
  }

  // Per order: what the stored cases hold against what was bought and paid.
  struct Holdings {
    std::map<std::string, std::int64_t> units;    // by line
    std::map<std::string, std::int64_t> amounts;  // by line
    std::int64_t refunds = 0;
  };

  std::map<std::string, Holdings> HoldingsByOrder() {
    std::map<std::string, Holdings> by_order;
    std::map<std::string, int> shipping_holders;
    for (const auto& [id, c] : db_.cases) {
      Holdings& h = by_order[c.order_id];
      const std::int64_t held = RefundsHeld(c.doc);
      h.refunds += held;
      std::int64_t lines_amount = 0;
      for (const json& l : c.doc.value("lines", json::array())) lines_amount += Int(l, "amount").value_or(0);
      const bool holds_shipping = c.doc.value("holds_shipping", false);
      auto order = db_.orders.find(c.order_id);
      const std::int64_t shipping = order == db_.orders.end() ? 0 : order->second.shipping_paid;
      if (held > lines_amount + (holds_shipping ? shipping : 0)) {
        report_.Fail(kCaseRefunds, "case " + id + " holds refunds of " + std::to_string(held) + " over its amount " +
                                       std::to_string(lines_amount) + (holds_shipping ? " + shipping" : ""));
      } else {
        report_.Pass(kCaseRefunds);
      }
      if (!HoldsUnits(c)) {
        if (held != 0) {
          report_.Fail(kReleasedNoRefund, "case " + id + " (" + c.state + ") released its units but holds refunds");
        } else {
          report_.Pass(kReleasedNoRefund);
        }
        continue;
      }
      if (holds_shipping) ++shipping_holders[c.order_id];
      for (const json& l : c.doc.value("lines", json::array())) {
        h.units[Str(l, "line_id")] += Int(l, "qty").value_or(0);
        h.amounts[Str(l, "line_id")] += Int(l, "amount").value_or(0);
      }
    }
    for (const auto& [order_id, holders] : shipping_holders) {
      if (holders > 1) {
        report_.Fail(kShippingOnce, "order " + order_id + ": " + std::to_string(holders) + " cases hold its shipping");
      } else {
        report_.Pass(kShippingOnce);
      }
    }
    return by_order;
  }

  void CheckLedger() {
    holdings_ = HoldingsByOrder();
    for (const auto& [order_id, h] : holdings_) {
      auto order = db_.orders.find(order_id);
      if (order == db_.orders.end()) {
        report_.Fail(kOrderRefunds, "cases on order " + order_id + ", which is not stored");
        continue;
      }
      std::int64_t paid_total = order->second.shipping_paid;
      for (const OrderLineRow& line : order->second.lines) {
        paid_total += line.paid;
        const std::int64_t units = h.units.count(line.line_id) ? h.units.at(line.line_id) : 0;
        const std::int64_t amount = h.amounts.count(line.line_id) ? h.amounts.at(line.line_id) : 0;
        const std::string where = "order " + order_id + " line " + line.line_id;
        if (units > line.qty) {
          report_.Fail(kLineUnits, where + ": " + std::to_string(units) + " units held of " + std::to_string(line.qty));
        } else {
          report_.Pass(kLineUnits);
        }
        if (amount > line.paid) {
          report_.Fail(kLineAmounts, where + ": " + std::to_string(amount) + " held of " + std::to_string(line.paid));
        } else {
          report_.Pass(kLineAmounts);
        }
      }
      if (h.refunds > paid_total) {
        report_.Fail(kOrderRefunds, "order " + order_id + ": refunds " + std::to_string(h.refunds) + " > paid " +
                                        std::to_string(paid_total));
      } else {
        report_.Pass(kOrderRefunds);
      }
    }
  }

  // Through the API: each order's returnable units and refundable amount
  // as served equal what the stored cases imply.
  void CheckServedOrders(ApiClient& api) {
    const std::string& token = fixture_.Staff("manager").token;
    for (const auto& [order_id, order] : db_.orders) {
      const Answer answer = api.Get("/api/v1/orders/" + order_id, token);
      if (!answer.ok()) {
        report_.Fail(kServedOrder, "GET order " + order_id + " answered " + std::to_string(answer.status));
        continue;
      }
      const json served = answer.Json();
      const Holdings& h = holdings_[order_id];
      std::string problem;
      std::int64_t paid_total = order.shipping_paid;
      for (const OrderLineRow& line : order.lines) {
        paid_total += line.paid;
        const std::int64_t held = h.units.count(line.line_id) ? h.units.at(line.line_id) : 0;
        for (const json& l : served.value("lines", json::array())) {
          if (Str(l, "line_id") == line.line_id &&
              Int(l, "returnable_qty") != std::max<std::int64_t>(0, line.qty - held)) {
            problem += " line " + line.line_id + " returnable_qty " + l.value("returnable_qty", json()).dump() +
                       ", stored cases leave " + std::to_string(line.qty - held) + ";";
          }
        }
      }
      if (Int(served, "refundable_amount") != paid_total - h.refunds) {
        problem += " refundable_amount " + served.value("refundable_amount", json()).dump() + ", stored cases leave " +
                   std::to_string(paid_total - h.refunds) + ";";
      }
      if (problem.empty()) {
        report_.Pass(kServedOrder);
      } else {
        report_.Fail(kServedOrder, "order " + order_id + ":" + problem);
      }
    }
  }

  void CheckDeadlineFirings() {
    // (case, action, deadline, due_at) of every firing and breach entry.
    // An order's deadline (order_ship) belongs to no case: keyed by its order.
    std::map<std::tuple<std::string, std::string, std::string, std::string>, int> firings;
    for (const AuditRow& e : db_.audit) {
      if (e.action != "timeout" && e.action != "deadline_breached") continue;
      const std::string owner = e.case_id.empty() ? "order " + Str(e.data, "order_id") : e.case_id;
      ++firings[{owner, e.action, Str(e.data, "deadline"), Str(e.data, "due_at")}];
    }
    std::set<std::tuple<std::string, std::string, std::string>> rows_breached;
    std::set<std::tuple<std::string, std::string, std::string>> rows_closed;
    for (const DeadlineRow& d : db_.deadlines) {
      const std::string owner = d.case_id.empty() ? "order " + d.order_id : d.case_id;
      const auto key = std::make_tuple(owner, d.kind, FormatTime(d.due_at));
      if (d.breached_at) rows_breached.insert(key);
      if (d.status != "open") rows_closed.insert(key);
    }
    for (const auto& [key, count] : firings) {
      const auto& [case_id, action, deadline, due_at] = key;
      const std::string what = action + " of " + deadline + " due " + due_at + " on " + case_id;
      if (count > 1) {
        report_.Fail(kFiredOnce, what + " is recorded " + std::to_string(count) + " times");
      } else {
        report_.Pass(kFiredOnce);
      }
      const auto row = std::make_tuple(case_id, deadline, due_at);
      const bool matches = action == "deadline_breached" ? rows_breached.count(row) > 0 : rows_closed.count(row) > 0;
      if (matches) {
        report_.Pass(kFiringMatchesRow);
      } else {
        report_.Fail(kFiringMatchesRow,
                     what + " has no " + (action == "deadline_breached" ? "breached" : "closed") + " deadline row");
      }
    }
    for (const auto& [case_id, kind, due_at] : rows_breached) {
      if (!firings.count({case_id, "deadline_breached", kind, due_at})) {
        report_.Fail(kFiringMatchesRow, "deadline row " + kind + " due " + due_at + " on " + case_id +
                                            " is breached without a deadline_breached entry");
      }
    }
  }

  // On a live file: nothing open is due by the test clock.
  void CheckNoneLost(const std::string& when) {
    if (!db_.test_clock_now) {
      report_.Fail(kNoneLost, "no stored test clock");
      return;
    }
    std::int64_t late = 0;
    std::string example;
    for (const DeadlineRow& d : db_.deadlines) {
      if (d.status == "open" && d.due_at <= *db_.test_clock_now) {
        ++late;
        if (example.empty()) example = d.kind + " on " + d.case_id + " due " + FormatTime(d.due_at);
      }
    }
    if (late > 0) {
      report_.Fail(kNoneLost, when + ": " + std::to_string(late) + " open deadlines past due at " +
                                  FormatTime(*db_.test_clock_now) + ", e.g. " + example);
    } else {
      report_.Pass(kNoneLost);
    }
  }

  void CheckOutbox() {
    for (const OutboxRow& o : db_.outbox) {
      const json data = o.payload.value("data", json::object());
      const std::string case_id = Str(data, "case_id");
      const auto& entries = CaseEntries(case_id);
      bool matches = false;
      if (o.type == "case.created") {
        matches = std::any_of(entries.begin(), entries.end(), [](const AuditRow* e) { return e->action == "submit"; });
      } else if (o.type == "case.state_changed") {
        matches = std::any_of(entries.begin(), entries.end(), [&](const AuditRow* e) {
          return Int(e->data, "version") == Int(data, "version") && e->from_state == Str(data, "from") &&
                 e->to_state == Str(data, "to") && e->action == Str(data, "action");
        });
      } else if (o.type == "refund.requested") {
        auto c = db_.cases.find(case_id);
        if (c != db_.cases.end()) {
          const auto& refunds = c->second.doc.value("refunds", json::array());
          matches = std::any_of(refunds.begin(), refunds.end(), [&](const json& r) {
            return Str(r, "id") == Str(data, "refund_id") && Int(r, "amount") == Int(data, "amount");
          });
        }
      } else if (o.type == "sla.breached" && case_id.empty()) {  // an order's deadline (SPEC §10.4)
        matches = std::any_of(db_.audit.begin(), db_.audit.end(), [&](const AuditRow& e) {
          return e.case_id.empty() && e.action == "deadline_breached" &&
                 Str(e.data, "order_id") == Str(data, "order_id") && Str(e.data, "deadline") == Str(data, "deadline") &&
                 Str(e.data, "due_at") == Str(data, "due_at");
        });
      } else if (o.type == "sla.breached") {
        matches = std::any_of(entries.begin(), entries.end(), [&](const AuditRow* e) {
          return e->action == "deadline_breached" && Str(e->data, "deadline") == Str(data, "deadline") &&
                 Str(e->data, "due_at") == Str(data, "due_at");
        });
      } else if (o.type == "order.shipment_created") {
        matches = std::any_of(db_.audit.begin(), db_.audit.end(), [&](const AuditRow& e) {
          return e.case_id.empty() && e.action == "order_shipment" &&
                 Str(e.data, "shipment_id") == Str(data, "shipment_id");
        });
      } else if (o.type == "compensation.requested") {  // entering compensating, or a failed issue
        matches = std::any_of(entries.begin(), entries.end(), [](const AuditRow* e) {
          return e->to_state == "compensating" || e->action == "compensation_failed";
        });
      } else if (o.type == "repair.progress") {
        matches = std::any_of(entries.begin(), entries.end(), [](const AuditRow* e) {
          return e->action == "repair_update";
        });
      }
      if (matches && Str(o.payload, "id") == o.event_id) {
        report_.Pass(kEventMatchesChange);
      } else {
        report_.Fail(kEventMatchesChange, o.type + " " + o.event_id + " on " + case_id + " matches no stored change");
      }
    }
  }

  void CheckReceived(const Received& received) {
    std::set<std::string> committed;
    for (const OutboxRow& o : db_.outbox) committed.insert(o.event_id);
    for (const auto& [event_id, deliveries] : received.deliveries_by_event) {
      if (committed.count(event_id)) {
        report_.Pass(kDeliveredCommitted);
      } else {
        report_.Fail(kDeliveredCommitted, "event " + event_id + " was delivered but is not in the outbox");
      }
    }
    if (received.bad_signatures > 0) {
      report_.Fail(kSignatures, std::to_string(received.bad_signatures) + " deliveries with a bad signature");
    } else {
      report_.Pass(kSignatures, received.total);
    }
  }

  // Waits until every committed event has reached the receiver.
  void CheckAllDelivered() {
    std::set<std::string> missing;
    for (const OutboxRow& o : db_.outbox) missing.insert(o.event_id);
    const std::size_t committed = missing.size();
    const double started = MonotonicSeconds();
    const double until = started + options_.delivery_wait_seconds;
    Received received;
    while (true) {
      received = ReadReceived(options_.received_path);
      for (auto it = missing.begin(); it != missing.end();) {
        it = received.deliveries_by_event.count(*it) ? missing.erase(it) : std::next(it);
      }
      if (missing.empty() || MonotonicSeconds() > until) break;
      SleepForMillis(200);
    }
    report_.Figure("events committed", static_cast<std::int64_t>(committed));
    report_.Figure("events delivered", static_cast<std::int64_t>(committed - missing.size()));
    report_.Figure("deliveries received", received.total);
    report_.Figure("seconds waited for the last deliveries", static_cast<std::int64_t>(MonotonicSeconds() - started));
    if (missing.empty()) {
      report_.Pass(kAllDelivered, static_cast<std::int64_t>(committed));
    } else {
      report_.Fail(kAllDelivered, std::to_string(missing.size()) +
                                      " committed events never reached the receiver, e.g. " + *missing.begin());
    }
  }

  // One test-clock move and sweep: whatever it makes due fires, once; the
  // move itself is checked with the acknowledged requests.
  void MoveClockOnce(ApiClient& api) {
    const Answer moved =
        api.Post("/api/v1/test/clock", fixture_.admin.token, json{{"advance_seconds", kCheckClockStepSeconds}});
    if (!moved.ok()) {
      report_.Fail(kNoneLost, "moving the test clock answered " + std::to_string(moved.status) + " " + moved.body);
      return;
    }
    check_move_.tag = "check-clock-move";
    check_move_.kind = RequestKind::kClock;
    check_move_.status = moved.status;
    check_move_.answer = moved.Json();
    requests_.push_back(&check_move_);
  }

  void CheckApiVerify(ApiClient& api) {
    const Answer verified = api.Get("/api/v1/audit/verify", fixture_.admin.token);
    const json v = verified.Json();
    if (verified.ok() && v.value("ok", false) &&
        Int(v, "entries").value_or(0) >= static_cast<std::int64_t>(db_.audit.size())) {
      report_.Pass(kApiVerify);
    } else {
      report_.Fail(kApiVerify, std::to_string(verified.status) + " " + verified.body);
    }
  }

  void Figures() {
    std::int64_t acknowledged = 0, refused = 0, unanswered = 0, resent = 0, replayed = 0;
    std::map<std::string, std::int64_t> actions, invalid, timeouts;
    for (const LoggedRequest* r : requests_) {
      if (r->acknowledged()) ++acknowledged;
      if (r->status >= 400) ++refused;
      if (r->status == 0) ++unanswered;
      if (r->retry) ++resent;
      if (r->replayed) ++replayed;
      if (r->kind == RequestKind::kAction && r->acknowledged()) ++actions[r->action];
      if (!r->invalid.empty()) ++invalid[r->invalid];
    }
    for (const AuditRow& e : db_.audit) {
      if (e.action == "timeout" || e.action == "deadline_breached") {
        ++timeouts[Str(e.data, "deadline") + (e.action == "timeout" ? "" : " breach")];
      }
    }
    auto line = [](const std::map<std::string, std::int64_t>& counts) {
      std::string text;
      for (const auto& [name, n] : counts) text += (text.empty() ? "" : ", ") + name + " " + std::to_string(n);
      return text.empty() ? std::string("none") : text;
    };
    report_.Figure("acknowledged actions by kind", line(actions));
    report_.Figure("requests invalid on purpose, by kind", line(invalid));
    report_.Figure("deadline firings by kind", line(timeouts));
    report_.Figure("requests replayed (Idempotent-Replayed)", replayed);
    report_.Figure("requests acknowledged", acknowledged);
    report_.Figure("requests refused", refused);
    report_.Figure("requests unanswered", unanswered);
    report_.Figure("requests resent after a restart", resent);
    report_.Figure("audit entries", static_cast<std::int64_t>(db_.audit.size()));
    report_.Figure("cases", static_cast<std::int64_t>(db_.cases.size()));
    report_.Figure("orders", static_cast<std::int64_t>(db_.orders.size()));
    std::int64_t fired = 0, terminal = 0;
    for (const AuditRow& e : db_.audit) fired += e.action == "timeout" || e.action == "deadline_breached";
    for (const auto& [id, c] : db_.cases) {
      terminal += c.state == "refunded" || c.state == "exchanged" || c.state == "closed" || c.state == "cancelled";
    }
    report_.Figure("cases finished", terminal);
    report_.Figure("deadline firings and breaches", fired);
    report_.Figure("outbox events", static_cast<std::int64_t>(db_.outbox.size()));
    if (!options_.kills_ms.empty() || gateway_answers_ > 0)
      report_.Figure("answered 5xx by the proxy", gateway_answers_);
    if (!options_.outages_ms.empty()) report_.Figure("answered 503 in outages, by code", line(outage_answers_));
  }

  const CheckOptions& options_;
  const RunFixture& fixture_;
  const LogContents& log_;
  std::vector<const LoggedRequest*> requests_;
  DbSnapshot db_;
  std::map<std::string, std::vector<const TextRow*>> texts_by_body_;
  std::map<std::string, std::vector<const AuditRow*>> entries_by_text_;
  std::map<std::string, std::vector<const AuditRow*>> entries_by_case_;
  std::map<std::string, Holdings> holdings_;
  LoggedRequest check_move_;
  std::int64_t gateway_answers_ = 0;
  std::map<std::string, std::int64_t> outage_answers_;  // 503s in outages, by code
  CheckReport report_;
};

}  // namespace

void CheckReport::Fail(const std::string& invariant, const std::string& detail) {
  failures_[invariant].push_back(detail);
  ++violation_count_;
}

std::string CheckReport::Summary() const {
  std::set<std::string> names;
  std::int64_t instances = violation_count_;
  for (const auto& [name, n] : passes_) {
    names.insert(name);
    instances += n;
  }
  for (const auto& [name, f] : failures_) names.insert(name);
  return std::to_string(names.size()) + " invariants, " + std::to_string(instances) + " instances checked, " +
         std::to_string(violation_count_) + " violated";
}

void CheckReport::Print(std::ostream& out) const {
  std::set<std::string> names;
  for (const auto& [name, n] : passes_) names.insert(name);
  for (const auto& [name, f] : failures_) names.insert(name);
  for (const std::string& name : names) {
    const std::int64_t passed = passes_.count(name) ? passes_.at(name) : 0;
    const std::size_t failed = failures_.count(name) ? failures_.at(name).size() : 0;
    out << (failed == 0 ? "  ok    " : "  FAIL  ") << name << ": " << passed + static_cast<std::int64_t>(failed)
        << " checked";
    if (failed > 0) out << ", " << failed << " violated";
    out << "\n";
    if (failed == 0) continue;
    for (std::size_t i = 0; i < failed && i < kFailuresShown; ++i) out << "          " << failures_.at(name)[i] << "\n";
    if (failed > kFailuresShown) out << "          ... and " << failed - kFailuresShown << " more\n";
  }
  for (const auto& [name, value] : figures_) out << "  " << name << ": " << value << "\n";
}

CheckReport RunChecks(const CheckOptions& options, const RunFixture& fixture, const LogContents& log) {
  return Checker(options, fixture, log).Run();
}

}  // namespace aftersales::reliability
