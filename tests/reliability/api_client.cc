#include "reliability/api_client.h"

namespace aftersales::reliability {

using nlohmann::json;

json Answer::Json() const { return json::parse(body, nullptr, false); }

std::string Answer::Code() const {
  const json j = Json();
  if (j.is_object() && j.contains("code") && j["code"].is_string()) return j["code"].get<std::string>();
  return "";
}

ApiClient::ApiClient(const std::string& base_url, int read_timeout_seconds)
    : client_(std::make_unique<httplib::Client>(base_url)) {
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);
  client_->set_connection_timeout(2, 0);
  client_->set_read_timeout(read_timeout_seconds, 0);
  client_->set_write_timeout(10, 0);
}

Answer ApiClient::Send(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body, const std::string& idempotency_key) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  if (!idempotency_key.empty()) req.headers.emplace("Idempotency-Key", idempotency_key);
  if (method != "GET") {
    req.headers.emplace("Content-Type", "application/json");
    req.body = body;
  }
  Answer answer;
  httplib::Result result = client_->send(req);
  if (!result) return answer;
  answer.status = result->status;
  answer.body = result->body;
  answer.replayed = result->get_header_value("Idempotent-Replayed") == "true";
  return answer;
}

bool ServerAnswers(const std::string& base_url) {
  httplib::Client probe(base_url);
  probe.set_connection_timeout(1, 0);
  probe.set_read_timeout(1, 0);
  httplib::Result result = probe.Get("/healthz");
  return result && result->status == 200;
}

}  // namespace aftersales::reliability
