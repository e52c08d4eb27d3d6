// The webhook side of the store: webhooks, outbox reads and deliveries
// round-trip, the documented errors, the dispatcher's query plan, and
// migration 2 on a database written at version 1.
#include <catch2/catch.hpp>

#include "db/sqlite/schema.h"
#include "db/sql_reads.h"
#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

WebhookRow MakeWebhook(const std::string& id, TimePoint at, std::vector<std::string> events = {"case.created"}) {
  WebhookRow w;
  w.id = id;
  w.url = "https://hooks.example.com/in?id=" + id;
  w.events = std::move(events);
  w.secret = "s3cret-of-" + id + "-with-16+";
  w.created_at = at;
  return w;
}

OutboxRow MakeEvent(const std::string& event_id, const std::string& type = "case.created") {
  OutboxRow o;
  o.event_id = event_id;
  o.type = type;
  o.case_id = "C-1";
  o.payload = R"({"id":")" + event_id + R"(","type":")" + type + R"("})";
  o.created_at = kT0;
  return o;
}

DeliveryRow MakeDelivery(const std::string& webhook_id, std::int64_t outbox_id, TimePoint next_attempt_at) {
  DeliveryRow d;
  d.webhook_id = webhook_id;
  d.outbox_id = outbox_id;
  d.event_id = "evt_" + std::to_string(outbox_id);
  d.event_type = "case.created";
  d.next_attempt_at = next_attempt_at;
  d.started_at = kT0;
  d.created_at = kT0;
  d.updated_at = kT0;
  return d;
}

std::vector<std::int64_t> Ids(const std::vector<DeliveryRow>& rows) {
  std::vector<std::int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

// Writes webhooks wh-a and wh-b and `events` outbox rows; returns the outbox ids.
std::vector<std::int64_t> Seed(StoreFixture& f, int events) {
  auto w = f.Write();
  REQUIRE_OK(w->InsertWebhook(MakeWebhook("wh-a", kT0)));
  REQUIRE_OK(w->InsertWebhook(MakeWebhook("wh-b", kT0)));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < events; ++i) ids.push_back(Value(w->InsertOutbox(MakeEvent("evt-" + std::to_string(i)))));
  REQUIRE_OK(w->Commit());
  return ids;
}

TEST_CASE("webhooks round-trip, secret and events included, oldest first", "[db][webhooks]") {
  StoreFixture f;
  WebhookRow late = MakeWebhook("wh-late", kT0 + 10, {"sla.breached", "case.created"});
  WebhookRow early = MakeWebhook("wh-early", kT0, {"case.created", "case.state_changed", "refund.requested"});
  early.disabled = true;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertWebhook(late));
    REQUIRE_OK(w->InsertWebhook(early));
    REQUIRE_OK(w->Commit());
  }
  f.Reopen();
  auto r = f.Read();
  auto got = Value(r->GetWebhook("wh-late"));
  REQUIRE(got.has_value());
  CheckSame(*got, late);
  CHECK_FALSE(Value(r->GetWebhook("wh-none")).has_value());
  auto all = Value(r->ListWebhooks());
  REQUIRE(all.size() == 2);
  CheckSame(all[0], early);
  CheckSame(all[1], late);
}

TEST_CASE("a webhook id is unique", "[db][webhooks]") {
  StoreFixture f;
  auto w = f.Write();
  REQUIRE_OK(w->InsertWebhook(MakeWebhook("wh-1", kT0)));
  Status again = w->InsertWebhook(MakeWebhook("wh-1", kT0 + 1));
  CHECK(again.code() == Code::kAlreadyExists);
  REQUIRE_OK(w->Commit());  // the clash left the transaction usable
  CHECK(Value(f.Read()->ListWebhooks()).size() == 1);
}

