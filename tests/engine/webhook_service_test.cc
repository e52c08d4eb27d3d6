// WebhookService: creating webhooks (validation, audit without the secret),
// fan-out of the outbox (once per subscribed webhook, across restarts and
// storage faults), the retry schedule, redelivery, delivery listing and
// the outbox's retention sweep.
#include "engine/webhooks/webhook_service.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "engine/audit/audit_log.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"
#include "support/fault_injecting_store.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "whsec-0123456789abcdef";
constexpr TimePoint kWallStart = 1'800'000'000;

template <class T>
T Must(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

json HookBody(const std::string& url, std::vector<std::string> events, const std::string& secret = kSecret) {
  return json{{"url", url}, {"events", std::move(events)}, {"secret", secret}};
}

// The engine on a real file plus a webhook service on a wall clock of its own.
struct Fixture {
  EngineHarness h;
  ManualClock wall{kWallStart};
  std::unique_ptr<WebhookService> hooks = std::make_unique<WebhookService>(h.store(), h.clock(), wall);

  void Restart() {
    hooks.reset();
    h.Restart();
    hooks = std::make_unique<WebhookService>(h.store(), h.clock(), wall);
  }
  std::string Create(std::vector<std::string> events, const std::string& url = "http://127.0.0.1:9/hook") {
    return Must(hooks->CreateWebhook(h.user("admin"), HookBody(url, std::move(events))))["id"];
  }
  // An order and a refund-only case approved at once: case.created,
  // case.state_changed (requested → refunding) and refund.requested.
  std::string RefundOnlyCase(const std::string& order_id) { return RefundOnlyCaseOf(MakeOrder(order_id, 3, 1000)); }
  std::string RefundOnlyCaseOf(const json& order) {
    const std::string order_id = order["id"];
    Must(h.cases().CreateOrder(h.user("integration"), order));
    json c = Must(h.cases().Submit(h.user("buyer"), {{"order_id", order_id},
                                                     {"type", "refund_only"},
                                                     {"reason", "quality_issue"},
                                                     {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}}));
    const std::string id = c["id"];
    // A supervisor: from the third such case on, the buyer's return rate
    // flags the case and an agent's approve would wait for one
    // (docs/reports.md, "Abuse signals").
    Must(h.cases().Apply(h.user("supervisor"), id, "approve", json::object()));
    return id;
  }
  std::vector<OutboxRow> Outbox() {
    auto r = Must(h.store().BeginRead());
    return Must(r->OutboxAfter(0, 100000));
  }
  std::vector<DeliveryRow> Deliveries(const std::string& webhook_id) {
    auto r = Must(h.store().BeginRead());
    return Must(r->ListDeliveries(webhook_id, 100000, 0));
  }
  std::optional<std::string> Cursor() {
    auto r = Must(h.store().BeginRead());
    return Must(r->GetSetting(kOutboxFanoutCursorKey));
  }
  std::vector<AuditRow> Audit() {
    auto r = Must(h.store().BeginRead());
    AuditFilter all;
    all.limit = 100000;
    return Must(r->ListAudit(all));
  }
};

std::multiset<std::string> EventIds(const std::vector<DeliveryRow>& rows) {
  std::multiset<std::string> ids;
  for (const auto& d : rows) ids.insert(d.event_id);
  return ids;
}

std::multiset<std::string> EventIdsOfTypes(const std::vector<OutboxRow>& rows, const std::set<std::string>& types) {
  std::multiset<std::string> ids;
  for (const auto& o : rows) {
    if (types.count(o.type)) ids.insert(o.event_id);
  }
  return ids;
}

TEST_CASE("an admin creates a webhook: the view and the audit never hold the secret", "[engine][webhooks]") {
  Fixture f;
  json view = Must(f.hooks->CreateWebhook(
      f.h.user("admin"), HookBody("https://shop.example/hooks?src=as", {"case.created", "sla.breached"})));
  CHECK(view["url"] == "https://shop.example/hooks?src=as");
  CHECK(view["events"] == json({"case.created", "sla.breached"}));
  CHECK(view["disabled"] == false);
  CHECK(view["created_at"] == FormatTime(kWallStart));
  CHECK_THAT(view["id"].get<std::string>(), Catch::StartsWith("wh_"));
  CHECK_FALSE(view.contains("secret"));
  CHECK(view.dump().find(kSecret) == std::string::npos);

  // Stored retrievable: it signs every delivery.
  auto r = Must(f.h.store().BeginRead());
  auto row = Must(r->GetWebhook(view["id"]));
  REQUIRE(row.has_value());
  CHECK(row->secret == kSecret);

  auto audit = f.Audit();
  REQUIRE_FALSE(audit.empty());
  const AuditRow& entry = audit.back();
  CHECK(entry.action == "webhook_created");
  CHECK(entry.actor_id == f.h.user("admin").id);
  CHECK(entry.actor_role == "admin");
  CHECK_FALSE(entry.case_id.has_value());
  CHECK(json::parse(entry.data) == json({{"webhook_id", view["id"]},
                                         {"url", "https://shop.example/hooks?src=as"},
                                         {"events", {"case.created", "sla.breached"}}}));
  for (const auto& a : audit) CHECK(a.data.find(kSecret) == std::string::npos);
  CHECK(Must(AuditLog::Verify(*r)).ok);

  // Loopback and plain http are allowed (receivers on the same host).
  CHECK(f.hooks->CreateWebhook(f.h.user("admin"), HookBody("http://[::1]:8081/in", {"case.created"})).ok());
  CHECK(f.hooks->CreateWebhook(f.h.user("admin"), HookBody("http://localhost/", {"case.created"})).ok());
}

TEST_CASE("webhook bodies are validated field by field and nothing is written on error", "[engine][webhooks]") {
  Fixture f;
  const std::size_t audit_before = f.Audit().size();
  struct Bad {
    json body;
    std::string field;
  };
  const std::vector<Bad> bad = {
      {HookBody("ftp://example.com/x", {"case.created"}), "url"},
      {HookBody("https://user:pw@example.com/x", {"case.created"}), "url"},
      {HookBody("https://example.com/x#frag", {"case.created"}), "url"},
      {HookBody("https:///x", {"case.created"}), "url"},
      {HookBody("https://example.com:0/x", {"case.created"}), "url"},
      {HookBody("https://example.com:99999/x", {"case.created"}), "url"},
      {HookBody("https://exa mple.com/x", {"case.created"}), "url"},
      {HookBody("https://example.com/x", {}), "events"},
      {HookBody("https://example.com/x", {"case.deleted"}), "events[0]"},
      {HookBody("https://example.com/x", {"case.created", "case.created"}), "events[1]"},
      {HookBody("https://example.com/x", {"case.created"}, "short-secret"), "secret"},
      {HookBody("https://example.com/x", {"case.created"}, std::string(300, 'x')), "secret"},
      {json{{"url", "https://example.com/x"}, {"events", {"case.created"}}}, "secret"},
      {json{{"events", {"case.created"}}, {"secret", kSecret}}, "url"},
      {json{{"url", "https://example.com/x"}, {"events", "case.created"}, {"secret", kSecret}}, "events"},
      {json{{"url", "https://example.com/x"}, {"events", {"case.created"}}, {"secret", kSecret}, {"active", true}},
       "active"},
  };
  for (const auto& b : bad) {
    INFO(b.body.dump());
    auto r = f.hooks->CreateWebhook(f.h.user("admin"), b.body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kValidationFailed);
    REQUIRE_FALSE(r.status().errors().empty());
    CHECK(r.status().errors().front().field == b.field);
  }
  auto forbidden = f.hooks->CreateWebhook(f.h.user("manager"), HookBody("https://example.com/x", {"case.created"}));
  CHECK(forbidden.status().code() == Code::kForbidden);
  CHECK(f.hooks->ListWebhooks(f.h.user("agent")).status().code() == Code::kForbidden);

  CHECK(Must(f.hooks->ListWebhooks(f.h.user("admin")))["items"].empty());
  CHECK(f.Audit().size() == audit_before);
}

TEST_CASE("fan-out makes one delivery per subscribed, enabled webhook and event, once", "[engine][webhooks]") {
  Fixture f;
  const std::string all = f.Create({"case.created", "case.state_changed", "refund.requested", "sla.breached"});
  const std::string created_only = f.Create({"case.created"});
  const std::string refunds = f.Create({"refund.requested"});
  {
    // A disabled endpoint gets nothing.
    WebhookRow off;
    off.id = "wh_disabled";
    off.url = "http://127.0.0.1:9/off";
    off.events = {"case.created"};
    off.secret = kSecret;
    off.disabled = true;
    auto w = Must(f.h.store().BeginWrite());
    REQUIRE(w->InsertWebhook(off).ok());
    REQUIRE(w->Commit().ok());
  }
  f.RefundOnlyCase("o1");
  f.RefundOnlyCase("o2");
  const auto outbox = f.Outbox();
  REQUIRE(outbox.size() == 6);

  FanOutResult first = Must(f.hooks->FanOut(100));
  CHECK(first.events == 6);
  CHECK(first.deliveries == 6 + 2 + 2);
  CHECK(f.Cursor() == std::optional<std::string>(std::to_string(outbox.back().id)));

  CHECK(EventIds(f.Deliveries(all)) ==
        EventIdsOfTypes(outbox, {"case.created", "case.state_changed", "refund.requested"}));
  CHECK(EventIds(f.Deliveries(created_only)) == EventIdsOfTypes(outbox, {"case.created"}));
  CHECK(EventIds(f.Deliveries(refunds)) == EventIdsOfTypes(outbox, {"refund.requested"}));
  CHECK(f.Deliveries("wh_disabled").empty());
  for (const auto& d : f.Deliveries(all)) {
    CHECK(d.status == DeliveryStatus::kPending);
    CHECK(d.attempts == 0);
    CHECK(d.next_attempt_at == kWallStart);  // due at once, on the wall clock
    CHECK(d.started_at == kWallStart);
  }

  FanOutResult again = Must(f.hooks->FanOut(100));
  CHECK(again.events == 0);
  CHECK(again.deliveries == 0);

  auto r = Must(f.h.store().BeginRead());
  CHECK(Must(WebhookService::Backlog(*r)) == 10);
}

TEST_CASE("the fan-out cursor survives a restart: nothing lost, nothing duplicated", "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created", "case.state_changed", "refund.requested"});
  f.RefundOnlyCase("o1");
  f.RefundOnlyCase("o2");
  REQUIRE(f.Outbox().size() == 6);

  FanOutResult part = Must(f.hooks->FanOut(4));  // the first four events only
  CHECK(part.events == 4);
  {
    auto r = Must(f.h.store().BeginRead());
    CHECK(Must(WebhookService::Backlog(*r)) == 4 + 2);  // pending + not yet fanned out
  }

  f.Restart();
  f.RefundOnlyCase("o3");  // written after the restart
  FanOutResult rest = Must(f.hooks->FanOut(100));
  CHECK(rest.events == 2 + 3);
  CHECK(Must(f.hooks->FanOut(100)).events == 0);

  const auto outbox = f.Outbox();
  REQUIRE(outbox.size() == 9);
  const auto deliveries = f.Deliveries(hook);
  CHECK(EventIds(deliveries) == EventIdsOfTypes(outbox, {"case.created", "case.state_changed", "refund.requested"}));
  std::set<std::string> unique;
  for (const auto& d : deliveries) CHECK(unique.insert(d.event_id).second);
}

