#include "web/api_routes.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "engine/audit/audit_log.h"
#include "engine/body_reader.h"
#include "api/evidence_bundle.h"
#include "web/openapi.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kDefaultAuditLimit = 100;
constexpr int kMaxAuditLimit = 1000;

constexpr RoleSet kAdminOnly = Bit(Role::kAdmin);
constexpr RoleSet kAuditReaders = Bit(Role::kManager) | Bit(Role::kAdmin);
constexpr RoleSet kOrderWriters = Bit(Role::kIntegration) | Bit(Role::kAdmin);
// PATCH /orders/{id}: delivered_at (integration, admin), ship_by (manager,
// integration); the engine checks which field each may change.
constexpr RoleSet kOrderPatchers = kOrderWriters | Bit(Role::kManager);
constexpr RoleSet kShippers = Bit(Role::kWarehouse) | Bit(Role::kIntegration) | Bit(Role::kManager);

// Builds one Route; its pattern is what matches it (MatchRoutePath) and what
// names it in logs and metrics, so the two never disagree.
class On {
 public:
  On(std::string method, std::string pattern) {
    route_.method = std::move(method);
    route_.pattern = std::move(pattern);
  }
  On& Public() {
    route_.access = Access::kPublic;
    return *this;
  }
  On& Roles(RoleSet roles) {
    route_.roles = roles;
    return *this;
  }
  On& JsonBody() {
    route_.body = BodyKind::kJsonObject;
    return *this;
  }
  // Honours Idempotency-Key; `success_status` is what a success stores.
  On& Idempotent(int success_status, std::vector<std::string> redact = {}) {
    route_.idempotent = true;
    route_.success_status = success_status;
    route_.redact = std::move(redact);
    return *this;
  }
  Route Handle(std::function<ApiReply(ApiRequest&)> handler) {
    route_.handler = std::move(handler);
    return std::move(route_);
  }

 private:
  Route route_;
};

std::string SessionCookie(const std::string& session_id, std::int64_t max_age) {
  return std::string(kSessionCookie) + "=" + session_id +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
}

// Refuses query parameters outside `known`, and repeats of those not in
// `repeatable`.
Status CheckQuery(const httplib::Request& req, const std::set<std::string>& known,
                  const std::set<std::string>& repeatable = {}) {
  for (const auto& [name, value] : req.params) {
    if (!known.count(name)) return Status::Invalid(name, "unknown query parameter");
    if (!repeatable.count(name) && req.get_param_value_count(name.c_str()) > 1) {
      return Status::Invalid(name, "query parameter given more than once");
    }
  }
  return Status::Ok();
}

std::optional<std::string> Param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

