// SPEC §6.13: 64 idle or slow clients holding connections delay no other
// client by more than a second; keep-alive and TCP_NODELAY; Stop() with
// idle connections open.
//
// No test here compares the wall clock with a tight bound (a correct server
// on a busy machine, under sanitizers, misses tight bounds at random). Each
// either checks the state that tells the behaviours apart (the held
// connections are still open when another client is served) or configures
// the slow behaviour to take many seconds and bounds the time far below it.
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "web/read_answer.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

// How long the server keeps idle and slow connections open in these tests
// (their head, request and idle timeouts): a request that had to wait for
// one of them to be dropped would wait this long.
constexpr int kHoldSeconds = 30;

// Whether the server still holds `fd` open (it has not closed it and has
// sent nothing on it).
bool StillHeld(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;  // nothing to read: open and quiet
  char byte;
  return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

WebFixture::Options Holding() {
  WebFixture::Options o;
  o.server.connections.head_timeout_ms = kHoldSeconds * 1000;
  o.server.connections.request_timeout_ms = kHoldSeconds * 1000;
  o.server.connections.idle_timeout_ms = kHoldSeconds * 1000;
  return o;
}

TEST_CASE("64 idle and slow connections do not hold up another client", "[web][concurrency][latency]") {
  WebFixture web(Holding());
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
  // The server takes the 64 connections whenever it gets to them; the
  // requests below are served in any case, early or late.
  for (int round = 0; round < 3; ++round) {
    const double start = MonotonicSeconds();
    HttpResult r = web.Get("/api/v1/policy", web.token("buyer"));
    const double elapsed = MonotonicSeconds() - start;
    CHECK(r.status == 200);
    // Served while every idle and slow client still holds its connection:
    // the server did not have to drop one (after kHoldSeconds) to free a
    // worker for this client, which is what "delays no other client"
    // means. A server that queued the request behind them would also take
    // about kHoldSeconds; a third of it is far from that and from the
    // milliseconds a request takes (SPEC's one second is met because idle
    // and slow connections wait in the event loop, never on a worker,
    // web/connection_loop.h; measured, not asserted).
    for (int fd : held) CHECK(StillHeld(fd));
    INFO("the request took " << elapsed << " s");
    CHECK(elapsed < kHoldSeconds / 3.0);
  }
  for (int fd : held) ::close(fd);
}

TEST_CASE("keep-alive clients are served many requests on one connection", "[web][concurrency][latency]") {
  WebFixture web;
  // One TCP connection, 100 requests, each answered on it (the server
  // allows ConnectionLimits::keep_alive_max_requests on one connection).
  constexpr int requests = 100;
  REQUIRE(requests <= ConnectionLimits{}.keep_alive_max_requests);
  const int fd = ConnectTo(web.port());
  REQUIRE(fd >= 0);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  const double start = MonotonicSeconds();
  int answered = 0;
  for (int i = 0; i < requests; ++i) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) break;
    const std::string response = ReadAnswer(fd, kHoldSeconds * 1000);
    if (RawStatus(response) != 200) break;
    ++answered;
  }
  const double elapsed = MonotonicSeconds() - start;
  ::close(fd);
  CHECK(answered == requests);
  // TCP_NODELAY: without it, each answer (head and body written apart)
  // waits for the client's delayed ACK, 40 ms on Linux: 100 requests took
  // 4.4 s when it was switched off. With it they take milliseconds; a
  // bound of half the delayed-ACK cost is far from both. ([latency]: not
  // run under ThreadSanitizer, which slows every request 5-15x and is
  // there for races, not for this.)
  INFO(requests << " requests took " << elapsed << " s");
  CHECK(elapsed < requests * 0.040 / 2);
}

TEST_CASE("an idle keep-alive connection does not hold Stop() for its timeout", "[web][concurrency]") {
  WebFixture web;
  HttpServerOptions quiet = Holding().server;
  quiet.access_log = [](const std::string&) {};
  HttpServer server(web.services(), quiet);
  REQUIRE(server.Start("127.0.0.1", 0).ok());
  const int port = server.port();
  // One idle connection (taken by the server, no request yet) and one that
  // was served and stays open, keep-alive.
  const int idle = ConnectTo(port);
  REQUIRE(idle >= 0);
  const int kept = ConnectTo(port);
  REQUIRE(kept >= 0);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(::send(kept, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  REQUIRE(RawStatus(ReadAnswer(kept, kHoldSeconds * 1000)) == 200);
  const double start = MonotonicSeconds();
  server.Stop();
  const double elapsed = MonotonicSeconds() - start;
  // Each connection would hold Stop() for its keep-alive timeout
  // (kHoldSeconds here); a third of it is far from that and from the
  // fraction of a second the server takes to notice.
  INFO("Stop() took " << elapsed << " s");
  CHECK(elapsed < kHoldSeconds / 3.0);
  // And the server closed them.
  CHECK_FALSE(StillHeld(kept));
  ::close(idle);
  ::close(kept);
}

}  // namespace
}  // namespace aftersales::testing
