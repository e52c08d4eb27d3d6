#include "engine/reports/staff_reports.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "engine/body_reader.h"
#include "engine/reports/staff_events.h"
#include "workflows/policy.h"

namespace aftersales {
namespace {

using nlohmann::json;

// One member of the team and the period's events per kind.
struct Member {
  std::string user_id;
  std::optional<UserRow> user;  // none: events of an id that is no user (any more)
  std::map<std::string, StaffEventCount> by_kind;

  std::int64_t Count(const std::string& kind) const {
    auto it = by_kind.find(kind);
    return it == by_kind.end() ? 0 : it->second.count;
  }
  std::int64_t Points(const ScorecardPolicy& scorecard) const {
    std::int64_t total = 0;
    for (const auto& kind : ScoredEventKinds()) total += Count(kind) * scorecard.PointsOf(kind);
    return total;
  }
  std::int64_t ScoredEvents() const {
    std::int64_t total = 0;
    for (const auto& kind : ScoredEventKinds()) total += Count(kind);
    return total;
  }
};

bool CountsAsTeam(const UserRow& u) {
  return !u.disabled && (roles::kAgentPlus & Bit(u.role)) != 0;
}

// Every agent, supervisor and manager not disabled, plus anyone with events
// in the period, by user_id.
std::map<std::string, Member> Team(const std::vector<UserRow>& users, const std::vector<StaffEventCount>& counts) {
  std::map<std::string, Member> team;
  std::map<std::string, const UserRow*> by_id;
  for (const UserRow& u : users) {
    by_id[u.id] = &u;
    if (CountsAsTeam(u)) team[u.id] = Member{u.id, u, {}};
  }
  for (const StaffEventCount& c : counts) {
    auto it = team.find(c.user_id);
    if (it == team.end()) {
      auto known = by_id.find(c.user_id);
      std::optional<UserRow> user;
      if (known != by_id.end()) user = *known->second;
      it = team.emplace(c.user_id, Member{c.user_id, user, {}}).first;
    }
    it->second.by_kind[c.kind] = c;
  }
  return team;
}

json MemberName(const Member& m) { return m.user ? json(m.user->name) : json(nullptr); }
json MemberRole(const Member& m) { return m.user ? json(NameOf(m.user->role)) : json(nullptr); }

// The scored part of a member as a scorecard item (rank added later).
json ScoreItem(const Member& m, const ScorecardPolicy& scorecard) {
  json by_kind = json::array();
  for (const auto& kind : ScoredEventKinds()) {
    by_kind.push_back({{"kind", kind}, {"count", m.Count(kind)}, {"points", m.Count(kind) * scorecard.PointsOf(kind)}});
  }
  const std::int64_t points = m.Points(scorecard);
  return {{"user_id", m.user_id},
          {"name", MemberName(m)},
          {"role", MemberRole(m)},
          {"points", points},
          {"band", scorecard.BandOf(points)},
          {"events", m.ScoredEvents()},
          {"by_kind", by_kind}};
}

json TimeOrNull(const std::optional<TimePoint>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

// The latest stored policy, or the shipped default (version 0) on a
// database that has none yet.
Result<std::shared_ptr<const Policy>> LatestPolicy(ReadTxn& txn, PolicyRegistry& policies) {
  auto latest = txn.LatestPolicy();
  if (!latest.ok()) return latest.status();
  if (!latest->has_value()) return std::make_shared<const Policy>(DefaultPolicy());
  return policies.Version((*latest)->version);
}

}  // namespace

StaffReports::StaffReports(Store& store, PolicyRegistry& policies, const Clock& clock)
    : store_(store), policies_(policies), clock_(clock) {}

Result<json> StaffReports::Agents(const ReportRange& range) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  ReadTxn& r = **txn;
  std::optional<std::string> currency = range.currency;
  if (!currency) {
    auto most = r.MostCommonCaseCurrency();
    if (!most.ok()) return most.status();
    currency = *most;
  }
  auto counts = r.CountStaffEvents(range.from, range.to, std::nullopt);
  if (!counts.ok()) return counts.status();
  std::map<std::string, std::int64_t> refunded;
  if (currency) {
    auto money = r.CountStaffEvents(range.from, range.to, currency);
    if (!money.ok()) return money.status();
    for (const auto& c : *money) {
      if (c.kind == staff_event::kRefunded) refunded[c.user_id] = c.sum;
    }
  }
  auto firsts = r.StaffEventValues(staff_event::kFirstResponse, range.from, range.to);
  if (!firsts.ok()) return firsts.status();
  std::map<std::string, std::vector<std::int64_t>> first_responses;  // ascending per user
  for (const auto& [user, value] : *firsts) first_responses[user].push_back(value);
  auto users = r.ListUsers();
  if (!users.ok()) return users.status();
  auto policy = LatestPolicy(r, policies_);
  if (!policy.ok()) return policy.status();
  const ScorecardPolicy& scorecard = (*policy)->scorecard;