TEST_CASE("outbox rows are read by id, after a cursor, and counted", "[db][webhooks]") {
  StoreFixture f;
  auto ids = Seed(f, 5);
  REQUIRE(ids.size() == 5);
  for (std::size_t i = 1; i < ids.size(); ++i) CHECK(ids[i] > ids[i - 1]);
  auto r = f.Read();
  auto one = Value(r->GetOutbox(ids[2]));
  REQUIRE(one.has_value());
  CHECK(one->event_id == "evt-2");
  CHECK(one->type == "case.created");
  CHECK(one->case_id == std::optional<std::string>("C-1"));
  CHECK(one->payload == R"({"id":"evt-2","type":"case.created"})");
  CHECK(one->created_at == kT0);
  CHECK_FALSE(Value(r->GetOutbox(ids.back() + 1)).has_value());

  auto after = Value(r->OutboxAfter(ids[1], 2));
  REQUIRE(after.size() == 2);
  CHECK(after[0].id == ids[2]);
  CHECK(after[1].id == ids[3]);
  CHECK(Value(r->OutboxAfter(0, 100)).size() == 5);
  CHECK(Value(r->OutboxAfter(ids.back(), 100)).empty());
  CHECK(Value(r->OutboxAfter(0, 0)).empty());
  CHECK(Value(r->CountOutboxAfter(0)) == 5);
  CHECK(Value(r->CountOutboxAfter(ids[3])) == 1);
}

TEST_CASE("deliveries round-trip and update: ids increase", "[db][webhooks]") {
  StoreFixture f;
  auto events = Seed(f, 2);
  DeliveryRow d = MakeDelivery("wh-a", events[0], kT0);
  DeliveryRow e = MakeDelivery("wh-b", events[1], kT0);
  {
    auto w = f.Write();
    d.id = Value(w->InsertDelivery(d));
    e.id = Value(w->InsertDelivery(e));
    REQUIRE_OK(w->Commit());
  }
  CHECK(e.id > d.id);
  CheckSame(*Value(f.Read()->GetDelivery(d.id)), d);

  d.status = DeliveryStatus::kPending;
  d.attempts = 2;
  d.next_attempt_at = kT0 + 120;
  d.last_status = 503;
  d.last_error = std::nullopt;
  d.updated_at = kT0 + 60;
  e.status = DeliveryStatus::kDead;
  e.attempts = 9;
  e.last_status = std::nullopt;
  e.last_error = "POST to 127.0.0.1:1 failed: Connection";
  e.started_at = kT0 + 5;
  e.updated_at = kT0 + 61;
  {
    auto w = f.Write();
    REQUIRE_OK(w->UpdateDelivery(d));
    REQUIRE_OK(w->UpdateDelivery(e));
    REQUIRE_OK(w->Commit());
  }
  f.Reopen();
  auto r = f.Read();
  CheckSame(*Value(r->GetDelivery(d.id)), d);
  CheckSame(*Value(r->GetDelivery(e.id)), e);
  CHECK_FALSE(Value(r->GetDelivery(e.id + 100)).has_value());
}

TEST_CASE("delivery writes report missing rows and unknown statuses", "[db][webhooks]") {
  StoreFixture f;
  auto events = Seed(f, 1);
  auto w = f.Write();
  DeliveryRow missing = MakeDelivery("wh-a", events[0], kT0);
  missing.id = 424242;
  CHECK(w->UpdateDelivery(missing).code() == Code::kNotFound);
  REQUIRE_OK(w->Commit());
}

TEST_CASE("a delivery of an unknown webhook or event fails at commit and writes nothing", "[db][webhooks]") {
  StoreFixture f;
  auto events = Seed(f, 1);
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertDelivery(MakeDelivery("wh-none", events[0], kT0)).status());
    CHECK(w->Commit().code() == Code::kUnavailable);
  }
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertDelivery(MakeDelivery("wh-a", events[0] + 99, kT0)).status());
    CHECK(w->Commit().code() == Code::kUnavailable);
  }
  CHECK(Value(f.Read()->CountPendingDeliveries()) == 0);
}

