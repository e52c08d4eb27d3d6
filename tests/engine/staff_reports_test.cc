// Staff events and the two reports about people (docs/reports.md "Staff
// events", "agents", "scorecard"), on a fixture driven through the real
// engine with a manual clock, every figure computed by hand below.
#include "api/json_api.h"
#include "engine/reports/staff_reports.h"

#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/engine_harness.h"
#include "engine/reports/report_catalog.h"
#include "engine/reports/staff_event_log.h"
#include "engine/reports/staff_events.h"
#include "engine/test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr TimePoint kT0 = kHarnessStart;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kLast = std::numeric_limits<std::int64_t>::max();

TimePoint H(std::int64_t hours) { return kT0 + hours * kHour; }

json Must(const Result<json>& r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

void AddStaff(EngineHarness& h, const std::string& id, const std::string& name, const std::string& role,
              bool disabled = false) {
  UserRow row;
  row.id = id;
  row.name = name;
  row.role = *ParseRole(role);
  row.approval_limit = 20000;
  row.disabled = disabled;
  row.created_at = h.clock().Now();
  auto txn = h.store().BeginWrite();
  REQUIRE(txn.ok());
  REQUIRE((*txn)->InsertUser(row).ok());
  REQUIRE((*txn)->Commit().ok());
}

Actor Staff(const std::string& id, Role role, std::optional<Money> limit) {
  Actor a;
  a.id = id;
  a.role = role;
  a.limit = limit;
  return a;
}

// Runs `sql` on the harness's database outside the store, as someone with
// the database could.
void RawSql(const TestDatabase& db, const std::string& sql) { db.Exec(sql); }

std::vector<StaffEventRow> StoredEvents(Store& store) {
  auto txn = store.BeginRead();
  REQUIRE(txn.ok());
  auto rows = (*txn)->ListStaffEvents(0, kLast);
  REQUIRE(rows.ok());
  return *rows;
}

std::vector<StaffEventRow> DerivedEvents(Store& store, std::int64_t* entries) {
  auto txn = store.BeginRead();
  REQUIRE(txn.ok());
  std::vector<StaffEventRow> out;
  Status s = ScanDerivedStaffEvents(
      **txn,
      [&](const StaffEventRow& e) {
        out.push_back(e);
        return Status::Ok();
      },
      entries);
  REQUIRE(s.ok());
  return out;
}

// The fixture (times in hours after 2026-11-01T00:00:00Z; seq = audit seq).
// Staff: A = u_agent, B = u_agent2, C = u_agent3 (no events), S = u_supervisor,
// M = u_manager; u_gone is a disabled agent. Seven refund cases, one buyer
// each (so that no abuse signal fires), all CNY but c4 (USD):
//   seq 1 policy; 2-8 orders o1-o7; 9-15 submits c1-c7 (h0);
//   16-18 h0 S assigns c2→B, c5→A, c7→B;
//   19 h1 A approves c1 → refunding        20 h1 B rejects c2
//   21 h1 A rejects c3                     22 h2 B offers 200 on c4 (USD)
//   23 h2 A approves c5 → awaiting_return  24 h2 A approves c6 (50000 > limit) → pending_approval
//   25 h3 S approves c6 → refunding        26 h3 c2 appealed → escalated
//   27 h3 c4 offer accepted → refunding    28 h3 c5 return shipped
//   29 h4 c1 refund issued (333)           30 h4 c4 refund issued (200 USD)
//   31 h4 c5 received, failed → inspection_failed
//   32 h48 c7 merchant_response breached (assignee B), 33 h48 its timeout approves (system)
//   34 h52 c5 merchant_response breached in inspection_failed (assignee A)
//   35 h53 S approves c5 (late: a breach since the last state change)
//   36 h54 c5 refund issued (5000)         37 h54 c7 refund issued (no approver, no decision)
//   38 h75 c6 refund_issue breached (no assignee), 39 h75 c2 arbitration breached (assignee B)
//   40 h76 M grants c2 (late; overturns B's rejection)   41 h77 c2 refund issued (333)
//   42 h169 c3's appeal window ends: closed without appeal
class Fixture {
 public:
  Fixture() {
    AddStaff(h_, "u_agent2", "agent2", "agent");
    AddStaff(h_, "u_agent3", "agent3", "agent");
    AddStaff(h_, "u_gone", "gone", "agent", true);
    const Actor& integration = h_.user("integration");
    const Actor& finance = h_.user("finance");
    const Actor& warehouse = h_.user("warehouse");
    const Actor a = h_.user("agent");
    const Actor b = Staff("u_agent2", Role::kAgent, 20000);
    const Actor& s = h_.user("supervisor");
    const Actor& m = h_.user("manager");
    JsonApi& cs = h_.cases();

    auto order = [](int i, std::int64_t qty, Money paid, const std::string& currency = "CNY") {
      json o = MakeOrder("o" + std::to_string(i), qty, paid, 0, "c" + std::to_string(i));
      o["currency"] = currency;
      return o;
    };
    Must(cs.CreateOrder(integration, order(1, 3, 1000)));
    Must(cs.CreateOrder(integration, order(2, 3, 1000)));
    Must(cs.CreateOrder(integration, order(3, 3, 1000)));
    Must(cs.CreateOrder(integration, order(4, 3, 1000, "USD")));
    Must(cs.CreateOrder(integration, order(5, 1, 5000)));
    Must(cs.CreateOrder(integration, order(6, 1, 50000)));
    Must(cs.CreateOrder(integration, order(7, 3, 1000)));
    for (int i = 1; i <= 7; ++i) {
      json body = RefundOnlyRequest("o" + std::to_string(i));
      if (i == 5) body["type"] = "return_refund";
      c_[i] = Must(cs.Submit(integration, body))["id"];
    }
    Must(cs.Apply(s, c_[2], "assign", {{"assignee", "u_agent2"}}));
    Must(cs.Apply(s, c_[5], "assign", {{"assignee", "u_agent"}}));
    Must(cs.Apply(s, c_[7], "assign", {{"assignee", "u_agent2"}}));

    h_.Advance(1 * kHour);  // h1
    Must(cs.Apply(a, c_[1], "approve", json::object()));
    Must(cs.Apply(b, c_[2], "reject", {{"reason_code", "missing_evidence"}}));
    Must(cs.Apply(a, c_[3], "reject", {{"reason_code", "not_eligible"}}));
    h_.Advance(1 * kHour);  // h2
    Must(cs.Apply(b, c_[4], "offer", {{"amount", 200}, {"return_required", false}}));
    Must(cs.Apply(a, c_[5], "approve", json::object()));
    REQUIRE(Must(cs.Apply(a, c_[6], "approve", json::object()))["state"] == "pending_approval");
    h_.Advance(1 * kHour);  // h3
    Must(cs.Apply(s, c_[6], "approve", json::object()));
    Must(cs.Apply(integration, c_[2], "appeal", {{"note", "the photos were attached"}}));
    Must(cs.Apply(integration, c_[4], "accept_offer", json::object()));
    Must(cs.Apply(integration, c_[5], "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF1"}}));
    h_.Advance(1 * kHour);  // h4
    Must(cs.Apply(finance, c_[1], "refund_issued", {{"external_ref", "P1"}}));
    Must(cs.Apply(finance, c_[4], "refund_issued", {{"external_ref", "P4"}}));
    Must(cs.Apply(warehouse, c_[5], "receive", {{"result", "fail"}, {"note", "scratched"}}));
    REQUIRE(h_.Advance(49 * kHour).size() == 2);  // h53: c7 at h48, c5 at h52
    Must(cs.Apply(s, c_[5], "approve", json::object()));
    h_.Advance(1 * kHour);  // h54
    Must(cs.Apply(finance, c_[5], "refund_issued", {{"external_ref", "P5"}}));
    Must(cs.Apply(finance, c_[7], "refund_issued", {{"external_ref", "P7"}}));
    REQUIRE(h_.Advance(22 * kHour).size() == 2);  // h76: c6 and c2 at h75
    Must(cs.Apply(m, c_[2], "arbitrate", {{"decision", "grant"}}));
    h_.Advance(1 * kHour);  // h77
    Must(cs.Apply(finance, c_[2], "refund_issued", {{"external_ref", "P2"}}));
    REQUIRE(h_.Advance(93 * kHour).size() == 1);  // h170: c3 at h169
  }

  EngineHarness& h() { return h_; }
  const std::string& c(int i) { return c_[i]; }
  StaffReports reports() { return StaffReports(h_.store(), h_.policies(), h_.clock()); }

  // Every staff event the fixture yields, computed by hand, in (seq, user_id, kind) order.
  std::vector<StaffEventRow> Expected() {
    std::vector<StaffEventRow> e;
    auto add = [&](std::int64_t seq, std::int64_t hour, const std::string& user, int kase, const std::string& kind,
                   std::int64_t value = 0, std::optional<std::string> currency = std::nullopt) {
      e.push_back({seq, H(hour), user, c_[kase], kind, value, currency});
    };
    add(19, 1, "u_agent", 1, "approve");
    add(19, 1, "u_agent", 1, "decision_on_time");
    add(19, 1, "u_agent", 1, "first_response", 3600);
    add(20, 1, "u_agent2", 2, "decision_on_time");
    add(20, 1, "u_agent2", 2, "first_response", 3600);
    add(20, 1, "u_agent2", 2, "reject");
    add(21, 1, "u_agent", 3, "decision_on_time");
    add(21, 1, "u_agent", 3, "first_response", 3600);
    add(21, 1, "u_agent", 3, "reject");
    add(22, 2, "u_agent2", 4, "decision_on_time");
    add(22, 2, "u_agent2", 4, "first_response", 7200);
    add(22, 2, "u_agent2", 4, "offer");
    add(23, 2, "u_agent", 5, "approve");
    add(23, 2, "u_agent", 5, "decision_on_time");
    add(23, 2, "u_agent", 5, "first_response", 7200);
    add(24, 2, "u_agent", 6, "approve");
    add(24, 2, "u_agent", 6, "decision_on_time");
    add(24, 2, "u_agent", 6, "first_response", 7200);
    add(25, 3, "u_supervisor", 6, "approve");
    add(25, 3, "u_supervisor", 6, "decision_on_time");
    add(29, 4, "u_agent", 1, "closed_without_appeal");
    add(29, 4, "u_agent", 1, "refunded", 333, "CNY");
    add(30, 4, "u_agent2", 4, "closed_without_appeal");
    add(30, 4, "u_agent2", 4, "refunded", 200, "USD");
    add(32, 48, "u_agent2", 7, "sla_breach");
    add(34, 52, "u_agent", 5, "sla_breach");
    add(35, 53, "u_supervisor", 5, "approve");
    add(35, 53, "u_supervisor", 5, "decision_late");
    add(36, 54, "u_supervisor", 5, "closed_without_appeal");
    add(36, 54, "u_supervisor", 5, "refunded", 5000, "CNY");
    add(39, 75, "u_agent2", 2, "sla_breach");
    add(40, 76, "u_agent2", 2, "overturned_on_appeal");
    add(40, 76, "u_manager", 2, "arbitrate");
    add(40, 76, "u_manager", 2, "decision_late");
    add(41, 77, "u_manager", 2, "refunded", 333, "CNY");
    add(42, 169, "u_agent", 3, "closed_without_appeal");
    return e;
  }

 private:
  EngineHarness h_;
  std::map<int, std::string> c_;
};

