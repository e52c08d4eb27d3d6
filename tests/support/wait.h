// Waiting for an event in tests that run threads or servers, without
// timing thresholds: WaitUntil returns as soon as the event happened, and
// gives up only after kPatienceSeconds, a bound that exists to end a test
// whose code is broken, so far above any normal wait (milliseconds, also
// under sanitizers on a busy two-core machine) that it never fails
// correct code. A test that must tell a prompt answer from a late one
// bounds the time far from both instead (see tests/README.md).
// Thread-safe as the predicate it is given.
#pragma once

#include <functional>

#include "domain/clock.h"

namespace aftersales::testing {

constexpr double kPatienceSeconds = 60.0;

// Polls `done` every `poll_millis` until it holds (true) or `seconds` pass
// (false; `done` is asked once more at the end).
inline bool WaitUntil(const std::function<bool()>& done, double seconds = kPatienceSeconds, int poll_millis = 5) {
  const double until = MonotonicSeconds() + seconds;
  while (MonotonicSeconds() < until) {
    if (done()) return true;
    SleepForMillis(poll_millis);
  }
  return done();
}

}  // namespace aftersales::testing
