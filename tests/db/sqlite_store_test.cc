// SqliteStore: every method round-trips, the documented errors, transaction
// semantics, durability across reopen, and the schema migrations. The tests
// not tagged [sqlite] run on PgStore too (tests/db/db_test_util.h).
#include "db/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "db/sqlite/schema.h"
#include "tests/db/db_test_util.h"
#include "tests/support/failing_vfs.h"
#include "tests/support/wait.h"

namespace aftersales::testing {
namespace {

Text MakeText(const std::string& id, const std::string& case_id, Visibility visibility, TimePoint at) {
  Text t;
  t.id = id;
  t.case_id = case_id;
  t.kind = "comment";
  t.visibility = visibility;
  t.author_id = "u-agent";
  t.body = "text " + id + " — 你好";
  t.sha256 = std::string(64, 'a');
  t.created_at = at;
  return t;
}

AuditRow MakeAudit(std::int64_t seq, const std::string& actor, std::optional<std::string> case_id,
                   const std::string& action, const std::string& at) {
  AuditRow a;
  a.seq = seq;
  a.at = at;
  a.actor_id = actor;
  a.actor_role = "agent";
  a.case_id = std::move(case_id);
  a.action = action;
  a.from_state = "requested";
  a.to_state = std::nullopt;
  a.data = R"({"n":)" + std::to_string(seq) + "}";
  a.prev_hash = std::string(64, '0');
  a.hash = std::string(63, 'f') + std::to_string(seq % 10);
  return a;
}

DeadlineRow MakeDeadline(const std::string& case_id, const std::string& kind, TimePoint due_at) {
  DeadlineRow d;
  d.case_id = case_id;
  d.kind = *ParseDeadlineKind(kind);
  d.started_at = kT0;
  d.due_at = due_at;
  return d;
}

TEST_CASE("the connection's statement cache answers each text with its own statement, past its bound",
          "[db][sqlite]") {
  // 300 texts through a cache bounded at 128: idle statements are evicted
  // and prepared again, a leased one is kept, and a text asked for while
  // its cached statement is leased gets a statement of its own.
  TempDir dir;
  auto conn = Value(sqlite::SqliteConnection::Open(dir.File("cache.db"), sqlite::OpenMode::kReadWrite));
  auto value_of = [&](int n) -> std::int64_t {
    sql::StatementHandle stmt = Value(conn->Prepare("SELECT " + std::to_string(n)));
    REQUIRE(Value(stmt->Step()));
    return stmt->ColumnInt(0);
  };
  sql::StatementHandle held = Value(conn->Prepare(std::string("SELECT 7000")));
  for (int round = 0; round < 2; ++round) {
    for (int n = 0; n < 300; ++n) REQUIRE(value_of(n) == n);
  }
  CHECK(value_of(7000) == 7000);  // leased: a one-off statement of the same text
  REQUIRE(Value(held->Step()));
  CHECK(held->ColumnInt(0) == 7000);
}

TEST_CASE("Open reports an unusable path as unavailable, naming it", "[db][sqlite]") {
  TempDir dir;
  const std::string missing_dir = dir.File("no/such/dir/db.sqlite");
  auto opened = SqliteStore::Open(missing_dir);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Code::kUnavailable);
  CHECK_THAT(opened.status().message(), Catch::Contains(missing_dir));

  const std::string garbage = dir.File("garbage.sqlite");
  std::ofstream(garbage) << std::string(8192, 'x');
  auto not_db = SqliteStore::Open(garbage);
  REQUIRE_FALSE(not_db.ok());
  CHECK(not_db.status().code() == Code::kUnavailable);
  CHECK_THAT(not_db.status().message(), Catch::Contains(garbage));
}

TEST_CASE("SQLite keeps no memory statistics whose global mutex every allocation would take", "[db][sqlite]") {
  TempDir dir;
  auto conn = Value(sqlite::SqliteConnection::Open(dir.File("db.sqlite"), sqlite::OpenMode::kReadWrite));
  // A statement that allocates: 50 texts of 2,000 characters joined.
  CHECK(QueryInt(*conn, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                        "SELECT length(group_concat(hex(randomblob(1000)), '')) FROM n") == 100000);
  // With the statistics kept, both count every open connection's memory.
  CHECK(sqlite3_memory_used() == 0);
  CHECK(sqlite3_memory_highwater(0) == 0);
}

TEST_CASE("connections are configured for durability", "[db][sqlite]") {
  TempDir dir;
  auto conn = Value(sqlite::SqliteConnection::Open(dir.File("db.sqlite"), sqlite::OpenMode::kReadWrite));
  CHECK(QueryTexts(*conn, "PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  CHECK(QueryInt(*conn, "PRAGMA synchronous") == 2);  // FULL
  CHECK(QueryInt(*conn, "PRAGMA foreign_keys") == 1);
  CHECK(QueryInt(*conn, "PRAGMA busy_timeout") == 5000);
}

TEST_CASE("orders round-trip with their lines in insertion order", "[db]") {
  StoreFixture f;
  Order order = MakeOrder("O-1", {"z-line", "a-line", "m-line"});
  Order undelivered = MakeOrder("O-2");
  undelivered.delivered_at = std::nullopt;
  // The store keeps what it is given: an order without a line (which the
  // engine never writes) reads back without one.
  Order lineless = MakeOrder("O-3");
  lineless.lines.clear();
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(order));
    REQUIRE_OK(w->InsertOrder(undelivered));
    REQUIRE_OK(w->InsertOrder(lineless));
    // A write transaction reads its own writes.
    auto seen = Value(w->GetOrder("O-1"));
    REQUIRE(seen.has_value());
    CheckSame(*seen, order);
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  auto got = Value(r->GetOrder("O-1"));
  REQUIRE(got.has_value());
  CheckSame(*got, order);
  auto got2 = Value(r->GetOrder("O-2"));
  REQUIRE(got2.has_value());
  CheckSame(*got2, undelivered);
  auto got3 = Value(r->GetOrder("O-3"));
  REQUIRE(got3.has_value());
  CHECK(got3->lines.empty());
  CheckSame(*got3, lineless);
  CHECK_FALSE(Value(r->GetOrder("O-404")).has_value());
}

TEST_CASE("UpdateOrderFulfilment writes delivery, ship_by, shipments and status: missing order is not_found", "[db]") {
  StoreFixture f;
  auto w = f.Write();
  Order order = MakeOrder("O-1");
  order.ship_by = kT0 + 100;
  REQUIRE_OK(w->InsertOrder(order));
  Order stored = *Value(w->GetOrder("O-1"));
  CHECK(stored.paid_at == order.paid_at);
  CHECK(stored.ship_by == std::optional<TimePoint>(kT0 + 100));
  CHECK(stored.shipment_status == ShipmentStatus::kUnshipped);
  CHECK(stored.shipments.empty());

  order.delivered_at = kT0 + 7;
  order.ship_by = kT0 + 200;
  order.shipments.push_back({"shp_O-1_1", std::string("SF"), std::string("SF1"), {{order.lines.front().line_id, 1}},
                             kT0 + 5, "u_wh"});
  order.shipments.push_back({"shp_O-1_2", std::nullopt, std::nullopt, {{order.lines.front().line_id, 1}}, kT0 + 6,
                             "u_int"});
  order.shipment_status = ShipmentStatus::kShipped;
  REQUIRE_OK(w->UpdateOrderFulfilment(order));
  stored = *Value(w->GetOrder("O-1"));
  CHECK(stored.delivered_at == std::optional<TimePoint>(kT0 + 7));
  CHECK(stored.ship_by == std::optional<TimePoint>(kT0 + 200));
  CHECK(stored.shipment_status == ShipmentStatus::kShipped);
  REQUIRE(stored.shipments.size() == 2);
  CHECK(stored.shipments[0].carrier == std::optional<std::string>("SF"));
  CHECK(stored.shipments[0].tracking_no == std::optional<std::string>("SF1"));
  CHECK(stored.shipments[0].by == "u_wh");
  CHECK_FALSE(stored.shipments[1].carrier.has_value());
  CHECK(stored.shipments[1].lines.front().qty == 1);
  CHECK(stored.ShippedAt() == std::optional<TimePoint>(kT0 + 6));
  CHECK(stored.ShippedQty(order.lines.front().line_id) == 2);

  order.delivered_at.reset();
  REQUIRE_OK(w->UpdateOrderFulfilment(order));
  CHECK_FALSE(Value(w->GetOrder("O-1"))->delivered_at.has_value());
  Order missing = MakeOrder("O-404");
  CHECK(w->UpdateOrderFulfilment(missing).code() == Code::kNotFound);
  REQUIRE_OK(w->Commit());
}

// Sets orders.shipments of order O-1 in the file, as another program or an
// older build might have written it.
void SetStoredShipments(StoreFixture& f, const std::string& text) {
  f.Close();
  {
    auto raw = Value(sqlite::SqliteConnection::Open(f.path(), sqlite::OpenMode::kReadWrite));
    auto stmt = Value(raw->Prepare("UPDATE orders SET shipments = ? WHERE id = 'O-1'"));
    stmt->BindText(text);
    CHECK_FALSE(Value(stmt->Step()));
    REQUIRE(raw->Changes() == 1);
  }
  f.Reopen();
}

TEST_CASE("an order's shipments are stored as dump() writes them and read back in any member order",
          "[db][sqlite]") {
  StoreFixture f;
  Order order = MakeOrder("O-1");
  order.shipments.push_back({"shp_O-1_1", std::string("SF \"快递\""), std::string("SF1"),
                             {{order.lines.front().line_id, 1}, {"L2", 3}}, kT0 + 5, "u_wh"});
  order.shipments.push_back({"shp_O-1_2", std::nullopt, std::nullopt, {}, kT0 + 6, "u_int"});
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(order));
    REQUIRE_OK(w->UpdateOrderFulfilment(order));
    REQUIRE_OK(w->Commit());
  }
  // What nlohmann's dump() wrote for the same value: files written before
  // read the same, and so do files written now by an older build.
  nlohmann::json expected = nlohmann::json::array();
  for (const OrderShipment& sh : order.shipments) {
    nlohmann::json lines = nlohmann::json::array();
    for (const ShippedLine& l : sh.lines) lines.push_back({{"line_id", l.line_id}, {"qty", l.qty}});
    expected.push_back({{"id", sh.id},
                        {"carrier", sh.carrier ? nlohmann::json(*sh.carrier) : nlohmann::json(nullptr)},
                        {"tracking_no", sh.tracking_no ? nlohmann::json(*sh.tracking_no) : nlohmann::json(nullptr)},
                        {"lines", lines},
                        {"shipped_at", sh.shipped_at},
                        {"by", sh.by}});
  }
  f.Close();
  CHECK(QueryTexts(*RawConnection(f.path()), "SELECT shipments FROM orders WHERE id = 'O-1'") ==
        std::vector<std::string>{expected.dump()});
  f.Reopen();