std::string Show(const StaffEventRow& e) {
  return std::to_string(e.seq) + " " + FormatTime(e.at) + " " + e.user_id + " " + e.case_id + " " + e.kind + " " +
         std::to_string(e.value) + " " + e.currency.value_or("-");
}

void CheckEvents(const std::vector<StaffEventRow>& got, const std::vector<StaffEventRow>& want) {
  std::string g, w;
  for (const auto& e : got) g += Show(e) + "\n";
  for (const auto& e : want) w += Show(e) + "\n";
  CHECK(g == w);
}

// One agents item as the report should give it.
json AgentItem(const std::string& id, const std::string& name, const std::string& role, int decisions, int approvals,
               int rejections, int offers, json median, int breaches, int overturned, Money refunded, int score) {
  return {{"user_id", id},
          {"name", name},
          {"role", role},
          {"decisions", decisions},
          {"approvals", approvals},
          {"rejections", rejections},
          {"offers", offers},
          {"median_first_response_seconds", median},
          {"sla_breaches", breaches},
          {"overturned", overturned},
          {"refunded_amount", refunded},
          {"score", score}};
}

// A scorecard item: counts of decision_on_time, decision_late, sla_breach,
// overturned_on_appeal, closed_without_appeal under the shipped points
// (+1, 0, -5, -3, +1).
json ScoreItem(int rank, const std::string& id, const std::string& name, const std::string& role, std::int64_t on_time,
               std::int64_t late, std::int64_t breach, std::int64_t overturned, std::int64_t closed) {
  const std::int64_t points = on_time - 5 * breach - 3 * overturned + closed;
  return {{"rank", rank},
          {"user_id", id},
          {"name", name},
          {"role", role},
          {"points", points},
          {"band", points >= 50  ? "bonus"
                   : points >= 0 ? "normal"
                                 : "review"},
          {"events", on_time + late + breach + overturned + closed},
          {"by_kind",
           {{{"kind", "decision_on_time"}, {"count", on_time}, {"points", on_time}},
            {{"kind", "decision_late"}, {"count", late}, {"points", 0}},
            {{"kind", "sla_breach"}, {"count", breach}, {"points", -5 * breach}},
            {{"kind", "overturned_on_appeal"}, {"count", overturned}, {"points", -3 * overturned}},
            {{"kind", "closed_without_appeal"}, {"count", closed}, {"points", closed}}}}};
}

