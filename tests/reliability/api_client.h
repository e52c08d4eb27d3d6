// ApiClient: one keep-alive HTTP connection from a load or check thread to
// the aftersales server under test, speaking JSON with a bearer token.
// Transport failures (refused, reset, timed out: the server was killed or
// hung) come back as status 0, never as exceptions. Not thread-safe: one
// client per thread.
#pragma once

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace aftersales::reliability {

// One answer as the client saw it.
struct Answer {
  int status = 0;  // 0: no answer (transport error)
  std::string body;
  bool replayed = false;  // Idempotent-Replayed: true

  bool ok() const { return status >= 200 && status < 300; }
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const;
  // The problem+json `code`, or "".
  std::string Code() const;
};

class ApiClient {
 public:
  // `base_url` is "http://HOST:PORT". Each read waits at most
  // `read_timeout_seconds` (a test-clock move may fire many deadlines).
  explicit ApiClient(const std::string& base_url, int read_timeout_seconds = 60);

  // Sends `body` as application/json (no body when empty and `method` is
  // GET). An empty `token` sends no Authorization header; an empty
  // `idempotency_key` no Idempotency-Key.
  Answer Send(const std::string& method, const std::string& path, const std::string& token,
              const std::string& body = "", const std::string& idempotency_key = "");
  Answer Get(const std::string& path, const std::string& token) { return Send("GET", path, token); }
  Answer Post(const std::string& path, const std::string& token, const nlohmann::json& body,
              const std::string& idempotency_key = "") {
    return Send("POST", path, token, body.dump(), idempotency_key);
  }

 private:
  std::unique_ptr<httplib::Client> client_;
};

// Whether anything answers GET /healthz at `base_url` within a second.
bool ServerAnswers(const std::string& base_url);

}  // namespace aftersales::reliability
