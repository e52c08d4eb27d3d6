// The case reports (docs/reports.md: sla, reasons, warehouse, finance) over a
// shop driven through the real engine on a real database (a SQLite file, or
// PostgreSQL), every figure checked against arithmetic done by hand below;
// the case facts that the write path keeps, and the backfill that rebuilds
// them, agree row for row.
#include "engine/reports/case_reports.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "engine/reports/case_facts.h"
#include "engine/engine_harness.h"
#include "engine/test_util.h"

namespace aftersales::testing {
namespace {

using nlohmann::json;

constexpr TimePoint T = kHarnessStart;  // 2026-11-01T00:00:00Z; every order is placed and delivered then
constexpr std::int64_t H = kHour;

json Must(Result<json> r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(*r);
}

json Line(const std::string& line_id, const std::string& sku, std::int64_t qty, std::int64_t paid) {
  return {{"line_id", line_id}, {"sku", sku}, {"title", "Item " + sku}, {"qty", qty}, {"paid", paid}};
}

json OrderJson(const std::string& id, const std::string& buyer, const std::string& currency, TimePoint placed,
               json lines) {
  return {{"id", id},
          {"buyer_id", buyer},
          {"currency", currency},
          {"placed_at", FormatTime(placed)},
          {"delivered_at", FormatTime(placed)},
          {"shipping_paid", 0},
          {"lines", std::move(lines)}};
}

// The shop of these tests. Every decision is a supervisor's (a buyer with
// many cases may be flagged as a risk, and then an agent's approval would
// wait for a supervisor). Times are hours after T:
//
//  case  order (buyer, currency)  type / reason                     lines (SKU qty amount)
//  C1    O1 (b1, CNY)             refund_only / quality_issue       SKU-A 2 1000, SKU-B 1 500; requests 1000
//  C2    O2 (b1, CNY)             return_refund / not_as_described  SKU-A 1 600
//  C3    O5 (b1, CNY)             return_refund / quality_issue     SKU-B 1 800
//  C4    O4 (b1, CNY)             exchange / wrong_item             SKU-C 1 300 (replacement SKU-C2)
//  C5    O3 (b2, USD)             refund_only / quality_issue       SKU-A 1 2000
//  C6    O6 (b1, CNY)             refund_only / damaged_in_transit  SKU-D 1 400
//  C8    O8 (b1, CNY)             return_refund / missing_parts     SKU-E 1 900
//  C7    O7 (b1, CNY)             refund_only / quality_issue       SKU-A 1 700, submitted at 241 h
//  O-old (b1, CNY), placed 2026-10-25, SKU-A 5: sold before the period.
//
//   0  all but C7 submitted (merchant_response MR* started, due 48)
//   1  approve C1 (refunding; refund_issue RI1a), C2, C3, C4 (awaiting_return; buyer_ship BS*), C5 (refunding; RI5)
//   2  refund_failed C1 (RI1a done, RI1b started); offer C8 300 without return (negotiating; buyer_response BR8)
//   3  refund_issued C1 (refunded)          4  refund_issued C5 (refunded)
//   5  ship_return C2 (merchant_receipt MRc2, due 245)    6  ship_return C3 (MRc3)    7  ship_return C4 (MRc4)
//  10  accept_offer C8 (refunding; RI8, due 82)
//  20  carrier_update C2 delivered at 20 (MRc2 re-timed to due 92: a second row, same start)
//  26  receive C3 fail, grade C (inspection_failed; merchant_response MR3b, due 74)
//  28  receive C4 pass, no grade (replacement_pending; replacement_ship RS4, due 76)
//  30  receive C2 pass, grade A (refunding; RI2)          31  refund_issued C2 (refunded)
//  48  MR6 breached and C6 approved by the engine (refunding; RI6, due 120) — swept late, at 50
//  74  MR3b breached (no effect)        76  RS4 breached (no effect)
//  80  reject C3 (rejected: MR3b done, appeal_window AW3); ship_replacement C4 (RS4 done; replacement_confirm RC4)
//  81  cancel C3 (AW3 done)             82  RI8 breached         90  confirm_delivery C4 (exchanged; RC4 done)
// 120  RI6 breached                    241  C7 submitted
class Shop {
 public:
  Shop() {
    auto& cs = h.cases();
    const Actor& integration = h.user("integration");
    const Actor& buyer = h.user("buyer");
    const Actor& sup = h.user("supervisor");
    const Actor& warehouse = h.user("warehouse");
    const Actor& finance = h.user("finance");
    auto create = [&](const json& order) { Must(cs.CreateOrder(integration, order)); };
    create(OrderJson("O1", "b1", "CNY", T, {Line("l1", "SKU-A", 2, 1000), Line("l2", "SKU-B", 1, 500)}));
    create(OrderJson("O2", "b1", "CNY", T, {Line("l1", "SKU-A", 1, 600)}));
    create(OrderJson("O3", "b2", "USD", T, {Line("l1", "SKU-A", 1, 2000)}));
    create(OrderJson("O4", "b1", "CNY", T, {Line("l1", "SKU-C", 1, 300)}));
    create(OrderJson("O5", "b1", "CNY", T, {Line("l1", "SKU-B", 1, 800)}));
    create(OrderJson("O6", "b1", "CNY", T, {Line("l1", "SKU-D", 1, 400)}));
    create(OrderJson("O7", "b1", "CNY", T, {Line("l1", "SKU-A", 1, 700)}));
    create(OrderJson("O8", "b1", "CNY", T, {Line("l1", "SKU-E", 1, 900)}));
    create(OrderJson("O-old", "b1", "CNY", T - 7 * kDay, {Line("l1", "SKU-A", 5, 5000)}));

    auto submit = [&](const std::string& name, const Actor& who, json body) {
      ids[name] = Must(cs.Submit(who, body))["id"].get<std::string>();
    };
    auto one = [](const std::string& order, const std::string& type, const std::string& reason) {
      return json{
          {"order_id", order}, {"type", type}, {"reason", reason}, {"lines", {{{"line_id", "l1"}, {"qty", 1}}}}};
    };
    submit("C1", buyer,
           {{"order_id", "O1"},
            {"type", "refund_only"},
            {"reason", "quality_issue"},
            {"requested_amount", 1000},
            {"lines", {{{"line_id", "l1"}, {"qty", 2}}, {{"line_id", "l2"}, {"qty", 1}}}}});
    submit("C2", buyer, one("O2", "return_refund", "not_as_described"));
    submit("C3", buyer, one("O5", "return_refund", "quality_issue"));
    submit("C4", buyer,
           {{"order_id", "O4"},
            {"type", "exchange"},
            {"reason", "wrong_item"},
            {"lines", {{{"line_id", "l1"}, {"qty", 1}, {"replacement_sku", "SKU-C2"}}}}});
    submit("C5", h.user("buyer2"), one("O3", "refund_only", "quality_issue"));
    submit("C6", buyer, one("O6", "refund_only", "damaged_in_transit"));
    submit("C8", buyer, one("O8", "return_refund", "missing_parts"));

    auto act = [&](const Actor& who, const std::string& name, const std::string& action, json body = json::object()) {
      Must(cs.Apply(who, ids.at(name), action, body));
    };
    At(1);
    for (const char* name : {"C1", "C2", "C3", "C4", "C5"}) act(sup, name, "approve");
    At(2);
    act(finance, "C1", "refund_failed", {{"error", "card expired"}});
    act(sup, "C8", "offer", {{"amount", 300}, {"return_required", false}});
    At(3);
    act(finance, "C1", "refund_issued", {{"external_ref", "PAY-1"}});
    At(4);
    act(finance, "C5", "refund_issued", {{"external_ref", "PAY-5"}});
    At(5);
    act(buyer, "C2", "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF2"}});
    At(6);
    act(buyer, "C3", "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF3"}});
    At(7);
    act(buyer, "C4", "ship_return", {{"carrier", "SF"}, {"tracking_no", "SF4"}});
    At(10);
    act(buyer, "C8", "accept_offer");
    At(20);
    act(warehouse, "C2", "carrier_update",
        {{"shipment", "return"}, {"status", "delivered"}, {"at", FormatTime(T + 20 * H)}});
    At(26);
    act(warehouse, "C3", "receive", {{"result", "fail"}, {"grade", "C"}, {"note", "scratched"}});
    At(28);
    act(warehouse, "C4", "receive", {{"result", "pass"}});
    At(30);
    act(warehouse, "C2", "receive", {{"result", "pass"}, {"grade", "A"}});
    At(31);
    act(finance, "C2", "refund_issued", {{"external_ref", "PAY-2"}});
    At(50);  // MR6 fires as of 48
    At(80);  // MR3b and RS4 breach
    act(sup, "C3", "reject", {{"reason_code", "used_or_damaged_by_buyer"}});
    act(warehouse, "C4", "ship_replacement", {{"carrier", "SF"}, {"tracking_no", "SF4R"}});
    At(81);
    act(buyer, "C3", "cancel");
    At(90);  // RI8 breaches at 82
    act(buyer, "C4", "confirm_delivery");
    At(241);  // RI6 breaches at 120
    submit("C7", buyer, one("O7", "refund_only", "quality_issue"));
  }

  // The period of every case but C7: [T, T + 241 h), C7 submitted at its end.
  static ReportRange Period() {
    ReportRange r;
    r.from = T;
    r.to = T + 241 * H;
    return r;
  }

  // Every case's facts and lines, by case name.
  std::map<std::string, std::pair<CaseFactsRow, std::vector<CaseFactLineRow>>> Facts() {
    auto txn = h.store().BeginRead();
    REQUIRE(txn.ok());
    std::map<std::string, std::pair<CaseFactsRow, std::vector<CaseFactLineRow>>> out;
    for (const auto& [name, id] : ids) {
      auto row = (*txn)->GetCaseFacts(id);
      REQUIRE(row.ok());
      REQUIRE(row->has_value());
      auto lines = (*txn)->CaseFactLines(id);
      REQUIRE(lines.ok());
      out[name] = {**row, *lines};
    }
    return out;
  }

  EngineHarness h;
  std::map<std::string, std::string> ids;

 private:
  void At(std::int64_t hours) { h.Advance(T + hours * H - h.clock().Now()); }
};