  const auto check_read = [&](const std::string& why) {
    INFO(why);
    const Order stored = *Value(f.Read()->GetOrder("O-1"));
    REQUIRE(stored.shipments.size() == 2);
    CHECK(stored.shipments[0].id == "shp_O-1_1");
    CHECK(stored.shipments[0].carrier == order.shipments[0].carrier);
    CHECK(stored.shipments[0].tracking_no == std::optional<std::string>("SF1"));
    REQUIRE(stored.shipments[0].lines.size() == 2);
    CHECK(stored.shipments[0].lines[1].line_id == "L2");
    CHECK(stored.shipments[0].lines[1].qty == 3);
    CHECK(stored.shipments[0].shipped_at == kT0 + 5);
    CHECK(stored.shipments[0].by == "u_wh");
    CHECK(stored.shipments[1].id == "shp_O-1_2");
    CHECK_FALSE(stored.shipments[1].carrier.has_value());
    CHECK_FALSE(stored.shipments[1].tracking_no.has_value());
    CHECK(stored.shipments[1].lines.empty());
    CHECK(stored.shipments[1].shipped_at == kT0 + 6);
  };
  check_read("as written");
  // Indented, members in another order (carrier and tracking_no left out
  // where null), escapes, and a member this program does not know.
  SetStoredShipments(f, "[ {\"tracking_no\": \"SF1\", \"shipped_at\": " + std::to_string(kT0 + 5) +
                            ", \"note\": {\"x\": [1, 2.5, null]}, \"lines\": [{\"qty\": 1, \"line_id\": \"" +
                            order.lines.front().line_id + "\"}, {\"line_id\": \"L\\u0032\", \"qty\": 3}],"
                            " \"id\": \"shp_O-1_1\", \"carrier\": \"SF \\\"\\u5feb\\u9012\\\"\", \"by\": \"u_wh\"},\n"
                            " {\"by\": \"u_int\", \"id\": \"shp_O-1_2\", \"lines\": [], \"shipped_at\": " +
                            std::to_string(kT0 + 6) + "} ]");
  check_read("reordered");
}

TEST_CASE("an order whose stored shipments cannot be read is an internal error naming it", "[db][sqlite]") {
  StoreFixture f;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
    REQUIRE_OK(w->Commit());
  }
  const std::string good = R"({"by":"u","id":"s","lines":[{"line_id":"L-1","qty":1}],"shipped_at":5})";
  for (const std::string& text : std::vector<std::string>{
           "{}", "[", "[" + good, "[" + good + ",]", "[" + good + "] x", "null",
           R"([{"id":"s","lines":[],"shipped_at":5}])",                            // no "by"
           R"([{"by":"u","id":"s","shipped_at":5}])",                              // no "lines"
           R"([{"by":"u","id":"s","lines":[]}])",                                  // no "shipped_at"
           R"([{"by":"u","id":"s","lines":[{"line_id":"L-1"}],"shipped_at":5}])",  // a line without its qty
           R"([{"by":"u","id":"s","lines":[{"line_id":"L-1","qty":"1"}],"shipped_at":5}])",
           R"([{"by":"u","id":"s","lines":[],"shipped_at":5.5}])",
           R"([{"by":"u","carrier":7,"id":"s","lines":[],"shipped_at":5}])",
           R"([{"by":"u","id":"s","lines":null,"shipped_at":5}])"}) {
    INFO(text);
    SetStoredShipments(f, text);
    const auto read = f.Read()->GetOrder("O-1");
    CHECK(read.status().code() == Code::kInternal);
    CHECK_THAT(read.status().message(), Catch::Contains("order O-1 has unreadable shipments"));
  }
  SetStoredShipments(f, "[" + good + "]");
  CHECK(Value(f.Read()->GetOrder("O-1"))->shipments.size() == 1);
}

