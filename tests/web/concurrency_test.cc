// SPEC §6.13: 64 idle or slow clients holding connections delay no other
// client by more than a second.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

TEST_CASE("64 idle and slow connections do not hold up another client", "[web][concurrency][latency]") {
  WebFixture web;
  std::vector<int> held;
  for (int i = 0; i < 64; ++i) {
    const int fd = ConnectTo(web.port());
    REQUIRE(fd >= 0);
    if (i % 2 == 1) {
      // Slow: half a request head, never finished.
      const std::string partial = "GET /api/v1/policy HTTP/1.1\r\nHost: t\r\nX-Slow: ";
      ::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
    }
    held.push_back(fd);
  }
  SleepForMillis(100);  // let the server take them all
  for (int round = 0; round < 3; ++round) {
    const double start = MonotonicSeconds();
    HttpResult r = web.Get("/api/v1/policy", web.token("buyer"));
    const double elapsed = MonotonicSeconds() - start;
    CHECK(r.status == 200);
    CHECK(elapsed < 1.0);
  }
  for (int fd : held) ::close(fd);
}

TEST_CASE("keep-alive clients are served many requests on one connection", "[web][concurrency]") {
  WebFixture web;
  httplib::Client client("127.0.0.1", web.port());
  client.set_keep_alive(true);
  client.set_read_timeout(5, 0);
  const double start = MonotonicSeconds();
  for (int i = 0; i < 50; ++i) {
    auto r = client.Get("/healthz");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // Without TCP_NODELAY each exchange waits for delayed ACKs (about 40 ms).
  CHECK(MonotonicSeconds() - start < 1.0);
}

TEST_CASE("stopping finishes requests in flight", "[web][concurrency]") {
  WebFixture web;
  HttpServerOptions quiet;
  quiet.access_log = [](const std::string&) {};
  HttpServer server(web.services(), quiet);
  REQUIRE(server.Start("127.0.0.1", 0).ok());
  const int port = server.port();
  // An idle keep-alive connection must not hold Stop() for its whole timeout.
  const int idle = ConnectTo(port);
  REQUIRE(idle >= 0);
  SleepForMillis(50);
  const double start = MonotonicSeconds();
  server.Stop();
  CHECK(MonotonicSeconds() - start < 1.0);
  ::close(idle);
}

}  // namespace
}  // namespace aftersales::testing