TEST_CASE("a storage fault at any write of a fan-out leaves nothing half-applied", "[engine][webhooks][faults]") {
  Fixture f;
  const std::string a = f.Create({"case.created", "refund.requested"});
  const std::string b = f.Create({"case.state_changed"});
  f.RefundOnlyCase("o1");
  const std::string before = f.h.database().Dump();

  FaultInjectingStore faulty(f.h.store());
  WebhookService service(faulty, f.h.clock(), f.wall);
  std::int64_t writes = 0;
  {
    // Learn the write count on a copy of the state, then undo by rebuilding.
    Fixture probe;
    probe.Create({"case.created", "refund.requested"});
    probe.Create({"case.state_changed"});
    probe.RefundOnlyCase("o1");
    FaultInjectingStore counting(probe.h.store());
    WebhookService s(counting, probe.h.clock(), probe.wall);
    counting.Clear();
    REQUIRE(s.FanOut(100).ok());
    writes = counting.writes();
  }
  REQUIRE(writes == 3 + 1 + 1);  // three deliveries, the cursor, the commit
  for (std::int64_t n = 1; n <= writes; ++n) {
    INFO("fault at write " << n);
    faulty.FailAt(n);
    auto r = service.FanOut(100);
    CHECK_FALSE(r.ok());
    CHECK(faulty.fired());
    CHECK(f.h.database().Dump() == before);
  }
  faulty.Clear();
  FanOutResult done = Must(service.FanOut(100));
  CHECK(done.events == 3);
  CHECK(done.deliveries == 3);
  CHECK(f.Deliveries(a).size() == 2);
  CHECK(f.Deliveries(b).size() == 1);
}

