// FaultInjectingStore: a Store that wraps another and makes one chosen
// write operation fail, to show that a storage failure at any point of an
// engine operation leaves nothing half-applied.
//
// Every mutating WriteTxn method and every Commit counts as one write
// operation, across all transactions, in the order they are called. After
// FailAt(n), the n-th write operation from then on returns
// Status(Code::kUnavailable, "injected fault") without reaching the wrapped
// store; every other call is forwarded. As with a real store, a transaction
// that saw an injected fault is poisoned: its later Commit also fails
// (without reaching the wrapped store), so the wrapped transaction is rolled
// back when destroyed. Reads, BeginRead and BeginWrite are never counted.
//
// Typical use: run an operation once with Clear() to learn W = writes(),
// then for n in 1..W run it again on fresh state with FailAt(n) and check
// that the stored state equals the state before the operation.
//
// Thread-safe: the counter is shared; each transaction belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "engine/store/forwarding_store.h"

namespace aftersales::testing {

class FaultInjectingStore : public Store {
 public:
  explicit FaultInjectingStore(Store& inner) : inner_(inner) {}

  // Arms the fault at the n-th (1-based) write operation from now on and
  // restarts the count. n <= 0 disarms.
  void FailAt(std::int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    writes_ = 0;
    fail_at_ = n;
    fired_ = false;
  }
  // Disarms and restarts the count.
  void Clear() { FailAt(0); }
  // Write operations seen since the last FailAt/Clear, the failed one included.
  std::int64_t writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  // Whether the armed fault has been injected.
  bool fired() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override {
    Result<std::unique_ptr<WriteTxn>> txn = inner_.BeginWrite();
    if (!txn.ok()) return txn.status();
    return std::unique_ptr<WriteTxn>(new Txn(*this, std::move(*txn)));
  }
  Result<std::unique_ptr<ReadTxn>> BeginRead() override { return inner_.BeginRead(); }
  // The inner store's failures and every fault injected.
  std::int64_t FailureCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return inner_.FailureCount() + injected_;
  }

 private:
  // Counts one write operation; true when it is the one to fail.
  bool CountWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    ++writes_;
    if (fail_at_ > 0 && writes_ == fail_at_) {
      fired_ = true;
      ++injected_;
      return true;
    }
    return false;
  }

  // Every write goes through BeforeWrite (ForwardingWriteTxn), which counts
  // it and injects the fault; Commit counts too, and fails once poisoned.
  class Txn final : public ForwardingWriteTxn {
   public:
    Txn(FaultInjectingStore& store, std::unique_ptr<WriteTxn> inner)
        : ForwardingWriteTxn(std::move(inner)), store_(store) {}

    Status Commit() override {
      AS_RETURN_IF_ERROR(BeforeWrite());
      return poisoned_ ? Injected() : inner().Commit();
    }

   protected:
    Status BeforeWrite() override {
      if (!store_.CountWrite()) return Status::Ok();
      poisoned_ = true;
      return Injected();
    }

   private:
    static Status Injected() { return Status(Code::kUnavailable, "injected fault"); }

    FaultInjectingStore& store_;
    bool poisoned_ = false;
  };

  Store& inner_;
  mutable std::mutex mu_;
  std::int64_t writes_ = 0;
  std::int64_t fail_at_ = 0;
  bool fired_ = false;
  std::int64_t injected_ = 0;  // faults injected since construction
};

}  // namespace aftersales::testing
