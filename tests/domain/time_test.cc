#include <catch2/catch.hpp>

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
