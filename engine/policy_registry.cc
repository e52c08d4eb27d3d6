#include "engine/policy_registry.h"

#include <algorithm>

#include "engine/audit/audit_log.h"

namespace aftersales {
namespace {

Status StoreVersion(WriteTxn& txn, int version, const nlohmann::json& doc, TimePoint now, const std::string& actor_id,
                    const std::string& actor_role) {
  AS_RETURN_IF_ERROR(txn.InsertPolicy({version, doc.dump(), now}));
  AuditRecord rec;
  rec.at = now;
  rec.actor_id = actor_id;
  rec.actor_role = actor_role;
  rec.action = "policy_changed";
  rec.data = {{"version", version}, {"policy", doc}};
  auto appended = AuditLog::Append(txn, rec);
  return appended.status();
}

}  // namespace

PolicyRegistry::PolicyRegistry(Store& store) : store_(store) {}

Status PolicyRegistry::Initialize(const Policy& initial, TimePoint now, bool prefer_initial) {
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto latest = (*txn)->LatestPolicy();
  if (!latest.ok()) return latest.status();
  int version = 0;
  nlohmann::json doc = initial.document;
  if (!latest->has_value()) {
    version = 1;
  } else if (prefer_initial && nlohmann::json::parse((*latest)->doc) != initial.document) {
    version = (*latest)->version + 1;
  }
  if (version > 0) {
    AS_RETURN_IF_ERROR(StoreVersion(**txn, version, doc, now, "system", "system"));
    AS_RETURN_IF_ERROR((*txn)->Commit());
  } else {
    version = (*latest)->version;
    txn->reset();
  }
  auto loaded = Version(version);
  if (!loaded.ok()) return loaded.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = version;
  return Status::Ok();
}

std::shared_ptr<const Policy> PolicyRegistry::Current() {
  if (store_.Shared()) {
    // Another server may have stored a newer version: the latest stored
    // version number decides (on failure, the latest this server knew).
    auto txn = store_.BeginRead();
    if (txn.ok()) {
      auto latest = (*txn)->LatestPolicyVersion();
      if (latest.ok() && *latest) {
        std::lock_guard<std::mutex> lock(mu_);
        current_ = std::max(current_, **latest);
      }
    }
  }
  int version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    version = current_;
    auto it = cache_.find(version);
    if (it != cache_.end()) return it->second;
  }
  auto p = Version(version);
  return p.ok() ? *p : nullptr;
}

Result<std::shared_ptr<const Policy>> PolicyRegistry::Version(int version) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(version);
    if (it != cache_.end()) return it->second;
  }
  auto txn = store_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto row = (*txn)->GetPolicy(version);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("policy version " + std::to_string(version));
  auto doc = nlohmann::json::parse((*row)->doc, nullptr, false);
  auto parsed = ParsePolicy(doc);
  if (!parsed.ok()) {
    return Status::Internal("stored policy version " + std::to_string(version) +
                            " is invalid: " + parsed.status().message());
  }
  parsed->version = version;
  auto shared = std::make_shared<const Policy>(std::move(*parsed));
  std::lock_guard<std::mutex> lock(mu_);
  cache_[version] = shared;
  return shared;
}

Result<nlohmann::json> PolicyRegistry::Replace(const Actor& actor, const nlohmann::json& doc, TimePoint now,
                                               const TxnHook& hook) {
  if (actor.role != Role::kAdmin) return Status(Code::kForbidden, "only an admin may change the policy");
  auto parsed = ParsePolicy(doc);
  if (!parsed.ok()) return parsed.status();
  auto txn = store_.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto latest = (*txn)->LatestPolicy();
  if (!latest.ok()) return latest.status();
  const int version = latest->has_value() ? (*latest)->version + 1 : 1;
  // Stored as parsed: a document naming a preset is kept merged over it
  // (SPEC §13.1), so that the version never changes with the binary's presets.
  AS_RETURN_IF_ERROR(StoreVersion(**txn, version, parsed->document, now, actor.id, NameOf(actor.role)));
  nlohmann::json response = {{"version", version}, {"policy", parsed->document}};
  if (hook) AS_RETURN_IF_ERROR(hook(**txn, response));
  AS_RETURN_IF_ERROR((*txn)->Commit());
  parsed->version = version;
  std::lock_guard<std::mutex> lock(mu_);
  cache_[version] = std::make_shared<const Policy>(std::move(*parsed));
  current_ = std::max(current_, version);
  return response;
}

Result<std::shared_ptr<const Policy>> PolicyRegistry::ForOrder(const Order& order) {
  if (order.policy_version != 0) return Version(order.policy_version);
  auto current = Current();
  if (!current) return Status::Unavailable("no policy loaded");
  return current;
}

}  // namespace aftersales