TEST_CASE("staff events: every action, timeout and breach records its events with its entry", "[engine][reports]") {
  Fixture f;
  CheckEvents(StoredEvents(f.h().store()), f.Expected());
  // The entries named above are what the fixture's comment says they are.
  auto txn = f.h().store().BeginRead();
  REQUIRE(txn.ok());
  auto head = (*txn)->AuditHead();
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->seq == 42);
  AuditFilter one;
  one.limit = 1;
  for (auto [seq, action, kase] : std::vector<std::tuple<std::int64_t, std::string, int>>{{19, "approve", 1},
                                                                                          {32, "deadline_breached", 7},
                                                                                          {33, "timeout", 7},
                                                                                          {38, "deadline_breached", 6},
                                                                                          {39, "deadline_breached", 2},
                                                                                          {40, "arbitrate", 2},
                                                                                          {42, "timeout", 3}}) {
    one.after_seq = seq - 1;
    auto entry = (*txn)->ListAudit(one);
    REQUIRE(entry.ok());
    REQUIRE(entry->size() == 1);
    CHECK((*entry)[0].action == action);
    CHECK((*entry)[0].case_id == f.c(kase));
  }
}

TEST_CASE("staff events: a recompute from the audit log alone equals the table", "[engine][reports]") {
  Fixture f;
  std::int64_t entries = 0;
  CheckEvents(DerivedEvents(f.h().store(), &entries), f.Expected());
  CHECK(entries == 42);
  auto txn = f.h().store().BeginRead();
  REQUIRE(txn.ok());
  auto check = VerifyStaffEvents(**txn);
  REQUIRE(check.ok());
  CHECK(check->ok);
  CHECK(check->difference.empty());
  CHECK(check->events == 36);
  CHECK(check->entries == 42);
}

