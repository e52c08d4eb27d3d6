// The store side of the case reports: PutCaseFacts (upsert, lines replaced,
// approved_at kept once set, nothing half-written), ClearCaseFacts,
// breached_at on deadlines, and the report queries over hand-made rows,
// with their period bounds (from inclusive, to exclusive) and query plans.
#include <catch2/catch.hpp>

#include "tests/db/db_test_util.h"

namespace aftersales::testing {
namespace {

CaseFactsRow Facts(const std::string& case_id, TimePoint created_at, const std::string& reason = "quality_issue",
                   const std::string& currency = "CNY") {
  CaseFactsRow r;
  r.case_id = case_id;
  r.type = "return_refund";
  r.reason = reason;
  r.buyer_id = "b1";
  r.currency = currency;
  r.state = "requested";
  r.created_at = created_at;
  r.requested_amount = 1000;
  return r;
}

CaseFactLineRow FactLine(const std::string& case_id, const std::string& line_id, const std::string& sku,
                         std::int64_t qty, Money refunded, TimePoint created_at) {
  return {case_id, line_id, sku, qty, refunded, created_at};
}

TEST_CASE("case facts: upsert, lines replaced, approved_at kept once set", "[db][reports]") {
  StoreFixture f;
  CaseFactsRow row = Facts("C-1", kT0);
  {
    auto w = f.Write();
    REQUIRE_OK(
        w->PutCaseFacts(row, {FactLine("C-1", "L1", "SKU-1", 2, 0, kT0), FactLine("C-1", "L2", "SKU-2", 1, 0, kT0)}));
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    CHECK(Value(r->GetCaseFacts("C-1")) == std::optional<CaseFactsRow>(row));
    CHECK(Value(r->CaseFactLines("C-1")).size() == 2);
    CHECK_FALSE(Value(r->GetCaseFacts("C-2")).has_value());
    CHECK(Value(r->CountCaseFacts()) == 1);
  }

  // Approved: every column that moves replaced, approved_at set; one line fewer.
  CaseFactsRow approved = row;
  approved.state = "refunded";
  approved.agreed_amount = 900;
  approved.approved_at = kT0 + 100;
  approved.refunded_amount = 900;
  approved.refunded_at = kT0 + 200;
  approved.refunds_failed = 2;
  approved.return_shipped_at = kT0 + 10;
  approved.return_delivered_at = kT0 + 20;
  approved.return_received_at = kT0 + 30;
  approved.inspection_result = "pass";
  approved.inspection_grade = "B";
  const std::vector<CaseFactLineRow> one_line = {FactLine("C-1", "L1", "SKU-1", 2, 900, kT0)};
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutCaseFacts(approved, one_line));
    REQUIRE_OK(w->Commit());
  }
  CHECK(Value(f.Read()->GetCaseFacts("C-1")) == std::optional<CaseFactsRow>(approved));
  CHECK(Value(f.Read()->CaseFactLines("C-1")) == one_line);

  // A later put neither moves nor clears approved_at.
  CaseFactsRow later = approved;
  later.state = "closed";
  for (std::optional<TimePoint> other : {std::optional<TimePoint>(kT0 + 999), std::optional<TimePoint>()}) {
    later.approved_at = other;
    auto w = f.Write();
    REQUIRE_OK(w->PutCaseFacts(later, one_line));
    REQUIRE_OK(w->Commit());
    auto stored = Value(f.Read()->GetCaseFacts("C-1"));
    REQUIRE(stored.has_value());
    CHECK(stored->state == "closed");
    CHECK(stored->approved_at == kT0 + 100);
  }

  // The case's identity columns are kept from the first put: a case never
  // changes its type, reason, buyer, currency or creation time.
  {
    CaseFactsRow renamed = later;
    renamed.type = "refund_only";
    renamed.reason = "wrong_item";
    renamed.buyer_id = "b2";
    renamed.currency = "EUR";
    renamed.created_at = kT0 + 5;
    renamed.state = "refunded";
    auto w = f.Write();
    REQUIRE_OK(w->PutCaseFacts(renamed, one_line));
    REQUIRE_OK(w->Commit());
    auto stored = Value(f.Read()->GetCaseFacts("C-1"));
    REQUIRE(stored.has_value());
    CHECK(stored->state == "refunded");
    CHECK(stored->type == row.type);
    CHECK(stored->reason == row.reason);
    CHECK(stored->buyer_id == row.buyer_id);
    CHECK(stored->currency == row.currency);
    CHECK(stored->created_at == row.created_at);
    later.state = "refunded";
  }

