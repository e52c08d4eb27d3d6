// UserService, second half: password logins, their throttling, and web-UI
// sessions (the first half, users and tokens, is user_service.cc).
#include "engine/users/user_service.h"
#include <algorithm>
#include <cctype>
#include <utility>
#include "engine/audit/audit_log.h"
#include "engine/crypto.h"
#include "engine/users/user_rules.h"

namespace aftersales {

using namespace user_rules;

const std::string& UserService::DummyPasswordHash() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dummy_hash_.empty()) return dummy_hash_;
  }
  // Hashed outside the lock, which guards the throttle too; a race only
  // computes it twice.
  std::string hash = HashPassword(RandomHex(16));
  std::lock_guard<std::mutex> lock(mu_);
  if (dummy_hash_.empty()) dummy_hash_ = std::move(hash);
  return dummy_hash_;
}

std::pair<int, std::int64_t> UserService::RecordFailure(const std::string& key, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (attempts_.size() >= kMaxTrackedNames) {
    for (auto it = attempts_.begin(); it != attempts_.end();) {
      const bool stale = it->second.locked_until <= now && it->second.last_failure + kFailureMemorySeconds <= now;
      it = stale ? attempts_.erase(it) : std::next(it);
    }
  }
  LoginAttempts& a = attempts_[key];
  if (a.last_failure + kFailureMemorySeconds <= now) a.failures = 0;
  a.last_failure = now;
  ++a.failures;
  if (a.failures < kFreeFailures) return {a.failures, 0};
  const int doublings = std::min(a.failures - kFreeFailures, 20);
  const std::int64_t seconds = std::min(kFirstLockSeconds << doublings, kMaxLockSeconds);
  a.locked_until = now + seconds;
  return {a.failures, seconds};
}

Status UserService::AuditLockout(const std::string& name, const std::string& source, int failures,
                                 std::int64_t seconds) {
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto user = (*txn)->GetUserByName(name);
  if (!user.ok()) return user.status();
  Actor system;
  system.id = "system";
  system.role = Role::kSystem;
  json data = {{"user_id", *user ? json((*user)->id) : json(nullptr)},
               {"source", source},
               {"failures", failures},
               {"locked_seconds", seconds}};
  auto appended = AuditLog::Append(**txn, AuditRecordOf(system, clock_.Now(), "login_throttled", data));
  if (!appended.ok()) return appended.status();
  return (*txn)->Commit();
}

Result<LoginResult> UserService::Login(const std::string& name, const std::string& password,
                                       const std::string& source) {
  const TimePoint wall_now = wall_clock_.Now();
  const std::string key = name + '\n' + source;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = attempts_.find(key);
    if (it != attempts_.end() && it->second.locked_until > wall_now) {
      return Status(Code::kRateLimited, "too many failed logins from your address; try again later")
          .With("retry_after_seconds", it->second.locked_until - wall_now);
    }
  }

  std::optional<UserRow> user;
  {
    auto txn = store_.BeginRead();
    if (!txn.ok()) return txn.status();
    auto found = (*txn)->GetUserByName(name);
    if (!found.ok()) return found.status();
    user = std::move(*found);
  }
  bool ok = false;
  {
    // Each check costs a PBKDF2 run: bound how many run at once.
    struct InFlight {
      std::atomic<int>& count;
      ~InFlight() { --count; }
    } in_flight{logins_in_flight_};
    if (++logins_in_flight_ > kMaxConcurrentLogins) {
      return Status(Code::kRateLimited, "too many logins at once; try again shortly").With("retry_after_seconds", 1);
    }
    if (user && user->password_hash) {
      ok = VerifyPassword(password, *user->password_hash);
    } else {
      // Same work as a real check, so that timing does not tell which names exist.
      VerifyPassword(password, DummyPasswordHash());
    }
  }
  if (!ok || user->disabled) {
    if (!ok) {
      if (const auto [failures, locked] = RecordFailure(key, wall_now); locked > 0) {
        AS_RETURN_IF_ERROR(AuditLockout(name, source, failures, locked));
      }
    }
    return Status(Code::kUnauthenticated, "wrong name or password");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempts_.erase(key);
  }

  LoginResult result;
  result.user = UserJson(*user);
  result.session_id = RandomHex(kSessionHexBytes);
  result.csrf_token = RandomHex(kCsrfHexBytes);
  result.expires_at = wall_now + kSessionSeconds;
  SessionRow session;
  session.id_sha256 = Sha256Hex(result.session_id);
  session.user_id = user->id;
  session.csrf_token = result.csrf_token;
  session.created_at = wall_now;
  session.expires_at = result.expires_at;

  const Actor actor = ActorOf(*user);
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  AS_RETURN_IF_ERROR(w.InsertSession(session));
  auto appended =
      AuditLog::Append(w, AuditRecordOf(actor, clock_.Now(), "login", json{{"user_id", user->id}, {"method", "password"}}));
  if (!appended.ok()) return appended.status();
  AS_RETURN_IF_ERROR(w.Commit());
  return result;
}

Result<LoginResult> UserService::LoginFromJson(const json& body, const std::string& source) {
  AS_RETURN_IF_ERROR(RequireObject(body));
  AS_RETURN_IF_ERROR(RefuseUnknown(body, {"name", "password"}));
  std::string name;
  std::string password;
  if (!body.contains("name")) return Status::Invalid("name", "name is required");
  AS_RETURN_IF_ERROR(ReadString(body["name"], "name", &name));
  if (!body.contains("password")) return Status::Invalid("password", "password is required");
  AS_RETURN_IF_ERROR(ReadString(body["password"], "password", &password));
  if (name.empty() || name.size() > kMaxNameBytes) return Status::Invalid("name", "name must be 1 to 128 bytes");
  if (password.size() > kMaxPasswordBytes) return Status::Invalid("password", "password is too long");
  return Login(name, password, source);
}

Result<SessionAuth> UserService::AuthenticateSession(const std::string& session_id) {
  if (session_id.empty() || session_id.size() > kMaxTokenBytes) return Unauthenticated();
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto session = (*txn)->GetSession(Sha256Hex(session_id));
  if (!session.ok()) return session.status();
  if (!*session || (*session)->expires_at <= wall_clock_.Now()) return Unauthenticated();
  auto user = (*txn)->GetUser((*session)->user_id);
  if (!user.ok()) return user.status();
  if (!*user || (*user)->disabled) return Unauthenticated();
  return SessionAuth{ActorOf(**user), (*session)->csrf_token};
}

Status UserService::Logout(const std::string& session_id) {
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  AS_RETURN_IF_ERROR((*txn)->DeleteSession(Sha256Hex(session_id)));
  return (*txn)->Commit();
}

}  // namespace aftersales