TEST_CASE("staff events: a deleted or edited row is found by the recompute", "[engine][reports]") {
  Fixture f;
  SECTION("deleted") {
    RawSql(f.h().database(), "DELETE FROM staff_events WHERE seq = 34");
    auto txn = f.h().store().BeginRead();
    REQUIRE(txn.ok());
    auto check = VerifyStaffEvents(**txn);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->first_bad_seq == 34);
    CHECK(check->difference.find("sla_breach of u_agent") != std::string::npos);
    CHECK(check->difference.find("missing from the table") != std::string::npos);
  }
  SECTION("edited") {
    RawSql(f.h().database(), "UPDATE staff_events SET value = 1 WHERE seq = 29 AND kind = 'refunded'");
    auto txn = f.h().store().BeginRead();
    REQUIRE(txn.ok());
    auto check = VerifyStaffEvents(**txn);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->first_bad_seq == 29);
  }
  SECTION("inserted") {
    RawSql(f.h().database(),
           "INSERT INTO staff_events (seq, at, user_id, case_id, kind, value, currency)"
           " VALUES (37, 0, 'u_agent3', 'x', 'decision_on_time', 0, NULL)");
    auto txn = f.h().store().BeginRead();
    REQUIRE(txn.ok());
    auto check = VerifyStaffEvents(**txn);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->first_bad_seq == 37);
    CHECK(check->difference.find("which the audit log does not give") != std::string::npos);
  }
}

TEST_CASE("staff events: an empty table is rebuilt from the log, and the scorecard is the same", "[engine][reports]") {
  Fixture f;
  const json before = Must(f.reports().Scorecard({}));
  RawSql(f.h().database(), "DELETE FROM staff_events");
  auto rebuilt = BackfillStaffEvents(f.h().store());
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->rebuilt);
  CHECK(rebuilt->events == 36);
  CHECK(rebuilt->entries == 42);
  CheckEvents(StoredEvents(f.h().store()), f.Expected());
  CHECK(Must(f.reports().Scorecard({})) == before);
  // A table with rows is left alone.
  auto again = BackfillStaffEvents(f.h().store());
  REQUIRE(again.ok());
  CHECK_FALSE(again->rebuilt);
  CHECK(again->events == 0);
}