json SlaItem(const std::string& kind, std::int64_t count, std::int64_t open, std::int64_t breached, json rate,
             json median, json p90) {
  return {{"deadline", kind},     {"count", count},      {"open", open},
          {"breached", breached}, {"breach_rate", rate}, {"extended", 0},
          {"median_seconds_to_act", median}, {"p90_seconds_to_act", p90}};
}

TEST_CASE("sla: deadlines started in the period, per kind, with breaches and seconds to act", "[reports]") {
  Shop shop;
  CaseReports reports(shop.h.store());
  const json sla = Must(reports.Sla(Shop::Period()));
  // Seconds to act are closed − started of the done deadlines:
  // merchant_response: MR1..MR5 closed at 1 (3600 each), MR8 at 2 (7200),
  //   MR6 48 h (172800; fired as of its due time though swept at 50), MR3b 26→80 (54 h = 194400).
  //   8 deadlines, breached MR6 and MR3b: 2/8 = 0.25. Sorted: 3600 ×5, 7200, 172800, 194400:
  //   median = #ceil(4) = 3600, p90 = #ceil(7.2) = #8 = 194400.
  // buyer_response: BR8 2→10 = 28800.   appeal_window: AW3 80→81 = 3600.
  // buyer_ship: BS2 1→5 = 14400, BS3 1→6 = 18000, BS4 1→7 = 21600: median #2 = 18000, p90 #3 = 21600.
  // merchant_receipt: MRc2 is one deadline in two rows (re-timed at 20); its last row closed at 30:
  //   5→30 = 90000; MRc3 6→26 = 72000; MRc4 7→28 = 75600. Sorted 72000, 75600, 90000: median 75600, p90 90000.
  // refund_issue: RI1a 1→2 = 3600, RI1b 2→3 = 3600, RI5 1→4 = 10800, RI2 30→31 = 3600; RI8 and RI6
  //   breached and still open. 6 started, 2 open, 2 breached: 2/6 = 0.3333. Done sorted 3600 ×3, 10800:
  //   median #2 = 3600, p90 #ceil(3.6) = #4 = 10800.
  // arbitration: none (no values: null).
  // replacement_ship: RS4 28→80 = 52 h = 187200, breached: 1/1.   replacement_confirm: RC4 80→90 = 36000.
  const json expected = {
      {"items",
       {SlaItem("merchant_response", 8, 0, 2, 0.25, 3600, 194400),
        SlaItem("buyer_response", 1, 0, 0, 0.0, 28800, 28800), SlaItem("appeal_window", 1, 0, 0, 0.0, 3600, 3600),
        SlaItem("buyer_ship", 3, 0, 0, 0.0, 18000, 21600), SlaItem("merchant_receipt", 3, 0, 0, 0.0, 75600, 90000),
        SlaItem("refund_issue", 6, 2, 2, 0.3333, 3600, 10800),
        SlaItem("arbitration", 0, 0, 0, nullptr, nullptr, nullptr),
        SlaItem("replacement_ship", 1, 0, 1, 1.0, 187200, 187200),
        SlaItem("replacement_confirm", 1, 0, 0, 0.0, 36000, 36000),
        // The v3 kinds: listed with zeros (SPEC §13.3 reading).
        SlaItem("order_ship", 0, 0, 0, nullptr, nullptr, nullptr),
        SlaItem("compensation_issue", 0, 0, 0, nullptr, nullptr, nullptr),
        SlaItem("repair_complete", 0, 0, 0, nullptr, nullptr, nullptr),
        SlaItem("repaired_ship", 0, 0, 0, nullptr, nullptr, nullptr),
        SlaItem("repaired_confirm", 0, 0, 0, nullptr, nullptr, nullptr)}}};
  CHECK(sla == expected);

  // All time adds C7's merchant_response, started at 241 and still open.
  const json all = Must(reports.Sla(ReportRange{}));
  // 2/9 = 0.2222; seconds to act over the same 8 done deadlines.
  CHECK(all["items"][0] == SlaItem("merchant_response", 9, 1, 2, 0.2222, 3600, 194400));
  // From 241 on: only C7's.
  ReportRange late;
  late.from = T + 241 * H;
  const json after = Must(reports.Sla(late));
  CHECK(after["items"][0] == SlaItem("merchant_response", 1, 1, 0, 0.0, nullptr, nullptr));
  CHECK(after["items"][5] == SlaItem("refund_issue", 0, 0, 0, nullptr, nullptr, nullptr));
}

