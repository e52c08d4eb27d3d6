// Time: a point is whole seconds since the Unix epoch, UTC (SPEC §1 serves
// times to the second). The Clock interface is the only way any layer learns
// the current time; the system clock lives in system_clock.cc alone (a CI
// check enforces it), and ManualClock serves tests and `--test-clock`.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aftersales {

using TimePoint = std::int64_t;  // seconds since 1970-01-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;

// The latest time RFC 3339 with a four-digit year can write.
constexpr TimePoint kLatestTime = 253402300799;  // 9999-12-31T23:59:59Z

// "2026-11-27T06:23:46Z".
std::string FormatTime(TimePoint t);
// Any RFC 3339 date-time ("…Z" or "…+08:00", optional fraction, which is
// truncated). nullopt when malformed or out of range.
std::optional<TimePoint> ParseTime(std::string_view s);

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// Wall time. Defined in system_clock.cc, the one file that reads it.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// Wall time with sub-second resolution, for latencies in logs, metrics and
// benchmarks only: never for business time. Defined in system_clock.cc.
double MonotonicSeconds();
// Sleeps the calling thread; defined in system_clock.cc.
void SleepForMillis(int millis);

// A clock that moves only when told to; never backwards. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override { return now_.load(); }
  // Moves to `t` if it is later than now; returns the new time.
  TimePoint AdvanceTo(TimePoint t) {
    TimePoint cur = now_.load();
    while (t > cur && !now_.compare_exchange_weak(cur, t)) {
    }
    return now_.load();
  }
  TimePoint Advance(std::int64_t seconds) { return AdvanceTo(Now() + seconds); }

 private:
  std::atomic<TimePoint> now_;
};

}  // namespace aftersales
