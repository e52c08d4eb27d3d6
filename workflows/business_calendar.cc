#include "workflows/business_calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

#include "workflows/policy_json.h"

namespace aftersales {
namespace {

using nlohmann::json;
using policy_json::Object;

constexpr std::array<const char*, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::int64_t kNoon = 12 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
// 1970-01-01 was a Thursday: index 3 from Monday.
constexpr std::int64_t kEpochWeekday = 3;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int WeekdayIndexOf(std::int64_t day) { return static_cast<int>(((day + kEpochWeekday) % 7 + 7) % 7); }

std::optional<int> ParseWeekday(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto s = v.get<std::string>();
  for (std::size_t i = 0; i < kWeekdays.size(); ++i) {
    if (s == kWeekdays[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

bool TwoDigits(const std::string& s, std::size_t at, int* out) {
  if (s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
  *out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

// "HH:MM" from "00:00" to "24:00", as seconds after midnight.
std::optional<std::int64_t> ParseClock(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto s = v.get<std::string>();
  int h = 0;
  int m = 0;
  if (s.size() != 5 || s[2] != ':' || !TwoDigits(s, 0, &h) || !TwoDigits(s, 3, &m)) return std::nullopt;
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * kHour + m * 60;
}

// "YYYY-MM-DD", as days since 1970-01-01.
std::optional<std::int64_t> ParseDate(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto s = v.get<std::string>();
  int y1 = 0;
  int y2 = 0;
  int mo = 0;
  int d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !TwoDigits(s, 0, &y1) || !TwoDigits(s, 2, &y2) ||
      !TwoDigits(s, 5, &mo) || !TwoDigits(s, 8, &d)) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{y1 * 100 + y2}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

}  // namespace

Result<BusinessCalendar> BusinessCalendar::Parse(const json& doc, const std::string& key) {
  BusinessCalendar cal;
  AS_RETURN_IF_ERROR(Object(doc, key, {"timezone", "working_hours"}, {"holidays", "extra_workdays"}));

  const json& tz = doc.at("timezone");
  const std::string tz_key = key + ".timezone";
  if (!tz.is_string() || tz.get<std::string>().empty())
    return Status::Invalid(tz_key, "must be an IANA time zone name");
  cal.zone_name_ = tz.get<std::string>();
  try {
    cal.zone_ = date::locate_zone(cal.zone_name_);
  } catch (const std::exception& e) {
    // Either the name is unknown or the system has no tz database (Debian's
    // tzdata package); the library's message tells which.
    return Status::Invalid(tz_key,
                           "not a time zone of the system's tz database ('" + cal.zone_name_ + "'): " + e.what());
  }

  const std::string wh_key = key + ".working_hours";
  const json& wh = doc.at("working_hours");
  AS_RETURN_IF_ERROR(Object(wh, wh_key, {}, {kWeekdays.begin(), kWeekdays.end()}));
  for (std::size_t d = 0; d < kWeekdays.size(); ++d) {
    const std::string day_key = wh_key + "." + kWeekdays[d];
    auto it = wh.find(kWeekdays[d]);
    if (it == wh.end()) continue;
    if (!it->is_array()) return Status::Invalid(day_key, "must be an array of [\"HH:MM\", \"HH:MM\"] intervals");
    std::int64_t previous_end = 0;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string iv_key = day_key + "[" + std::to_string(i) + "]";
      const json& iv = (*it)[i];
      if (!iv.is_array() || iv.size() != 2) return Status::Invalid(iv_key, "must be [\"HH:MM\", \"HH:MM\"]");
      const auto from = ParseClock(iv[0]);
      const auto to = ParseClock(iv[1]);
      if (!from || !to) return Status::Invalid(iv_key, "times are \"HH:MM\", from \"00:00\" to \"24:00\"");
      if (*from >= *to) return Status::Invalid(iv_key, "an interval starts before it ends");
      if (*from < previous_end) return Status::Invalid(iv_key, "intervals are sorted and do not overlap");
      previous_end = *to;
      cal.week_[d].emplace_back(*from, *to);
      cal.weekly_seconds_ += *to - *from;
    }
  }
  if (cal.weekly_seconds_ == 0) return Status::Invalid(wh_key, "a calendar needs some working time in its week");

  if (auto it = doc.find("holidays"); it != doc.end()) {
    const std::string h_key = key + ".holidays";
    if (!it->is_array()) return Status::Invalid(h_key, "must be an array of \"YYYY-MM-DD\" dates");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string d_key = h_key + "[" + std::to_string(i) + "]";
      const auto day = ParseDate((*it)[i]);
      if (!day) return Status::Invalid(d_key, "must be a date \"YYYY-MM-DD\"");
      if (!cal.holidays_.insert(*day).second) return Status::Invalid(d_key, "a date listed twice");
    }
  }
  if (auto it = doc.find("extra_workdays"); it != doc.end()) {
    const std::string e_key = key + ".extra_workdays";
    if (!it->is_array()) return Status::Invalid(e_key, "must be an array of {\"date\", \"as\"}");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string d_key = e_key + "[" + std::to_string(i) + "]";
      AS_RETURN_IF_ERROR(Object((*it)[i], d_key, {"date", "as"}, {}));
      const auto day = ParseDate((*it)[i].at("date"));
      if (!day) return Status::Invalid(d_key + ".date", "must be a date \"YYYY-MM-DD\"");
      if (cal.holidays_.count(*day) != 0) {
        return Status::Invalid(d_key + ".date", "a date cannot be both a holiday and an extra workday");
      }
      const auto as = ParseWeekday((*it)[i].at("as"));
      if (!as) return Status::Invalid(d_key + ".as", "must be a weekday: mon, tue, wed, thu, fri, sat or sun");
      if (cal.week_[*as].empty()) {
        return Status::Invalid(d_key + ".as",
                               std::string("borrows the hours of ") + kWeekdays[*as] + ", which has no working time");
      }
      if (!cal.extra_workdays_.emplace(*day, *as).second)
        return Status::Invalid(d_key + ".date", "a date listed twice");
    }
  }
  cal.special_days_ = cal.holidays_;
  for (const auto& [day, as] : cal.extra_workdays_) cal.special_days_.insert(day);
  return cal;
}

const std::vector<BusinessCalendar::Interval>& BusinessCalendar::IntervalsOf(Day day) const {
  static const std::vector<Interval> kNone;
  if (auto it = extra_workdays_.find(day); it != extra_workdays_.end()) return week_[it->second];
  if (holidays_.count(day) != 0) return kNone;
  return week_[WeekdayIndexOf(day)];
}

TimePoint BusinessCalendar::MidnightOf(Day day) const {
  const std::int64_t local_midnight = day * kDay;
  const date::local_info info = zone_->get_info(date::local_seconds(std::chrono::seconds(local_midnight + kNoon)));
  // At noon the local time is unique in every zone; were it not, `first`
  // is the offset in force before the change.
  return local_midnight - info.first.offset.count();
}

BusinessCalendar::Day BusinessCalendar::LocalDayOf(TimePoint t) const {
  const date::sys_info info = zone_->get_info(date::sys_seconds(std::chrono::seconds(t)));
  return FloorDiv(t + info.offset.count(), kDay);
}

std::int64_t BusinessCalendar::SkippableWeeks(Day day) const {
  std::int64_t weeks = std::numeric_limits<std::int64_t>::max();
  if (auto next = special_days_.lower_bound(day); next != special_days_.end()) weeks = (*next - day) / 7;
  // The offset in force at the noon before `day` must hold until the noon
  // after the skipped weeks: then every skipped interval has its full length
  // and none overlaps a neighbour's.
  const TimePoint noon_before = MidnightOf(day - 1) + kNoon;
  const date::sys_info info = zone_->get_info(date::sys_seconds(std::chrono::seconds(noon_before)));
  const std::int64_t end = std::chrono::duration_cast<std::chrono::seconds>(info.end.time_since_epoch()).count();
  const std::int64_t span = end - noon_before - kDay;  // from the noon of `day` to the change
  if (span <= 0) return 0;
  return std::min(weeks, (span - 1) / kWeek);
}

TimePoint BusinessCalendar::AddWorkingSeconds(TimePoint start, std::int64_t seconds) const {
  if (seconds <= 0) return start;
  std::int64_t remaining = seconds;
  TimePoint cursor = start;  // working time before it is never counted
  // From the day before: an interval of yesterday's local date may reach past
  // `start` when the offset changed overnight.
  Day day = LocalDayOf(start) - 1;
  for (bool first = true;; first = false, ++day) {
    TimePoint midnight = MidnightOf(day);
    if (!first && remaining > weekly_seconds_ && cursor <= midnight) {
      const std::int64_t weeks = std::min(SkippableWeeks(day), (remaining - 1) / weekly_seconds_);
      if (weeks > 0) {
        remaining -= weeks * weekly_seconds_;
        day += weeks * 7;
        midnight = MidnightOf(day);
      }
    }
    for (const auto& [from_local, to_local] : IntervalsOf(day)) {
      const TimePoint from = std::max(midnight + from_local, cursor);
      const TimePoint to = midnight + to_local;
      if (from >= to) continue;
      if (remaining <= to - from) return from + remaining;
      remaining -= to - from;
      cursor = to;
    }
  }
}

bool BusinessCalendar::IsWorkingTime(TimePoint t) const {
  const Day today = LocalDayOf(t);
  for (Day day = today - 1; day <= today + 1; ++day) {
    const TimePoint midnight = MidnightOf(day);
    for (const auto& [from, to] : IntervalsOf(day)) {
      if (midnight + from <= t && t < midnight + to) return true;
    }
  }
  return false;
}

}  // namespace aftersales