TEST_CASE("a breach stays known after its state is left, also when the firing itself ends it", "[reports]") {
  Shop shop;
  // The stored rows themselves, read outside the store: the Store interface
  // does not show breached_at.
  auto rows = [&](const std::string& name) {
    std::vector<std::string> out;
    const std::string sql = "SELECT status, breached_at, closed_at FROM deadlines WHERE case_id = " +
                            SqlQuote(shop.ids.at(name)) + " AND kind = 'merchant_response' ORDER BY id";
    for (const auto& columns : shop.h.database().Query(sql)) {
      REQUIRE(columns.size() == 3);
      std::string row;
      for (std::size_t i = 0; i < 3; ++i) {
        row += columns[i].value_or("null");
        row += i < 2 ? "|" : "";
      }
      out.push_back(row);
    }
    return out;
  };
  auto at = [](std::int64_t hours) { return std::to_string(T + hours * H); };
  // C3: MR3 done at 1 without a breach; MR3b breached at 74, done when C3 was rejected at 80.
  CHECK(rows("C3") == std::vector<std::string>{"done|null|" + at(1), "done|" + at(74) + "|" + at(80)});
  // C6: MR6 breached and ended by its own automatic approval, both as of its due time 48 (swept at 50).
  CHECK(rows("C6") == std::vector<std::string>{"done|" + at(48) + "|" + at(48)});
}

