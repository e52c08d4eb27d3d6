// ConnectionLoop: the server's TCP side. One event thread (epoll) accepts
// connections and holds every connection between requests and while a
// request arrives; a request goes to a worker thread only once it is all
// there (its head, and its body unless that is refused unread or awaited
// with "100 Continue"). So an idle keep-alive connection, a client that
// trickles its head one byte at a time (slowloris) or one that connects and
// sends nothing costs a file descriptor and a few bytes, never a worker.
// A worker that answered a keep-alive request first waits a moment
// (follow_up_wait_ms) for the connection's next request and serves it itself
// when it arrives whole: a client that sends its next request at once costs
// no hand-off between threads. It waits only if, when the wait begins, no
// request is queued and more workers are idle than are waiting so; a
// request queued during the wait is then taken by an idle worker, or at
// worst waits out the rest of it. (A request that arrives during the wait
// of a stopping server is answered, with `Connection: close`.) Then, with
// nothing more received, the worker puts the connection back under epoll
// itself: the event thread is not woken for it, and takes note when it next
// wakes.
//
// Limits, each answered at once rather than queued:
//  - connections in all, and per client address: over either, the new
//    connection gets 503 server_busy with Retry-After and is closed;
//  - a request head must arrive within head_timeout_ms of its first byte
//    (of the accept, for a connection's first request), and its body within
//    request_timeout_ms: else 408 request_timeout and close;
//  - an idle keep-alive connection is closed after idle_timeout_ms;
//  - heads are read strictly (web/request_head.h): what it refuses is
//    answered here (400, 411, 414, 431) and the connection closed;
//  - received requests waiting for a worker: over max_queued_requests, and
//    request bodies held in memory: over max_buffered_body_bytes, 503.
// Answers written here are small problem+json documents with
// `Connection: close`; the connection then lingers a moment, reading and
// dropping what the client still sends, so that the answer is not lost to a
// TCP reset.
//
// Thread-safety: Start and Stop from one controlling thread; the serve
// callback runs on the worker threads, any number at once. It may change
// the request's bytes but not the rest: a worker serving a connection's
// next request reuses them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "domain/status.h"

namespace aftersales {

struct ConnectionLimits {
  int workers = 64;
  std::size_t max_connections = 10000;  // lowered to fit the process's file descriptor limit
  std::size_t max_connections_per_address = 1000;
  std::size_t max_queued_requests = 1024;
  std::size_t max_buffered_body_bytes = 256 * 1024 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;  // larger bodies are left unread for the 413 answer
  int head_timeout_ms = 10000;
  int request_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  int write_timeout_ms = 5000;
  int keep_alive_max_requests = 1000;
  int listen_backlog = 1024;
  // How long a worker waits for a keep-alive connection's next request (0:
  // not at all). Under load the next request can take a few milliseconds
  // (wrk's 32 connections on two cores: 2 ms waits missed 5 % of them, 10 ms
  // almost none; docs/BENCHMARKS.md).
  int follow_up_wait_ms = 10;
};

// A request handed to a worker: its connection and the bytes received for
// it (the head, the body as far as it was read, perhaps the start of a
// pipelined next request).
struct ReceivedRequest {
  int fd = -1;
  std::string bytes;
  int served_before = 0;    // requests already answered on this connection
  bool last = false;        // the connection's last request (keep-alive limit, or stopping)
  double deadline = 0;      // MonotonicSeconds() by which the rest of the request must arrive
  int write_timeout_ms = 0;
  std::string remote_ip;    // the connection's peer, numeric, as taken at accept
  int remote_port = 0;
  std::string local_ip;     // the connection's own end, numeric
  int local_port = 0;
};

// What became of the connection once the worker answered.
struct ServeOutcome {
  enum class Next { kKeepAlive, kLinger, kClose } next = Next::kClose;
  std::string unread;  // received bytes the request did not use (kKeepAlive)
};

using RequestServer = std::function<ServeOutcome(ReceivedRequest&)>;
// Told of every answer the loop writes itself (its status), for the log.
using RefusalObserver = std::function<void(const std::string& remote_ip, int status, const Status& why)>;

class ConnectionLoop {
 public:
  ConnectionLoop(ConnectionLimits limits, RequestServer serve, RefusalObserver observe = {});
  ~ConnectionLoop();  // stops
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Binds `host:port` (0: an ephemeral port) and starts the event thread
  // and the workers. Errors: unavailable (with the address and the reason),
  // already_exists (started twice).
  Status Start(const std::string& host, int port);
  int port() const;
  // Stops accepting, closes every connection that waits between or inside
  // requests, lets the workers answer every request already received, then
  // returns. Safe to call more than once.
  void Stop();

  struct Counts {
    std::size_t connections = 0;  // open, all states
    std::size_t busy = 0;         // with a worker, or queued for one
  };
  // A snapshot for metrics and tests.
  Counts counts() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aftersales
