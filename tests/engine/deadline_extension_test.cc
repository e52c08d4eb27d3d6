// SPEC §13.3 bulk extension on the engine: what moves (kind, due_before,
// state), by how much (wall hours, working hours on the policy's calendar),
// once; what is due fires first; the audit entries and their order; versions
// unchanged; every refusal changes nothing.
#include <catch2/catch.hpp>

#include "api/action_codec.h"
#include "engine/audit/audit_log.h"
#include "engine/engine_harness.h"
#include "engine/reports/case_reports.h"
#include "engine/test_util.h"
#include "workflows/calendar_test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

template <class T>
T Must(Result<T> r) {
  if (!r.ok()) FAIL(r.status().message());
  return std::move(*r);
}

// Submits a refund_only case on a new order; returns its id.
std::string NewCase(EngineHarness& h, const std::string& order_id) {
  Must(h.cases().CreateOrder(h.user("integration"), MakeOrder(order_id)));
  return Must(h.cases().Submit(h.user("buyer"), RefundOnlyRequest(order_id)))["id"].get<std::string>();
}

std::vector<DeadlineRow> Deadlines(EngineHarness& h, const std::string& case_id) {
  auto txn = Must(h.store().BeginRead());
  return Must(txn->ListedDeadlines(case_id));
}

TimePoint DueOf(EngineHarness& h, const std::string& case_id, DeadlineKind kind) {
  for (const auto& d : Deadlines(h, case_id))
    if (d.kind == kind) return d.due_at;
  FAIL("case " << case_id << " has no open " << NameOf(kind));
  return 0;
}

std::vector<AuditRow> AuditAfter(EngineHarness& h, std::int64_t after_seq) {
  auto txn = Must(h.store().BeginRead());
  AuditFilter f;
  f.after_seq = after_seq;
  f.limit = 1000;
  return Must(txn->ListAudit(f));
}

std::int64_t AuditHeadSeq(EngineHarness& h) {
  auto txn = Must(h.store().BeginRead());
  auto head = Must(txn->AuditHead());
  return head ? head->seq : 0;
}

ExtendDeadlines Extension(const json& body) { return ParseExtendDeadlines(body); }

Result<ExtensionView> Extend(EngineHarness& h, const std::string& who, const json& body) {
  auto r = h.engine().Execute(h.user(who), Command(Extension(body)));
  if (!r.ok()) return r.status();
  return std::get<ExtensionView>(*r);
}

std::int64_t VersionOf(EngineHarness& h, const std::string& case_id) {
  return Must(h.cases().GetCase(h.user("manager"), case_id))["version"].get<std::int64_t>();
}