TEST_CASE("agents report: every figure of the fixture", "[engine][reports]") {
  Fixture f;
  const json report = Must(f.reports().Agents({}));
  CHECK(report["currency"] == "CNY");  // six CNY cases, one USD
  const json want = json::array({
      AgentItem("u_supervisor", "supervisor", "supervisor", 2, 2, 0, 0, nullptr, 0, 0, 5000, 2),
      AgentItem("u_agent", "agent", "agent", 4, 3, 1, 0, 3600, 1, 0, 333, 1),
      AgentItem("u_agent3", "agent3", "agent", 0, 0, 0, 0, nullptr, 0, 0, 0, 0),
      AgentItem("u_manager", "manager", "manager", 1, 0, 0, 0, nullptr, 0, 0, 333, 0),
      AgentItem("u_agent2", "agent2", "agent", 2, 0, 1, 1, 3600, 2, 1, 0, -10),
  });
  CHECK(report["items"].dump(1) == want.dump(1));

  SECTION("money counts only the report currency") {
    ReportRange usd;
    usd.currency = "USD";
    const json r = Must(f.reports().Agents(usd));
    CHECK(r["currency"] == "USD");
    for (const json& item : r["items"]) {
      CHECK(item["refunded_amount"] == (item["user_id"] == "u_agent2" ? 200 : 0));
    }
  }
  SECTION("the period selects events by their entry's time: from inclusive, to exclusive") {
    ReportRange range;
    range.from = H(48);
    range.to = H(77);  // seq 32 (h48) .. seq 40 (h76); not 41 (h77)
    const json r = Must(f.reports().Agents(range));
    const json want_range = json::array({
        AgentItem("u_supervisor", "supervisor", "supervisor", 1, 1, 0, 0, nullptr, 0, 0, 5000, 1),
        AgentItem("u_agent3", "agent3", "agent", 0, 0, 0, 0, nullptr, 0, 0, 0, 0),
        AgentItem("u_manager", "manager", "manager", 1, 0, 0, 0, nullptr, 0, 0, 0, 0),
        AgentItem("u_agent", "agent", "agent", 0, 0, 0, 0, nullptr, 1, 0, 0, -5),
        AgentItem("u_agent2", "agent2", "agent", 0, 0, 0, 0, nullptr, 2, 1, 0, -13),
    });
    CHECK(r["items"].dump(1) == want_range.dump(1));
  }
}