TEST_CASE("reasons: the cohort by reason and SKU, money in the currency of most cases", "[reports]") {
  Shop shop;
  CaseReports reports(shop.h.store());
  const json reasons = Must(reports.Reasons(Shop::Period()));
  // Currency: 7 CNY cases (C7 included: all time) against 1 USD → CNY. C5's USD 2000 adds to no money figure.
  // Refunded (CNY): C1 1000 (agreed 1000 of its 1500), C2 600; nothing else was refunded.
  // C1's 1000 over its lines by amount (1000 and 500): SKU-A floor(1000·1000/1500) = 666, SKU-B the rest 334.
  // items, reasons in policy order then SKU:
  //   quality_issue/SKU-A: C1 (2 units) and C5 (1): 2 cases, 3 units, 666 (C5 is USD)
  //   quality_issue/SKU-B: C1 (1) and C3 (1, cancelled): 2 cases, 2 units, 334
  //   not_as_described/SKU-A: C2: 1, 1, 600;  wrong_item/SKU-C: C4;  damaged_in_transit/SKU-D: C6;
  //   missing_parts/SKU-E: C8 (each 1 case, 1 unit, 0)
  const json items = {
      {{"reason", "quality_issue"}, {"sku", "SKU-A"}, {"cases", 2}, {"units", 3}, {"refunded_amount", 666}},
      {{"reason", "quality_issue"}, {"sku", "SKU-B"}, {"cases", 2}, {"units", 2}, {"refunded_amount", 334}},
      {{"reason", "not_as_described"}, {"sku", "SKU-A"}, {"cases", 1}, {"units", 1}, {"refunded_amount", 600}},
      {{"reason", "wrong_item"}, {"sku", "SKU-C"}, {"cases", 1}, {"units", 1}, {"refunded_amount", 0}},
      {{"reason", "damaged_in_transit"}, {"sku", "SKU-D"}, {"cases", 1}, {"units", 1}, {"refunded_amount", 0}},
      {{"reason", "missing_parts"}, {"sku", "SKU-E"}, {"cases", 1}, {"units", 1}, {"refunded_amount", 0}}};
  // by_reason: every reason of the policy; quality_issue C1, C3, C5 = 3 cases, 666 + 334 = 1000.
  auto reason = [](const std::string& r, std::int64_t cases, std::int64_t refunded) {
    return json{{"reason", r}, {"cases", cases}, {"refunded_amount", refunded}};
  };
  const json by_reason = {reason("no_reason", 0, 0),          reason("quality_issue", 3, 1000),
                          reason("not_as_described", 1, 600), reason("wrong_item", 1, 0),
                          reason("damaged_in_transit", 1, 0), reason("missing_parts", 1, 0),
                          reason("not_received", 0, 0),       reason("not_shipped", 0, 0),
                          reason("other", 0, 0)};
  // by_sku: returned units are those of return_refund and exchange cases; sold units those of the
  // orders placed in the period (O-old's 5 SKU-A were sold before it).
  //   SKU-A: cases C1, C5, C2 = 3; units 2 + 1 + 1 = 4; returned C2's 1; sold O1 2 + O2 1 + O3 1 + O7 1 = 5:
  //          1/5 = 0.2; refunded 666 + 600 = 1266
  //   SKU-B: C1, C3: 2 cases, 2 units, returned C3's 1, sold O1 1 + O5 1 = 2: 0.5; refunded 334
  //   SKU-C: C4 (exchange): 1, 1, returned 1, sold 1: 1.0;   SKU-D: C6 (refund_only): returned 0, sold 1: 0.0
  //   SKU-E: C8 (return_refund): returned 1, sold 1: 1.0
  auto sku = [](const std::string& s, std::int64_t cases, std::int64_t units, std::int64_t returned, std::int64_t sold,
                json rate, std::int64_t refunded) {
    return json{{"sku", s},
                {"cases", cases},
                {"units", units},
                {"returned_units", returned},
                {"sold_units", sold},
                {"return_rate", rate},
                {"refunded_amount", refunded}};
  };
  const json by_sku = {sku("SKU-A", 3, 4, 1, 5, 0.2, 1266), sku("SKU-B", 2, 2, 1, 2, 0.5, 334),
                       sku("SKU-C", 1, 1, 1, 1, 1.0, 0), sku("SKU-D", 1, 1, 0, 1, 0.0, 0),
                       sku("SKU-E", 1, 1, 1, 1, 1.0, 0)};
  CHECK(reasons == json{{"currency", "CNY"}, {"items", items}, {"by_reason", by_reason}, {"by_sku", by_sku}});

  SECTION("the SKU figures add up to the reason figures") {
    std::int64_t from_items = 0;
    for (const auto& i : reasons["items"]) from_items += i["refunded_amount"].get<std::int64_t>();
    std::int64_t from_reasons = 0;
    for (const auto& r : reasons["by_reason"]) from_reasons += r["refunded_amount"].get<std::int64_t>();
    CHECK(from_items == 1600);
    CHECK(from_reasons == 1600);
  }
  SECTION("in USD only C5's money counts") {
    ReportRange usd = Shop::Period();
    usd.currency = "USD";
    const json r = Must(reports.Reasons(usd));
    CHECK(r["currency"] == "USD");
    CHECK(r["items"][0] ==
          json{{"reason", "quality_issue"}, {"sku", "SKU-A"}, {"cases", 2}, {"units", 3}, {"refunded_amount", 2000}});
    CHECK(r["by_reason"][1] == reason("quality_issue", 3, 2000));
    CHECK(r["by_reason"][2] == reason("not_as_described", 1, 0));
  }
  SECTION("a case outside the period is not counted; to is exclusive") {
    // All time: C7 (quality_issue, SKU-A 1 unit, nothing refunded) joins; O-old's 5 SKU-A count as sold.
    const json all = Must(reports.Reasons(ReportRange{}));
    CHECK(all["by_reason"][1] == reason("quality_issue", 4, 1000));
    CHECK(all["by_sku"][0] == sku("SKU-A", 4, 5, 1, 10, 0.1, 1266));
    // [241 h, …): C7 alone; no order was placed then.
    ReportRange late;
    late.from = T + 241 * H;
    const json after = Must(reports.Reasons(late));
    CHECK(after["items"] ==
          json{{{"reason", "quality_issue"}, {"sku", "SKU-A"}, {"cases", 1}, {"units", 1}, {"refunded_amount", 0}}});
    CHECK(after["by_sku"] == json{sku("SKU-A", 1, 1, 0, 0, nullptr, 0)});
  }
}