  std::vector<json> items;
  for (const auto& [id, m] : Team(*users, *counts)) {
    const auto median = NearestRank(first_responses[id], 50);
    const std::int64_t approvals = m.Count(staff_event::kApprove);
    const std::int64_t rejections = m.Count(staff_event::kReject);
    const std::int64_t offers = m.Count(staff_event::kOffer);
    items.push_back({{"user_id", id},
                     {"name", MemberName(m)},
                     {"role", MemberRole(m)},
                     {"decisions", approvals + rejections + offers + m.Count(staff_event::kArbitrate)},
                     {"approvals", approvals},
                     {"rejections", rejections},
                     {"offers", offers},
                     {"median_first_response_seconds", median ? json(*median) : json(nullptr)},
                     {"sla_breaches", m.Count(staff_event::kSlaBreach)},
                     {"overturned", m.Count(staff_event::kOverturnedOnAppeal)},
                     {"refunded_amount", refunded[id]},
                     {"score", m.Points(scorecard)}});
  }
  std::stable_sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a["score"].get<std::int64_t>() > b["score"].get<std::int64_t>();
  });  // the team came by user_id: ties keep that order
  return json{{"currency", currency ? json(*currency) : json(nullptr)}, {"items", items}};
}

Result<json> StaffReports::Scorecard(const ReportRange& asked, const std::optional<std::string>& user_id) {
  if (user_id && !IsValidId(*user_id)) return Status::Invalid("user_id", "must be a user id");
  ReportRange range = asked;
  if (!range.from && !range.to) {
    auto month = ParseReportRange("", "", "", MonthOf(clock_.Now()));
    if (!month.ok()) return month.status();
    range.from = month->from;
    range.to = month->to;
  }
  json period = nullptr;
  if (range.from && range.to) {
    auto month = ParseReportRange("", "", "", MonthOf(*range.from));
    if (month.ok() && month->from == range.from && month->to == range.to) period = MonthOf(*range.from);
  }

  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  ReadTxn& r = **txn;
  auto counts = r.CountStaffEvents(range.from, range.to, std::nullopt);
  if (!counts.ok()) return counts.status();
  auto users = r.ListUsers();
  if (!users.ok()) return users.status();
  auto policy = LatestPolicy(r, policies_);
  if (!policy.ok()) return policy.status();
  const ScorecardPolicy& scorecard = (*policy)->scorecard;

  std::map<std::string, Member> team = Team(*users, *counts);
  if (user_id && !team.count(*user_id)) {
    auto it = std::find_if(users->begin(), users->end(), [&](const UserRow& u) { return u.id == *user_id; });
    if (it == users->end()) return Status::NotFound("user " + *user_id);
    team[*user_id] = Member{*user_id, *it, {}};
  }
  std::vector<json> ranked;
  for (const auto& [id, m] : team) ranked.push_back(ScoreItem(m, scorecard));
  std::stable_sort(ranked.begin(), ranked.end(), [](const json& a, const json& b) {
    return a["points"].get<std::int64_t>() > b["points"].get<std::int64_t>();
  });  // by user_id within equal points: the team came in that order
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const bool tie = i > 0 && ranked[i]["points"] == ranked[i - 1]["points"];
    ranked[i]["rank"] = tie ? ranked[i - 1]["rank"].get<std::int64_t>() : static_cast<std::int64_t>(i + 1);
  }

  json points = json::object();
  for (const auto& kind : ScoredEventKinds()) points[kind] = scorecard.PointsOf(kind);
  json bands = json::array();
  for (const auto& b : scorecard.bands) {
    json band = {{"name", b.name}};
    if (b.min_points) band["min_points"] = *b.min_points;
    bands.push_back(band);
  }
  json out = {{"period", period},
              {"from", TimeOrNull(range.from)},
              {"to", TimeOrNull(range.to)},
              {"policy_version", (*policy)->version > 0 ? json((*policy)->version) : json(nullptr)},
              {"points", points},
              {"bands", bands}};
  if (!user_id) {
    out["items"] = ranked;
    return out;
  }
  json items = json::array();
  for (const json& item : ranked) {
    if (item["user_id"] == *user_id) items.push_back(item);
  }
  out["items"] = items;
  auto events = r.StaffEventsOfUser(*user_id, range.from, range.to);
  if (!events.ok()) return events.status();
  const auto& scored = ScoredEventKinds();
  json list = json::array();
  for (const StaffEventRow& e : *events) {
    if (std::find(scored.begin(), scored.end(), e.kind) == scored.end()) continue;
    list.push_back({{"seq", e.seq},
                    {"at", FormatTime(e.at)},
                    {"case_id", e.case_id},
                    {"kind", e.kind},
                    {"points", scorecard.PointsOf(e.kind)}});
  }
  out["event_list"] = list;
  return out;
}

}  // namespace aftersales
