#include "web/http_webhook_transport.h"

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>

#include "domain/clock.h"
#include "engine/webhooks/webhook_service.h"

namespace aftersales {
namespace {

// An answer's body is not needed; this much of it is read and dropped.
constexpr std::size_t kMaxAnswerBytes = 1 << 20;
constexpr int kMillisPerSecond = 1000;
constexpr int kMicrosPerMilli = 1000;

// Keeps `client` in `active` (for Cancel) while it lives.
class ActiveClient {
 public:
  ActiveClient(std::mutex& mu, std::set<httplib::ClientImpl*>& active, httplib::ClientImpl* client)
      : mu_(mu), active_(active), client_(client) {}
  ~ActiveClient() {
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(client_);
  }
  ActiveClient(const ActiveClient&) = delete;
  ActiveClient& operator=(const ActiveClient&) = delete;

 private:
  std::mutex& mu_;
  std::set<httplib::ClientImpl*>& active_;
  httplib::ClientImpl* client_;
};

}  // namespace

HttpWebhookTransport::~HttpWebhookTransport() = default;

Result<int> HttpWebhookTransport::Post(const std::string& url,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       const std::string& body, int timeout_ms) {
  if (cancelled_) return Status::Unavailable("cancelled: the dispatcher is stopping");
  const std::optional<WebhookUrl> target = ParseWebhookUrl(url);
  if (!target) return Status::Unavailable("the webhook URL cannot be used");
  const std::string endpoint = target->host + ":" + std::to_string(target->port);
  const int millis = std::max(1, timeout_ms);
  const time_t seconds = millis / kMillisPerSecond;
  const time_t micros = static_cast<time_t>(millis % kMillisPerSecond) * kMicrosPerMilli;
  // Reads may trickle in under the per-read timeout; the whole answer gets twice the timeout.
  const double deadline = MonotonicSeconds() + 2.0 * millis / kMillisPerSecond;

  try {
    std::unique_ptr<httplib::ClientImpl> client;
    if (target->scheme == "https") {
      client = std::make_unique<httplib::SSLClient>(target->host, target->port);
    } else {
      client = std::make_unique<httplib::ClientImpl>(target->host, target->port);
    }
    if (!client->is_valid()) return Status::Unavailable("POST to " + endpoint + ": cannot set up the client (TLS)");
    client->set_connection_timeout(seconds, micros);
    client->set_read_timeout(seconds, micros);
    client->set_write_timeout(seconds, micros);
    client->set_keep_alive(false);
    client->set_follow_location(false);
    client->set_tcp_nodelay(true);
    client->enable_server_certificate_verification(true);

    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return Status::Unavailable("cancelled: the dispatcher is stopping");
      active_.insert(client.get());
    }
    ActiveClient registered(mu_, active_, client.get());

    httplib::Request request;
    request.method = "POST";
    request.path = target->target;
    for (const auto& [name, value] : headers) request.set_header(name, value);
    request.set_header("User-Agent", kUserAgent);
    request.body = body;

    int status = 0;
    bool cut_off = false;  // this side stopped reading the answer's body
    std::size_t received = 0;
    request.response_handler = [&status](const httplib::Response& response) {
      status = response.status;
      return true;
    };
    request.content_receiver = [&](const char*, std::size_t n, std::uint64_t, std::uint64_t) {
      received += n;
      if (received > kMaxAnswerBytes || MonotonicSeconds() > deadline) {
        cut_off = true;
        return false;
      }
      return true;
    };

    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    if (client->send(request, response, error)) return response.status;
    // The status line arrived; only the (unneeded) body was cut off.
    if (cut_off && status != 0) return status;
    if (cancelled_) return Status::Unavailable("POST to " + endpoint + ": cancelled: the dispatcher is stopping");
    return Status::Unavailable("POST to " + endpoint + " failed: " + httplib::to_string(error));
  } catch (const std::exception& e) {
    return Status::Unavailable("POST to " + endpoint + " failed: " + e.what());
  }
}

void HttpWebhookTransport::Cancel() {
  cancelled_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (httplib::ClientImpl* client : active_) client->stop();
}

}  // namespace aftersales