TEST_CASE("retry delays double up to the cap, with jitter of at most 20 %", "[engine][webhooks]") {
  RetryPolicy p;
  p.base_seconds = 60;
  p.max_seconds = 600;
  p.jitter = 0.2;
  CHECK(RetryDelaySeconds(p, 1, 0) == 60);
  CHECK(RetryDelaySeconds(p, 2, 0) == 120);
  CHECK(RetryDelaySeconds(p, 3, 0) == 240);
  CHECK(RetryDelaySeconds(p, 4, 0) == 480);
  CHECK(RetryDelaySeconds(p, 5, 0) == 600);
  CHECK(RetryDelaySeconds(p, 500, 0) == 600);  // no overflow far out
  CHECK(RetryDelaySeconds(p, 1, -1) == 48);
  CHECK(RetryDelaySeconds(p, 1, 1) == 72);
  CHECK(RetryDelaySeconds(p, 1, 7) == 72);  // clamped
  CHECK(RetryDelaySeconds(p, 5, 1) == 720);
  RetryPolicy tiny;
  tiny.base_seconds = 1;
  tiny.max_seconds = 8;
  CHECK(RetryDelaySeconds(tiny, 1, -1) == 1);  // never below a second
  CHECK(RetryDelaySeconds(tiny, 3, 0) == 4);
}