TEST_CASE("scorecard: points, ranks, bands and the event list of the fixture", "[engine][reports]") {
  Fixture f;
  const json card = Must(f.reports().Scorecard({}));  // default: the clock's month, 2026-11
  CHECK(card["period"] == "2026-11");
  CHECK(card["from"] == "2026-11-01T00:00:00Z");
  CHECK(card["to"] == "2026-12-01T00:00:00Z");
  CHECK(card["policy_version"] == 1);
  CHECK(card["points"] == json{{"decision_on_time", 1},
                               {"decision_late", 0},
                               {"sla_breach", -5},
                               {"overturned_on_appeal", -3},
                               {"closed_without_appeal", 1}});
  CHECK(card["bands"] == json::parse(R"([{"name":"bonus","min_points":50},{"name":"normal","min_points":0},
                                         {"name":"review"}])"));
  // S: 1 on time, 1 late, 1 closed → 2; A: 4 on time, 1 breach, 2 closed → 1;
  // C and M: 0 (tie, rank 3 shared, by user_id); B: 2 on time, 2 breaches,
  // 1 overturned, 1 closed → -10 (rank 5). The disabled u_gone is not listed.
  const json want = json::array({
      ScoreItem(1, "u_supervisor", "supervisor", "supervisor", 1, 1, 0, 0, 1),
      ScoreItem(2, "u_agent", "agent", "agent", 4, 0, 1, 0, 2),
      ScoreItem(3, "u_agent3", "agent3", "agent", 0, 0, 0, 0, 0),
      ScoreItem(3, "u_manager", "manager", "manager", 0, 1, 0, 0, 0),
      ScoreItem(5, "u_agent2", "agent2", "agent", 2, 0, 2, 1, 1),
  });
  CHECK(card["items"].dump(1) == want.dump(1));
  CHECK_FALSE(card.contains("event_list"));

  SECTION("one user: that item and every scored event with the entry that proves it") {
    const json one = Must(f.reports().Scorecard({}, std::string("u_agent2")));
    CHECK(one["items"] == json::array({want[4]}));
    auto ev = [&](std::int64_t seq, std::int64_t hour, int kase, const std::string& kind, int points) {
      return json{
          {"seq", seq}, {"at", FormatTime(H(hour))}, {"case_id", f.c(kase)}, {"kind", kind}, {"points", points}};
    };
    const json list = json::array({ev(20, 1, 2, "decision_on_time", 1), ev(22, 2, 4, "decision_on_time", 1),
                                   ev(30, 4, 4, "closed_without_appeal", 1), ev(32, 48, 7, "sla_breach", -5),
                                   ev(39, 75, 2, "sla_breach", -5), ev(40, 76, 2, "overturned_on_appeal", -3)});
    CHECK(one["event_list"].dump(1) == list.dump(1));
    // Points of the list add up to the item's.
    std::int64_t sum = 0;
    for (const json& e : one["event_list"]) sum += e["points"].get<std::int64_t>();
    CHECK(sum == -10);
  }
  SECTION("a staff member without events, and unknown or malformed ids") {
    const json c = Must(f.reports().Scorecard({}, std::string("u_agent3")));
    CHECK(c["items"] == json::array({want[2]}));
    CHECK(c["event_list"] == json::array());
    CHECK(f.reports().Scorecard({}, std::string("u_nobody")).status().code() == Code::kNotFound);
    CHECK(f.reports().Scorecard({}, std::string("bad id")).status().code() == Code::kValidationFailed);
  }
  SECTION("another month has no events; from/to that is not a month has no period") {
    auto oct = ParseReportRange("", "", "", "2026-10");
    REQUIRE(oct.ok());
    const json card_oct = Must(f.reports().Scorecard(*oct));
    CHECK(card_oct["period"] == "2026-10");
    for (const json& item : card_oct["items"]) CHECK(item["points"] == 0);
    ReportRange week;
    week.from = H(0);
    week.to = H(7 * 24);
    const json card_week = Must(f.reports().Scorecard(week));
    CHECK(card_week["period"].is_null());
    CHECK(card_week["to"] == "2026-11-08T00:00:00Z");
    CHECK(card_week["items"][0]["user_id"] == "u_supervisor");
  }
  SECTION("points come from the latest policy") {
    json doc = json::parse(DefaultPolicyJson());
    doc["scorecard"]["points"]["sla_breach"] = -1;
    Must(f.h().policies().Replace(f.h().user("admin"), doc, f.h().clock().Now()));
    const json changed = Must(f.reports().Scorecard({}));
    CHECK(changed["policy_version"] == 2);
    CHECK(changed["points"]["sla_breach"] == -1);
    for (const json& item : changed["items"]) {
      if (item["user_id"] == "u_agent2") CHECK(item["points"] == 2 - 2 - 3 + 1);
    }
  }
  SECTION("CSV: one line per item, by_kind flattened") {
    const std::string csv = ReportCsv(*FindReport("scorecard"), card);
    CHECK(csv.rfind("rank,user_id,name,role,points,band,events,count_decision_on_time,count_decision_late,"
                    "count_sla_breach,count_overturned_on_appeal,count_closed_without_appeal,points_decision_on_time,"
                    "points_decision_late,points_sla_breach,points_overturned_on_appeal,"
                    "points_closed_without_appeal\r\n",
                    0) == 0);
    CHECK(csv.find("\r\n5,u_agent2,agent2,agent,-10,review,6,2,0,2,1,1,2,0,-10,-3,1\r\n") != std::string::npos);
  }
}

// The pure rules on entries written by hand: what the engine never writes
// in the fixture above.
AuditRow Entry(std::int64_t seq, std::int64_t hour, const std::string& actor, const std::string& role,
               const std::string& action, std::optional<std::string> from, std::optional<std::string> to,
               json data = json::object()) {
  AuditRow e;
  e.seq = seq;
  e.at = FormatTime(H(hour));
  e.actor_id = actor;
  e.actor_role = role;
  e.case_id = "k1";
  e.action = action;
  e.from_state = std::move(from);
  e.to_state = std::move(to);
  e.data = data.dump();
  return e;
}