TEST_CASE("an order's deadline has no case: listed for the order, due with the others", "[db]") {
  StoreFixture f;
  auto w = f.Write();
  REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
  DeadlineRow row;
  row.order_id = "O-1";
  row.kind = DeadlineKind::kOrderShip;
  row.started_at = kT0;
  row.due_at = kT0 + 10;
  const std::int64_t id = Value(w->InsertDeadline(row));
  REQUIRE_OK(w->Commit());
  auto r = f.Read();
  const auto listed = Value(r->ListedOrderDeadlines("O-1"));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == id);
  CHECK(listed[0].case_id.empty());
  CHECK(listed[0].order_id == "O-1");
  const auto due = Value(r->DueDeadlines(kT0 + 10, 10));
  REQUIRE(due.size() == 1);
  CHECK(due[0].order_id == "O-1");
  const auto extendable = Value(r->OpenDeadlinesDueBefore(DeadlineKind::kOrderShip, std::nullopt, kT0 + 11));
  REQUIRE(extendable.size() == 1);
  CHECK_FALSE(extendable[0].case_state.has_value());
}

TEST_CASE("InsertOrder: a taken id is already_exists and nothing of the order is written", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
    REQUIRE_OK(w->Commit());
  }
  auto w = f.Write();
  Order again = MakeOrder("O-1", {"X"});
  Status s = w->InsertOrder(again);
  CHECK(s.code() == Code::kAlreadyExists);
  CHECK_THAT(s.message(), Catch::Contains("O-1"));

  // A failing line undoes the order row written before it.
  Order twice = MakeOrder("O-2", {"A", "A"});
  CHECK_FALSE(w->InsertOrder(twice).ok());
  CHECK_FALSE(Value(w->GetOrder("O-2")).has_value());
  w.reset();

  auto r = f.Read();
  CheckSame(*Value(r->GetOrder("O-1")), MakeOrder("O-1"));
  CHECK_FALSE(Value(r->GetOrder("O-2")).has_value());
}

TEST_CASE("cases round-trip: UpdateCase checks the version", "[db]") {
  StoreFixture f;
  CaseRow c1 = MakeCase("C-1", "O-1");
  CaseRow c2 = MakeCase("C-2", "O-1");
  c2.assignee = "u-agent";
  c2.next_due_at = std::nullopt;
  c2.breached = true;
  c2.created_at = kT0 - 1;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
    REQUIRE_OK(w->InsertCase(c1));
    REQUIRE_OK(w->InsertCase(c2));
    CHECK(w->InsertCase(c1).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    CheckSame(*Value(r->GetCase("C-1")), c1);
    CheckSame(*Value(r->GetCase("C-2")), c2);
    CHECK_FALSE(Value(r->GetCase("C-404")).has_value());
    auto of_order = Value(r->CasesOfOrder("O-1"));
    REQUIRE(of_order.size() == 2);
    CHECK(of_order[0].id == "C-2");  // created first
    CHECK(of_order[1].id == "C-1");
    CHECK(Value(r->CasesOfOrder("O-404")).empty());
  }

  CaseRow next = c1;
  next.version = 2;
  next.state = State::kPendingApproval;
  next.assignee = "u-sup";
  next.next_due_at = std::nullopt;
  next.breached = true;
  next.updated_at = kT0 + 60;
  next.doc = R"({"changed":true})";
  {
    auto w = f.Write();
    CaseRow stale_view = c1;
    stale_view.version = 2;
    Status stale = w->UpdateCase(next, stale_view);
    CHECK(stale.code() == Code::kVersionConflict);
    CheckSame(*Value(w->GetCase("C-1")), c1);  // untouched
    REQUIRE_OK(w->UpdateCase(next, c1));
    CHECK(w->UpdateCase(next, c1).code() == Code::kVersionConflict);  // now at 2
    CaseRow ghost = MakeCase("C-404", "O-1");
    CHECK(w->UpdateCase(ghost, ghost).code() == Code::kNotFound);
    REQUIRE_OK(w->Commit());
  }
  CheckSame(*Value(f.Read()->GetCase("C-1")), next);

  // Every column that differs from the row as read is written.
  CaseRow moved = next;
  moved.version = 3;
  moved.order_id = "O-2";
  moved.buyer_id = "b-other";
  moved.type = CaseType::kExchange;
  moved.policy_version = 7;
  moved.created_at = kT0 - 5;
  moved.next_due_at = kT0 + 999;
  moved.breached = false;
  moved.assignee = std::nullopt;
  moved.risk_flagged = true;
  moved.return_tracking_no = "SF1";
  moved.replacement_tracking_no = "SF2";
  moved.doc = R"({"moved":true})";
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(MakeOrder("O-2")));
    REQUIRE_OK(w->UpdateCase(moved, next));
    REQUIRE_OK(w->Commit());
  }
  CheckSame(*Value(f.Read()->GetCase("C-1")), moved);

  // A column equal in the new row and the row as read is not written (its
  // indexes are left alone): here the caller's view of the assignee and the
  // doc is the new value, so the stored ones stay.
  CaseRow same_view = moved;
  same_view.assignee = "u-view";
  same_view.doc = R"({"view":true})";
  CaseRow after = same_view;
  after.version = 4;
  after.state = State::kAwaitingReturn;
  {
    auto w = f.Write();
    REQUIRE_OK(w->UpdateCase(after, same_view));
    REQUIRE_OK(w->Commit());
  }
  CaseRow expected = moved;
  expected.version = 4;
  expected.state = State::kAwaitingReturn;
  CheckSame(*Value(f.Read()->GetCase("C-1")), expected);
}