TEST_CASE("bulk extension moves each open deadline of the kind due before the time once, in one entry per deadline",
          "[extension]") {
  EngineHarness h;
  const std::string first = NewCase(h, "o-ext-1");  // merchant_response due now + 48 h
  h.Advance(2 * kHour);
  const std::string second = NewCase(h, "o-ext-2");  // due now + 50 h
  h.Advance(10 * kHour);
  const std::string late = NewCase(h, "o-ext-3");  // due start + 60 h: after due_before
  const TimePoint due1 = DueOf(h, first, DeadlineKind::kMerchantResponse);
  const TimePoint due2 = DueOf(h, second, DeadlineKind::kMerchantResponse);
  const TimePoint due3 = DueOf(h, late, DeadlineKind::kMerchantResponse);
  REQUIRE(due2 == due1 + 2 * kHour);
  const std::int64_t v1 = VersionOf(h, first);
  const std::int64_t head = AuditHeadSeq(h);

  const ExtensionView view = Must(Extend(h, "manager",
                                         {{"kind", "merchant_response"},
                                          {"due_before", FormatTime(due3)},
                                          {"hours", 24},
                                          {"reason", "双11 peak: the team works through the backlog"}}));
  CHECK(view.moved == 2);
  CHECK(view.kind == DeadlineKind::kMerchantResponse);
  CHECK(view.extension_id.rfind("ext_", 0) == 0);
  CHECK(DueOf(h, first, DeadlineKind::kMerchantResponse) == due1 + 24 * kHour);
  CHECK(DueOf(h, second, DeadlineKind::kMerchantResponse) == due2 + 24 * kHour);
  CHECK(DueOf(h, late, DeadlineKind::kMerchantResponse) == due3);  // due_before is exclusive
  CHECK(VersionOf(h, first) == v1);

  // One entry per deadline in old due_at order, then the summary.
  const auto entries = AuditAfter(h, head);
  REQUIRE(entries.size() == 3);
  for (int i = 0; i < 2; ++i) {
    const AuditRow& e = entries[i];
    const std::string& case_id = i == 0 ? first : second;
    const TimePoint from = i == 0 ? due1 : due2;
    CHECK(e.action == "deadline_extended");
    CHECK(e.actor_id == h.user("manager").id);
    CHECK(e.case_id == case_id);
    CHECK(e.from_state == "requested");
    CHECK(e.to_state == "requested");
    CHECK(json::parse(e.data) == json{{"extension_id", view.extension_id},
                                      {"deadline", "merchant_response"},
                                      {"from_due_at", FormatTime(from)},
                                      {"to_due_at", FormatTime(from + 24 * kHour)}});
  }
  const AuditRow& summary = entries[2];
  CHECK(summary.action == "deadlines_extended");
  CHECK_FALSE(summary.case_id.has_value());
  const json data = json::parse(summary.data);
  CHECK(data["extension_id"] == view.extension_id);
  CHECK(data["kind"] == "merchant_response");
  CHECK(data["state"].is_null());
  CHECK(data["due_before"] == FormatTime(due3));
  CHECK(data["hours"] == 24);
  CHECK(data["moved"] == 2);
  // The reason is an erasable text, in the log by id and hash only.
  auto txn = Must(h.store().BeginRead());
  auto reason = Must(txn->GetText(data["reason"]["id"].get<std::string>()));
  REQUIRE(reason.has_value());
  CHECK(reason->body == "双11 peak: the team works through the backlog");
  CHECK(reason->visibility == Visibility::kInternal);
  CHECK(data["reason"]["sha256"] == reason->sha256);
  CHECK(summary.data.find("backlog") == std::string::npos);
  CHECK(Must(AuditLog::Verify(*txn)).ok);

  // The deadline runs to its new time: not at the old one, then at the new.
  h.Advance(due1 + 24 * kHour - 1 - h.clock().Now());
  CHECK(Must(h.cases().GetCase(h.user("manager"), first))["state"] == "requested");
  h.Advance(1);
  CHECK(Must(h.cases().GetCase(h.user("manager"), first))["state"] != "requested");

  // The sla report counts each extended deadline once.
  CaseReports reports(h.store());
  const json sla = Must(reports.Sla(ReportRange{}));
  for (const auto& item : sla["items"]) {
    CHECK(item["extended"] == (item["deadline"] == "merchant_response" ? 2 : 0));
  }
}

TEST_CASE("bulk extension: a state narrows it, what is due fires first, buyers never see it", "[extension]") {
  EngineHarness h;
  const std::string overdue = NewCase(h, "o-due-1");
  const std::string running = NewCase(h, "o-due-2");
  h.clock().Advance(47 * kHour);  // both due at +48 h; the clock moves without a sweep
  const TimePoint due = DueOf(h, overdue, DeadlineKind::kMerchantResponse);

  // A state no such deadline is in moves nothing.
  const std::int64_t head = AuditHeadSeq(h);
  const ExtensionView none = Must(Extend(h, "manager",
                                         {{"kind", "merchant_response"},
                                          {"state", "negotiating"},
                                          {"due_before", FormatTime(due + kDay)},
                                          {"hours", 5},
                                          {"reason", "peak"}}));
  CHECK(none.moved == 0);
  CHECK(DueOf(h, overdue, DeadlineKind::kMerchantResponse) == due);
  const auto only_summary = AuditAfter(h, head);
  REQUIRE(only_summary.size() == 1);
  CHECK(only_summary[0].action == "deadlines_extended");
  CHECK(json::parse(only_summary[0].data)["state"] == "negotiating");

  // Past the due time but not yet swept: the extension fires it first
  // (refund_only auto-approves), and moves only what still runs.
  h.clock().Advance(2 * kHour);
  const std::string fresh = NewCase(h, "o-due-3");
  const TimePoint fresh_due = DueOf(h, fresh, DeadlineKind::kMerchantResponse);
  const ExtensionView moved = Must(Extend(h, "manager",
                                          {{"kind", "merchant_response"},
                                           {"state", "requested"},
                                           {"due_before", FormatTime(fresh_due + 1)},
                                           {"hours", 5},
                                           {"reason", "peak"}}));
  CHECK(moved.moved == 1);
  CHECK(Must(h.cases().GetCase(h.user("manager"), overdue))["state"] != "requested");
  CHECK(Must(h.cases().GetCase(h.user("manager"), running))["state"] != "requested");
  CHECK(DueOf(h, fresh, DeadlineKind::kMerchantResponse) == fresh_due + 5 * kHour);

  // The buyer's timeline leaves the extension out; the staff's shows it.
  auto has_extension = [](const json& timeline) {
    for (const auto& item : timeline["items"])
      if (item["action"] == "deadline_extended") return true;
    return false;
  };
  CHECK_FALSE(has_extension(Must(h.cases().Timeline(h.user("buyer"), fresh))));
  CHECK(has_extension(Must(h.cases().Timeline(h.user("agent"), fresh))));
}