TEST_CASE("warehouse: receipt latency and inspections by grade", "[reports]") {
  Shop shop;
  CaseReports reports(shop.h.store());
  const json warehouse = Must(reports.Warehouse(Shop::Period()));
  // Latency = received − delivered (else shipped): C2 30 − 20 = 10 h = 36000 (delivery reported);
  // C3 26 − 6 = 20 h = 72000; C4 28 − 7 = 21 h = 75600. Median #2 = 72000, p90 #ceil(2.7) = #3 = 75600.
  // Grades: A (C2 pass), C (C3 fail), ungraded (C4 pass).
  // Every order came delivered, so shipped in full when paid (T): 8 orders in the period, none late.
  const json expected = {
      {"shipping",
       {{"orders", 8}, {"shipped", 8}, {"late", 0}, {"late_rate", 0.0}, {"median_seconds_to_ship", 0},
        {"p90_seconds_to_ship", 0}}},
      {"receipt", {{"count", 3}, {"median_seconds", 72000}, {"p90_seconds", 75600}}},
      {"items",
       {{{"grade", "A"}, {"inspected", 1}, {"passed", 1}, {"failed", 0}, {"fail_rate", 0.0}},
        {{"grade", "C"}, {"inspected", 1}, {"passed", 0}, {"failed", 1}, {"fail_rate", 1.0}},
        {{"grade", "ungraded"}, {"inspected", 1}, {"passed", 1}, {"failed", 0}, {"fail_rate", 0.0}}}}};
  CHECK(warehouse == expected);

  ReportRange late;
  late.from = T + 241 * H;
  CHECK(Must(reports.Warehouse(late)) ==
        json{{"shipping",
              {{"orders", 0}, {"shipped", 0}, {"late", 0}, {"late_rate", nullptr}, {"median_seconds_to_ship", nullptr},
               {"p90_seconds_to_ship", nullptr}}},
             {"receipt", {{"count", 0}, {"median_seconds", nullptr}, {"p90_seconds", nullptr}}},
             {"items", json::array()}});
}

