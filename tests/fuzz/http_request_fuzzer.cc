// Fuzz target `http_request`: raw bytes on a TCP connection to the real
// server, so that they meet GuardedServer's request-head reading,
// cpp-httplib's parser, the pre-routing checks of web/request_limits.h
// (framing, header size, body size, media type), authentication, routing,
// idempotency and the handlers, exactly as a client's bytes would.
//
// The server (tests/web/web_fixture.h: an HttpServer on an ephemeral
// loopback port, a SQLite file in a temporary directory, a user of every
// role) starts once per process; one order and one case are seeded.
//
// Input: the bytes a client sends, after which it closes its sending side.
// `{{name}}` stands for the bearer token of the fixture's user `name`
// (buyer, integration, agent, supervisor, manager, warehouse, finance,
// admin) and `{{case}}` for the seeded case's id, so that the corpus can
// reach past authentication; the fuzzer may mutate them like any byte.
//
// Invariants, beyond "no crash, no sanitizer report":
//  - the server closes the connection within 8 s of the client's close;
//  - a non-empty answer starts with a well-formed status line
//    ("HTTP/1.1 NNN ...") and a complete header block, with a status from
//    100 to 499: no request may meet an internal error (500) or an
//    unavailable store (503);
//  - after an input answered with nothing, the server still answers
//    GET /healthz with 200;
//  - an input whose first head the strict reader (web/request_head.h)
//    refuses gets exactly one answer, with the reader's status: nothing in
//    it (a spaced "Content-Length :", a second Content-Length, any
//    Transfer-Encoding) frames a second request.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "web/request_head.h"
#include "web/web_fixture.h"

namespace aftersales::fuzz {
namespace {

constexpr int kAnswerWaitMillis = 8000;  // below libFuzzer's -timeout=10

struct Exchange {
  std::string answer;
  bool closed = false;  // the server ended the connection (EOF or reset)
};

// A connected socket to 127.0.0.1:`port`. libFuzzer's timer (SIGALRM)
// interrupts the calling thread now and then: an interrupted connect goes
// on in the background, so wait for it instead of starting another.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  FUZZ_CHECK(fd >= 0, std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  while (r != 0 && (errno == EINTR || errno == EALREADY)) {
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, kAnswerWaitMillis);
    r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    if (r != 0 && errno == EISCONN) r = 0;
  }
  FUZZ_CHECK(r == 0, "cannot connect to the server on port " + std::to_string(port) + ": " + std::strerror(errno));
  return fd;
}

// Sends `request`, closes the sending side, and reads until the server
// closes the connection or kAnswerWaitMillis pass without a byte.
Exchange Send(int port, std::string_view request) {
  const int fd = Connect(port);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may stop reading early; it still answers
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  Exchange out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kAnswerWaitMillis);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.closed = true;
      break;
    }
    out.answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// How many answers `answer` holds (status lines at the start of a line).
int AnswerCount(const std::string& answer) {
  int count = 0;
  for (std::size_t pos = answer.find("HTTP/1.1 "); pos != std::string::npos; pos = answer.find("HTTP/1.1 ", pos + 1)) {
    count += pos == 0 || answer[pos - 1] == '\n';
  }
  return count;
}

// The status of a well-formed "HTTP/1.1 NNN reason\r\n...\r\n\r\n" head; 0 otherwise.
int StatusOfHead(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 13 || answer[12] != ' ') return 0;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (answer[i] < '0' || answer[i] > '9') return 0;
    status = status * 10 + (answer[i] - '0');
  }
  return answer.find("\r\n\r\n") == std::string::npos ? 0 : status;
}

// Blocks SIGALRM (libFuzzer's timer) in the calling thread while it lives,
// so that the server's threads, which inherit the mask when they start, never
// take it: `aftersales serve` likewise leaves signals to one thread.
class AlarmBlocked {
 public:
  AlarmBlocked() {
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, &previous_);
  }
  ~AlarmBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  AlarmBlocked(const AlarmBlocked&) = delete;
  AlarmBlocked& operator=(const AlarmBlocked&) = delete;

 private:
  sigset_t previous_;
};