  // A put that fails (a line twice) writes nothing of itself; the rest of the
  // transaction stands.
  {
    auto w = f.Write();
    REQUIRE_OK(w->PutCaseFacts(Facts("C-2", kT0), {}));
    CaseFactsRow changed = later;
    changed.state = "refunding";
    const Status twice = w->PutCaseFacts(
        changed, {FactLine("C-1", "L9", "SKU-9", 1, 0, kT0), FactLine("C-1", "L9", "SKU-9", 1, 0, kT0)});
    CHECK(twice.code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  {
    auto r = f.Read();
    CHECK(Value(r->GetCaseFacts("C-1"))->state == "refunded");
    CHECK(Value(r->CaseFactLines("C-1")) == one_line);
    CHECK(Value(r->CountCaseFacts()) == 2);
  }

  // The row alone: its columns move as in a whole put (approved_at and the
  // identity kept), the lines stay; a new case's row is inserted.
  {
    CaseFactsRow row_only = later;
    row_only.state = "closed";
    row_only.refunds_failed = 3;
    row_only.approved_at = kT0 + 999;
    row_only.reason = "wrong_item";
    auto w = f.Write();
    REQUIRE_OK(w->PutCaseFactsRow(row_only));
    REQUIRE_OK(w->PutCaseFactsRow(Facts("C-3", kT0 + 7)));
    REQUIRE_OK(w->Commit());
    auto r = f.Read();
    auto stored = Value(r->GetCaseFacts("C-1"));
    REQUIRE(stored.has_value());
    CHECK(stored->state == "closed");
    CHECK(stored->refunds_failed == 3);
    CHECK(stored->approved_at == kT0 + 100);
    CHECK(stored->reason == row.reason);
    CHECK(Value(r->CaseFactLines("C-1")) == one_line);
    CHECK(Value(r->GetCaseFacts("C-3")) == std::optional<CaseFactsRow>(Facts("C-3", kT0 + 7)));
    CHECK(Value(r->CaseFactLines("C-3")).empty());
    CHECK(Value(r->CountCaseFacts()) == 3);
  }

  auto w = f.Write();
  REQUIRE_OK(w->ClearCaseFacts());
  REQUIRE_OK(w->Commit());
  CHECK(Value(f.Read()->CountCaseFacts()) == 0);
  CHECK(Value(f.Read()->CaseFactLines("C-1")).empty());
}

// Two merchant_response deadlines of one case, started at kT0: one breached
// at +100 (and again at +150), then done at +200; the other done at +50.
void WriteBreachedAndPlainDeadline(StoreFixture& f) {
  DeadlineRow breached;
  DeadlineRow plain;
  auto w = f.Write();
  REQUIRE_OK(w->InsertOrder(MakeOrder("O-1")));
  REQUIRE_OK(w->InsertCase(MakeCase("C-1", "O-1")));
  for (DeadlineRow* d : {&breached, &plain}) {
    d->case_id = "C-1";
    d->kind = DeadlineKind::kMerchantResponse;
    d->started_at = kT0;
    d->due_at = kT0 + 100;
    d->id = Value(w->InsertDeadline(*d));
  }
  REQUIRE_OK(w->SetDeadlineStatus(breached.id, DeadlineStatus::kBreached, kT0 + 100));
  REQUIRE_OK(w->SetDeadlineStatus(breached.id, DeadlineStatus::kBreached, kT0 + 150));  // again: the first time stays
  REQUIRE_OK(w->SetDeadlineStatus(breached.id, DeadlineStatus::kDone, kT0 + 200));
  REQUIRE_OK(w->SetDeadlineStatus(plain.id, DeadlineStatus::kDone, kT0 + 50));
  REQUIRE_OK(w->Commit());
}

TEST_CASE("a deadline's breached_at is set on breach and kept when it is done", "[db][reports]") {
  StoreFixture f;
  WriteBreachedAndPlainDeadline(f);
  // What the reports read of it: one of the two counts as breached, though
  // both are done.
  auto r = f.Read();
  const auto totals = Value(r->DeadlineTotals(std::nullopt, std::nullopt));
  REQUIRE(totals.size() == 1);
  CHECK(totals[0].kind == "merchant_response");
  CHECK(totals[0].started == 2);
  CHECK(totals[0].open == 0);
  CHECK(totals[0].breached == 1);
  CHECK(Value(r->DeadlineSecondsToAct("merchant_response", std::nullopt, std::nullopt)) ==
        std::vector<std::int64_t>{50, 200});
}

TEST_CASE("a deadline's breached_at in the SQLite file: the first breach and closed_at", "[db][reports][sqlite]") {
  StoreFixture f;
  WriteBreachedAndPlainDeadline(f);
  auto conn = RawConnection(f.path());
  CHECK(QueryTexts(*conn, "SELECT status || '|' || COALESCE(breached_at - " + std::to_string(kT0) +
                              ", -1) || '|' || (closed_at - " + std::to_string(kT0) + ") FROM deadlines ORDER BY id") ==
        std::vector<std::string>{"done|100|200", "done|-1|50"});
}

TEST_CASE("report queries: totals, spans, deadlines and sales over a period", "[db][reports]") {
  StoreFixture f;
  const TimePoint from = kT0;
  const TimePoint to = kT0 + 1000;
  {
    auto w = f.Write();
    // In the period: A (CNY, refunded, graded), B (USD, refunded), C (CNY, ungraded fail, refunding).
    CaseFactsRow a = Facts("A", from);  // from is inclusive
    a.agreed_amount = 500;
    a.approved_at = from + 10;
    a.refunded_amount = 500;
    a.refunded_at = from + 70;
    a.refunds_failed = 1;
    a.return_shipped_at = from + 20;
    a.return_delivered_at = from + 30;
    a.return_received_at = from + 45;
    a.inspection_result = "pass";
    a.inspection_grade = "A";
    a.state = "refunded";
    CaseFactsRow b = Facts("B", from + 5, "quality_issue", "USD");
    b.agreed_amount = 700;
    b.approved_at = from + 5;
    b.refunded_amount = 700;
    b.refunded_at = from + 25;
    b.state = "refunded";
    CaseFactsRow c = Facts("C", to - 1, "wrong_item");
    c.type = "exchange";
    c.agreed_amount = 0;  // a replacement: no money
    c.approved_at = to - 1;
    c.return_shipped_at = to - 1;
    c.return_received_at = to - 1 + 40;
    c.inspection_result = "fail";
    c.state = "inspection_failed";
    // Outside: D at `to` (exclusive), E before `from`.
    CaseFactsRow d = Facts("D", to);
    CaseFactsRow e = Facts("E", from - 1);
    REQUIRE_OK(w->PutCaseFacts(
        a, {FactLine("A", "L1", "SKU-1", 2, 300, a.created_at), FactLine("A", "L2", "SKU-2", 1, 200, a.created_at)}));
    REQUIRE_OK(w->PutCaseFacts(b, {FactLine("B", "L1", "SKU-1", 1, 700, b.created_at)}));
    REQUIRE_OK(w->PutCaseFacts(c, {FactLine("C", "L1", "SKU-2", 3, 0, c.created_at)}));
    REQUIRE_OK(w->PutCaseFacts(d, {FactLine("D", "L1", "SKU-1", 9, 0, d.created_at)}));
    REQUIRE_OK(w->PutCaseFacts(e, {FactLine("E", "L1", "SKU-1", 9, 0, e.created_at)}));

    // Orders: two in the period, one at `to`.
    Order o1 = MakeOrder("O-1");  // L1 (SKU-L1) 1 unit, L2 (SKU-L2) 2 units
    o1.placed_at = from;
    Order o2 = MakeOrder("O-2", {"L1"});
    o2.placed_at = to - 1;
    Order o3 = MakeOrder("O-3", {"L1"});
    o3.placed_at = to;
    for (const Order& o : {o1, o2, o3}) REQUIRE_OK(w->InsertOrder(o));

    // Deadlines of one case: a merchant_receipt re-timed once (its due
    // time moved earlier), a breached refund_issue done later, an open
    // breached one, and one started at `to`.
    REQUIRE_OK(w->InsertCase(MakeCase("C-1", "O-1")));
    auto add = [&](const std::string& kind, TimePoint started, TimePoint due) {
      DeadlineRow row;
      row.case_id = "C-1";
      row.kind = *ParseDeadlineKind(kind);
      row.started_at = started;
      row.due_at = due;
      return Value(w->InsertDeadline(row));
    };
    const auto receipt = add("merchant_receipt", from + 100, from + 900);
    REQUIRE_OK(w->SetDeadlineDue(receipt, from + 400));
    CHECK(w->SetDeadlineDue(receipt + 1000, from + 400).code() == Code::kNotFound);
    REQUIRE_OK(w->SetDeadlineStatus(receipt, DeadlineStatus::kDone, from + 300));
    const auto refund_done = add("refund_issue", from + 10, from + 20);
    REQUIRE_OK(w->SetDeadlineStatus(refund_done, DeadlineStatus::kBreached, from + 20));
    REQUIRE_OK(w->SetDeadlineStatus(refund_done, DeadlineStatus::kDone, from + 60));
    const auto refund_open = add("refund_issue", from + 60, from + 70);
    REQUIRE_OK(w->SetDeadlineStatus(refund_open, DeadlineStatus::kBreached, from + 70));
    add("refund_issue", from + 500, from + 900);  // open, unbreached
    add("refund_issue", to, to + 10);             // outside
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();

  // Totals per (reason, currency, grade): A, B and C only.
  const auto totals = Value(r->CaseFactTotals(from, to));
  REQUIRE(totals.size() == 3);
  CHECK(totals[0].reason == "quality_issue");
  CHECK(totals[0].currency == "CNY");
  CHECK(totals[0].inspection_grade == std::optional<std::string>("A"));
  CHECK(totals[0].cases == 1);
  CHECK(totals[0].approved == 1);
  CHECK(totals[0].refunded_cases == 1);
  CHECK(totals[0].refunded_amount == 500);
  CHECK(totals[0].refunds_failed == 1);
  CHECK(totals[0].awaiting_refund == 0);
  CHECK(totals[0].inspected == 1);
  CHECK(totals[0].passed == 1);
  CHECK(totals[0].failed == 0);
  CHECK(totals[1].currency == "USD");
  CHECK(totals[1].refunded_amount == 700);
  CHECK(totals[1].inspected == 0);
  CHECK(totals[2].reason == "wrong_item");
  CHECK_FALSE(totals[2].inspection_grade.has_value());
  CHECK(totals[2].approved == 0);  // agreed 0
  CHECK(totals[2].inspected == 1);
  CHECK(totals[2].failed == 1);
  // All time: D and E (quality_issue, CNY, no grade) make a fourth group.
  const auto all = Value(r->CaseFactTotals(std::nullopt, std::nullopt));
  REQUIRE(all.size() == 4);
  std::int64_t ungraded_quality = 0;
  for (const auto& t : all) {
    if (t.reason == "quality_issue" && t.currency == "CNY" && !t.inspection_grade) ungraded_quality += t.cases;
  }
  CHECK(ungraded_quality == 2);

  // Line totals per (reason, type, sku); money only in the asked currency.
  const auto lines = Value(r->CaseFactLineTotals(from, to, "CNY"));
  REQUIRE(lines.size() == 3);
  CHECK((lines[0].reason == "quality_issue" && lines[0].type == "return_refund" && lines[0].sku == "SKU-1"));
  CHECK(lines[0].cases == 2);  // A and B
  CHECK(lines[0].units == 3);
  CHECK(lines[0].refunded_amount == 300);  // B's 700 is USD
  CHECK(lines[1].sku == "SKU-2");
  CHECK(lines[1].refunded_amount == 200);
  CHECK((lines[2].reason == "wrong_item" && lines[2].type == "exchange" && lines[2].units == 3));
  CHECK(Value(r->CaseFactLineTotals(from, to, "USD"))[0].refunded_amount == 700);

  // Spans, ascending: receipt A 45 − 30 (delivered) = 15, C 40 (shipped, no delivery);
  // approval to refund A 60, B 20.
  CHECK(Value(r->CaseFactSeconds(CaseFactSpan::kReceipt, from, to, std::nullopt)) == std::vector<std::int64_t>{15, 40});
  CHECK(Value(r->CaseFactSeconds(CaseFactSpan::kApprovalToRefund, from, to, std::nullopt)) ==
        std::vector<std::int64_t>{20, 60});
  CHECK(Value(r->CaseFactSeconds(CaseFactSpan::kApprovalToRefund, from, to, std::string("CNY"))) ==
        std::vector<std::int64_t>{60});

  // Deadlines: the re-timed merchant_receipt is one, acted on after 200 s;
  // refund_issue: 3 started in the period, 2 still listed, 2 breached.
  const auto deadlines = Value(r->DeadlineTotals(from, to));
  REQUIRE(deadlines.size() == 2);
  CHECK(deadlines[0].kind == "merchant_receipt");
  CHECK(deadlines[0].started == 1);
  CHECK(deadlines[0].open == 0);
  CHECK(deadlines[0].breached == 0);
  CHECK(deadlines[1].kind == "refund_issue");
  CHECK(deadlines[1].started == 3);
  CHECK(deadlines[1].open == 2);
  CHECK(deadlines[1].breached == 2);
  CHECK(Value(r->DeadlineSecondsToAct("merchant_receipt", from, to)) == std::vector<std::int64_t>{200});
  CHECK(Value(r->DeadlineSecondsToAct("refund_issue", from, to)) == std::vector<std::int64_t>{50});
  CHECK(Value(r->DeadlineTotals(std::nullopt, std::nullopt))[1].started == 4);

  // Sales: O-1 (L1 1, L2 2) and O-2 (L1 1); O-3 at `to` is outside.
  CHECK(Value(r->SoldUnitsBySku(from, to)) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"SKU-L1", 2}, {"SKU-L2", 2}});
  CHECK(Value(r->SoldUnitsBySku(std::nullopt, std::nullopt))[0].second == 3);
}

TEST_CASE("report queries scan the period indexes", "[db][reports][sqlite]") {
  StoreFixture f;
  auto conn = RawConnection(f.path());
  // The `detail` column of the plan of `sql`, its two parameters bound to a period.
  auto plan = [&](const std::string& sql) {
    auto stmt = Value(conn->Prepare("EXPLAIN QUERY PLAN " + sql));
    stmt->BindInt(kT0).BindInt(kT0 + 1000);
    std::string out;
    while (Value(stmt->Step())) out += stmt->ColumnText(3) + "\n";
    return out;
  };
  // The shapes of the report queries in db/sql_reads.cc.
  CHECK_THAT(plan("SELECT reason, currency, inspection_grade, COUNT(*) FROM case_facts"
                  " WHERE created_at >= ? AND created_at < ? GROUP BY reason, currency, inspection_grade"),
             Catch::Contains("USING INDEX case_facts_created"));
  CHECK_THAT(plan("SELECT reason, type, sku, COUNT(DISTINCT case_id), SUM(qty) FROM case_fact_lines"
                  " INDEXED BY case_fact_lines_reason WHERE created_at >= ? AND created_at < ?"
                  " GROUP BY reason, type, sku"),
             Catch::Contains("USING COVERING INDEX case_fact_lines_reason"));
  CHECK_THAT(plan("SELECT kind, COUNT(*), SUM(CASE WHEN breached_at IS NOT NULL THEN 1 ELSE 0 END) FROM deadlines"
                  " WHERE started_at >= ? AND started_at < ? GROUP BY kind"),
             Catch::Contains("USING COVERING INDEX deadlines_started"));
  CHECK_THAT(plan("SELECT closed_at - started_at FROM deadlines WHERE started_at >= ? AND started_at < ?"
                  " AND kind = ? AND status = 'done' AND closed_at IS NOT NULL ORDER BY 1"),
             Catch::Contains("USING COVERING INDEX deadlines_started (kind=? AND started_at>? AND started_at<?)"));
  CHECK_THAT(plan("SELECT l.sku, SUM(l.qty) FROM orders o JOIN order_lines l ON l.order_id = o.id"
                  " WHERE o.placed_at >= ? AND o.placed_at < ? GROUP BY l.sku"),
             Catch::Contains("USING INDEX orders_placed"));
}

}  // namespace
}  // namespace aftersales::testing
