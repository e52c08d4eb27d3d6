// HttpWebhookTransport: the WebhookTransport of engine/webhook_transport.h
// over cpp-httplib's client, for http and https URLs (loopback included).
//
// Each Post opens its own connection (no keep-alive: attempts to one
// endpoint are rare and may run in parallel), sends the body with the given
// headers plus a User-Agent, and reads the answer's status. The answer's
// body is discarded as it arrives, and reading stops after 1 MiB or once
// the attempt has taken twice its timeout, so that an endpoint cannot hold
// a worker or memory for long. Redirects are not followed (a 3xx is a
// failed attempt). https verifies the server's certificate and host name
// against the system's trusted CAs.
//
// Thread-safe: any number of concurrent Posts; Cancel from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/webhooks/webhook_transport.h"

namespace httplib {
class ClientImpl;
}  // namespace httplib

namespace aftersales {

class HttpWebhookTransport final : public WebhookTransport {
 public:
  static constexpr const char* kUserAgent = "aftersales-webhooks/1";

  HttpWebhookTransport() = default;
  ~HttpWebhookTransport() override;
  HttpWebhookTransport(const HttpWebhookTransport&) = delete;
  HttpWebhookTransport& operator=(const HttpWebhookTransport&) = delete;

  // See WebhookTransport::Post. Errors: unavailable, naming the URL's host
  // and what went wrong (unusable URL, connection, TLS, timeout, too large
  // an answer, cancelled).
  Result<int> Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& body, int timeout_ms) override;
  // Shuts down the sockets of the Posts in progress and refuses later ones.
  void Cancel() override;

 private:
  std::mutex mu_;                          // guards active_
  std::set<httplib::ClientImpl*> active_;  // clients of the Posts in progress
  std::atomic<bool> cancelled_{false};
};

}  // namespace aftersales