class Server {
 public:
  Server() {
    {
      const AlarmBlocked blocked;
      fixture_ = std::make_unique<testing::WebFixture>(Options());
    }
    for (const char* user :
         {"buyer", "integration", "agent", "supervisor", "manager", "warehouse", "finance", "admin"}) {
      placeholders_[std::string("{{") + user + "}}"] = fixture_->token(user);
    }
    auto order = fixture_->Post("/api/v1/orders", testing::OrderBody("o1", "b1"), fixture_->token("integration"));
    FUZZ_CHECK(order.status == 201, "seeding the order answered " + std::to_string(order.status) + " " + order.body);
    const nlohmann::json submit = {{"order_id", "o1"},
                                   {"type", "refund_only"},
                                   {"reason", "quality_issue"},
                                   {"lines", {{{"line_id", "l2"}, {"qty", 1}}}}};
    auto c = fixture_->Post("/api/v1/cases", submit, fixture_->token("buyer"));
    FUZZ_CHECK(c.status == 201, "seeding the case answered " + std::to_string(c.status) + " " + c.body);
    placeholders_["{{case}}"] = c.Json().at("id").get<std::string>();
  }

  int port() const { return fixture_->port(); }

  // `input` with every known {{name}} replaced.
  std::string Expand(std::string_view input) const {
    std::string out;
    out.reserve(input.size());
    std::size_t pos = 0;
    while (pos < input.size()) {
      const std::size_t open = input.find("{{", pos);
      const std::size_t close = open == std::string_view::npos ? open : input.find("}}", open + 2);
      if (close == std::string_view::npos) break;
      auto it = placeholders_.find(std::string(input.substr(open, close + 2 - open)));
      out.append(input.substr(pos, open - pos));
      out.append(it == placeholders_.end() ? std::string(input.substr(open, close + 2 - open)) : it->second);
      pos = close + 2;
    }
    out.append(input.substr(pos));
    return out;
  }

 private:
  static testing::WebFixture::Options Options() {
    testing::WebFixture::Options options;
    options.server.connections.workers = 8;
    options.server.access_log = [](const std::string&) {};
    return options;
  }

  std::unique_ptr<testing::WebFixture> fixture_;
  std::map<std::string, std::string> placeholders_;
};

Server& TheServer() {
  static Server server;
  return server;
}

}  // namespace
}  // namespace aftersales::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aftersales::fuzz::TheServer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aftersales::fuzz;
  Server& server = TheServer();
  const std::string request = server.Expand(std::string_view(reinterpret_cast<const char*>(data), size));
  const Exchange exchange = Send(server.port(), request);
  FUZZ_CHECK(exchange.closed, "the server kept the connection open " + std::to_string(kAnswerWaitMillis) +
                                  " ms after the client closed its side");
  if (exchange.answer.empty()) {
    if (request.empty()) return 0;
    const Exchange probe = Send(server.port(), "GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n");
    FUZZ_CHECK(StatusOfHead(probe.answer) == 200,
               "after a request answered with nothing, GET /healthz answers: " + probe.answer.substr(0, 200));
    return 0;
  }
  const int status = StatusOfHead(exchange.answer);
  FUZZ_CHECK(status >= 100 && status <= 499,
             "the answer starts badly or with a server error:\n" + exchange.answer.substr(0, 2000));
  aftersales::RequestHeadScanner strict;
  if (strict.Feed(request) == aftersales::RequestHeadScanner::Verdict::kRefused) {
    FUZZ_CHECK(status == strict.refusal_status() && AnswerCount(exchange.answer) == 1,
               "a head the strict reader refuses with " + std::to_string(strict.refusal_status()) +
                   " was answered:\n" + exchange.answer.substr(0, 2000));
  }
  return 0;
}
