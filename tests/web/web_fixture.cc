#include "api/json_api.h"
#include "web/web_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

#include "workflows/policy.h"

namespace aftersales::testing {

using nlohmann::json;

WebFixture::WebFixture(Options options) {
  store_ = database_.OpenStore();
  if (options.fault_injection) faults_ = std::make_unique<FaultInjectingStore>(*store_);
  if (options.test_clock) {
    auto opened = TestClock::Open(store(), wall_.Now());
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    test_clock_ = std::move(*opened);
  }
  policies_ = std::make_unique<PolicyRegistry>(store());
  Status s = policies_->Initialize(DefaultPolicy(), clock().Now());
  if (!s.ok()) throw std::runtime_error(s.message());
  engine_ = std::make_unique<CaseEngine>(store(), clock(), *policies_);
  cases_ = std::make_unique<JsonApi>(*engine_);
  users_ = std::make_unique<UserService>(store(), clock(), *policies_, wall_);

  AddUser("buyer", Role::kBuyer, "b1");
  AddUser("buyer2", Role::kBuyer, "b2");
  AddUser("integration", Role::kIntegration);
  AddUser("agent", Role::kAgent);
  AddUser("supervisor", Role::kSupervisor);
  AddUser("manager", Role::kManager);
  AddUser("warehouse", Role::kWarehouse);
  AddUser("finance", Role::kFinance);
  AddUser("admin", Role::kAdmin);

  HttpServerOptions server_options = options.server;
  if (!server_options.access_log) {
    server_options.access_log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
  }
  server_ = std::make_unique<HttpServer>(services(), server_options);
  Status started = server_->Start("127.0.0.1", 0);
  if (!started.ok()) throw std::runtime_error(started.message());
}

WebFixture::~WebFixture() {
  if (server_) server_->Stop();
}

const Clock& WebFixture::clock() const {
  if (test_clock_) return *test_clock_;
  return engine_clock_;
}

WebServices WebFixture::services() {
  return WebServices{store(), *cases_, *users_, *policies_, clock(), wall_, test_clock_.get()};
}

std::string WebFixture::AddUser(const std::string& name, Role role, std::optional<std::string> external_id,
                                std::optional<std::string> password, std::optional<Money> approval_limit) {
  NewUser spec;
  spec.name = name;
  spec.role = role;
  spec.external_id = std::move(external_id);
  spec.password = std::move(password);
  spec.approval_limit = approval_limit;
  Actor system;
  system.id = "system";
  system.role = Role::kSystem;
  auto created = users_->CreateUser(system, spec);
  if (!created.ok()) throw std::runtime_error("cannot add user " + name + ": " + created.status().message());
  tokens_[name] = created->token;
  user_ids_[name] = created->user["id"].get<std::string>();
  return created->token;
}

HttpResult WebFixture::Send(const std::string& method, const std::string& path, const std::string& body,
                            const std::string& token, httplib::Headers headers, const std::string& content_type) {
  httplib::Client client("127.0.0.1", port());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  client.set_write_timeout(10, 0);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    result = client.Get(path, headers);
  } else if (method == "POST") {
    result = client.Post(path, headers, body, content_type);
  } else if (method == "PATCH") {
    result = client.Patch(path, headers, body, content_type);
  } else if (method == "PUT") {
    result = client.Put(path, headers, body, content_type);
  } else if (method == "DELETE") {
    result = client.Delete(path, headers);
  } else if (method == "HEAD") {
    result = client.Head(path, headers);
  }
  HttpResult out;
  if (!result) return out;
  out.status = result->status;
  out.body = result->body;
  out.headers = result->headers;
  return out;
}

HttpResult WebFixture::Get(const std::string& path, const std::string& token, const httplib::Headers& headers) {
  return Send("GET", path, "", token, headers, "");
}

HttpResult WebFixture::Post(const std::string& path, const std::string& body, const std::string& token,
                            const httplib::Headers& headers, const std::string& content_type) {
  return Send("POST", path, body, token, headers, content_type);
}

HttpResult WebFixture::Post(const std::string& path, const json& body, const std::string& token,
                            const httplib::Headers& headers) {
  return Send("POST", path, body.dump(), token, headers, "application/json");
}

HttpResult WebFixture::Patch(const std::string& path, const json& body, const std::string& token,
                             const httplib::Headers& headers) {
  return Send("PATCH", path, body.dump(), token, headers, "application/json");
}

HttpResult WebFixture::Put(const std::string& path, const json& body, const std::string& token,
                           const httplib::Headers& headers) {
  return Send("PUT", path, body.dump(), token, headers, "application/json");
}

HttpResult WebFixture::Delete(const std::string& path, const std::string& token, const httplib::Headers& headers) {
  return Send("DELETE", path, "", token, headers, "");
}

std::vector<std::string> WebFixture::access_log() {
  std::lock_guard<std::mutex> lock(log_mu_);
  return log_;
}

int ConnectTo(int port, const std::string& source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string RawExchange(int port, const std::string& raw, int timeout_ms, const std::string& source) {
  const int fd = ConnectTo(port, source);
  if (fd < 0) return "";
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early; read what it said
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

int RawStatus(const std::string& raw) {
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

int RawResponseCount(const std::string& raw) {
  int count = 0;
  for (std::size_t pos = raw.find("HTTP/1.1 "); pos != std::string::npos; pos = raw.find("HTTP/1.1 ", pos + 1)) {
    ++count;
  }
  return count;
}

json OrderBody(const std::string& id, const std::string& buyer_id) {
  return json{
      {"id", id},
      {"buyer_id", buyer_id},
      {"currency", "CNY"},
      {"placed_at", "2026-10-25T08:00:00Z"},
      {"delivered_at", "2026-10-30T08:00:00Z"},
      {"shipping_paid", 1000},
      {"lines",
       json::array({json{{"line_id", "l1"}, {"sku", "KETTLE-1"}, {"title", "Kettle"}, {"qty", 2}, {"paid", 20000}},
                    json{{"line_id", "l2"},
                         {"sku", "MUG-1"},
                         {"title", "Mug"},
                         {"qty", 1},
                         {"paid", 3000},
                         {"no_reason_return", true}}})}};
}

}  // namespace aftersales::testing
