#include "engine/cases/deadline_scheduler.h"

#include <chrono>

namespace aftersales {

DeadlineScheduler::DeadlineScheduler(DeadlineSweeper& sweeper, Options options)
    : sweeper_(sweeper), options_(options) {}

DeadlineScheduler::~DeadlineScheduler() { Stop(); }

Result<std::int64_t> DeadlineScheduler::CatchUp() {
  std::int64_t total = 0;
  for (;;) {
    auto fired = sweeper_.FireDue(options_.batch);
    if (!fired.ok()) return fired.status();
    total += static_cast<std::int64_t>(fired->size());
    {
      std::lock_guard<std::mutex> lock(mu_);
      fired_ += static_cast<std::int64_t>(fired->size());
      if (stopping_) break;
    }
    if (static_cast<int>(fired->size()) < options_.batch) break;
    SleepForMillis(options_.pause_millis);
  }
  return total;
}

void DeadlineScheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void DeadlineScheduler::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  wake_.notify_all();
}

void DeadlineScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::int64_t DeadlineScheduler::fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fired_;
}

std::int64_t DeadlineScheduler::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

void DeadlineScheduler::Run() {
  for (;;) {
    auto result = CatchUp();
    std::unique_lock<std::mutex> lock(mu_);
    if (!result.ok()) ++errors_;  // storage trouble: try again at the next poll
    if (stopping_) return;
    // A bounded wait: the clock is only looked at, never waited on.
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_millis), [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace aftersales