TEST_CASE("warehouse: shipping of the orders paid in the period, late ones counted", "[reports]") {
  EngineHarness h;
  auto& cs = h.cases();
  const TimePoint start = h.clock().Now();
  auto unshipped = [&](const std::string& id) {
    json o = OrderJson(id, "b1", "CNY", start, {Line("l1", "SKU-A", 1, 1000)});
    o["delivered_at"] = nullptr;  // ship_by: paid_at + 48 h
    Must(cs.CreateOrder(h.user("integration"), o));
  };
  unshipped("P1");
  unshipped("P2");
  unshipped("P3");
  const json ship = {{"carrier", "SF"}, {"tracking_no", "SF1"}};
  h.Advance(10 * H);
  Must(cs.ShipOrder(h.user("warehouse"), "P1", ship));  // 10 h, on time
  h.Advance(50 * H);                                    // P2, P3 breach at 48 h
  Must(cs.ShipOrder(h.user("warehouse"), "P2", ship));  // 60 h, late
  ReportRange all;
  all.from = start;
  all.to = start + 100 * H;
  // Shipped P1 36000 s, P2 216000 s: median #1 = 36000, p90 #2 = 216000; P3 late and not shipped.
  CHECK(Must(CaseReports(h.store()).Warehouse(all))["shipping"] ==
        json{{"orders", 3}, {"shipped", 2}, {"late", 2}, {"late_rate", 0.6667}, {"median_seconds_to_ship", 36000},
             {"p90_seconds_to_ship", 216000}});
}

