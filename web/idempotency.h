// Idempotent POSTs (SPEC §6.8). A request carrying `Idempotency-Key` is
// scoped to (caller, method, path). Its first outcome is stored with the
// SHA-256 of the raw body and replayed for 24 hours to a request with the
// same key and body; the same key with another body is refused
// (idempotency_key_reused, 422); a key whose first request still runs is
// refused (idempotency_in_progress, 409). 409, 429 and 5xx answers are not
// stored. A successful change stores its record through a TxnHook, inside
// the engine's write transaction, so that record and change commit together.
//
// Keys in flight: a set in memory guards one process, which is all a
// SQLite file allows. When other servers share the store, a request's key is
// also claimed in the database before it runs: an idempotency row with
// status 0 (no answer yet), written in a transaction of its own, which the
// answer's record replaces in the change's own transaction; a request
// whose key another server claimed less than kClaimSeconds ago is refused
// as in progress, whichever server it reaches, and a claim left by a server
// that died runs out after kClaimSeconds. An answer that is not stored
// gives the claim back (the row's created_at set to 0, which reads as
// expired). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "engine/engine_types.h"
#include "engine/store/store.h"

namespace aftersales {

// A response as stored and replayed.
struct StoredResponse {
  int status = 0;
  std::string body;
};

class IdempotencyKeys {
 public:
  static constexpr std::size_t kMaxKeyBytes = 255;
  static constexpr std::int64_t kRetentionSeconds = 24 * kHour;

  // How long a claim in the database (shared stores) holds a key without an
  // answer: longer than any request runs.
  static constexpr std::int64_t kClaimSeconds = 120;

  // `wall_clock` dates the records: replays are a matter of real time.
  // `shared`: other servers share the store (see above).
  IdempotencyKeys(Store& store, const Clock& wall_clock, bool shared = false);

  // A claim on one (scope, key) while its request runs; destroying it lets
  // the key be used again (and replayed, once stored).
  class Claim {
   public:
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim();

    // The stored response to answer with instead of running the request.
    const std::optional<StoredResponse>& replay() const { return replay_; }
    // A hook storing the engine's response under `status` inside its write
    // transaction. Top-level members named in `redact` are left out of the
    // stored body (a `token` is never shown twice).
    TxnHook Hook(int status, std::vector<std::string> redact = {});
    // Stores an outcome in a transaction of its own, unless a hook already
    // stored one or `status` is 409, 429 or 5xx. Errors are ignored: the
    // answer has been decided, and a missing record only costs a rerun.
    void Record(int status, const nlohmann::json& body, const std::vector<std::string>& redact = {});
    // Whether a record was stored (by the hook or by Record).
    bool recorded() const { return stored_; }

   private:
    friend class IdempotencyKeys;
    Claim(IdempotencyKeys& owner, std::string scope, std::string key, std::string request_hash)
        : owner_(owner), scope_(std::move(scope)), key_(std::move(key)), request_hash_(std::move(request_hash)) {}
    IdempotencyRow Row(int status, const nlohmann::json& body, const std::vector<std::string>& redact) const;

    IdempotencyKeys& owner_;
    std::string scope_;
    std::string key_;
    std::string request_hash_;
    std::optional<StoredResponse> replay_;
    bool stored_ = false;
    bool claimed_in_store_ = false;  // shared stores: a status-0 row holds the key
    TimePoint claimed_at_ = 0;       // its created_at: the row is still ours while unchanged
  };

  // Checks `key` and claims (scope, key) for a request with raw `body`.
  // Returns the claim; its replay() is set when a stored response answers
  // the request. Errors: validation_failed (an empty key, or one over 255
  // bytes or with non-ASCII bytes), idempotency_in_progress,
  // idempotency_key_reused, unavailable.
  Result<std::unique_ptr<Claim>> Begin(const std::string& scope, const std::string& key, std::string_view body);

  // The scope of a request: caller id, method and path.
  static std::string Scope(const std::string& caller_id, const std::string& method, const std::string& path);
  // Whether an answer with this status is stored.
  static bool Storable(int status);

 private:
  void Release(const std::string& scope, const std::string& key);
  // Shared stores: claims (scope, key) in the database, or returns the
  // stored record that answers instead, or refuses (in progress, reused).
  // Runs again after a lost race (engine/store/write_retry.h).
  Status ClaimStored(Claim& claim);
  Status ClaimStoredOnce(Claim& claim);
  // Shared stores: gives back a claim that no record replaced.
  void UnclaimStored(const Claim& claim);

  Store& store_;
  const Clock& wall_clock_;
  const bool shared_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> in_flight_;
};

}  // namespace aftersales
