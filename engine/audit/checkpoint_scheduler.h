// CheckpointScheduler: the background side of signed audit checkpoints
// (engine/audit_checkpoint.h) for `aftersales serve --checkpoint-dir`.
// A thread makes a pass at start and then once every `every_seconds` of
// the injected clock; a pass signs the log into the CheckpointFolder when
// its head (seq and hash) differs from the newest checkpoint there that
// this key signed, and does nothing otherwise, so an idle log gets no new
// files and a restart catches up. Signing itself refuses a broken log and
// a log that no longer extends an earlier checkpoint; a refusal is logged
// and counted, never written, and the next period tries again.
//
// Time: reads only the injected Clock (the wall clock in `serve`: a
// checkpoint's time is a signature time, like a webhook's). The thread
// looks at the clock every `poll_millis` with a bounded wait, or at once
// after Wake(); with a ManualClock, move the clock and call Wake() or
// RunOnce(). Thread-safety: every method may be called from any thread;
// passes never overlap.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/audit/audit_checkpoint.h"
#include "engine/audit/checkpoint_folder.h"
#include "engine/audit/ed25519_key.h"
#include "engine/store/store.h"

namespace aftersales {

// What one pass did.
struct CheckpointPass {
  bool due = false;                           // a period had passed, so the head was looked at
  std::optional<AuditCheckpoint> checkpoint;  // signed and written in this pass
  std::string path;                           // where, then
  std::string refusal;                        // why the moved head was not signed, when it was not
};

class CheckpointScheduler {
 public:
  struct Options {
    std::int64_t every_seconds = 3600;  // between passes
    int poll_millis = 1000;             // how often the thread looks at the clock
    // Receives one line per checkpoint written, refused or failed; empty: stderr.
    std::function<void(const std::string&)> log;
  };

  // Keeps references to everything; they must outlive the scheduler.
  CheckpointScheduler(Store& store, const Ed25519PrivateKey& key, const CheckpointFolder& folder, const Clock& clock,
                      Options options);
  ~CheckpointScheduler();  // Stop()
  CheckpointScheduler(const CheckpointScheduler&) = delete;
  CheckpointScheduler& operator=(const CheckpointScheduler&) = delete;

  // One pass, as the thread makes it: due when no pass was due before or
  // `every_seconds` have passed since the last due one. Errors:
  // unavailable (storage, the folder), internal (OpenSSL); nothing is
  // written then, and the pass counts as made.
  Result<CheckpointPass> RunOnce();
  // Starts the thread (idempotent).
  void Start();
  // Makes the thread look at the clock now.
  void Wake();
  // Stops and joins the thread; a pass in progress finishes first.
  void Stop();

  // Checkpoints written, refusals and errors since construction.
  std::int64_t written() const;
  std::int64_t refused() const;
  std::int64_t errors() const;

 private:
  Result<CheckpointPass> Pass(TimePoint now);
  void Run();
  void Log(const std::string& line) const;

  Store& store_;
  const Ed25519PrivateKey& key_;
  const CheckpointFolder& folder_;
  const Clock& clock_;
  const Options options_;

  std::mutex pass_mu_;  // one pass at a time; guards next_due_
  std::optional<TimePoint> next_due_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::int64_t written_ = 0;
  std::int64_t refused_ = 0;
  std::int64_t errors_ = 0;
  std::thread thread_;
};

}  // namespace aftersales