TEST_CASE("a claimed attempt is due again when its claim runs out or is given back", "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created"});
  f.RefundOnlyCase("o1");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 1);
  const DeliveryRow seen = f.Deliveries(hook).front();
  REQUIRE(Must(f.hooks->ClaimAttempt(seen, 15)).has_value());
  // Its server died: nobody records the attempt. Until the claim runs out
  // the delivery is nobody else's; then it is due and claimable again.
  CHECK(Must(f.hooks->DueDeliveries(hook, 10)).empty());
  f.wall.Advance(14);
  CHECK(Must(f.hooks->DueDeliveries(hook, 10)).empty());
  f.wall.Advance(1);
  const std::vector<DeliveryRow> due = Must(f.hooks->DueDeliveries(hook, 10));
  REQUIRE(due.size() == 1);
  CHECK(due.front().attempts == 0);
  REQUIRE(Must(f.hooks->ClaimAttempt(due.front(), 15)).has_value());
  // An attempt cut short by Stop is given back: due at once.
  REQUIRE(f.hooks->ReleaseClaim(due.front()).ok());
  const std::vector<DeliveryRow> again = Must(f.hooks->DueDeliveries(hook, 10));
  REQUIRE(again.size() == 1);
  CHECK(again.front().next_attempt_at == f.wall.Now());
  // A give-back after the attempt was recorded changes nothing.
  RetryPolicy p;
  const DeliveryRow recorded = Must(f.hooks->RecordAttempt(seen.id, AttemptOutcome{200, ""}, p, 0));
  REQUIRE(recorded.status == DeliveryStatus::kDelivered);
  REQUIRE(f.hooks->ReleaseClaim(due.front()).ok());
  CHECK(f.Deliveries(hook).front().status == DeliveryStatus::kDelivered);
  CHECK(Must(f.hooks->DueDeliveries(hook, 10)).empty());
}