TEST_CASE("staff events: requested to pending_approval is no change of state for lateness", "[engine][reports]") {
  auto events = DeriveStaffEvents({
      Entry(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "CNY"}}),
      Entry(2, 1, "system", "system", "deadline_breached", "requested", "requested", {{"assignee", nullptr}}),
      Entry(3, 2, "u_a", "agent", "approve", "requested", "pending_approval"),
      Entry(4, 3, "u_s", "supervisor", "approve", "pending_approval", "refunding",
            {{"effects", {{"agreed_amount", 900}}}}),
      Entry(5, 4, "u_f", "finance", "refund_issued", "refunding", "refunded",
            {{"effects", {{"refund", {{"amount", 900}}}}}}),
  });
  REQUIRE(events.ok());
  std::vector<std::string> got;
  for (const auto& e : *events) got.push_back(std::to_string(e.seq) + " " + e.user_id + " " + e.kind);
  CHECK(got == std::vector<std::string>{"3 u_a approve", "3 u_a decision_late", "3 u_a first_response", "4 u_s approve",
                                        "4 u_s decision_late", "5 u_s closed_without_appeal", "5 u_s refunded"});
  CHECK((*events)[2].value == 2 * 3600);
  CHECK((*events)[6].value == 900);
  CHECK((*events)[6].currency == "CNY");
}

TEST_CASE("staff events: an admin or the system is never a person: an appeal from negotiating overturns nothing",
          "[engine][reports]") {
  auto events = DeriveStaffEvents({
      Entry(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "CNY"}}),
      Entry(2, 1, "u_x", "admin", "reject", "requested", "rejected"),
      Entry(3, 2, "u_a", "agent", "reject", "requested", "rejected"),
      Entry(4, 3, "u_b", "buyer", "modify", "rejected", "requested"),
      Entry(5, 4, "u_c", "agent", "offer", "requested", "negotiating"),
      Entry(6, 5, "u_b", "buyer", "appeal", "negotiating", "escalated"),
      Entry(7, 6, "u_m", "manager", "arbitrate", "escalated", "refunding", {{"effects", {{"agreed_amount", 5}}}}),
      Entry(8, 7, "u_f", "finance", "refund_issued", "refunding", "refunded",
            {{"effects", {{"refund", {{"amount", 5}}}}}}),
  });
  REQUIRE(events.ok());
  std::vector<std::string> got;
  for (const auto& e : *events) got.push_back(std::to_string(e.seq) + " " + e.user_id + " " + e.kind);
  CHECK(got == std::vector<std::string>{"3 u_a decision_on_time", "3 u_a first_response", "3 u_a reject",
                                        "5 u_c decision_on_time", "5 u_c offer", "7 u_m arbitrate",
                                        "7 u_m decision_on_time", "8 u_m refunded"});
}

TEST_CASE("staff events: an accepted offer's agreed amount makes the offerer the approver", "[engine][reports]") {
  // accept_offer is none of the actions whose data the fold always reads:
  // its agreed amount is found among its effects all the same.
  auto events = DeriveStaffEvents({
      Entry(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "EUR"}}),
      Entry(2, 1, "u_c", "agent", "offer", "requested", "negotiating"),
      Entry(3, 2, "u_b", "buyer", "accept_offer", "negotiating", "refunding",
            {{"effects", {{"agreed_amount", 300}}}, {"input", {{"note", nullptr}}}}),
      Entry(4, 3, "u_b", "buyer", "comment", "refunding", "refunding", {{"input", {{"text", "agreed_amount"}}}}),
      Entry(5, 4, "u_f", "finance", "refund_issued", "refunding", "refunded",
            {{"effects", {{"refund", {{"amount", 300}}}}}}),
  });
  REQUIRE(events.ok());
  std::vector<std::string> got;
  for (const auto& e : *events) got.push_back(std::to_string(e.seq) + " " + e.user_id + " " + e.kind);
  CHECK(got == std::vector<std::string>{"2 u_c decision_on_time", "2 u_c first_response", "2 u_c offer",
                                        "5 u_c closed_without_appeal", "5 u_c refunded"});
  CHECK(events->back().value == 300);
  CHECK(events->back().currency == "EUR");
}