TEST_CASE("deadlines: ids, listing, due sweep, status changes and counts", "[db]") {
  StoreFixture f;
  auto w = f.Write();
  REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
  REQUIRE_OK(w->InsertCase(MakeCase("C-1", "O-1")));
  REQUIRE_OK(w->InsertCase(MakeCase("C-2", "O-1")));
  DeadlineRow a = MakeDeadline("C-1", "merchant_response", kT0 + 300);
  DeadlineRow b = MakeDeadline("C-1", "buyer_ship", kT0 + 100);
  DeadlineRow c = MakeDeadline("C-2", "merchant_response", kT0 + 100);
  DeadlineRow d = MakeDeadline("C-2", "refund_issue", kT0 + 200);
  a.id = 999;  // ignored: the store assigns ids
  std::vector<std::int64_t> ids;
  for (DeadlineRow* row : {&a, &b, &c, &d}) {
    row->id = Value(w->InsertDeadline(*row));
    ids.push_back(row->id);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) CHECK(ids[i] > ids[i - 1]);

  auto listed = Value(w->ListedDeadlines("C-1"));
  REQUIRE(listed.size() == 2);
  CheckSame(listed[0], b);  // by due_at
  CheckSame(listed[1], a);

  // Due at kT0 + 200: c and b tie on due_at and come by id.
  auto due = Value(w->DueDeadlines(kT0 + 200, 10));
  REQUIRE(due.size() == 3);
  CHECK(due[0].id == b.id);
  CHECK(due[1].id == c.id);
  CHECK(due[2].id == d.id);
  CHECK(Value(w->DueDeadlines(kT0 + 200, 2)).size() == 2);
  CHECK(Value(w->DueDeadlines(kT0 + 99, 10)).empty());
  CHECK(Value(w->DueDeadlines(kT0 + 1000, 0)).empty());
  CHECK(Value(w->CountOpenDeadlinesDueBefore(kT0 + 200)) == 2);  // strictly before

  REQUIRE_OK(w->SetDeadlineStatus(b.id, DeadlineStatus::kBreached, kT0 + 150));
  REQUIRE_OK(w->SetDeadlineStatus(c.id, DeadlineStatus::kDone, kT0 + 160));
  CHECK(w->SetDeadlineStatus(12345, DeadlineStatus::kDone, kT0).code() == Code::kNotFound);
  REQUIRE_OK(w->Commit());
  w.reset();

  auto r = f.Read();
  auto due_now = Value(r->DueDeadlines(kT0 + 1000, 10));
  REQUIRE(due_now.size() == 2);  // breached and done are not due again
  CHECK(due_now[0].id == d.id);
  CHECK(due_now[1].id == a.id);
  listed = Value(r->ListedDeadlines("C-1"));
  REQUIRE(listed.size() == 2);  // a breached deadline stays listed
  CHECK(listed[0].status == DeadlineStatus::kBreached);
  CHECK_FALSE(listed[0].closed_at.has_value());
  auto listed2 = Value(r->ListedDeadlines("C-2"));
  REQUIRE(listed2.size() == 1);  // done is not listed
  CHECK(listed2[0].id == d.id);
  CHECK(Value(r->CountBreachedDeadlines()) == 1);
  CHECK(Value(r->CountOpenDeadlinesDueBefore(kT0 + 1000)) == 2);
}

TEST_CASE("the batch reads answer what the single reads answer for each id, grouped by it", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    for (const char* o : {"O-1", "O-2", "O-3"}) REQUIRE_OK(w->InsertOrder(MakeOrder(o)));
    int n = 0;
    for (const char* c : {"C-3", "C-1", "C-2", "C-4"}) {
      CaseRow row = MakeCase(c, n < 2 ? "O-1" : "O-2");
      row.created_at = kT0 + 10 * (4 - n);  // not in id order
      REQUIRE_OK(w->InsertCase(row));
      // Two listed deadlines a case (the later one first) and a done one.
      REQUIRE(Value(w->InsertDeadline(MakeDeadline(c, "refund_issue", kT0 + 900 - n))) > 0);
      REQUIRE(Value(w->InsertDeadline(MakeDeadline(c, "merchant_response", kT0 + 100 + n))) > 0);
      const std::int64_t done = Value(w->InsertDeadline(MakeDeadline(c, "buyer_ship", kT0 + 50)));
      REQUIRE_OK(w->SetDeadlineStatus(done, DeadlineStatus::kDone, kT0));
      REQUIRE_OK(w->InsertText(MakeText(std::string("T-b-") + c, c, Visibility::kBuyer, kT0 + 5)));
      REQUIRE_OK(w->InsertText(MakeText(std::string("T-a-") + c, c, Visibility::kInternal, kT0 + 9)));
      ++n;
    }
    for (const char* o : {"O-1", "O-3"}) {
      DeadlineRow ship;
      ship.order_id = o;
      ship.kind = DeadlineKind::kOrderShip;
      ship.started_at = kT0;
      ship.due_at = kT0 + 500;
      REQUIRE(Value(w->InsertDeadline(ship)) > 0);
    }
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  // Each group, in the single read's order, keyed as the batch groups it.
  auto check_groups = [](const auto& batch, const std::vector<std::string>& ids, auto key_of, auto single) {
    std::size_t seen = 0;
    for (const std::string& id : ids) {
      const auto one = single(id);
      std::vector<std::decay_t<decltype(one[0])>> group;
      for (const auto& row : batch) {
        if (key_of(row) == id) group.push_back(row);
      }
      INFO(id);
      REQUIRE(group.size() == one.size());
      for (std::size_t i = 0; i < one.size(); ++i) CheckSame(group[i], one[i]);
      seen += group.size();
    }
    CHECK(seen == batch.size());
  };
  const std::vector<std::string> cases = {"C-2", "C-404", "C-3", "C-1", "C-4"};
  const auto deadlines = Value(r->ListedDeadlinesOf(cases));
  CHECK(deadlines.size() == 8);
  check_groups(deadlines, cases, [](const DeadlineRow& d) { return d.case_id; },
               [&](const std::string& id) { return Value(r->ListedDeadlines(id)); });
  const auto texts = Value(r->TextsOfCases(cases));
  CHECK(texts.size() == 8);
  check_groups(texts, cases, [](const Text& t) { return t.case_id; },
               [&](const std::string& id) { return Value(r->TextsOfCase(id)); });
  const std::vector<std::string> orders = {"O-2", "O-404", "O-1", "O-3"};
  const auto of_orders = Value(r->CasesOfOrders(orders));
  CHECK(of_orders.size() == 4);
  check_groups(of_orders, orders, [](const CaseRow& c) { return c.order_id; },
               [&](const std::string& id) { return Value(r->CasesOfOrder(id)); });
  const auto order_deadlines = Value(r->ListedOrderDeadlinesOf(orders));
  CHECK(order_deadlines.size() == 2);
  check_groups(order_deadlines, orders, [](const DeadlineRow& d) { return d.order_id; },
               [&](const std::string& id) { return Value(r->ListedOrderDeadlines(id)); });
  CHECK(Value(r->ListedDeadlinesOf({})).empty());
  CHECK(Value(r->TextsOfCases({})).empty());
  CHECK(Value(r->CasesOfOrders({})).empty());
  CHECK(Value(r->ListedOrderDeadlinesOf({})).empty());
  // An id is bound as data, never as SQL or JSON.
  CHECK(Value(r->TextsOfCases({"C-1\"]', \"C-2", "x') OR 1=1 --"})).empty());
}

TEST_CASE("texts round-trip with their visibility", "[db]") {
  StoreFixture f;
  Text internal = MakeText("T-2", "C-1", Visibility::kInternal, kT0 + 5);
  Text buyer = MakeText("T-1", "C-1", Visibility::kBuyer, kT0 + 9);
  Text other = MakeText("T-3", "C-2", Visibility::kBuyer, kT0);
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertText(internal));
    REQUIRE_OK(w->InsertText(buyer));
    REQUIRE_OK(w->InsertText(other));
    CHECK(w->InsertText(other).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  auto texts = Value(r->TextsOfCase("C-1"));
  REQUIRE(texts.size() == 2);
  CheckSame(texts[0], internal);  // by created_at
  CheckSame(texts[1], buyer);
  CheckSame(*Value(r->GetText("T-3")), other);
  CHECK_FALSE(Value(r->GetText("T-404")).has_value());
}