TEST_CASE("due deliveries: one webhook's pending ones due by now, by due time then id", "[db][webhooks]") {
  StoreFixture f;
  auto events = Seed(f, 3);
  std::vector<std::int64_t> ids;
  {
    auto w = f.Write();
    auto add = [&](const std::string& webhook, std::int64_t event, TimePoint due, const std::string& status) {
      DeliveryRow d = MakeDelivery(webhook, event, due);
      d.status = *ParseDeliveryStatus(status);
      ids.push_back(Value(w->InsertDelivery(d)));
    };
    add("wh-a", events[0], kT0 + 30, "pending");   // 0: due later than 1
    add("wh-a", events[1], kT0 + 10, "pending");   // 1
    add("wh-a", events[2], kT0 + 10, "pending");   // 2: same time as 1, larger id
    add("wh-a", events[0], kT0, "delivered");      // 3: not pending
    add("wh-a", events[1], kT0, "dead");           // 4: not pending
    add("wh-a", events[2], kT0 + 500, "pending");  // 5: not due yet
    add("wh-b", events[0], kT0, "pending");        // 6: another webhook
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  CHECK(Ids(Value(r->DueDeliveries("wh-a", kT0 + 100, 10))) == std::vector<std::int64_t>{ids[1], ids[2], ids[0]});
  CHECK(Ids(Value(r->DueDeliveries("wh-a", kT0 + 100, 2))) == std::vector<std::int64_t>{ids[1], ids[2]});
  CHECK(Ids(Value(r->DueDeliveries("wh-a", kT0 + 10, 10))) == std::vector<std::int64_t>{ids[1], ids[2]});
  CHECK(Value(r->DueDeliveries("wh-a", kT0 + 9, 10)).empty());
  CHECK(Value(r->DueDeliveries("wh-a", kT0 + 100, 0)).empty());
  CHECK(Ids(Value(r->DueDeliveries("wh-b", kT0, 10))) == std::vector<std::int64_t>{ids[6]});
  CHECK(Value(r->CountPendingDeliveries()) == 5);
  CHECK(Value(r->CountDeadDeliveries()) == 1);
}

TEST_CASE("deliveries of a webhook page by id", "[db][webhooks]") {
  StoreFixture f;
  auto events = Seed(f, 1);
  std::vector<std::int64_t> ids;
  {
    auto w = f.Write();
    for (int i = 0; i < 5; ++i) ids.push_back(Value(w->InsertDelivery(MakeDelivery("wh-a", events[0], kT0))));
    REQUIRE_OK(w->InsertDelivery(MakeDelivery("wh-b", events[0], kT0)).status());
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  auto first = Value(r->ListDeliveries("wh-a", 2, 0));
  CHECK(Ids(first) == std::vector<std::int64_t>{ids[0], ids[1]});
  auto second = Value(r->ListDeliveries("wh-a", 2, first.back().id));
  CHECK(Ids(second) == std::vector<std::int64_t>{ids[2], ids[3]});
  auto last = Value(r->ListDeliveries("wh-a", 2, second.back().id));
  CHECK(Ids(last) == std::vector<std::int64_t>{ids[4]});
  CHECK(Value(r->ListDeliveries("wh-a", 0, 0)).empty());
  CHECK(Value(r->ListDeliveries("wh-none", 10, 0)).empty());
}

std::string Plan(sqlite::SqliteConnection& conn, const std::string& sql) {
  auto stmt = Value(conn.Prepare("EXPLAIN QUERY PLAN " + sql));
  stmt->BindText("wh-a").BindInt(kT0).BindInt(10);
  std::string plan;
  while (Value(stmt->Step())) plan += stmt->ColumnText(3) + "\n";  // the `detail` column
  return plan;
}

TEST_CASE("the dispatcher's due-delivery query is a range scan of the partial index", "[db][webhooks][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  const std::string plan = Plan(*conn, sql::kDueDeliveriesSql);
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains(
                       "SEARCH deliveries USING INDEX deliveries_pending_due (webhook_id=? AND next_attempt_at<?)"));
  CHECK_THAT(plan, !Catch::Contains("SCAN"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("counting dead deliveries for /metrics reads only the partial index of dead ones", "[db][webhooks][sqlite]") {
  StoreFixture f;
  f.Close();
  auto conn = RawConnection(f.path());
  auto stmt = Value(conn->Prepare("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM deliveries WHERE status = 'dead'"));
  std::string plan;
  while (Value(stmt->Step())) plan += stmt->ColumnText(3) + "\n";  // the `detail` column
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("deliveries_dead"));
  CHECK_THAT(plan, !Catch::Contains("SCAN deliveries\n"));
}

TEST_CASE("migration 2 adds the webhook tables to a version-1 database and keeps its rows", "[db][webhooks][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("v1.sqlite");
  {
    auto conn = Value(sqlite::SqliteConnection::Open(path, sqlite::OpenMode::kReadWrite));
    REQUIRE(sqlite::Migrations().front().version == 1);
    REQUIRE_OK(conn->Exec("BEGIN"));
    REQUIRE_OK(conn->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
    for (const char* statement : sqlite::Migrations().front().statements) REQUIRE_OK(conn->Exec(statement));
    REQUIRE_OK(conn->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)"));
    REQUIRE_OK(
        conn->Exec("INSERT INTO outbox (event_id, type, case_id, payload, created_at)"
                   " VALUES ('evt-old', 'case.created', 'C-1', '{}', 0)"));
    REQUIRE_OK(conn->Exec("COMMIT"));
  }
  auto store = Value(SqliteStore::Open(path));
  {
    auto r = Value(store->BeginRead());
    auto old = Value(r->OutboxAfter(0, 10));
    REQUIRE(old.size() == 1);
    CHECK(old[0].event_id == "evt-old");
    CHECK(Value(r->ListWebhooks()).empty());
  }
  {
    auto w = Value(store->BeginWrite());
    REQUIRE_OK(w->InsertWebhook(MakeWebhook("wh-a", kT0)));
    REQUIRE_OK(w->InsertDelivery(MakeDelivery("wh-a", 1, kT0)).status());
    REQUIRE_OK(w->Commit());
  }
  store.reset();
  auto raw = RawConnection(path);
  CHECK(QueryInt(*raw, "SELECT MAX(version) FROM schema_migrations") == sqlite::LatestSchemaVersion());
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM deliveries") == 1);
}

TEST_CASE("webhooks: disabled flag set and cleared, delete takes the deliveries along", "[db]") {
  StoreFixture f;
  const std::vector<std::int64_t> outbox = Seed(f, 2);
  {
    auto w = f.Write();
    REQUIRE(Value(w->InsertDelivery(MakeDelivery("wh-a", outbox[0], kT0))) > 0);
    REQUIRE(Value(w->InsertDelivery(MakeDelivery("wh-a", outbox[1], kT0))) > 0);
    REQUIRE(Value(w->InsertDelivery(MakeDelivery("wh-b", outbox[0], kT0))) > 0);
    REQUIRE_OK(w->SetWebhookDisabled("wh-a", true));
    CHECK(w->SetWebhookDisabled("wh-none", true).code() == Code::kNotFound);
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    CHECK(Value(r->GetWebhook("wh-a"))->disabled);
    CHECK_FALSE(Value(r->GetWebhook("wh-b"))->disabled);
  }
  {
    auto w = f.Write();
    REQUIRE_OK(w->SetWebhookDisabled("wh-a", false));
    REQUIRE_OK(w->Commit());
  }
  CHECK_FALSE(Value(f.Read()->GetWebhook("wh-a"))->disabled);
  {
    auto w = f.Write();
    REQUIRE_OK(w->DeleteWebhook("wh-a"));
    CHECK(w->DeleteWebhook("wh-a").code() == Code::kNotFound);
    REQUIRE_OK(w->Commit());  // the deferred foreign keys hold: no delivery of wh-a is left
  }
  auto r = f.Read();
  CHECK_FALSE(Value(r->GetWebhook("wh-a")).has_value());
  CHECK(Value(r->ListDeliveries("wh-a", 100, 0)).empty());
  CHECK(Value(r->ListDeliveries("wh-b", 100, 0)).size() == 1);
  CHECK(Value(r->ListWebhooks()).size() == 1);
  CHECK(Value(r->CountPendingDeliveries()) == 1);
}

}  // namespace
}  // namespace aftersales::testing
