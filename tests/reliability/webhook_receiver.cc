#include "reliability/webhook_receiver.h"

#include <sstream>
#include <stdexcept>

#include "engine/crypto.h"

namespace aftersales::reliability {
namespace {

// "t=<digits>,v1=<hex>" against HMAC-SHA256(secret, "<t>.<body>"), compared
// in constant time, as docs/webhooks.md tells receivers to.
bool SignatureVerifies(const std::string& header, const std::string& secret, const std::string& body) {
  if (header.rfind("t=", 0) != 0) return false;
  const auto comma = header.find(",v1=");
  if (comma == std::string::npos) return false;
  const std::string stamp = header.substr(2, comma - 2);
  if (stamp.empty() || stamp.find_first_not_of("0123456789") != std::string::npos) return false;
  return ConstantTimeEquals(HmacSha256Hex(secret, stamp + "." + body), header.substr(comma + 4));
}

}  // namespace

WebhookReceiver::WebhookReceiver(std::string secret, const std::string& out_path)
    : secret_(std::move(secret)), out_(out_path, std::ios::app) {
  if (!out_) throw std::runtime_error("cannot open " + out_path);
  server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
}

void WebhookReceiver::Serve() { server_.listen_after_bind(); }

void WebhookReceiver::Handle(const httplib::Request& req, httplib::Response& res) {
  const bool verified = SignatureVerifies(req.get_header_value("X-Aftersales-Signature"), secret_, req.body);
  std::string event_id = req.get_header_value("X-Aftersales-Event-Id");
  std::string type = req.get_header_value("X-Aftersales-Event");
  if (event_id.empty()) event_id = "-";
  if (type.empty()) type = "-";
  {
    std::lock_guard<std::mutex> lock(mu_);
    out_ << event_id << ' ' << type << ' ' << (verified ? "ok" : "bad-signature") << '\n';
    out_.flush();
  }
  res.status = 200;
  res.set_content("{}", "application/json");
}

Received ReadReceived(const std::string& path) {
  Received received;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string event_id, type, verdict;
    if (!(fields >> event_id >> type >> verdict)) continue;  // a line still being written
    ++received.total;
    ++received.deliveries_by_event[event_id];
    received.type_by_event[event_id] = type;
    if (verdict != "ok") ++received.bad_signatures;
  }
  return received;
}

}  // namespace aftersales::reliability