TEST_CASE("attempts: 2xx delivers, others retry with backoff until give-up, then dead", "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created"});
  f.RefundOnlyCase("o1");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 1);
  const std::int64_t id = f.Deliveries(hook).front().id;
  RetryPolicy p;
  p.base_seconds = 10;
  p.max_seconds = 40;
  p.give_up_after_seconds = 100;

  const DeliveryRow seen = f.Deliveries(hook).front();
  auto payload = Must(f.hooks->ClaimAttempt(seen, 60));
  REQUIRE(payload.has_value());
  CHECK(*payload == f.Outbox().front().payload);
  // Claimed: not due for the lease, and the row seen is stale.
  CHECK(f.Deliveries(hook).front().next_attempt_at == kWallStart + 60);
  CHECK_FALSE(Must(f.hooks->ClaimAttempt(seen, 60)).has_value());
  CHECK_FALSE(Must(f.hooks->ClaimAttempt(f.Deliveries(hook).front(), 60)).has_value());

  AttemptOutcome failed{500, ""};
  DeliveryRow d = Must(f.hooks->RecordAttempt(id, failed, p, 0));
  // The row seen before that attempt is stale: no second attempt from it.
  CHECK_FALSE(Must(f.hooks->ClaimAttempt(seen, 60)).has_value());
  CHECK_FALSE(Must(f.hooks->ClaimAttempt(d, 60)).has_value());  // not due yet
  CHECK(d.status == DeliveryStatus::kPending);
  CHECK(d.attempts == 1);
  CHECK(d.last_status == std::optional<int>(500));
  CHECK(d.next_attempt_at == kWallStart + 10);

  f.wall.Advance(10);
  CHECK(Must(f.hooks->ClaimAttempt(d, 60)).has_value());  // due now
  AttemptOutcome refused{std::nullopt, "POST to 127.0.0.1:9 failed: Connection"};
  d = Must(f.hooks->RecordAttempt(id, refused, p, 0));
  CHECK(d.attempts == 2);
  CHECK_FALSE(d.last_status.has_value());
  CHECK(d.last_error == std::optional<std::string>("POST to 127.0.0.1:9 failed: Connection"));
  CHECK(d.next_attempt_at == kWallStart + 10 + 20);

  f.wall.Advance(20);
  d = Must(f.hooks->RecordAttempt(id, failed, p, 0));
  CHECK(d.next_attempt_at == kWallStart + 30 + 40);
  f.wall.Advance(40);
  d = Must(f.hooks->RecordAttempt(id, failed, p, 0));
  CHECK(d.next_attempt_at == kWallStart + 100);  // the last try falls on the give-up time
  f.wall.Advance(30);
  d = Must(f.hooks->RecordAttempt(id, failed, p, 0));
  CHECK(d.status == DeliveryStatus::kDead);
  CHECK(d.attempts == 5);

  // A dead delivery is not attempted again on its own.
  auto r = Must(f.h.store().BeginRead());
  CHECK(Must(r->DueDeliveries(hook, kWallStart + kDay, 10)).empty());
  CHECK(Must(r->CountPendingDeliveries()) == 0);

  // An attempt that lands on a delivery no longer pending changes nothing.
  DeliveryRow unchanged = Must(f.hooks->RecordAttempt(id, AttemptOutcome{200, ""}, p, 0));
  CHECK(unchanged.status == DeliveryStatus::kDead);
  CHECK(unchanged.attempts == 5);
  CHECK(f.hooks->RecordAttempt(id + 1000, failed, p, 0).status().code() == Code::kNotFound);
}

