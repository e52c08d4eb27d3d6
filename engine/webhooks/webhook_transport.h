// WebhookTransport: how the webhook dispatcher posts one delivery attempt.
// The engine knows no HTTP library; web/http_webhook_transport.h implements
// this over cpp-httplib, and tests may plug in their own.
//
// Thread-safety: implementations must allow concurrent Post calls from
// several threads, and Cancel from any thread while Posts are running.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "domain/status.h"

namespace aftersales {

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;

  // POSTs `body` to `url` (http or https) with `headers`, waiting at most
  // about `timeout_ms` to connect and for each read or write. Returns the
  // HTTP status of the answer, whatever it is (a 500 is a value, not an
  // error); the answer's body is read and discarded. Errors: unavailable
  // (the URL cannot be used, connection refused or timed out, TLS failure,
  // cancelled). Nothing is retried here: retries are the dispatcher's.
  virtual Result<int> Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& body, int timeout_ms) = 0;

  // Makes every Post in progress fail as soon as it can (an attempt still
  // connecting may take up to its timeout) and every later Post fail at
  // once. Used at shutdown. Irreversible. The default does nothing.
  virtual void Cancel() {}
};

}  // namespace aftersales
