#include "engine/audit/checkpoint_scheduler.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

namespace aftersales {

CheckpointScheduler::CheckpointScheduler(Store& store, const Ed25519PrivateKey& key, const CheckpointFolder& folder,
                                         const Clock& clock, Options options)
    : store_(store), key_(key), folder_(folder), clock_(clock), options_(std::move(options)) {}

CheckpointScheduler::~CheckpointScheduler() { Stop(); }

Result<CheckpointPass> CheckpointScheduler::RunOnce() {
  std::lock_guard<std::mutex> pass_lock(pass_mu_);
  const TimePoint now = clock_.Now();
  if (next_due_ && now < *next_due_) return CheckpointPass{};
  next_due_ = now + options_.every_seconds;

  Result<CheckpointPass> pass = Pass(now);
  std::string line;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pass.ok()) {
      ++errors_;
      line = "audit checkpoint failed: " + pass.status().message();
    } else if (pass->checkpoint) {
      ++written_;
      line = "audit checkpoint written: " + pass->path + " (seq " + std::to_string(pass->checkpoint->seq) + ", head " +
             pass->checkpoint->head + ")";
    } else if (!pass->refusal.empty()) {
      ++refused_;
      line = "audit checkpoint REFUSED: " + pass->refusal;
    }
  }
  if (!line.empty()) Log(line);
  return pass;
}

Result<CheckpointPass> CheckpointScheduler::Pass(TimePoint now) {
  CheckpointPass pass;
  pass.due = true;
  std::optional<AuditRow> head;
  {
    Result<std::unique_ptr<ReadTxn>> txn = store_.BeginRead();
    if (!txn.ok()) return txn.status();
    Result<std::optional<AuditRow>> read = (*txn)->AuditHead();
    if (!read.ok()) return read.status();
    head = std::move(*read);
  }
  if (!head) return pass;  // an empty log: nothing to sign yet

  Result<std::vector<StoredCheckpoint>> stored = folder_.List();
  if (!stored.ok()) return stored.status();
  std::vector<AuditCheckpoint> earlier;
  const AuditCheckpoint* newest = nullptr;
  for (const StoredCheckpoint& s : *stored) {
    if (s.checkpoint) earlier.push_back(*s.checkpoint);
  }
  for (const AuditCheckpoint& c : earlier) {
    if (CheckpointSignatureProblem(c, key_.public_key()).empty() && (!newest || c.seq >= newest->seq)) newest = &c;
  }
  if (newest && newest->seq == head->seq && newest->head == head->hash) return pass;  // the head has not moved

  Result<CheckpointAttempt> attempt = MakeAuditCheckpoint(store_, key_, now, earlier);
  if (!attempt.ok()) return attempt.status();
  if (!attempt->checkpoint) {
    pass.refusal = attempt->refusal;
    return pass;
  }
  Result<std::string> path = folder_.Write(*attempt->checkpoint);
  if (!path.ok()) return path.status();
  pass.checkpoint = std::move(attempt->checkpoint);
  pass.path = std::move(*path);
  return pass;
}

void CheckpointScheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void CheckpointScheduler::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  wake_.notify_all();
}

void CheckpointScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::int64_t CheckpointScheduler::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

std::int64_t CheckpointScheduler::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

std::int64_t CheckpointScheduler::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

void CheckpointScheduler::Run() {
  for (;;) {
    RunOnce();  // counts and logs its own outcome
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    // A bounded wait: the clock is only looked at, never waited on.
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_millis), [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
  }
}

void CheckpointScheduler::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "aftersales serve: " << line << "\n";
  }
}

}  // namespace aftersales