TEST_CASE("bulk extension counts working hours for a kind the policy counts in business hours", "[extension]") {
  EngineHarness h;
  json doc = DefaultPolicy().document;
  doc["calendar"] = ShanghaiOffice();
  doc["deadlines"]["merchant_response"] = {{"hours", 48}, {"business_hours", true}};
  Must(h.policies().Replace(h.user("admin"), doc, h.clock().Now()));
  // Monday 2 November 2026, 09:00 in Shanghai.
  h.clock().Advance(At("2026-11-02T01:00:00Z") - h.clock().Now());
  const std::string id = NewCase(h, "o-bh-1");
  // 48 working hours of 9 a day: Monday to Friday (45), then Monday 09:00-12:00.
  REQUIRE(DueOf(h, id, DeadlineKind::kMerchantResponse) == At("2026-11-09T04:00:00Z"));
  const ExtensionView view = Must(Extend(h, "manager",
                                         {{"kind", "merchant_response"},
                                          {"due_before", "2026-11-10T00:00:00Z"},
                                          {"hours", 8},
                                          {"reason", "618"}}));
  CHECK(view.moved == 1);
  // 12:00-18:00 on Monday (6), then Tuesday 09:00-11:00 (2).
  CHECK(DueOf(h, id, DeadlineKind::kMerchantResponse) == At("2026-11-10T03:00:00Z"));
}

TEST_CASE("bulk extension refuses what SPEC 13.3 refuses and then changes nothing", "[extension]") {
  EngineHarness h;
  const std::string id = NewCase(h, "o-bad-1");
  const TimePoint due = DueOf(h, id, DeadlineKind::kMerchantResponse);
  const std::int64_t head = AuditHeadSeq(h);
  const json good = {{"kind", "merchant_response"}, {"due_before", FormatTime(due + 1)}, {"hours", 5}, {"reason", "peak"}};
  auto with = [&](const char* key, json value) {
    json body = good;
    if (value.is_null() && std::string(key) != "state") {
      body.erase(key);
    } else {
      body[key] = value;
    }
    return body;
  };
  struct Bad {
    json body;
    const char* field;
  };
  const std::string long_reason(501 * 3, 'x');
  std::string chinese_500;
  for (int i = 0; i < 500; ++i) chinese_500 += "延";
  const std::vector<Bad> bad = {
      {with("kind", "merchant_receipt"), "kind"},
      {with("kind", "refund_issue"), "kind"},
      {with("kind", "no_such_kind"), "kind"},
      {with("kind", nullptr), "kind"},
      {with("state", "no_such_state"), "state"},
      {[&] {
         json b = with("kind", "order_ship");
         b["state"] = "requested";
         return b;
       }(),
       "state"},
      {with("hours", 0), "hours"},
      {with("hours", 721), "hours"},
      {with("hours", 1.5), "hours"},
      {with("hours", nullptr), "hours"},
      {with("reason", ""), "reason"},
      {with("reason", chinese_500 + "延"), "reason"},
      {with("due_before", "tomorrow"), "due_before"},
      {with("due_before", nullptr), "due_before"},
      {with("extra", 1), "extra"},
  };
  for (const Bad& b : bad) {
    INFO(b.body.dump());
    auto r = Extend(h, "manager", b.body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kValidationFailed);
    bool named = false;
    for (const auto& e : r.status().errors()) named = named || e.field == b.field;
    CHECK(named);
  }
  for (const char* who : {"agent", "supervisor", "admin", "finance", "warehouse", "buyer"}) {
    INFO(who);
    auto r = Extend(h, who, good);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kForbidden);
  }
  CHECK(AuditHeadSeq(h) == head);
  CHECK(DueOf(h, id, DeadlineKind::kMerchantResponse) == due);
  // 500 characters of Chinese are 1,500 bytes and allowed.
  CHECK(Must(Extend(h, "manager", with("reason", chinese_500))).moved == 1);
}

}  // namespace
}  // namespace aftersales::testing