TEST_CASE("finance: one item per currency, a refund failure then success, approval to refund", "[reports]") {
  Shop shop;
  CaseReports reports(shop.h.store());
  const json finance = Must(reports.Finance(Shop::Period()));
  // CNY: approved (agreed > 0) C1 1000, C2 600, C3 800, C6 400 (by the engine), C8 300 (offer) = 5;
  //   C4's replacement was agreed at 0: no money. Refunded C1 1000 + C2 600 = 1600 in 2 cases; C1 failed
  //   once; C6 and C8 wait in refunding. Approval to refund: C1 1 → 3 = 7200, C2 1 → 31 = 108000:
  //   median #1 = 7200, p90 #2 = 108000.
  // USD: C5 approved at 1, refunded 2000 at 4: 10800.
  const json expected = {{"items",
                          {{{"currency", "CNY"},
                            {"approved", 5},
                            {"refunds_issued", 2},
                            {"refunded_amount", 1600},
                            {"refunds_failed", 1},
                            {"awaiting_refund", 2},
                            {"median_approval_to_refund_seconds", 7200},
                            {"p90_approval_to_refund_seconds", 108000}},
                           {{"currency", "USD"},
                            {"approved", 1},
                            {"refunds_issued", 1},
                            {"refunded_amount", 2000},
                            {"refunds_failed", 0},
                            {"awaiting_refund", 0},
                            {"median_approval_to_refund_seconds", 10800},
                            {"p90_approval_to_refund_seconds", 10800}}}}};
  CHECK(finance == expected);

  ReportRange usd = Shop::Period();
  usd.currency = "USD";
  CHECK(Must(reports.Finance(usd)) == json{{"items", {expected["items"][1]}}});
  ReportRange late;
  late.from = T + 241 * H;  // C7: not approved
  CHECK(Must(reports.Finance(late))["items"] == json{{{"currency", "CNY"},
                                                      {"approved", 0},
                                                      {"refunds_issued", 0},
                                                      {"refunded_amount", 0},
                                                      {"refunds_failed", 0},
                                                      {"awaiting_refund", 0},
                                                      {"median_approval_to_refund_seconds", nullptr},
                                                      {"p90_approval_to_refund_seconds", nullptr}}});
}

TEST_CASE("the write path keeps each case's facts", "[reports]") {
  Shop shop;
  auto facts = shop.Facts();
  auto at = [](std::int64_t hours) { return std::optional<TimePoint>(T + hours * H); };
  const CaseFactsRow& c1 = facts["C1"].first;
  CHECK(c1.type == "refund_only");
  CHECK(c1.reason == "quality_issue");
  CHECK(c1.buyer_id == "b1");
  CHECK(c1.currency == "CNY");
  CHECK(c1.state == "refunded");
  CHECK(c1.created_at == T);
  CHECK(c1.requested_amount == 1000);
  CHECK(c1.agreed_amount == 1000);
  CHECK(c1.approved_at == at(1));
  CHECK(c1.refunded_amount == 1000);
  CHECK(c1.refunded_at == at(3));
  CHECK(c1.refunds_failed == 1);
  CHECK_FALSE(c1.return_shipped_at);
  CHECK_FALSE(c1.inspection_result);
  CHECK(facts["C1"].second == std::vector<CaseFactLineRow>{{shop.ids["C1"], "l1", "SKU-A", 2, 666, T},
                                                           {shop.ids["C1"], "l2", "SKU-B", 1, 334, T}});
  const CaseFactsRow& c2 = facts["C2"].first;
  CHECK(c2.return_shipped_at == at(5));
  CHECK(c2.return_delivered_at == at(20));
  CHECK(c2.return_received_at == at(30));
  CHECK(c2.inspection_result == std::optional<std::string>("pass"));
  CHECK(c2.inspection_grade == std::optional<std::string>("A"));
  const CaseFactsRow& c3 = facts["C3"].first;
  CHECK(c3.state == "cancelled");
  CHECK(c3.agreed_amount == 800);
  CHECK(c3.approved_at == at(1));
  CHECK(c3.inspection_result == std::optional<std::string>("fail"));
  CHECK(c3.refunded_amount == 0);
  CHECK_FALSE(c3.refunded_at);
  CHECK(facts["C4"].first.agreed_amount == 0);  // a replacement
  CHECK(facts["C4"].first.approved_at == at(1));
  CHECK_FALSE(facts["C4"].first.inspection_grade);
  CHECK(facts["C6"].first.approved_at == at(48));  // the engine's approval, as of the deadline's due time
  CHECK(facts["C8"].first.agreed_amount == 300);
  CHECK(facts["C8"].first.approved_at == at(10));  // the accepted offer
  CHECK_FALSE(facts["C7"].first.agreed_amount);
  CHECK_FALSE(facts["C7"].first.approved_at);
  CHECK(facts["C5"].first.currency == "USD");
}

