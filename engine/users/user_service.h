// UserService: users, bearer tokens and web-UI sessions (SPEC §2, §6.2).
//
// A user has an id ("u_" + 16 hex), a unique name, a role, an approval
// limit (agents and supervisors), an external_id (buyers, the buyer_id they
// own) and a disabled flag. Bearer tokens are "as_" + 64 hex characters from
// the OS CSPRNG, shown once on creation; only their SHA-256 is stored.
// Passwords are stored as PBKDF2 hashes (engine/crypto.h).
//
// Web-UI sessions: a password login creates a random session id (the cookie)
// whose SHA-256 is stored with a CSRF token; a session lasts 12 hours of wall
// time. Failed logins are throttled per (name, source address), in memory,
// as OWASP's authentication guidance advises: the first kFreeFailures
// failures cost only their password check; each later one locks that name
// for that address for a delay that doubles (kFirstLockSeconds up to
// kMaxLockSeconds), during which its attempts are refused with rate_limited
// before any password is checked. Another address is never locked by it, so
// a stranger's failures cannot keep a user out; each lockout writes a
// `login_throttled` audit entry (actor system, data: user_id or null, the
// source address, the failures and the delay).
//
// Every change (user created or updated, login) is one Store write
// transaction together with its audit entry (`user_created`, `user_updated`,
// `login`); audit data never holds a token, password or name (names are
// personal details: the entry keeps their SHA-256).
//
// Business time (audit `at`) comes from `clock`; session expiry and login
// throttling from `wall_clock`, so that moving a test clock neither logs
// users out nor lifts a lock-out. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/actor.h"
#include "domain/status.h"
#include "engine/engine_types.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"

namespace aftersales {

// What CreateUser needs. Unset limits of agents and supervisors default to
// the current policy's approval_limits.
struct NewUser {
  std::string name;
  Role role = Role::kAgent;
  std::optional<Money> approval_limit;
  std::optional<std::string> external_id;  // required for buyers, refused for others
  std::optional<std::string> password;     // enables password login (>= 8 bytes)
  std::optional<std::string> token;        // a chosen bearer token (bootstrap); else one is generated
};

struct CreatedUser {
  nlohmann::json user;  // the user view (see UserService::UserJson)
  std::string token;    // the bearer token, in clear: shown once
};

struct LoginResult {
  nlohmann::json user;
  std::string session_id;  // the cookie value, in clear
  std::string csrf_token;
  TimePoint expires_at = 0;
};

struct SessionAuth {
  Actor actor;
  std::string csrf_token;
};

class UserService {
 public:
  static constexpr const char* kTokenPrefix = "as_";
  static constexpr std::int64_t kSessionSeconds = 12 * kHour;
  static constexpr int kFreeFailures = 3;
  static constexpr std::int64_t kFirstLockSeconds = 5;
  static constexpr std::int64_t kMaxLockSeconds = 15 * 60;
  // Failures are forgotten this long after the last one.
  static constexpr std::int64_t kFailureMemorySeconds = 60 * 60;
  static constexpr std::size_t kMinPasswordBytes = 8;
  // Password checks are deliberately slow; more at once than this are
  // refused (rate_limited, retry after a second) rather than queued.
  static constexpr int kMaxConcurrentLogins = 8;

  UserService(Store& store, const Clock& clock, PolicyRegistry& policies, const Clock& wall_clock);

  // Creates a user and its bearer token. `actor` must be an admin or the
  // system (bootstrap, command line). Returns the user view and the token.
  // `hook` runs inside the transaction with the response {user…, "token"}.
  // Errors: forbidden, validation_failed (field named), already_exists (name
  // taken), unavailable. On error nothing is written.
  Result<CreatedUser> CreateUser(const Actor& actor, const NewUser& user, const TxnHook& hook = {});
  // POST /users: parses {name, role, approval_limit?, external_id?,
  // password?} (anything else is refused) and calls CreateUser. Returns the
  // user view plus "token". Errors as CreateUser.
  Result<nlohmann::json> CreateUserFromJson(const Actor& actor, const nlohmann::json& body, const TxnHook& hook = {});
  // GET /users (admin): {"items": [user views]} by name. Errors: forbidden,
  // unavailable.
  Result<nlohmann::json> ListUsers(const Actor& actor);
  // GET /staff (any staff role): the staff directory, {"items": [{id, name,
  // role, active}]} by name: every user but buyers, so that names show
  // instead of ids (active: false for a disabled user, whose name still
  // labels what they did). Nothing else of a user (limits, external ids).
  // Errors: forbidden (buyers), unavailable.
  Result<nlohmann::json> StaffDirectory(const Actor& actor);
  // The view of one user. Errors: not_found, unavailable.
  Result<nlohmann::json> GetUser(const std::string& id);
  // PATCH /users/{id} (admin): {approval_limit?, disabled?, password?,
  // name?}; anything else is refused. Returns the new view. Errors:
  // forbidden, not_found, validation_failed, already_exists (name taken),
  // unavailable. On error nothing is written.
  Result<nlohmann::json> PatchUser(const Actor& actor, const std::string& id, const nlohmann::json& body,
                                   const TxnHook& hook = {});

  // First start: when no admin exists (disabled ones count), creates an
  // admin named "admin" whose token is `token`. Returns whether it did.
  // Errors: validation_failed (an unusable token), already_exists (a
  // non-admin user is named "admin"), unavailable.
  Result<bool> Bootstrap(const std::string& token);

  // The actor a bearer token stands for. Errors: unauthenticated (unknown
  // token, disabled user), unavailable.
  Result<Actor> Authenticate(const std::string& token);

  // Password login from `source` (the client's address). Returns the user
  // view and a new session. Errors: unauthenticated (wrong name or
  // password, disabled user, no password set), rate_limited (with extra
  // member "retry_after_seconds": this name is locked for this source, or
  // kMaxConcurrentLogins other logins are being checked), unavailable.
  Result<LoginResult> Login(const std::string& name, const std::string& password, const std::string& source);
  // POST /session: parses {name, password} and calls Login. Errors as Login,
  // plus validation_failed.
  Result<LoginResult> LoginFromJson(const nlohmann::json& body, const std::string& source);
  // The actor and CSRF token of a live session cookie. Errors:
  // unauthenticated (unknown or expired session, disabled user),
  // unavailable.
  Result<SessionAuth> AuthenticateSession(const std::string& session_id);
  // Ends a session; ok also when it did not exist. Errors: unavailable.
  Status Logout(const std::string& session_id);

  // The view served for a user: {id, name, role, approval_limit,
  // external_id, disabled, has_password, created_at}. Never a secret.
  static nlohmann::json UserJson(const UserRow& row);

 private:
  struct LoginAttempts {
    int failures = 0;
    TimePoint last_failure = 0;
    TimePoint locked_until = 0;
  };

  Actor ActorOf(const UserRow& row);
  // Records a failed login under `key` (name and source); returns the
  // failures remembered and the lockout it starts in seconds (0: none).
  std::pair<int, std::int64_t> RecordFailure(const std::string& key, TimePoint now);
  // Writes the audit entry of a lockout.
  Status AuditLockout(const std::string& name, const std::string& source, int failures, std::int64_t seconds);
  const std::string& DummyPasswordHash();

  Store& store_;
  const Clock& clock_;
  PolicyRegistry& policies_;
  const Clock& wall_clock_;

  std::atomic<int> logins_in_flight_{0};
  std::mutex mu_;  // guards attempts_ and dummy_hash_
  std::map<std::string, LoginAttempts> attempts_;  // by name + '\n' + source
  std::string dummy_hash_;
};

}  // namespace aftersales
