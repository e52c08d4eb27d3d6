#include <catch2/catch.hpp>

#include "engine/reports/report_common.h"

namespace aftersales {
namespace {

TEST_CASE("nearest-rank percentiles pick a value of the data", "[reports]") {
  CHECK_FALSE(NearestRank({}, 50).has_value());
  CHECK(*NearestRank({7}, 50) == 7);
  CHECK(*NearestRank({7}, 90) == 7);
  const std::vector<std::int64_t> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(*NearestRank(ten, 50) == 5);   // ceil(5.0) = 5th
  CHECK(*NearestRank(ten, 90) == 9);   // ceil(9.0) = 9th
  CHECK(*NearestRank(ten, 100) == 10);
  const std::vector<std::int64_t> four = {10, 20, 30, 40};
  CHECK(*NearestRank(four, 50) == 20);  // ceil(2.0) = 2nd: the lower median
  CHECK(*NearestRank(four, 90) == 40);  // ceil(3.6) = 4th
}

TEST_CASE("report ranges parse months, times and currencies and name the bad parameter", "[reports]") {
  auto month = ParseReportRange("", "", "", "2026-12");
  REQUIRE(month.ok());
  CHECK(FormatTime(*month->from) == "2026-12-01T00:00:00Z");
  CHECK(FormatTime(*month->to) == "2027-01-01T00:00:00Z");
  CHECK(month->Contains(*month->from));
  CHECK_FALSE(month->Contains(*month->to));
  auto open = ParseReportRange("2026-11-01T08:00:00+08:00", "", "CNY");
  REQUIRE(open.ok());
  CHECK(FormatTime(*open->from) == "2026-11-01T00:00:00Z");
  CHECK_FALSE(open->to.has_value());
  CHECK(*open->currency == "CNY");
  auto field = [](const Result<ReportRange>& r) { return r.status().errors().at(0).field; };
  CHECK(field(ParseReportRange("yesterday", "", "")) == "from");
  CHECK(field(ParseReportRange("2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z", "")) == "to");
  CHECK(field(ParseReportRange("", "", "cny")) == "currency");
  CHECK(field(ParseReportRange("", "", "", "2026-13")) == "period");
  CHECK(field(ParseReportRange("2026-11-01T00:00:00Z", "", "", "2026-11")) == "period");
  CHECK(MonthOf(*month->from) == "2026-12");
}

TEST_CASE("ratios round to four places and CSV quotes what it must", "[reports]") {
  CHECK(Ratio(1, 3).get<double>() == Approx(0.3333));
  CHECK(Ratio(1, 0).is_null());
  nlohmann::json items = nlohmann::json::array(
      {{{"name", "Li, Wei"}, {"n", 3}, {"note", nullptr}}, {{"name", "say \"hi\""}, {"n", -1}, {"note", "=1+1"}}});
  CHECK(ItemsToCsv(items, {"name", "n", "note"}) ==
        "name,n,note\r\n\"Li, Wei\",3,\r\n\"say \"\"hi\"\"\",-1,'=1+1\r\n");
  CHECK(ItemsToCsv(nlohmann::json::array(), {"a"}) == "a\r\n");
  CHECK(ItemsToCsv(nlohmann::json::array({{{"sku", "\t=cmd"}}}), {"sku"}) == "sku\r\n'\t=cmd\r\n");
}

}  // namespace
}  // namespace aftersales
