#include <catch2/catch.hpp>

#include <ctime>
#include <string>

#include "domain/clock.h"

namespace aftersales {
namespace {

TEST_CASE("times are served as RFC 3339 UTC to the second", "[time]") {
  CHECK(FormatTime(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatTime(1793491200) == "2026-11-01T00:00:00Z");
  CHECK(FormatTime(951782400) == "2000-02-29T00:00:00Z");
  CHECK(FormatTime(1793491200 + 86399) == "2026-11-01T23:59:59Z");
}

TEST_CASE("any RFC 3339 offset is accepted as input", "[time]") {
  CHECK(ParseTime("2026-11-01T00:00:00Z") == 1793491200);
  CHECK(ParseTime("2026-11-01T08:00:00+08:00") == 1793491200);
  CHECK(ParseTime("2026-10-31T19:00:00-05:00") == 1793491200);
  CHECK(ParseTime("2026-11-01T00:00:00.999Z") == 1793491200);
  CHECK(ParseTime("2024-02-29T12:00:00z") == 1709208000);
  for (const char* bad : {"", "2026-11-01", "2026-11-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                          "2026-11-01T24:00:00Z", "2026-11-01T00:00:00+8:00", "2026-11-01T00:00:00Zjunk",
                          "2026-11-01T00:00:00.Z", "1969-12-31T23:59:59Z"}) {
    INFO(bad);
    CHECK_FALSE(ParseTime(bad).has_value());
  }
}

TEST_CASE("times are formatted as the C library formats them in UTC", "[time]") {
  auto by_libc = [](TimePoint t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf);
  };
  for (TimePoint t = 0; t < kLatestTime; t += 7'654'321) CHECK(FormatTime(t) == by_libc(t));
  for (TimePoint t : {TimePoint{59}, TimePoint{3599}, TimePoint{86'399}, TimePoint{951'868'799}, kLatestTime}) {
    CHECK(FormatTime(t) == by_libc(t));
  }
  CHECK(FormatTime(kLatestTime) == "9999-12-31T23:59:59Z");
  CHECK(FormatTime(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("format and parse round-trip", "[time]") {
  for (TimePoint t = 0; t < 4'000'000'000; t += 86'399 * 97) CHECK(ParseTime(FormatTime(t)) == t);
}

TEST_CASE("the manual clock never moves back", "[time]") {
  ManualClock c(100);
  CHECK(c.Advance(50) == 150);
  CHECK(c.AdvanceTo(120) == 150);
  CHECK(c.AdvanceTo(200) == 200);
}

}  // namespace
}  // namespace aftersales
