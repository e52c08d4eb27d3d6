#include "web/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/crypto.h"
#include "engine/json_writer.h"
#include "web/api_routes.h"
#include "web/guarded_server.h"
#include "web/idempotency.h"
#include "web/json_body.h"
#include "web/metrics.h"
#include "web/problem.h"
#include "web/report_routes.h"
#include "web/request_limits.h"
#include "web/route.h"
#include "web/ui_routes.h"
#include "web/webhook_routes.h"

namespace aftersales {
namespace {

using nlohmann::json;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr std::size_t kMaxLoggedPathBytes = 200;
constexpr const char* kCsrfHeader = "X-CSRF-Token";

// The request this thread is serving. cpp-httplib runs the expect-100
// handler, the pre-routing handler, the route handler, the error handler and
// the logger of one request on the thread that serves its connection, one
// request after another; the logger, which runs last, resets it.
struct RequestContext {
  const httplib::Request* request = nullptr;  // set once admission started
  double started = 0;
  const Route* route = nullptr;
  std::vector<std::string> params;
  std::optional<Actor> actor;
  std::optional<std::string> session_id;
  std::optional<std::string> csrf_token;
  bool answered = false;  // this layer wrote the response
  std::string log_error;  // the real message of a 5xx answer
  std::optional<std::string> client_address;  // once a handler was given it
};
thread_local RequestContext t_ctx;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool IsUnsafeMethod(const std::string& m) { return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE"; }

// Paths under which an unknown route still needs credentials first (SPEC
// §4.2: 401 before 404); other unknown paths answer 404 at once.
bool IsProtectedPath(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/metrics" || path.rfind("/metrics/", 0) == 0;
}

// The value of cookie `name` across all Cookie headers.
std::optional<std::string> FindCookie(const httplib::Request& req, const std::string& name) {
  const auto count = req.get_header_value_count("Cookie");
  for (std::size_t i = 0; i < count; ++i) {
    const std::string header = req.get_header_value("Cookie", i);
    std::size_t pos = 0;
    while (pos < header.size()) {
      std::size_t end = header.find(';', pos);
      if (end == std::string::npos) end = header.size();
      const std::string pair = Trim(header.substr(pos, end - pos));
      const auto eq = pair.find('=');
      if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
      pos = end + 1;
    }
  }
  return std::nullopt;
}

std::string MetricMethod(const std::string& m) {
  static const char* kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const char* k : kKnown) {
    if (m == k) return m;
  }
  return "OTHER";
}

// A problem document for statuses cpp-httplib answers on its own.
json LibraryProblem(int status) {
  switch (status) {
    case 400:
      return ProblemJson(Status(Code::kValidationFailed, "the HTTP request is malformed"));
    case 404:
      return ProblemJson(Status::NotFound("route"));
    case 413:
      return ProblemJson(Status(Code::kPayloadTooLarge, "the request body exceeds 1 MiB"));
    case 414:
      return ProblemJson(414, "uri_too_long", "URI too long", "the request URI exceeds 8 KiB");
    case 416:
      return ProblemJson(416, "range_not_satisfiable", "Range not satisfiable", "byte ranges are not served");
    case 431:
      return ProblemJson(Status(Code::kHeadersTooLarge, "the request headers exceed 16 KiB"));
    default:
      break;
  }
  if (status >= 500) return ProblemJson(Status::Internal("library error"));
  return ProblemJson(status, "bad_request", "Bad request", "the request cannot be served");
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const WebServices& services, HttpServerOptions options)
      : services_(services),
        options_(std::move(options)),
        keys_(services.store, services.wall_clock, services.store.Shared()),
        routes_(BuildApiRoutes(services, metrics_)),
        loop_(options_.connections, [this](ReceivedRequest& r) { return ServeReceived(r); },
              [this](const std::string& remote, int status, const Status& why) { OnRefused(remote, status, why); }) {
    if (services_.webhooks != nullptr) {
      for (Route& route : BuildWebhookRoutes(*services_.webhooks)) routes_.push_back(std::move(route));
    }
    for (Route& route : BuildReportRoutes(services_)) routes_.push_back(std::move(route));
    AppendUiRoutes(routes_);
    server_.set_payload_max_length(kMaxBodyBytes);
    server_.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
    server_.set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return ExpectContinue(req, res); });
    server_.set_pre_routing_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) { return PreRoute(req, res); }));
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) { return OnError(req, res); }));
    server_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      // The library announces keep-alive even on a connection that closes.
      if (res.get_header_value("Connection") == "close") res.headers.erase("Keep-Alive");
    });
    server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) { OnLogged(req, res); });
    const httplib::Server::Handler dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res);
    };
    server_.Get(".*", dispatch);
    server_.Post(".*", dispatch);
    server_.Put(".*", dispatch);
    server_.Patch(".*", dispatch);
    server_.Delete(".*", dispatch);
  }

  ~Impl() { Stop(); }

  Status Start(const std::string& host, int port) { return loop_.Start(host, port); }

  int port() const { return loop_.port(); }

  void Stop() { loop_.Stop(); }

 private:
  ServeOutcome ServeReceived(ReceivedRequest& request) {
    t_ctx = RequestContext();
    return server_.Serve(request);
  }

  // An answer the connection loop wrote itself (a refused head, a timeout,
  // a full server): logged and counted like any other.
  void OnRefused(const std::string& remote, int status, const Status& why) {
    try {
      metrics_.Observe("unmatched", "OTHER", status, 0.0);
      json line = {{"ts", FormatTime(services_.wall_clock.Now())},
                   {"method", nullptr},
                   {"route", "unmatched"},
                   {"path", nullptr},
                   {"status", status},
                   {"ms", 0},
                   {"actor", nullptr},
                   {"remote", remote},
                   {"refused", CodeName(why.code())}};
      Emit(WireJson(line));
    } catch (...) {
      // Logging never takes the server down.
    }
  }

  // --- before the body is read ---------------------------------------------

  int ExpectContinue(const httplib::Request& req, httplib::Response& res) {
    if (PreRoute(req, res) == HandlerResponse::Handled) {
      // Answered instead of "100 Continue": cpp-httplib writes this answer
      // without computing its length.
      res.set_header("Content-Length", std::to_string(res.body.size()));
      return res.status;
    }
    return 100;
  }

  HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res) {
    if (t_ctx.request == &req) return HandlerResponse::Unhandled;  // admitted by ExpectContinue
    t_ctx = RequestContext();
    t_ctx.request = &req;
    t_ctx.started = MonotonicSeconds();
    Status status;
    try {
      status = Admit(req);
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("admission failed: ") + e.what());
    } catch (...) {
      status = Status::Internal("admission failed");
    }
    if (status.ok()) return HandlerResponse::Unhandled;
    // The body, if any, is unread: the connection must not be reused.
    const bool has_body = DeclaredBodyBytes(req) > 0 || req.has_header("Transfer-Encoding");
    const bool framing = status.code() == Code::kLengthRequired || status.code() == Code::kHeadersTooLarge ||
                         (status.code() == Code::kValidationFailed && !t_ctx.route);
    if (has_body || framing) {
      CloseConnectionAfterResponse();
      res.set_header("Connection", "close");
    }
    WriteReply(ApiReply::Error(status), res);
    return HandlerResponse::Handled;
  }

  // The checks that need no body, in SPEC §4.2's order.
  Status Admit(const httplib::Request& req) {
    // Byte ranges mean nothing to this API; the library would apply them.
    const_cast<httplib::Request&>(req).ranges.clear();
    AS_RETURN_IF_ERROR(CheckFraming(req));
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    if (!IsUnsafeMethod(method) && DeclaredBodyBytes(req) > 0) {
      return Status::Invalid("Content-Length", "a " + req.method + " request has no body");
    }
    if (IsUnsafeMethod(method) && !req.has_header("Content-Length")) {
      // RFC 9112 §6.3: without Content-Length (Transfer-Encoding is refused
      // above) a request has no body. The library would read until EOF.
      const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
    }
    for (const Route& route : routes_) {
      if (route.method == method && MatchRoutePath(route.pattern, req.path, t_ctx.params)) {
        t_ctx.route = &route;
        break;
      }
      t_ctx.params.clear();
    }
    const bool needs_auth = t_ctx.route ? t_ctx.route->access == Access::kAuthenticated : IsProtectedPath(req.path);
    if (needs_auth) AS_RETURN_IF_ERROR(Authenticate(req));
    AS_RETURN_IF_ERROR(CheckBodySize(req));
    AS_RETURN_IF_ERROR(CheckContentType(req));
    if (!t_ctx.route) return Status(Code::kNotFound, "no such route: " + req.method + " " + req.path);
    return Status::Ok();
  }

  Status Authenticate(const httplib::Request& req) {
    static const std::string kAuthorization = "Authorization";
    if (const std::string* authorization = FirstHeaderValue(req, kAuthorization)) {
      const std::string& value = *authorization;
      if (value.size() < 7 || Lower(value.substr(0, 7)) != "bearer ") {
        return Status(Code::kUnauthenticated, "Authorization must be \"Bearer <token>\"");
      }
      auto actor = services_.users.Authenticate(Trim(value.substr(7)));
      if (!actor.ok()) return actor.status();
      t_ctx.actor = std::move(*actor);
      return Status::Ok();
    }
    if (auto session = FindCookie(req, kSessionCookie)) {
      auto auth = services_.users.AuthenticateSession(*session);
      if (!auth.ok()) return auth.status();
      t_ctx.actor = auth->actor;
      t_ctx.session_id = *session;
      t_ctx.csrf_token = auth->csrf_token;
      if (IsUnsafeMethod(req.method) && !ConstantTimeEquals(req.get_header_value(kCsrfHeader), auth->csrf_token)) {
        return Status(Code::kForbidden, "a change made with a session cookie needs the session's X-CSRF-Token header");
      }
      return Status::Ok();
    }
    return Status(Code::kUnauthenticated, "send Authorization: Bearer <token>, or log in for a session");
  }

  // --- after the body is read ----------------------------------------------

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    ApiReply reply;
    try {
      reply = Serve(req);
    } catch (const std::exception& e) {
      reply = ApiReply::Error(Status::Internal(std::string("unhandled exception: ") + e.what()));
    } catch (...) {
      reply = ApiReply::Error(Status::Internal("unhandled exception"));
    }
    try {
      WriteReply(reply, res);
    } catch (...) {
      res.status = 500;
      res.set_content(WireJson(ProblemJson(Status::Internal("write failed"))), kProblemContentType);
      t_ctx.answered = true;
    }
  }

  ApiReply Serve(const httplib::Request& req) {
    if (t_ctx.request != &req || t_ctx.route == nullptr) {
      return ApiReply::Error(Status::Internal("request reached a handler without admission"));
    }
    const Route& route = *t_ctx.route;
    std::unique_ptr<IdempotencyKeys::Claim> claim;
    if (route.idempotent && t_ctx.actor && req.has_header("Idempotency-Key")) {
      auto begun = keys_.Begin(IdempotencyKeys::Scope(t_ctx.actor->id, req.method, req.path),
                               req.get_header_value("Idempotency-Key"), req.body);
      if (!begun.ok()) return ApiReply::Error(begun.status());
      claim = std::move(*begun);
      if (const auto& stored = claim->replay()) {
        ApiReply replay = ApiReply::Text(stored->status, stored->body,
                                         stored->status >= 400 ? kProblemContentType : kJsonContentType);
        replay.headers.emplace_back("Idempotent-Replayed", "true");
        return replay;
      }
    }
    ApiReply reply = Run(route, req, claim.get());
    if (claim && !claim->recorded()) claim->Record(reply.status, RecordedBody(reply), route.redact);
    return reply;
  }

  // What an idempotency record stores of a reply its hook did not store:
  // the problem, or the JSON value answered. (A route answering text, a
  // case command, has its success recorded by its hook.)
  static json RecordedBody(const ApiReply& reply) {
    if (!reply.error.ok()) return ProblemJson(reply.error);
    return reply.json.value_or(json(nullptr));
  }

  ApiReply Run(const Route& route, const httplib::Request& req, IdempotencyKeys::Claim* claim) {
    ApiRequest r(req);
    r.params = t_ctx.params;
    r.actor = t_ctx.actor ? &*t_ctx.actor : nullptr;
    r.session_id = t_ctx.session_id;
    r.csrf_token = t_ctx.csrf_token;
    t_ctx.client_address = ClientAddressOf(req, options_.trusted_proxies);
    r.client_address = *t_ctx.client_address;
    if (route.body == BodyKind::kJsonObject) {
      if (req.body.empty()) {
        r.body = json::object();
      } else {
        auto parsed = ParseJsonBody(req.body);
        if (!parsed.ok()) return ApiReply::Error(parsed.status());
        if (!parsed->is_object())
          return ApiReply::Error(Status(Code::kMalformedJson, "the body must be a JSON object"));
        r.body = std::move(*parsed);
      }
    }
    if (route.roles != 0 && (r.actor == nullptr || (route.roles & Bit(r.actor->role)) == 0)) {
      return ApiReply::Error(Status(Code::kForbidden, "this route is not open to your role"));
    }
    if (claim) r.hook = claim->Hook(route.success_status, route.redact);
    return route.handler(r);
  }

  void WriteReply(const ApiReply& reply, httplib::Response& res) {
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) {
      if (name == "Cache-Control") res.headers.erase(name);  // a route's own replaces the default no-store
      res.set_header(name, value);
    }
    if (!reply.error.ok()) {
      const Status& error = reply.error;
      if (error.code() == Code::kInternal || error.code() == Code::kUnavailable) t_ctx.log_error = error.message();
      if (error.code() == Code::kUnauthenticated) res.set_header("WWW-Authenticate", "Bearer");
      if (error.code() == Code::kRateLimited && error.extra().contains("retry_after_seconds")) {
        res.set_header("Retry-After", error.extra().at("retry_after_seconds").dump());
      }
      res.status = HttpStatusOf(error.code());
      res.set_content(WireJson(ProblemJson(error)), kProblemContentType);
    } else if (reply.json) {
      res.set_content(WireJson(*reply.json), kJsonContentType);
    } else if (!reply.text.empty()) {
      res.set_content(reply.text, reply.content_type);
    }
    t_ctx.answered = true;
  }

  // --- answers the library makes, and the log ---------------------------------

  HandlerResponse OnError(const httplib::Request& req, httplib::Response& res) {
    try {
      if (t_ctx.request == &req && t_ctx.answered) return HandlerResponse::Unhandled;
      res.set_content(WireJson(LibraryProblem(res.status)), kProblemContentType);
      // The rest of a request the library refused cannot be trusted.
      CloseConnectionAfterResponse();
      res.set_header("Connection", "close");
    } catch (...) {
      // Leave the library's own answer.
    }
    return HandlerResponse::Handled;
  }

  void OnLogged(const httplib::Request& req, const httplib::Response& res) {
    try {
      const bool ours = t_ctx.request == &req;
      const double seconds = ours ? MonotonicSeconds() - t_ctx.started : 0.0;
      const std::string route = ours && t_ctx.route ? t_ctx.route->pattern : "unmatched";
      metrics_.Observe(route, MetricMethod(req.method), res.status, seconds);
      // One compact JSON object, its members in sorted order (as dump()
      // writes them), written without a tree: this runs on every request.
      std::string line;
      JsonWriter w(line);
      w.BeginObject();
      ours && t_ctx.actor ? w.Key("actor").String(t_ctx.actor->id) : w.Key("actor").Null();
      if (ours && !t_ctx.log_error.empty()) w.Key("error").String(t_ctx.log_error);
      w.Key("method").String(req.method);
      w.Key("ms").Value(json(static_cast<double>(static_cast<std::int64_t>(seconds * 100000)) / 100.0));
      w.Key("path").String(std::string_view(req.path).substr(0, kMaxLoggedPathBytes));
      w.Key("remote").String(ours && t_ctx.client_address ? *t_ctx.client_address
                                                          : ClientAddressOf(req, options_.trusted_proxies));
      w.Key("route").String(route);
      w.Key("status").Int(res.status);
      w.Key("ts").String(FormatTime(services_.wall_clock.Now()));
      w.EndObject();
      Emit(line);
    } catch (...) {
      // Logging never takes the server down.
    }
    t_ctx = RequestContext();
  }

  void Emit(const std::string& line) {
    if (options_.access_log) {
      options_.access_log(line);
      return;
    }
    std::lock_guard<std::mutex> lock(log_mu_);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

  WebServices services_;
  HttpServerOptions options_;
  HttpMetrics metrics_;
  IdempotencyKeys keys_;
  std::vector<Route> routes_;
  GuardedServer server_;
  std::mutex log_mu_;
  ConnectionLoop loop_;
};

HttpServer::HttpServer(const WebServices& services, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(services, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start(const std::string& host, int port) { return impl_->Start(host, port); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace aftersales
