#include "engine/users/user_service.h"

#include "engine/users/user_rules.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/crypto.h"

namespace aftersales {
using namespace user_rules;

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
  row.id = "u_" + RandomIdHex(kUserIdHexBytes);
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

// Whether any admin exists (disabled ones count).
static Result<bool> AdminExists(Store& store) {
  AS_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  AS_ASSIGN_OR_RETURN(std::vector<UserRow> users, txn->ListUsers());
  return std::any_of(users.begin(), users.end(), [](const UserRow& u) { return u.role == Role::kAdmin; });
}

Result<bool> UserService::Bootstrap(const std::string& token) {
  AS_ASSIGN_OR_RETURN(bool exists, AdminExists(store_));
  if (exists) return false;
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
      // Servers sharing a database (Store::Shared) may all start at once:
      // when another one created the admin meanwhile, there is nothing to do.
      AS_ASSIGN_OR_RETURN(bool exists, AdminExists(store_));
      if (exists) return false;
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

}  // namespace aftersales
