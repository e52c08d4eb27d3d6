// Helpers of the calendar and policy tests: RFC 3339 times and calendar
// documents (SPEC §13.2) spelt out for nlohmann, which reads {{"a", "b"}}
// as an object.
#pragma once

#include <catch2/catch.hpp>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "domain/clock.h"

namespace aftersales::testing {

inline TimePoint At(const char* rfc3339) {
  auto t = ParseTime(rfc3339);
  REQUIRE(t.has_value());
  return *t;
}

// One working interval, ["HH:MM", "HH:MM"], and a day's list of them.
inline nlohmann::json Iv(const char* from, const char* to) { return nlohmann::json::array({from, to}); }
inline nlohmann::json Hours(std::initializer_list<nlohmann::json> intervals) {
  nlohmann::json day = nlohmann::json::array();
  for (const auto& i : intervals) day.push_back(i);
  return day;
}

// The same intervals Monday to Friday.
inline nlohmann::json Weekdays(const nlohmann::json& intervals) {
  return {{"mon", intervals}, {"tue", intervals}, {"wed", intervals}, {"thu", intervals}, {"fri", intervals}};
}

// SPEC §13.2's calendar: Asia/Shanghai, Monday to Friday 09:00-18:00.
inline nlohmann::json ShanghaiOffice() {
  return {{"timezone", "Asia/Shanghai"}, {"working_hours", Weekdays(Hours({Iv("09:00", "18:00")}))}};
}

}  // namespace aftersales::testing