// The lists of one case or order come in their documented order whatever
// order the rows were written in and whatever order an index holds them in.
TEST_CASE("a case's texts and an order's lines and cases come in their order, not the order written", "[db]") {
  StoreFixture f;
  // Neither the line ids (the primary key) nor the skus (an index) are in
  // the lines' order.
  Order order = MakeOrder("O-7", {"L-c", "L-a", "L-b"});
  order.lines[0].sku = "SKU-2";
  order.lines[1].sku = "SKU-3";
  order.lines[2].sku = "SKU-1";
  Text late = MakeText("T-1", "C-7", Visibility::kBuyer, kT0 + 30);
  Text early = MakeText("T-9", "C-7", Visibility::kBuyer, kT0 + 10);
  Text tied = MakeText("T-5", "C-7", Visibility::kBuyer, kT0 + 10);
  CaseRow second = MakeCase("C-7", "O-7");
  CaseRow first = MakeCase("C-8", "O-7");
  first.created_at = second.created_at - 60;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(order));
    REQUIRE_OK(w->InsertCase(second));
    REQUIRE_OK(w->InsertCase(first));
    for (const Text* t : {&late, &early, &tied}) REQUIRE_OK(w->InsertText(*t));
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  auto stored = Value(r->GetOrder("O-7"));
  REQUIRE(stored.has_value());
  REQUIRE(stored->lines.size() == 3);
  CHECK(stored->lines[0].line_id == "L-c");
  CHECK(stored->lines[1].line_id == "L-a");
  CHECK(stored->lines[2].line_id == "L-b");
  auto texts = Value(r->TextsOfCase("C-7"));
  REQUIRE(texts.size() == 3);
  CHECK(texts[0].id == "T-5");  // kT0 + 10, and the smaller id of the two
  CHECK(texts[1].id == "T-9");
  CHECK(texts[2].id == "T-1");
  auto cases = Value(r->CasesOfOrder("O-7"));
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].id == "C-8");
  CHECK(cases[1].id == "C-7");
  // The order's other cases: all but the one named, in the same order.
  auto others = Value(r->OtherCasesOfOrder("O-7", "C-8"));
  REQUIRE(others.size() == 1);
  CheckSame(others[0], second);
  others = Value(r->OtherCasesOfOrder("O-7", "C-7"));
  REQUIRE(others.size() == 1);
  CheckSame(others[0], first);
  others = Value(r->OtherCasesOfOrder("O-7", "C-404"));
  REQUIRE(others.size() == 2);
  CHECK(others[0].id == "C-8");
  CHECK(others[1].id == "C-7");
  CHECK(Value(r->OtherCasesOfOrder("O-404", "C-7")).empty());
}

