// The one file that reads the real clock or sleeps (see domain/clock.h).
#include <chrono>
#include <thread>

#include "domain/clock.h"

namespace aftersales {

TimePoint SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SleepForMillis(int millis) { std::this_thread::sleep_for(std::chrono::milliseconds(millis)); }

}  // namespace aftersales
