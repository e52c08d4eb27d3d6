// BusinessCalendar: the working calendar of SPEC §13.2, under which a
// deadline with `business_hours: true` counts working time instead of
// wall time. A calendar is an IANA time zone, the working intervals of each
// weekday in local time, holidays (no working time) and extra workdays
// (a date that borrows another weekday's intervals).
//
// Arithmetic: a count of H hours from `start` is due at the earliest t >= start
// with H x 3600 working seconds in [start, t]; outside working time counting
// starts at the next interval, and a count that ends exactly at an interval's
// end is due then. Each local date is placed on the UTC line at the zone's
// offset at that date's local noon (so on a daylight-saving change day every
// interval of the day takes the offset of its afternoon). The count walks day
// by day and skips whole weeks that hold no holiday, extra workday or offset
// change: a 720-hour count costs a few hundred steps, whatever the calendar.
//
// Time zones come from the system's tz database (Debian's `tzdata`), read once
// through Howard Hinnant's date library; beyond the database's last
// transition (2037 in Debian's files) a zone keeps its last offset.
//
// Immutable once parsed; thread-safe to share and to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"

namespace date {
class time_zone;
}

namespace aftersales {

class BusinessCalendar {
 public:
  // Validates the policy's `calendar` object:
  //   {"timezone": "Asia/Shanghai",
  //    "working_hours": {"mon": [["09:00","12:00"],["13:00","18:00"]], …, "sun": []},
  //    "holidays": ["2026-10-01", …], "extra_workdays": [{"date": "2026-10-10", "as": "mon"}]}
  // A weekday left out of working_hours has no working time; holidays and
  // extra_workdays may be left out. Intervals are "HH:MM" pairs, sorted,
  // disjoint (one may end where the next starts), start < end <= "24:00".
  // Errors (validation_failed, the field naming the dotted key under `key`):
  // an unknown key or time zone, a malformed time or date, intervals out of
  // order or overlapping, a date listed twice or both a holiday and an extra
  // workday, an extra workday borrowing a weekday without working time, and
  // a week with no working time at all.
  static Result<BusinessCalendar> Parse(const nlohmann::json& doc, const std::string& key = "calendar");

  // The earliest t >= start with `seconds` working seconds in [start, t];
  // `start` itself for seconds <= 0.
  TimePoint AddWorkingSeconds(TimePoint start, std::int64_t seconds) const;
  TimePoint AddWorkingHours(TimePoint start, std::int64_t hours) const {
    return AddWorkingSeconds(start, hours * kHour);
  }
  // Whether the second [t, t + 1) is working time.
  bool IsWorkingTime(TimePoint t) const;

  const std::string& time_zone_name() const { return zone_name_; }
  // Working seconds in a week without holidays or extra workdays.
  std::int64_t weekly_working_seconds() const { return weekly_seconds_; }

 private:
  // Seconds after local midnight, [first, second).
  using Interval = std::pair<std::int64_t, std::int64_t>;
  using Day = std::int64_t;  // local date: days since 1970-01-01

  BusinessCalendar() = default;

  const std::vector<Interval>& IntervalsOf(Day day) const;
  // The UTC time of `day`'s local midnight, at the offset of its local noon.
  TimePoint MidnightOf(Day day) const;
  // The local date of `t` at the zone's offset at `t`.
  Day LocalDayOf(TimePoint t) const;
  // Whole weeks from `day` on that a count may skip: no holiday or extra
  // workday in them, and the offset of day - 1's noon holds until the noon
  // after them.
  std::int64_t SkippableWeeks(Day day) const;

  const date::time_zone* zone_ = nullptr;  // owned by the tz database, which lives as long as the process
  std::string zone_name_;
  std::array<std::vector<Interval>, 7> week_;  // index 0 = Monday … 6 = Sunday
  std::int64_t weekly_seconds_ = 0;
  std::set<Day> holidays_;
  std::map<Day, int> extra_workdays_;  // date -> the weekday index it borrows
  std::set<Day> special_days_;         // holidays and extra workdays together
};

}  // namespace aftersales