TEST_CASE("audit: append, head, filtered list and scan in seq order", "[db]") {
  StoreFixture f;
  {
    auto r = f.Read();
    CHECK_FALSE(Value(r->AuditHead()).has_value());
  }
  std::vector<AuditRow> rows = {
      MakeAudit(1, "u-a", "C-1", "submit", "2027-01-15T08:00:00Z"),
      MakeAudit(2, "u-b", "C-2", "submit", "2027-01-15T09:00:00Z"),
      MakeAudit(3, "u-a", "C-1", "approve", "2027-01-16T08:00:00Z"),
      MakeAudit(4, "system", std::nullopt, "clock_advanced", "2027-01-17T08:00:00Z"),
      MakeAudit(5, "u-b", "C-1", "comment", "2027-01-18T08:00:00Z"),
  };
  rows[3].from_state = std::nullopt;
  rows[3].to_state = "closed";
  {
    auto w = f.Write();
    CHECK_FALSE(Value(w->AuditChainHead()).has_value());
    for (const AuditRow& row : rows) {
      REQUIRE_OK(w->AppendAudit(row));
      // The chain's end as the next append must link to it, this
      // transaction's own entries included.
      const std::optional<AuditLink> link = Value(w->AuditChainHead());
      REQUIRE(link.has_value());
      CHECK(link->seq == row.seq);
      CHECK(link->hash == row.hash);
    }
    CHECK(w->AppendAudit(rows[0]).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  {
    auto w = f.Write();
    const std::optional<AuditLink> link = Value(w->AuditChainHead());
    REQUIRE(link.has_value());
    CHECK(link->seq == 5);
    CHECK(link->hash == rows[4].hash);
  }
  auto r = f.Read();
  CheckSame(*Value(r->AuditHead()), rows[4]);

  auto seqs = [&](const AuditFilter& filter) {
    std::vector<std::int64_t> out;
    for (const AuditRow& row : Value(r->ListAudit(filter))) out.push_back(row.seq);
    return out;
  };
  AuditFilter all;
  auto listed = Value(r->ListAudit(all));
  REQUIRE(listed.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) CheckSame(listed[i], rows[i]);

  AuditFilter by_case;
  by_case.case_id = "C-1";
  CHECK(seqs(by_case) == std::vector<std::int64_t>{1, 3, 5});
  AuditFilter by_actor;
  by_actor.actor_id = "u-b";
  CHECK(seqs(by_actor) == std::vector<std::int64_t>{2, 5});
  AuditFilter by_action;
  by_action.action = "submit";
  CHECK(seqs(by_action) == std::vector<std::int64_t>{1, 2});
  AuditFilter by_time;
  by_time.from = "2027-01-15T09:00:00Z";  // inclusive
  by_time.to = "2027-01-17T08:00:00Z";    // inclusive
  CHECK(seqs(by_time) == std::vector<std::int64_t>{2, 3, 4});
  AuditFilter page;
  page.after_seq = 2;
  page.limit = 2;
  CHECK(seqs(page) == std::vector<std::int64_t>{3, 4});
  AuditFilter combined;
  combined.case_id = "C-1";
  combined.actor_id = "u-a";
  combined.after_seq = 1;
  CHECK(seqs(combined) == std::vector<std::int64_t>{3});
  AuditFilter newest;
  newest.newest_first = true;
  CHECK(seqs(newest) == std::vector<std::int64_t>{5, 4, 3, 2, 1});
  newest.limit = 2;
  CHECK(seqs(newest) == std::vector<std::int64_t>{5, 4});
  newest.before_seq = 4;  // the next page: before the last seq shown
  CHECK(seqs(newest) == std::vector<std::int64_t>{3, 2});
  AuditFilter newest_of_case;
  newest_of_case.newest_first = true;
  newest_of_case.case_id = "C-1";
  newest_of_case.before_seq = 5;
  CHECK(seqs(newest_of_case) == std::vector<std::int64_t>{3, 1});
  AuditFilter window;  // both bounds in ascending order too
  window.after_seq = 1;
  window.before_seq = 4;
  CHECK(seqs(window) == std::vector<std::int64_t>{2, 3});

  std::vector<std::int64_t> scanned;
  REQUIRE_OK(r->ScanAudit([&](const AuditRow& row) {
    scanned.push_back(row.seq);
    return true;
  }));
  CHECK(scanned == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  scanned.clear();
  REQUIRE_OK(r->ScanAudit([&](const AuditRow& row) {
    scanned.push_back(row.seq);
    return row.seq < 2;  // stop after the second
  }));
  CHECK(scanned == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("ScanAudit's callback may read through the same transaction", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    for (int i = 1; i <= 3; ++i) REQUIRE_OK(w->AppendAudit(MakeAudit(i, "u-a", "C-1", "x", "2027-01-15T08:00:00Z")));
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  int inner_rows = 0;
  REQUIRE_OK(r->ScanAudit([&](const AuditRow&) {
    // Same statement text nested: must not disturb the outer scan.
    REQUIRE_OK(r->ScanAudit([&](const AuditRow&) {
      ++inner_rows;
      return true;
    }));
    return true;
  }));
  CHECK(inner_rows == 9);
}

// Writes the outbox rows evt-1 (of case C-1) and evt-2 (of no case) and
// CHECKs their ids increase and that a second evt-2 is refused.
void WriteTwoEvents(StoreFixture& f) {
  OutboxRow e;
  e.event_id = "evt-1";
  e.type = "case.created";
  e.case_id = "C-1";
  e.payload = R"({"case_id":"C-1"})";
  e.created_at = kT0;
  std::int64_t first = 0;
  std::int64_t second = 0;
  {
    auto w = f.Write();
    first = Value(w->InsertOutbox(e));
    e.event_id = "evt-2";
    e.case_id = std::nullopt;
    second = Value(w->InsertOutbox(e));
    CHECK(w->InsertOutbox(e).status().code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  CHECK(first > 0);
  CHECK(second > first);
}

TEST_CASE("outbox rows get increasing ids: an event id is unique", "[db]") {
  StoreFixture f;
  WriteTwoEvents(f);
  const auto rows = Value(f.Read()->OutboxAfter(0, 10));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].event_id == "evt-1");
  CHECK(rows[0].type == "case.created");
  CHECK(rows[0].case_id == std::optional<std::string>("C-1"));
  CHECK(rows[0].payload == R"({"case_id":"C-1"})");
  CHECK(rows[1].event_id == "evt-2");
  CHECK(rows[1].type == "case.created");
  CHECK_FALSE(rows[1].case_id.has_value());
  CHECK(rows[1].payload == R"({"case_id":"C-1"})");
}

TEST_CASE("outbox rows in the SQLite file: by id with their columns", "[db][sqlite]") {
  StoreFixture f;
  WriteTwoEvents(f);
  f.Close();
  auto raw = RawConnection(f.path());
  CHECK(QueryTexts(*raw,
                   "SELECT event_id || '|' || type || '|' || COALESCE(case_id, '-') || '|' || payload"
                   " FROM outbox ORDER BY id") ==
        std::vector<std::string>{R"(evt-1|case.created|C-1|{"case_id":"C-1"})",
                                 R"(evt-2|case.created|-|{"case_id":"C-1"})"});
}

TEST_CASE("users and tokens", "[db]") {
  StoreFixture f;
  UserRow agent = MakeUser("u-1", "alice", "agent");
  agent.approval_limit = 20000;
  agent.password_hash = "pbkdf2-sha256$1$00$11";
  UserRow buyer = MakeUser("u-2", "bob", "buyer");
  buyer.external_id = "buyer-O-1";
  buyer.created_at = kT0 - 1;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertUser(agent));
    REQUIRE_OK(w->InsertUser(buyer));
    CHECK(w->InsertUser(MakeUser("u-1", "carol", "agent")).code() == Code::kAlreadyExists);  // id taken
    CHECK(w->InsertUser(MakeUser("u-3", "alice", "agent")).code() == Code::kAlreadyExists);  // name taken
    REQUIRE_OK(w->InsertToken(std::string(64, 'b'), "u-1", kT0));
    CHECK(w->InsertToken(std::string(64, 'b'), "u-2", kT0).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    CheckSame(*Value(r->GetUser("u-1")), agent);
    CheckSame(*Value(r->GetUserByName("bob")), buyer);
    CheckSame(*Value(r->GetUserByTokenHash(std::string(64, 'b'))), agent);
    CHECK_FALSE(Value(r->GetUserByTokenHash(std::string(64, 'c'))).has_value());
    CHECK_FALSE(Value(r->GetUser("u-404")).has_value());
    CHECK_FALSE(Value(r->GetUserByName("nobody")).has_value());
    auto users = Value(r->ListUsers());
    REQUIRE(users.size() == 2);
    CHECK(users[0].id == "u-2");  // created first
    CHECK(users[1].id == "u-1");
  }
  UserRow changed = agent;
  changed.name = "alice2";
  changed.role = Role::kSupervisor;
  changed.approval_limit = std::nullopt;
  changed.disabled = true;
  changed.password_hash = std::nullopt;
  changed.external_id = "x";
  {
    auto w = f.Write();
    REQUIRE_OK(w->UpdateUser(changed));
    UserRow clash = buyer;
    clash.name = "alice2";
    CHECK(w->UpdateUser(clash).code() == Code::kAlreadyExists);
    CHECK(w->UpdateUser(MakeUser("u-404", "zed", "agent")).code() == Code::kNotFound);
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  CheckSame(*Value(r->GetUser("u-1")), changed);
  CheckSame(*Value(r->GetUser("u-2")), buyer);
}

TEST_CASE("policies, settings, idempotency records and sessions", "[db]") {
  StoreFixture f;
  {
    auto r = f.Read();
    CHECK_FALSE(Value(r->LatestPolicy()).has_value());
    CHECK_FALSE(Value(r->LatestPolicyVersion()).has_value());
    CHECK_FALSE(Value(r->GetSetting("clock")).has_value());
  }
  IdempotencyRow idem;
  idem.scope = "u-1 POST /api/v1/cases";
  idem.key = "k-1";
  idem.request_hash = std::string(64, 'd');
  idem.status = 0;
  idem.body = "";
  idem.created_at = kT0;
  SessionRow session;
  session.id_sha256 = std::string(64, 'e');
  session.user_id = "u-1";
  session.csrf_token = "csrf";
  session.created_at = kT0;
  session.expires_at = kT0 + kDay;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertUser(MakeUser("u-1", "alice", "agent")));
    REQUIRE_OK(w->InsertPolicy({1, R"({"v":1})", kT0}));
    REQUIRE_OK(w->InsertPolicy({2, R"({"v":2})", kT0 + 1}));
    CHECK(w->InsertPolicy({2, R"({"v":3})", kT0 + 2}).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->PutSetting("clock", "1"));
    REQUIRE_OK(w->PutSetting("clock", "2"));  // replaces
    REQUIRE_OK(w->PutIdempotency(idem));
    idem.status = 201;
    idem.body = R"({"id":"C-1"})";
    REQUIRE_OK(w->PutIdempotency(idem));  // replaces
    REQUIRE_OK(w->InsertSession(session));
    CHECK(w->InsertSession(session).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    auto latest = Value(r->LatestPolicy());
    CHECK(Value(r->LatestPolicyVersion()) == std::optional<int>(2));
    REQUIRE(latest.has_value());
    CHECK(latest->version == 2);
    CHECK(latest->doc == R"({"v":2})");
    CHECK(latest->created_at == kT0 + 1);
    CHECK(Value(r->GetPolicy(1))->doc == R"({"v":1})");
    CHECK_FALSE(Value(r->GetPolicy(3)).has_value());
    CHECK(Value(r->GetSetting("clock")) == std::optional<std::string>("2"));
    auto got = Value(r->GetIdempotency(idem.scope, idem.key));
    REQUIRE(got.has_value());
    CHECK(got->scope == idem.scope);
    CHECK(got->key == idem.key);
    CHECK(got->request_hash == idem.request_hash);
    CHECK(got->status == 201);
    CHECK(got->body == idem.body);
    CHECK(got->created_at == kT0);
    CHECK_FALSE(Value(r->GetIdempotency(idem.scope, "k-2")).has_value());
    CHECK_FALSE(Value(r->GetIdempotency("other scope", idem.key)).has_value());
    auto s = Value(r->GetSession(session.id_sha256));
    REQUIRE(s.has_value());
    CHECK(s->user_id == "u-1");
    CHECK(s->csrf_token == "csrf");
    CHECK(s->created_at == kT0);
    CHECK(s->expires_at == kT0 + kDay);
  }
  {
    auto w = f.Write();
    REQUIRE_OK(w->DeleteSession(session.id_sha256));
    REQUIRE_OK(w->DeleteSession(session.id_sha256));  // absent: still ok
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  CHECK_FALSE(Value(r->GetSession(session.id_sha256)).has_value());
}

TEST_CASE("CountCasesByState counts per state", "[db]") {
  StoreFixture f;
  auto w = f.Write();
  REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
  const std::vector<State> states = {State::kRequested, State::kRefunding, State::kRequested, State::kClosed,
                                     State::kRequested};
  for (std::size_t i = 0; i < states.size(); ++i) {
    CaseRow c = MakeCase("C-" + std::to_string(i), "O-1");
    c.state = states[i];
    REQUIRE_OK(w->InsertCase(c));
  }
  REQUIRE_OK(w->Commit());
  w.reset();
  auto counts = Value(f.Read()->CountCasesByState());
  using Count = std::pair<State, std::int64_t>;
  // In the order of the stored names, as the metrics list them.
  CHECK(counts == std::vector<Count>{{State::kClosed, 1}, {State::kRefunding, 1}, {State::kRequested, 3}});
}

TEST_CASE("destroying an uncommitted WriteTxn rolls everything back", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
    REQUIRE_OK(w->InsertCase(MakeCase("C-1", "O-1")));
    REQUIRE_OK(w->PutSetting("k", "v"));
    REQUIRE_OK(w->AppendAudit(MakeAudit(1, "u", "C-1", "submit", "2027-01-15T08:00:00Z")));
    // Not visible to others before the commit.
    auto r = f.Read();
    CHECK_FALSE(Value(r->GetOrder("O-1")).has_value());
  }
  auto r = f.Read();
  CHECK_FALSE(Value(r->GetOrder("O-1")).has_value());
  CHECK_FALSE(Value(r->GetCase("C-1")).has_value());
  CHECK_FALSE(Value(r->GetSetting("k")).has_value());
  CHECK_FALSE(Value(r->AuditHead()).has_value());
  r.reset();
  // And the writer is free again.
  auto w = f.Write();
  REQUIRE_OK(w->PutSetting("k", "v2"));
  REQUIRE_OK(w->Commit());
  CHECK(Value(f.Read()->GetSetting("k")) == std::optional<std::string>("v2"));
}

TEST_CASE("a transaction cannot be written or committed after Commit", "[db]") {
  StoreFixture f;
  auto w = f.Write();
  REQUIRE_OK(w->PutSetting("k", "v"));
  REQUIRE_OK(w->Commit());
  CHECK(w->PutSetting("k", "w").code() == Code::kInternal);
  CHECK(w->Commit().code() == Code::kInternal);
  w.reset();
  CHECK(Value(f.Read()->GetSetting("k")) == std::optional<std::string>("v"));
}

// Commits a setting and a case of a missing order; the status of Commit.
Status CommitCaseOfMissingOrder(StoreFixture& f) {
  auto w = f.Write();
  REQUIRE_OK(w->PutSetting("k", "v"));
  REQUIRE_OK(w->InsertCase(MakeCase("C-1", "O-missing")));
  return w->Commit();
}

TEST_CASE("foreign keys are checked at commit, which then writes nothing", "[db]") {
  StoreFixture f;
  Status s = CommitCaseOfMissingOrder(f);
  CHECK(s.code() == Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("foreign key", Catch::CaseSensitive::No));
  auto r = f.Read();
  CHECK_FALSE(Value(r->GetCase("C-1")).has_value());
  CHECK_FALSE(Value(r->GetSetting("k")).has_value());
}

TEST_CASE("a foreign key refused at commit is SQLite's FOREIGN KEY error", "[db][sqlite]") {
  StoreFixture f;
  Status s = CommitCaseOfMissingOrder(f);
  CHECK(s.code() == Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("FOREIGN KEY"));
}

TEST_CASE("a ReadTxn is one snapshot", "[db]") {
  StoreFixture f;
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("n", "1"));
    REQUIRE_OK(w->Commit());
  }
  auto before = f.Read();
  CHECK(Value(before->GetSetting("n")) == std::optional<std::string>("1"));
  {
    auto w = f.Write();  // a ReadTxn never blocks the writer
    REQUIRE_OK(w->PutSetting("n", "2"));
    REQUIRE_OK(w->PutSetting("m", "x"));
    REQUIRE_OK(w->Commit());
  }
  CHECK(Value(before->GetSetting("n")) == std::optional<std::string>("1"));
  CHECK_FALSE(Value(before->GetSetting("m")).has_value());
  auto after = f.Read();
  CHECK(Value(after->GetSetting("n")) == std::optional<std::string>("2"));
  CHECK(Value(after->GetSetting("m")) == std::optional<std::string>("x"));
}

TEST_CASE("readers beyond the kept connections wait for one instead of opening more",
          "[db][sqlite][concurrency]") {
  TempDir dir;
  SqliteStore::Options options;
  options.max_idle_readers = 3;
  options.reader_wait = std::chrono::seconds(120);  // far above any wait here: a reader that waits gets a kept one
  auto store = Value(SqliteStore::Open(dir.File("db.sqlite"), options));
  {
    auto w = Value(store->BeginWrite());
    REQUIRE_OK(w->PutSetting("n", "1"));
    REQUIRE_OK(w->Commit());
  }
  // The three kept connections are held here while eight threads begin
  // reads: each waits. Without the wait each would open a connection of
  // its own, and again on every read while the others hold theirs.
  std::vector<std::unique_ptr<ReadTxn>> held;
  for (int i = 0; i < 3; ++i) held.push_back(Value(store->BeginRead()));
  std::atomic<int> read_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {  // no Catch2 macro off the main thread
      for (int i = 0; i < 10; ++i) {
        Result<std::unique_ptr<ReadTxn>> r = store->BeginRead();
        if (!r.ok()) continue;
        Result<std::optional<std::string>> n = (*r)->GetSetting("n");
        if (n.ok() && *n == std::optional<std::string>("1")) ++read_ok;
        SleepForMillis(1);
      }
    });
  }
  CHECK(WaitUntil([&] { return store->read_stats().waits >= 8; }));
  held.clear();
  for (auto& t : threads) t.join();
  CHECK(read_ok == 80);
  const SqliteStore::ReadStats stats = store->read_stats();
  CHECK(stats.opened == 3);
  CHECK(stats.waits >= 8);
}

