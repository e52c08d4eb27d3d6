// HttpServer: the HTTP API of SPEC §6 over cpp-httplib.
//
// Every request passes, in this order (SPEC §4.2, §6.13): framing limits
// (411 Transfer-Encoding, 400 CR/LF in header values, 431 headers over
// 16 KiB), authentication (401; bearer token or session cookie, with a CSRF
// header for cookie-authenticated writes, else 403), 413 for a declared body
// over 1 MiB, 415 for a body that is not application/json, 404 for an
// unknown route — all before any body byte is read — then idempotency
// (SPEC §6.8), UTF-8/JSON parsing (400), the route's role check (403) and
// the route's handler. Every error is application/problem+json. A request
// refused before its body was read ends its connection, so that the unread
// body is never taken for the next request.
//
// Each answered request writes one JSON line to the access log (method,
// route pattern, status, milliseconds, actor id; never a token or a
// password) and is counted for GET /metrics.
//
// Connections are held by one event thread (web/connection_loop.h) and a
// request reaches one of a fixed pool of workers only once it has arrived,
// so that idle or slow clients holding connections do not delay others;
// connection caps per address and in all answer 503 at once. Expose the
// server to the internet only behind a reverse proxy that terminates TLS.
//
// Thread-safety: Start and Stop are called from one controlling thread;
// requests are served concurrently, and the services must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/status.h"
#include "api/json_api.h"
#include "api/evidence_bundle.h"
#include "engine/policy_registry.h"
#include "engine/store/store.h"
#include "engine/test_clock.h"
#include "engine/users/user_service.h"
#include "engine/webhooks/webhook_service.h"
#include "web/client_address.h"
#include "web/connection_loop.h"

namespace aftersales {

// What the HTTP layer serves. The caller owns everything and keeps it alive
// until the server has stopped.
struct WebServices {
  Store& store;
  JsonApi& cases;  // orders and cases; its engine() also sweeps deadlines
  UserService& users;
  PolicyRegistry& policies;
  const Clock& clock;                  // the engine's (business) time
  const Clock& wall_clock;             // real time: idempotency records, log stamps
  TestClock* test_clock = nullptr;     // set only under --test-clock: enables POST /test/clock
  WebhookService* webhooks = nullptr;  // set: serves /api/v1/webhooks (SPEC §6.12)
  // Set: evidence bundles (GET /cases/{id}/bundle) carry the newest signed
  // audit checkpoint of this folder and key, with inclusion proofs.
  const CheckpointSource* checkpoints = nullptr;
};

struct HttpServerOptions {
  // Workers, connection caps and timeouts (web/connection_loop.h).
  ConnectionLimits connections;
  // Receives one JSON line (without newline) per answered request. Empty:
  // lines go to stderr.
  std::function<void(const std::string&)> access_log;
  // Reverse proxies whose X-Forwarded-For names the client that the access
  // log shows as `remote` and login throttling counts against
  // (web/client_address.h). Empty: the peer address.
  TrustedProxies trusted_proxies;
};

class HttpServer {
 public:
  explicit HttpServer(const WebServices& services, HttpServerOptions options = {});
  ~HttpServer();  // stops the server
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host:port` (port 0: an ephemeral port, see port()) and serves on
  // a background thread. Errors: unavailable, with a message naming the
  // address and the reason ("address already in use"); already_exists when
  // started twice.
  Status Start(const std::string& host, int port);
  // The bound port once Start succeeded; 0 before.
  int port() const;
  // Stops accepting connections, closes idle ones at once, lets requests
  // already received finish, then returns. Safe to call more than once.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aftersales