TEST_CASE("redelivery revives dead deliveries, repeats delivered ones and is audited", "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created", "refund.requested"});
  f.RefundOnlyCase("o1");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 2);
  const auto rows = f.Deliveries(hook);
  const DeliveryRow first = rows[0];
  const DeliveryRow second = rows[1];
  RetryPolicy p;
  p.give_up_after_seconds = 0;  // the first failure is final
  REQUIRE(Must(f.hooks->RecordAttempt(first.id, AttemptOutcome{503, ""}, p, 0)).status == DeliveryStatus::kDead);
  REQUIRE(Must(f.hooks->RecordAttempt(second.id, AttemptOutcome{204, ""}, p, 0)).status == DeliveryStatus::kDelivered);
  f.wall.Advance(3600);
  const Actor& admin = f.h.user("admin");

  json revived = Must(f.hooks->Redeliver(admin, hook, std::to_string(first.id)));
  CHECK(revived["id"] == first.id);
  CHECK(revived["status"] == "pending");
  CHECK(revived["attempts"] == 0);
  CHECK(revived["next_attempt_at"] == FormatTime(kWallStart + 3600));
  CHECK(revived["event_id"] == first.event_id);
  {
    auto r = Must(f.h.store().BeginRead());
    auto stored = Must(r->GetDelivery(first.id));
    CHECK(stored->started_at == kWallStart + 3600);  // a fresh series: give-up counts from now
  }

  json again = Must(f.hooks->Redeliver(admin, hook, std::to_string(second.id)));
  CHECK(again["id"] != second.id);
  CHECK(again["status"] == "pending");
  CHECK(again["event_id"] == second.event_id);  // receivers can drop the duplicate
  CHECK(f.Deliveries(hook).size() == 3);
  {
    auto r = Must(f.h.store().BeginRead());
    CHECK(Must(r->GetDelivery(second.id))->status == DeliveryStatus::kDelivered);  // its record stays
  }

  // A pending one is made due now.
  f.wall.Advance(10);
  json due = Must(f.hooks->Redeliver(admin, hook, std::to_string(first.id)));
  CHECK(due["id"] == first.id);
  CHECK(due["next_attempt_at"] == FormatTime(kWallStart + 3610));

  const auto audit = f.Audit();
  std::vector<json> redeliveries;
  for (const auto& a : audit) {
    if (a.action == "webhook_redelivered") redeliveries.push_back(json::parse(a.data));
  }
  REQUIRE(redeliveries.size() == 3);
  CHECK(redeliveries[0] == json({{"webhook_id", hook},
                                 {"delivery_id", first.id},
                                 {"redelivery_id", first.id},
                                 {"event_id", first.event_id},
                                 {"previous_status", "dead"}}));
  CHECK(redeliveries[1]["previous_status"] == "delivered");
  CHECK(redeliveries[1]["redelivery_id"] == again["id"]);

  CHECK(f.hooks->Redeliver(admin, "wh_other", std::to_string(first.id)).status().code() == Code::kNotFound);
  CHECK(f.hooks->Redeliver(admin, hook, "999999").status().code() == Code::kNotFound);
  CHECK(f.hooks->Redeliver(admin, hook, "abc").status().code() == Code::kNotFound);
  CHECK(f.hooks->Redeliver(f.h.user("manager"), hook, std::to_string(first.id)).status().code() == Code::kForbidden);
  CHECK(f.Audit().size() == audit.size());
}

