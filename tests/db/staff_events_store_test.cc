// The staff_events table through the Store interface (docs/reports.md):
// inserts keyed by (seq, user_id, kind), the seq-range listing the
// recompute compares with, the per-period aggregates the reports read, and
// their query plans (the covering index staff_events_kind).
#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

#include "db/db_test_util.h"
#include "db/sql_reads.h"

namespace aftersales::testing {
namespace {

constexpr TimePoint kAt = 1793491200;  // 2026-11-01T00:00:00Z

StaffEventRow Event(std::int64_t seq, TimePoint at, const std::string& user, const std::string& kind,
                    std::int64_t value = 0, std::optional<std::string> currency = std::nullopt) {
  return StaffEventRow{seq, at, user, "cs_1", kind, value, std::move(currency)};
}

TEST_CASE("staff events: inserted, listed by seq range and counted per period", "[db][reports]") {
  StoreFixture f;
  {
    auto w = f.Write();
    for (const StaffEventRow& e :
         {Event(3, kAt, "u_b", "approve"), Event(3, kAt, "u_b", "first_response", 60),
          Event(5, kAt + 10, "u_a", "first_response", 30), Event(7, kAt + 20, "u_a", "refunded", 900, "CNY"),
          Event(8, kAt + 30, "u_a", "refunded", 50, "USD"), Event(9, kAt + 40, "u_a", "first_response", 10)}) {
      REQUIRE_OK(w->InsertStaffEvent(e));
    }
    // One row per (seq, user_id, kind).
    CHECK(w->InsertStaffEvent(Event(3, kAt, "u_b", "approve")).code() == Code::kAlreadyExists);
    REQUIRE_OK(w->Commit());
  }
  auto r = f.Read();
  CHECK(Value(r->LastStaffEventSeq()) == 9);
  const auto all = Value(r->ListStaffEvents(0, std::numeric_limits<std::int64_t>::max()));
  REQUIRE(all.size() == 6);
  CHECK(all[1] == Event(3, kAt, "u_b", "first_response", 60));
  CHECK(all[3].currency == "CNY");
  const auto middle = Value(r->ListStaffEvents(3, 7));  // seq 4..7
  REQUIRE(middle.size() == 2);
  CHECK(middle[0].seq == 5);
  CHECK(middle[1].seq == 7);

  // [kAt + 10, kAt + 40): seq 5, 7, 8.
  const auto counts = Value(r->CountStaffEvents(kAt + 10, kAt + 40, std::nullopt));
  REQUIRE(counts.size() == 2);
  CHECK(counts[0].user_id == "u_a");
  CHECK(counts[0].kind == "first_response");
  CHECK(counts[0].count == 1);
  CHECK(counts[1].kind == "refunded");
  CHECK(counts[1].count == 2);
  CHECK(counts[1].sum == 950);
  const auto cny = Value(r->CountStaffEvents(std::nullopt, std::nullopt, std::string("CNY")));
  REQUIRE(cny.size() == 1);
  CHECK(cny[0].sum == 900);
  CHECK(Value(r->CountStaffEvents(std::nullopt, std::nullopt, std::nullopt)).size() == 4);

  CHECK(Value(r->StaffEventValues("first_response", std::nullopt, std::nullopt)) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"u_a", 10}, {"u_a", 30}, {"u_b", 60}});
  CHECK(Value(r->StaffEventValues("first_response", kAt + 1, std::nullopt)).size() == 2);

  const auto mine = Value(r->StaffEventsOfUser("u_a", std::nullopt, kAt + 30));
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].seq == 5);
  CHECK(mine[1].seq == 7);
}

TEST_CASE("staff events: an empty table has no last seq: no cases have no currency", "[db][reports]") {
  StoreFixture f;
  auto r = f.Read();
  CHECK_FALSE(Value(r->LastStaffEventSeq()).has_value());
  CHECK_FALSE(Value(r->MostCommonCaseCurrency()).has_value());
}

TEST_CASE("staff event aggregates are range scans of the covering index", "[db][reports][sqlite]") {
  StoreFixture f;
  auto conn = RawConnection(f.path());
  auto plan = [&](const std::string& sql, bool with_text) {
    auto stmt = Value(conn->Prepare("EXPLAIN QUERY PLAN " + sql));
    stmt->BindInt(kAt).BindInt(kAt + 1000);
    if (with_text) stmt->BindText("x");
    std::string out;
    while (Value(stmt->Step())) out += stmt->ColumnText(3) + "\n";
    return out;
  };
  // Covering, and read in group order: no sort of the events (only the few
  // result groups are put in user order).
  for (const auto& [sql, text] : {std::pair<const char*, bool>{sql::kCountStaffEventsSql, false},
                                  {sql::kCountStaffEventsInCurrencySql, true}}) {
    const std::string p = plan(sql, text);
    CHECK_THAT(p, Catch::Contains("USING COVERING INDEX staff_events_kind"));
    CHECK_THAT(p, !Catch::Contains("TEMP B-TREE FOR GROUP BY"));
  }
  const std::string values = plan(sql::kStaffEventValuesSql, true);
  CHECK_THAT(values, Catch::Contains("USING COVERING INDEX staff_events_kind"));
  CHECK_THAT(values, !Catch::Contains("TEMP B-TREE"));
}

}  // namespace
}  // namespace aftersales::testing