// Splits every value of a repeatable parameter at commas.
std::vector<std::string> SplitParam(const httplib::Request& req, const char* name) {
  std::vector<std::string> out;
  const auto count = req.get_param_value_count(name);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string value = req.get_param_value(name, i);
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

Result<OrderListParams> ReadOrderListParams(const httplib::Request& req) {
  AS_RETURN_IF_ERROR(CheckQuery(req, {"shipment", "buyer_id", "breached", "ship_before", "sort", "limit", "cursor"},
                                {"shipment"}));
  OrderListParams q;
  q.shipment = SplitParam(req, "shipment");
  q.buyer_id = Param(req, "buyer_id");
  q.breached = Param(req, "breached");
  q.ship_before = Param(req, "ship_before");
  q.sort = Param(req, "sort");
  q.limit = Param(req, "limit");
  q.cursor = Param(req, "cursor");
  return q;
}

Result<CaseListParams> ReadCaseListParams(const httplib::Request& req) {
  AS_RETURN_IF_ERROR(CheckQuery(req,
                                {"state", "type", "assignee", "order_id", "buyer_id", "breached", "due_before", "risk",
                                 "actionable", "search", "sort", "limit", "cursor"},
                                {"state"}));
  CaseListParams q;
  q.states = SplitParam(req, "state");
  q.type = Param(req, "type");
  q.assignee = Param(req, "assignee");
  q.order_id = Param(req, "order_id");
  q.buyer_id = Param(req, "buyer_id");
  q.breached = Param(req, "breached");
  q.due_before = Param(req, "due_before");
  q.risk = Param(req, "risk");
  q.actionable = Param(req, "actionable");
  q.search = Param(req, "search");
  q.sort = Param(req, "sort");
  q.limit = Param(req, "limit");
  q.cursor = Param(req, "cursor");
  return q;
}

Result<AuditFilter> ParseAuditFilter(const httplib::Request& req) {
  AS_RETURN_IF_ERROR(
      CheckQuery(req, {"case_id", "actor_id", "action", "from", "to", "after_seq", "before_seq", "order", "limit"}));
  AuditFilter f;
  f.case_id = Param(req, "case_id");
  f.actor_id = Param(req, "actor_id");
  f.action = Param(req, "action");
  for (const char* name : {"from", "to"}) {
    if (auto v = Param(req, name)) {
      auto t = ParseTime(*v);
      if (!t) return Status::Invalid(name, std::string(name) + " must be an RFC 3339 date-time");
      (std::string(name) == "from" ? f.from : f.to) = FormatTime(*t);
    }
  }
  if (auto v = Param(req, "after_seq")) {
    const auto n = ParseDecimal(*v, 0, INT64_MAX);
    if (!n) return Status::Invalid("after_seq", "after_seq must be an integer >= 0");
    f.after_seq = *n;
  }
  if (auto v = Param(req, "before_seq")) {
    const auto n = ParseDecimal(*v, 1, INT64_MAX);
    if (!n) return Status::Invalid("before_seq", "before_seq must be an integer >= 1");
    f.before_seq = *n;
  }
  if (auto v = Param(req, "order")) {
    if (*v != "asc" && *v != "desc") return Status::Invalid("order", "order must be asc or desc");
    f.newest_first = *v == "desc";
  }
  f.limit = kDefaultAuditLimit;
  if (auto v = Param(req, "limit")) {
    const auto n = ParseDecimal(*v, 1, kMaxAuditLimit);
    if (!n) return Status::Invalid("limit", "limit must be an integer from 1 to 1000");
    f.limit = static_cast<int>(*n);
  }
  return f;
}

Result<json> ListAudit(Store& store, const httplib::Request& req) {
  auto filter = ParseAuditFilter(req);
  if (!filter.ok()) return filter.status();
  const int limit = filter->limit;
  filter->limit = limit + 1;  // one more tells whether a next page exists
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->ListAudit(*filter);
  if (!rows.ok()) return rows.status();
  json items = json::array();
  json next = nullptr;
  for (std::size_t i = 0; i < rows->size() && i < static_cast<std::size_t>(limit); ++i) {
    items.push_back(AuditLog::ToJson((*rows)[i]));
  }
  if (rows->size() > static_cast<std::size_t>(limit)) next = std::to_string((*rows)[limit - 1].seq);
  return json{{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

Result<json> VerifyAudit(Store& store) {
  auto txn = store.BeginRead();
  if (!txn.ok()) return txn.status();
  auto v = AuditLog::Verify(**txn);
  if (!v.ok()) return v.status();
  json out = {{"ok", v->ok}, {"entries", v->entries}};
  if (v->ok) {
    out["head"] = v->head ? json{{"seq", v->head->seq}, {"hash", v->head->hash}} : json(nullptr);
  } else {
    out["first_bad_seq"] = v->first_bad_seq ? json(*v->first_bad_seq) : json(nullptr);
    out["problem"] = v->problem;
  }
  return out;
}

ApiReply Login(UserService& users, ApiRequest& r) {
  auto login = users.LoginFromJson(r.body, r.client_address);
  if (!login.ok()) return ApiReply::Error(login.status());
  ApiReply reply = ApiReply::Json(200, json{{"user", login->user}, {"csrf_token", login->csrf_token}});
  reply.headers.emplace_back("Set-Cookie", SessionCookie(login->session_id, UserService::kSessionSeconds));
  return reply;
}

ApiReply Logout(UserService& users, ApiRequest& r) {
  if (r.session_id) {
    Status s = users.Logout(*r.session_id);
    if (!s.ok()) return ApiReply::Error(s);
  }
  ApiReply reply = ApiReply::Text(204, "", "");
  reply.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
  return reply;
}

ApiReply WhoAmI(UserService& users, ApiRequest& r) {
  auto user = users.GetUser(r.actor->id);
  if (!user.ok()) return ApiReply::Error(user.status());
  return ApiReply::Json(200, json{{"user", *user}, {"csrf_token", r.csrf_token ? json(*r.csrf_token) : json(nullptr)}});
}

}  // namespace

std::vector<Route> BuildApiRoutes(const WebServices& s, HttpMetrics& metrics) {
  // Handlers capture references to the services, which outlive the server.
  Store& store = s.store;
  JsonApi& cases = s.cases;
  DeadlineSweeper& sweeper = s.cases.engine().sweeper();
  UserService& users = s.users;
  PolicyRegistry& policies = s.policies;
  const Clock& clock = s.clock;
  std::vector<Route> r;

  // §6.1: health, the API description, metrics.
  r.push_back(On("GET", "/healthz").Public().Handle([](ApiRequest&) {
    return ApiReply::Json(200, json{{"status", "ok"}});
  }));
  r.push_back(On("GET", "/api/v1/openapi.json").Public().Handle([](ApiRequest&) {
    return ApiReply::Text(200, OpenApiJson(), "application/json");
  }));
  const CheckpointSource* checkpoints = s.checkpoints;
  r.push_back(On("GET", "/metrics").Roles(kAuditReaders).Handle([&store, &clock, &metrics, checkpoints](ApiRequest&) {
    auto text = metrics.Render(store, clock.Now(), checkpoints);
    if (!text.ok()) return ApiReply::Error(text.status());
    return ApiReply::Text(200, std::move(*text), "text/plain; version=0.0.4; charset=utf-8");
  }));

  // §6.2: users and sessions.
  r.push_back(On("POST", "/api/v1/users")
                  .Roles(kAdminOnly)
                  .JsonBody()
                  .Idempotent(201, {"token"})
                  .Handle([&users](ApiRequest& q) {
                    return ApiReply::From(users.CreateUserFromJson(*q.actor, q.body, q.hook), 201);
                  }));
  r.push_back(On("GET", "/api/v1/users").Roles(kAdminOnly).Handle([&users](ApiRequest& q) {
    return ApiReply::From(users.ListUsers(*q.actor));
  }));
  r.push_back(On("PATCH", "/api/v1/users/{id}").Roles(kAdminOnly).JsonBody().Handle([&users](ApiRequest& q) {
    return ApiReply::From(users.PatchUser(*q.actor, q.params[0], q.body, q.hook));
  }));
  r.push_back(On("GET", "/api/v1/staff").Handle([&users](ApiRequest& q) {
    return ApiReply::From(users.StaffDirectory(*q.actor));
  }));
  r.push_back(
      On("POST", "/api/v1/session").Public().JsonBody().Handle([&users](ApiRequest& q) { return Login(users, q); }));
  r.push_back(On("GET", "/api/v1/session").Handle([&users](ApiRequest& q) { return WhoAmI(users, q); }));
  r.push_back(On("DELETE", "/api/v1/session").Handle([&users](ApiRequest& q) { return Logout(users, q); }));

  // §6.3: orders.
  r.push_back(
      On("POST", "/api/v1/orders").Roles(kOrderWriters).JsonBody().Idempotent(201).Handle([&cases](ApiRequest& q) {
        return ApiReply::From(cases.CreateOrder(*q.actor, q.body, q.hook), 201);
      }));
  r.push_back(On("PATCH", "/api/v1/orders/{id}").Roles(kOrderPatchers).JsonBody().Handle([&cases](ApiRequest& q) {
    return ApiReply::From(cases.PatchOrder(*q.actor, q.params[0], q.body, q.hook));
  }));
  // §10.2, §10.5: shipments and the warehouse queue.
  r.push_back(On("POST", "/api/v1/orders/{id}/shipments")
                  .Roles(kShippers)
                  .JsonBody()
                  .Idempotent(201)
                  .Handle([&cases](ApiRequest& q) {
                    return ApiReply::From(cases.ShipOrder(*q.actor, q.params[0], q.body, q.hook), 201);
                  }));
  r.push_back(On("GET", "/api/v1/orders").Handle([&cases](ApiRequest& q) {
    auto params = ReadOrderListParams(q.http);
    if (!params.ok()) return ApiReply::Error(params.status());
    return ApiReply::From(cases.ListOrders(*q.actor, *params));
  }));
  r.push_back(On("GET", "/api/v1/orders/{id}").Handle([&cases](ApiRequest& q) {
    return ApiReply::From(cases.GetOrder(*q.actor, q.params[0]));
  }));

  // §6.4-6.7: cases.
  r.push_back(On("POST", "/api/v1/cases").JsonBody().Idempotent(201).Handle([&cases](ApiRequest& q) {
    return ApiReply::FromJsonText(cases.SubmitText(*q.actor, q.body, q.hook), 201);
  }));
  r.push_back(On("GET", "/api/v1/cases").Handle([&cases](ApiRequest& q) {
    auto params = ReadCaseListParams(q.http);
    if (!params.ok()) return ApiReply::Error(params.status());
    return ApiReply::FromJsonText(cases.ListCasesText(*q.actor, *params));
  }));
  r.push_back(On("GET", "/api/v1/cases/{id}").Handle([&cases](ApiRequest& q) {
    return ApiReply::FromJsonText(cases.GetCaseText(*q.actor, q.params[0]));
  }));
  r.push_back(
      On("POST", "/api/v1/cases/{id}/actions/{action}").JsonBody().Idempotent(200).Handle([&cases](ApiRequest& q) {
        return ApiReply::FromJsonText(cases.ApplyText(*q.actor, q.params[0], q.params[1], q.body, q.hook));
      }));
  r.push_back(On("GET", "/api/v1/cases/{id}/timeline").Handle([&cases](ApiRequest& q) {
    return ApiReply::From(cases.Timeline(*q.actor, q.params[0]));
  }));

  // §13.3: bulk extension. A retry of a sales-peak extension must never
  // move the deadlines twice, so the key is required.
  r.push_back(On("POST", "/api/v1/deadlines/extend")
                  .Roles(Bit(Role::kManager))
                  .JsonBody()
                  .Idempotent(200)
                  .Handle([&cases](ApiRequest& q) {
                    if (!q.hook) {
                      return ApiReply::Error(
                          Status::Invalid("Idempotency-Key", "an Idempotency-Key header is required here"));
                    }
                    return ApiReply::From(cases.ExtendDeadlines(*q.actor, q.body, q.hook));
                  }));
  // What that would move now, for the manager to confirm (not in SPEC:
  // the extension page's preview, docs/deadlines.md).
  r.push_back(On("GET", "/api/v1/deadlines/extend").Roles(Bit(Role::kManager)).Handle([&cases](ApiRequest& q) {
    const std::set<std::string> fields = {"kind", "state", "due_before", "hours"};
    if (Status known = CheckQuery(q.http, fields, {}); !known.ok()) return ApiReply::Error(known);
    std::map<std::string, std::string> query;
    for (const auto& name : fields) {
      if (auto value = Param(q.http, name.c_str())) query[name] = *value;
    }
    return ApiReply::From(cases.PreviewExtension(*q.actor, query));
  }));

  // §6.10: the audit log.
  r.push_back(On("GET", "/api/v1/audit").Roles(kAuditReaders).Handle([&store](ApiRequest& q) {
    return ApiReply::From(ListAudit(store, q.http));
  }));
  r.push_back(On("GET", "/api/v1/audit/verify").Roles(kAuditReaders).Handle([&store](ApiRequest&) {
    return ApiReply::From(VerifyAudit(store));
  }));

  // Evidence bundles: a case, its entries, their texts and inclusion proofs
  // to a signed checkpoint (api/evidence_bundle.h, docs/audit-checkpoints.md).
  const EvidenceBundler bundler(store, policies, s.wall_clock, s.checkpoints);
  r.push_back(On("GET", "/api/v1/cases/{id}/bundle").Roles(kAuditReaders).Handle([bundler](ApiRequest& q) {
    return ApiReply::From(bundler.Build(*q.actor, q.params[0]));
  }));

  // §5: the policy.
  r.push_back(On("GET", "/api/v1/policy").Handle([&policies](ApiRequest& q) {
    auto p = policies.Current();
    if (!p) return ApiReply::Error(Status::Unavailable("the policy cannot be loaded"));
    json document = p->document;
    // The abuse thresholds would let a buyer stay just under them, and the
    // staff's scoring is the team's business: staff only.
    if (!IsStaff(q.actor->role)) {
      document.erase("risk");
      document.erase("scorecard");
    }
    return ApiReply::Json(200, json{{"version", p->version}, {"policy", document}});
  }));
  r.push_back(On("PUT", "/api/v1/policy").Roles(kAdminOnly).JsonBody().Handle([&policies, &clock](ApiRequest& q) {
    return ApiReply::From(policies.Replace(*q.actor, q.body, clock.Now(), q.hook));
  }));

  // §6.9: the test clock exists only when the server runs on one.
  if (s.test_clock != nullptr) {
    TestClock& test_clock = *s.test_clock;
    r.push_back(On("POST", "/api/v1/test/clock")
                    .Roles(kAdminOnly)
                    .JsonBody()
                    .Idempotent(200)
                    .Handle([&test_clock, &sweeper](ApiRequest& q) {
                      return ApiReply::From(AdvanceTestClock(test_clock, sweeper, *q.actor, q.body));
                    }));
  }
  return r;
}

}  // namespace aftersales