TEST_CASE("staff events: a fold given each entry's data yields what it reads from the stored text",
          "[engine][reports]") {
  // The engine folds its own entries with the data it built (signed
  // integers, as the commands write them) and has just stored as text
  // (RecordStaffEvents); a recompute reads the same entries' text back.
  using Written = std::pair<AuditRow, json>;
  auto written = [](std::int64_t seq, std::int64_t hour, const std::string& actor, const std::string& role,
                    const std::string& action, std::optional<std::string> from, std::optional<std::string> to,
                    json data = json::object()) {
    return Written{Entry(seq, hour, actor, role, action, std::move(from), std::move(to), data), data};
  };
  const std::int64_t amount = 900;  // a signed integer, as in the engine's data
  const std::vector<std::vector<Written>> histories = {
      {written(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "CNY"}, {"lines", {1, 2}}}),
       written(2, 1, "system", "system", "deadline_breached", "requested", "requested", {{"assignee", "u_a"}}),
       written(3, 2, "u_a", "agent", "approve", "requested", "pending_approval"),
       written(4, 3, "u_s", "supervisor", "approve", "pending_approval", "refunding",
               {{"effects", {{"agreed_amount", amount}}}}),
       written(5, 4, "u_f", "finance", "refund_issued", "refunding", "refunded",
               {{"effects", {{"refund", {{"amount", amount}}}}}})},
      {written(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "EUR"}}),
       written(2, 1, "u_a", "agent", "reject", "requested", "rejected"),
       written(3, 2, "u_b", "buyer", "appeal", "rejected", "escalated"),
       written(4, 3, "u_m", "manager", "arbitrate", "escalated", "refunding",
               {{"effects", {{"agreed_amount", std::int64_t{5}}}}}),
       written(5, 4, "u_f", "finance", "refund_issued", "refunding", "refunded",
               {{"effects", {{"refund", {{"amount", std::int64_t{5}}}}}}})},
      {written(1, 0, "u_b", "buyer", "submit", std::nullopt, "requested", {{"currency", "USD"}}),
       written(2, 1, "u_c", "agent", "offer", "requested", "negotiating"),
       written(3, 2, "u_b", "buyer", "accept_offer", "negotiating", "refunding",
               {{"effects", {{"agreed_amount", std::int64_t{300}}}}}),
       written(4, 3, "u_f", "finance", "refund_issued", "refunding", "refunded",
               {{"effects", {{"refund", {{"amount", std::int64_t{300}}}}}}})},
  };
  for (const auto& history : histories) {
    StaffEventFold from_text;
    StaffEventFold from_data;
    std::size_t yielded = 0;
    for (const auto& [e, data] : history) {
      INFO("seq " << e.seq << " " << e.action);
      auto read = from_text.Next(e);
      auto given = from_data.Next(e, data);
      REQUIRE(read.ok());
      REQUIRE(given.ok());
      CHECK(*given == *read);
      yielded += read->size();
    }
    CHECK(yielded >= 4);  // each history scores someone's decisions and refund
    CHECK(from_data.finished() == from_text.finished());
  }
  // Data that is no object is refused as the stored text would be.
  StaffEventFold fold;
  const AuditRow approve = Entry(9, 0, "u_a", "agent", "approve", "requested", "refunding");
  for (const json& data : {json::array(), json(7), json(nullptr), json("text")}) {
    auto events = fold.Next(approve, data);
    CHECK(events.status().code() == Code::kInternal);
    CHECK(events.status().message().find("9") != std::string::npos);
  }
}

TEST_CASE("staff events: a damaged entry is an error naming its seq", "[engine][reports]") {
  // Unreadable, or JSON but no object: an error, whatever the action; JSON
  // not in the stored (canonical) form is still read.
  for (const char* action : {"approve", "ship_return", "comment"}) {
    for (const char* data : {"{not json", "[1]", "7", "", "{\"a\":1}x"}) {
      INFO(action << " " << data);
      AuditRow bad = Entry(7, 0, "u_a", "agent", action, "requested", "refunding");
      bad.data = data;
      StaffEventFold fold;
      auto events = fold.Next(bad);
      CHECK(events.status().code() == Code::kInternal);
      CHECK(events.status().message().find("7") != std::string::npos);
    }
    AuditRow spaced = Entry(7, 0, "u_a", "agent", action, "requested", "refunding");
    spaced.data = "{ \"input\" : {} }";
    StaffEventFold fold;
    CHECK(fold.Next(spaced).ok());
  }
}

}  // namespace
}  // namespace aftersales::testing
