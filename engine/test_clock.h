// TestClock: the engine's clock under `serve --test-clock` (SPEC §6.9).
//
// A manual clock whose time is stored in the settings table: it starts at
// wall time on the first start, keeps its stored time across restarts, never
// moves back, and moves only through Advance (POST /api/v1/test/clock). Each
// move is one write transaction holding the new time, an audit entry
// `clock_advanced` and every firing of a deadline due at the new time; the
// in-memory time follows once it is committed. A move that fails writes
// nothing, and the same request may be sent again.
//
// Shared: when several servers share the database (PostgreSQL), each
// Now() reads the stored time (one small read), so that a move made through
// any server is seen by all once it is committed, and each move starts from
// the stored time, read in its own write transaction. Alone on its database
// (SQLite), the clock reads memory only.
//
// Thread-safe: Now() is lock-free unless shared; moves are serialized.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "engine/cases/deadline_sweeper.h"
#include "engine/store/store.h"

namespace aftersales {

class TestClock final : public Clock {
 public:
  // The settings key holding the time (decimal seconds since the epoch).
  static constexpr const char* kSettingKey = "test_clock.now";
  // One move is at most this long (about 100 years).
  static constexpr std::int64_t kMaxAdvanceSeconds = 100LL * 366 * kDay;

  // Loads the stored time, or stores `wall_now` when none is stored yet.
  // `shared`: other servers share the store (see above). Errors:
  // unavailable (also for an unreadable stored value).
  static Result<std::unique_ptr<TestClock>> Open(Store& store, TimePoint wall_now, bool shared = false);

  // The stored time (shared: read now; if that read fails, the latest time
  // this server knew).
  TimePoint Now() const override;

  // What a move does in its transaction after storing the time: fire what
  // is due at the new time `to`.
  using WithinMove = std::function<Status(WriteTxn& txn, TimePoint to)>;

  // Moves the clock forward by `seconds` (0 <= seconds <= kMaxAdvanceSeconds)
  // as `actor`, storing the new time and a `clock_advanced` audit entry
  // {from, to, advance_seconds}, then running `within`, in one transaction.
  // Returns the new time. Errors: validation_failed, unavailable, those of
  // `within`; on error nothing is written and the time is unchanged.
  Result<TimePoint> Advance(const Actor& actor, std::int64_t seconds, const WithinMove& within = {});

 private:
  TestClock(Store& store, TimePoint start, bool shared) : store_(store), clock_(start), shared_(shared) {}

  Store& store_;
  mutable ManualClock clock_;  // the latest time known; only ever moves forward
  const bool shared_;
  std::mutex move_mu_;  // one move at a time
};

// POST /test/clock (admin): parses {"advance_seconds": N} (an integer >= 0;
// anything else is refused), advances `clock`, then fires every deadline due
// at the new time (DeadlineSweeper::FireDueIn), all in one transaction.
// Returns {"now", "fired": [{"case_id", "order_id", "kind"}]}. Errors:
// forbidden, malformed_json, validation_failed, unavailable, and a firing's
// error; on error nothing is written.
Result<nlohmann::json> AdvanceTestClock(TestClock& clock, DeadlineSweeper& sweeper, const Actor& actor,
                                        const nlohmann::json& body);

}  // namespace aftersales