TEST_CASE("a thread holding every kept reader still gets one more after the wait, closed when it ends",
          "[db][sqlite]") {
  TempDir dir;
  SqliteStore::Options options;
  options.max_idle_readers = 2;
  options.reader_wait = std::chrono::milliseconds(20);
  auto store = Value(SqliteStore::Open(dir.File("db.sqlite"), options));
  {
    auto first = Value(store->BeginRead());
    auto second = Value(store->BeginRead());
    auto third = Value(store->BeginRead());  // no deadlock: opened after the wait
    CHECK_FALSE(Value(third->GetSetting("n")).has_value());
    CHECK(store->read_stats().opened == 3);
    CHECK(store->read_stats().waits == 1);
  }
  // The two kept ones serve what follows; the third was closed.
  for (int i = 0; i < 3; ++i) {
    auto a = Value(store->BeginRead());
    auto b = Value(store->BeginRead());
  }
  CHECK(store->read_stats().opened == 3);
  CHECK(store->read_stats().waits == 1);
}

TEST_CASE("reopening the file keeps everything", "[db]") {
  StoreFixture f;
  Order order = MakeOrder("O-1", {"b", "a"});
  CaseRow c = MakeCase("C-1", "O-1");
  UserRow u = MakeUser("u-1", "alice", "admin");
  AuditRow a = MakeAudit(1, "u-1", "C-1", "submit", "2027-01-15T08:00:00Z");
  Text t = MakeText("T-1", "C-1", Visibility::kInternal, kT0);
  DeadlineRow d = MakeDeadline("C-1", "merchant_response", kT0 + 48 * kHour);
  {
    auto w = f.Write();
    REQUIRE_OK(w->InsertOrder(order));
    REQUIRE_OK(w->InsertCase(c));
    REQUIRE_OK(w->InsertUser(u));
    REQUIRE_OK(w->InsertToken("tok", "u-1", kT0));
    REQUIRE_OK(w->AppendAudit(a));
    REQUIRE_OK(w->InsertText(t));
    d.id = Value(w->InsertDeadline(d));
    REQUIRE_OK(w->InsertPolicy({1, "{}", kT0}));
    REQUIRE_OK(w->PutSetting("clock", "123"));
    REQUIRE_OK(w->Commit());
  }
  f.Reopen();
  auto r = f.Read();
  CheckSame(*Value(r->GetOrder("O-1")), order);
  CheckSame(*Value(r->GetCase("C-1")), c);
  CheckSame(*Value(r->GetUserByTokenHash("tok")), u);
  CheckSame(*Value(r->AuditHead()), a);
  CheckSame(*Value(r->GetText("T-1")), t);
  auto listed = Value(r->ListedDeadlines("C-1"));
  REQUIRE(listed.size() == 1);
  CheckSame(listed[0], d);
  CHECK(Value(r->LatestPolicy())->version == 1);
  CHECK(Value(r->GetSetting("clock")) == std::optional<std::string>("123"));
}

