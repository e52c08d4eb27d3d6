// DeadlineScheduler: the engine's supervision of SPEC §5. A background
// thread turns every due deadline into a `system` action through
// DeadlineSweeper::FireDue (the same path, transaction, audit entry and
// version check as a person's action), so each deadline fires exactly once,
// also across restarts: CatchUp() at start-up fires what came due while the
// server was down.
//
// Due deadlines are found by an index range scan and fired in bounded
// batches; between batches the thread yields, so a large backlog never holds
// the store's single writer for long and requests keep being answered.
// Reads time only from the sweeper's Clock. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/cases/deadline_sweeper.h"

namespace aftersales {

class DeadlineScheduler {
 public:
  struct Options {
    int batch = 200;          // deadlines fired per batch
    int poll_millis = 1000;   // how often the clock is looked at when idle
    int pause_millis = 2;     // breathing space between batches of a backlog
  };

  DeadlineScheduler(DeadlineSweeper& sweeper, Options options);
  ~DeadlineScheduler();

  // Fires everything due now, batch after batch, before returning. Returns
  // how many fired. Errors: whatever a firing returned (unavailable, …);
  // the deadlines fired before the error stay fired.
  Result<std::int64_t> CatchUp();
  // Starts the background thread (idempotent).
  void Start();
  // Asks the thread to look at the clock now (for example after a test-clock
  // move).
  void Wake();
  // Stops and joins the thread; a batch in progress finishes first.
  void Stop();
  // Total deadlines fired by this scheduler, and firing errors seen.
  std::int64_t fired() const;
  std::int64_t errors() const;

 private:
  void Run();

  DeadlineSweeper& sweeper_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::int64_t fired_ = 0;
  std::int64_t errors_ = 0;
  std::thread thread_;
};

}  // namespace aftersales