TEST_CASE("deliveries are listed oldest first with a cursor", "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created", "case.state_changed", "refund.requested"});
  f.RefundOnlyCase("o1");
  f.RefundOnlyCase("o2");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 6);
  const Actor& admin = f.h.user("admin");

  std::vector<json> seen;
  DeliveryQuery q;
  q.limit = "4";
  json page = Must(f.hooks->ListDeliveries(admin, hook, q));
  for (const auto& item : page["items"]) seen.push_back(item);
  REQUIRE(page["next_cursor"].is_string());
  q.cursor = page["next_cursor"].get<std::string>();
  page = Must(f.hooks->ListDeliveries(admin, hook, q));
  for (const auto& item : page["items"]) seen.push_back(item);
  CHECK(page["next_cursor"].is_null());
  REQUIRE(seen.size() == 6);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i]["id"] > seen[i - 1]["id"]);
  const json& item = seen.front();
  CHECK(item["webhook_id"] == hook);
  CHECK(item["event_type"] == "case.created");
  CHECK(item["status"] == "pending");
  CHECK(item["attempts"] == 0);
  CHECK(item["last_status"].is_null());
  CHECK(item["last_error"].is_null());
  CHECK(item["next_attempt_at"] == FormatTime(kWallStart));

  DeliveryQuery bad_limit;
  bad_limit.limit = "0";
  CHECK(f.hooks->ListDeliveries(admin, hook, bad_limit).status().code() == Code::kValidationFailed);
  bad_limit.limit = "201";
  CHECK(f.hooks->ListDeliveries(admin, hook, bad_limit).status().code() == Code::kValidationFailed);
  DeliveryQuery bad_cursor;
  bad_cursor.cursor = "x1";
  CHECK(f.hooks->ListDeliveries(admin, hook, bad_cursor).status().code() == Code::kValidationFailed);
  CHECK(f.hooks->ListDeliveries(admin, "wh_none", {}).status().code() == Code::kNotFound);
  CHECK(f.hooks->ListDeliveries(f.h.user("finance"), hook, {}).status().code() == Code::kForbidden);
}

TEST_CASE("the retention sweep deletes old delivered events and keeps dead letters and pending ones",
          "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created", "refund.requested"});  // not case.state_changed
  f.RefundOnlyCase("o1");
  f.RefundOnlyCase("o2");
  f.RefundOnlyCase("o3");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 6);
  const auto outbox = f.Outbox();
  REQUIRE(outbox.size() == 9);
  RetryPolicy give_up_at_once;
  give_up_at_once.give_up_after_seconds = 0;
  // o1's events delivered, o2's case.created dead, the rest still pending.
  std::map<std::string, std::string> case_of_event;
  for (const auto& o : outbox) case_of_event[o.event_id] = o.case_id.value_or("");
  const std::string c1 = outbox[0].case_id.value_or(""), c2 = outbox[3].case_id.value_or("");
  for (const auto& d : f.Deliveries(hook)) {
    if (case_of_event[d.event_id] == c1) Must(f.hooks->RecordAttempt(d.id, AttemptOutcome{200, ""}, RetryPolicy{}, 0));
    if (case_of_event[d.event_id] == c2 && d.event_type == "case.created") {
      Must(f.hooks->RecordAttempt(d.id, AttemptOutcome{500, ""}, give_up_at_once, 0));
    }
  }
  constexpr std::int64_t kRetention = 30 * kDay;

  // Within the retention nothing goes, on either clock.
  f.wall.Advance(kRetention - 1);
  f.h.clock().Advance(kRetention + kDay);
  OutboxPruned early = Must(f.hooks->PruneOutbox(kRetention, 100));
  CHECK(early.deliveries == 0);
  // ...but the state changes nobody subscribed to are old enough by the
  // engine's clock, which dates events.
  CHECK(early.events == 3);
  CHECK(f.Outbox().size() == 6);

  f.wall.Advance(2);
  OutboxPruned late = Must(f.hooks->PruneOutbox(kRetention, 1));  // one row of each per transaction
  CHECK(late.deliveries == 2);  // o1's two delivered ones
  CHECK(late.events == 2);      // and their events
  std::set<std::string> kept;
  for (const auto& o : f.Outbox()) kept.insert(o.event_id);
  for (const auto& d : f.Deliveries(hook)) {
    CHECK(d.status != DeliveryStatus::kDelivered);
    CHECK(kept.count(d.event_id) == 1);  // a dead or pending delivery keeps its event
  }
  CHECK(f.Deliveries(hook).size() == 4);
  CHECK(kept.size() == 4);
  CHECK(Must(f.hooks->PruneOutbox(kRetention, 100)).events == 0);  // nothing more

  // Events written after the sweep get new ids and are fanned out as usual.
  json recent = MakeOrder("o4", 3, 1000);
  recent["placed_at"] = FormatTime(f.h.clock().Now() - 3 * kDay);
  recent["delivered_at"] = FormatTime(f.h.clock().Now() - kDay);
  f.RefundOnlyCaseOf(recent);
  REQUIRE(f.Outbox().back().id > outbox.back().id);
  CHECK(Must(f.hooks->FanOut(100)).deliveries == 2);
  CHECK(f.Deliveries(hook).size() == 6);
}

