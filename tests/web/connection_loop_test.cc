// ConnectionLoop (web/connection_loop.h) on its own, with a serve callback
// the test controls: what the loop does when every worker is held.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "domain/clock.h"
#include "web/connection_loop.h"
#include "web/read_answer.h"
#include "web/web_fixture.h"

namespace aftersales::testing {
namespace {

constexpr int kGiveUpMillis = 5000;
const std::string kRequest = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

// A serve callback that answers 200 on the connection, and holds every
// request until Release() while `hold` is set.
class HeldServer {
 public:
  ServeOutcome Serve(ReceivedRequest& request) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++started_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return !held_; });
    }
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    (void)!::send(request.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ServeOutcome outcome;
    outcome.next = ServeOutcome::Next::kKeepAlive;
    return outcome;
  }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::milliseconds(kGiveUpMillis), [&] { return started_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int started_ = 0;
  bool held_ = true;
};

bool Send(int fd) {
  return ::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(kRequest.size());
}

TEST_CASE("with its one worker held and its queue full the loop answers 503 and serves the rest afterwards",
          "[web][connections]") {
  ConnectionLimits limits;
  limits.workers = 1;
  limits.max_queued_requests = 1;
  HeldServer held;
  ConnectionLoop loop(limits, [&](ReceivedRequest& r) { return held.Serve(r); });
  // Declared after the loop, so destroyed before it: a failed check below
  // releases the held worker instead of leaving Stop() waiting for it.
  struct ReleaseOnExit {
    HeldServer& held;
    ~ReleaseOnExit() { held.Release(); }
  } release_on_exit{held};
  REQUIRE(loop.Start("127.0.0.1", 0).ok());

  const int first = ConnectTo(loop.port());   // taken by the one worker, held
  const int second = ConnectTo(loop.port());  // waits in the queue
  const int third = ConnectTo(loop.port());   // finds the queue full
  REQUIRE((first >= 0 && second >= 0 && third >= 0));
  REQUIRE(Send(first));
  REQUIRE(held.WaitStarted(1));
  REQUIRE(Send(second));
  // The second request is queued once the loop counts it busy.
  const double until = MonotonicSeconds() + kGiveUpMillis / 1000.0;
  while (loop.counts().busy < 2 && MonotonicSeconds() < until) SleepForMillis(5);
  REQUIRE(loop.counts().busy == 2);
  REQUIRE(Send(third));
  const std::string refused = ReadAnswer(third, kGiveUpMillis);
  CHECK(RawStatus(refused) == 503);
  CHECK(refused.find("server_busy") != std::string::npos);
  CHECK(refused.find("Connection: close") != std::string::npos);
  // The refused connection lingers under epoll, reading and dropping what
  // the client still sends: closed with that input unread, it would be
  // reset (RST) instead of closed.
  const std::string more = "more bytes from a client that did not read the answer yet";
  REQUIRE(::send(third, more.data(), more.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(more.size()));

  held.Release();
  CHECK(RawStatus(ReadAnswer(first, kGiveUpMillis)) == 200);
  CHECK(RawStatus(ReadAnswer(second, kGiveUpMillis)) == 200);
  // Both stay served on their connections; the refused one is closed.
  for (int round = 0; round < 20; ++round) {
    for (int fd : {first, second}) {
      REQUIRE(Send(fd));
      REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
    }
  }
  // After the linger (1 s): an orderly end, no reset (which would leave
  // EPIPE or ECONNRESET as the socket's error).
  SleepForMillis(1500);
  char byte;
  pollfd p{third, POLLIN, 0};
  CHECK(::poll(&p, 1, kGiveUpMillis) == 1);
  CHECK(::recv(third, &byte, 1, 0) == 0);
  int error = 0;
  socklen_t error_size = sizeof error;
  REQUIRE(::getsockopt(third, SOL_SOCKET, SO_ERROR, &error, &error_size) == 0);
  CHECK(error == 0);
  for (int fd : {first, second, third}) ::close(fd);
  loop.Stop();
}

// A serve callback that answers 200 and notes, for each request, the
// thread that served it and what the loop told it.
class RecordingServer {
 public:
  struct Served {
    std::thread::id thread;
    int served_before;
    bool last;
    std::string bytes;
  };
  ServeOutcome Serve(ReceivedRequest& request) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      served_.push_back({std::this_thread::get_id(), request.served_before, request.last, request.bytes});
    }
    const std::string answer = std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n") +
                               (request.last ? "Connection: close\r\n" : "") + "\r\n";
    (void)!::send(request.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ServeOutcome outcome;
    outcome.next = request.last ? ServeOutcome::Next::kClose : ServeOutcome::Next::kKeepAlive;
    return outcome;
  }
  std::vector<Served> served() {
    std::lock_guard<std::mutex> lock(mu_);
    return served_;
  }

 private:
  std::mutex mu_;
  std::vector<Served> served_;
};

bool SendText(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// A worker that answered a keep-alive request waits a moment for the
// connection's next one and serves it itself: requests each sent as soon as
// the answer before it arrives follow one another on one thread (the wait
// is long here, so that a slow machine does not miss it), numbered as the
// event thread numbers them, the keep-alive limit included. What arrives in
// part, or after the wait, is read by the event thread and served all the
// same.
TEST_CASE("a keep-alive connection's next request is served by the worker that answered the last one",
          "[web][connections]") {
  ConnectionLimits limits;
  limits.workers = 4;
  limits.keep_alive_max_requests = 30;
  limits.follow_up_wait_ms = 500;
  RecordingServer recorder;
  ConnectionLoop loop(limits, [&](ReceivedRequest& r) { return recorder.Serve(r); });
  REQUIRE(loop.Start("127.0.0.1", 0).ok());
  const int fd = ConnectTo(loop.port());
  REQUIRE(fd >= 0);
  constexpr int kAtOnce = 20;
  for (int i = 0; i < kAtOnce; ++i) {
    REQUIRE(Send(fd));
    REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
  }
  // A head in two parts: the waiting worker reads the first and leaves the
  // rest to the event thread.
  REQUIRE(SendText(fd, "GET /split HTTP/1.1\r\n"));
  SleepForMillis(50);
  REQUIRE(SendText(fd, "Host: t\r\n\r\n"));
  REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
  // After a pause longer than the wait.
  SleepForMillis(limits.follow_up_wait_ms + 100);
  REQUIRE(Send(fd));
  REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
  // A request with a body, sent at once: served whole.
  const std::string post = "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  REQUIRE(SendText(fd, post));
  REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
  // The rest up to the keep-alive limit: the last is told so.
  for (int i = kAtOnce + 3; i < limits.keep_alive_max_requests; ++i) {
    REQUIRE(Send(fd));
    REQUIRE(RawStatus(ReadAnswer(fd, kGiveUpMillis)) == 200);
  }
  ::close(fd);
  loop.Stop();

  const auto served = recorder.served();
  REQUIRE(served.size() == static_cast<std::size_t>(limits.keep_alive_max_requests));
  int same_thread = 0;
  for (std::size_t i = 0; i < served.size(); ++i) {
    INFO("request " << i);
    CHECK(served[i].served_before == static_cast<int>(i));
    CHECK(served[i].last == (i + 1 == served.size()));
    if (i > 0 && i < static_cast<std::size_t>(kAtOnce) && served[i].thread == served[i - 1].thread) ++same_thread;
  }
  CHECK(same_thread == kAtOnce - 1);
  CHECK(served[kAtOnce].bytes == "GET /split HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(served[kAtOnce + 2].bytes == post);
}

}  // namespace
}  // namespace aftersales::testing
