#include "web/api_routes.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <utility>

#include "engine/audit_log.h"
#include "web/openapi.h"

namespace aftersales {
namespace {

using nlohmann::json;

constexpr int kDefaultAuditLimit = 100;
constexpr int kMaxAuditLimit = 1000;

constexpr RoleSet kAdminOnly = Bit(Role::kAdmin);
constexpr RoleSet kAuditReaders = Bit(Role::kManager) | Bit(Role::kAdmin);
constexpr RoleSet kOrderWriters = Bit(Role::kIntegration) | Bit(Role::kAdmin);

std::regex Path(const std::string& pattern) { return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize); }

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

bool ParseInt(const std::string& s, std::int64_t* out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

Result<CaseQuery> ParseCaseQuery(const httplib::Request& req) {
  AS_RETURN_IF_ERROR(CheckQuery(req,
                                {"state", "type", "assignee", "order_id", "buyer_id", "breached", "due_before",
                                 "sort", "limit", "cursor"},
                                {"state"}));
  CaseQuery q;
  const auto count = req.get_param_value_count("state");
  for (std::size_t i = 0; i < count; ++i) {
    const std::string value = req.get_param_value("state", i);
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) q.states.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  q.type = Param(req, "type");
  q.assignee = Param(req, "assignee");
  q.order_id = Param(req, "order_id");
  q.buyer_id = Param(req, "buyer_id");
  q.breached = Param(req, "breached");
  q.due_before = Param(req, "due_before");
  q.sort = Param(req, "sort");
  q.limit = Param(req, "limit");
  q.cursor = Param(req, "cursor");
  return q;
}

Result<AuditFilter> ParseAuditFilter(const httplib::Request& req) {
  AS_RETURN_IF_ERROR(CheckQuery(req, {"case_id", "actor_id", "action", "from", "to", "after_seq", "limit"}));
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
    std::int64_t n = 0;
    if (!ParseInt(*v, &n) || n < 0) return Status::Invalid("after_seq", "after_seq must be an integer >= 0");
    f.after_seq = n;
  }
  f.limit = kDefaultAuditLimit;
  if (auto v = Param(req, "limit")) {
    std::int64_t n = 0;
    if (!ParseInt(*v, &n) || n < 1 || n > kMaxAuditLimit) {
      return Status::Invalid("limit", "limit must be an integer from 1 to 1000");
    }
    f.limit = static_cast<int>(n);
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
  auto login = users.LoginFromJson(r.body);
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
  CaseService& cases = s.cases;
  UserService& users = s.users;
  PolicyRegistry& policies = s.policies;
  const Clock& clock = s.clock;
  const std::string id = kIdCapture;

  std::vector<Route> routes;
  auto add = [&routes](Route r) { routes.push_back(std::move(r)); };

  // §6.1: health, the API description, metrics.
  add({"GET", "/healthz", Path("/healthz"), Access::kPublic, 0, BodyKind::kNone, false, 200, {},
       [](ApiRequest&) { return ApiReply::Json(200, json{{"status", "ok"}}); }});
  add({"GET", "/api/v1/openapi.json", Path("/api/v1/openapi\\.json"), Access::kPublic, 0, BodyKind::kNone, false,
       200, {}, [](ApiRequest&) { return ApiReply::Text(200, OpenApiJson(), "application/json"); }});
  add({"GET", "/metrics", Path("/metrics"), Access::kAuthenticated, kAuditReaders, BodyKind::kNone, false, 200, {},
       [&store, &clock, &metrics](ApiRequest&) {
         auto text = metrics.Render(store, clock.Now());
         if (!text.ok()) return ApiReply::Error(text.status());
         return ApiReply::Text(200, std::move(*text), "text/plain; version=0.0.4; charset=utf-8");
       }});

  // §6.2: users and sessions.
  add({"POST", "/api/v1/users", Path("/api/v1/users"), Access::kAuthenticated, kAdminOnly, BodyKind::kJsonObject,
       true, 201, {"token"},
       [&users](ApiRequest& r) { return ApiReply::From(users.CreateUserFromJson(*r.actor, r.body, r.hook), 201); }});
  add({"GET", "/api/v1/users", Path("/api/v1/users"), Access::kAuthenticated, kAdminOnly, BodyKind::kNone, false, 200,
       {}, [&users](ApiRequest& r) { return ApiReply::From(users.ListUsers(*r.actor)); }});
  add({"PATCH", "/api/v1/users/{id}", Path("/api/v1/users/" + id), Access::kAuthenticated, kAdminOnly,
       BodyKind::kJsonObject, false, 200, {},
       [&users](ApiRequest& r) { return ApiReply::From(users.PatchUser(*r.actor, r.params[0], r.body, r.hook)); }});
  add({"POST", "/api/v1/session", Path("/api/v1/session"), Access::kPublic, 0, BodyKind::kJsonObject, false, 200, {},
       [&users](ApiRequest& r) { return Login(users, r); }});
  add({"GET", "/api/v1/session", Path("/api/v1/session"), Access::kAuthenticated, 0, BodyKind::kNone, false, 200, {},
       [&users](ApiRequest& r) { return WhoAmI(users, r); }});
  add({"DELETE", "/api/v1/session", Path("/api/v1/session"), Access::kAuthenticated, 0, BodyKind::kNone, false, 204,
       {}, [&users](ApiRequest& r) { return Logout(users, r); }});

  // §6.3: orders.
  add({"POST", "/api/v1/orders", Path("/api/v1/orders"), Access::kAuthenticated, kOrderWriters, BodyKind::kJsonObject,
       true, 201, {},
       [&cases](ApiRequest& r) { return ApiReply::From(cases.CreateOrder(*r.actor, r.body, r.hook), 201); }});
  add({"PATCH", "/api/v1/orders/{id}", Path("/api/v1/orders/" + id), Access::kAuthenticated, kOrderWriters,
       BodyKind::kJsonObject, false, 200, {},
       [&cases](ApiRequest& r) { return ApiReply::From(cases.PatchOrder(*r.actor, r.params[0], r.body, r.hook)); }});
  add({"GET", "/api/v1/orders/{id}", Path("/api/v1/orders/" + id), Access::kAuthenticated, 0, BodyKind::kNone, false,
       200, {}, [&cases](ApiRequest& r) { return ApiReply::From(cases.GetOrder(*r.actor, r.params[0])); }});

  // §6.4-6.7: cases.
  add({"POST", "/api/v1/cases", Path("/api/v1/cases"), Access::kAuthenticated, 0, BodyKind::kJsonObject, true, 201, {},
       [&cases](ApiRequest& r) { return ApiReply::From(cases.Submit(*r.actor, r.body, r.hook), 201); }});
  add({"GET", "/api/v1/cases", Path("/api/v1/cases"), Access::kAuthenticated, 0, BodyKind::kNone, false, 200, {},
       [&cases](ApiRequest& r) {
         auto query = ParseCaseQuery(r.http);
         if (!query.ok()) return ApiReply::Error(query.status());
         return ApiReply::From(cases.ListCases(*r.actor, *query));
       }});
  add({"GET", "/api/v1/cases/{id}", Path("/api/v1/cases/" + id), Access::kAuthenticated, 0, BodyKind::kNone, false,
       200, {}, [&cases](ApiRequest& r) { return ApiReply::From(cases.GetCase(*r.actor, r.params[0])); }});
  add({"POST", "/api/v1/cases/{id}/actions/{action}", Path("/api/v1/cases/" + id + "/actions/" + id),
       Access::kAuthenticated, 0, BodyKind::kJsonObject, true, 200, {}, [&cases](ApiRequest& r) {
         return ApiReply::From(cases.Apply(*r.actor, r.params[0], r.params[1], r.body, r.hook));
       }});
  add({"GET", "/api/v1/cases/{id}/timeline", Path("/api/v1/cases/" + id + "/timeline"), Access::kAuthenticated, 0,
       BodyKind::kNone, false, 200, {},
       [&cases](ApiRequest& r) { return ApiReply::From(cases.Timeline(*r.actor, r.params[0])); }});

  // §6.10: the audit log.
  add({"GET", "/api/v1/audit", Path("/api/v1/audit"), Access::kAuthenticated, kAuditReaders, BodyKind::kNone, false,
       200, {}, [&store](ApiRequest& r) { return ApiReply::From(ListAudit(store, r.http)); }});
  add({"GET", "/api/v1/audit/verify", Path("/api/v1/audit/verify"), Access::kAuthenticated, kAuditReaders,
       BodyKind::kNone, false, 200, {}, [&store](ApiRequest&) { return ApiReply::From(VerifyAudit(store)); }});

  // §5: the policy.
  add({"GET", "/api/v1/policy", Path("/api/v1/policy"), Access::kAuthenticated, 0, BodyKind::kNone, false, 200, {},
       [&policies](ApiRequest&) {
         auto p = policies.Current();
         return ApiReply::Json(200, json{{"version", p->version}, {"policy", p->document}});
       }});
  add({"PUT", "/api/v1/policy", Path("/api/v1/policy"), Access::kAuthenticated, kAdminOnly, BodyKind::kJsonObject,
       false, 200, {}, [&policies, &clock](ApiRequest& r) {
         return ApiReply::From(policies.Replace(*r.actor, r.body, clock.Now(), r.hook));
       }});

  // §6.9: the test clock exists only when the server runs on one.
  if (s.test_clock != nullptr) {
    TestClock& test_clock = *s.test_clock;
    add({"POST", "/api/v1/test/clock", Path("/api/v1/test/clock"), Access::kAuthenticated, kAdminOnly,
         BodyKind::kJsonObject, true, 200, {}, [&test_clock, &cases](ApiRequest& r) {
           return ApiReply::From(AdvanceTestClock(test_clock, cases, *r.actor, r.body));
         }});
  }
  return routes;
}

}  // namespace aftersales