TEST_CASE("migrations run once and are recorded", "[db][sqlite]") {
  StoreFixture f;  // opened at kT0
  f.Close();
  {
    auto raw = RawConnection(f.path());
    CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM schema_migrations") ==
          static_cast<std::int64_t>(sqlite::Migrations().size()));
    CHECK(QueryInt(*raw, "SELECT MAX(version) FROM schema_migrations") == sqlite::LatestSchemaVersion());
    CHECK(QueryInt(*raw, "SELECT MIN(applied_at) FROM schema_migrations") == kT0);
  }
  f.clock().Advance(kDay);
  f.Reopen();
  f.Reopen();
  f.Close();
  auto raw = RawConnection(f.path());
  CHECK(QueryInt(*raw, "SELECT COUNT(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(sqlite::Migrations().size()));
  CHECK(QueryInt(*raw, "SELECT MAX(applied_at) FROM schema_migrations") == kT0);  // not re-applied
}

TEST_CASE("a database from a newer program is refused", "[db][sqlite]") {
  StoreFixture f;
  f.Close();
  {
    auto raw = Value(sqlite::SqliteConnection::Open(f.path(), sqlite::OpenMode::kReadWrite));
    REQUIRE_OK(raw->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"));
  }
  auto opened = SqliteStore::Open(f.path());
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Code::kUnavailable);
  CHECK_THAT(opened.status().message(), Catch::Contains("999") && Catch::Contains(f.path()));
}

}  // namespace
}  // namespace aftersales::testing

namespace aftersales::testing {
namespace {

TEST_CASE("the store counts storage failures once per failed transaction, never a constraint clash",
          "[db][faults][sqlite]") {
  FailingVfs vfs;  // before the store opens its connections
  StoreFixture f;
  CHECK(f.sqlite().FailureCount() == 0);
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("k", "1"));
    REQUIRE_OK(w->Commit());
  }
  // A uniqueness clash is the caller's error, not the storage's.
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("k", "2"));
    WebhookRow hook;
    hook.id = "wh-1";
    hook.url = "http://127.0.0.1:9/hooks";
    hook.events = {"case.created"};
    hook.secret = "0123456789abcdef";
    hook.created_at = kT0;
    REQUIRE_OK(w->InsertWebhook(hook));
    CHECK(w->InsertWebhook(hook).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  CHECK(f.sqlite().FailureCount() == 0);

  // A write of the disk fails: the transaction fails, counted once.
  vfs.FailAt(FailingVfs::Fault::kWriteIoError, 1);
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("k", "3"));
    CHECK(w->Commit().code() == Code::kUnavailable);
  }
  vfs.Clear();
  CHECK(f.sqlite().FailureCount() == 1);
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("k", "4"));
    REQUIRE_OK(w->Commit());
  }
  CHECK(Value(f.Read()->GetSetting("k")) == std::optional<std::string>("4"));
  CHECK(f.sqlite().FailureCount() == 1);

  // A full disk fails every write until it is cleared: the failed commit
  // counts; the writes refused after it while the store cannot clear the
  // failed commit from its WAL (db/group_commit.h) are not new failures.
  vfs.FailAt(FailingVfs::Fault::kDiskFull, 1);
  for (int i = 0; i < 2; ++i) {
    auto w = f.store().BeginWrite();
    if (!w.ok()) {
      CHECK(w.status().code() == Code::kUnavailable);
      continue;
    }
    Status put = (*w)->PutSetting("k", "full");
    CHECK((put.ok() ? (*w)->Commit() : put).code() == Code::kUnavailable);
  }
  vfs.Clear();
  const std::int64_t after_full = f.sqlite().FailureCount();
  CHECK(after_full == 2);
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutSetting("k", "5"));
    REQUIRE_OK(w->Commit());
  }
  CHECK(f.sqlite().FailureCount() == after_full);
}

}  // namespace
}  // namespace aftersales::testing
