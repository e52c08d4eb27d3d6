#include "web/idempotency.h"

#include <utility>

#include "engine/crypto.h"
#include "web/problem.h"

namespace aftersales {

IdempotencyKeys::IdempotencyKeys(Store& store, const Clock& wall_clock) : store_(store), wall_clock_(wall_clock) {}

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

void IdempotencyKeys::Release(const std::string& scope, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase({scope, key});
}

IdempotencyKeys::Claim::~Claim() { owner_.Release(scope_, key_); }

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
  auto txn = owner_.store_.BeginWrite();
  if (!txn.ok()) return;
  if (!(*txn)->PutIdempotency(Row(status, body, redact)).ok()) return;
  if ((*txn)->Commit().ok()) stored_ = true;
}

}  // namespace aftersales