TEST_CASE("the retention sweep keeps the newest delivery so that no delivery id is given out twice",
          "[engine][webhooks]") {
  Fixture f;
  const std::string hook = f.Create({"case.created", "refund.requested"});
  f.RefundOnlyCase("o1");
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 2);
  std::int64_t newest = 0;
  for (const auto& d : f.Deliveries(hook)) {
    Must(f.hooks->RecordAttempt(d.id, AttemptOutcome{200, ""}, RetryPolicy{}, 0));
    newest = std::max(newest, d.id);
  }
  f.wall.Advance(60 * kDay);
  f.h.clock().Advance(60 * kDay);
  CHECK(Must(f.hooks->PruneOutbox(30 * kDay, 100)).deliveries == 1);
  const auto left = f.Deliveries(hook);
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == newest);

  // Receivers tell deliveries apart by id: the next ones get new ids.
  json recent = MakeOrder("o2", 3, 1000);
  recent["placed_at"] = FormatTime(f.h.clock().Now() - 3 * kDay);
  recent["delivered_at"] = FormatTime(f.h.clock().Now() - kDay);
  f.RefundOnlyCaseOf(recent);
  REQUIRE(Must(f.hooks->FanOut(100)).deliveries == 2);
  for (const auto& d : f.Deliveries(hook)) {
    if (d.status == DeliveryStatus::kDelivered) continue;
    CHECK(d.id > newest);
  }
}

TEST_CASE("the retention sweep never deletes an event not yet fanned out", "[engine][webhooks]") {
  Fixture f;
  f.Create({"case.created"});
  f.RefundOnlyCase("o1");
  f.RefundOnlyCase("o2");
  REQUIRE(f.Outbox().size() == 6);
  f.wall.Advance(365 * kDay);
  f.h.clock().Advance(365 * kDay);
  CHECK(Must(f.hooks->PruneOutbox(kDay, 100)).events == 0);  // the cursor has passed none
  CHECK(Must(f.hooks->FanOut(100)).deliveries == 2);
  // Both case.created events have pending deliveries, and the newest event
  // stays so that ids are not reused: the three others go.
  CHECK(Must(f.hooks->PruneOutbox(kDay, 100)).events == 3);
  const auto kept = f.Outbox();
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].type == "case.created");
  CHECK(kept[1].type == "case.created");
  CHECK(kept[2].type == "refund.requested");
}

TEST_CASE("webhook URLs are taken apart for the transport", "[engine][webhooks]") {
  auto u = ParseWebhookUrl("https://hooks.example.com/a/b?x=1");
  REQUIRE(u.has_value());
  CHECK(u->scheme == "https");
  CHECK(u->host == "hooks.example.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/a/b?x=1");
  u = ParseWebhookUrl("http://127.0.0.1:8080");
  REQUIRE(u.has_value());
  CHECK(u->port == 8080);
  CHECK(u->target == "/");
  u = ParseWebhookUrl("http://[::1]:9000?q=1");
  REQUIRE(u.has_value());
  CHECK(u->host == "::1");
  CHECK(u->port == 9000);
  CHECK(u->target == "/?q=1");
  CHECK_FALSE(ParseWebhookUrl("http://[::1:9000/"));
  CHECK_FALSE(ParseWebhookUrl("http://host:/"));
  CHECK_FALSE(ParseWebhookUrl("http://host:12a/"));
  CHECK_FALSE(ParseWebhookUrl("HTTP://host/"));
  CHECK_FALSE(ParseWebhookUrl("http://" + std::string(2100, 'a')));
}

}  // namespace
}  // namespace aftersales::testing
