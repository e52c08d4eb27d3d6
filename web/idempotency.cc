#include "web/idempotency.h"

#include <utility>

#include "engine/crypto.h"
#include "engine/store/write_retry.h"
#include "web/problem.h"

namespace aftersales {

namespace {

// The status of a claim row: the request runs and has no answer yet.
constexpr int kNoAnswerYet = 0;

}  // namespace

IdempotencyKeys::IdempotencyKeys(Store& store, const Clock& wall_clock, bool shared)
    : store_(store), wall_clock_(wall_clock), shared_(shared) {}

std::string IdempotencyKeys::Scope(const std::string& caller_id, const std::string& method, const std::string& path) {
  return caller_id + " " + method + " " + path;
}

bool IdempotencyKeys::Storable(int status) { return status < 500 && status != 409 && status != 429; }

Result<std::unique_ptr<IdempotencyKeys::Claim>> IdempotencyKeys::Begin(const std::string& scope, const std::string& key,
                                                                       std::string_view body) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return Status::Invalid("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters");
  }
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return Status::Invalid("Idempotency-Key", "Idempotency-Key must be printable ASCII");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!in_flight_.emplace(scope, key).second) {
      return Status(Code::kIdempotencyInProgress, "a request with this Idempotency-Key is still running");
    }
  }
  // From here on the claim releases the key, whatever happens.
  std::unique_ptr<Claim> claim(new Claim(*this, scope, key, Sha256Hex(body)));
  if (shared_) {
    AS_RETURN_IF_ERROR(ClaimStored(*claim));
    return claim;
  }
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto row = (*txn)->GetIdempotency(scope, key);
  if (!row.ok()) return row.status();
  if (*row && (*row)->created_at + kRetentionSeconds > wall_clock_.Now()) {
    if ((*row)->request_hash != claim->request_hash_) {
      return Status(Code::kIdempotencyKeyReused, "this Idempotency-Key was used with a different body");
    }
    claim->replay_ = StoredResponse{(*row)->status, (*row)->body};
  }
  return claim;
}

Status IdempotencyKeys::ClaimStored(Claim& claim) {
  return RetryLostRaces([&] { return ClaimStoredOnce(claim); });
}

Status IdempotencyKeys::ClaimStoredOnce(Claim& claim) {
  AS_ASSIGN_OR_RETURN(auto txn, store_.BeginKeyedWrite());
  AS_RETURN_IF_ERROR(txn->LockIdempotencyKey(claim.scope_, claim.key_).status());
  AS_ASSIGN_OR_RETURN(std::optional<IdempotencyRow> row, txn->GetIdempotency(claim.scope_, claim.key_));
  const TimePoint now = wall_clock_.Now();
  if (row && row->status == kNoAnswerYet && row->created_at + kClaimSeconds > now) {
    return Status(Code::kIdempotencyInProgress, "a request with this Idempotency-Key is still running");
  }
  if (row && row->status != kNoAnswerYet && row->created_at + kRetentionSeconds > now) {
    if (row->request_hash != claim.request_hash_) {
      return Status(Code::kIdempotencyKeyReused, "this Idempotency-Key was used with a different body");
    }
    claim.replay_ = StoredResponse{row->status, row->body};
    return Status::Ok();
  }
  IdempotencyRow claimed;
  claimed.scope = claim.scope_;
  claimed.key = claim.key_;
  claimed.request_hash = claim.request_hash_;
  claimed.status = kNoAnswerYet;
  claimed.created_at = now;
  AS_RETURN_IF_ERROR(txn->PutIdempotency(claimed));
  AS_RETURN_IF_ERROR(txn->Commit());
  claim.claimed_in_store_ = true;
  claim.claimed_at_ = now;
  return Status::Ok();
}

void IdempotencyKeys::UnclaimStored(const Claim& claim) {
  // Most requests end with their record stored: a look first, without the
  // writers' lock. (A hook's record may have been rolled back with its
  // change, so stored_ alone does not tell.)
  {
    auto read = store_.BeginRead();
    if (read.ok()) {
      auto row = (*read)->GetIdempotency(claim.scope_, claim.key_);
      if (row.ok() && (!row->has_value() || (*row)->status != kNoAnswerYet || (*row)->created_at != claim.claimed_at_)) {
        return;
      }
    }
  }
  auto txn = store_.BeginKeyedWrite();
  if (!txn.ok() || !(*txn)->LockIdempotencyKey(claim.scope_, claim.key_).ok()) return;
  auto row = (*txn)->GetIdempotency(claim.scope_, claim.key_);
  // Not ours any more: answered, or taken over after our claim ran out.
  if (!row.ok() || !row->has_value() || (*row)->status != kNoAnswerYet || (*row)->created_at != claim.claimed_at_ ||
      (*row)->request_hash != claim.request_hash_) {
    return;
  }
  IdempotencyRow expired = **row;
  expired.created_at = 0;
  if ((*txn)->PutIdempotency(expired).ok()) (void)(*txn)->Commit();
  // On failure the claim runs out after kClaimSeconds.
}

void IdempotencyKeys::Release(const std::string& scope, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase({scope, key});
}

IdempotencyKeys::Claim::~Claim() {
  if (claimed_in_store_) owner_.UnclaimStored(*this);
  owner_.Release(scope_, key_);
}

IdempotencyRow IdempotencyKeys::Claim::Row(int status, const nlohmann::json& body,
                                           const std::vector<std::string>& redact) const {
  nlohmann::json stored = body;
  if (stored.is_object()) {
    for (const auto& member : redact) stored.erase(member);
  }
  IdempotencyRow row;
  row.scope = scope_;
  row.key = key_;
  row.request_hash = request_hash_;
  row.status = status;
  row.body = WireJson(stored);
  row.created_at = owner_.wall_clock_.Now();
  return row;
}

TxnHook IdempotencyKeys::Claim::Hook(int status, std::vector<std::string> redact) {
  return [this, status, redact = std::move(redact)](WriteTxn& txn, const nlohmann::json& response) -> Status {
    AS_RETURN_IF_ERROR(txn.PutIdempotency(Row(status, response, redact)));
    stored_ = true;
    return Status::Ok();
  };
}

void IdempotencyKeys::Claim::Record(int status, const nlohmann::json& body, const std::vector<std::string>& redact) {
  if (stored_ || !Storable(status)) return;
  auto txn = owner_.store_.BeginKeyedWrite();
  if (!txn.ok() || !(*txn)->LockIdempotencyKey(scope_, key_).ok()) return;
  if (!(*txn)->PutIdempotency(Row(status, body, redact)).ok()) return;
  if ((*txn)->Commit().ok()) stored_ = true;
}

}  // namespace aftersales
