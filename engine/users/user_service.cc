#include "engine/users/user_service.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/crypto.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr std::size_t kUserIdHexBytes = 8;    // "u_" + 16 hex
constexpr std::size_t kTokenHexBytes = 32;    // 64 hex
constexpr std::size_t kSessionHexBytes = 32;  // 64 hex
constexpr std::size_t kCsrfHexBytes = 32;     // 64 hex
constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxPasswordBytes = 1024;  // PBKDF2 cost grows with it
constexpr std::size_t kMaxTokenBytes = 512;
constexpr Money kMaxApprovalLimit = 1'000'000'000'000'000;
// Names never pile up without bound in the throttle table.
constexpr std::size_t kMaxTrackedNames = 10000;
constexpr const char* kAdminName = "admin";

bool IsId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// A login name: 1 to 128 bytes, no control characters, no surrounding spaces.
Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Status::Invalid("name", "name must be 1 to 128 bytes");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::Invalid("name", "name must not contain control characters");
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return Status::Invalid("name", "name must not start or end with a space");
  }
  return Status::Ok();
}

Status CheckPassword(const std::string& password) {
  if (password.size() < UserService::kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return Status::Invalid("password", "password must be 8 to 1024 bytes");
  }
  return Status::Ok();
}

bool HasLimit(Role role) { return role == Role::kAgent || role == Role::kSupervisor; }

// An integer member, refusing floats, booleans and out-of-range values.
Status ReadMoney(const json& v, const char* field, Money* out) {
  if (!v.is_number_integer()) return Status::Invalid(field, std::string(field) + " must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxApprovalLimit)) {
    return Status::Invalid(field, std::string(field) + " is too large");
  }
  const auto n = v.get<std::int64_t>();
  if (n < 0 || n > kMaxApprovalLimit) return Status::Invalid(field, std::string(field) + " must be >= 0");
  *out = n;
  return Status::Ok();
}

Status ReadString(const json& v, const char* field, std::string* out) {
  if (!v.is_string()) return Status::Invalid(field, std::string(field) + " must be a string");
  *out = v.get<std::string>();
  return Status::Ok();
}

Status RefuseUnknown(const json& body, std::initializer_list<const char*> known) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      return Status::Invalid(it.key(), "unknown field");
    }
  }
  return Status::Ok();
}

Status RequireObject(const json& body) {
  if (!body.is_object()) return Status(Code::kMalformedJson, "the body must be a JSON object");
  return Status::Ok();
}

Status RunHook(const TxnHook& hook, WriteTxn& txn, const json& response) {
  if (!hook) return Status::Ok();
  return hook(txn, response);
}

Status Unauthenticated() { return Status(Code::kUnauthenticated, "missing, unknown or disabled credentials"); }

}  // namespace

UserService::UserService(Store& store, const Clock& clock, PolicyRegistry& policies, const Clock& wall_clock)
    : store_(store), clock_(clock), policies_(policies), wall_clock_(wall_clock) {}

json UserService::UserJson(const UserRow& row) {
  json j = json::object();
  j["id"] = row.id;
  j["name"] = row.name;
  j["role"] = NameOf(row.role);
  j["approval_limit"] = row.approval_limit ? json(*row.approval_limit) : json(nullptr);
  j["external_id"] = row.external_id ? json(*row.external_id) : json(nullptr);
  j["disabled"] = row.disabled;
  j["has_password"] = row.password_hash.has_value();
  j["created_at"] = FormatTime(row.created_at);
  return j;
}

Actor UserService::ActorOf(const UserRow& row) {
  Actor a;
  a.id = row.id;
  a.role = row.role;
  if (HasLimit(a.role)) {
    if (row.approval_limit) {
      a.limit = *row.approval_limit;
    } else {
      auto policy = policies_.Current();
      a.limit = a.role == Role::kAgent ? policy->agent_limit : policy->supervisor_limit;
    }
  }
  if (a.role == Role::kBuyer) a.external_id = row.external_id.value_or("");
  return a;
}

