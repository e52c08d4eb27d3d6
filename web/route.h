// The route table of the HTTP API: what each route needs before its
// handler runs (authentication, roles, a JSON body, idempotency) and the
// handler itself, which is thin: it reads the request, calls one engine
// method and turns the result into a reply. HttpServer does everything
// else (limits, auth, body parsing, idempotency, problem+json, logging).
// Plain values; a built table is immutable and shared by all threads.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/actor.h"
#include "domain/status.h"
#include "domain/vocabulary.h"
#include "engine/engine_types.h"

namespace aftersales {

// What a handler sees.
struct ApiRequest {
  explicit ApiRequest(const httplib::Request& request) : http(request) {}

  const httplib::Request& http;
  std::vector<std::string> params;        // the pattern's captures, in order
  const Actor* actor = nullptr;           // null only on public routes
  nlohmann::json body;                    // the parsed body ({} when empty); null on bodiless routes
  TxnHook hook;                           // stores the idempotency record; empty without a key
  std::optional<std::string> session_id;  // the session cookie, when it authenticated the caller
  std::optional<std::string> csrf_token;  // that session's CSRF token
  std::string client_address;             // the client's IP address (web/client_address.h)
};

// What a handler answers: a JSON value, raw text, or an error.
struct ApiReply {
  int status = 200;
  Status error;  // not ok → problem+json with its HTTP status
  std::optional<nlohmann::json> json;
  std::string text;  // used when json is empty
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiReply Json(int status, nlohmann::json value);
  static ApiReply Text(int status, std::string text, std::string content_type);
  static ApiReply Error(Status status);
  // An engine result: the value with `status`, or its error.
  static ApiReply From(Result<nlohmann::json> result, int status = 200);
  // An engine result already written as JSON text (application/json). On an
  // Idempotent route, only a command whose hook records its answer inside
  // its transaction may answer this way (the case commands do).
  static ApiReply FromJsonText(Result<std::string> result, int status = 200);
};

enum class Access {
  kPublic,         // no credentials needed
  kAuthenticated,  // any valid token or session
};

enum class BodyKind {
  kNone,        // no body expected
  kJsonObject,  // a JSON object (an empty body counts as {})
};

struct Route {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string pattern;  // "/api/v1/cases/{id}": matched by MatchRoutePath; names the route in logs and metrics
  Access access = Access::kAuthenticated;
  RoleSet roles = 0;  // 0: every authenticated role; else 403 for others
  BodyKind body = BodyKind::kNone;
  bool idempotent = false;          // honours Idempotency-Key
  int success_status = 200;         // what the idempotency record stores on success
  std::vector<std::string> redact;  // members never stored for replay
  std::function<ApiReply(ApiRequest&)> handler;
};

// Whether the decoded `path` matches `pattern` whole; its captures are
// appended to `params` in order (on a mismatch, `params` may hold some).
// A pattern is literal text and captures: "{name}" takes an id of SPEC §1
// (1 to 64 of [A-Za-z0-9._-]); "{name*}", last in a pattern, takes the rest
// of the path, slashes included (1 to 200 of [A-Za-z0-9._/-]). A capture is
// followed by "/" or ends the pattern. This runs on every request, so it
// is a plain scan, not std::regex.
bool MatchRoutePath(std::string_view pattern, std::string_view path, std::vector<std::string>& params);

}  // namespace aftersales