TEST_CASE("the backfill rebuilds exactly the facts that the write path wrote", "[reports]") {
  Shop shop;
  const auto written = shop.Facts();
  CaseReports reports(shop.h.store());
  const json sla = Must(reports.Sla(Shop::Period()));
  const json reasons = Must(reports.Reasons(Shop::Period()));
  const json warehouse = Must(reports.Warehouse(Shop::Period()));
  const json finance = Must(reports.Finance(Shop::Period()));

  auto missing = CaseFactsMissing(shop.h.store());
  REQUIRE(missing.ok());
  CHECK_FALSE(*missing);
  // An upgraded database: cases, but no facts.
  {
    auto txn = shop.h.store().BeginWrite();
    REQUIRE(txn.ok());
    REQUIRE((*txn)->ClearCaseFacts().ok());
    REQUIRE((*txn)->Commit().ok());
  }
  missing = CaseFactsMissing(shop.h.store());
  REQUIRE(missing.ok());
  CHECK(*missing);

  auto built = BackfillCaseFacts(shop.h.store());
  INFO(built.status().message());
  REQUIRE(built.ok());
  CHECK(*built == 8);
  const auto rebuilt = shop.Facts();
  for (const auto& [name, facts] : written) {
    INFO(name);
    CHECK(rebuilt.at(name).first == facts.first);
    CHECK(rebuilt.at(name).second == facts.second);
  }
  CHECK(Must(reports.Sla(Shop::Period())) == sla);
  CHECK(Must(reports.Reasons(Shop::Period())) == reasons);
  CHECK(Must(reports.Warehouse(Shop::Period())) == warehouse);
  CHECK(Must(reports.Finance(Shop::Period())) == finance);
  // Rebuilding again replaces, and changes nothing.
  REQUIRE(BackfillCaseFacts(shop.h.store()).ok());
  CHECK(shop.Facts() == rebuilt);
}

TEST_CASE("an empty database needs no backfill and reports zeros", "[reports]") {
  EngineHarness h;
  auto missing = CaseFactsMissing(h.store());
  REQUIRE(missing.ok());
  CHECK_FALSE(*missing);
  CaseReports reports(h.store());
  const json reasons = Must(reports.Reasons(ReportRange{}));
  CHECK(reasons["currency"].is_null());
  CHECK(reasons["items"].empty());
  CHECK(reasons["by_reason"].size() == DefaultPolicy().reasons.size());
  CHECK(reasons["by_sku"].empty());
  CHECK(Must(reports.Finance(ReportRange{})) == json{{"items", json::array()}});
  const json sla = Must(reports.Sla(ReportRange{}));
  REQUIRE(sla["items"].size() == kDeadlineKindCount);
  CHECK(sla["items"][8] == SlaItem("replacement_confirm", 0, 0, 0, nullptr, nullptr, nullptr));
  CHECK(sla["items"][13] == SlaItem("repaired_confirm", 0, 0, 0, nullptr, nullptr, nullptr));
}

TEST_CASE("spreading an amount over weights rounds down and gives the rest to the last", "[reports]") {
  CHECK(SpreadByWeight(1000, {1000, 500}) == std::vector<Money>{666, 334});
  CHECK(SpreadByWeight(100, {1, 1, 1}) == std::vector<Money>{33, 33, 34});
  CHECK(SpreadByWeight(7, {0, 0}) == std::vector<Money>{0, 7});  // no weight: all to the last
  CHECK(SpreadByWeight(0, {5, 5}) == std::vector<Money>{0, 0});
  CHECK(SpreadByWeight(5, {}).empty());
  // No overflow at the largest amounts.
  const Money big = 1'000'000'000'000'000;
  CHECK(SpreadByWeight(big, {big, big}) == std::vector<Money>{big / 2, big / 2});
}

}  // namespace
}  // namespace aftersales::testing