Result<CreatedUser> UserService::CreateUser(const Actor& actor, const NewUser& spec, const TxnHook& hook) {
  if (actor.role != Role::kAdmin && actor.role != Role::kSystem) {
    return Status(Code::kForbidden, "only an admin may create users");
  }
  AS_RETURN_IF_ERROR(CheckName(spec.name));
  if (spec.role == Role::kSystem) return Status::Invalid("role", "the system role is not a user's");
  if (spec.approval_limit && !HasLimit(spec.role)) {
    return Status::Invalid("approval_limit", "only agents and supervisors have an approval limit");
  }
  if (spec.approval_limit && (*spec.approval_limit < 0 || *spec.approval_limit > kMaxApprovalLimit)) {
    return Status::Invalid("approval_limit", "approval_limit must be >= 0");
  }
  if (spec.role == Role::kBuyer) {
    if (!spec.external_id) return Status::Invalid("external_id", "a buyer needs an external_id (their buyer_id)");
    if (!IsId(*spec.external_id)) return Status::Invalid("external_id", "external_id must match [A-Za-z0-9._-]{1,64}");
  } else if (spec.external_id) {
    return Status::Invalid("external_id", "only buyers have an external_id");
  }
  if (spec.password) AS_RETURN_IF_ERROR(CheckPassword(*spec.password));
  if (spec.token) {
    const std::string& t = *spec.token;
    const bool printable = std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (t.empty() || t.size() > kMaxTokenBytes || !printable) {
      return Status::Invalid("token", "a token must be 1 to 512 visible ASCII characters");
    }
  }

  UserRow row;
  row.id = "u_" + RandomHex(kUserIdHexBytes);
  row.name = spec.name;
  row.role = spec.role;
  if (HasLimit(spec.role)) {
    auto policy = policies_.Current();
    row.approval_limit =
        spec.approval_limit.value_or(spec.role == Role::kAgent ? policy->agent_limit : policy->supervisor_limit);
  }
  row.external_id = spec.external_id;
  row.disabled = false;
  // Hashing takes a while: do it before the write lock is taken.
  if (spec.password) row.password_hash = HashPassword(*spec.password);
  const std::string token = spec.token ? *spec.token : kTokenPrefix + RandomHex(kTokenHexBytes);
  const TimePoint now = clock_.Now();
  row.created_at = now;

  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  Status s = w.InsertUser(row);
  if (s.code() == Code::kAlreadyExists) return Status(Code::kAlreadyExists, "a user with this name exists");
  AS_RETURN_IF_ERROR(s);
  AS_RETURN_IF_ERROR(w.InsertToken(Sha256Hex(token), row.id, now));
  json data = {{"user_id", row.id},
               {"name_sha256", Sha256Hex(row.name)},
               {"role", NameOf(row.role)},
               {"approval_limit", row.approval_limit ? json(*row.approval_limit) : json(nullptr)},
               {"external_id", row.external_id ? json(*row.external_id) : json(nullptr)},
               {"has_password", row.password_hash.has_value()}};
  auto appended = AuditLog::Append(w, AuditRecordOf(actor, now, "user_created", std::move(data)));
  if (!appended.ok()) return appended.status();

  CreatedUser created{UserJson(row), token};
  json response = created.user;
  response["token"] = token;
  AS_RETURN_IF_ERROR(RunHook(hook, w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return created;
}

Result<json> UserService::CreateUserFromJson(const Actor& actor, const json& body, const TxnHook& hook) {
  if (actor.role != Role::kAdmin && actor.role != Role::kSystem) {
    return Status(Code::kForbidden, "only an admin may create users");
  }
  AS_RETURN_IF_ERROR(RequireObject(body));
  AS_RETURN_IF_ERROR(RefuseUnknown(body, {"name", "role", "approval_limit", "external_id", "password"}));
  NewUser spec;
  if (!body.contains("name")) return Status::Invalid("name", "name is required");
  AS_RETURN_IF_ERROR(ReadString(body["name"], "name", &spec.name));
  if (!body.contains("role")) return Status::Invalid("role", "role is required");
  std::string role;
  AS_RETURN_IF_ERROR(ReadString(body["role"], "role", &role));
  auto parsed = ParseRole(role);
  if (!parsed || *parsed == Role::kSystem) return Status::Invalid("role", "unknown role");
  spec.role = *parsed;
  if (body.contains("approval_limit") && !body["approval_limit"].is_null()) {
    Money limit = 0;
    AS_RETURN_IF_ERROR(ReadMoney(body["approval_limit"], "approval_limit", &limit));
    spec.approval_limit = limit;
  }
  if (body.contains("external_id") && !body["external_id"].is_null()) {
    std::string ext;
    AS_RETURN_IF_ERROR(ReadString(body["external_id"], "external_id", &ext));
    spec.external_id = ext;
  }
  if (body.contains("password") && !body["password"].is_null()) {
    std::string pw;
    AS_RETURN_IF_ERROR(ReadString(body["password"], "password", &pw));
    spec.password = pw;
  }
  auto created = CreateUser(actor, spec, hook);
  if (!created.ok()) return created.status();
  json response = created->user;
  response["token"] = created->token;
  return response;
}

Result<json> UserService::ListUsers(const Actor& actor) {
  if (actor.role != Role::kAdmin) return Status(Code::kForbidden, "only an admin may list users");
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto users = (*txn)->ListUsers();
  if (!users.ok()) return users.status();
  std::vector<UserRow> rows = std::move(*users);
  std::sort(rows.begin(), rows.end(), [](const UserRow& a, const UserRow& b) { return a.name < b.name; });
  json items = json::array();
  for (const auto& row : rows) items.push_back(UserJson(row));
  return json{{"items", std::move(items)}};
}

Result<json> UserService::StaffDirectory(const Actor& actor) {
  if (!IsStaff(actor.role)) return Status(Code::kForbidden, "only staff read the staff directory");
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto users = (*txn)->ListUsers();
  if (!users.ok()) return users.status();
  std::vector<UserRow> rows;
  for (auto& row : *users) {
    if (row.role != Role::kBuyer) rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const UserRow& a, const UserRow& b) { return a.name < b.name; });
  json items = json::array();
  for (const auto& row : rows) {
    items.push_back({{"id", row.id}, {"name", row.name}, {"role", NameOf(row.role)}, {"active", !row.disabled}});
  }
  return json{{"items", std::move(items)}};
}

Result<json> UserService::GetUser(const std::string& id) {
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto user = (*txn)->GetUser(id);
  if (!user.ok()) return user.status();
  if (!*user) return Status::NotFound("user");
  return UserJson(**user);
}

Result<json> UserService::PatchUser(const Actor& actor, const std::string& id, const json& body, const TxnHook& hook) {
  if (actor.role != Role::kAdmin) return Status(Code::kForbidden, "only an admin may change users");
  AS_RETURN_IF_ERROR(RequireObject(body));
  AS_RETURN_IF_ERROR(RefuseUnknown(body, {"approval_limit", "disabled", "password", "name"}));
  if (body.empty()) return Status::Invalid("", "nothing to change");

  std::optional<Money> limit;
  std::optional<bool> disabled;
  std::optional<std::string> password;
  std::optional<std::string> name;
  if (body.contains("approval_limit")) {
    Money m = 0;
    AS_RETURN_IF_ERROR(ReadMoney(body["approval_limit"], "approval_limit", &m));
    limit = m;
  }
  if (body.contains("disabled")) {
    if (!body["disabled"].is_boolean()) return Status::Invalid("disabled", "disabled must be true or false");
    disabled = body["disabled"].get<bool>();
  }
  if (body.contains("password")) {
    std::string pw;
    AS_RETURN_IF_ERROR(ReadString(body["password"], "password", &pw));
    AS_RETURN_IF_ERROR(CheckPassword(pw));
    password = pw;
  }
  if (body.contains("name")) {
    std::string n;
    AS_RETURN_IF_ERROR(ReadString(body["name"], "name", &n));
    AS_RETURN_IF_ERROR(CheckName(n));
    name = n;
  }
  if (disabled.value_or(false) && id == actor.id) {
    return Status::Invalid("disabled", "an admin cannot disable their own account");
  }
  // Hashing takes a while: do it before the write lock is taken.
  std::optional<std::string> password_hash;
  if (password) password_hash = HashPassword(*password);

  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  WriteTxn& w = **txn;
  auto found = w.GetUser(id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("user");
  UserRow row = **found;
  json changes = json::object();
  if (limit) {
    if (!HasLimit(row.role)) {
      return Status::Invalid("approval_limit", "only agents and supervisors have an approval limit");
    }
    row.approval_limit = *limit;
    changes["approval_limit"] = *limit;
  }
  if (disabled) {
    row.disabled = *disabled;
    changes["disabled"] = *disabled;
  }
  if (password_hash) {
    row.password_hash = *password_hash;
    changes["password_changed"] = true;
  }
  if (name) {
    row.name = *name;
    changes["name_sha256"] = Sha256Hex(*name);
  }
  Status s = w.UpdateUser(row);
  if (s.code() == Code::kAlreadyExists) return Status(Code::kAlreadyExists, "a user with this name exists");
  AS_RETURN_IF_ERROR(s);
  const TimePoint now = clock_.Now();
  json data = {{"user_id", row.id}, {"changes", std::move(changes)}};
  auto appended = AuditLog::Append(w, AuditRecordOf(actor, now, "user_updated", std::move(data)));
  if (!appended.ok()) return appended.status();
  json response = UserJson(row);
  AS_RETURN_IF_ERROR(RunHook(hook, w, response));
  AS_RETURN_IF_ERROR(w.Commit());
  return response;
}

Result<bool> UserService::Bootstrap(const std::string& token) {
  {
    auto txn = store_.BeginRead();
    if (!txn.ok()) return txn.status();
    auto users = (*txn)->ListUsers();
    if (!users.ok()) return users.status();
    for (const auto& u : *users) {
      if (u.role == Role::kAdmin) return false;
    }
  }
  NewUser spec;
  spec.name = kAdminName;
  spec.role = Role::kAdmin;
  spec.token = token;
  Actor system;
  system.id = "system";
  system.role = Role::kSystem;
  auto created = CreateUser(system, spec);
  if (!created.ok()) {
    if (created.status().code() == Code::kAlreadyExists) {
      return Status(Code::kAlreadyExists, "cannot create the bootstrap admin: a user named \"admin\" exists");
    }
    return created.status();
  }
  return true;
}

Result<Actor> UserService::Authenticate(const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Unauthenticated();
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto user = (*txn)->GetUserByTokenHash(Sha256Hex(token));
  if (!user.ok()) return user.status();
  if (!*user || (*user)->disabled) return Unauthenticated();
  return ActorOf(**user);
}

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
