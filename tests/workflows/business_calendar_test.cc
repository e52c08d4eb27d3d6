// Business calendars (SPEC §13.2): the worked examples, daylight-saving
// days, the year end, interval edges, validation, and the count checked
// against a second-by-second reading of the same calendar.
#include "workflows/business_calendar.h"

#include <catch2/catch.hpp>
#include <functional>
#include <random>

#include "domain/clock.h"
#include "workflows/calendar_test_util.h"

namespace aftersales {
namespace {

using nlohmann::json;
using testing::At;
using testing::Hours;
using testing::Iv;
using testing::ShanghaiOffice;
using testing::Weekdays;

BusinessCalendar Calendar(const json& doc) {
  auto c = BusinessCalendar::Parse(doc);
  INFO(doc.dump() << " -> " << (c.ok() ? "ok" : c.status().message()));
  REQUIRE(c.ok());
  return *c;
}

std::string Due(const BusinessCalendar& c, const char* start, std::int64_t hours) {
  return FormatTime(c.AddWorkingHours(At(start), hours));
}

std::string FieldOfError(const json& doc) {
  auto c = BusinessCalendar::Parse(doc);
  if (c.ok()) return "(accepted)";
  INFO(c.status().message());
  return c.status().errors().empty() ? "" : c.status().errors().front().field;
}

// The same count read second by second, in steps of a minute: every
// calendar here has minute-aligned intervals and the starts are on a minute.
TimePoint BruteForceDue(const BusinessCalendar& c, TimePoint start, std::int64_t hours) {
  std::int64_t minutes = hours * 60;
  TimePoint t = start;
  while (minutes > 0) {
    if (c.IsWorkingTime(t)) --minutes;
    t += 60;
  }
  return t;
}

TEST_CASE("calendar: SPEC 13.2 example 1, a weekend in the middle", "[calendar]") {
  const BusinessCalendar c = Calendar(ShanghaiOffice());
  // Fri 14:23:46 local: 3:36:14 on Friday, 36 h Monday to Thursday, 8:23:46
  // on Friday 4 December.
  CHECK(Due(c, "2026-11-27T06:23:46Z", 48) == "2026-12-04T09:23:46Z");
}

TEST_CASE("calendar: SPEC 13.2 example 2, Golden Week and a Saturday worked as a Monday", "[calendar]") {
  json doc = ShanghaiOffice();
  doc["holidays"] = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"};
  doc["extra_workdays"] = {{{"date", "2026-10-10"}, {"as", "mon"}}};
  const BusinessCalendar c = Calendar(doc);
  // Wed 20:00 local: counting starts Thu 8 Oct 09:00; 8, 9, 10, 12, 13 Oct
  // give 45 h; 3 h on Wed 14 Oct.
  CHECK(Due(c, "2026-09-30T12:00:00Z", 48) == "2026-10-14T04:00:00Z");
  CHECK(c.IsWorkingTime(At("2026-10-10T01:00:00Z")));        // Sat 10 Oct 09:00, worked
  CHECK_FALSE(c.IsWorkingTime(At("2026-10-05T02:00:00Z")));  // Mon 5 Oct, a holiday
}

TEST_CASE("calendar: a start inside, before, after working hours and in a break", "[calendar]") {
  const BusinessCalendar c =
      Calendar({{"timezone", "Asia/Shanghai"},
                {"working_hours", Weekdays(Hours({Iv("09:00", "12:00"), Iv("13:00", "18:00")}))}});
  // Mon 30 Nov 2026. Inside: 10:00 + 4 h = 10-12 and 13-15.
  CHECK(Due(c, "2026-11-30T02:00:00Z", 4) == "2026-11-30T07:00:00Z");
  // Before: 07:00 -> counting starts at 09:00.
  CHECK(Due(c, "2026-11-29T23:00:00Z", 1) == "2026-11-30T02:00:00Z");
  // After: 19:00 -> Tuesday 09:00 + 1 h.
  CHECK(Due(c, "2026-11-30T11:00:00Z", 1) == "2026-12-01T02:00:00Z");
  // In the lunch break: 12:30 -> 13:00 + 1 h.
  CHECK(Due(c, "2026-11-30T04:30:00Z", 1) == "2026-11-30T06:00:00Z");
  // On a Saturday: Monday.
  CHECK(Due(c, "2026-11-28T04:00:00Z", 2) == "2026-11-30T03:00:00Z");
}

TEST_CASE("calendar: a count ending at an interval's end is due then", "[calendar]") {
  const BusinessCalendar c = Calendar(ShanghaiOffice());
  // Mon 09:00 + 9 h: Monday 18:00, not Tuesday 09:00.
  CHECK(Due(c, "2026-11-30T01:00:00Z", 9) == "2026-11-30T10:00:00Z");
  // Mon 10:00 + 9 h: one hour into Tuesday.
  CHECK(Due(c, "2026-11-30T02:00:00Z", 9) == "2026-12-01T02:00:00Z");
  // Fri 09:00 + 9 h ends on Friday, not after the weekend.
  CHECK(Due(c, "2026-12-04T01:00:00Z", 9) == "2026-12-04T10:00:00Z");
}

TEST_CASE("calendar: an interval may end at 24:00 and the count runs on past midnight", "[calendar]") {
  const BusinessCalendar c =
      Calendar({{"timezone", "Asia/Shanghai"},
                {"working_hours", {{"sat", Hours({Iv("20:00", "24:00")})}, {"sun", Hours({Iv("00:00", "02:00")})}}}});
  // Sat 28 Nov 21:00 local: 3 h to midnight, then 1 h on Sunday.
  CHECK(Due(c, "2026-11-28T13:00:00Z", 4) == "2026-11-28T17:00:00Z");
  // 3 h end at 24:00 exactly: Sunday 00:00 local.
  CHECK(Due(c, "2026-11-28T13:00:00Z", 3) == "2026-11-28T16:00:00Z");
  // 6 h: the rest of the night gives 5 h, the sixth is the next Saturday's first.
  CHECK(Due(c, "2026-11-28T13:00:00Z", 6) == "2026-12-05T13:00:00Z");
}

TEST_CASE("calendar: holidays across the year end", "[calendar]") {
  json doc = ShanghaiOffice();
  doc["holidays"] = {"2026-12-31", "2027-01-01"};
  const BusinessCalendar c = Calendar(doc);
  // Wed 30 Dec 17:00 local: 1 h on Wednesday; Thursday and Friday are
  // holidays, then the weekend; 9 h on Monday 4 January end at 18:00.
  CHECK(Due(c, "2026-12-30T09:00:00Z", 10) == "2027-01-04T10:00:00Z");
  // Without the holidays, the same count ends on Thursday.
  CHECK(Due(Calendar(ShanghaiOffice()), "2026-12-30T09:00:00Z", 10) == "2026-12-31T10:00:00Z");
}

TEST_CASE("calendar: daylight saving in Europe/Berlin", "[calendar][dst]") {
  const BusinessCalendar c =
      Calendar({{"timezone", "Europe/Berlin"}, {"working_hours", Weekdays(Hours({Iv("09:00", "17:00")}))}});
  // Clocks go forward on Sunday 29 March 2026. Fri 27 Mar 15:00 CET (14:00Z)
  // + 8 h: 2 h on Friday, 6 h on Monday, which ends at 15:00 CEST = 13:00Z.
  CHECK(Due(c, "2026-03-27T14:00:00Z", 8) == "2026-03-30T13:00:00Z");
  // Clocks go back on Sunday 25 October 2026. Fri 23 Oct 15:00 CEST (13:00Z)
  // + 8 h: Monday 15:00 CET = 14:00Z.
  CHECK(Due(c, "2026-10-23T13:00:00Z", 8) == "2026-10-26T14:00:00Z");
  // Across several weeks and both changes: the last hour of the year's
  // working weeks sits at 17:00 local whatever the offset.
  CHECK(Due(c, "2026-03-02T08:00:00Z", 40 * 35) == "2026-10-30T16:00:00Z");

  // On the change day itself, the whole day takes the offset of its noon:
  // Sunday 29 March at +02:00 runs from 28 Mar 22:00Z to 29 Mar 22:00Z, a
  // full 24 h although the clock day has 23.
  const BusinessCalendar sunday =
      Calendar({{"timezone", "Europe/Berlin"}, {"working_hours", {{"sun", Hours({Iv("00:00", "24:00")})}}}});
  CHECK(Due(sunday, "2026-03-28T22:00:00Z", 24) == "2026-03-29T22:00:00Z");
  CHECK(sunday.IsWorkingTime(At("2026-03-28T22:30:00Z")));  // Saturday 23:30 on the clock
  const BusinessCalendar weekend =
      Calendar({{"timezone", "Europe/Berlin"},
                {"working_hours", {{"sat", Hours({Iv("00:00", "24:00")})}, {"sun", Hours({Iv("00:00", "24:00")})}}}});
  // Saturday at +01:00 ends at 23:00Z, when Sunday (at +02:00) has already
  // begun: the hour they share counts once, so two days give 47 h and the
  // 48th is the first of the next Saturday (00:00 CEST = 3 Apr 22:00Z).
  CHECK(Due(weekend, "2026-03-27T23:00:00Z", 48) == "2026-04-03T23:00:00Z");
  // Sunday 25 October at +01:00 begins at 24 Oct 23:00Z, an hour after
  // Saturday (+02:00) ended: that hour is no one's working time.
  CHECK(Due(weekend, "2026-10-23T22:00:00Z", 48) == "2026-10-25T23:00:00Z");
  CHECK_FALSE(weekend.IsWorkingTime(At("2026-10-24T22:30:00Z")));
}

TEST_CASE("calendar: long counts skip whole weeks and agree with a second-by-second reading", "[calendar]") {
  json doc = {{"timezone", "Europe/Berlin"},
              {"working_hours", Weekdays(Hours({Iv("08:30", "12:00"), Iv("13:00", "17:30")}))},
              {"holidays", {"2026-04-03", "2026-04-06", "2026-05-01", "2026-12-24", "2026-12-25", "2027-01-01"}},
              {"extra_workdays", {{{"date", "2026-05-02"}, {"as", "fri"}}}}};
  doc["working_hours"]["sat"] = Hours({Iv("23:00", "24:00")});
  doc["working_hours"]["sun"] = Hours({Iv("00:00", "01:00")});
  const BusinessCalendar c = Calendar(doc);
  std::mt19937_64 rng(20261127);
  const TimePoint from = At("2026-01-01T00:00:00Z");
  for (int i = 0; i < 40; ++i) {
    const TimePoint start = from + static_cast<TimePoint>(rng() % (365 * 24 * 60)) * 60;
    const std::int64_t hours = 1 + static_cast<std::int64_t>(rng() % 120);
    INFO("start " << FormatTime(start) << " + " << hours << " h");
    CHECK(c.AddWorkingHours(start, hours) == BruteForceDue(c, start, hours));
  }
  // The longest repair deadline (720 h) over both daylight-saving changes.
  const TimePoint start = At("2026-02-20T10:17:00Z");
  CHECK(c.AddWorkingHours(start, 720) == BruteForceDue(c, start, 720));
}

TEST_CASE("calendar: a calendar with one minute a week counts centuries in a few steps", "[calendar]") {
  const BusinessCalendar c =
      Calendar({{"timezone", "Asia/Shanghai"}, {"working_hours", {{"mon", Hours({Iv("09:00", "09:01")})}}}});
  CHECK(c.weekly_working_seconds() == 60);
  // From Monday 30 Nov 2026 00:00 local, 720 h are 43,200 Mondays: the last
  // minute is 43,199 weeks later, 09:00-09:01 local (+08:00 all along).
  const TimePoint monday = At("2026-11-29T16:00:00Z");
  const TimePoint expected = monday + 43199 * 7 * kDay + 9 * kHour + 60;
  CHECK(c.AddWorkingHours(monday, 720) == expected);
}

TEST_CASE("calendar: zero hours are due at the start, whatever the time", "[calendar]") {
  const BusinessCalendar c = Calendar(ShanghaiOffice());
  CHECK(c.AddWorkingSeconds(At("2026-11-28T04:00:00Z"), 0) == At("2026-11-28T04:00:00Z"));
}

TEST_CASE("calendar: invalid calendars are refused naming the key", "[calendar][validation]") {
  json good = ShanghaiOffice();
  good["holidays"] = {"2026-10-01"};
  good["extra_workdays"] = {{{"date", "2026-10-10"}, {"as", "mon"}}};
  REQUIRE(FieldOfError(good) == "(accepted)");

  auto with = [&](const std::function<void(json&)>& change) {
    json doc = good;
    change(doc);
    return FieldOfError(doc);
  };
  CHECK(FieldOfError(json::array()) == "calendar");
  CHECK(with([](json& d) { d.erase("timezone"); }) == "calendar.timezone");
  CHECK(with([](json& d) { d["timezone"] = "Mars/Olympus_Mons"; }) == "calendar.timezone");
  CHECK(with([](json& d) { d["timezone"] = 8; }) == "calendar.timezone");
  CHECK(with([](json& d) { d["weekends"] = true; }) == "calendar.weekends");
  CHECK(with([](json& d) { d["working_hours"]["monday"] = json::array(); }) == "calendar.working_hours.monday");
  CHECK(with([](json& d) { d["working_hours"]["mon"] = Hours({Iv("9:00", "18:00")}); }) ==
        "calendar.working_hours.mon[0]");
  CHECK(with([](json& d) { d["working_hours"]["mon"] = Hours({Iv("09:00", "24:30")}); }) ==
        "calendar.working_hours.mon[0]");
  CHECK(with([](json& d) { d["working_hours"]["mon"] = Hours({Iv("09:60", "18:00")}); }) ==
        "calendar.working_hours.mon[0]");
  CHECK(with([](json& d) { d["working_hours"]["mon"] = Hours({Iv("18:00", "09:00")}); }) ==
        "calendar.working_hours.mon[0]");
  CHECK(with([](json& d) { d["working_hours"]["mon"] = Hours({Iv("09:00", "09:00")}); }) ==
        "calendar.working_hours.mon[0]");
  CHECK(with([](json& d) {
          d["working_hours"]["tue"] = Hours({Iv("09:00", "12:00"), Iv("11:00", "18:00")});
        }) == "calendar.working_hours.tue[1]");
  CHECK(with([](json& d) {
          d["working_hours"]["tue"] = Hours({Iv("13:00", "18:00"), Iv("09:00", "12:00")});
        }) == "calendar.working_hours.tue[1]");
  CHECK(with([](json& d) { d["working_hours"]["wed"] = json::parse(R"([["09:00"]])"); }) ==
        "calendar.working_hours.wed[0]");
  CHECK(with([](json& d) { d["working_hours"] = json::object(); }) == "calendar.working_hours");
  CHECK(with([](json& d) {
          for (auto& [day, v] : d["working_hours"].items()) v = json::array();
        }) == "calendar.working_hours");
  CHECK(with([](json& d) { d["holidays"] = {"2026-02-30"}; }) == "calendar.holidays[0]");
  CHECK(with([](json& d) { d["holidays"] = {"2026-10-01", "2026-10-01"}; }) == "calendar.holidays[1]");
  CHECK(with([](json& d) { d["holidays"] = "2026-10-01"; }) == "calendar.holidays");
  CHECK(with([](json& d) { d["extra_workdays"][0]["date"] = "2026-10-01"; }) == "calendar.extra_workdays[0].date");
  CHECK(with([](json& d) { d["extra_workdays"][0]["as"] = "sat"; }) == "calendar.extra_workdays[0].as");
  CHECK(with([](json& d) { d["extra_workdays"][0]["as"] = "monday"; }) == "calendar.extra_workdays[0].as");
  CHECK(with([](json& d) { d["extra_workdays"][0].erase("as"); }) == "calendar.extra_workdays[0].as");
  CHECK(with([](json& d) { d["extra_workdays"].push_back(d["extra_workdays"][0]); }) ==
        "calendar.extra_workdays[1].date");
  // A touching pair of intervals is fine, and a day may be left out.
  CHECK(with([](json& d) {
          d["working_hours"]["tue"] = Hours({Iv("09:00", "12:00"), Iv("12:00", "24:00")});
        }) == "(accepted)");
  CHECK(with([](json& d) { d["working_hours"].erase("fri"); }) == "(accepted)");
}

}  // namespace
}  // namespace aftersales
